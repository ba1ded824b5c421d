package awssim

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// evWantError checks that err is an AWS error with code and exactly msg.
func evWantError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s %q, got %v", code, msg, err)
	}
	if ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Fatalf("want %s %q\n got %s %q", code, msg, ae.ErrorCode(), ae.ErrorMessage())
	}
}

func newEventsClient(t *testing.T) (*Server, *eventbridge.Client) {
	s := NewTestServer(t)
	return s, eventbridge.NewFromConfig(s.AWSConfig())
}

// ecsTarget is a rule target that runs a batch task on Fargate, as ecsctl
// writes it.
func ecsTarget(s *Server, id string) types.Target {
	return types.Target{
		Id:      aws.String(id),
		Arn:     aws.String(s.arn("ecs", "cluster/main")),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/ecsEventsRole"),
		Input:   aws.String(`{"containerOverrides":[{"name":"app","command":["bin/nightly"]}]}`),
		EcsParameters: &types.EcsParameters{
			TaskDefinitionArn: aws.String(s.arn("ecs", "task-definition/app:3")),
			TaskCount:         aws.Int32(1),
			LaunchType:        types.LaunchTypeFargate,
			PlatformVersion:   aws.String("LATEST"),
			Group:             aws.String("batch"),
			PropagateTags:     types.PropagateTagsTaskDefinition,
			NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{
				Subnets:        []string{"subnet-1", "subnet-2"},
				SecurityGroups: []string{"sg-1"},
				AssignPublicIp: types.AssignPublicIpDisabled,
			}},
			EnableECSManagedTags: true,
			Tags:                 []types.Tag{{Key: aws.String("batch"), Value: aws.String("nightly")}},
		},
		RetryPolicy:      &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(2), MaximumEventAgeInSeconds: aws.Int32(3600)},
		DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:batch-dlq")},
	}
}

