package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsctl/ecsctl/internal/awssim"
)

// deploySim is a simulator with cluster "main" and service "web" (2 tasks,
// containers web and app at v1, circuit breaker with rollback), reached by
// the CLI through --endpoint-url and the environment, and a config file.
type deploySim struct {
	t      *testing.T
	srv    *awssim.Server
	ecs    *ecs.Client
	dir    string
	config string
	oldTD  string
}

const deployConfig = `region: us-east-1
cluster: main
images:
  web: {context: ./web, repository: web}
  app: {context: ./app, repository: app}
services:
  web: {}
`

func newDeploySim(t *testing.T) *deploySim {
	t.Helper()
	srv := awssim.NewTestServer(t)
	useSimulator(t, srv)
	s := &deploySim{t: t, srv: srv, ecs: ecs.NewFromConfig(srv.AWSConfig()), dir: t.TempDir()}
	s.config = filepath.Join(s.dir, "ecsctl.yml")
	if err := os.WriteFile(s.config, []byte(deployConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.ecs.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("main")}); err != nil {
		t.Fatal(err)
	}
	logs := &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
		"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs", "awslogs-create-group": "true"}}
	td, err := s.ecs.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("web"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		Cpu:                     aws.String("256"), Memory: aws.String("512"),
		ExecutionRoleArn: aws.String("arn:aws:iam::123456789012:role/ecsTaskExecutionRole"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{
			{Name: aws.String("web"), Image: aws.String("registry.example.com/web:v1"), Essential: aws.Bool(true), LogConfiguration: logs},
			{Name: aws.String("app"), Image: aws.String("registry.example.com/app:v1"), Essential: aws.Bool(true), LogConfiguration: logs},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.oldTD = aws.ToString(td.TaskDefinition.TaskDefinitionArn)
	if _, err := s.ecs.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("main"), ServiceName: aws.String("web"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn,
		DesiredCount: aws.Int32(2), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-0a"}}},
		DeploymentConfiguration: &ecstypes.DeploymentConfiguration{
			DeploymentCircuitBreaker: &ecstypes.DeploymentCircuitBreaker{Enable: true, Rollback: true}},
	}); err != nil {
		t.Fatal(err)
	}
	s.waitSteady()
	srv.ResetRequests()
	return s
}

func (s *deploySim) service() ecstypes.Service {
	s.t.Helper()
	out, err := s.ecs.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String("main"), Services: []string{"web"}})
	if err != nil || len(out.Services) != 1 {
		s.t.Fatalf("DescribeServices: %v", err)
	}
	return out.Services[0]
}

