package awssim

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func newSchedulerClient(t *testing.T) (*Server, *scheduler.Client) {
	s := NewTestServer(t)
	return s, scheduler.NewFromConfig(s.AWSConfig())
}

// schedECSTarget is a schedule target running a batch task on Fargate.
func schedECSTarget(s *Server) *types.Target {
	return &types.Target{
		Arn:     aws.String(s.arn("ecs", "cluster/main")),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/scheduler-ecs"),
		Input:   aws.String(`{"containerOverrides":[{"name":"app","command":["bin/report"]}]}`),
		EcsParameters: &types.EcsParameters{
			TaskDefinitionArn: aws.String(s.arn("ecs", "task-definition/app:7")),
			TaskCount:         aws.Int32(1),
			LaunchType:        types.LaunchTypeFargate,
			PlatformVersion:   aws.String("1.4.0"),
			NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{
				Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"}, AssignPublicIp: types.AssignPublicIpEnabled,
			}},
			PropagateTags: types.PropagateTagsTaskDefinition,
			Tags:          []map[string]string{{"batch": "report"}},
		},
		DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String("arn:aws:sqs:us-east-1:123456789012:dlq")},
	}
}

var schedCmpOpts = cmp.Options{
	cmpopts.IgnoreUnexported(scheduler.GetScheduleOutput{}, types.FlexibleTimeWindow{}, types.Target{}, types.EcsParameters{},
		types.NetworkConfiguration{}, types.AwsVpcConfiguration{}, types.RetryPolicy{}, types.DeadLetterConfig{}),
	cmpopts.IgnoreFields(scheduler.GetScheduleOutput{}, "ResultMetadata", "CreationDate", "LastModificationDate"),
}

