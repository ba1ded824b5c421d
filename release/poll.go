package release

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go/middleware"
)

// servicesAPI is what the poller reads.
type servicesAPI interface {
	DescribeServices(context.Context, *ecs.DescribeServicesInput, ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
}

// maxPerDescribe is how many services one DescribeServices call takes.
const maxPerDescribe = 10

// observer is what a cluster's poll loop feeds: one service it follows.
type observer interface {
	// name is the service name as DescribeServices takes it.
	name() string
	// observe takes the service as just described and reports whether
	// anything changed since the last time.
	observe(ctx context.Context, svc types.Service) (changed bool)
	// missing is called when DescribeServices does not know the service.
	missing(reason string)
	// tick is called after every poll with the time; it may end a phase
	// that has run out of time.
	tick(ctx context.Context)
	// settling reports whether the rollout is only waiting for old tasks to
	// go, so the end is near and polls should stay fast.
	settling() bool
	// wake is when the observer wants the next poll at the latest: its
	// phase's deadline, or the end of a quiet period (zero: no wish).
	wake() time.Time
	// done reports whether the observer needs no more polls.
	done() bool
	// interrupted is called when the context ends before done.
	interrupted()
	// lost is called when polling failed for too long.
	lost(err error)
}

// pollStats count what a poll loop did (benchmarks read them).
type pollStats struct {
	Polls            atomic.Int64 // poll rounds
	DescribeServices atomic.Int64 // DescribeServices calls made
	Throttled        atomic.Int64 // attempts AWS throttled, retried by the SDK or not
	Failed           atomic.Int64 // DescribeServices calls that failed in the end
}

// clusterPoller polls the services of one cluster with one DescribeServices
// call per ten services per poll, and adapts its pace: Initial after a
// change, slower while nothing changes (up to Max, but Initial while a
// rollout is settling), exponential backoff with jitter when AWS throttles
// or fails, up to Throttled.
type clusterPoller struct {
	cluster   string
	api       servicesAPI
	clock     Clock
	intervals PollIntervals
	stats     *pollStats
	observers []observer
}

func (p *clusterPoller) run(ctx context.Context) {
	iv := p.intervals
	interval := iv.Initial
	backingOff := false
	var failingSince time.Time
	for {
		active := p.active()
		if len(active) == 0 {
			return
		}
		wait := jittered(interval, iv.Jitter)
		if backingOff {
			// "Equal jitter": half the interval, plus up to as much again at
			// random, so clients throttled together do not retry together.
			wait = interval/2 + time.Duration(float64(interval/2)*iv.Jitter())
		}
		now := p.clock.Now()
		for _, o := range active {
			if d := o.wake(); !d.IsZero() {
				if until := d.Sub(now); until < wait {
					wait = max(until, time.Millisecond)
				}
			}
		}
		select {
		case <-ctx.Done():
			for _, o := range active {
				o.interrupted()
			}
			return
		case <-p.clock.After(wait):
		}

		p.stats.Polls.Add(1)
		svcs, throttled, err := p.describe(ctx, active)
		if ctx.Err() != nil {
			continue // reported at the top of the loop
		}
		if err != nil {
			p.stats.Failed.Add(1)
			if failingSince.IsZero() {
				failingSince = p.clock.Now()
			}
			if !transient(err) || p.clock.Now().Sub(failingSince) >= iv.GiveUp {
				for _, o := range active {
					o.lost(err)
				}
				return
			}
			interval = min(max(interval*2, iv.Initial), iv.Throttled)
			backingOff = true
			for _, o := range active {
				o.tick(ctx)
			}
			continue
		}
		failingSince = time.Time{}
		backingOff = throttled

		changed := p.observeAll(ctx, active, svcs)
		for _, o := range active {
			o.tick(ctx)
		}
		switch {
		case throttled:
			interval = min(max(interval*2, iv.Initial), iv.Throttled)
		case changed:
			interval = iv.Initial
		default:
			interval = min(time.Duration(float64(interval)*1.5), iv.Max)
			for _, o := range active {
				if !o.done() && o.settling() {
					interval = iv.Initial
				}
			}
		}
	}
}

func (p *clusterPoller) active() []observer {
	var out []observer
	for _, o := range p.observers {
		if !o.done() {
			out = append(out, o)
		}
	}
	return out
}

// observeAll hands each observer its service, concurrently (observers may
// read tasks, logs and target health).
func (p *clusterPoller) observeAll(ctx context.Context, active []observer, svcs map[string]describedService) bool {
	var changed atomic.Bool
	var wg sync.WaitGroup
	for _, o := range active {
		ds, ok := svcs[o.name()]
		if !ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ds.missing != "" {
				o.missing(ds.missing)
				changed.Store(true)
				return
			}
			if o.observe(ctx, ds.svc) {
				changed.Store(true)
			}
		}()
	}
	wg.Wait()
	return changed.Load()
}

