package batch

import (
	"bytes"
	"testing"
	"time"

	"github.com/ecsctl/ecsctl/internal/awssim"
)

// batch list: state, revision, and next run times checked against values
// computed by hand, in zones with and without daylight saving time.
func TestListNextRuns(t *testing.T) {
	now := time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC) // a Saturday
	clock := awssim.NewManualClock(now)
	f := newFixture(t, awssim.WithClock(clock))
	cfg := f.config(withBatches(`
weekdays:
  schedule: cron(0 12 ? * MON-FRI *)
  task_definition: app
tokyo:
  schedule: cron(0 3 * * ? *)
  via: scheduler
  timezone: Asia/Tokyo
  service: web
newyork:
  # 02:30 does not exist on 2026-03-08, when New York springs forward.
  schedule: cron(30 2 * * ? *)
  via: scheduler
  timezone: America/New_York
  task_definition: app
fallback:
  # 01:30 happens twice on 2026-11-01, when New York falls back: run once, at the first.
  schedule: cron(30 1 1 11 ? 2026-2028)
  via: scheduler
  timezone: America/New_York
  task_definition: app
every6h:
  schedule: rate(6 hours)
  via: scheduler
  task_definition: app
once:
  schedule: at(2026-03-20T09:00:00)
  via: scheduler
  timezone: Asia/Tokyo
  task_definition: app
off:
  schedule: cron(0 5 * * ? *)
  enabled: false
  task_definition: app
`))
	f.schedule(cfg, nil)
	f.srv.ResetRequests()

	opts := f.options(cfg)
	opts.Now = clock.Now
	res, err := List(f.ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s ...string) []time.Time {
		var out []time.Time
		for _, v := range s {
			tm, err := time.Parse(time.RFC3339, v)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, tm)
		}
		return out
	}
	want := map[string]struct {
		kind  Kind
		state string
		zone  string
		runs  []time.Time
	}{
		"weekdays": {KindRule, "enabled", "UTC", utc("2026-03-09T12:00:00Z", "2026-03-10T12:00:00Z", "2026-03-11T12:00:00Z")},
		// 03:00 JST is 18:00 UTC the day before.
		"tokyo": {KindSchedule, "enabled", "Asia/Tokyo", utc("2026-03-07T18:00:00Z", "2026-03-08T18:00:00Z", "2026-03-09T18:00:00Z")},
		// No run on the 8th; from the 9th on 02:30 EDT is 06:30 UTC (it was 07:30 in EST).
		"newyork": {KindSchedule, "enabled", "America/New_York", utc("2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z", "2026-03-11T06:30:00Z")},
		// 2026-11-01 01:30 EDT (05:30 UTC), not 01:30 EST; 2027 and 2028 are before their DST ends.
		"fallback": {KindSchedule, "enabled", "America/New_York", utc("2026-11-01T05:30:00Z", "2027-11-01T05:30:00Z", "2028-11-01T05:30:00Z")},
		// A rate counts from the schedule's creation (now).
		"every6h": {KindSchedule, "enabled", "UTC", utc("2026-03-07T18:00:00Z", "2026-03-08T00:00:00Z", "2026-03-08T06:00:00Z")},
		"once":    {KindSchedule, "enabled", "Asia/Tokyo", utc("2026-03-20T00:00:00Z")},
		"off":     {KindRule, "disabled", "UTC", nil},
	}
	if len(res.Entries) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(res.Entries), len(want), res.Entries)
	}
	for _, e := range res.Entries {
		w, ok := want[e.Batch]
		if !ok {
			t.Errorf("unexpected entry %+v", e)
			continue
		}
		if e.Kind != w.kind || e.State != w.state || e.Timezone != w.zone || e.Revision != "app:1" || !e.InConfig {
			t.Errorf("%s: kind %s state %s zone %s revision %s in config %v", e.Batch, e.Kind, e.State, e.Timezone, e.Revision, e.InConfig)
		}
		if len(e.Next) != len(w.runs) {
			t.Errorf("%s: next runs %v, want %v", e.Batch, e.Next, w.runs)
			continue
		}
		for i, r := range e.Next {
			if !r.UTC.Equal(w.runs[i]) || r.UTC.Location() != time.UTC || !r.Local.Equal(w.runs[i]) || r.Local.Location().String() != e.Timezone {
				t.Errorf("%s: run %d = %v (local %v), want %v", e.Batch, i, r.UTC, r.Local, w.runs[i])
			}
		}
	}
	var text bytes.Buffer
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	golden(t, "list.txt", text.Bytes())
	if w := f.writes(); len(w) != 0 {
		t.Errorf("list wrote %v", w)
	}
}
