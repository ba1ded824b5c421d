package release

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// The AWS calls this package makes, each in the small interface of the code
// that makes it, with the SDK v2 signatures so the real clients fit unchanged.

// servicesAPI is what the poller reads.
type servicesAPI interface {
	DescribeServices(context.Context, *ecs.DescribeServicesInput, ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
}

// taskDefinitionAPI is what rendering a new revision reads.
type taskDefinitionAPI interface {
	DescribeTaskDefinition(context.Context, *ecs.DescribeTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

// rolloutAPI is what starting a rollout, and rolling it back, writes.
type rolloutAPI interface {
	RegisterTaskDefinition(context.Context, *ecs.RegisterTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.RegisterTaskDefinitionOutput, error)
	UpdateService(context.Context, *ecs.UpdateServiceInput, ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error)
}

// tasksAPI is what explaining stopped tasks and mapping targets to tasks reads.
type tasksAPI interface {
	ListTasks(context.Context, *ecs.ListTasksInput, ...func(*ecs.Options)) (*ecs.ListTasksOutput, error)
	DescribeTasks(context.Context, *ecs.DescribeTasksInput, ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error)
}

// revisionsAPI is what --keep-revisions calls.
type revisionsAPI interface {
	ListTaskDefinitions(context.Context, *ecs.ListTaskDefinitionsInput, ...func(*ecs.Options)) (*ecs.ListTaskDefinitionsOutput, error)
	DeregisterTaskDefinition(context.Context, *ecs.DeregisterTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DeregisterTaskDefinitionOutput, error)
}

// ECSAPI is every ECS call deploy and wait make; *ecs.Client fits.
type ECSAPI interface {
	servicesAPI
	taskDefinitionAPI
	rolloutAPI
	tasksAPI
	revisionsAPI
}

// LogsAPI reads the last lines a stopped task logged; *cloudwatchlogs.Client fits.
type LogsAPI interface {
	GetLogEvents(context.Context, *cloudwatchlogs.GetLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error)
}

// TargetHealthAPI reads the health of a service's load balancer targets,
// and its target groups' deregistration delay (to pace polls while old
// tasks drain); *elasticloadbalancingv2.Client fits.
type TargetHealthAPI interface {
	DescribeTargetHealth(context.Context, *elbv2.DescribeTargetHealthInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error)
	DescribeTargetGroupAttributes(context.Context, *elbv2.DescribeTargetGroupAttributesInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupAttributesOutput, error)
}

var (
	_ ECSAPI          = (*ecs.Client)(nil)
	_ LogsAPI         = (*cloudwatchlogs.Client)(nil)
	_ TargetHealthAPI = (*elbv2.Client)(nil)
)

// Clock tells time and waits. Tests run deploys on a fast clock (for example
// one that follows the simulator's); nil means the wall clock.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time                         { return time.Now() }
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// PollIntervals say how often a rollout is looked at. Zero fields take the defaults.
type PollIntervals struct {
	// Initial is the pause between polls at first and after anything changed (2 s).
	Initial time.Duration
	// Max is the longest pause while nothing changes (15 s). Once the new
	// tasks all run, and only the old ones remain to go, polls stay at
	// Initial so the end is seen promptly, except while the old tasks drain
	// behind a load balancer: then polls slow down until the target group's
	// deregistration delay has nearly passed.
	Max time.Duration
	// Throttled is the longest pause when AWS throttles (30 s).
	Throttled time.Duration
	// GiveUp is how long failing polls (network errors, 5xx, throttling the
	// SDK's retries could not absorb) are tolerated before ecsctl stops
	// watching (5 min).
	GiveUp time.Duration
	// Jitter returns a number in [0,1); default math/rand/v2.Float64.
	Jitter func() float64
}

func (p PollIntervals) withDefaults() PollIntervals {
	if p.Initial <= 0 {
		p.Initial = 2 * time.Second
	}
	if p.Max <= 0 {
		p.Max = 15 * time.Second
	}
	if p.Max < p.Initial {
		p.Max = p.Initial
	}
	if p.Throttled <= 0 {
		p.Throttled = 30 * time.Second
	}
	if p.Throttled < p.Initial {
		p.Throttled = p.Initial
	}
	if p.GiveUp <= 0 {
		p.GiveUp = 5 * time.Minute
	}
	if p.Jitter == nil {
		p.Jitter = rand.Float64
	}
	return p
}