func (s *deploySim) waitSteady() ecstypes.Service {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		svc := s.service()
		if len(svc.Deployments) == 1 && svc.Deployments[0].RolloutState == ecstypes.DeploymentRolloutStateCompleted && svc.RunningCount == svc.DesiredCount {
			return svc
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("service never steady: %+v", svc.Deployments)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// run runs ecsctl against the simulator (polling every 5 ms of wall time,
// 5 s of simulated time) with ctx.
func (s *deploySim) run(ctx context.Context, args ...string) (int, string, string) {
	s.t.Helper()
	var stdout, stderr bytes.Buffer
	full := append([]string{"ecsctl", "--config", s.config, "--endpoint-url", s.srv.URL()}, args...)
	if args[0] == "deploy" {
		full = append(full, "--poll-interval", "5ms")
	}
	code := run(ctx, full, &stdout, &stderr)
	s.t.Logf("ecsctl %s -> %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	return code, stdout.String(), stderr.String()
}

func (s *deploySim) writes() []string {
	var out []string
	for _, r := range s.srv.Writes() {
		out = append(out, r.Operation)
	}
	return out
}

// TestDeployJSONSchema deploys from imagedefinitions.json and checks the
// documented --output json schema (docs/deploy.md): the keys, their types
// and their values.
func TestDeployJSONSchema(t *testing.T) {
	s := newDeploySim(t)
	defs := `[{"name":"web","imageUri":"registry.example.com/web:v2"},{"name":"app","imageUri":"registry.example.com/app:v2"}]`
	if err := os.WriteFile(filepath.Join(s.dir, "imagedefinitions.json"), []byte(defs), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := s.run(context.Background(), "--output", "json", "deploy", "--service", "web")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v", err)
	}
	if keys := sortedKeys(doc); strings.Join(keys, ",") != "dryRun,services" {
		t.Errorf("top-level keys %v", keys)
	}
	svcs := doc["services"].([]any)
	if len(svcs) != 1 {
		t.Fatalf("%d services", len(svcs))
	}
	r := svcs[0].(map[string]any)
	want := []string{"cluster", "deploymentId", "durationSeconds", "exitCode", "failures", "finalTaskDefinition", "finishedAt", "images",
		"message", "newTaskDefinition", "notes", "oldTaskDefinition", "outcome", "service", "startedAt"}
	if keys := sortedKeys(r); strings.Join(keys, ",") != strings.Join(want, ",") {
		t.Errorf("service keys %v, want %v", keys, want)
	}
	svc := s.service()
	checks := map[string]any{
		"service": "web", "cluster": "main", "outcome": "succeeded", "exitCode": float64(0),
		"oldTaskDefinition": s.oldTD, "newTaskDefinition": aws.ToString(svc.TaskDefinition), "finalTaskDefinition": aws.ToString(svc.TaskDefinition),
		"deploymentId": aws.ToString(svc.Deployments[0].Id),
	}
	for k, v := range checks {
		if r[k] != v {
			t.Errorf("%s = %v, want %v", k, r[k], v)
		}
	}
	if d, ok := r["durationSeconds"].(float64); !ok || d <= 0 {
		t.Errorf("durationSeconds %v", r["durationSeconds"])
	}
	for _, k := range []string{"startedAt", "finishedAt"} {
		if _, err := time.Parse(time.RFC3339Nano, r[k].(string)); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	images := r["images"].([]any)
	if len(images) != 2 || images[0].(map[string]any)["container"] != "web" || images[0].(map[string]any)["to"] != "registry.example.com/web:v2" ||
		images[0].(map[string]any)["from"] != "registry.example.com/web:v1" {
		t.Errorf("images %v", images)
	}
	if f := r["failures"].([]any); len(f) != 0 {
		t.Errorf("failures %v", f)
	}
	if !strings.Contains(stderr, "[web] ✓ succeeded: deployed web:2") {
		t.Errorf("stderr lacks the outcome")
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestDeployCircuitBreakerExitCode: new tasks exit 1, the circuit breaker
// rolls back, ecsctl exits 3 and shows the exit code and the log lines.
func TestDeployCircuitBreakerExitCode(t *testing.T) {
	s := newDeploySim(t)
	s.srv.SetBehavior(awssim.BehaviorRule{Image: "registry.example.com/app:broken", Behavior: awssim.Behavior{
		Exit: &awssim.ExitBehavior{Code: 1, After: 5 * time.Second}, ExitLogs: []string{"fatal: cannot read /etc/app/config.yml"}}})
	code, stdout, stderr := s.run(context.Background(), "deploy", "--service", "web", "--image", "app=registry.example.com/app:broken")
	if code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	for _, want := range []string{"container app exited with code 1", "| fatal: cannot read /etc/app/config.yml", "rolled-back: the circuit breaker's rollback completed",
		"ecsctl: deploy did not succeed: web: rolled-back"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if !strings.Contains(stdout, "web  rolled-back: ") || !strings.Contains(stdout, "- task stopped: Essential container in task exited (container app exited 1") {
		t.Errorf("stdout lacks the result")
	}
	if got := aws.ToString(s.waitSteady().TaskDefinition); got != s.oldTD {
		t.Errorf("the service runs %s, want %s", got, s.oldTD)
	}
}

func TestDeployRefusesBadInputWithoutWriting(t *testing.T) {
	s := newDeploySim(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"deploy", "--service", "web", "--image", "wbe=registry.example.com/web:v2"}, `has no container "wbe" (it has "web", "app")`},
		{[]string{"deploy", "--service", "api", "--image", "web=x:1"}, `no service "api"`},
		{[]string{"deploy", "--image", "web=x:1"}, "--service NAME"},
		{[]string{"deploy", "--service", "web", "--image", "web"}, "container=uri"},
		{[]string{"deploy", "--service", "web"}, "imagedefinitions.json does not exist: run `ecsctl build` first"},
		{[]string{"deploy", "--service", "web", "--image", "web=x:1", "--timeout", "-1m"}, "--timeout must be positive"},
	}
	for _, c := range cases {
		code, _, stderr := s.run(context.Background(), c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
	if w := s.writes(); len(w) != 0 {
		t.Errorf("writes %v, want none", w)
	}
}

func TestDeployDryRun(t *testing.T) {
	s := newDeploySim(t)
	code, stdout, _ := s.run(context.Background(), "deploy", "--service", "web", "--image", "app=registry.example.com/app:v2", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"web  planned: would register web:<new> from web:1 and deploy it", "--- web:1 (running)",
		`-      "image": "registry.example.com/app:v1",`, `+      "image": "registry.example.com/app:v2",`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if w := s.writes(); len(w) != 0 {
		t.Errorf("writes %v, want none", w)
	}
}

// TestDeployInterruptAndWait: Ctrl-C while watching exits 130 saying how to
// reattach; `deploy wait` then follows the same deployment to its end.
func TestDeployInterruptAndWait(t *testing.T) {
	s := newDeploySim(t)
	s.srv.SetBehavior(awssim.BehaviorRule{Image: "registry.example.com/app:v2", Behavior: awssim.Behavior{StartDelay: 20 * time.Minute}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		defer cancel()
		deadline := time.Now().Add(30 * time.Second)
		for s.srv.Count("ecs", "UpdateService") == 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		// Interrupt once the watch has polled a few times, however slow
		// the machine.
		for polls := s.srv.Count("ecs", "DescribeServices") + 3; s.srv.Count("ecs", "DescribeServices") < polls && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}()
	code, _, stderr := s.run(ctx, "deploy", "--service", "web", "--image", "app=registry.example.com/app:v2")
	if code != 130 {
		t.Fatalf("exit %d, want 130", code)
	}
	if !strings.Contains(stderr, "interrupted: stopped watching: deploying web:2 IN_PROGRESS") || !strings.Contains(stderr, "ecsctl deploy wait --service web") {
		t.Errorf("stderr does not say where the rollout stands and how to reattach")
	}
	if svc := s.service(); len(svc.Deployments) != 2 || aws.ToString(svc.TaskDefinition) == s.oldTD {
		t.Fatalf("after Ctrl-C the rollout should go on: %+v", svc.Deployments)
	}
	code, stdout, _ := s.run(context.Background(), "--output", "json", "deploy", "wait", "--service", "web")
	if code != 0 {
		t.Fatalf("deploy wait: exit %d", code)
	}
	var res struct {
		Services []struct{ Outcome, DeploymentID, FinalTaskDefinition string }
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	svc := s.service()
	if res.Services[0].Outcome != "succeeded" || res.Services[0].FinalTaskDefinition != aws.ToString(svc.TaskDefinition) || len(svc.Deployments) != 1 {
		t.Errorf("wait result %+v; service %+v", res.Services[0], svc.Deployments)
	}
}

func TestDeployBusy(t *testing.T) {
	s := newDeploySim(t)
	s.srv.SetBehavior(awssim.BehaviorRule{Image: "registry.example.com/app:other", Behavior: awssim.Behavior{StartDelay: time.Hour}})
	td, err := s.ecs.RegisterTaskDefinition(context.Background(), &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("web"), NetworkMode: ecstypes.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		ContainerDefinitions: []ecstypes.ContainerDefinition{
			{Name: aws.String("web"), Image: aws.String("registry.example.com/web:v1"), Essential: aws.Bool(true)},
			{Name: aws.String("app"), Image: aws.String("registry.example.com/app:other"), Essential: aws.Bool(true)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ecs.UpdateService(context.Background(), &ecs.UpdateServiceInput{Cluster: aws.String("main"), Service: aws.String("web"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn}); err != nil {
		t.Fatal(err)
	}
	s.srv.ResetRequests()
	code, stdout, _ := s.run(context.Background(), "deploy", "--service", "web", "--image", "web=registry.example.com/web:v2")
	if code != 5 || !strings.Contains(stdout, "web  busy: deployment ecs-svc/") || !strings.Contains(stdout, "--wait-for-lock") {
		t.Errorf("exit %d, want 5 and an explanation", code)
	}
	if w := s.writes(); len(w) != 0 {
		t.Errorf("writes %v, want none", w)
	}
}