func TestEventsRuleLifecycle(t *testing.T) {
	s, eb := newEventsClient(t)
	ctx := context.Background()

	put, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{
		Name:               aws.String("app-nightly"),
		ScheduleExpression: aws.String("cron(0 3 * * ? *)"),
		Description:        aws.String("nightly batch"),
		RoleArn:            aws.String("arn:aws:iam::123456789012:role/rule"),
		Tags:               []types.Tag{{Key: aws.String("ecsctl:app"), Value: aws.String("shop")}},
	})
	if err != nil {
		t.Fatalf("PutRule: %v", err)
	}
	wantArn := "arn:aws:events:us-east-1:123456789012:rule/app-nightly"
	if aws.ToString(put.RuleArn) != wantArn {
		t.Fatalf("RuleArn = %s, want %s", aws.ToString(put.RuleArn), wantArn)
	}

	got, err := eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("app-nightly")})
	if err != nil {
		t.Fatalf("DescribeRule: %v", err)
	}
	want := &eventbridge.DescribeRuleOutput{
		Name: aws.String("app-nightly"), Arn: aws.String(wantArn), ScheduleExpression: aws.String("cron(0 3 * * ? *)"),
		State: types.RuleStateEnabled, Description: aws.String("nightly batch"), RoleArn: aws.String("arn:aws:iam::123456789012:role/rule"),
		EventBusName: aws.String("default"), CreatedBy: aws.String(s.AccountID()),
	}
	if d := cmp.Diff(want, got, cmpopts.IgnoreUnexported(eventbridge.DescribeRuleOutput{}), cmpopts.IgnoreFields(eventbridge.DescribeRuleOutput{}, "ResultMetadata")); d != "" {
		t.Fatalf("DescribeRule (-want +got):\n%s", d)
	}

	// An update replaces the rule's fields but keeps its tags.
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("app-nightly"), ScheduleExpression: aws.String("rate(1 day)"),
		Tags: []types.Tag{{Key: aws.String("ignored"), Value: aws.String("on update")}}}); err != nil {
		t.Fatalf("PutRule update: %v", err)
	}
	got, _ = eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("app-nightly")})
	if aws.ToString(got.ScheduleExpression) != "rate(1 day)" || got.Description != nil || got.RoleArn != nil {
		t.Fatalf("after update: %+v", got)
	}
	tags, err := eb.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String(wantArn)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "ecsctl:app" {
		t.Fatalf("tags after update = %+v, %v; want only ecsctl:app", tags, err)
	}

	if _, err := eb.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: aws.String("app-nightly")}); err != nil {
		t.Fatal(err)
	}
	if got, _ = eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("app-nightly")}); got.State != types.RuleStateDisabled {
		t.Fatalf("state after DisableRule = %s", got.State)
	}
	if _, err := eb.EnableRule(ctx, &eventbridge.EnableRuleInput{Name: aws.String("app-nightly")}); err != nil {
		t.Fatal(err)
	}
	if got, _ = eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("app-nightly")}); got.State != types.RuleStateEnabled {
		t.Fatalf("state after EnableRule = %s", got.State)
	}

	// Tags: add, replace, remove.
	if _, err := eb.TagResource(ctx, &eventbridge.TagResourceInput{ResourceARN: aws.String(wantArn), Tags: []types.Tag{
		{Key: aws.String("team"), Value: aws.String("a")}, {Key: aws.String("ecsctl:app"), Value: aws.String("shop2")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.UntagResource(ctx, &eventbridge.UntagResourceInput{ResourceARN: aws.String(wantArn), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, _ = eb.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String(wantArn)})
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "shop2" {
		t.Fatalf("tags = %+v, want ecsctl:app=shop2", tags.Tags)
	}
	_, err = eb.ListTagsForResource(ctx, &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String(s.arn("events", "rule/nope"))})
	evWantError(t, err, "ResourceNotFoundException", "Rule nope does not exist on EventBus default.")

	for _, op := range []func() error{
		func() error {
			_, err := eb.EnableRule(ctx, &eventbridge.EnableRuleInput{Name: aws.String("nope")})
			return err
		},
		func() error {
			_, err := eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("nope")})
			return err
		},
	} {
		evWantError(t, op(), "ResourceNotFoundException", "Rule nope does not exist on EventBus default.")
	}
}