func TestSchedulerScheduleInTokyo(t *testing.T) {
	s, sc := newSchedulerClient(t)
	ctx := context.Background()
	start := s.Clock().Now().Add(time.Hour).Truncate(time.Second).UTC()
	end := start.Add(90 * 24 * time.Hour)
	created, err := sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{
		Name:                       aws.String("shop-report"),
		ScheduleExpression:         aws.String("cron(0 9 ? * MON-FRI *)"),
		ScheduleExpressionTimezone: aws.String("Asia/Tokyo"),
		FlexibleTimeWindow:         &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeFlexible, MaximumWindowInMinutes: aws.Int32(15)},
		Description:                aws.String("weekday report"),
		StartDate:                  aws.Time(start),
		EndDate:                    aws.Time(end),
		Target:                     schedECSTarget(s),
	})
	if err != nil {
		t.Fatalf("CreateSchedule: %v", err)
	}
	arn := "arn:aws:scheduler:us-east-1:123456789012:schedule/default/shop-report"
	if aws.ToString(created.ScheduleArn) != arn {
		t.Fatalf("ScheduleArn = %s", aws.ToString(created.ScheduleArn))
	}

	got, err := sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("shop-report")})
	if err != nil {
		t.Fatalf("GetSchedule: %v", err)
	}
	wantTarget := schedECSTarget(s)
	wantTarget.RetryPolicy = &types.RetryPolicy{MaximumEventAgeInSeconds: aws.Int32(86400), MaximumRetryAttempts: aws.Int32(185)}
	want := &scheduler.GetScheduleOutput{
		ActionAfterCompletion: types.ActionAfterCompletionNone, Arn: aws.String(arn), Description: aws.String("weekday report"),
		EndDate: aws.Time(end), FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeFlexible, MaximumWindowInMinutes: aws.Int32(15)},
		GroupName: aws.String("default"), Name: aws.String("shop-report"), ScheduleExpression: aws.String("cron(0 9 ? * MON-FRI *)"),
		ScheduleExpressionTimezone: aws.String("Asia/Tokyo"), StartDate: aws.Time(start), State: types.ScheduleStateEnabled, Target: wantTarget,
	}
	if d := cmp.Diff(want, got, schedCmpOpts); d != "" {
		t.Fatalf("GetSchedule (-want +got):\n%s", d)
	}
	if got.CreationDate == nil || got.LastModificationDate == nil || !got.CreationDate.Equal(*got.LastModificationDate) {
		t.Fatalf("dates: created %v modified %v", got.CreationDate, got.LastModificationDate)
	}

	// UpdateSchedule replaces the whole schedule: what it omits returns to defaults.
	if _, err := sc.UpdateSchedule(ctx, &scheduler.UpdateScheduleInput{
		Name: aws.String("shop-report"), ScheduleExpression: aws.String("rate(1 hour)"), State: types.ScheduleStateDisabled,
		FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		Target:             &types.Target{Arn: aws.String(s.arn("sqs", "q")), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")},
	}); err != nil {
		t.Fatalf("UpdateSchedule: %v", err)
	}
	got, _ = sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("shop-report")})
	if got.Description != nil || got.StartDate != nil || aws.ToString(got.ScheduleExpressionTimezone) != "UTC" ||
		got.State != types.ScheduleStateDisabled || got.Target.EcsParameters != nil || !got.LastModificationDate.After(*got.CreationDate) {
		t.Fatalf("after UpdateSchedule: %+v", got)
	}

	_, err = sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String("shop-report"), ScheduleExpression: aws.String("rate(1 day)"),
		FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff}, Target: schedECSTarget(s)})
	evWantError(t, err, "ConflictException", "Schedule shop-report already exists.")

	if _, err := sc.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String("shop-report")}); err != nil {
		t.Fatalf("DeleteSchedule: %v", err)
	}
	_, err = sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("shop-report")})
	evWantError(t, err, "ResourceNotFoundException", "Schedule shop-report does not exist.")
	_, err = sc.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String("shop-report")})
	evWantError(t, err, "ResourceNotFoundException", "Schedule shop-report does not exist.")
	_, err = sc.UpdateSchedule(ctx, &scheduler.UpdateScheduleInput{Name: aws.String("shop-report"), ScheduleExpression: aws.String("rate(1 day)"),
		FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff}, Target: schedECSTarget(s)})
	evWantError(t, err, "ResourceNotFoundException", "Schedule shop-report does not exist.")

	// The request log names operations as the API does and keeps URI members.
	var ops []string
	for _, r := range s.Requests() {
		ops = append(ops, r.Operation)
	}
	wantOps := []string{"CreateSchedule", "GetSchedule", "UpdateSchedule", "GetSchedule", "CreateSchedule", "DeleteSchedule", "GetSchedule", "DeleteSchedule", "UpdateSchedule"}
	if d := cmp.Diff(wantOps, ops); d != "" {
		t.Fatalf("request log (-want +got):\n%s", d)
	}
	var first map[string]any
	if err := json.Unmarshal(s.Requests()[0].Params, &first); err != nil || first["Name"] != "shop-report" || first["ScheduleExpressionTimezone"] != "Asia/Tokyo" {
		t.Fatalf("logged CreateSchedule params = %v, %v", first, err)
	}
}

