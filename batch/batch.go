// Package batch manages scheduled Fargate jobs ("batches") from ecsctl.yml:
// EventBridge rules (the default, UTC only) and EventBridge Scheduler
// schedules (time zones, at() one-off runs, flexible windows), applied
// idempotently with a readable diff, listed with their next run times, run
// once on demand with their logs streamed, deleted, and repointed at a new
// task definition revision when the service they follow is deployed.
//
// The verbs are Schedule, List, Run, Delete and Repoint. Each takes a
// context and an Options value holding the loaded config and the AWS
// clients behind small interfaces (*ecs.Client, *eventbridge.Client,
// *scheduler.Client and *cloudwatchlogs.Client fit them unchanged).
//
// # Ownership
//
// ecsctl touches only what it created. A config's schedules are named
//
//	ecsctl.<config name>.<batch name>
//
// EventBridge rules carry that name and the tags ecsctl:config=<config name>
// and ecsctl:batch=<batch name>. Scheduler schedules (which cannot be
// tagged) carry the same name inside a schedule group of their own,
// ecsctl.<config name>, tagged ecsctl:config=<config name>. Config names
// cannot contain dots, so the prefix "ecsctl.app." never matches the
// schedules of a config called "app-staging". Names longer than AWS's 64
// characters are shortened with a hash of what was cut (see ResourceName).
// A rule is changed or deleted only when its ecsctl:config tag names this
// config; anything else under the prefix is reported and left alone.
package batch

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"

	"github.com/ecsctl/ecsctl/internal/awsclient"
	"github.com/ecsctl/ecsctl/internal/config"
)

// ECSAPI is the part of *ecs.Client the batch verbs call.
type ECSAPI interface {
	DescribeClusters(ctx context.Context, in *ecs.DescribeClustersInput, optFns ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error)
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
	RunTask(ctx context.Context, in *ecs.RunTaskInput, optFns ...func(*ecs.Options)) (*ecs.RunTaskOutput, error)
	DescribeTasks(ctx context.Context, in *ecs.DescribeTasksInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error)
	StopTask(ctx context.Context, in *ecs.StopTaskInput, optFns ...func(*ecs.Options)) (*ecs.StopTaskOutput, error)
}

// EventsAPI is the part of *eventbridge.Client the batch verbs call.
type EventsAPI interface {
	ListRules(ctx context.Context, in *eventbridge.ListRulesInput, optFns ...func(*eventbridge.Options)) (*eventbridge.ListRulesOutput, error)
	ListTargetsByRule(ctx context.Context, in *eventbridge.ListTargetsByRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.ListTargetsByRuleOutput, error)
	ListTagsForResource(ctx context.Context, in *eventbridge.ListTagsForResourceInput, optFns ...func(*eventbridge.Options)) (*eventbridge.ListTagsForResourceOutput, error)
	PutRule(ctx context.Context, in *eventbridge.PutRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutRuleOutput, error)
	PutTargets(ctx context.Context, in *eventbridge.PutTargetsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutTargetsOutput, error)
	RemoveTargets(ctx context.Context, in *eventbridge.RemoveTargetsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.RemoveTargetsOutput, error)
	DeleteRule(ctx context.Context, in *eventbridge.DeleteRuleInput, optFns ...func(*eventbridge.Options)) (*eventbridge.DeleteRuleOutput, error)
}

// SchedulerAPI is the part of *scheduler.Client the batch verbs call.
type SchedulerAPI interface {
	GetScheduleGroup(ctx context.Context, in *scheduler.GetScheduleGroupInput, optFns ...func(*scheduler.Options)) (*scheduler.GetScheduleGroupOutput, error)
	CreateScheduleGroup(ctx context.Context, in *scheduler.CreateScheduleGroupInput, optFns ...func(*scheduler.Options)) (*scheduler.CreateScheduleGroupOutput, error)
	ListTagsForResource(ctx context.Context, in *scheduler.ListTagsForResourceInput, optFns ...func(*scheduler.Options)) (*scheduler.ListTagsForResourceOutput, error)
	ListSchedules(ctx context.Context, in *scheduler.ListSchedulesInput, optFns ...func(*scheduler.Options)) (*scheduler.ListSchedulesOutput, error)
	GetSchedule(ctx context.Context, in *scheduler.GetScheduleInput, optFns ...func(*scheduler.Options)) (*scheduler.GetScheduleOutput, error)
	CreateSchedule(ctx context.Context, in *scheduler.CreateScheduleInput, optFns ...func(*scheduler.Options)) (*scheduler.CreateScheduleOutput, error)
	UpdateSchedule(ctx context.Context, in *scheduler.UpdateScheduleInput, optFns ...func(*scheduler.Options)) (*scheduler.UpdateScheduleOutput, error)
	DeleteSchedule(ctx context.Context, in *scheduler.DeleteScheduleInput, optFns ...func(*scheduler.Options)) (*scheduler.DeleteScheduleOutput, error)
}

// LogsAPI is the part of *cloudwatchlogs.Client `batch run` calls.
type LogsAPI interface {
	GetLogEvents(ctx context.Context, in *cloudwatchlogs.GetLogEventsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error)
}

var (
	_ ECSAPI       = (*ecs.Client)(nil)
	_ EventsAPI    = (*eventbridge.Client)(nil)
	_ SchedulerAPI = (*scheduler.Client)(nil)
	_ LogsAPI      = (*cloudwatchlogs.Client)(nil)
)

// Progress receives progress lines (stderr). *output.Printer implements it.
type Progress interface {
	Logf(format string, args ...any)
	Warnf(format string, args ...any)
}

// Options are what every verb needs.
type Options struct {
	// Config is the loaded ecsctl.yml; its Name marks what ecsctl owns.
	Config *config.Config

	ECS       ECSAPI
	Events    EventsAPI
	Scheduler SchedulerAPI
	Logs      LogsAPI

	// Progress gets progress lines; nil logs nothing.
	Progress Progress
	// Now is the current time (next run times, log timestamps); default time.Now.
	Now func() time.Time
	// Concurrency bounds parallel AWS calls per verb; default 8.
	Concurrency int
}

// NewOptions fills Options from the shared AWS clients, as the CLI and
// `ecsctl deploy` (for Repoint) do.
func NewOptions(cfg *config.Config, clients *awsclient.Clients, progress Progress) Options {
	return Options{
		Config:    cfg,
		ECS:       clients.ECS(),
		Events:    clients.EventBridge(),
		Scheduler: clients.Scheduler(),
		Logs:      clients.Logs(),
		Progress:  progress,
	}
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o Options) concurrency() int {
	if o.Concurrency > 0 {
		return o.Concurrency
	}
	return 8
}

func (o Options) logf(format string, args ...any) {
	if o.Progress != nil {
		o.Progress.Logf(format, args...)
	}
}

func (o Options) warnf(format string, args ...any) {
	if o.Progress != nil {
		o.Progress.Warnf(format, args...)
	}
}
