package awssim

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

var deploymentIDPattern = regexp.MustCompile(`^ecs-svc/\d{19}$`)

// A rolling update of 4 tasks behind a load balancer from revision 1 to 2,
// watched one simulated second at a time: deployments, task states, target
// health and service events must follow what ECS does.
func TestRollingUpdateFourTasks(t *testing.T) {
	f := newManualFixture(t)
	f.createCluster("main")
	td1 := f.registerWeb("web", "registry.example.com/web:v1")
	tg := f.createTargetGroup("web", 60)
	f.createService("main", "web", td1, serviceOpts{desired: 4, targetGroup: tg, breaker: true, rollback: true})

	steady := func() bool {
		svc := f.describeService("main", "web")
		return len(svc.Deployments) == 1 && string(svc.Deployments[0].RolloutState) == "COMPLETED" && svc.RunningCount == 4
	}
	if !f.advance(time.Second, 10*time.Minute, nil, steady) {
		t.Fatalf("the service never reached 4 running tasks: %v", eventMessages(f.describeService("main", "web")))
	}
	first := eventMessages(f.describeService("main", "web"))
	for _, want := range []string{"(service web) has started 4 tasks: (task ", "(service web) registered 4 targets in (target-group " + tg + ")",
		"deployment completed.", "(service web) has reached a steady state."} {
		if eventIndex(first, want, 0) < 0 {
			t.Errorf("after CreateService, no event %q in %q", want, first)
		}
	}
	oldTasks := f.tasks("main", ecs.ListTasksInput{ServiceName: aws.String("web")})
	if len(oldTasks) != 4 {
		t.Fatalf("%d tasks after CreateService, want 4", len(oldTasks))
	}

	// Update to revision 2.
	td2 := f.registerWeb("web", "registry.example.com/web:v2")
	if !strings.HasSuffix(td2, ":web:2") && !strings.HasSuffix(td2, "/web:2") {
		t.Fatalf("second revision ARN %s", td2)
	}
	upd, err := f.ecs.UpdateService(f.ctx, &ecs.UpdateServiceInput{
		Cluster: aws.String("main"), Service: aws.String("web"), TaskDefinition: aws.String("web:2")})
	if err != nil {
		t.Fatalf("UpdateService: %v", err)
	}
	deps := upd.Service.Deployments
	if len(deps) != 2 || aws.ToString(deps[0].Status) != "PRIMARY" || aws.ToString(deps[1].Status) != "ACTIVE" {
		t.Fatalf("after UpdateService deployments are %+v, want PRIMARY then ACTIVE", deps)
	}
	newID := aws.ToString(deps[0].Id)
	if !deploymentIDPattern.MatchString(newID) || aws.ToString(deps[0].TaskDefinition) != td2 ||
		string(deps[0].RolloutState) != "IN_PROGRESS" ||
		aws.ToString(deps[0].RolloutStateReason) != "ECS deployment "+newID+" in progress." {
		t.Fatalf("new PRIMARY deployment %+v", deps[0])
	}
	if aws.ToString(deps[1].TaskDefinition) != td1 || string(deps[1].RolloutState) != "COMPLETED" {
		t.Fatalf("old deployment %+v, want revision 1 COMPLETED", deps[1])
	}
	if aws.ToString(upd.Service.TaskDefinition) != td2 {
		t.Fatalf("service task definition %s, want %s", aws.ToString(upd.Service.TaskDefinition), td2)
	}

	// Watch the rollout.
	statuses := map[string][]string{} // task ARN -> distinct lastStatus values in order
	sawDraining, maxAlive, minRunning := false, 0, 4
	var deploymentCounts []int
	observe := func() {
		svc := f.describeService("main", "web")
		if n := len(svc.Deployments); len(deploymentCounts) == 0 || deploymentCounts[len(deploymentCounts)-1] != n {
			deploymentCounts = append(deploymentCounts, n)
		}
		minRunning = min(minRunning, int(svc.RunningCount))
		alive := 0
		for _, task := range f.tasks("main", ecs.ListTasksInput{ServiceName: aws.String("web")}) {
			arn, st := aws.ToString(task.TaskArn), aws.ToString(task.LastStatus)
			if seq := statuses[arn]; len(seq) == 0 || seq[len(seq)-1] != st {
				statuses[arn] = append(seq, st)
			}
			if st != "STOPPED" {
				alive++
			}
		}
		maxAlive = max(maxAlive, alive)
		th, err := f.elb.DescribeTargetHealth(f.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
		if err != nil {
			t.Fatalf("DescribeTargetHealth: %v", err)
		}
		for _, d := range th.TargetHealthDescriptions {
			if d.TargetHealth.State == "draining" {
				sawDraining = sawDraining || string(d.TargetHealth.Reason) == "Target.DeregistrationInProgress"
			}
		}
	}
	start := f.clock.Now()
	if !f.advance(time.Second, 20*time.Minute, observe, steady) {
		t.Fatalf("the rollout did not complete: %v", eventMessages(f.describeService("main", "web")))
	}
	took := f.clock.Now().Sub(start)
	t.Logf("rolling update took %v of simulated time", took)
	if took > 10*time.Minute {
		t.Errorf("a 4-task rolling update took %v of simulated time, want a few minutes", took)
	}

	if !slices.Equal(deploymentCounts, []int{2, 1}) {
		t.Errorf("number of deployments went %v, want [2 1]", deploymentCounts)
	}
	if minRunning < 4 {
		t.Errorf("running count fell to %d during the rollout; minimumHealthyPercent 100 keeps 4", minRunning)
	}
	if maxAlive > 8 {
		t.Errorf("%d tasks alive at once; maximumPercent 200 allows 8", maxAlive)
	}
	if !sawDraining {
		t.Errorf("old targets were never seen draining")
	}

	// Every old task walked down, every new one up, with the real reasons.
	final := f.tasks("main", ecs.ListTasksInput{ServiceName: aws.String("web")})
	var newTasks, stopped int
	for _, task := range final {
		arn := aws.ToString(task.TaskArn)
		switch aws.ToString(task.StartedBy) {
		case newID:
			newTasks++
			if want := []string{"PROVISIONING", "PENDING", "ACTIVATING", "RUNNING"}; !slices.Equal(statuses[arn], want) {
				t.Errorf("new task %s went %v, want %v", ecsTaskID(arn), statuses[arn], want)
			}
			if aws.ToString(task.TaskDefinitionArn) != td2 || aws.ToString(task.Group) != "service:web" {
				t.Errorf("new task %s: task definition %s, group %s", ecsTaskID(arn), aws.ToString(task.TaskDefinitionArn), aws.ToString(task.Group))
			}
		default:
			stopped++
			if want := []string{"RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"}; !slices.Equal(statuses[arn], want) {
				t.Errorf("old task %s went %v, want %v", ecsTaskID(arn), statuses[arn], want)
			}
			if task.StopCode != ecstypes.TaskStopCodeServiceSchedulerInitiated ||
				aws.ToString(task.StoppedReason) != "Scaling activity initiated by (deployment "+newID+")" ||
				aws.ToString(task.DesiredStatus) != "STOPPED" {
				t.Errorf("old task %s: stopCode %s, stoppedReason %q", ecsTaskID(arn), task.StopCode, aws.ToString(task.StoppedReason))
			}
			if task.StoppingAt == nil || task.StoppedAt == nil || task.ExecutionStoppedAt == nil ||
				task.Containers[0].ExitCode == nil || *task.Containers[0].ExitCode != 0 {
				t.Errorf("old task %s lacks its stop timestamps or exit code: %+v", ecsTaskID(arn), task)
			}
		}
	}
	if newTasks != 4 || stopped != 4 {
		t.Errorf("%d new tasks and %d stopped ones, want 4 and 4", newTasks, stopped)
	}

	// The events of the rollout, in order.
	msgs := eventMessages(f.describeService("main", "web"))
	from := len(first)
	for _, want := range []string{
		"(service web) has started 4 tasks:",
		"(service web) registered 4 targets in (target-group " + tg + ")",
		"(service web) has stopped ",
		"(service web) deregistered ",
		"(service web, taskSet " + aws.ToString(deps[1].Id) + ") has begun draining connections on ",
		"(service web) (deployment " + newID + ") deployment completed.",
		"(service web) has reached a steady state.",
	} {
		i := eventIndex(msgs, want, from)
		if i < 0 {
			t.Fatalf("no event %q after index %d in:\n%s", want, from, strings.Join(msgs, "\n"))
		}
		from = i
	}
	// Old tasks drained for the target group's 60 s deregistration delay
	// between the scheduler stopping them and their STOPPING.
	svcNow := f.describeService("main", "web")
	var stoppedAt time.Time
	for _, e := range svcNow.Events {
		if strings.HasPrefix(aws.ToString(e.Message), "(service web) has stopped 4 running tasks") {
			stoppedAt = aws.ToTime(e.CreatedAt)
		}
	}
	for _, task := range final {
		if aws.ToString(task.StartedBy) != newID && !stoppedAt.IsZero() {
			if drained := aws.ToTime(task.StoppingAt).Sub(stoppedAt).Round(time.Second); drained != 60*time.Second {
				t.Errorf("old task %s drained %v, the deregistration delay is 60s", ecsTaskID(aws.ToString(task.TaskArn)), drained)
			}
		}
	}
	stoppedInEvents := 0
	for _, m := range msgs[len(first):] {
		stoppedInEvents += strings.Count(m, "(task ") * b2i(strings.Contains(m, "has stopped"))
	}
	if stoppedInEvents != 4 {
		t.Errorf("stop events name %d tasks, want 4", stoppedInEvents)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
