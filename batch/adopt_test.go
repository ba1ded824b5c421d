package batch

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	evtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
)

// Schedules made by hand (or by another tool) and adopted with aws_name
// and schedule_group, as ecsctl init writes them: a config that describes
// them as they are changes nothing; a change keeps their names and target
// Id; --prune never deletes them once they leave the config.
func TestAdoptedSchedules(t *testing.T) {
	f := newFixture(t)
	cluster := "arn:aws:ecs:us-east-1:123456789012:cluster/example"
	role := "arn:aws:iam::123456789012:role/ecsEventsRole"
	if _, err := f.ev.PutRule(f.ctx, &eventbridge.PutRuleInput{Name: aws.String("legacy-nightly"), ScheduleExpression: aws.String("cron(0 3 * * ? *)")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ev.PutTargets(f.ctx, &eventbridge.PutTargetsInput{Rule: aws.String("legacy-nightly"), Targets: []evtypes.Target{{
		Id: aws.String("1"), Arn: aws.String(cluster), RoleArn: aws.String(role),
		Input: aws.String(`{"containerOverrides": [{"name": "app", "command": ["/app", "report"]}]}`),
		EcsParameters: &evtypes.EcsParameters{TaskDefinitionArn: aws.String(f.appTD), LaunchType: evtypes.LaunchTypeFargate, TaskCount: aws.Int32(1),
			NetworkConfiguration: &evtypes.NetworkConfiguration{AwsvpcConfiguration: &evtypes.AwsVpcConfiguration{Subnets: []string{"subnet-0a"}, SecurityGroups: []string{"sg-1"}}}},
	}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sch.CreateSchedule(f.ctx, &scheduler.CreateScheduleInput{
		Name: aws.String("legacy-tokyo"), ScheduleExpression: aws.String("cron(0 9 * * ? *)"), ScheduleExpressionTimezone: aws.String("Asia/Tokyo"),
		FlexibleTimeWindow: &schtypes.FlexibleTimeWindow{Mode: schtypes.FlexibleTimeWindowModeOff},
		Target: &schtypes.Target{Arn: aws.String(cluster), RoleArn: aws.String(role), EcsParameters: &schtypes.EcsParameters{
			TaskDefinitionArn: aws.String(f.appTD), LaunchType: schtypes.LaunchTypeFargate,
			NetworkConfiguration: &schtypes.NetworkConfiguration{AwsvpcConfiguration: &schtypes.AwsVpcConfiguration{Subnets: []string{"subnet-0a"}, SecurityGroups: []string{"sg-1"}}}}},
	}); err != nil {
		t.Fatal(err)
	}
	adopted := `
nightly:
  aws_name: legacy-nightly
  schedule: cron(0 3 * * ? *)
  task_definition: app
  overrides:
    app: {command: [/app, report]}
tokyo:
  aws_name: legacy-tokyo
  schedule_group: default
  via: scheduler
  timezone: Asia/Tokyo
  schedule: cron(0 9 * * ? *)
  task_definition: app
`
	f.srv.ResetRequests()
	var diff strings.Builder
	p := f.schedule(f.config(withBatches(adopted)), func(o *ScheduleOptions) { o.Diff = &diff })
	if w := f.writes(); len(w) != 0 || p.Count(ActionUnchanged) != 2 {
		t.Fatalf("adopting as-is wrote %v\n%s", w, diff.String())
	}

	f.srv.ResetRequests()
	p = f.schedule(f.config(withBatches(strings.Replace(adopted, "/app, report", "/app, report, --full", 1))), nil)
	if w := f.writes(); !slices.Equal(w, []string{"events PutTargets legacy-nightly"}) {
		t.Fatalf("writes = %v", w)
	}
	ts, _ := f.ev.ListTargetsByRule(f.ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("legacy-nightly")})
	if len(ts.Targets) != 1 || aws.ToString(ts.Targets[0].Id) != "1" || !strings.Contains(aws.ToString(ts.Targets[0].Input), "--full") {
		t.Errorf("targets after the change: %+v", ts.Targets)
	}

	f.srv.ResetRequests()
	p = f.schedule(f.config(withBatches("other:\n  schedule: rate(1 day)\n  task_definition: app\n")), func(o *ScheduleOptions) { o.Prune = true })
	if w := f.writes(); slices.ContainsFunc(w, func(s string) bool { return strings.Contains(s, "legacy") }) {
		t.Errorf("prune touched an adopted schedule: %v", w)
	}
}
