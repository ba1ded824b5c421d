package awssim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// deployGoodThenUpdate creates a 4-task service on a good revision, waits
// for it to be steady, then updates it to image and returns both deployment IDs.
func deployGoodThenUpdate(t *testing.T, f *ecsFixture, image string, o serviceOpts) (oldID, newID, td1, td2 string) {
	t.Helper()
	f.createCluster("main")
	td1 = f.registerWeb("web", "registry.example.com/web:good")
	f.createService("main", "web", td1, o)
	if !f.advance(5*time.Second, 15*time.Minute, nil, func() bool {
		svc := f.describeService("main", "web")
		return string(f.primary(svc).RolloutState) == "COMPLETED" && svc.RunningCount == o.desired
	}) {
		t.Fatalf("first deployment never completed: %v", eventMessages(f.describeService("main", "web")))
	}
	oldID = aws.ToString(f.primary(f.describeService("main", "web")).Id)
	td2 = f.registerWeb("web", image)
	out, err := f.ecs.UpdateService(f.ctx, &ecs.UpdateServiceInput{
		Cluster: aws.String("main"), Service: aws.String("web"), TaskDefinition: aws.String(td2)})
	if err != nil {
		t.Fatalf("UpdateService: %v", err)
	}
	return oldID, aws.ToString(out.Service.Deployments[0].Id), td1, td2
}

// A new image whose container exits 1 trips the circuit breaker, which
// rolls the service back to revision 1.
func TestCircuitBreakerRollsBackCrashingImage(t *testing.T) {
	f := newManualFixture(t)
	bad := "registry.example.com/web:crash"
	f.srv.SetBehavior(BehaviorRule{Image: bad, Behavior: Behavior{
		Exit: &ExitBehavior{Code: 1, After: 3 * time.Second}, ExitLogs: []string{"panic: missing DATABASE_URL"}}})
	tg := f.createTargetGroup("web", 30)
	oldID, newID, td1, _ := deployGoodThenUpdate(t, f, bad,
		serviceOpts{desired: 4, targetGroup: tg, breaker: true, rollback: true})

	var sawFailed, sawRollback bool
	observe := func() {
		svc := f.describeService("main", "web")
		for _, d := range svc.Deployments {
			id := aws.ToString(d.Id)
			if id == newID && string(d.RolloutState) == "FAILED" {
				sawFailed = true
				if r := aws.ToString(d.RolloutStateReason); r != "ECS deployment circuit breaker: tasks failed to start." {
					t.Errorf("failed deployment's reason %q", r)
				}
				if d.FailedTasks < 3 {
					t.Errorf("deployment failed after %d failed tasks; the threshold for 4 tasks is 3", d.FailedTasks)
				}
				if aws.ToString(d.Status) != "ACTIVE" {
					t.Errorf("failed deployment is %s, want ACTIVE behind the rollback", aws.ToString(d.Status))
				}
			}
			if id == oldID && aws.ToString(d.Status) == "PRIMARY" && string(d.RolloutState) == "IN_PROGRESS" {
				sawRollback = true
				if r := aws.ToString(d.RolloutStateReason); r != "ECS deployment circuit breaker: rolling back to deploymentId "+oldID+"." {
					t.Errorf("rollback deployment's reason %q", r)
				}
			}
		}
	}
	done := func() bool {
		svc := f.describeService("main", "web")
		p := f.primary(svc)
		return len(svc.Deployments) == 1 && aws.ToString(p.Id) == oldID && string(p.RolloutState) == "COMPLETED"
	}
	if !f.advance(time.Second, 20*time.Minute, observe, done) {
		t.Fatalf("the service was not rolled back: %s", strings.Join(eventMessages(f.describeService("main", "web")), "\n"))
	}
	if !sawFailed || !sawRollback {
		t.Errorf("never saw the failed deployment (%v) or the rollback in progress (%v)", sawFailed, sawRollback)
	}
	svc := f.describeService("main", "web")
	if aws.ToString(svc.TaskDefinition) != td1 || svc.RunningCount != 4 {
		t.Errorf("after the rollback the service runs %s with %d tasks, want %s with 4", aws.ToString(svc.TaskDefinition), svc.RunningCount, td1)
	}
	msgs := eventMessages(svc)
	from := 0
	for _, want := range []string{
		"(service web) (deployment " + newID + ") deployment failed: tasks failed to start.",
		"(service web) rolling back to deployment " + oldID + ".",
		"(service web) (deployment " + oldID + ") deployment completed.",
		"(service web) has reached a steady state.",
	} {
		i := eventIndex(msgs, want, from)
		if i < 0 {
			t.Fatalf("no event %q after %d in:\n%s", want, from, strings.Join(msgs, "\n"))
		}
		from = i
	}

	// The crashed tasks tell why they stopped.
	crashed := 0
	for _, task := range f.tasks("main", ecs.ListTasksInput{StartedBy: aws.String(newID)}) {
		if task.StopCode != ecstypes.TaskStopCodeEssentialContainerExited {
			continue
		}
		crashed++
		c := task.Containers[0]
		if aws.ToString(task.StoppedReason) != "Essential container in task exited" || c.ExitCode == nil || *c.ExitCode != 1 {
			t.Errorf("crashed task %s: reason %q, exit code %v", ecsTaskID(aws.ToString(task.TaskArn)), aws.ToString(task.StoppedReason), c.ExitCode)
		}
	}
	if crashed < 3 {
		t.Errorf("%d tasks stopped with EssentialContainerExited, want at least 3", crashed)
	}
}

