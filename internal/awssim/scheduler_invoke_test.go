package awssim

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/google/go-cmp/cmp"
)

// TestSchedulerStartsTasksOnLocalTime runs schedules across New York's
// spring-forward day (2026-03-08, 02:00 EST -> 03:00 EDT).
func TestSchedulerStartsTasksOnLocalTime(t *testing.T) {
	w := newScheduledWorld(t, time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC))
	sc := scheduler.NewFromConfig(w.srv.AWSConfig())
	target := func() *types.Target {
		tg := schedECSTarget(w.srv)
		tg.EcsParameters.TaskDefinitionArn = aws.String(w.taskDef)
		return tg
	}
	create := func(in *scheduler.CreateScheduleInput) {
		t.Helper()
		in.FlexibleTimeWindow = &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff}
		in.Target = target()
		if _, err := sc.CreateSchedule(w.ctx, in); err != nil {
			t.Fatalf("CreateSchedule %s: %v", aws.ToString(in.Name), err)
		}
	}
	// 02:30 does not exist on the spring-forward day: that run is skipped.
	create(&scheduler.CreateScheduleInput{Name: aws.String("ny-0230"), ScheduleExpression: aws.String("cron(30 2 * * ? *)"),
		ScheduleExpressionTimezone: aws.String("America/New_York")})
	// A rate schedule without StartDate runs at once, then every 24 hours, until EndDate.
	create(&scheduler.CreateScheduleInput{Name: aws.String("daily"), ScheduleExpression: aws.String("rate(1 day)"),
		EndDate: aws.Time(time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC))})
	// A one-time schedule in Tokyo runs once and, with DELETE, disappears.
	create(&scheduler.CreateScheduleInput{Name: aws.String("once"), ScheduleExpression: aws.String("at(2026-03-08T09:00:00)"),
		ScheduleExpressionTimezone: aws.String("Asia/Tokyo"), ActionAfterCompletion: types.ActionAfterCompletionDelete})
	// A disabled schedule never runs.
	create(&scheduler.CreateScheduleInput{Name: aws.String("off"), ScheduleExpression: aws.String("rate(1 hour)"), State: types.ScheduleStateDisabled})

	w.advance(72 * time.Hour)
	for name, want := range map[string][]string{
		"ny-0230": {"2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"},
		"daily":   {"2026-03-07T12:00:00Z", "2026-03-08T12:00:00Z"},
		"once":    {"2026-03-08T00:00:00Z"},
		"off":     nil,
	} {
		if d := cmp.Diff(want, w.startTimes("chronos-schedule/"+name)); d != "" {
			t.Errorf("%s runs (-want +got):\n%s", name, d)
		}
	}
	_, err := sc.GetSchedule(w.ctx, &scheduler.GetScheduleInput{Name: aws.String("once")})
	evWantError(t, err, "ResourceNotFoundException", "Schedule once does not exist.")
	if _, err := sc.GetSchedule(w.ctx, &scheduler.GetScheduleInput{Name: aws.String("daily")}); err != nil {
		t.Fatalf("a schedule without DELETE stays after its last run: %v", err)
	}
	tasks := w.started("chronos-schedule/ny-0230")
	if len(tasks) == 0 || tasks[0].Overrides == nil || len(tasks[0].Overrides.ContainerOverrides) == 0 ||
		cmp.Diff([]string{"bin/report"}, tasks[0].Overrides.ContainerOverrides[0].Command) != "" {
		t.Fatalf("the target's Input did not become the task's overrides: %+v", tasks)
	}
}

// A schedule's capacity provider strategy is kept as given, refused with a
// launch type, and decides where its tasks run.
func TestSchedulerCapacityProviderStrategy(t *testing.T) {
	w := newScheduledWorld(t, time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC))
	w.fargateProviders()
	sc := scheduler.NewFromConfig(w.srv.AWSConfig())
	tg := schedECSTarget(w.srv)
	tg.EcsParameters.TaskDefinitionArn = aws.String(w.taskDef)
	tg.EcsParameters.CapacityProviderStrategy = []types.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE_SPOT"), Weight: 1}}
	in := &scheduler.CreateScheduleInput{Name: aws.String("spot"), ScheduleExpression: aws.String("cron(0 13 * * ? *)"),
		FlexibleTimeWindow: &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff}, Target: tg}
	_, err := sc.CreateSchedule(w.ctx, in)
	evWantError(t, err, "ValidationException", "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.")

	tg.EcsParameters.LaunchType = ""
	tg.EcsParameters.PlacementStrategy = []types.PlacementStrategy{{Type: types.PlacementStrategyTypeBinpack, Field: aws.String("memory")}}
	if _, err := sc.CreateSchedule(w.ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := sc.GetSchedule(w.ctx, &scheduler.GetScheduleInput{Name: aws.String("spot")})
	if err != nil {
		t.Fatal(err)
	}
	p := got.Target.EcsParameters
	if p.LaunchType != "" || len(p.CapacityProviderStrategy) != 1 || aws.ToString(p.CapacityProviderStrategy[0].CapacityProvider) != "FARGATE_SPOT" ||
		p.CapacityProviderStrategy[0].Weight != 1 || len(p.PlacementStrategy) != 1 || aws.ToString(p.PlacementStrategy[0].Field) != "memory" {
		t.Fatalf("GetSchedule's EcsParameters: %+v", p)
	}
	w.advance(2 * time.Hour)
	tasks := w.started("chronos-schedule/spot")
	if len(tasks) != 1 || aws.ToString(tasks[0].CapacityProviderName) != "FARGATE_SPOT" {
		var names []string
		for _, task := range tasks {
			names = append(names, aws.ToString(task.CapacityProviderName))
		}
		t.Fatalf("tasks started on %v, want one on FARGATE_SPOT", names)
	}
}
