package release

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// The AWS calls this package makes are declared, with the SDK v2 signatures,
// in small interfaces next to the code that makes them (servicesAPI in
// poll.go, taskDefinitionAPI and rolloutAPI in release.go, tasksAPI in
// inspect.go, revisionsAPI in revisions.go); ECSAPI gathers them for Options.

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