// ListRules has no paginator in the SDK; callers follow NextToken by hand.
func TestEventsListRulesPaging(t *testing.T) {
	_, eb := newEventsClient(t)
	ctx := context.Background()
	var want []string
	for _, name := range []string{"b-2", "a-1", "b-1", "c-1", "b-3", "b-4"} {
		if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), ScheduleExpression: aws.String("rate(5 minutes)")}); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(name, "b-") {
			want = append(want, name)
		}
	}
	var got []string
	pages := 0
	in := &eventbridge.ListRulesInput{NamePrefix: aws.String("b-"), Limit: aws.Int32(3)}
	for {
		out, err := eb.ListRules(ctx, in)
		if err != nil {
			t.Fatalf("ListRules: %v", err)
		}
		pages++
		for _, r := range out.Rules {
			got = append(got, aws.ToString(r.Name))
			if aws.ToString(r.ScheduleExpression) != "rate(5 minutes)" || r.State != types.RuleStateEnabled {
				t.Fatalf("listed rule %+v", r)
			}
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if d := cmp.Diff([]string{"b-1", "b-2", "b-3", "b-4"}, got); d != "" || pages != 2 {
		t.Fatalf("ListRules pages=%d (-want +got):\n%s", pages, d)
	}
	_, err := eb.ListRules(ctx, &eventbridge.ListRulesInput{Limit: aws.Int32(0)})
	evWantError(t, err, "ValidationException", "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
	_, err = eb.ListRules(ctx, &eventbridge.ListRulesInput{NextToken: aws.String("not a token")})
	evWantError(t, err, "ValidationException", "The NextToken provided is not valid.")
}

func TestEventsTargets(t *testing.T) {
	s, eb := newEventsClient(t)
	ctx := context.Background()
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("nightly"), ScheduleExpression: aws.String("cron(0 3 * * ? *)")}); err != nil {
		t.Fatal(err)
	}
	target := ecsTarget(s, "app")
	out, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("nightly"), Targets: []types.Target{target}})
	if err != nil {
		t.Fatalf("PutTargets: %v", err)
	}
	if out.FailedEntryCount != 0 || len(out.FailedEntries) != 0 {
		t.Fatalf("FailedEntries = %+v", out.FailedEntries)
	}
	listed, err := eb.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("nightly")})
	if err != nil {
		t.Fatalf("ListTargetsByRule: %v", err)
	}
	if d := cmp.Diff([]types.Target{target}, listed.Targets, cmpopts.IgnoreUnexported(types.Target{}, types.EcsParameters{},
		types.NetworkConfiguration{}, types.AwsVpcConfiguration{}, types.Tag{}, types.RetryPolicy{}, types.DeadLetterConfig{})); d != "" {
		t.Fatalf("ListTargetsByRule (-put +listed):\n%s", d)
	}

	// Replacing a target by Id keeps one target; more Ids page by Limit.
	for _, id := range []string{"app", "b", "c", "d"} {
		tg := ecsTarget(s, id)
		tg.Input = aws.String(`{"id":"` + id + `"}`)
		if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("nightly"), Targets: []types.Target{tg}}); err != nil {
			t.Fatalf("PutTargets %s: %v", id, err)
		}
	}
	var ids []string
	in := &eventbridge.ListTargetsByRuleInput{Rule: aws.String("nightly"), Limit: aws.Int32(3)}
	for {
		page, err := eb.ListTargetsByRule(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range page.Targets {
			ids = append(ids, aws.ToString(tg.Id)+"="+aws.ToString(tg.Input))
		}
		if page.NextToken == nil {
			break
		}
		in.NextToken = page.NextToken
	}
	wantIDs := []string{`app={"id":"app"}`, `b={"id":"b"}`, `c={"id":"c"}`, `d={"id":"d"}`}
	if d := cmp.Diff(wantIDs, ids); d != "" {
		t.Fatalf("targets (-want +got):\n%s", d)
	}

	// A fifth target fits, a sixth exceeds the quota of five. (The SDK
	// retries LimitExceededException as throttling; one attempt is enough here.)
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("nightly"), Targets: []types.Target{ecsTarget(s, "e")}}); err != nil {
		t.Fatalf("fifth target: %v", err)
	}
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("nightly"), Targets: []types.Target{ecsTarget(s, "f")}},
		func(o *eventbridge.Options) { o.RetryMaxAttempts = 1 })
	evWantError(t, err, "LimitExceededException", "The requested resource exceeds the maximum number allowed.")

	names, err := eb.ListRuleNamesByTarget(ctx, &eventbridge.ListRuleNamesByTargetInput{TargetArn: target.Arn})
	if err != nil || len(names.RuleNames) != 1 || names.RuleNames[0] != "nightly" {
		t.Fatalf("ListRuleNamesByTarget = %+v, %v", names, err)
	}
	if _, err := eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String("nightly"), Ids: []string{"app", "b", "c", "d", "e", "unknown"}}); err != nil {
		t.Fatalf("RemoveTargets: %v", err)
	}
	listed, _ = eb.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("nightly")})
	if len(listed.Targets) != 0 {
		t.Fatalf("targets after RemoveTargets: %+v", listed.Targets)
	}
	names, _ = eb.ListRuleNamesByTarget(ctx, &eventbridge.ListRuleNamesByTargetInput{TargetArn: target.Arn})
	if len(names.RuleNames) != 0 {
		t.Fatalf("ListRuleNamesByTarget after removal = %v", names.RuleNames)
	}
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("missing"), Targets: []types.Target{ecsTarget(s, "a")}})
	evWantError(t, err, "ResourceNotFoundException", "Rule missing does not exist on EventBus default.")
}

