package output

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

type res struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

func (r res) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "%s has %d\n", r.Name, r.N)
	return err
}

func fixedNow() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }

func TestResultFormats(t *testing.T) {
	var out, errb bytes.Buffer
	p := New(Options{Stdout: &out, Stderr: &errb, Format: JSON})
	if err := p.Result(res{"web", 2}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "{\n  \"name\": \"web\",\n  \"n\": 2\n}\n" {
		t.Fatalf("json result %q", out.String())
	}
	out.Reset()
	p = New(Options{Stdout: &out, Stderr: &errb})
	_ = p.Result(res{"web", 2})
	if out.String() != "web has 2\n" || errb.Len() != 0 {
		t.Fatalf("text result %q, stderr %q", out.String(), errb.String())
	}
	if _, err := ParseFormat("yaml"); err == nil {
		t.Fatal("yaml accepted")
	}
}

func TestPlainProgressIsStampedAndNeverRepeats(t *testing.T) {
	var out, errb bytes.Buffer
	p := New(Options{Stdout: &out, Stderr: &errb, Now: fixedNow, Getenv: func(string) string { return "" }})
	if p.Live() {
		t.Fatal("a buffer is not a terminal")
	}
	b := p.NewBoard()
	b.Set("web", "building #3")
	b.Set("web", "building #3") // unchanged: not printed again
	b.Set("app", "pushing")
	b.Event("web", "#5 RUN go build")
	p.Logf("note %d", 1) // goes through the board
	b.Set("web", "done")
	b.Close()
	p.Warnf("after %s", "close")
	want := strings.Join([]string{
		"2026-11-26T12:00:00Z [web] building #3",
		"2026-11-26T12:00:00Z [app] pushing",
		"2026-11-26T12:00:00Z [web] #5 RUN go build",
		"2026-11-26T12:00:00Z note 1",
		"2026-11-26T12:00:00Z [web] done",
		"2026-11-26T12:00:00Z warning: after close",
	}, "\n") + "\n"
	if errb.String() != want {
		t.Fatalf("stderr:\n%s\nwant:\n%s", errb.String(), want)
	}
	if out.Len() != 0 {
		t.Fatalf("progress leaked to stdout: %q", out.String())
	}
}

func TestLiveBoardRedrawsInPlace(t *testing.T) {
	var errb bytes.Buffer
	p := &Printer{err: &errb, out: io.Discard, live: true, color: false, now: fixedNow, width: func() int { return 20 }}
	b := p.NewBoard()
	b.Set("web", "step 1")
	b.Event("web", "event A")
	b.Set("web", "step 2 with a long status that is cut")
	b.Close()
	s := errb.String()
	if !strings.Contains(s, "[web] event A\n") {
		t.Fatalf("event not drawn: %q", s)
	}
	if strings.Contains(s, "2026-") {
		t.Fatalf("live view must not stamp lines: %q", s)
	}
	if !strings.Contains(s, "\x1b[2K") || strings.Contains(s, "that is cut") {
		t.Fatalf("status not redrawn in place or not truncated to the width: %q", s)
	}
}

func TestTruncateKeepsEscapes(t *testing.T) {
	s := "\x1b[1mweb\x1b[0m  abcdefghij"
	got := truncate(s, 8)
	if !strings.HasPrefix(got, "\x1b[1mweb\x1b[0m  ab") || strings.Contains(got, "abc") {
		t.Fatalf("truncate = %q", got)
	}
	if truncate("short", 0) != "short" {
		t.Fatal("width 0 means unknown: no truncation")
	}
}

func TestRedactEverythingWritten(t *testing.T) {
	var out, errb bytes.Buffer
	p := New(Options{Stdout: &out, Stderr: &errb, Now: fixedNow, Redact: func(s string) string {
		return strings.ReplaceAll(s, "hunter2", "<redacted>")
	}})
	_ = p.Result(res{"pw=hunter2", 1})
	p.Logf("using %s", "hunter2")
	b := p.NewBoard()
	b.Event("job", "command: [login, hunter2]")
	b.Close()
	if strings.Contains(out.String()+errb.String(), "hunter2") {
		t.Fatalf("secret printed:\n%s\n%s", out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "pw=<redacted> has 1") || strings.Count(errb.String(), "<redacted>") != 2 {
		t.Fatalf("unexpected output:\n%s\n%s", out.String(), errb.String())
	}
}
