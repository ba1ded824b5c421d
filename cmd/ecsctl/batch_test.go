package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsctl/ecsctl/internal/awssim"
)

// batchSim is a simulator with cluster "shop", task definition family
// "app" (containers app and worker, logging to CloudWatch) and service
// "web", reached by the CLI through --endpoint-url and the environment.
type batchSim struct {
	t   *testing.T
	srv *awssim.Server
	ecs *ecs.Client
}

const batchImage = "registry.example.com/app:v1"

func newBatchSim(t *testing.T) *batchSim {
	t.Helper()
	srv := awssim.NewTestServer(t)
	useSimulator(t, srv)
	s := &batchSim{t: t, srv: srv, ecs: ecs.NewFromConfig(srv.AWSConfig())}
	ctx := context.Background()
	if _, err := s.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	logs := &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
		"awslogs-group": "/ecs/app", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs", "awslogs-create-group": "true",
	}}
	td, err := s.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("app"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		Cpu:                     aws.String("256"), Memory: aws.String("512"),
		ExecutionRoleArn: aws.String("arn:aws:iam::123456789012:role/ecsTaskExecutionRole"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{
			{Name: aws.String("app"), Image: aws.String(batchImage), Essential: aws.Bool(true), LogConfiguration: logs},
			{Name: aws.String("worker"), Image: aws.String(batchImage), Essential: aws.Bool(false), LogConfiguration: logs},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ecs.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("shop"), ServiceName: aws.String("web"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn,
		DesiredCount: aws.Int32(0), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-0a"}}},
	}); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	return s
}

// ecsctl runs the CLI against the simulator with config.
func (s *batchSim) ecsctl(config string, args ...string) (int, string, string) {
	s.t.Helper()
	path := filepath.Join(s.t.TempDir(), "ecsctl.yml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		s.t.Fatal(err)
	}
	return ecsctl(s.t, append([]string{"--config", path, "--endpoint-url", s.srv.URL()}, args...)...)
}

const batchBase = `name: shop
cluster: shop
batch_defaults:
  role: arn:aws:iam::123456789012:role/ecsEventsRole
  network:
    subnets: [subnet-0a]
    security_groups: [sg-1]
batches:
`

func batchConfig(batches string) string {
	lines := strings.Split(strings.Trim(batches, "\n"), "\n")
	for i := range lines {
		lines[i] = "  " + lines[i]
	}
	return batchBase + strings.Join(lines, "\n") + "\n"
}

// The bad-batch corpus: each config is refused with exit code 2, a message
// naming the batch and field (with its line) and saying what is expected,
// and not a single AWS write.
func TestBatchScheduleRefusesBadInput(t *testing.T) {
	s := newBatchSim(t)
	rule := func(schedule string) string {
		return "nightly:\n  schedule: " + schedule + "\n  task_definition: app\n"
	}
	sched := func(schedule, zone string) string {
		return "nightly:\n  schedule: " + schedule + "\n  via: scheduler\n  timezone: " + zone + "\n  task_definition: app\n"
	}
	cases := []struct {
		name, batches string
		want          []string
	}{
		{"five cron fields", rule("cron(0 3 * * ?)"), []string{"batches.nightly.schedule", "6"}},
		{"seven cron fields", rule("cron(0 3 * * ? * *)"), []string{"batches.nightly.schedule", "6"}},
		{"both day fields", rule("cron(0 3 1 * MON *)"), []string{"batches.nightly.schedule", "?"}},
		{"no question mark", rule("cron(0 3 * * * *)"), []string{"batches.nightly.schedule", "?"}},
		{"minute 60", rule("cron(60 3 * * ? *)"), []string{"batches.nightly.schedule", "minutes", "0-59"}},
		{"hour 24", rule("cron(0 24 * * ? *)"), []string{"batches.nightly.schedule", "hours", "0-23"}},
		{"day of week 0", rule("cron(0 3 ? * 0 *)"), []string{"batches.nightly.schedule", "day-of-week", "1 = SUN"}},
		{"day of week 8", rule("cron(0 3 ? * 8 *)"), []string{"batches.nightly.schedule", "day-of-week"}},
		{"sixth weekday", rule("cron(0 3 ? * 2#6 *)"), []string{"batches.nightly.schedule", "day-of-week"}},
		{"month 13", rule("cron(0 3 1 13 ? *)"), []string{"batches.nightly.schedule", "month", "1-12"}},
		{"zero step", rule("cron(0/0 3 * * ? *)"), []string{"batches.nightly.schedule", "minutes"}},
		{"W on a range", rule("cron(0 3 1-5W * ? *)"), []string{"batches.nightly.schedule", "day-of-month"}},
		{"year 2300", rule("cron(0 3 * * ? 2300)"), []string{"batches.nightly.schedule", "year"}},
		{"upper-case CRON", rule("CRON(0 3 * * ? *)"), []string{"batches.nightly.schedule", "cron(...)"}},
		{"plural for one", rule("rate(1 hours)"), []string{"batches.nightly.schedule", "rate(1 hour)"}},
		{"singular for five", rule("rate(5 minute)"), []string{"batches.nightly.schedule", "rate(5 minutes)"}},
		{"rate of zero", rule("rate(0 minutes)"), []string{"batches.nightly.schedule", "positive"}},
		{"rate in seconds", rule("rate(30 seconds)"), []string{"batches.nightly.schedule", "seconds"}},
		{"at() on a rule", rule("at(2030-01-01T00:00:00)"), []string{"batches.nightly", "via: scheduler"}},
		{"at() with a zone", sched("at(2030-01-01T00:00:00Z)", "UTC"), []string{"batches.nightly.schedule", "yyyy-mm-ddThh:mm:ss"}},
		{"unknown zone", sched("cron(0 3 * * ? *)", "Asia/Tokio"), []string{"batches.nightly.timezone", "IANA"}},
		{"Tokyo on a rule", "nightly:\n  schedule: cron(0 3 * * ? *)\n  timezone: Asia/Tokyo\n  task_definition: app\n", []string{"batches.nightly.timezone", "via: scheduler"}},
		{"container not in task definition", "nightly:\n  schedule: cron(0 3 * * ? *)\n  task_definition: app\n  overrides:\n    ap:\n      command: [/app]\n",
			[]string{"batches.nightly.overrides.ap", `no container "ap" in task definition app:1`, "app, worker"}},
		{"override that changes nothing", "nightly:\n  schedule: cron(0 3 * * ? *)\n  task_definition: app\n  overrides:\n    app: {}\n",
			[]string{"batches.nightly.overrides.app", "changes nothing"}},
		{"rule Input over 8192", "nightly:\n  schedule: cron(0 3 * * ? *)\n  task_definition: app\n  overrides:\n    app:\n      environment:\n        BLOB: " + strings.Repeat("x", 8200) + "\n",
			[]string{"batches.nightly.overrides", "8192", "via: scheduler"}},
		{"cpu not a Fargate size", "nightly:\n  schedule: cron(0 3 * * ? *)\n  task_definition: app\n  cpu: \"300\"\n", []string{"batches.nightly.cpu", "256, 512, 1024"}},
		{"memory not offered with the cpu", "nightly:\n  schedule: cron(0 3 * * ? *)\n  task_definition: app\n  memory: \"4096\"\n", []string{"batches.nightly.memory", "cpu 256 and memory 4096", "512, 1024 or 2048"}},
		{"role not an ARN", "nightly:\n  schedule: cron(0 3 * * ? *)\n  task_definition: app\n  role: ecsEventsRole\n", []string{"batches.nightly.role", "IAM role ARN"}},
		{"flexible window of seconds", "nightly:\n  schedule: cron(0 3 * * ? *)\n  via: scheduler\n  task_definition: app\n  flexible_window: 90s\n", []string{"batches.nightly.flexible_window", "whole number of minutes"}},
		{"unknown task definition", "nightly:\n  schedule: cron(0 3 * * ? *)\n  task_definition: nope\n", []string{"batches.nightly.task_definition", `"nope"`}},
		{"unknown service", "nightly:\n  schedule: cron(0 3 * * ? *)\n  service: api\n", []string{"batches.nightly.service", `service "api" not found in cluster shop`}},
		{"unknown cluster", "nightly:\n  schedule: cron(0 3 * * ? *)\n  task_definition: app\n  cluster: nope\n", []string{"batches.nightly.cluster", `cluster "nope" not found`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.srv.ResetRequests()
			code, stdout, stderr := s.ecsctl(batchConfig(c.batches), "batch", "schedule")
			if code != 2 {
				t.Fatalf("exit code %d, want 2\nstdout: %s\nstderr: %s", code, stdout, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if !strings.Contains(stderr, "ecsctl.yml:") {
				t.Errorf("the message does not point at the file's line:\n%s", stderr)
			}
			if testing.Verbose() {
				t.Log(strings.TrimSpace(stderr))
			}
			if w := s.srv.Writes(); len(w) != 0 {
				t.Errorf("%d write calls, first %s %s", len(w), w[0].Service, w[0].Operation)
			}
		})
	}
	t.Logf("%d bad configs refused", len(cases))

	// A config name that cannot mark schedules.
	s.srv.ResetRequests()
	code, _, stderr := s.ecsctl(strings.Replace(batchConfig(rule("rate(1 day)")), "name: shop", "name: shop.prod", 1), "batch", "schedule")
	if code != 2 || !strings.Contains(stderr, `ecsctl.yml:1:1: name: name "shop.prod" cannot mark schedules`) || len(s.srv.Writes()) != 0 {
		t.Errorf("dotted name: exit %d\n%s", code, stderr)
	}
}

// The commands end to end: schedule prints the diff and applies, a second
// run changes nothing, list shows the schedules, run streams the logs and
// exits with the container's code, delete removes one.
func TestBatchCommands(t *testing.T) {
	s := newBatchSim(t)
	s.srv.SetBehavior(
		awssim.BehaviorRule{Image: batchImage, Command: []string{"/app", "report"}, Behavior: awssim.Behavior{
			Exit: &awssim.ExitBehavior{Code: 3, After: 5 * time.Second}, Logs: []string{"report: starting"}, ExitLogs: []string{"report: 2 rows failed"}}},
		awssim.BehaviorRule{Image: batchImage, Command: []string{"/app", "ok"}, Behavior: awssim.Behavior{
			Exit: &awssim.ExitBehavior{Code: 0, After: time.Second}, Logs: []string{"ok: all good"}}},
	)
	cfg := batchConfig(`
report:
  schedule: cron(0 3 * * ? *)
  service: web
  overrides:
    app: {command: [/app, report]}
fine:
  schedule: cron(0 9 * * ? *)
  via: scheduler
  timezone: Asia/Tokyo
  task_definition: app
  overrides:
    app: {command: [/app, ok]}
`)
	code, stdout, stderr := s.ecsctl(cfg, "batch", "schedule", "--dry-run")
	if code != 0 || !strings.Contains(stdout, "+ rule ecsctl.shop.report") || !strings.Contains(stdout, "2 to create.") || len(s.srv.Writes()) != 0 {
		t.Fatalf("dry run: exit %d, writes %d\n%s\n%s", code, len(s.srv.Writes()), stdout, stderr)
	}
	code, stdout, stderr = s.ecsctl(cfg, "batch", "schedule")
	if code != 0 || !strings.Contains(stdout, "+ schedule ecsctl.shop/ecsctl.shop.fine") || len(s.srv.Writes()) != 4 {
		t.Fatalf("schedule: exit %d, writes %d\n%s\n%s", code, len(s.srv.Writes()), stdout, stderr)
	}
	s.srv.ResetRequests()
	code, stdout, _ = s.ecsctl(cfg, "batch", "schedule")
	if code != 0 || stdout != "No changes: 2 unchanged.\n" || len(s.srv.Writes()) != 0 {
		t.Fatalf("second schedule: exit %d, writes %d\n%s", code, len(s.srv.Writes()), stdout)
	}
	code, stdout, _ = s.ecsctl(cfg, "--output", "json", "batch", "list")
	if code != 0 || !strings.Contains(stdout, `"name": "ecsctl.shop.fine"`) || !strings.Contains(stdout, `"timezone": "Asia/Tokyo"`) {
		t.Fatalf("list: exit %d\n%s", code, stdout)
	}

	code, stdout, stderr = s.ecsctl(cfg, "batch", "run", "--poll-interval", "5ms", "report")
	if code != 3 || stdout != "report: starting\nreport: 2 rows failed\n" || !strings.Contains(stderr, "container app exited with code 3") {
		t.Errorf("run report: exit %d\nstdout: %q\nstderr: %s", code, stdout, stderr)
	}
	code, stdout, stderr = s.ecsctl(cfg, "batch", "run", "--poll-interval", "5ms", "fine")
	if code != 0 || stdout != "ok: all good\n" {
		t.Errorf("run fine: exit %d\nstdout: %q\nstderr: %s", code, stdout, stderr)
	}
	code, stdout, _ = s.ecsctl(cfg, "batch", "run", "--no-wait", "fine")
	if code != 0 || !strings.HasPrefix(stdout, "arn:aws:ecs:us-east-1:123456789012:task/shop/") {
		t.Errorf("run --no-wait: exit %d, stdout %q", code, stdout)
	}
	if code, _, stderr = s.ecsctl(cfg, "batch", "run"); code != 2 || !strings.Contains(stderr, "one batch name") {
		t.Errorf("run without a name: exit %d, %s", code, stderr)
	}
	if code, _, stderr = s.ecsctl(cfg, "batch", "run", "nope"); code != 2 || !strings.Contains(stderr, `no batch named "nope"; the config's batches are: report, fine`) {
		t.Errorf("run of an unknown batch: exit %d, %s", code, stderr)
	}

	s.srv.ResetRequests()
	code, stdout, stderr = s.ecsctl(cfg, "batch", "delete", "fine")
	if code != 0 || stdout != "deleted schedule ecsctl.shop/ecsctl.shop.fine (batch fine)\n" || !strings.Contains(stderr, "still in the config") || len(s.srv.Writes()) != 1 {
		t.Errorf("delete: exit %d, writes %d\n%s\n%s", code, len(s.srv.Writes()), stdout, stderr)
	}
}

// A successful deploy of a service repoints the batches that follow it,
// and says so in deploy's output.
func TestDeployRepointsFollowingBatches(t *testing.T) {
	s := newDeploySim(t)
	cfg := "name: shop\n" + deployConfig + `batch_defaults:
  role: arn:aws:iam::123456789012:role/ecsEventsRole
  network: {subnets: [subnet-0a]}
batches:
  nightly:
    schedule: cron(0 3 * * ? *)
    service: web
    overrides:
      app: {command: [/app, report]}
  tokyo:
    schedule: cron(0 9 * * ? *)
    via: scheduler
    timezone: Asia/Tokyo
    service: web
`
	if err := os.WriteFile(s.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := s.run(context.Background(), "batch", "schedule"); code != 0 {
		t.Fatalf("batch schedule: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := s.run(context.Background(), "deploy", "--service", "web", "--image", "app=registry.example.com/app:v2")
	if code != 0 {
		t.Fatalf("deploy: exit %d: %s", code, stderr)
	}
	newTD := aws.ToString(s.service().TaskDefinition)
	if newTD == s.oldTD {
		t.Fatalf("the deploy did not change the service's revision")
	}
	for _, want := range []string{
		"batch nightly: rule ecsctl.shop.nightly now runs web:2 (was web:1)",
		"batch tokyo: schedule ecsctl.shop.tokyo now runs web:2 (was web:1)",
	} {
		if !strings.Contains(stdout+stderr, want) {
			t.Errorf("deploy's output lacks %q", want)
		}
	}
	// The rule and the schedule now run the new revision: nothing left to apply.
	s.srv.ResetRequests()
	code, stdout, _ = s.run(context.Background(), "batch", "schedule")
	if code != 0 || stdout != "No changes: 2 unchanged.\n" || len(s.srv.Writes()) != 0 {
		t.Errorf("schedule after the deploy: exit %d, %d writes\n%s", code, len(s.srv.Writes()), stdout)
	}
	code, stdout, _ = s.run(context.Background(), "--output", "json", "batch", "list")
	if code != 0 || strings.Count(stdout, `"revision": "web:2"`) != 2 {
		t.Errorf("list after the deploy: exit %d\n%s", code, stdout)
	}
}