// Without rollback the breaker leaves the failed deployment PRIMARY and
// launches nothing more.
func TestCircuitBreakerWithoutRollbackStops(t *testing.T) {
	f := newManualFixture(t)
	bad := "registry.example.com/web:crash"
	f.srv.SetBehavior(BehaviorRule{Image: bad, Behavior: ExitsWith(2, 0)})
	_, newID, td1, td2 := deployGoodThenUpdate(t, f, bad, serviceOpts{desired: 2, breaker: true})
	failed := func() bool { return string(f.primary(f.describeService("main", "web")).RolloutState) == "FAILED" }
	if !f.advance(time.Second, 20*time.Minute, nil, failed) {
		t.Fatalf("the deployment never failed: %v", eventMessages(f.describeService("main", "web")))
	}
	launchedAtFailure := len(f.tasks("main", ecs.ListTasksInput{StartedBy: aws.String(newID)}))
	f.advance(time.Second, 10*time.Minute, nil, nil)
	svc := f.describeService("main", "web")
	p := f.primary(svc)
	if aws.ToString(p.Id) != newID || aws.ToString(svc.TaskDefinition) != td2 || p.RunningCount != 0 || p.FailedTasks != 3 {
		t.Errorf("PRIMARY is %s on %s running %d after %d failures; want the failed %s on %s running 0 after 3",
			aws.ToString(p.Id), aws.ToString(svc.TaskDefinition), p.RunningCount, p.FailedTasks, newID, td2)
	}
	if len(svc.Deployments) != 2 || aws.ToString(svc.Deployments[1].TaskDefinition) != td1 || svc.Deployments[1].RunningCount != 2 {
		t.Errorf("the old deployment should keep its 2 tasks: %+v", svc.Deployments)
	}
	if launched := len(f.tasks("main", ecs.ListTasksInput{StartedBy: aws.String(newID)})); launched != launchedAtFailure {
		t.Errorf("%d tasks launched for the deployment after it failed with %d: it kept launching", launched, launchedAtFailure)
	}
}

