package batch

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/google/go-cmp/cmp"

	"github.com/ecsctl/ecsctl/internal/awssim"
	"github.com/ecsctl/ecsctl/internal/exitcode"
)

const runBatches = `
report:
  schedule: cron(0 3 * * ? *)
  task_definition: app
  overrides:
    app:
      command: [/app, report]
      environment: {DAY: yesterday}
tidy:
  schedule: cron(0 4 * * ? *)
  via: scheduler
  timezone: Europe/Paris
  service: web
  overrides:
    app:
      command: [/app, tidy]
`

func (f *fixture) behave() {
	f.srv.SetBehavior(
		awssim.BehaviorRule{Image: appImage, Command: []string{"/app", "report"}, Behavior: awssim.Behavior{
			Exit: &awssim.ExitBehavior{Code: 3, After: 5 * time.Second},
			Logs: []string{"report: starting", "report: 120 rows"}, ExitLogs: []string{"report: 2 rows failed"},
		}},
		awssim.BehaviorRule{Image: appImage, Command: []string{"/app", "tidy"}, Behavior: awssim.Behavior{
			Exit: &awssim.ExitBehavior{Code: 0, After: 2 * time.Second},
			Logs: []string{"tidy: removed 4 files"}, ExitLogs: []string{"tidy: done"},
		}},
	)
}

func (f *fixture) run(opts RunOptions) (*RunResult, error, string) {
	f.t.Helper()
	var out bytes.Buffer
	opts.Output = &out
	if opts.PollInterval == 0 {
		opts.PollInterval = 5 * time.Millisecond
	}
	res, err := Run(f.ctx, opts)
	return res, err, out.String()
}

// A batch whose container exits 3 makes Run fail with exit code 3 after
// printing its log lines; RunTask got exactly what the rule's target holds.
func TestRunExitCodeAndLogs(t *testing.T) {
	f := newFixture(t)
	f.behave()
	cfg := f.config(withBatches(runBatches))
	f.schedule(cfg, nil)
	f.srv.ResetRequests()

	res, err, out := f.run(RunOptions{Options: f.options(cfg), Name: "report"})
	if code := exitcode.Of(err); code != 3 {
		t.Fatalf("exit code %d (err %v), want 3", code, err)
	}
	if !strings.Contains(err.Error(), "container app exited with code 3") {
		t.Errorf("error = %v", err)
	}
	if want := "report: starting\nreport: 120 rows\nreport: 2 rows failed\n"; out != want {
		t.Errorf("log lines:\n%s\nwant:\n%s", out, want)
	}
	if res.From != "rule" || res.Container != "app" || res.ExitCode == nil || *res.ExitCode != 3 || len(res.TaskARNs) != 1 {
		t.Errorf("result: %+v", res)
	}
	if w := f.writes(); !slices.Equal(w, []string{"ecs RunTask "}) {
		t.Errorf("writes = %v, want one RunTask", w)
	}

	// RunTask asked for exactly what the rule's target holds.
	rt := f.requests("ecs", "RunTask")[0]
	delete(rt, "clientToken")
	want := map[string]any{
		"cluster":        "arn:aws:ecs:us-east-1:123456789012:cluster/example",
		"taskDefinition": f.appTD,
		"count":          float64(1),
		"launchType":     "FARGATE",
		"startedBy":      "ecsctl",
		"networkConfiguration": map[string]any{"awsvpcConfiguration": map[string]any{
			"subnets": []any{"subnet-0a"}, "securityGroups": []any{"sg-1"}, "assignPublicIp": "DISABLED",
		}},
		"overrides": map[string]any{"containerOverrides": []any{map[string]any{
			"name": "app", "command": []any{"/app", "report"},
			"environment": []any{map[string]any{"name": "DAY", "value": "yesterday"}},
		}}},
	}
	if d := cmp.Diff(want, rt); d != "" {
		t.Errorf("RunTask request (-want +got):\n%s", d)
	}
}

