package batch

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ecsctl/ecsctl/internal/awssim"
)

// benchConfig has n batches, half EventBridge rules and half Scheduler
// schedules (in Asia/Tokyo), half following service web and half naming
// family app, each with its own command and environment.
func benchConfig(n int, rulesOnly bool) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "job-%03d:\n  schedule: cron(%d %d * * ? *)\n", i, i%60, i%24)
		if i%2 == 1 && !rulesOnly {
			b.WriteString("  via: scheduler\n  timezone: Asia/Tokyo\n")
		}
		if i%4 < 2 {
			b.WriteString("  service: web\n")
		} else {
			b.WriteString("  task_definition: app\n")
		}
		fmt.Fprintf(&b, "  overrides:\n    app:\n      command: [/app, job, \"%d\"]\n      environment: {JOB: \"%d\", MODE: nightly}\n", i, i)
	}
	return withBatches(b.String())
}

// callCounts formats the simulator's request log as "service Operation=n".
func callCounts(f *fixture) (summary string, writes, reads int) {
	counts := f.counts()
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, counts[k]))
	}
	for _, r := range f.srv.Requests() {
		if r.Write() {
			writes++
		} else {
			reads++
		}
	}
	return strings.Join(parts, " "), writes, reads
}

// BenchmarkSchedule100 applies 100 batches to an empty account (first),
// then applies the same config again (reapply: no write expected, reads
// paged). Run: go test ./batch -run '^$' -bench Schedule100 -benchtime 5x
func BenchmarkSchedule100(b *testing.B) {
	for _, mix := range []struct {
		name      string
		rulesOnly bool
		latency   time.Duration // added to every AWS call, as a real region's round trip
	}{{"mixed", false, 0}, {"rules", true, 0}, {"mixed-20ms", false, 20 * time.Millisecond}} {
		b.Run(mix.name+"/first", func(b *testing.B) {
			var summary string
			var writes, reads int
			for range b.N {
				b.StopTimer()
				f := newFixture(b)
				cfg := f.config(benchConfig(100, mix.rulesOnly))
				if mix.latency > 0 {
					f.srv.AddFault(awssim.Fault{Latency: mix.latency})
				}
				b.StartTimer()
				f.schedule(cfg, nil)
				b.StopTimer()
				summary, writes, reads = callCounts(f)
				b.StartTimer()
			}
			b.ReportMetric(float64(writes), "writes/op")
			b.ReportMetric(float64(reads), "reads/op")
			b.Logf("calls: %s", summary)
		})
		b.Run(mix.name+"/reapply", func(b *testing.B) {
			f := newFixture(b)
			cfg := f.config(benchConfig(100, mix.rulesOnly))
			f.schedule(cfg, nil)
			if mix.latency > 0 {
				f.srv.AddFault(awssim.Fault{Latency: mix.latency})
			}
			var summary string
			var writes, reads int
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				f.srv.ResetRequests()
				b.StartTimer()
				p := f.schedule(cfg, nil)
				b.StopTimer()
				if !p.Empty() {
					b.Fatalf("re-apply planned changes")
				}
				summary, writes, reads = callCounts(f)
				b.StartTimer()
			}
			if writes != 0 {
				b.Fatalf("re-apply wrote %d times", writes)
			}
			b.ReportMetric(float64(writes), "writes/op")
			b.ReportMetric(float64(reads), "reads/op")
			b.Logf("calls: %s", summary)
		})
	}
}
