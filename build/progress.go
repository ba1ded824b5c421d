package build

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Progress receives what a build is doing, per image. output.Board fits:
// on a terminal it redraws one status line per image; in CI it prints each
// status change and event as a stamped, prefixed line.
type Progress interface {
	// Set replaces the image's status line ("#5 RUN go build ./...").
	Set(image, status string)
	// Event records a line that stays in the output ("#5 DONE 1.2s").
	Event(image, line string)
}

type nopProgress struct{}

func (nopProgress) Set(string, string)   {}
func (nopProgress) Event(string, string) {}

// tailLines is how many of a step's last output lines an error shows.
const tailLines = 12

// tracker follows one image's BuildKit vertexes ("steps") and turns them
// into progress and, when the build fails, a StepError.
type tracker struct {
	image   string
	out     Progress
	verbose bool // CI: every step start, end and output line as an event
	df      *dockerfile
	now     func() time.Time

	steps map[string]*step // by vertex digest
	order []*step
}

type step struct {
	num                int
	name               string
	cached             bool
	started, completed time.Time
	err                string
	announced, ended   bool
	partial            [3]bytes.Buffer // incomplete output line per stream
	tail               []string        // last output lines, both streams
	progress           string          // e.g. "transferring context: 12.0 MB"
}

func newTracker(image string, out Progress, verbose bool, df *dockerfile) *tracker {
	return &tracker{image: image, out: out, verbose: verbose, df: df, now: time.Now, steps: map[string]*step{}}
}

func (t *tracker) step(digest string) *step {
	s := t.steps[digest]
	if s == nil {
		s = &step{}
		t.steps[digest] = s
		t.order = append(t.order, s)
	}
	return s
}

// announce numbers a step the first time it starts (or is cached), as
// BuildKit's own progress does.
func (t *tracker) announce(s *step) {
	if s.announced {
		return
	}
	s.announced = true
	n := 0
	for _, o := range t.order {
		if o.num > n {
			n = o.num
		}
	}
	s.num = n + 1
	if t.verbose {
		t.out.Event(t.image, fmt.Sprintf("#%d %s", s.num, s.name))
	}
}

func (t *tracker) handle(sr *statusResponse) {
	for _, v := range sr.vertexes {
		s := t.step(v.digest)
		s.name = strings.Join(strings.Fields(v.name), " ") // joined continuation lines leave runs of spaces
		if v.cached {
			s.cached = true
		}
		if !v.started.IsZero() {
			s.started = v.started
		}
		if !v.completed.IsZero() {
			s.completed = v.completed
		}
		if v.err != "" {
			s.err = v.err
		}
		if s.started.IsZero() && !s.cached {
			continue // known but not running yet
		}
		t.announce(s)
		if s.ended || (s.completed.IsZero() && !s.cached && s.err == "") {
			continue
		}
		s.ended = true
		t.flush(s)
		if !t.verbose {
			continue
		}
		switch {
		case s.err != "":
			t.out.Event(t.image, fmt.Sprintf("#%d ERROR: %s", s.num, s.err))
		case s.cached:
			t.out.Event(t.image, fmt.Sprintf("#%d CACHED", s.num))
		default:
			t.out.Event(t.image, fmt.Sprintf("#%d DONE %.1fs", s.num, s.completed.Sub(s.started).Seconds()))
		}
	}
	for _, st := range sr.statuses {
		s := t.step(st.vertex)
		if st.total > 0 {
			s.progress = fmt.Sprintf("%s %s / %s", st.name, humanBytes(st.current), humanBytes(st.total))
		} else if st.current > 0 {
			s.progress = fmt.Sprintf("%s %s", st.name, humanBytes(st.current))
		}
	}
	for _, l := range sr.logs {
		s := t.step(l.vertex)
		t.announce(s)
		t.output(s, l.stream, l.msg)
	}
	for _, w := range sr.warnings {
		s := t.step(w.vertex)
		msg := "warning: " + string(w.short)
		if s.num > 0 {
			msg = fmt.Sprintf("#%d %s", s.num, msg)
		}
		t.out.Event(t.image, msg)
	}
	t.status()
}

// output adds log bytes to a step, line by line. A carriage return starts
// the line over, as on a terminal.
func (t *tracker) output(s *step, stream int64, b []byte) {
	if stream < 0 || stream > 2 {
		stream = 1
	}
	buf := &s.partial[stream]
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			buf.Write(b)
			break
		}
		buf.Write(b[:i])
		t.line(s, buf.String())
		buf.Reset()
		b = b[i+1:]
	}
}