func TestEventsDeleteRuleRefusesWhileTargetsExist(t *testing.T) {
	s, eb := newEventsClient(t)
	ctx := context.Background()
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), ScheduleExpression: aws.String("rate(1 hour)")}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{ecsTarget(s, "t")}}); err != nil {
		t.Fatal(err)
	}
	for _, force := range []bool{false, true} {
		_, err := eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("r"), Force: force})
		evWantError(t, err, "ValidationException", "Rule can't be deleted since it has targets.")
	}
	if _, err := eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("r")}); err != nil {
		t.Fatalf("rule gone after refused delete: %v", err)
	}
	if _, err := eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String("r"), Ids: []string{"t"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("r")}); err != nil {
		t.Fatalf("DeleteRule: %v", err)
	}
	_, err := eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("r")})
	evWantError(t, err, "ResourceNotFoundException", "Rule r does not exist on EventBus default.")
	// Deleting a rule that does not exist succeeds, as on AWS.
	if _, err := eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("r")}); err != nil {
		t.Fatalf("DeleteRule of a missing rule: %v", err)
	}
}

func TestEventsPutRuleValidation(t *testing.T) {
	s, eb := newEventsClient(t)
	ctx := context.Background()
	const invalidExpr = "Parameter ScheduleExpression is not valid."
	tests := []struct {
		in   eventbridge.PutRuleInput
		code string
		msg  string
	}{
		{eventbridge.PutRuleInput{ScheduleExpression: aws.String("cron(0 12 * * *)")}, "ValidationException", invalidExpr},
		{eventbridge.PutRuleInput{ScheduleExpression: aws.String("cron(0 12 * * * *)")}, "ValidationException", invalidExpr},
		{eventbridge.PutRuleInput{ScheduleExpression: aws.String("cron(15 12 ? * -1 *)")}, "ValidationException", invalidExpr},
		{eventbridge.PutRuleInput{ScheduleExpression: aws.String("cron(*/60 * * * ? *)")}, "ValidationException", invalidExpr},
		{eventbridge.PutRuleInput{ScheduleExpression: aws.String("cron(0 12 ? * 8 *)")}, "ValidationException", invalidExpr},
		{eventbridge.PutRuleInput{ScheduleExpression: aws.String("cron(0 12 ? * 3#1,6#3 *)")}, "ValidationException", invalidExpr},
		{eventbridge.PutRuleInput{ScheduleExpression: aws.String("rate(3 minute)")}, "ValidationException", invalidExpr},
		{eventbridge.PutRuleInput{ScheduleExpression: aws.String("rate(1 minutes)")}, "ValidationException", invalidExpr},
		{eventbridge.PutRuleInput{ScheduleExpression: aws.String("rate(10 seconds)")}, "ValidationException", invalidExpr},
		{eventbridge.PutRuleInput{ScheduleExpression: aws.String("at(2030-01-01T00:00:00)")}, "ValidationException", invalidExpr},
		{eventbridge.PutRuleInput{}, "ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified."},
		{eventbridge.PutRuleInput{ScheduleExpression: aws.String("rate(5 minutes)"), EventBusName: aws.String("custom")},
			"ValidationException", "ScheduleExpression is supported only on the default event bus."},
		{eventbridge.PutRuleInput{EventPattern: aws.String(`{"source":["aws.ecs"]}`), EventBusName: aws.String("custom")},
			"ResourceNotFoundException", "Event bus custom does not exist."},
		{eventbridge.PutRuleInput{ScheduleExpression: aws.String("rate(5 minutes)"), State: types.RuleState("PAUSED")}, "ValidationException",
			"1 validation error detected: Value 'PAUSED' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]"},
		{eventbridge.PutRuleInput{Name: aws.String("a b"), ScheduleExpression: aws.String("rate(5 minutes)")}, "ValidationException",
			`1 validation error detected: Value 'a b' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+`},
	}
	for i, tt := range tests {
		in := tt.in
		if in.Name == nil {
			in.Name = aws.String("rule-" + string(rune('a'+i)))
		}
		_, err := eb.PutRule(ctx, &in)
		evWantError(t, err, tt.code, tt.msg)
	}
	_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("p"), EventPattern: aws.String("{not json")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidEventPatternException" || !strings.HasPrefix(ae.ErrorMessage(), "Event pattern is not valid. Reason: ") {
		t.Fatalf("bad event pattern: %v", err)
	}
	if n := len(s.events.rules); n != 0 {
		t.Fatalf("%d rules were created by invalid requests", n)
	}
}