// An image missing from the simulator's registry stops its tasks with
// CannotPullContainerError; without the circuit breaker ECS keeps retrying,
// ever more slowly, and says it cannot start tasks consistently.
func TestMissingImageCannotPullAndThrottles(t *testing.T) {
	f := newManualFixture(t)
	f.createCluster("main")
	missing := f.srv.Host() + "/web:missing"
	td := f.registerWeb("web", missing)
	f.createService("main", "web", td, serviceOpts{desired: 1})
	f.advance(10*time.Second, 30*time.Minute, nil, nil)

	tasks := f.tasks("main", ecs.ListTasksInput{ServiceName: aws.String("web")})
	if len(tasks) < 4 {
		t.Fatalf("%d tasks launched in 30 minutes, want ECS to keep retrying", len(tasks))
	}
	want := "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref " + missing
	var created []time.Time
	for _, task := range tasks {
		created = append(created, aws.ToTime(task.CreatedAt))
		if aws.ToString(task.LastStatus) != "STOPPED" {
			continue
		}
		if task.StopCode != ecstypes.TaskStopCodeTaskFailedToStart || !strings.HasPrefix(aws.ToString(task.StoppedReason), want) {
			t.Errorf("task stopped with %s %q, want TaskFailedToStart %q", task.StopCode, aws.ToString(task.StoppedReason), want)
		}
		c := task.Containers[0]
		if !strings.HasPrefix(aws.ToString(c.Reason), "CannotPullContainerError") || c.ExitCode != nil || task.StartedAt != nil {
			t.Errorf("container of a task that never started: reason %q exit %v startedAt %v", aws.ToString(c.Reason), c.ExitCode, task.StartedAt)
		}
	}
	// Launch throttling: the gaps between attempts grow.
	for i := 2; i < len(created); i++ {
		if gap, prev := created[i].Sub(created[i-1]), created[i-1].Sub(created[i-2]); gap <= prev {
			t.Errorf("attempt %d came %v after the previous one, not later than the gap before (%v)", i, gap, prev)
		}
	}
	msgs := eventMessages(f.describeService("main", "web"))
	unstable := 0
	for _, m := range msgs {
		if m == "(service web) is unable to consistently start tasks successfully. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide." {
			unstable++
		}
	}
	if unstable != 1 {
		t.Errorf("the unstable service event appears %d times, want once:\n%s", unstable, strings.Join(msgs, "\n"))
	}
	if p := f.primary(f.describeService("main", "web")); string(p.RolloutState) != "IN_PROGRESS" || p.FailedTasks < 4 {
		t.Errorf("without the breaker the deployment stays IN_PROGRESS counting failures: %s %d", p.RolloutState, p.FailedTasks)
	}
}

