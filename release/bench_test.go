package release

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/ecsctl/ecsctl/internal/awssim"
)

// benchSpeed runs the benchmark's simulator 30 times faster than real time.
// ecsctl's poller and the SDK waiter both wait on time scaled the same way
// (ecsctl through simClock with its default intervals, the waiter with its
// default MinDelay and MaxDelay divided by benchSpeed), so every number
// below is in simulated seconds: what a real-time run would show.
const benchSpeed = 30

// BenchmarkDeployVsWaiter compares, in one run, ecsctl's watch with the
// SDK's ServicesStableWaiter on the same rolling update (tasks behind a
// load balancer with its default 300 s deregistration delay) for 1 and 10
// services: the delay from the simulator marking the last deployment
// COMPLETED to the watcher returning, and DescribeServices calls per minute
// and per poll. Run it once:
//
//	go test -run '^$' -bench DeployVsWaiter -benchtime 1x ./release/
func BenchmarkDeployVsWaiter(b *testing.B) {
	for i := 0; i < b.N; i++ {
		type row struct {
			who                string
			services           int
			delay, watch       time.Duration
			calls, polls       int
			perMinute, perPoll float64
		}
		var rows []row
		for _, n := range []int{1, 10} {
			for _, who := range []string{"ecsctl", "waiter"} {
				r := row{who: who, services: n}
				r.delay, r.watch, r.calls, r.polls = benchRollout(b, who, n)
				r.perMinute = float64(r.calls) / r.watch.Minutes()
				r.perPoll = float64(r.calls) / float64(r.polls)
				rows = append(rows, r)
			}
		}
		sort.Slice(rows, func(i, j int) bool {
			if rows[i].services != rows[j].services {
				return rows[i].services < rows[j].services
			}
			return rows[i].who < rows[j].who
		})
		var sb strings.Builder
		fmt.Fprintf(&sb, "\n%-7s %8s %10s %10s %14s %12s %14s\n", "watcher", "services", "delay", "watch", "DescribeSvc", "per minute", "calls/poll")
		for _, r := range rows {
			fmt.Fprintf(&sb, "%-7s %8d %9.1fs %9.0fs %14d %12.1f %14.2f\n", r.who, r.services, r.delay.Seconds(), r.watch.Seconds(), r.calls, r.perMinute, r.perPoll)
			b.ReportMetric(r.delay.Seconds(), fmt.Sprintf("delay-s/%s-%d", r.who, r.services))
			b.ReportMetric(r.perMinute, fmt.Sprintf("describe-per-min/%s-%d", r.who, r.services))
		}
		b.Log(sb.String())
	}
}

// benchRollout sets up n services, rolls them to a new revision and
// watches them with ecsctl or the waiter. It returns the delay between the
// last deployment's completion and the watcher's return, how long the watch
// lasted, and its DescribeServices calls and polls.
func benchRollout(b *testing.B, who string, n int) (delay, watch time.Duration, calls, polls int) {
	s := newSim(b, awssim.WithSpeed(benchSpeed))
	s.clock.speed = benchSpeed
	var names []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("svc%02d", i)
		names = append(names, name)
		s.createService(name, svcOpts{desired: 2, loadBalancer: true, breaker: true})
	}
	s.srv.ResetRequests()
	start := s.clock.Now()
	switch who {
	case "ecsctl":
		stats := &pollStats{}
		var stderr syncBuffer
		w := s.watchOptions(&stderr)
		w.stats = stats
		res, err := Deploy(s.ctx, Options{Config: s.config(names...), All: true, Images: []string{"app=registry.example.com/app:v2"}, WatchOptions: w})
		if err != nil {
			b.Fatalf("Deploy: %v\n%s", err, stderr.String())
		}
		for _, r := range res.Services {
			if r.Outcome != OutcomeSucceeded {
				b.Fatalf("%s: %s", r.Service, r.Message)
			}
		}
		polls = int(stats.Polls.Load())
		calls = int(stats.DescribeServices.Load())
	case "waiter":
		for _, name := range names {
			td := s.registerApp(name, img(name, "web", "v1"), "registry.example.com/app:v2")
			if _, err := s.ecs.UpdateService(s.ctx, &ecs.UpdateServiceInput{Cluster: aws.String("main"), Service: aws.String(name), TaskDefinition: aws.String(td)}); err != nil {
				b.Fatal(err)
			}
		}
		s.srv.ResetRequests()
		start = s.clock.Now()
		waiter := ecs.NewServicesStableWaiter(s.ecs, func(o *ecs.ServicesStableWaiterOptions) {
			o.MinDelay /= benchSpeed // the defaults, on the simulator's time scale
			o.MaxDelay /= benchSpeed
		})
		if err := waiter.Wait(s.ctx, &ecs.DescribeServicesInput{Cluster: aws.String("main"), Services: names}, time.Hour/benchSpeed); err != nil {
			b.Fatalf("waiter: %v", err)
		}
		calls = s.srv.Count("ecs", "DescribeServices")
		polls = calls // one call per attempt, for up to 10 services
	}
	end := s.clock.Now()
	watch = end.Sub(start)
	var last time.Time
	for _, name := range names {
		svc := s.describe(name)
		if len(svc.Deployments) != 1 || svc.Deployments[0].RolloutState != "COMPLETED" {
			b.Fatalf("%s: %s returned before the rollout completed: %+v", name, who, svc.Deployments)
		}
		if at := aws.ToTime(svc.Deployments[0].UpdatedAt); at.After(last) {
			last = at
		}
	}
	return end.Sub(last), watch, calls, polls
}