// A batch on the Scheduler whose container exits 0 succeeds, with its logs.
func TestRunSuccessFromSchedule(t *testing.T) {
	f := newFixture(t)
	f.behave()
	cfg := f.config(withBatches(runBatches))
	f.schedule(cfg, nil)

	res, err, out := f.run(RunOptions{Options: f.options(cfg), Name: "tidy"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.From != "schedule" || res.ExitCode == nil || *res.ExitCode != 0 {
		t.Errorf("result: %+v", res)
	}
	if want := "tidy: removed 4 files\ntidy: done\n"; out != want {
		t.Errorf("log lines %q, want %q", out, want)
	}
}

// A batch that is not scheduled yet runs as the config says; --no-wait
// returns the running task's ARN at once.
func TestRunNoWaitUnscheduled(t *testing.T) {
	f := newFixture(t)
	f.behave()
	cfg := f.config(withBatches(runBatches))
	res, err, out := f.run(RunOptions{Options: f.options(cfg), Name: "report", NoWait: true})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !res.Running || res.From != "config" || len(res.TaskARNs) != 1 || out != "" {
		t.Fatalf("result %+v, output %q", res, out)
	}
	d, err := f.ecs.DescribeTasks(f.ctx, &ecs.DescribeTasksInput{Cluster: aws.String("example"), Tasks: res.TaskARNs})
	if err != nil || len(d.Tasks) != 1 {
		t.Fatalf("DescribeTasks: %v", err)
	}
	if s := aws.ToString(d.Tasks[0].LastStatus); s == "STOPPED" {
		t.Errorf("the task is already %s", s)
	}
}

// A task that cannot start (its image cannot be pulled) gives exit code
// 125 with ECS's reason; a batch pinned to a deregistered revision is
// refused before RunTask, as bad input.
func TestRunTaskNotStarted(t *testing.T) {
	f := newFixture(t)
	missing := f.registerApp(f.srv.Host() + "/app:missing")
	cfg := f.config(withBatches("broken:\n  schedule: rate(1 day)\n  task_definition: " + missing + "\n"))
	res, err, out := f.run(RunOptions{Options: f.options(cfg), Name: "broken"})
	if code := exitcode.Of(err); code != exitcode.TaskNotStarted {
		t.Fatalf("exit code %d (%v), want 125", code, err)
	}
	if !strings.Contains(err.Error(), "CannotPullContainerError") || res.StopCode != "TaskFailedToStart" || res.ExitCode != nil || out != "" {
		t.Errorf("error %v, result %+v, output %q", err, res, out)
	}

	if _, err := f.ecs.DeregisterTaskDefinition(f.ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(missing)}); err != nil {
		t.Fatal(err)
	}
	f.srv.ResetRequests()
	_, err, _ = f.run(RunOptions{Options: f.options(cfg), Name: "broken"})
	if code := exitcode.Of(err); code != exitcode.Usage || !strings.Contains(err.Error(), "is INACTIVE") {
		t.Errorf("run of a deregistered revision: exit code %d, %v", code, err)
	}
	if w := f.writes(); len(w) != 0 {
		t.Errorf("writes: %v", w)
	}
}

// Ctrl-C while following: without a way to ask (CI), the task is left
// running and the error says how to stop it; with a yes, it is stopped.
func TestRunInterrupted(t *testing.T) {
	for _, answer := range []string{"ci", "yes"} {
		t.Run(answer, func(t *testing.T) {
			f := newFixture(t)
			f.srv.SetBehavior(awssim.BehaviorRule{Image: appImage, Behavior: awssim.Behavior{Logs: []string{"serving"}}})
			cfg := f.config(withBatches(runBatches))
			ctx, cancel := context.WithCancel(f.ctx)
			o := RunOptions{Options: f.options(cfg), Name: "report", PollInterval: 5 * time.Millisecond}
			var lines bytes.Buffer
			o.Output = &lines
			o.Progress = progressFunc(func(s string) {
				if strings.Contains(s, "RUNNING") {
					cancel()
				}
			})
			asked := ""
			if answer == "yes" {
				o.Confirm = func(q string) bool { asked = q; return true }
			}
			res, err := Run(ctx, o)
			if exitcode.Of(err) != exitcode.Interrupted {
				t.Fatalf("exit code %d (%v), want 130", exitcode.Of(err), err)
			}
			f.srv.ResetRequests()
			stops := 0
			if answer == "ci" {
				if !res.Running || !strings.Contains(err.Error(), "aws ecs stop-task --cluster example --task "+res.TaskARNs[0]) {
					t.Errorf("result %+v, error %v", res, err)
				}
			} else {
				stops = 1
				if asked == "" || res.Running || !strings.Contains(err.Error(), "stopped task") {
					t.Errorf("asked %q, result %+v, error %v", asked, res, err)
				}
			}
			d, derr := f.ecs.DescribeTasks(f.ctx, &ecs.DescribeTasksInput{Cluster: aws.String("example"), Tasks: res.TaskARNs})
			if derr != nil {
				t.Fatal(derr)
			}
			if got := aws.ToString(d.Tasks[0].DesiredStatus); (got == "STOPPED") != (stops == 1) {
				t.Errorf("desired status after %s: %s", answer, got)
			}
		})
	}
}

type progressFunc func(string)

func (p progressFunc) Logf(format string, args ...any)  { p(sprintf(format, args...)) }
func (p progressFunc) Warnf(format string, args ...any) { p("warning: " + sprintf(format, args...)) }

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// sharedLog writes progress lines into the same buffer as the log lines, as a
// terminal shows both.
type sharedLog struct{ b *bytes.Buffer }

func (s sharedLog) Logf(format string, args ...any) { fmt.Fprintf(s.b, format+"\n", args...) }
func (s sharedLog) Warnf(format string, args ...any) {
	fmt.Fprintf(s.b, "warning: "+format+"\n", args...)
}

// The task is said to have stopped after its last log lines, not before.
func TestRunSaysStoppedAfterTheLastLogLines(t *testing.T) {
	f := newFixture(t)
	f.behave()
	cfg := f.config(withBatches(runBatches))
	f.schedule(cfg, nil)
	var both bytes.Buffer
	// Polls far apart: the container exits and the task stops between two.
	opts := RunOptions{Options: f.options(cfg), Name: "report", Output: &both, PollInterval: 150 * time.Millisecond}
	opts.Progress = sharedLog{&both}
	if _, err := Run(f.ctx, opts); exitcode.Of(err) != 3 {
		t.Fatalf("exit code %d (err %v), want 3", exitcode.Of(err), err)
	}
	out := both.String()
	last, stopped := strings.Index(out, "report: 2 rows failed"), strings.Index(out, ": STOPPED")
	if last < 0 || stopped < last {
		t.Fatalf("STOPPED before the last log line:\n%s", out)
	}
}