// Tasks failing ELB health checks are replaced with ECS's messages, show as
// unhealthy targets, and count toward the circuit breaker.
func TestELBHealthCheckFailures(t *testing.T) {
	f := newManualFixture(t)
	sick := "registry.example.com/web:sick"
	f.srv.SetBehavior(BehaviorRule{Image: sick, Behavior: Behavior{FailHealthChecks: true}})
	tg := f.createTargetGroup("web", 20)
	oldID, newID, _, _ := deployGoodThenUpdate(t, f, sick, serviceOpts{desired: 2, targetGroup: tg, breaker: true, rollback: true})

	sawUnhealthy := false
	observe := func() {
		th, err := f.elb.DescribeTargetHealth(f.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
		if err != nil {
			t.Fatalf("DescribeTargetHealth: %v", err)
		}
		for _, d := range th.TargetHealthDescriptions {
			if d.TargetHealth.State == "unhealthy" {
				sawUnhealthy = true
				if string(d.TargetHealth.Reason) != "Target.ResponseCodeMismatch" ||
					aws.ToString(d.TargetHealth.Description) != "Health checks failed with these codes: [502]" {
					t.Errorf("unhealthy target %s: %s %q", aws.ToString(d.Target.Id), d.TargetHealth.Reason, aws.ToString(d.TargetHealth.Description))
				}
			}
		}
	}
	rolledBack := func() bool {
		svc := f.describeService("main", "web")
		return len(svc.Deployments) == 1 && aws.ToString(svc.Deployments[0].Id) == oldID &&
			string(svc.Deployments[0].RolloutState) == "COMPLETED"
	}
	if !f.advance(time.Second, 30*time.Minute, observe, rolledBack) {
		t.Fatalf("no rollback: %s", strings.Join(eventMessages(f.describeService("main", "web")), "\n"))
	}
	if !sawUnhealthy {
		t.Errorf("no target was ever unhealthy")
	}
	var failedELB int
	for _, task := range f.tasks("main", ecs.ListTasksInput{StartedBy: aws.String(newID)}) {
		if aws.ToString(task.StoppedReason) == "Task failed ELB health checks in (target-group "+tg+")" {
			failedELB++
			if task.StopCode != ecstypes.TaskStopCodeServiceSchedulerInitiated {
				t.Errorf("stopCode %s for a task that failed its health checks", task.StopCode)
			}
		}
	}
	if failedELB < 3 {
		t.Errorf("%d tasks stopped for failed ELB health checks, want at least 3 (the breaker threshold)", failedELB)
	}
	msgs := strings.Join(eventMessages(f.describeService("main", "web")), "\n")
	for _, want := range []string{
		"(port 80) is unhealthy in (target-group " + tg + ") due to (reason Health checks failed with these codes: [502]).",
		". Amazon ECS replaced 2 tasks due to an unhealthy status.",
		"(deployment " + newID + ") deployment failed: tasks failed to start.",
	} {
		if !strings.Contains(msgs, want) {
			t.Errorf("no event containing %q in:\n%s", want, msgs)
		}
	}
}

// A slow application survives its first failing health checks only thanks
// to the service's health check grace period.
func TestHealthCheckGracePeriod(t *testing.T) {
	for _, grace := range []int32{0, 120} {
		t.Run(fmt.Sprintf("grace=%d", grace), func(t *testing.T) {
			f := newManualFixture(t)
			slow := "registry.example.com/web:slow"
			f.srv.SetBehavior(BehaviorRule{Image: "registry.example.com/web", Behavior: Behavior{HealthyAfter: 45 * time.Second}})
			f.createCluster("main")
			tg := f.createTargetGroup("web", 0)
			td := f.registerWeb("web", slow)
			svc := f.createService("main", "web", td, serviceOpts{desired: 1, targetGroup: tg})
			if grace > 0 {
				_, err := f.ecs.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("main"),
					Service: svc.ServiceName, HealthCheckGracePeriodSeconds: aws.Int32(grace)})
				if err != nil {
					t.Fatalf("UpdateService: %v", err)
				}
			}
			f.advance(time.Second, 5*time.Minute, nil, nil)
			replaced := 0
			for _, task := range f.tasks("main", ecs.ListTasksInput{ServiceName: aws.String("web")}) {
				if strings.HasPrefix(aws.ToString(task.StoppedReason), "Task failed ELB health checks") {
					replaced++
				}
			}
			if grace == 0 && replaced == 0 {
				t.Errorf("a task slower than the unhealthy threshold was never replaced")
			}
			if grace > 0 && (replaced != 0 || string(f.primary(f.describeService("main", "web")).RolloutState) != "COMPLETED") {
				t.Errorf("with a %ds grace period %d tasks were replaced and the deployment is %s", grace, replaced,
					f.primary(f.describeService("main", "web")).RolloutState)
			}
		})
	}
}

// A rollout held back by launch throttling after failed starts is not
// blocked by the deployment configuration: ECS does not say it is.
func TestThrottledLaunchesAreNotReportedAsBlocked(t *testing.T) {
	f := newManualFixture(t)
	f.createCluster("main")
	good := f.registerWeb("web", "registry.example.com/web:1")
	f.createService("main", "web", good, serviceOpts{desired: 2})
	f.advance(10*time.Second, 10*time.Minute, nil, func() bool {
		return f.primary(f.describeService("main", "web")).RolloutState == ecstypes.DeploymentRolloutStateCompleted
	})
	bad := f.registerWeb("web", f.srv.Host()+"/web:missing")
	if _, err := f.ecs.UpdateService(f.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("main"), Service: aws.String("web"), TaskDefinition: aws.String(bad)}); err != nil {
		t.Fatal(err)
	}
	f.advance(10*time.Second, 30*time.Minute, nil, nil)
	for _, m := range eventMessages(f.describeService("main", "web")) {
		if strings.Contains(m, "because of the service deployment configuration") {
			t.Fatalf("throttled launches reported as a deployment-configuration block: %s", m)
		}
	}
}
