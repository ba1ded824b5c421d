package release

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

// virtualClock jumps forward by whatever is waited for, so a poll loop runs
// at full speed in virtual time and records each pause.
type virtualClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *virtualClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.waits = append(c.waits, d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

// scriptedECS answers DescribeServices from a function of the call number.
type scriptedECS struct {
	mu     sync.Mutex
	calls  int
	sizes  []int
	answer func(call int, names []string) (*ecs.DescribeServicesOutput, error)
}

func (s *scriptedECS) DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	s.mu.Lock()
	s.calls++
	n := s.calls
	s.sizes = append(s.sizes, len(in.Services))
	s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.answer(n, in.Services)
}

func servicesNamed(names []string) *ecs.DescribeServicesOutput {
	out := &ecs.DescribeServicesOutput{}
	for _, n := range names {
		out.Services = append(out.Services, types.Service{ServiceName: aws.String(n), Status: aws.String("ACTIVE")})
	}
	return out
}

// fakeObserver follows a script: changed on the polls listed, done after
// doneAfter polls.
type fakeObserver struct {
	svc       string
	mu        sync.Mutex
	polls     int
	changedAt map[int]bool
	settle    bool
	doneAfter int
	finished  bool
	how       string
	err       error
	onObserve func(n int)
}

func (f *fakeObserver) name() string { return f.svc }
func (f *fakeObserver) observe(_ context.Context, _ types.Service) bool {
	f.mu.Lock()
	f.polls++
	n := f.polls
	if f.doneAfter > 0 && n >= f.doneAfter {
		f.finished, f.how = true, "done"
	}
	f.mu.Unlock()
	if f.onObserve != nil {
		f.onObserve(n)
	}
	return f.changedAt[n]
}
func (f *fakeObserver) missing(reason string) { f.finish("missing: " + reason) }
func (f *fakeObserver) tick(context.Context)  {}
func (f *fakeObserver) settling() bool        { return f.settle }
func (f *fakeObserver) wake() time.Time       { return time.Time{} }
func (f *fakeObserver) done() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.finished
}
func (f *fakeObserver) interrupted() { f.finish("interrupted") }
func (f *fakeObserver) lost(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
	f.finish("lost")
}
func (f *fakeObserver) finish(how string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.finished {
		f.finished, f.how = true, how
	}
}

func newPoller(api servicesAPI, clock Clock, obs ...observer) *clusterPoller {
	return &clusterPoller{
		cluster: "main", api: api, clock: clock, stats: &pollStats{}, observers: obs,
		intervals: PollIntervals{Initial: 2 * time.Second, Max: 15 * time.Second, Throttled: 30 * time.Second, GiveUp: 5 * time.Minute, Jitter: func() float64 { return 0.5 }}.withDefaults(),
	}
}

func TestPollerSlowsWhenNothingChangesAndSpeedsUpOnChange(t *testing.T) {
	clock := &virtualClock{now: time.Unix(0, 0)}
	api := &scriptedECS{answer: func(_ int, names []string) (*ecs.DescribeServicesOutput, error) { return servicesNamed(names), nil }}
	obs := &fakeObserver{svc: "web", changedAt: map[int]bool{8: true}, doneAfter: 10}
	newPoller(api, clock, obs).run(context.Background())

	// 2s, then x1.5 per unchanged poll up to 15s; back to 2s after poll 8
	// changed something; each waited 90% (jitter 0.5 in 80-100%).
	var want []time.Duration
	for _, ms := range []float64{2000, 3000, 4500, 6750, 10125, 15000, 15000, 15000, 2000, 3000} {
		want = append(want, time.Duration(ms*0.9*float64(time.Millisecond)))
	}
	if fmt.Sprint(clock.waits) != fmt.Sprint(want) {
		t.Errorf("pauses = %v, want %v", clock.waits, want)
	}
	if obs.how != "done" || api.calls != 10 {
		t.Errorf("ended %q after %d calls, want done after 10", obs.how, api.calls)
	}
}

func TestPollerStaysFastWhileSettling(t *testing.T) {
	clock := &virtualClock{now: time.Unix(0, 0)}
	api := &scriptedECS{answer: func(_ int, names []string) (*ecs.DescribeServicesOutput, error) { return servicesNamed(names), nil }}
	obs := &fakeObserver{svc: "web", settle: true, doneAfter: 6}
	newPoller(api, clock, obs).run(context.Background())
	for _, w := range clock.waits {
		if w != 1800*time.Millisecond {
			t.Fatalf("pauses = %v, want 1.8s (2s, jittered) throughout while settling", clock.waits)
		}
	}
	if len(clock.waits) != 6 {
		t.Errorf("%d pauses, want 6", len(clock.waits))
	}
}