type describedService struct {
	svc     types.Service
	missing string // failure reason when ECS does not know it
}

// describe makes one DescribeServices call per ten services. throttled
// reports whether AWS throttled any attempt, even one the SDK retried.
func (p *clusterPoller) describe(ctx context.Context, active []observer) (map[string]describedService, bool, error) {
	names := make([]string, 0, len(active))
	seen := map[string]bool{}
	for _, o := range active {
		if !seen[o.name()] {
			seen[o.name()] = true
			names = append(names, o.name())
		}
	}
	out := map[string]describedService{}
	throttled := false
	for start := 0; start < len(names); start += maxPerDescribe {
		chunk := names[start:min(start+maxPerDescribe, len(names))]
		p.stats.DescribeServices.Add(1)
		var throttles atomic.Int64
		res, err := p.api.DescribeServices(ctx, &ecs.DescribeServicesInput{
			Cluster:  aws.String(p.cluster),
			Services: chunk,
		}, countThrottles(&throttles))
		p.stats.Throttled.Add(throttles.Load())
		throttled = throttled || throttles.Load() > 0
		if err != nil {
			return nil, throttled || isThrottle(err), fmt.Errorf("describe services: %w", err)
		}
		for _, s := range res.Services {
			out[aws.ToString(s.ServiceName)] = describedService{svc: s}
		}
		for _, f := range res.Failures {
			name := lastSegment(aws.ToString(f.Arn))
			if _, ok := out[name]; !ok {
				out[name] = describedService{missing: aws.ToString(f.Reason)}
			}
		}
	}
	return out, throttled, nil
}

// countThrottles counts the attempts of a call that AWS throttled,
// including those the SDK retried successfully.
func countThrottles(n *atomic.Int64) func(*ecs.Options) {
	return func(o *ecs.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("ecsctlCountThrottles",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					out, md, err := next.HandleInitialize(ctx, in)
					if r, ok := retry.GetAttemptResults(md); ok {
						for _, a := range r.Results {
							if a.Err != nil && isThrottle(a.Err) {
								n.Add(1)
							}
						}
					} else if err != nil && isThrottle(err) {
						n.Add(1)
					}
					return out, md, err
				}), middleware.Before)
		})
	}
}

var throttleCodes = retry.IsErrorThrottles(retry.DefaultThrottles)

func isThrottle(err error) bool {
	var q ratelimit.QuotaExceededError
	return throttleCodes.IsErrorThrottle(err).Bool() || errors.As(err, &q)
}

var retryables = retry.IsErrorRetryables(retry.DefaultRetryables)

// transient reports whether err may go away by itself (throttling, a 5xx,
// a network error, the SDK's retry quota), so polling should go on.
func transient(err error) bool {
	return isThrottle(err) || retryables.IsErrorRetryable(err).Bool() || errors.Is(err, context.DeadlineExceeded)
}

// jittered returns 80-100% of d: polls of several ecsctl processes spread
// out, and a pause never exceeds d (so the end of a rollout is seen within
// Initial).
func jittered(d time.Duration, rnd func() float64) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.2*rnd()))
}

// lastSegment returns what follows the last "/" of an ARN.
func lastSegment(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return s[i+1:]
		}
	}
	return s
}
