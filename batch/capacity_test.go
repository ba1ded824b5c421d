package batch

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	evtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/ecsctl/ecsctl/internal/exitcode"
)

const spotBatches = `
spot:
  schedule: cron(0 3 * * ? *)
  task_definition: app
  capacity_provider_strategy:
    - {capacity_provider: FARGATE_SPOT, weight: 3}
    - {capacity_provider: FARGATE, weight: 1, base: 1}
  enable_execute_command: true
  enable_ecs_managed_tags: true
  group: reports
spot-s:
  schedule: cron(0 4 * * ? *)
  via: scheduler
  service: web
  capacity_provider_strategy:
    - {capacity_provider: FARGATE_SPOT, weight: 1}
  enable_execute_command: true
`

// A batch with a capacity provider strategy is scheduled with it and no
// launch type, together with ECS Exec, managed tags and its task group;
// applied again it writes nothing; dropping the strategy is one diff line
// for it and one for the launch type that replaces it.
func TestScheduleCapacityProviders(t *testing.T) {
	f := newFixture(t)
	f.fargateProviders()
	cfg := f.config(withBatches(spotBatches))
	f.schedule(cfg, nil)
	pt := f.requests("events", "PutTargets")[0]["Targets"].([]any)[0].(map[string]any)
	jsonEqual(t, "PutTargets EcsParameters", pt["EcsParameters"].(map[string]any), `{
		"TaskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:1",
		"TaskCount": 1,
		"CapacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 3}, {"capacityProvider": "FARGATE", "weight": 1, "base": 1}],
		"EnableExecuteCommand": true,
		"EnableECSManagedTags": true,
		"Group": "reports",
		"NetworkConfiguration": {"awsvpcConfiguration": {"Subnets": ["subnet-0a"], "SecurityGroups": ["sg-1"], "AssignPublicIp": "DISABLED"}}
	}`)
	cs := f.requests("scheduler", "CreateSchedule")[0]["Target"].(map[string]any)
	jsonEqual(t, "CreateSchedule EcsParameters", cs["EcsParameters"].(map[string]any), `{
		"TaskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:1",
		"TaskCount": 1,
		"CapacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
		"EnableExecuteCommand": true,
		"NetworkConfiguration": {"awsvpcConfiguration": {"Subnets": ["subnet-0a"], "SecurityGroups": ["sg-1"], "AssignPublicIp": "DISABLED"}}
	}`)

	f.srv.ResetRequests()
	if p := f.schedule(cfg, nil); !p.Empty() || len(f.writes()) != 0 {
		t.Fatalf("re-apply: empty %v, writes %v", p.Empty(), f.writes())
	}

	noSpot := strings.Replace(spotBatches, "  capacity_provider_strategy:\n    - {capacity_provider: FARGATE_SPOT, weight: 1}\n", "", 1)
	var diff bytes.Buffer
	p := f.schedule(f.config(withBatches(noSpot)), func(o *ScheduleOptions) { o.DryRun, o.Diff = true, &diff })
	if len(f.writes()) != 0 || p.Count(ActionUpdate) != 1 {
		t.Fatalf("dry run: writes %v, updates %d", f.writes(), p.Count(ActionUpdate))
	}
	for _, want := range []string{
		"~ schedule ecsctl.example/ecsctl.example.spot-s  (batch spot-s)\n",
		"    launch_type                 + FARGATE\n",
		"    capacity_provider_strategy  - FARGATE_SPOT (weight 1)\n",
	} {
		if !strings.Contains(diff.String(), want) {
			t.Errorf("diff lacks %q:\n%s", want, diff.String())
		}
	}
}

