package batch

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	evtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/google/go-cmp/cmp"
)

const twoBatches = `
nightly:
  schedule: cron(0 3 * * ? *)
  task_definition: app
  overrides:
    app:
      command: [/app, report, --since=24h]
      environment: {ZED: "z", ALPHA: "a"}
tokyo:
  schedule: cron(30 9 ? * MON-FRI *)
  timezone: Asia/Tokyo
  via: scheduler
  service: web
  flexible_window: 10m
  overrides:
    worker:
      command: [/app, sweep]
`

func jsonEqual(t *testing.T, what string, got map[string]any, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expected JSON for %s: %v", what, err)
	}
	if d := cmp.Diff(w, got); d != "" {
		t.Errorf("%s request differs (-want +got):\n%s", what, d)
	}
}

// The first apply creates exactly one rule with one target and, for the
// Tokyo batch, a schedule group and a schedule in Asia/Tokyo: the requests
// the simulator stored are what AWS needs, field by field.
func TestScheduleCreates(t *testing.T) {
	f := newFixture(t)
	cfg := f.config(withBatches(twoBatches))
	p := f.schedule(cfg, nil)
	if !p.Applied || p.Count(ActionCreate) != 2 || !p.CreateGroup {
		t.Fatalf("plan: applied %v, creates %d, create group %v", p.Applied, p.Count(ActionCreate), p.CreateGroup)
	}
	want := []string{
		"scheduler CreateScheduleGroup ecsctl.example",
		"events PutRule ecsctl.example.nightly",
		"events PutTargets ecsctl.example.nightly",
		"scheduler CreateSchedule ecsctl.example.tokyo",
	}
	got := f.writes()
	if !slices.Equal(sorted(got), sorted(want)) || got[0] != want[0] {
		t.Fatalf("writes:\n%s\nwant (group first):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if i, j := slices.Index(got, want[1]), slices.Index(got, want[2]); i > j {
		t.Errorf("PutTargets before PutRule: %v", got)
	}

	jsonEqual(t, "PutRule", f.requests("events", "PutRule")[0], `{
		"Name": "ecsctl.example.nightly",
		"ScheduleExpression": "cron(0 3 * * ? *)",
		"State": "ENABLED",
		"Description": "ecsctl batch nightly (config example)",
		"Tags": [{"Key": "ecsctl:batch", "Value": "nightly"}, {"Key": "ecsctl:config", "Value": "example"}]
	}`)
	jsonEqual(t, "PutTargets", f.requests("events", "PutTargets")[0], `{
		"Rule": "ecsctl.example.nightly",
		"Targets": [{
			"Id": "ecsctl",
			"Arn": "arn:aws:ecs:us-east-1:123456789012:cluster/example",
			"RoleArn": "arn:aws:iam::123456789012:role/ecsEventsRole",
			"Input": "{\"containerOverrides\":[{\"name\":\"app\",\"command\":[\"/app\",\"report\",\"--since=24h\"],\"environment\":[{\"name\":\"ALPHA\",\"value\":\"a\"},{\"name\":\"ZED\",\"value\":\"z\"}]}]}",
			"EcsParameters": {
				"TaskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:1",
				"TaskCount": 1,
				"LaunchType": "FARGATE",
				"NetworkConfiguration": {"awsvpcConfiguration": {"Subnets": ["subnet-0a"], "SecurityGroups": ["sg-1"], "AssignPublicIp": "DISABLED"}}
			}
		}]
	}`)
	cs := f.requests("scheduler", "CreateSchedule")[0]
	if tok, _ := cs["ClientToken"].(string); tok == "" {
		t.Errorf("CreateSchedule without a ClientToken (retries would not be idempotent)")
	}
	delete(cs, "ClientToken")
	jsonEqual(t, "CreateSchedule", cs, `{
		"Name": "ecsctl.example.tokyo",
		"GroupName": "ecsctl.example",
		"ScheduleExpression": "cron(30 9 ? * MON-FRI *)",
		"ScheduleExpressionTimezone": "Asia/Tokyo",
		"State": "ENABLED",
		"Description": "ecsctl batch tokyo (config example)",
		"FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10},
		"ActionAfterCompletion": "NONE",
		"Target": {
			"Arn": "arn:aws:ecs:us-east-1:123456789012:cluster/example",
			"RoleArn": "arn:aws:iam::123456789012:role/ecsEventsRole",
			"Input": "{\"containerOverrides\":[{\"name\":\"worker\",\"command\":[\"/app\",\"sweep\"]}]}",
			"RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
			"EcsParameters": {
				"TaskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:1",
				"TaskCount": 1,
				"LaunchType": "FARGATE",
				"NetworkConfiguration": {"awsvpcConfiguration": {"Subnets": ["subnet-0a"], "SecurityGroups": ["sg-1"], "AssignPublicIp": "DISABLED"}}
			}
		}
	}`)
	cg := f.requests("scheduler", "CreateScheduleGroup")[0]
	delete(cg, "ClientToken")
	jsonEqual(t, "CreateScheduleGroup", cg, `{
		"Name": "ecsctl.example",
		"Tags": [{"Key": "ecsctl:config", "Value": "example"}]
	}`)

	// What AWS now holds reads back as asked: the Tokyo schedule keeps its zone.
	s, err := f.sch.GetSchedule(f.ctx, &scheduler.GetScheduleInput{Name: aws.String("ecsctl.example.tokyo"), GroupName: aws.String("ecsctl.example")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(s.ScheduleExpressionTimezone) != "Asia/Tokyo" {
		t.Errorf("schedule zone = %q", aws.ToString(s.ScheduleExpressionTimezone))
	}
	tags, err := f.ev.ListTagsForResource(f.ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String("arn:aws:events:us-east-1:123456789012:rule/ecsctl.example.nightly")})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.Tags) != 2 {
		t.Errorf("rule tags = %+v", tags.Tags)
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// Applying an unchanged config again writes nothing, and reads with paged
// list calls: one ListRules and one ListSchedules whatever the number of
// batches, one ListTargetsByRule per rule and one GetSchedule per schedule
// (AWS has no batch form of either), one DescribeTaskDefinition per
// distinct task definition.
func TestScheduleReapplyWritesNothing(t *testing.T) {
	f := newFixture(t)
	var b strings.Builder
	b.WriteString(twoBatches)
	for _, n := range []string{"a", "b", "c"} {
		b.WriteString(n + ":\n  schedule: rate(1 hour)\n  task_definition: app\n")
		b.WriteString(n + "-s:\n  schedule: rate(2 hours)\n  via: scheduler\n  service: web\n")
	}
	cfg := f.config(withBatches(b.String()))
	f.schedule(cfg, nil)
	f.srv.ResetRequests()

	var diff bytes.Buffer
	p := f.schedule(cfg, func(o *ScheduleOptions) { o.Diff = &diff })
	if w := f.writes(); len(w) != 0 {
		t.Fatalf("re-apply wrote: %v", w)
	}
	if !p.Empty() || p.Applied || p.Count(ActionUnchanged) != 8 {
		t.Errorf("plan: empty %v, applied %v, unchanged %d", p.Empty(), p.Applied, p.Count(ActionUnchanged))
	}
	if got := diff.String(); got != "No changes: 8 unchanged.\n" {
		t.Errorf("diff = %q", got)
	}
	want := map[string]int{
		"events ListRules": 1, "events ListTargetsByRule": 4,
		"scheduler GetScheduleGroup": 1, "scheduler ListTagsForResource": 1,
		"scheduler ListSchedules": 1, "scheduler GetSchedule": 4,
		"ecs DescribeClusters": 1, "ecs DescribeServices": 1, "ecs DescribeTaskDefinition": 2,
	}
	if d := cmp.Diff(want, f.counts()); d != "" {
		t.Errorf("calls of a re-apply (-want +got):\n%s", d)
	}
}

// Changing one batch rewrites only that batch, and only the part that
// changed: an environment variable of a rule's overrides is one PutTargets;
// the expression of a schedule is one UpdateSchedule.
func TestScheduleChangeOneBatch(t *testing.T) {
	f := newFixture(t)
	f.schedule(f.config(withBatches(twoBatches)), nil)
	f.srv.ResetRequests()

	changed := strings.Replace(twoBatches, `ZED: "z"`, `ZED: "zz"`, 1)
	changed = strings.Replace(changed, "cron(30 9 ? * MON-FRI *)", "cron(0 10 ? * MON-FRI *)", 1)
	var diff bytes.Buffer
	p := f.schedule(f.config(withBatches(changed)), func(o *ScheduleOptions) { o.Diff = &diff })
	want := []string{"events PutTargets ecsctl.example.nightly", "scheduler UpdateSchedule ecsctl.example.tokyo"}
	if got := f.writes(); !slices.Equal(sorted(got), want) {
		t.Fatalf("writes = %v, want %v", got, want)
	}
	if p.Count(ActionUpdate) != 2 {
		t.Errorf("updates = %d", p.Count(ActionUpdate))
	}
	golden(t, "diff-change.txt", diff.Bytes())

	// The rule itself was not rewritten, and the target holds the new value.
	ts, err := f.ev.ListTargetsByRule(f.ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("ecsctl.example.nightly")})
	if err != nil {
		t.Fatal(err)
	}
	if in := aws.ToString(ts.Targets[0].Input); !strings.Contains(in, `{"name":"ZED","value":"zz"}`) {
		t.Errorf("target Input = %s", in)
	}
	s, err := f.sch.GetSchedule(f.ctx, &scheduler.GetScheduleInput{Name: aws.String("ecsctl.example.tokyo"), GroupName: aws.String("ecsctl.example")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(s.ScheduleExpression) != "cron(0 10 ? * MON-FRI *)" || aws.ToString(s.ScheduleExpressionTimezone) != "Asia/Tokyo" {
		t.Errorf("schedule after update: %s in %s", aws.ToString(s.ScheduleExpression), aws.ToString(s.ScheduleExpressionTimezone))
	}
}

// --dry-run prints the plan and writes nothing.
func TestScheduleDryRun(t *testing.T) {
	f := newFixture(t)
	var diff bytes.Buffer
	p := f.schedule(f.config(withBatches(twoBatches)), func(o *ScheduleOptions) { o.DryRun, o.Diff = true, &diff })
	if w := f.writes(); len(w) != 0 {
		t.Fatalf("dry run wrote: %v", w)
	}
	if p.Applied || p.Count(ActionCreate) != 2 {
		t.Errorf("plan: applied %v, creates %d", p.Applied, p.Count(ActionCreate))
	}
	golden(t, "diff-create.txt", diff.Bytes())
}

// --prune deletes the config's rules and schedules that left the config,
// targets before rules, and nothing else: not a hand-made rule that merely
// shares the prefix, not another config's rules (even one whose name starts
// like this config's), not rules outside the prefix.
func TestSchedulePruneOwnedOnly(t *testing.T) {
	f := newFixture(t)
	cfg := f.config(withBatches(twoBatches + "hourly:\n  schedule: rate(1 hour)\n  task_definition: app\n"))
	f.schedule(cfg, nil)
	other := f.config(strings.Replace(withBatches(twoBatches), "name: example", "name: example-staging", 1))
	f.schedule(other, nil)

	// A rule made by hand under this config's prefix, and an unrelated one.
	for _, name := range []string{"ecsctl.example.handmade", "nightly-cleanup"} {
		if _, err := f.ev.PutRule(f.ctx, &eventbridge.PutRuleInput{Name: aws.String(name), ScheduleExpression: aws.String("rate(1 day)")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ev.PutTargets(f.ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), Targets: []evtypes.Target{{
			Id: aws.String("t1"), Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:q"),
		}}}); err != nil {
			t.Fatal(err)
		}
	}
	f.srv.ResetRequests()

	// Without --prune, what left the config is reported and kept.
	kept := f.config(withBatches(strings.Split(twoBatches, "tokyo:")[0]))
	var diff bytes.Buffer
	p := f.schedule(kept, func(o *ScheduleOptions) { o.Diff = &diff })
	if w := f.writes(); len(w) != 0 {
		t.Fatalf("without --prune: writes %v", w)
	}
	if p.Count(ActionKeep) != 2 || p.Count(ActionForeign) != 1 {
		t.Errorf("without --prune: keep %d, foreign %d\n%s", p.Count(ActionKeep), p.Count(ActionForeign), diff.String())
	}

	f.srv.ResetRequests()
	diff.Reset()
	p = f.schedule(kept, func(o *ScheduleOptions) { o.Prune, o.Diff = true, &diff })
	want := []string{
		"events RemoveTargets ecsctl.example.hourly",
		"events DeleteRule ecsctl.example.hourly",
		"scheduler DeleteSchedule ecsctl.example.tokyo",
	}
	got := f.writes()
	if !slices.Equal(sorted(got), sorted(want)) {
		t.Fatalf("prune writes:\n%s\nwant:\n%s\ndiff:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), diff.String())
	}
	if slices.Index(got, want[0]) > slices.Index(got, want[1]) {
		t.Errorf("rule deleted before its targets: %v", got)
	}
	golden(t, "diff-prune.txt", diff.Bytes())

	// Everything else is still there.
	rules, err := f.ev.ListRules(f.ctx, &eventbridge.ListRulesInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rules.Rules {
		names = append(names, aws.ToString(r.Name))
	}
	wantRules := []string{"ecsctl.example-staging.nightly", "ecsctl.example.handmade", "ecsctl.example.nightly", "nightly-cleanup"}
	if !slices.Equal(sorted(names), wantRules) {
		t.Errorf("rules left: %v, want %v", names, wantRules)
	}
	s, err := f.sch.GetSchedule(f.ctx, &scheduler.GetScheduleInput{Name: aws.String("ecsctl.example-staging.tokyo"), GroupName: aws.String("ecsctl.example-staging")})
	if err != nil || aws.ToString(s.Name) == "" {
		t.Errorf("the other config's schedule: %v", err)
	}
}
