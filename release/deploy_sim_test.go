package release

import (
	"context"
	"encoding/json"
	"errors"
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

func TestDeployFailingHealthChecks(t *testing.T) {
	s := newSim(t)
	old := s.createService("web", svcOpts{desired: 2, loadBalancer: true, breaker: true, dereg: 30})
	// ECS replaces a task 20 s after its target turns unhealthy, longer than
	// ecsctl's slowest poll (15 s), so the watch always sees the target
	// unhealthy and why before it drains.
	s.srv.SetECSTimings(awssim.ECSTimings{HealthReaction: 20 * time.Second})
	bad := img("web", "web", "v2-unhealthy")
	s.srv.SetBehavior(awssim.BehaviorRule{Image: bad, Behavior: awssim.Behavior{FailHealthChecks: true, HealthCheckCode: 503}})
	res, err, progress := s.deploy(Options{Config: s.config("web"), Services: []string{"web"}, Images: []string{"web=" + bad}})
	if code := exitcode.Of(err); code != exitcode.RolledBack {
		t.Fatalf("exit code %d (%v), want %d", code, err, exitcode.RolledBack)
	}
	r := res.Services[0]
	if r.Outcome != OutcomeRolledBack || r.FinalTaskDefinition != old || aws.ToString(s.waitSteady("web").TaskDefinition) != old {
		t.Errorf("outcome %s, final %s: %s", r.Outcome, r.FinalTaskDefinition, r.Message)
	}
	mustContain(t, "failures", strings.Join(r.Failures, "\n"), "Task failed ELB health checks in (target-group ")
	mustContain(t, "progress", progress, "in web-tg: unhealthy (Target.ResponseCodeMismatch", "[503]",
		"stopped: Task failed ELB health checks in (target-group", "rolled-back:")
}

func TestDeployImageMissingFromRegistry(t *testing.T) {
	s := newSim(t)
	old := s.createService("web", svcOpts{desired: 2, breaker: true})
	missing := s.srv.Host() + "/web:does-not-exist"
	res, err, progress := s.deploy(Options{Config: s.config("web"), Services: []string{"web"}, Images: []string{"web=" + missing}})
	if code := exitcode.Of(err); code != exitcode.RolledBack {
		t.Fatalf("exit code %d (%v), want %d", code, err, exitcode.RolledBack)
	}
	r := res.Services[0]
	if r.FinalTaskDefinition != old {
		t.Errorf("final %s, want %s", r.FinalTaskDefinition, old)
	}
	mustContain(t, "failures", strings.Join(r.Failures, "\n"), "CannotPullContainerError")
	mustContain(t, "progress", progress, "CannotPullContainerError: pull image manifest has been retried", missing)
}

func TestDeployTimeoutRollsBack(t *testing.T) {
	s := newSim(t)
	old := s.createService("web", svcOpts{desired: 2, breaker: true})
	slow := img("web", "app", "v2-slow")
	s.srv.SetBehavior(awssim.BehaviorRule{Image: slow, Behavior: awssim.Behavior{StartDelay: 3 * time.Hour}})
	res, err, progress := s.deploy(Options{Config: s.config("web"), Services: []string{"web"}, Images: []string{"app=" + slow},
		WatchOptions: WatchOptions{Timeout: 10 * time.Minute}})
	if code := exitcode.Of(err); code != exitcode.RolledBack {
		t.Fatalf("exit code %d (%v), want %d", code, err, exitcode.RolledBack)
	}
	r := res.Services[0]
	if r.Outcome != OutcomeRolledBack || r.RolledBackBy != "ecsctl" || r.RollbackDeploymentID == "" || r.FinalTaskDefinition != old {
		t.Errorf("outcome %s by %q (%s), final %s: %s", r.Outcome, r.RolledBackBy, r.RollbackDeploymentID, r.FinalTaskDefinition, r.Message)
	}
	if r.Duration < 10*time.Minute {
		t.Errorf("duration %s, want at least the 10m timeout", r.Duration)
	}
	svc := s.describe("web")
	if aws.ToString(svc.TaskDefinition) != old || len(svc.Deployments) != 1 || aws.ToString(svc.Deployments[0].Id) != r.RollbackDeploymentID ||
		svc.Deployments[0].RolloutState != types.DeploymentRolloutStateCompleted {
		t.Errorf("after the rollback the service runs %s with deployments %+v", aws.ToString(svc.TaskDefinition), svc.Deployments)
	}
	mustContain(t, "failures", strings.Join(r.Failures, "\n"), "timed out after 10m0s")
	mustContain(t, "progress", progress, "the rollout did not finish within 10m0s: rolling back to web:1", "rolled-back: ecsctl's rollback completed")
	// ecsctl wrote: register, update, and the rollback's update.
	n := 0
	for _, w := range s.srv.Writes() {
		if w.Operation == "UpdateService" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d UpdateService calls, want 2 (deploy, rollback)", n)
	}
}

func TestDeployNoRollback(t *testing.T) {
	s := newSim(t)
	s.createService("web", svcOpts{desired: 2, breakerNoRoll: true})
	bad := img("web", "app", "v2-broken")
	s.srv.SetBehavior(awssim.BehaviorRule{Image: bad, Behavior: awssim.ExitsWith(2, 5*time.Second)})
	res, err, _ := s.deploy(Options{Config: s.config("web"), Services: []string{"web"}, Images: []string{"app=" + bad},
		WatchOptions: WatchOptions{NoRollback: true}})
	if code := exitcode.Of(err); code != exitcode.NotRolledBack {
		t.Fatalf("exit code %d (%v), want %d", code, err, exitcode.NotRolledBack)
	}
	r := res.Services[0]
	if r.Outcome != OutcomeFailed || r.RolledBackBy != "" || aws.ToString(s.describe("web").TaskDefinition) != r.NewTaskDefinition {
		t.Errorf("outcome %s by %q; the service runs %s: %s", r.Outcome, r.RolledBackBy, aws.ToString(s.describe("web").TaskDefinition), r.Message)
	}
	mustContain(t, "message", r.Message, "--no-rollback")
	mustContain(t, "failures", strings.Join(r.Failures, "\n"), "container app exited 2")
}

func TestDeployFailedRolloutWithoutBreakerRollbackIsRolledBackByEcsctl(t *testing.T) {
	s := newSim(t)
	old := s.createService("web", svcOpts{desired: 2, breakerNoRoll: true})
	bad := img("web", "app", "v2-broken")
	s.srv.SetBehavior(awssim.BehaviorRule{Image: bad, Behavior: awssim.ExitsWith(2, 5*time.Second)})
	res, err, _ := s.deploy(Options{Config: s.config("web"), Services: []string{"web"}, Images: []string{"app=" + bad}})
	if code := exitcode.Of(err); code != exitcode.RolledBack {
		t.Fatalf("exit code %d (%v), want %d", code, err, exitcode.RolledBack)
	}
	if r := res.Services[0]; r.RolledBackBy != "ecsctl" || r.FinalTaskDefinition != old {
		t.Errorf("rolled back by %q to %s", r.RolledBackBy, r.FinalTaskDefinition)
	}
	if got := aws.ToString(s.waitSteady("web").TaskDefinition); got != old {
		t.Errorf("the service runs %s, want %s", got, old)
	}
}

func TestDeployUnderThrottling(t *testing.T) {
	s := newSim(t)
	// Four tasks and the default 300 s deregistration delay: a rollout of
	// several simulated minutes, dozens of polls.
	s.createService("web", svcOpts{desired: 4, loadBalancer: true, breaker: true})
	s.srv.ResetRequests()
	s.srv.AddFault(awssim.Fault{Service: "ecs", Operation: "DescribeServices", Throttle: 0.3})
	s.srv.AddFault(awssim.Fault{Service: "ecs", Operation: "ListTasks", Throttle: 0.3})
	s.srv.AddFault(awssim.Fault{Service: "elasticloadbalancing", Operation: "DescribeTargetHealth", Throttle: 0.3})
	// And, so the test never passes without throttling, three DescribeServices
	// calls in a row throttled once the watch has begun.
	done := make(chan struct{})
	defer close(done)
	go func() {
		for s.srv.Count("ecs", "UpdateService") == 0 {
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
		s.srv.AddFault(awssim.Fault{Service: "ecs", Operation: "DescribeServices", Throttle: 1, Times: 3})
	}()
	stats := &pollStats{}
	res, err, _ := s.deploy(Options{Config: s.config("web"), Services: []string{"web"}, Images: []string{"web=" + img("web", "web", "v2")},
		WatchOptions: WatchOptions{stats: stats}})
	if err != nil {
		t.Fatalf("Deploy: %v", err)
	}
	r := res.Services[0]
	if r.Outcome != OutcomeSucceeded || aws.ToString(s.describe("web").TaskDefinition) != r.NewTaskDefinition {
		t.Errorf("outcome %s: %s", r.Outcome, r.Message)
	}
	throttled := 0
	for _, req := range s.srv.Requests() {
		if req.ErrorCode == "ThrottlingException" && req.Operation == "DescribeServices" {
			throttled++
		}
	}
	if throttled == 0 || stats.Throttled.Load() == 0 {
		t.Errorf("nothing was throttled (simulator %d, ecsctl saw %d): the test proves nothing", throttled, stats.Throttled.Load())
	}
	if w := s.writes(); strings.Join(w, ",") != "ecs:RegisterTaskDefinition,ecs:UpdateService" {
		t.Errorf("writes %v", w)
	}
	t.Logf("%d throttled answers; ecsctl saw %d throttled attempts in %d polls", throttled, stats.Throttled.Load(), stats.Polls.Load())
}

func TestDeployUnknownContainerWritesNothing(t *testing.T) {
	s := newSim(t)
	s.createService("web", svcOpts{desired: 1})
	s.srv.ResetRequests()
	res, err, _ := s.deploy(Options{Config: s.config("web"), Services: []string{"web"}, Images: []string{"wbe=" + img("web", "web", "v2")}})
	if code := exitcode.Of(err); code != exitcode.Usage || res != nil {
		t.Fatalf("exit code %d (%v), want %d and no result", code, err, exitcode.Usage)
	}
	mustContain(t, "error", err.Error(), `"wbe"`, `it has "web", "app"`, "web:1")
	if w := s.writes(); len(w) != 0 {
		t.Errorf("writes %v, want none", w)
	}
}

func TestDeployDryRunWritesNothing(t *testing.T) {
	s := newSim(t)
	s.createService("web", svcOpts{desired: 1})
	s.srv.ResetRequests()
	res, err, _ := s.deploy(Options{Config: s.config("web"), Services: []string{"web"}, Images: []string{"app=" + img("web", "app", "v2")}, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Services[0]
	if !res.DryRun || r.Outcome != OutcomePlanned || len(r.Images) != 1 {
		t.Errorf("dry run result %+v", r)
	}
	mustContain(t, "diff", r.Diff, "--- web:1 (running)", "+++ web:<new> (would be registered)",
		`-      "image": "registry.example.com/web-app:v1",`, `+      "image": "registry.example.com/web-app:v2",`)
	if w := s.writes(); len(w) != 0 {
		t.Errorf("writes %v, want none", w)
	}
}

func TestDeploySameImagesRegistersNothing(t *testing.T) {
	s := newSim(t)
	old := s.createService("web", svcOpts{desired: 1})
	s.srv.ResetRequests()
	res, err, _ := s.deploy(Options{Config: s.config("web"), Services: []string{"web"},
		Images: []string{"web=" + img("web", "web", "v1"), "app=" + img("web", "app", "v1")}})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Services[0]; r.Outcome != OutcomeUnchanged || r.NewTaskDefinition != "" || r.FinalTaskDefinition != old {
		t.Errorf("result %+v", r)
	}
	if w := s.writes(); len(w) != 0 {
		t.Errorf("writes %v, want none", w)
	}

	// --force-new-deployment restarts the tasks on the same revision.
	s.srv.ResetRequests()
	res, err, _ = s.deploy(Options{Config: s.config("web"), Services: []string{"web"}, ForceNewDeployment: true,
		Images: []string{"web=" + img("web", "web", "v1")}})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Services[0]; r.Outcome != OutcomeSucceeded || r.NewTaskDefinition != old {
		t.Errorf("forced: %+v", r)
	}
	if w := s.writes(); strings.Join(w, ",") != "ecs:UpdateService" {
		t.Errorf("forced writes %v, want one UpdateService", w)
	}
}

// TestDeployPacesPollsWhileDraining: while the old tasks drain behind a
// load balancer (300 s deregistration delay), polls slow down instead of
// coming every 2 s; without that a rollout this long takes 150+ polls.
func TestDeployPacesPollsWhileDraining(t *testing.T) {
	s := newSim(t)
	s.createService("web", svcOpts{desired: 2, loadBalancer: true, breaker: true})
	stats := &pollStats{}
	res, err, progress := s.deploy(Options{Config: s.config("web"), Services: []string{"web"}, Images: []string{"web=" + img("web", "web", "v2")},
		WatchOptions: WatchOptions{stats: stats}})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Services[0]
	if r.Outcome != OutcomeSucceeded || r.Duration < 5*time.Minute {
		t.Fatalf("outcome %s after %s, want success after the 5-minute drain", r.Outcome, r.Duration)
	}
	mustContain(t, "progress", progress, "has begun draining connections")
	if p := stats.Polls.Load(); p > 80 {
		t.Errorf("%d polls for a %s rollout; the drain should be polled slowly", p, r.Duration.Round(time.Second))
	}
	t.Logf("%d polls in %s", stats.Polls.Load(), r.Duration.Round(time.Second))
}

// TestDeployRichTaskDefinitionThroughTheSimulator registers the rich task
// definition of the golden test in the simulator, deploys new images to a
// service running it, and compares the two revisions as ECS describes them.
func TestDeployRichTaskDefinitionThroughTheSimulator(t *testing.T) {
	s := newSim(t)
	client, _ := newWireECS(t, "taskdef-rich.json")
	fixture, err := client.DescribeTaskDefinition(s.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web"), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags}})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := registerInputFrom(fixture.TaskDefinition, fixture.Tags)
	s.ensureLogGroup("/ecs/web")
	s.ensureLogGroup("/ecs/firelens")
	reg, err := s.ecs.RegisterTaskDefinition(s.ctx, in)
	if err != nil {
		t.Fatalf("the simulator refuses the rich task definition: %v", err)
	}
	old := aws.ToString(reg.TaskDefinition.TaskDefinitionArn)
	if _, err := s.ecs.CreateService(s.ctx, &ecs.CreateServiceInput{
		Cluster: aws.String("main"), ServiceName: aws.String("web"), TaskDefinition: aws.String(old), DesiredCount: aws.Int32(1),
		LaunchType:           types.LaunchTypeFargate,
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{Subnets: []string{"subnet-0aaa"}}},
	}); err != nil {
		t.Fatal(err)
	}
	s.waitSteady("web")
	newApp := "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:" + strings.Repeat("b", 64)
	res, err, _ := s.deploy(Options{Config: s.config("web"), Services: []string{"web"}, Images: []string{"app=" + newApp}})
	if err != nil {
		t.Fatal(err)
	}
	describe := func(arn string) (types.TaskDefinition, []types.Tag) {
		out, err := s.ecs.DescribeTaskDefinition(s.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn), Include: []types.TaskDefinitionField{types.TaskDefinitionFieldTags}})
		if err != nil {
			t.Fatal(err)
		}
		return *out.TaskDefinition, out.Tags
	}
	a, aTags := describe(old)
	b, bTags := describe(res.Services[0].NewTaskDefinition)
	if aws.ToString(b.ContainerDefinitions[1].Image) != newApp {
		t.Fatalf("app image %s", aws.ToString(b.ContainerDefinitions[1].Image))
	}
	// Everything but the image and the read-only fields is the same.
	b.ContainerDefinitions[1].Image = a.ContainerDefinitions[1].Image
	for _, td := range []*types.TaskDefinition{&a, &b} {
		td.TaskDefinitionArn, td.Revision, td.RegisteredAt, td.RegisteredBy = nil, 0, nil, nil
	}
	aIn, _ := registerInputFrom(&a, aTags)
	bIn, _ := registerInputFrom(&b, bTags)
	aJSON, err := wireJSON(aIn)
	if err != nil {
		t.Fatal(err)
	}
	bJSON, err := wireJSON(bIn)
	if err != nil {
		t.Fatal(err)
	}
	if d := unifiedDiff("old", "new", aJSON, bJSON); d != "" {
		t.Errorf("the new revision differs in more than the image:\n%s", d)
	}
	if len(bTags) != 2 {
		t.Errorf("tags %+v, want team and service", bTags)
	}
}

func TestDeployHookFailureIsReported(t *testing.T) {
	s := newSim(t)
	s.createService("web", svcOpts{desired: 1})
	res, err, progress := s.deploy(Options{Config: s.config("web"), Services: []string{"web"}, Images: []string{"web=" + img("web", "web", "v2")},
		WatchOptions: WatchOptions{OnDeployed: func(context.Context, string, string) ([]string, error) {
			return []string{"batch nightly: rule ecsctl.x.nightly now runs web:2 (was web:1)"}, errors.New("put targets: AccessDeniedException")
		}}})
	if code := exitcode.Of(err); code != exitcode.Failed {
		t.Fatalf("exit code %d, want 1", code)
	}
	r := res.Services[0]
	if r.Outcome != OutcomeSucceeded || r.ExitCode != exitcode.Failed || len(r.Notes) != 1 || aws.ToString(s.describe("web").TaskDefinition) != r.NewTaskDefinition {
		t.Errorf("result %+v", r)
	}
	mustContain(t, "failures", strings.Join(r.Failures, "\n"), "deployed, but the after-deploy step failed: put targets: AccessDeniedException")
	mustContain(t, "progress", progress, "warning: deployed, but the after-deploy step failed")
}

func TestCheckService(t *testing.T) {
	ref := serviceRef{Name: "web", Cluster: "main"}
	ok := types.Service{ServiceName: aws.String("web"), Status: aws.String("ACTIVE"), TaskDefinition: aws.String(td42)}
	if err := checkService(ref, ok); err != nil {
		t.Errorf("ACTIVE rolling service: %v", err)
	}
	cd := ok
	cd.DeploymentController = &types.DeploymentController{Type: types.DeploymentControllerTypeCodeDeploy}
	if err := checkService(ref, cd); err == nil || !strings.Contains(err.Error(), "CODE_DEPLOY deployment controller") {
		t.Errorf("CodeDeploy service: %v", err)
	}
	if err := checkService(ref, types.Service{}); err == nil || !strings.Contains(err.Error(), `service "web" does not exist`) {
		t.Errorf("missing service: %v", err)
	}
	draining := ok
	draining.Status = aws.String("DRAINING")
	if err := checkService(ref, draining); err == nil {
		t.Error("a DRAINING service was accepted")
	}
}