// What ecsctl.yml cannot express is still compared: a rule target and a
// schedule target that AWS holds with placement constraints and
// strategies, a reference ID or a strategy the config lacks show them as
// removed when the config changes something else (and as drift when it
// does not), so nothing is dropped silently.
func TestScheduleShowsMembersItRemoves(t *testing.T) {
	f := newFixture(t)
	cfg := f.config(withBatches(twoBatches))
	f.schedule(cfg, nil)

	ts, err := f.ev.ListTargetsByRule(f.ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("ecsctl.example.nightly")})
	if err != nil {
		t.Fatal(err)
	}
	tg := ts.Targets[0]
	tg.EcsParameters.PlacementConstraints = []evtypes.PlacementConstraint{{Type: evtypes.PlacementConstraintTypeMemberOf, Expression: aws.String("attribute:ecs.cpu-architecture == arm64")}}
	tg.EcsParameters.PlacementStrategy = []evtypes.PlacementStrategy{{Type: evtypes.PlacementStrategyTypeSpread, Field: aws.String("attribute:ecs.availability-zone")}}
	tg.EcsParameters.ReferenceId = aws.String("nightly-ref")
	if _, err := f.ev.PutTargets(f.ctx, &eventbridge.PutTargetsInput{Rule: aws.String("ecsctl.example.nightly"), Targets: []evtypes.Target{tg}}); err != nil {
		t.Fatal(err)
	}
	s, err := f.sch.GetSchedule(f.ctx, &scheduler.GetScheduleInput{Name: aws.String("ecsctl.example.tokyo"), GroupName: aws.String("ecsctl.example")})
	if err != nil {
		t.Fatal(err)
	}
	s.Target.EcsParameters.LaunchType = ""
	s.Target.EcsParameters.CapacityProviderStrategy = []schtypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 1}}
	s.Target.EcsParameters.PlacementConstraints = []schtypes.PlacementConstraint{{Type: schtypes.PlacementConstraintTypeDistinctInstance}}
	s.Target.EcsParameters.ReferenceId = aws.String("tokyo-ref")
	_, err = f.sch.UpdateSchedule(f.ctx, &scheduler.UpdateScheduleInput{Name: s.Name, GroupName: s.GroupName, ScheduleExpression: s.ScheduleExpression,
		ScheduleExpressionTimezone: s.ScheduleExpressionTimezone, FlexibleTimeWindow: s.FlexibleTimeWindow, Description: s.Description, Target: s.Target,
		KmsKeyArn: aws.String("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")})
	if err != nil {
		t.Fatal(err)
	}
	f.srv.ResetRequests()

	// Unchanged config: the members are drift, not "unchanged".
	if p := f.schedule(cfg, func(o *ScheduleOptions) { o.DryRun = true }); p.Count(ActionUpdate) != 2 {
		t.Fatalf("members only AWS has are not seen: %d updates, want 2", p.Count(ActionUpdate))
	}

	changed := strings.Replace(twoBatches, `ZED: "z"`, `ZED: "zz"`, 1)
	changed = strings.Replace(changed, "cron(30 9 ? * MON-FRI *)", "cron(0 10 ? * MON-FRI *)", 1)
	var diff bytes.Buffer
	p := f.schedule(f.config(withBatches(changed)), func(o *ScheduleOptions) { o.DryRun, o.Diff = true, &diff })
	if len(f.writes()) != 0 || p.Applied {
		t.Fatalf("dry run wrote %v", f.writes())
	}
	want := `~ rule ecsctl.example.nightly  (batch nightly)
    overrides.app.environment.ZED  z -> zz
    placement_constraints          - memberOf attribute:ecs.cpu-architecture == arm64
    placement_strategy             - spread attribute:ecs.availability-zone
    reference_id                   - nightly-ref
~ schedule ecsctl.example/ecsctl.example.tokyo  (batch tokyo)
    schedule                    cron(30 9 ? * MON-FRI *) -> cron(0 10 ? * MON-FRI *)
    launch_type                 + FARGATE
    kms_key                     - arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    capacity_provider_strategy  - FARGATE_SPOT (weight 1)
    placement_constraints       - distinctInstance
    reference_id                - tokyo-ref
2 to change.
`
	if got := diff.String(); got != want {
		t.Fatalf("diff:\n%s\nwant:\n%s", got, want)
	}

	// Applied, AWS ends up as the diff said.
	f.schedule(f.config(withBatches(changed)), nil)
	ts, err = f.ev.ListTargetsByRule(f.ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("ecsctl.example.nightly")})
	if err != nil {
		t.Fatal(err)
	}
	if e := ts.Targets[0].EcsParameters; len(e.PlacementConstraints) != 0 || len(e.PlacementStrategy) != 0 || e.ReferenceId != nil {
		t.Errorf("rule target after apply: %+v", e)
	}
	s, err = f.sch.GetSchedule(f.ctx, &scheduler.GetScheduleInput{Name: aws.String("ecsctl.example.tokyo"), GroupName: aws.String("ecsctl.example")})
	if err != nil {
		t.Fatal(err)
	}
	if e := s.Target.EcsParameters; e.LaunchType != schtypes.LaunchTypeFargate || len(e.CapacityProviderStrategy) != 0 || e.ReferenceId != nil || s.KmsKeyArn != nil {
		t.Errorf("schedule after apply: KMS key %v, target %+v", aws.ToString(s.KmsKeyArn), e)
	}
}

