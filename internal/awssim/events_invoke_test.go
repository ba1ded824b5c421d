package awssim

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// scheduledWorld is a simulator on a manual clock with a cluster "main" and
// a Fargate task definition "app" for scheduled rules and schedules to run.
type scheduledWorld struct {
	t       *testing.T
	ctx     context.Context
	srv     *Server
	clock   *ManualClock
	ecs     *ecs.Client
	taskDef string
}

func newScheduledWorld(t *testing.T, start time.Time) *scheduledWorld {
	clock := NewManualClock(start)
	srv := NewTestServer(t, WithClock(clock))
	w := &scheduledWorld{t: t, ctx: context.Background(), srv: srv, clock: clock, ecs: ecs.NewFromConfig(srv.AWSConfig())}
	if _, err := w.ecs.CreateCluster(w.ctx, &ecs.CreateClusterInput{ClusterName: aws.String("main")}); err != nil {
		t.Fatalf("CreateCluster: %v", err)
	}
	td, err := w.ecs.RegisterTaskDefinition(w.ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("app"), RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate},
		NetworkMode: ecstypes.NetworkModeAwsvpc, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"), Image: aws.String("public.ecr.aws/docker/library/busybox:1"), Essential: aws.Bool(true)}},
	})
	if err != nil {
		t.Fatalf("RegisterTaskDefinition: %v", err)
	}
	w.taskDef = aws.ToString(td.TaskDefinition.TaskDefinitionArn)
	return w
}

// fargateProviders associates FARGATE and FARGATE_SPOT with cluster main, as
// Terraform's aws_ecs_cluster_capacity_providers does.
func (w *scheduledWorld) fargateProviders() {
	w.t.Helper()
	if _, err := w.ecs.PutClusterCapacityProviders(w.ctx, &ecs.PutClusterCapacityProvidersInput{Cluster: aws.String("main"),
		CapacityProviders: []string{"FARGATE", "FARGATE_SPOT"}, DefaultCapacityProviderStrategy: []ecstypes.CapacityProviderStrategyItem{}}); err != nil {
		w.t.Fatalf("PutClusterCapacityProviders: %v", err)
	}
}

// advance moves simulated time on and applies what fell due.
func (w *scheduledWorld) advance(d time.Duration) {
	w.clock.Advance(d)
	w.srv.Advance()
}

// started returns the tasks started by startedBy, oldest first.
func (w *scheduledWorld) started(startedBy string) []ecstypes.Task {
	w.t.Helper()
	var arns []string
	for _, status := range []ecstypes.DesiredStatus{ecstypes.DesiredStatusRunning, ecstypes.DesiredStatusStopped} {
		out, err := w.ecs.ListTasks(w.ctx, &ecs.ListTasksInput{Cluster: aws.String("main"), StartedBy: aws.String(startedBy), DesiredStatus: status})
		if err != nil {
			w.t.Fatalf("ListTasks: %v", err)
		}
		arns = append(arns, out.TaskArns...)
	}
	if len(arns) == 0 {
		return nil
	}
	out, err := w.ecs.DescribeTasks(w.ctx, &ecs.DescribeTasksInput{Cluster: aws.String("main"), Tasks: arns})
	if err != nil {
		w.t.Fatalf("DescribeTasks: %v", err)
	}
	sort.Slice(out.Tasks, func(i, j int) bool { return out.Tasks[i].CreatedAt.Before(*out.Tasks[j].CreatedAt) })
	return out.Tasks
}

// startTimes lists when the tasks started by startedBy were created, in UTC.
func (w *scheduledWorld) startTimes(startedBy string) []string {
	var out []string
	for _, task := range w.started(startedBy) {
		out = append(out, task.CreatedAt.UTC().Format(time.RFC3339))
	}
	return out
}

