package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ecsctl/ecsctl/internal/awssim"
	"github.com/ecsctl/ecsctl/internal/dockertest"
)

// openPTY opens a pseudo-terminal of cols columns: what a program writes to
// tty, the test reads from pty. Without pseudo-terminals the test fails in CI
// and is skipped elsewhere, saying why; call it before anything sets CI.
func openPTY(t *testing.T, cols uint16) (pty, tty *os.File) {
	t.Helper()
	pty, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		dockertest.Unavailable(t, "no pseudo-terminal on this machine, so no terminal view to test: %v", err)
	}
	t.Cleanup(func() { pty.Close() })
	if err := unix.IoctlSetPointerInt(int(pty.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		dockertest.Unavailable(t, "no pseudo-terminal on this machine: unlock: %v", err)
	}
	n, err := unix.IoctlGetInt(int(pty.Fd()), unix.TIOCGPTN)
	if err != nil {
		dockertest.Unavailable(t, "no pseudo-terminal on this machine: pty number: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		dockertest.Unavailable(t, "no pseudo-terminal on this machine: open /dev/pts/%d: %v", n, err)
	}
	t.Cleanup(func() { tty.Close() })
	if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: cols}); err != nil {
		t.Fatalf("set window size: %v", err)
	}
	return pty, tty
}

// On a terminal, deploy's progress is a live view: status lines redrawn in
// place (no timestamps), events printed above them, in color, cut to the
// terminal's width; the result on stdout (a pipe) stays plain.
func TestDeployLiveViewOnATerminal(t *testing.T) {
	pty, tty := openPTY(t, 100) // first: newDeploySim sets CI
	s := newDeploySim(t)
	t.Setenv("CI", "") // newDeploySim says CI
	t.Setenv("CODEBUILD_BUILD_ID", "")
	t.Setenv("NO_COLOR", "")
	// Tasks that take five simulated minutes (0.3 s here) to start: the
	// view is redrawn several times while the rollout goes on.
	s.srv.SetBehavior(awssim.BehaviorRule{Image: "registry.example.com/app:v2", Behavior: awssim.Behavior{StartDelay: 5 * time.Minute}})
	var screen bytes.Buffer
	read := make(chan struct{})
	go func() {
		defer close(read)
		_, _ = io.Copy(&screen, pty) // ends with EIO once tty is closed
	}()

	var stdout bytes.Buffer
	code := run(context.Background(), []string{"ecsctl", "--config", s.config, "--endpoint-url", s.srv.URL(),
		"deploy", "--service", "web", "--image", "app=registry.example.com/app:v2", "--poll-interval", "5ms"}, &stdout, tty)
	tty.Close()
	<-read
	out := screen.String()
	t.Logf("terminal:\n%q\nstdout:\n%s", out, stdout.String())
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"\r\x1b[2K",                              // status lines are redrawn in place
		"\x1b[1A",                                // (the cursor goes back up over them)
		"IN_PROGRESS running 0/2 pending 2",      // the rollout's status line
		"\x1b[J",                                 // and what is below them cleared
		"\x1b[1mweb\x1b[0m",                      // the service's name in bold
		"ecs: (service web) has started 2 tasks", // events printed above the status
		"registered web:2 (app: registry.example.com/app:v2)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the terminal lacks %q", want)
		}
	}
	if regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`).MatchString(out) {
		t.Error("the live view stamps lines with times, as CI output does")
	}
	for _, line := range strings.Split(regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`).ReplaceAllString(out, ""), "\n") {
		if n := len([]rune(strings.Trim(line, "\r"))); n > 100 && !strings.HasPrefix(strings.TrimLeft(line, "\r"), "[web]") {
			t.Errorf("a status line of %d columns on a 100-column terminal: %q", n, line)
		}
	}
	if !strings.Contains(stdout.String(), "web  succeeded: deployed web:2") || strings.Contains(stdout.String(), "\x1b[") {
		t.Errorf("stdout (a pipe) should hold the plain result:\n%q", stdout.String())
	}
}

// On a terminal, build shows a compact live view: one line per image with
// its current step, redrawn in place, and no BuildKit step log (which CI
// gets as prefixed lines).
func TestBuildLiveViewOnATerminal(t *testing.T) {
	pty, tty := openPTY(t, 100) // first: buildProject sets CI
	cfgPath, _ := buildProject(t)
	t.Setenv("CI", "") // buildProject says CI
	t.Setenv("NO_COLOR", "")
	var screen bytes.Buffer
	read := make(chan struct{})
	go func() {
		defer close(read)
		_, _ = io.Copy(&screen, pty)
	}()
	var stdout bytes.Buffer
	code := run(context.Background(), []string{"ecsctl", "--config", cfgPath, "build", "--create-repositories"}, &stdout, tty)
	tty.Close()
	<-read
	out := screen.String()
	t.Logf("terminal:\n%q\nstdout:\n%s", out, stdout.String())
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	plain := regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`).ReplaceAllString(out, "")
	for _, want := range []string{"\r\x1b[2K", "\x1b[J", "\x1b[1mweb\x1b[0m", "\x1b[1mapp\x1b[0m"} {
		if !strings.Contains(out, want) {
			t.Errorf("the terminal lacks %q", want)
		}
	}
	if regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`).MatchString(out) || strings.Contains(plain, "[app] #") {
		t.Error("the live view shows CI's stamped step log")
	}
	if !regexp.MustCompile(`(?m)^web +\S`).MatchString(strings.ReplaceAll(plain, "\r", "\n")) {
		t.Errorf("no status line for web:\n%s", plain)
	}
	for _, m := range regexp.MustCompile(`pushing \d+ layers +([\d.]+) (\w+) / ([\d.]+) (\w+)`).FindAllStringSubmatch(plain, -1) {
		if bytesOf(t, m[1], m[2]) > bytesOf(t, m[3], m[4]) {
			t.Errorf("push progress beyond its total: %q", m[0])
		}
	}
	if !strings.Contains(stdout.String(), "web") || strings.Contains(stdout.String(), "\x1b[") {
		t.Errorf("stdout (a pipe) should hold the plain result:\n%q", stdout.String())
	}
}

// bytesOf reads "36.0" "kB" as a byte count.
func bytesOf(t *testing.T, n, unit string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n, 64)
	if err != nil {
		t.Fatalf("progress %q %q: %v", n, unit, err)
	}
	switch unit {
	case "kB":
		v *= 1e3
	case "MB":
		v *= 1e6
	case "GB":
		v *= 1e9
	}
	return v
}
