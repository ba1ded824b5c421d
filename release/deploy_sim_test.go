package release

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsctl/ecsctl/internal/awssim"
	"github.com/ecsctl/ecsctl/internal/exitcode"
)

func TestDeployOneService(t *testing.T) {
	s := newSim(t)
	old := s.createService("web", svcOpts{desired: 2, loadBalancer: true, breaker: true, dereg: 30})
	s.srv.ResetRequests()

	var hookService, hookTD string
	res, err, progress := s.deploy(Options{
		Config: s.config("web"), Services: []string{"web"},
		Images: []string{"web=" + img("web", "web", "v2"), "app=" + img("web", "app", "v2")},
		WatchOptions: WatchOptions{OnDeployed: func(_ context.Context, service, td string) ([]string, error) {
			hookService, hookTD = service, td
			return []string{"repointed batch nightly to " + familyRevision(td)}, nil
		}},
	})
	if err != nil {
		t.Fatalf("Deploy: %v", err)
	}
	r := res.Services[0]
	svc := s.describe("web")
	if r.Outcome != OutcomeSucceeded || r.ExitCode != 0 {
		t.Fatalf("outcome %s (%d): %s", r.Outcome, r.ExitCode, r.Message)
	}
	if r.OldTaskDefinition != old || r.NewTaskDefinition == old || aws.ToString(svc.TaskDefinition) != r.NewTaskDefinition || r.FinalTaskDefinition != r.NewTaskDefinition {
		t.Errorf("old %s new %s final %s; the service runs %s", r.OldTaskDefinition, r.NewTaskDefinition, r.FinalTaskDefinition, aws.ToString(svc.TaskDefinition))
	}
	if len(svc.Deployments) != 1 || aws.ToString(svc.Deployments[0].Id) != r.DeploymentID || svc.Deployments[0].RolloutState != types.DeploymentRolloutStateCompleted {
		t.Errorf("the service's deployments %+v, want only %s COMPLETED", svc.Deployments, r.DeploymentID)
	}
	if hookService != "web" || hookTD != r.NewTaskDefinition || len(r.Notes) != 1 {
		t.Errorf("OnDeployed got (%q, %q), notes %v", hookService, hookTD, r.Notes)
	}

	// The new revision changed the images and nothing else.
	td, err := s.ecs.DescribeTaskDefinition(s.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(r.NewTaskDefinition), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags}})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(td.TaskDefinition.ContainerDefinitions[1].Image); got != img("web", "app", "v2") {
		t.Errorf("app image %s", got)
	}
	if aws.ToString(td.TaskDefinition.ContainerDefinitions[1].Environment[0].Value) != "8080" || len(td.Tags) != 1 || aws.ToString(td.TaskDefinition.Cpu) != "512" {
		t.Errorf("new revision lost settings: %+v tags %+v", td.TaskDefinition, td.Tags)
	}

	if w := s.writes(); strings.Join(w, ",") != "ecs:RegisterTaskDefinition,ecs:UpdateService" {
		t.Errorf("writes %v, want one RegisterTaskDefinition and one UpdateService", w)
	}
	mustContain(t, "progress", progress, "[web] registered web:2", "deployment "+r.DeploymentID+" started: web:1 -> web:2",
		"ecs: (service web) has started 2 tasks", "target ", "in web-tg: healthy", "deployment completed", "succeeded: deployed web:2")
}

func TestDeployThreeServicesAtOnce(t *testing.T) {
	s := newSim(t)
	names := []string{"api", "web", "worker"}
	for _, n := range names {
		s.createService(n, svcOpts{desired: 2, breaker: true})
	}
	s.srv.ResetRequests()
	stats := &pollStats{}
	res, err, _ := s.deploy(Options{
		Config: s.config(names...), All: true,
		Images:       []string{"app=registry.example.com/shared-app:v2"},
		WatchOptions: WatchOptions{stats: stats},
	})
	if err != nil {
		t.Fatalf("Deploy: %v", err)
	}
	reqs := s.srv.Requests()
	for i, r := range res.Services {
		if r.Service != names[i] || r.Outcome != OutcomeSucceeded {
			t.Errorf("%s: %s %s", r.Service, r.Outcome, r.Message)
		}
		if got := aws.ToString(s.describe(r.Service).TaskDefinition); got != r.NewTaskDefinition || !strings.HasSuffix(got, ":2") {
			t.Errorf("%s runs %s, want %s", r.Service, got, r.NewTaskDefinition)
		}
	}
	// One DescribeServices call per poll for the three services (plus the
	// one before deploying), the first polls covering all three.
	var sizes []int
	for _, req := range reqs {
		if req.Operation != "DescribeServices" {
			continue
		}
		var in struct{ Services []string }
		if err := json.Unmarshal(req.Params, &in); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(in.Services))
	}
	if polls := stats.Polls.Load(); int64(len(sizes)) != polls+1 || stats.DescribeServices.Load() != polls || polls < 2 {
		t.Errorf("%d DescribeServices calls for %d polls (stats: %d calls)", len(sizes), polls, stats.DescribeServices.Load())
	}
	if len(sizes) < 3 || sizes[0] != 3 || sizes[1] != 3 {
		t.Errorf("DescribeServices sizes %v, want the first ones to cover all three services", sizes)
	}
	if code := exitcode.Of(res.Err()); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

func TestDeployCircuitBreakerRollback(t *testing.T) {
	s := newSim(t)
	old := s.createService("web", svcOpts{desired: 2, breaker: true})
	bad := img("web", "app", "v2-broken")
	s.srv.SetBehavior(awssim.BehaviorRule{Image: bad, Behavior: awssim.Behavior{
		Logs:     []string{"starting app v2"},
		Exit:     &awssim.ExitBehavior{Code: 1, After: 10 * time.Second},
		ExitLogs: []string{"connecting to db.internal:5432", "panic: missing DATABASE_URL"},
	}})
	res, err, progress := s.deploy(Options{Config: s.config("web"), Services: []string{"web"}, Images: []string{"app=" + bad}})
	if code := exitcode.Of(err); code != exitcode.RolledBack {
		t.Fatalf("exit code %d (%v), want %d", code, err, exitcode.RolledBack)
	}
	r := res.Services[0]
	if r.Outcome != OutcomeRolledBack || r.RolledBackBy != "circuit-breaker" || r.FinalTaskDefinition != old {
		t.Errorf("outcome %s by %q, final %s: %s", r.Outcome, r.RolledBackBy, r.FinalTaskDefinition, r.Message)
	}
	if svc := s.waitSteady("web"); aws.ToString(svc.TaskDefinition) != old {
		t.Errorf("the service runs %s, want %s back", aws.ToString(svc.TaskDefinition), old)
	}
	failures := strings.Join(r.Failures, "\n")
	mustContain(t, "failures", failures, "circuit breaker", "container app exited 1")
	mustContain(t, "progress", progress,
		"task ", "stopped: Essential container in task exited (EssentialContainerExited)",
		"container app exited with code 1",
		"| panic: missing DATABASE_URL", "stream ecs/app/",
		"the deployment circuit breaker failed deployment "+r.DeploymentID,
		"rolled-back: the circuit breaker's rollback completed: the service runs web:1 again")
}