func TestPollerOneDescribePerTenServices(t *testing.T) {
	clock := &virtualClock{now: time.Unix(0, 0)}
	api := &scriptedECS{answer: func(_ int, names []string) (*ecs.DescribeServicesOutput, error) { return servicesNamed(names), nil }}
	var obs []observer
	for i := range 25 {
		obs = append(obs, &fakeObserver{svc: fmt.Sprintf("svc-%02d", i), doneAfter: 3})
	}
	p := newPoller(api, clock, obs...)
	p.run(context.Background())
	if api.calls != 9 || p.stats.Polls.Load() != 3 {
		t.Errorf("%d DescribeServices calls in %d polls, want 9 in 3 (10+10+5 services each)", api.calls, p.stats.Polls.Load())
	}
	for _, n := range api.sizes {
		if n > maxPerDescribe {
			t.Errorf("a call described %d services", n)
		}
	}
}

func throttling() error {
	return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
}

func TestPollerBacksOffWithJitterWhenThrottled(t *testing.T) {
	clock := &virtualClock{now: time.Unix(0, 0)}
	api := &scriptedECS{answer: func(call int, names []string) (*ecs.DescribeServicesOutput, error) {
		if call >= 2 && call <= 5 {
			return nil, throttling()
		}
		return servicesNamed(names), nil
	}}
	obs := &fakeObserver{svc: "web", changedAt: map[int]bool{1: true, 2: true, 3: true}, doneAfter: 3}
	p := newPoller(api, clock, obs)
	p.run(context.Background())
	// 2s, then the throttled polls back off (interval doubling: 4, 8, 16, 30
	// capped; each waited with equal jitter = 75% at jitter 0.5), then 2s
	// after a change (90% at jitter 0.5).
	want := []time.Duration{1800 * time.Millisecond, 1800 * time.Millisecond, 3 * time.Second, 6 * time.Second, 12 * time.Second, 22500 * time.Millisecond, 1800 * time.Millisecond}
	if fmt.Sprint(clock.waits) != fmt.Sprint(want) {
		t.Errorf("pauses = %v, want %v", clock.waits, want)
	}
	if obs.how != "done" || p.stats.Failed.Load() != 4 {
		t.Errorf("ended %q with %d failed polls, want done with 4", obs.how, p.stats.Failed.Load())
	}
}

func TestPollerGivesUp(t *testing.T) {
	t.Run("after failing for GiveUp", func(t *testing.T) {
		clock := &virtualClock{now: time.Unix(0, 0)}
		api := &scriptedECS{answer: func(int, []string) (*ecs.DescribeServicesOutput, error) { return nil, throttling() }}
		obs := &fakeObserver{svc: "web"}
		newPoller(api, clock, obs).run(context.Background())
		if obs.how != "lost" || clock.Now().Sub(time.Unix(0, 0)) < 5*time.Minute {
			t.Errorf("ended %q at %s, want lost after 5m", obs.how, clock.Now().Sub(time.Unix(0, 0)))
		}
	})
	t.Run("at once on an error that will not go away", func(t *testing.T) {
		clock := &virtualClock{now: time.Unix(0, 0)}
		api := &scriptedECS{answer: func(int, []string) (*ecs.DescribeServicesOutput, error) {
			return nil, &types.AccessDeniedException{Message: aws.String("not allowed")}
		}}
		obs := &fakeObserver{svc: "web"}
		newPoller(api, clock, obs).run(context.Background())
		var ad *types.AccessDeniedException
		if obs.how != "lost" || api.calls != 1 || !errors.As(obs.err, &ad) {
			t.Errorf("ended %q after %d calls with %v, want lost after 1 with AccessDenied", obs.how, api.calls, obs.err)
		}
	})
}

func TestPollerHonoursContext(t *testing.T) {
	clock := &virtualClock{now: time.Unix(0, 0)}
	api := &scriptedECS{answer: func(_ int, names []string) (*ecs.DescribeServicesOutput, error) { return servicesNamed(names), nil }}
	ctx, cancel := context.WithCancel(context.Background())
	obs := &fakeObserver{svc: "web", onObserve: func(n int) {
		if n == 2 {
			cancel()
		}
	}}
	newPoller(api, clock, obs).run(ctx)
	if obs.how != "interrupted" {
		t.Errorf("ended %q, want interrupted", obs.how)
	}
}

func TestPollerMissingService(t *testing.T) {
	clock := &virtualClock{now: time.Unix(0, 0)}
	api := &scriptedECS{answer: func(int, []string) (*ecs.DescribeServicesOutput, error) {
		return &ecs.DescribeServicesOutput{Failures: []types.Failure{{Arn: aws.String("arn:aws:ecs:us-east-1:123456789012:service/main/web"), Reason: aws.String("MISSING")}}}, nil
	}}
	obs := &fakeObserver{svc: "web"}
	newPoller(api, clock, obs).run(context.Background())
	if obs.how != "missing: MISSING" {
		t.Errorf("ended %q, want missing", obs.how)
	}
}