func TestEventsPutTargetsValidation(t *testing.T) {
	s, eb := newEventsClient(t)
	ctx := context.Background()
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), ScheduleExpression: aws.String("rate(1 day)")}); err != nil {
		t.Fatal(err)
	}
	longID := strings.Repeat("x", 65)
	bigInput := `"` + strings.Repeat("a", 8191) + `"` // 8193 characters
	tests := []struct {
		name   string
		modify func(*types.Target)
		code   string
		msg    string
	}{
		{"id pattern", func(tg *types.Target) { tg.Id = aws.String("!@#$@!#$") }, "ValidationException",
			`1 validation error detected: Value '!@#$@!#$' at 'targets.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+`},
		{"id length", func(tg *types.Target) { tg.Id = aws.String(longID) }, "ValidationException",
			"1 validation error detected: Value '" + longID + "' at 'targets.1.member.id' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"input size", func(tg *types.Target) { tg.Input = aws.String(bigInput) }, "ValidationException",
			"1 validation error detected: Value '" + bigInput + "' at 'targets.1.member.input' failed to satisfy constraint: Member must have length less than or equal to 8192"},
		{"input and input path", func(tg *types.Target) { tg.InputPath = aws.String("$.detail") }, "ValidationException",
			"Only one of Input, InputPath, or InputTransformer must be provided for target t."},
		{"input not json", func(tg *types.Target) { tg.Input = aws.String("{") }, "ValidationException",
			"Input for target t is not valid JSON text."},
		{"ecs without role", func(tg *types.Target) { tg.RoleArn = nil }, "ValidationException",
			"RoleArn is required for target arn:aws:ecs:us-east-1:123456789012:cluster/main."},
		{"ecs without parameters", func(tg *types.Target) { tg.EcsParameters = nil }, "ValidationException",
			"Parameter(s) EcsParameters must be specified for target: t."},
		{"task count and retry policy", func(tg *types.Target) {
			tg.EcsParameters.TaskCount = aws.Int32(0)
			tg.RetryPolicy.MaximumRetryAttempts = aws.Int32(186)
		}, "ValidationException", "2 validation errors detected: " +
			"Value '186' at 'targets.1.member.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 185; " +
			"Value '0' at 'targets.1.member.ecsParameters.taskCount' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"launch type", func(tg *types.Target) { tg.EcsParameters.LaunchType = "LAMBDA" }, "ValidationException",
			"1 validation error detected: Value 'LAMBDA' at 'targets.1.member.ecsParameters.launchType' failed to satisfy constraint: Member must satisfy enum value set: [EC2, FARGATE, EXTERNAL]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := ecsTarget(s, "t")
			tt.modify(&tg)
			_, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{tg}})
			evWantError(t, err, tt.code, tt.msg)
		})
	}
	eleven := make([]types.Target, 11)
	for i := range eleven {
		eleven[i] = ecsTarget(s, "t"+string(rune('a'+i)))
	}
	_, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: eleven})
	evWantError(t, err, "ValidationException", "1 validation error detected: Value '[11 targets]' at 'targets' failed to satisfy constraint: Member must have length less than or equal to 10")
	if n := len(s.events.rules["r"].targets); n != 0 {
		t.Fatalf("%d targets were stored by invalid requests", n)
	}
	if w := s.Count("events", "PutTargets"); w != len(tests)+1 {
		t.Fatalf("request log has %d PutTargets calls, want %d", w, len(tests)+1)
	}
}
