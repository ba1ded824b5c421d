package release

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsctl/ecsctl/internal/awssim"
	"github.com/ecsctl/ecsctl/internal/exitcode"
)

// TestInterruptThenWait stops Deploy while it watches (Ctrl-C), then
// reattaches with Wait, which follows the same deployment to its end.
func TestInterruptThenWait(t *testing.T) {
	s := newSim(t)
	s.createService("web", svcOpts{desired: 2, breaker: true})
	slow := img("web", "app", "v2")
	s.srv.SetBehavior(awssim.BehaviorRule{Image: slow, Behavior: awssim.Behavior{StartDelay: 10 * time.Minute}})

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer cancel()
		deadline := time.Now().Add(30 * time.Second)
		for s.srv.Count("ecs", "UpdateService") == 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		// Interrupt once the watch has polled a few times.
		for polls := s.srv.Count("ecs", "DescribeServices") + 3; s.srv.Count("ecs", "DescribeServices") < polls && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}()
	var stderr syncBuffer
	o := Options{Config: s.config("web"), Services: []string{"web"}, Images: []string{"app=" + slow}, WatchOptions: s.watchOptions(&stderr)}
	res, err := Deploy(ctx, o)
	t.Logf("deploy progress:\n%s", stderr.String())
	if code := exitcode.Of(err); code != exitcode.Interrupted {
		t.Fatalf("exit code %d (%v), want %d", code, err, exitcode.Interrupted)
	}
	r := res.Services[0]
	if r.Outcome != OutcomeInterrupted || r.DeploymentID == "" {
		t.Fatalf("outcome %s, deployment %q", r.Outcome, r.DeploymentID)
	}
	mustContain(t, "message", r.Message, "goes on in ECS", "ecsctl deploy wait --service web")
	// Nothing was rolled back or left half-done: the deployment is in flight.
	svc := s.describe("web")
	if p := primaryOf(svc); p == nil || p.ID != r.DeploymentID || aws.ToString(svc.TaskDefinition) != r.NewTaskDefinition {
		t.Fatalf("after the interrupt the service is %+v", svc.Deployments)
	}
	if n := s.srv.Count("ecs", "UpdateService"); n != 1 {
		t.Errorf("%d UpdateService calls, want 1", n)
	}

	var stderr2 syncBuffer
	wres, err := Wait(context.Background(), WaitOptions{Config: s.config("web"), Services: []string{"web"}, WatchOptions: s.watchOptions(&stderr2)})
	t.Logf("wait progress:\n%s", stderr2.String())
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	w := wres.Services[0]
	if w.Outcome != OutcomeSucceeded || w.DeploymentID != r.DeploymentID || w.FinalTaskDefinition != r.NewTaskDefinition || w.OldTaskDefinition != r.OldTaskDefinition {
		t.Errorf("wait: %s on %s (deployment %s, old %s): %s", w.Outcome, w.FinalTaskDefinition, w.DeploymentID, w.OldTaskDefinition, w.Message)
	}
	mustContain(t, "wait progress", stderr2.String(), "following deployment "+r.DeploymentID+": web:1 -> web:2", "succeeded: deployed web:2")
	if len(w.Images) != 1 || w.Images[0].Container != "app" || w.Images[0].To != slow {
		t.Errorf("wait reports images %+v", w.Images)
	}

	// With nothing in flight, Wait reports how the last deployment ended.
	wres, err = Wait(context.Background(), WaitOptions{Config: s.config("web"), Services: []string{"web"}, WatchOptions: s.watchOptions(&syncBuffer{})})
	if err != nil || wres.Services[0].Outcome != OutcomeSucceeded || !strings.Contains(wres.Services[0].Message, "no deployment in flight") {
		t.Errorf("idle wait: %v %+v", err, wres.Services[0])
	}
}

// TestWaitFollowsCircuitBreakerRollback reattaches while the circuit
// breaker rolls back: that is a failure, not a success.
func TestWaitFollowsCircuitBreakerRollback(t *testing.T) {
	s := newSim(t)
	old := s.createService("web", svcOpts{desired: 2, loadBalancer: true, breaker: true})
	bad := s.registerApp("web", img("web", "web", "v2"), img("web", "app", "v2-broken"))
	s.srv.SetBehavior(awssim.BehaviorRule{Image: img("web", "app", "v2-broken"), Behavior: awssim.ExitsWith(1, time.Second)})
	if _, err := s.ecs.UpdateService(s.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("main"), Service: aws.String("web"), TaskDefinition: aws.String(bad)}); err != nil {
		t.Fatal(err)
	}
	// Wait until the breaker has tripped, while the old targets still drain.
	s.waitFor("the circuit breaker", func() bool {
		for _, d := range s.describe("web").Deployments {
			if d.RolloutState == types.DeploymentRolloutStateFailed {
				return true
			}
		}
		return false
	})
	var stderr syncBuffer
	res, err := Wait(context.Background(), WaitOptions{Config: s.config("web"), Services: []string{"web"}, WatchOptions: s.watchOptions(&stderr)})
	t.Logf("wait progress:\n%s", stderr.String())
	r := res.Services[0]
	if code := exitcode.Of(err); code != exitcode.RolledBack || r.Outcome != OutcomeRolledBack || r.RolledBackBy != "circuit-breaker" || r.FinalTaskDefinition != old {
		t.Errorf("exit %d, outcome %s by %q, final %s: %s", code, r.Outcome, r.RolledBackBy, r.FinalTaskDefinition, r.Message)
	}
}