// batch run starts the task as the target would: on the strategy's
// providers without a launch type, with ECS Exec and the task group,
// whether the batch is scheduled or not yet.
func TestRunCapacityProviders(t *testing.T) {
	f := newFixture(t)
	f.fargateProviders()
	cfg := f.config(withBatches(spotBatches))
	res, err, _ := f.run(RunOptions{Options: f.options(cfg), Name: "spot", NoWait: true})
	if err != nil || res.From != "config" {
		t.Fatalf("Run unscheduled: %v %+v", err, res)
	}
	f.schedule(cfg, nil)
	res2, err, _ := f.run(RunOptions{Options: f.options(cfg), Name: "spot-s", NoWait: true})
	if err != nil || res2.From != "schedule" {
		t.Fatalf("Run from the schedule: %v %+v", err, res2)
	}
	runs := f.requests("ecs", "RunTask")
	if len(runs) != 2 {
		t.Fatalf("%d RunTask calls, want 2", len(runs))
	}
	for i, want := range []string{
		`[{"capacityProvider": "FARGATE_SPOT", "weight": 3}, {"capacityProvider": "FARGATE", "weight": 1, "base": 1}]`,
		`[{"capacityProvider": "FARGATE_SPOT", "weight": 1}]`,
	} {
		r := runs[i]
		if _, ok := r["launchType"]; ok {
			t.Errorf("RunTask %d has a launch type with a strategy: %v", i, r["launchType"])
		}
		jsonEqual(t, "RunTask strategy", map[string]any{"s": r["capacityProviderStrategy"]}, `{"s": `+want+`}`)
		if r["enableExecuteCommand"] != true {
			t.Errorf("RunTask %d without ECS Exec: %v", i, r)
		}
	}
	if runs[0]["group"] != "reports" || runs[0]["enableECSManagedTags"] != true {
		t.Errorf("RunTask of spot: group %v, managed tags %v", runs[0]["group"], runs[0]["enableECSManagedTags"])
	}
	d, err := f.ecs.DescribeTasks(f.ctx, &ecs.DescribeTasksInput{Cluster: aws.String("example"), Tasks: append(res.TaskARNs, res2.TaskARNs...)})
	if err != nil || len(d.Tasks) != 2 {
		t.Fatalf("DescribeTasks: %v", err)
	}
	for _, task := range d.Tasks {
		if task.TaskArn != nil && *task.TaskArn == res.TaskARNs[0] && aws.ToString(task.CapacityProviderName) != "FARGATE" {
			t.Errorf("spot's first task (the base) runs on %q, want FARGATE", aws.ToString(task.CapacityProviderName))
		}
		if task.TaskArn != nil && *task.TaskArn == res2.TaskARNs[0] && aws.ToString(task.CapacityProviderName) != "FARGATE_SPOT" {
			t.Errorf("spot-s's task runs on %q, want FARGATE_SPOT", aws.ToString(task.CapacityProviderName))
		}
		if aws.ToString(task.Group) == "" || !task.EnableExecuteCommand {
			t.Errorf("task: group %q, exec %v", aws.ToString(task.Group), task.EnableExecuteCommand)
		}
	}
}

// fargateProviders associates FARGATE and FARGATE_SPOT with the cluster, as
// Terraform's aws_ecs_cluster_capacity_providers does.
func (f *fixture) fargateProviders() {
	f.t.Helper()
	if _, err := f.ecs.PutClusterCapacityProviders(f.ctx, &ecs.PutClusterCapacityProvidersInput{Cluster: aws.String("example"),
		CapacityProviders: []string{"FARGATE", "FARGATE_SPOT"}, DefaultCapacityProviderStrategy: []ecstypes.CapacityProviderStrategyItem{}}); err != nil {
		f.t.Fatalf("PutClusterCapacityProviders: %v", err)
	}
}

// A strategy naming a provider the cluster lacks is refused before any write,
// by schedule and by run: ECS would refuse every run, and EventBridge would
// only count that in a metric.
func TestCapacityProviderNotOnTheCluster(t *testing.T) {
	f := newFixture(t)
	if _, err := f.ecs.PutClusterCapacityProviders(f.ctx, &ecs.PutClusterCapacityProvidersInput{Cluster: aws.String("example"),
		CapacityProviders: []string{"FARGATE"}, DefaultCapacityProviderStrategy: []ecstypes.CapacityProviderStrategyItem{}}); err != nil {
		t.Fatal(err)
	}
	cfg := f.config(withBatches(spotBatches))
	f.srv.ResetRequests()
	_, err := Schedule(f.ctx, ScheduleOptions{Options: f.options(cfg)})
	if code := exitcode.Of(err); code != exitcode.Usage {
		t.Fatalf("Schedule: exit code %d (%v), want %d", code, err, exitcode.Usage)
	}
	for _, want := range []string{
		`batches.spot.capacity_provider_strategy: capacity provider FARGATE_SPOT is not associated with cluster "example" (it has FARGATE)`,
		`batches.spot-s.capacity_provider_strategy: capacity provider FARGATE_SPOT is not associated`,
		"put-cluster-capacity-providers",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	_, err = Run(f.ctx, RunOptions{Options: f.options(cfg), Name: "spot", NoWait: true, Output: &bytes.Buffer{}})
	if code := exitcode.Of(err); code != exitcode.Usage || !strings.Contains(err.Error(), "FARGATE_SPOT is not associated") {
		t.Errorf("Run: exit code %d (%v), want %d", code, err, exitcode.Usage)
	}
	if w := f.writes(); len(w) != 0 {
		t.Errorf("writes %v, want none", w)
	}
}
