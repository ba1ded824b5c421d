// Package scripts_test runs the README's first command, scripts/trial.sh,
// end to end.
package scripts_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/ecsctl/ecsctl/internal/dockertest"
)

// TestTrialScript runs the local trial as a newcomer would (it needs the
// Docker engine: in CI it fails without one, elsewhere it skips) and checks
// that each step did what the trial promises, that the broken deploy was
// rolled back with exit code 3, and that nothing was left behind: the
// simulator stopped, its images removed, the work directory gone.
func TestTrialScript(t *testing.T) {
	engine := dockertest.Client(t)
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "trial.sh")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "NO_COLOR=1")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("scripts/trial.sh took %s", time.Since(start).Round(time.Second))
	if err != nil {
		t.Fatalf("scripts/trial.sh: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{
		"ecsctl.yml is valid (against AWS): 2 images, 1 services, 1 batches",
		"web  built ", "app  built ",
		"✓ succeeded: deployed web:2",
		"created schedule ecsctl.example/ecsctl.example.nightly-report (batch nightly-report)",
		"nightly-report  schedule  enabled  cron(0 3 * * ? *)  Asia/Tokyo  web:2",
		"03:00 JST",
		"report: 42 orders, 0 failed payments\nreport: done\n",
		"web: open /etc/web/message.txt: no such file or directory",
		"✗ rolled-back: the circuit breaker's rollback completed: the service runs web:2 again",
		"exit code 3: the deploy failed and the service runs its last good revision again",
		"== Done",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the trial's output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", text)
	}
	// The good images are tagged with the example's commit; the broken
	// change, uncommitted, with "-dirty-".
	if !regexp.MustCompile(`web  built .* tags: [0-9a-f]{12}\n`).MatchString(text) ||
		!regexp.MustCompile(`web  built .* tags: [0-9a-f]{12}-dirty-[0-9a-f]{8}, broken\n`).MatchString(text) {
		t.Errorf("revision tags not as expected:\n%s", text)
	}

	// Nothing left behind.
	m := regexp.MustCompile(`Starting the AWS simulator on (127\.0\.0\.1:\d+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("the output does not say where the simulator ran")
	}
	if c, err := net.DialTimeout("tcp", m[1], time.Second); err == nil {
		c.Close()
		t.Errorf("something still listens on %s after the trial", m[1])
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("the trial left %d entries in TMPDIR, e.g. %s", len(entries), entries[0].Name())
	}
	images, err := engine.ImageList(context.Background(), client.ImageListOptions{All: true, Filters: client.Filters{}.Add("reference", m[1]+"/*")})
	if err != nil {
		t.Fatal(err)
	}
	if len(images.Items) != 0 {
		t.Errorf("the trial left %d images of %s in the engine", len(images.Items), m[1])
	}
}