func TestBusyServiceIsRefusedOrWaitedFor(t *testing.T) {
	s := newSim(t)
	s.createService("web", svcOpts{desired: 2, breaker: true})
	other := s.registerApp("web", img("web", "web", "v1"), img("web", "app", "other-pipeline"))
	s.srv.SetBehavior(awssim.BehaviorRule{Image: img("web", "app", "other-pipeline"), Behavior: awssim.Behavior{StartDelay: 5 * time.Minute}})
	if _, err := s.ecs.UpdateService(s.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("main"), Service: aws.String("web"), TaskDefinition: aws.String(other)}); err != nil {
		t.Fatal(err)
	}
	s.srv.ResetRequests()
	res, err, _ := s.deploy(Options{Config: s.config("web"), Services: []string{"web"}, Images: []string{"web=" + img("web", "web", "v2")}})
	if code := exitcode.Of(err); code != exitcode.Busy || res.Services[0].Outcome != OutcomeBusy {
		t.Fatalf("exit code %d (%v), want %d busy", code, err, exitcode.Busy)
	}
	mustContain(t, "message", res.Services[0].Message, "--wait-for-lock", "ecsctl deploy wait --service web")
	if w := s.writes(); len(w) != 0 {
		t.Fatalf("writes %v while another deployment runs", w)
	}

	res, err, progress := s.deploy(Options{Config: s.config("web"), Services: []string{"web"}, Images: []string{"web=" + img("web", "web", "v2")}, WaitForLock: true})
	if err != nil {
		t.Fatalf("Deploy --wait-for-lock: %v", err)
	}
	r := res.Services[0]
	// It waited for the other deployment, then built on the revision that
	// deployment left: the other pipeline's app image and our web image.
	if r.Outcome != OutcomeSucceeded || r.OldTaskDefinition != other {
		t.Errorf("outcome %s from %s, want success from %s: %s", r.Outcome, r.OldTaskDefinition, other, r.Message)
	}
	td, err := s.ecs.DescribeTaskDefinition(s.ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(r.NewTaskDefinition)})
	if err != nil {
		t.Fatal(err)
	}
	if a, w := aws.ToString(td.TaskDefinition.ContainerDefinitions[1].Image), aws.ToString(td.TaskDefinition.ContainerDefinitions[0].Image); a != img("web", "app", "other-pipeline") || w != img("web", "web", "v2") {
		t.Errorf("new revision runs web %s app %s", w, a)
	}
	mustContain(t, "progress", progress, "is in progress; waiting for it to finish (--wait-for-lock)", "waiting for deployment ")
}

func TestKeepRevisions(t *testing.T) {
	s := newSim(t)
	s.createService("web", svcOpts{desired: 1})
	for i := 0; i < 4; i++ { // web:2 .. web:5, never deployed
		s.registerApp("web", img("web", "web", "unused"), img("web", "app", "unused"))
	}
	// web:1 runs; the deploy registers web:6. Keeping 2 keeps web:6, web:5,
	// and web:1 (the revision the service ran before); web:2..4 go.
	res, err, _ := s.deploy(Options{Config: s.config("web"), Services: []string{"web"}, Images: []string{"web=" + img("web", "web", "v2")}, KeepRevisions: 2})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.ecs.ListTaskDefinitions(s.ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("web"), Status: types.TaskDefinitionStatusActive})
	if err != nil {
		t.Fatal(err)
	}
	var active []string
	for _, a := range out.TaskDefinitionArns {
		active = append(active, familyRevision(a))
	}
	if strings.Join(active, ",") != "web:1,web:5,web:6" {
		t.Errorf("active revisions %v, want web:1,web:5,web:6", active)
	}
	mustContain(t, "notes", strings.Join(res.Services[0].Notes, "\n"), "deregistered old revisions web:4, web:3, web:2")
}
