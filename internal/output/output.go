// Package output is how ecsctl talks to people and pipelines: results on
// stdout (text or JSON), progress on stderr — redrawn in place on a terminal,
// plain timestamped lines in CI or when redirected.
package output

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// Format is the format of results on stdout.
type Format string

// Formats.
const (
	Text Format = "text"
	JSON Format = "json"
)

// ParseFormat checks a --output value.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case Text, JSON:
		return Format(s), nil
	}
	return "", fmt.Errorf("unknown output format %q: use text or json", s)
}

// Options configure a Printer.
type Options struct {
	Stdout, Stderr io.Writer
	Format         Format
	NoColor        bool
	// Getenv reads CI, CODEBUILD_BUILD_ID and NO_COLOR; default os.Getenv.
	Getenv func(string) string
	// Now stamps plain progress lines; default time.Now.
	Now func() time.Time
	// Redact, when set, rewrites everything written to stdout and stderr,
	// e.g. to take out the secret values a config lookup resolved.
	Redact func(string) string
}

// Printer writes results and progress.
type Printer struct {
	out, err io.Writer
	format   Format
	live     bool
	color    bool
	width    func() int
	now      func() time.Time

	mu    sync.Mutex
	board *Board // the board drawing on stderr, if any
}

// New returns a Printer. Progress is live (redrawn in place) only when stderr
// is a terminal and neither CI nor CODEBUILD_BUILD_ID is set; color only on a
// terminal and without --no-color or NO_COLOR.
func New(o Options) *Printer {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Format == "" {
		o.Format = Text
	}
	p := &Printer{out: o.Stdout, err: o.Stderr, format: o.Format, now: o.Now, width: func() int { return 0 }}
	if o.Redact != nil {
		p.out, p.err = redactWriter{o.Stdout, o.Redact}, redactWriter{o.Stderr, o.Redact}
	}
	if f, ok := o.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		inCI := o.Getenv("CI") != "" || o.Getenv("CODEBUILD_BUILD_ID") != ""
		p.live = !inCI
		p.color = !o.NoColor && o.Getenv("NO_COLOR") == ""
		p.width = func() int {
			w, _, err := term.GetSize(int(f.Fd()))
			if err != nil {
				return 0
			}
			return w
		}
	}
	return p
}

// Live reports whether progress is redrawn in place.
func (p *Printer) Live() bool { return p.live }

// JSON reports whether results are printed as JSON.
func (p *Printer) JSON() bool { return p.format == JSON }

// Stdout is where results go.
func (p *Printer) Stdout() io.Writer { return p.out }

// Stderr is where progress goes.
func (p *Printer) Stderr() io.Writer { return p.err }

// Logf prints a progress line on stderr (timestamped unless live).
func (p *Printer) Logf(format string, args ...any) {
	p.line(fmt.Sprintf(format, args...))
}

// Warnf prints a warning on stderr.
func (p *Printer) Warnf(format string, args ...any) {
	p.line(p.Yellow("warning: ") + fmt.Sprintf(format, args...))
}

func (p *Printer) line(s string) {
	p.mu.Lock()
	b := p.board
	p.mu.Unlock()
	if b != nil {
		b.Event("", s)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.err, p.stamp()+s)
}

// stamp is the prefix of plain progress lines.
func (p *Printer) stamp() string {
	if p.live {
		return ""
	}
	return p.now().UTC().Format("2006-01-02T15:04:05Z") + " "
}

// TextResult is a result that knows how to print itself as text.
type TextResult interface {
	WriteText(w io.Writer) error
}

// Result prints a command's result on stdout: v as indented JSON with
// --output json, else v's WriteText.
func (p *Printer) Result(v TextResult) error {
	if p.format == JSON {
		enc := json.NewEncoder(p.out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
	return v.WriteText(p.out)
}

func (p *Printer) paint(code, s string) string {
	if !p.color || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// Green, Red, Yellow, Bold and Dim style s on a color terminal.
func (p *Printer) Green(s string) string  { return p.paint("32", s) }
func (p *Printer) Red(s string) string    { return p.paint("31", s) }
func (p *Printer) Yellow(s string) string { return p.paint("33", s) }
func (p *Printer) Bold(s string) string   { return p.paint("1", s) }
func (p *Printer) Dim(s string) string    { return p.paint("2", s) }

// redactWriter rewrites what goes through it. Writers here write whole
// lines or whole documents per call, so a value is never split across calls.
type redactWriter struct {
	w      io.Writer
	redact func(string) string
}

func (r redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, r.redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// truncate cuts s to w visible columns (ANSI sequences do not count).
func truncate(s string, w int) string {
	if w <= 0 {
		return s
	}
	var b strings.Builder
	cols, inEsc := 0, false
	for _, r := range s {
		switch {
		case r == '\x1b':
			inEsc = true
		case inEsc:
			if r == 'm' {
				inEsc = false
			}
		default:
			if cols >= w-1 {
				b.WriteString("\x1b[0m")
				return b.String()
			}
			cols++
		}
		b.WriteRune(r)
	}
	return b.String()
}