func TestSchedulerListSchedulesPaginatorAndThrottling(t *testing.T) {
	s, sc := newSchedulerClient(t)
	ctx := context.Background()
	if _, err := sc.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String("batch")}); err != nil {
		t.Fatal(err)
	}
	for _, sp := range []struct{ group, name string }{{"batch", "b-2"}, {"default", "a-1"}, {"batch", "b-1"}, {"default", "b-9"}, {"batch", "c-1"}} {
		in := &scheduler.CreateScheduleInput{Name: aws.String(sp.name), GroupName: aws.String(sp.group), ScheduleExpression: aws.String("rate(5 minutes)"),
			FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff}, Target: schedECSTarget(s)}
		if sp.name == "b-1" {
			in.State = types.ScheduleStateDisabled
		}
		if _, err := sc.CreateSchedule(ctx, in); err != nil {
			t.Fatalf("CreateSchedule %s/%s: %v", sp.group, sp.name, err)
		}
	}
	list := func(in *scheduler.ListSchedulesInput) []string {
		t.Helper()
		var names []string
		p := scheduler.NewListSchedulesPaginator(sc, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListSchedules: %v", err)
			}
			for _, item := range page.Schedules {
				names = append(names, aws.ToString(item.GroupName)+"/"+aws.ToString(item.Name)+"/"+string(item.State))
				if aws.ToString(item.Target.Arn) != s.arn("ecs", "cluster/main") {
					t.Fatalf("summary target %+v", item.Target)
				}
			}
		}
		return names
	}
	s.ResetRequests()
	// Two throttled calls are retried by the SDK without the caller noticing.
	s.AddFault(Fault{Service: "scheduler", Operation: "ListSchedules", Throttle: 1, Times: 2})
	all := list(&scheduler.ListSchedulesInput{MaxResults: aws.Int32(2)})
	want := []string{"batch/b-1/DISABLED", "batch/b-2/ENABLED", "batch/c-1/ENABLED", "default/a-1/ENABLED", "default/b-9/ENABLED"}
	if d := cmp.Diff(want, all); d != "" {
		t.Fatalf("ListSchedules (-want +got):\n%s", d)
	}
	throttled := 0
	for _, r := range s.Requests() {
		if r.ErrorCode == "ThrottlingException" && r.Status == 429 {
			throttled++
		}
	}
	if throttled != 2 || s.Count("scheduler", "ListSchedules") != 3+2 {
		t.Fatalf("%d throttled of %d ListSchedules calls, want 2 of 5 (3 pages)", throttled, s.Count("scheduler", "ListSchedules"))
	}

	filtered := list(&scheduler.ListSchedulesInput{GroupName: aws.String("batch"), NamePrefix: aws.String("b-"), State: types.ScheduleStateEnabled})
	if d := cmp.Diff([]string{"batch/b-2/ENABLED"}, filtered); d != "" {
		t.Fatalf("filtered ListSchedules (-want +got):\n%s", d)
	}
	_, err := sc.ListSchedules(ctx, &scheduler.ListSchedulesInput{GroupName: aws.String("nope")})
	evWantError(t, err, "ResourceNotFoundException", "Schedule group nope does not exist.")
}

func TestSchedulerGroupsAndTags(t *testing.T) {
	s, sc := newSchedulerClient(t)
	ctx := context.Background()
	created, err := sc.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String("shop"),
		Tags: []types.Tag{{Key: aws.String("ecsctl:app"), Value: aws.String("shop")}}})
	if err != nil {
		t.Fatalf("CreateScheduleGroup: %v", err)
	}
	groupARN := aws.ToString(created.ScheduleGroupArn)
	if groupARN != "arn:aws:scheduler:us-east-1:123456789012:schedule-group/shop" {
		t.Fatalf("ScheduleGroupArn = %s", groupARN)
	}
	_, err = sc.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String("shop")})
	evWantError(t, err, "ConflictException", "Schedule group shop already exists.")
	g, err := sc.GetScheduleGroup(ctx, &scheduler.GetScheduleGroupInput{Name: aws.String("shop")})
	if err != nil || aws.ToString(g.Arn) != groupARN || g.State != types.ScheduleGroupStateActive || g.CreationDate == nil {
		t.Fatalf("GetScheduleGroup = %+v, %v", g, err)
	}

	var names []string
	p := scheduler.NewListScheduleGroupsPaginator(sc, &scheduler.ListScheduleGroupsInput{MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListScheduleGroups: %v", err)
		}
		for _, g := range page.ScheduleGroups {
			names = append(names, aws.ToString(g.Name))
		}
	}
	if d := cmp.Diff([]string{"default", "shop"}, names); d != "" {
		t.Fatalf("ListScheduleGroups (-want +got):\n%s", d)
	}

	// Only schedule groups take tags.
	if _, err := sc.TagResource(ctx, &scheduler.TagResourceInput{ResourceArn: aws.String(groupARN),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}, {Key: aws.String("ecsctl:app"), Value: aws.String("shop2")}}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if _, err := sc.UntagResource(ctx, &scheduler.UntagResourceInput{ResourceArn: aws.String(groupARN), TagKeys: []string{"team"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	tags, err := sc.ListTagsForResource(ctx, &scheduler.ListTagsForResourceInput{ResourceArn: aws.String(groupARN)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "shop2" {
		t.Fatalf("ListTagsForResource = %+v, %v", tags, err)
	}
	scheduleARN := s.arn("scheduler", "schedule/shop/x")
	_, err = sc.TagResource(ctx, &scheduler.TagResourceInput{ResourceArn: aws.String(scheduleARN), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	evWantError(t, err, "ValidationException", "1 validation error detected: Value '"+scheduleARN+"' at 'resourceArn' failed to satisfy constraint: "+
		`Member must satisfy regular expression pattern: arn:aws(-[a-z]+)?:scheduler:[a-z0-9\-]+:\d{12}:schedule-group\/[0-9a-zA-Z-_.]+`)
	_, err = sc.ListTagsForResource(ctx, &scheduler.ListTagsForResourceInput{ResourceArn: aws.String(s.arn("scheduler", "schedule-group/gone"))})
	evWantError(t, err, "ResourceNotFoundException", "Schedule group gone does not exist.")

	// Deleting a group deletes its schedules; the default group stays.
	if _, err := sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String("x"), GroupName: aws.String("shop"),
		ScheduleExpression: aws.String("at(2030-01-01T00:00:00)"), FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff},
		Target: schedECSTarget(s), ActionAfterCompletion: types.ActionAfterCompletionDelete}); err != nil {
		t.Fatalf("CreateSchedule in group: %v", err)
	}
	if _, err := sc.DeleteScheduleGroup(ctx, &scheduler.DeleteScheduleGroupInput{Name: aws.String("shop")}); err != nil {
		t.Fatalf("DeleteScheduleGroup: %v", err)
	}
	_, err = sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("x"), GroupName: aws.String("shop")})
	evWantError(t, err, "ResourceNotFoundException", "Schedule group shop does not exist.")
	_, err = sc.DeleteScheduleGroup(ctx, &scheduler.DeleteScheduleGroupInput{Name: aws.String("default")})
	evWantError(t, err, "ValidationException", "You cannot delete the default group.")
	_, err = sc.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String("y"), GroupName: aws.String("shop"),
		ScheduleExpression: aws.String("rate(1 day)"), FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff}, Target: schedECSTarget(s)})
	evWantError(t, err, "ResourceNotFoundException", "Schedule group shop does not exist.")
}