func TestEventsScheduledRuleStartsTasks(t *testing.T) {
	w := newScheduledWorld(t, time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
	eb := eventbridge.NewFromConfig(w.srv.AWSConfig())
	if _, err := eb.PutRule(w.ctx, &eventbridge.PutRuleInput{Name: aws.String("nightly"), ScheduleExpression: aws.String("cron(0 3 * * ? *)")}); err != nil {
		t.Fatal(err)
	}
	target := ecsTarget(w.srv, "app")
	target.EcsParameters.TaskDefinitionArn = aws.String(w.taskDef)
	if _, err := eb.PutTargets(w.ctx, &eventbridge.PutTargetsInput{Rule: aws.String("nightly"), Targets: []types.Target{target}}); err != nil {
		t.Fatal(err)
	}

	w.advance(59 * time.Minute)
	if got := w.startTimes("events-rule/nightly"); len(got) != 0 {
		t.Fatalf("tasks before 03:00: %v", got)
	}
	w.advance(2 * time.Minute)
	tasks := w.started("events-rule/nightly")
	if len(tasks) != 1 {
		t.Fatalf("%d tasks after 03:00, want 1", len(tasks))
	}
	task := tasks[0]
	if !task.CreatedAt.Equal(time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)) || aws.ToString(task.Group) != "batch" ||
		aws.ToString(task.TaskDefinitionArn) != w.taskDef || task.LaunchType != ecstypes.LaunchTypeFargate {
		t.Fatalf("started task: created %v group %s td %s launch %s", task.CreatedAt, aws.ToString(task.Group), aws.ToString(task.TaskDefinitionArn), task.LaunchType)
	}
	if task.Overrides == nil || len(task.Overrides.ContainerOverrides) != 1 ||
		cmp.Diff([]string{"bin/nightly"}, task.Overrides.ContainerOverrides[0].Command) != "" {
		t.Fatalf("the target's Input did not become the task's overrides: %+v", task.Overrides)
	}

	// A disabled rule does not run; enabled again it runs at its next time.
	if _, err := eb.DisableRule(w.ctx, &eventbridge.DisableRuleInput{Name: aws.String("nightly")}); err != nil {
		t.Fatal(err)
	}
	w.advance(24 * time.Hour)
	if _, err := eb.EnableRule(w.ctx, &eventbridge.EnableRuleInput{Name: aws.String("nightly")}); err != nil {
		t.Fatal(err)
	}
	w.advance(24 * time.Hour)
	want := []string{"2026-03-01T03:00:00Z", "2026-03-03T03:00:00Z"}
	if d := cmp.Diff(want, w.startTimes("events-rule/nightly")); d != "" {
		t.Fatalf("runs (-want +got):\n%s", d)
	}

	// Without ECS targets nothing runs; a deleted rule never runs again.
	if _, err := eb.RemoveTargets(w.ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String("nightly"), Ids: []string{"app"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.DeleteRule(w.ctx, &eventbridge.DeleteRuleInput{Name: aws.String("nightly")}); err != nil {
		t.Fatal(err)
	}
	w.advance(48 * time.Hour)
	if d := cmp.Diff(want, w.startTimes("events-rule/nightly")); d != "" {
		t.Fatalf("runs after deletion (-want +got):\n%s", d)
	}
}

func TestEventsRateRuleCountsFromCreation(t *testing.T) {
	w := newScheduledWorld(t, time.Date(2026, 3, 1, 10, 7, 0, 0, time.UTC))
	eb := eventbridge.NewFromConfig(w.srv.AWSConfig())
	if _, err := eb.PutRule(w.ctx, &eventbridge.PutRuleInput{Name: aws.String("every-20"), ScheduleExpression: aws.String("rate(20 minutes)")}); err != nil {
		t.Fatal(err)
	}
	target := ecsTarget(w.srv, "app")
	target.EcsParameters.TaskDefinitionArn = aws.String(w.taskDef)
	target.EcsParameters.TaskCount = aws.Int32(2)
	w.advance(5 * time.Minute) // targets arrive later; the grid still counts from the rule's creation
	if _, err := eb.PutTargets(w.ctx, &eventbridge.PutTargetsInput{Rule: aws.String("every-20"), Targets: []types.Target{target}}); err != nil {
		t.Fatal(err)
	}
	w.advance(45 * time.Minute)
	want := []string{"2026-03-01T10:27:00Z", "2026-03-01T10:27:00Z", "2026-03-01T10:47:00Z", "2026-03-01T10:47:00Z"}
	if d := cmp.Diff(want, w.startTimes("events-rule/every-20")); d != "" {
		t.Fatalf("runs (-want +got):\n%s", d)
	}
}

// A rule target with a capacity provider strategy (and placement members)
// is answered back unchanged, refused together with a launch type, and
// starts its tasks on the strategy's providers.
func TestEventsTargetCapacityProviderStrategy(t *testing.T) {
	w := newScheduledWorld(t, time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
	w.fargateProviders()
	eb := eventbridge.NewFromConfig(w.srv.AWSConfig())
	if _, err := eb.PutRule(w.ctx, &eventbridge.PutRuleInput{Name: aws.String("nightly"), ScheduleExpression: aws.String("cron(0 3 * * ? *)")}); err != nil {
		t.Fatal(err)
	}
	target := ecsTarget(w.srv, "app")
	target.EcsParameters.TaskDefinitionArn = aws.String(w.taskDef)
	target.EcsParameters.TaskCount = aws.Int32(3)
	target.EcsParameters.CapacityProviderStrategy = []types.CapacityProviderStrategyItem{
		{CapacityProvider: aws.String("FARGATE"), Base: 1, Weight: 1},
		{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 3},
	}
	_, err := eb.PutTargets(w.ctx, &eventbridge.PutTargetsInput{Rule: aws.String("nightly"), Targets: []types.Target{target}})
	evWantError(t, err, "ValidationException", "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.")

	target.EcsParameters.LaunchType = ""
	target.EcsParameters.PlacementConstraints = []types.PlacementConstraint{{Type: types.PlacementConstraintTypeMemberOf, Expression: aws.String("attribute:ecs.os-type == linux")}}
	target.EcsParameters.PlacementStrategy = []types.PlacementStrategy{{Type: types.PlacementStrategyTypeSpread, Field: aws.String("attribute:ecs.availability-zone")}}
	if _, err := eb.PutTargets(w.ctx, &eventbridge.PutTargetsInput{Rule: aws.String("nightly"), Targets: []types.Target{target}}); err != nil {
		t.Fatal(err)
	}
	out, err := eb.ListTargetsByRule(w.ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("nightly")})
	if err != nil {
		t.Fatal(err)
	}
	got := out.Targets[0].EcsParameters
	if d := cmp.Diff(target.EcsParameters, got, cmpopts.IgnoreUnexported(types.EcsParameters{}, types.CapacityProviderStrategyItem{},
		types.PlacementConstraint{}, types.PlacementStrategy{}, types.NetworkConfiguration{}, types.AwsVpcConfiguration{}, types.Tag{})); d != "" {
		t.Fatalf("EcsParameters answered back (-put +listed):\n%s", d)
	}

	w.advance(61 * time.Minute)
	var providers []string
	for _, task := range w.started("events-rule/nightly") {
		providers = append(providers, aws.ToString(task.CapacityProviderName))
		if task.LaunchType != ecstypes.LaunchTypeFargate {
			t.Errorf("task on %s has launch type %q, want FARGATE", aws.ToString(task.CapacityProviderName), task.LaunchType)
		}
	}
	sort.Strings(providers)
	if d := cmp.Diff([]string{"FARGATE", "FARGATE_SPOT", "FARGATE_SPOT"}, providers); d != "" {
		t.Fatalf("capacity providers of the started tasks (-want +got):\n%s", d)
	}
}

// RunTask places tasks as the strategy says: the base first, the rest by weight.
func TestRunTaskCapacityProviders(t *testing.T) {
	w := newScheduledWorld(t, time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
	net := &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{"subnet-1"}}}
	_, err := w.ecs.RunTask(w.ctx, &ecs.RunTaskInput{Cluster: aws.String("main"), TaskDefinition: aws.String(w.taskDef), NetworkConfiguration: net,
		LaunchType:               ecstypes.LaunchTypeFargate,
		CapacityProviderStrategy: []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 1}}})
	evWantError(t, err, "InvalidParameterException", "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.")
	_, err = w.ecs.RunTask(w.ctx, &ecs.RunTaskInput{Cluster: aws.String("main"), TaskDefinition: aws.String(w.taskDef), NetworkConfiguration: net,
		CapacityProviderStrategy: []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("my-asg"), Weight: 1}}})
	evWantError(t, err, "InvalidParameterException", "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. "+
		"Associate the capacity provider with the cluster or specify a valid capacity provider and try again.")
	// Fargate's own providers too must be associated with the cluster first.
	_, err = w.ecs.RunTask(w.ctx, &ecs.RunTaskInput{Cluster: aws.String("main"), TaskDefinition: aws.String(w.taskDef), NetworkConfiguration: net,
		CapacityProviderStrategy: []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 1}}})
	evWantError(t, err, "InvalidParameterException", "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. "+
		"Associate the capacity provider with the cluster or specify a valid capacity provider and try again.")
	_, err = w.ecs.PutClusterCapacityProviders(w.ctx, &ecs.PutClusterCapacityProvidersInput{Cluster: aws.String("main"),
		CapacityProviders: []string{"FARGATE", "my-asg"}, DefaultCapacityProviderStrategy: []ecstypes.CapacityProviderStrategyItem{}})
	evWantError(t, err, "InvalidParameterException", "The specified capacity provider 'my-asg' does not exist. Specify a valid capacity provider and try again.")
	w.fargateProviders()
	cl, err := w.ecs.DescribeClusters(w.ctx, &ecs.DescribeClustersInput{Clusters: []string{"main"}})
	if err != nil || len(cl.Clusters) != 1 || strings.Join(cl.Clusters[0].CapacityProviders, ",") != "FARGATE,FARGATE_SPOT" {
		t.Fatalf("DescribeClusters after PutClusterCapacityProviders: %v %+v", err, cl)
	}

	out, err := w.ecs.RunTask(w.ctx, &ecs.RunTaskInput{Cluster: aws.String("main"), TaskDefinition: aws.String(w.taskDef), NetworkConfiguration: net,
		Count: aws.Int32(6), StartedBy: aws.String("cp"),
		CapacityProviderStrategy: []ecstypes.CapacityProviderStrategyItem{
			{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 2},
			{CapacityProvider: aws.String("FARGATE"), Weight: 1, Base: 2},
		}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, task := range out.Tasks {
		got = append(got, aws.ToString(task.CapacityProviderName))
	}
	want := []string{"FARGATE", "FARGATE", "FARGATE_SPOT", "FARGATE_SPOT", "FARGATE", "FARGATE_SPOT"}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("providers (-want +got):\n%s", d)
	}
	described := w.started("cp")
	if len(described) != 6 || aws.ToString(described[0].CapacityProviderName) == "" {
		t.Fatalf("DescribeTasks does not report the capacity provider: %+v", described)
	}
}