func (t *tracker) flush(s *step) {
	for i := range s.partial {
		if s.partial[i].Len() > 0 {
			t.line(s, s.partial[i].String())
			s.partial[i].Reset()
		}
	}
}

func (t *tracker) line(s *step, line string) {
	if i := strings.LastIndexByte(line, '\r'); i >= 0 {
		line = line[i+1:]
	}
	line = strings.TrimRight(line, " \t")
	s.tail = append(s.tail, line)
	if len(s.tail) > tailLines {
		s.tail = s.tail[len(s.tail)-tailLines:]
	}
	if t.verbose {
		t.out.Event(t.image, fmt.Sprintf("#%d %s", s.num, line))
	}
}

// status shows the step that started last and is still running.
func (t *tracker) status() {
	if t.verbose {
		return // every step is an event already
	}
	var cur *step
	for _, s := range t.order {
		if s.announced && !s.ended && (cur == nil || s.started.After(cur.started)) {
			cur = s
		}
	}
	if cur == nil {
		return
	}
	line := fmt.Sprintf("#%d %s", cur.num, cur.name)
	if cur.progress != "" {
		line += "  " + cur.progress
	}
	t.out.Set(t.image, line)
}

// failed returns the step whose failure failed the build: the first one
// with an error that is not a cancellation caused by another.
func (t *tracker) failed() *step {
	var canceled *step
	for _, s := range t.order {
		if s.err == "" {
			continue
		}
		if strings.Contains(s.err, "context canceled") {
			if canceled == nil {
				canceled = s
			}
			continue
		}
		return s
	}
	return canceled
}

// StepError is a failed image build: which image, where in which
// Dockerfile, what the engine said and the step's last output lines.
type StepError struct {
	Image      string
	Dockerfile string // path as the config gives it
	Line       int    // first line of the failing instruction; 0 if unknown
	// Excerpt holds the failing instruction's lines, numbered.
	Excerpt []string
	Step    string   // the step as BuildKit names it
	Message string   // what the engine said, shortened
	Output  []string // the step's last output lines
}

func (e *StepError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "image %s: ", e.Image)
	if e.Line > 0 {
		fmt.Fprintf(&b, "%s:%d: ", e.Dockerfile, e.Line)
	} else if e.Dockerfile != "" {
		fmt.Fprintf(&b, "%s: ", e.Dockerfile)
	}
	b.WriteString(e.Message)
	for _, l := range e.Excerpt {
		b.WriteString("\n  " + l)
	}
	if len(e.Output) > 0 {
		fmt.Fprintf(&b, "\n  last output of the step:")
		for _, l := range e.Output {
			b.WriteString("\n    " + l)
		}
	}
	return b.String()
}

var (
	parseErrorRE = regexp.MustCompile(`dockerfile parse error (?:on )?line (\d+): (.*)$`)
	execFailedRE = regexp.MustCompile(`^(?:executor failed running \[.*\]|process ".*" did not complete successfully): (exit code: \d+)$`)
)

// stepError explains a failed build from the engine's final message and
// the steps seen.
func (t *tracker) stepError(dockerfileName, msg string) *StepError {
	e := &StepError{Image: t.image, Dockerfile: dockerfileName}
	short := msg
	for _, p := range []string{"failed to solve with frontend dockerfile.v0: ", "failed to solve: ", "failed to create LLB definition: ", "failed to compute cache key: "} {
		short = strings.TrimPrefix(short, p)
	}
	if m := parseErrorRE.FindStringSubmatch(short); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Message = "invalid Dockerfile: " + m[2]
		e.Excerpt = t.df.lineExcerpt(e.Line)
		return e
	}
	s := t.failed()
	if s == nil {
		e.Message = "build failed: " + short
		return e
	}
	t.flush(s)
	e.Step = s.name
	e.Output = s.tail
	if in := t.df.find(s.name); in != nil {
		e.Line = in.line
		e.Excerpt = t.df.excerpt(in)
	}
	cmd := s.name
	if m := vertexNameRE.FindStringSubmatch(s.name); m != nil {
		cmd = m[2]
	}
	cmd = strings.Join(strings.Fields(cmd), " ")
	if len(cmd) > 80 {
		cmd = cmd[:77] + "..."
	}
	what := s.err
	if m := execFailedRE.FindStringSubmatch(s.err); m != nil {
		what = "the command failed (" + m[1] + ")"
	}
	if kw, _, _ := strings.Cut(cmd, " "); (kw == "COPY" || kw == "ADD") && strings.Contains(s.err, "not found") && !strings.Contains(cmd, "--from=") {
		what += " (a COPY source must be in the build context and not excluded by .dockerignore)"
	}
	e.Message = fmt.Sprintf("%s: %s", cmd, what)
	return e
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