func TestSchedulerValidation(t *testing.T) {
	s, sc := newSchedulerClient(t)
	ctx := context.Background()
	valid := func() *scheduler.CreateScheduleInput {
		return &scheduler.CreateScheduleInput{Name: aws.String("v"), ScheduleExpression: aws.String("rate(1 day)"),
			FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff}, Target: schedECSTarget(s)}
	}
	// Expressions AWS answered "Invalid Schedule Expression <expr>." for
	// (recorded in LocalStack's parity snapshots), and others from the rules.
	for _, expr := range []string{
		"cron(0 1 * * * *)", "cron(7 20 * * NOT *)", "cron(INVALID)", "cron(0 dummy ? * MON-FRI *)", "cron(71 8 1 * ? *)", "cron()",
		"rate(10 seconds)", "rate(10 years)", "rate()", "rate(10)", "rate(10 minutess)", "rate(foo minutes)", "rate(-10 minutes)",
		"rate( 10 minutes )", " rate(10 minutes)", "at(2021-12-31T23:59:59Z)", "at(2021-12-31)",
		"cron(0 12 * * 1-5)", "rate(1 hours)", "rate(2 hour)", "cron(0 12 ? * 3#1,6#3 *)", "at(2026-02-30T09:00:00)",
	} {
		in := valid()
		in.ScheduleExpression = aws.String(expr)
		_, err := sc.CreateSchedule(ctx, in)
		evWantError(t, err, "ValidationException", "Invalid Schedule Expression "+expr+".")
	}
	tests := []struct {
		name   string
		modify func(*scheduler.CreateScheduleInput)
		msg    string
	}{
		{"unknown time zone", func(in *scheduler.CreateScheduleInput) { in.ScheduleExpressionTimezone = aws.String("Asia/Tokio") }, "Invalid time zone Asia/Tokio."},
		{"abbreviation", func(in *scheduler.CreateScheduleInput) { in.ScheduleExpressionTimezone = aws.String("JST") }, "Invalid time zone JST."},
		{"Local", func(in *scheduler.CreateScheduleInput) { in.ScheduleExpressionTimezone = aws.String("Local") }, "Invalid time zone Local."},
		{"flexible without window", func(in *scheduler.CreateScheduleInput) {
			in.FlexibleTimeWindow.Mode = types.FlexibleTimeWindowModeFlexible
		},
			"MaximumWindowInMinutes must be provided when the FlexibleTimeWindow Mode is FLEXIBLE."},
		{"window too long", func(in *scheduler.CreateScheduleInput) {
			in.FlexibleTimeWindow = &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeFlexible, MaximumWindowInMinutes: aws.Int32(1441)}
		}, "1 validation error detected: Value '1441' at 'flexibleTimeWindow.maximumWindowInMinutes' failed to satisfy constraint: Member must have value less than or equal to 1440"},
		{"role not an IAM role", func(in *scheduler.CreateScheduleInput) { in.Target.RoleArn = aws.String("ecsEventsRole") },
			`1 validation error detected: Value 'ecsEventsRole' at 'target.roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@\/-]+$`},
		{"task count", func(in *scheduler.CreateScheduleInput) { in.Target.EcsParameters.TaskCount = aws.Int32(11) },
			"1 validation error detected: Value '11' at 'target.ecsParameters.taskCount' failed to satisfy constraint: Member must have value less than or equal to 10"},
		{"retry policy", func(in *scheduler.CreateScheduleInput) {
			in.Target.RetryPolicy = &types.RetryPolicy{MaximumEventAgeInSeconds: aws.Int32(59), MaximumRetryAttempts: aws.Int32(186)}
		}, "2 validation errors detected: Value '59' at 'target.retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60; " +
			"Value '186' at 'target.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 185"},
		{"name", func(in *scheduler.CreateScheduleInput) { in.Name = aws.String("a b") },
			"1 validation error detected: Value 'a b' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9a-zA-Z-_.]+$"},
		{"start date in the past", func(in *scheduler.CreateScheduleInput) { in.StartDate = aws.Time(s.Clock().Now().Add(-time.Hour)) },
			"The StartDate you specify cannot be earlier than 5 minutes ago."},
		{"end before start", func(in *scheduler.CreateScheduleInput) {
			in.StartDate = aws.Time(s.Clock().Now().Add(time.Hour))
			in.EndDate = aws.Time(s.Clock().Now().Add(time.Minute))
		}, "The EndDate you specify must be after the StartDate."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid()
			tt.modify(in)
			_, err := sc.CreateSchedule(ctx, in)
			evWantError(t, err, "ValidationException", tt.msg)
		})
	}
	if n := len(s.scheduler.groups["default"].schedules); n != 0 {
		t.Fatalf("%d schedules were created by invalid requests", n)
	}
	// Valid time zones and one-time schedules are accepted.
	for _, tz := range []string{"UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata"} {
		in := valid()
		in.Name, in.ScheduleExpressionTimezone, in.ScheduleExpression = aws.String("tz-"+tz[:3]), aws.String(tz), aws.String("at(2030-03-31T02:30:00)")
		if _, err := sc.CreateSchedule(ctx, in); err != nil {
			t.Errorf("CreateSchedule in %s: %v", tz, err)
		}
	}
}

func TestSchedulerFaultsAndUnknownRoutes(t *testing.T) {
	s, sc := newSchedulerClient(t)
	ctx := context.Background()
	// A 500 is retried by the SDK like a throttle.
	s.AddFault(Fault{Service: "scheduler", Operation: "GetScheduleGroup", ServerError: 1, Times: 1})
	if _, err := sc.GetScheduleGroup(ctx, &scheduler.GetScheduleGroupInput{Name: aws.String("default")}); err != nil {
		t.Fatalf("GetScheduleGroup after a 500: %v", err)
	}
	reqs := s.Requests()
	if len(reqs) != 2 || reqs[0].Status != 500 || reqs[0].ErrorCode != "InternalServerException" || reqs[1].Status != 200 {
		t.Fatalf("request log = %+v, want a 500 InternalServerException then a 200", reqs)
	}

	resp, err := http.Get(s.URL() + "/schedules/a/b")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != 404 || resp.Header.Get("X-Amzn-ErrorType") != "UnknownOperationException" || body["Message"] == "" {
		t.Fatalf("unknown route answered %d %q %v", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body)
	}
}
