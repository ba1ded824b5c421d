package awscron

import (
	"testing"
	"time"
)

// The expectations below were worked out by hand from a calendar (weekdays
// of 2026: Jan 1 Thu, Feb 1 Sun, Mar 1 Sun, May 1 Fri, Aug 1 Sat) and the
// tz rules (New York: EST -5 / EDT -4, spring forward 2026-03-08 02:00,
// fall back 2026-11-01 02:00; Berlin: CET +1 / CEST +2, spring forward
// 2026-03-29 02:00, fall back 2026-10-25 03:00).

func mustParse(t *testing.T, expr string) *Schedule {
	t.Helper()
	s, err := ParseSchedule(expr)
	if err != nil {
		t.Fatalf("ParseSchedule(%q): %v", expr, err)
	}
	return s
}

func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := LoadZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func checkRuns(t *testing.T, got []time.Time, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d runs %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range want {
		if w := utc(t, want[i]); !got[i].Equal(w) {
			t.Errorf("run %d = %s, want %s", i, got[i].UTC().Format(time.RFC3339), want[i])
		}
	}
}

func TestNextCronUTC(t *testing.T) {
	tests := []struct {
		expr, after string
		n           int
		want        []string
	}{
		{"cron(0 10 * * ? *)", "2026-01-01T10:00:00Z", 3,
			[]string{"2026-01-02T10:00:00Z", "2026-01-03T10:00:00Z", "2026-01-04T10:00:00Z"}},
		{"cron(0 10 * * ? *)", "2026-01-01T09:59:59Z", 1, []string{"2026-01-01T10:00:00Z"}},
		// The documentation's example: 10:15 on the last Friday of each month, 2019-2022.
		{"cron(15 10 ? * 6L 2019-2022)", "2022-10-01T00:00:00Z", 5,
			[]string{"2022-10-28T10:15:00Z", "2022-11-25T10:15:00Z", "2022-12-30T10:15:00Z"}},
		{"cron(0 9 LW * ? *)", "2026-01-01T00:00:00Z", 3,
			[]string{"2026-01-30T09:00:00Z", "2026-02-27T09:00:00Z", "2026-03-31T09:00:00Z"}},
		{"cron(0 9 L * ? *)", "2026-01-31T09:00:00Z", 2,
			[]string{"2026-02-28T09:00:00Z", "2026-03-31T09:00:00Z"}},
		// Feb 15 and Mar 15 are Sundays (-> Monday), Aug 15 a Saturday (-> Friday).
		{"cron(0 9 15W 2,3,8 ? 2026)", "2026-01-01T00:00:00Z", 3,
			[]string{"2026-02-16T09:00:00Z", "2026-03-16T09:00:00Z", "2026-08-14T09:00:00Z"}},
		// Aug 1 is a Saturday: 1W does not go back into July but forward to Monday the 3rd.
		{"cron(0 9 1W AUG ? 2026)", "2026-01-01T00:00:00Z", 1, []string{"2026-08-03T09:00:00Z"}},
		// May 31 is a Sunday and the last day: 31W moves back to Friday the 29th; 31W never runs in 30-day months.
		{"cron(0 9 31W 4-5 ? 2026)", "2026-01-01T00:00:00Z", 2, []string{"2026-05-29T09:00:00Z"}},
		{"cron(0 12 ? * 3#2 *)", "2026-01-01T00:00:00Z", 3,
			[]string{"2026-01-13T12:00:00Z", "2026-02-10T12:00:00Z", "2026-03-10T12:00:00Z"}},
		{"cron(0 12 ? * TUE#2 *)", "2026-01-13T12:00:00Z", 1, []string{"2026-02-10T12:00:00Z"}},
		// L alone in day-of-week is the last day of the week: Saturday.
		{"cron(0 0 ? * L *)", "2026-01-01T00:00:00Z", 2, []string{"2026-01-03T00:00:00Z", "2026-01-10T00:00:00Z"}},
		{"cron(0 18 ? * MON-FRI *)", "2026-01-02T18:00:00Z", 2, []string{"2026-01-05T18:00:00Z", "2026-01-06T18:00:00Z"}},
		// Leap years: 2028, 2032; 2100 is not one.
		{"cron(0 0 29 2 ? *)", "2026-01-01T00:00:00Z", 2, []string{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
		{"cron(0 0 29 FEB ? 2096-2104)", "2090-01-01T00:00:00Z", 3, []string{"2096-02-29T00:00:00Z", "2104-02-29T00:00:00Z"}},
		{"cron(0 0 L 2 ? *)", "2026-03-01T00:00:00Z", 3,
			[]string{"2027-02-28T00:00:00Z", "2028-02-29T00:00:00Z", "2029-02-28T00:00:00Z"}},
		// Ranges wrap around in cyclic fields.
		{"cron(0 22-1 * * ? *)", "2026-01-01T12:00:00Z", 5, []string{"2026-01-01T22:00:00Z",
			"2026-01-01T23:00:00Z", "2026-01-02T00:00:00Z", "2026-01-02T01:00:00Z", "2026-01-02T22:00:00Z"}},
		{"cron(5/20 8 * * ? *)", "2026-01-01T00:00:00Z", 4, []string{"2026-01-01T08:05:00Z",
			"2026-01-01T08:25:00Z", "2026-01-01T08:45:00Z", "2026-01-02T08:05:00Z"}},
		{"cron(0 0 1 JAN/3 ? *)", "2026-01-01T00:00:00Z", 3,
			[]string{"2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z", "2026-10-01T00:00:00Z"}},
		{"cron(0 0 1 1 ? 2199)", "2199-01-01T00:00:00Z", 1, nil}, // nothing after the last year
		{"cron(0 0 30 2 ? *)", "2026-01-01T00:00:00Z", 1, nil},   // never
	}
	for _, tt := range tests {
		t.Run(tt.expr+"@"+tt.after, func(t *testing.T) {
			got := mustParse(t, tt.expr).Next(utc(t, tt.after), nil, tt.n)
			checkRuns(t, got, tt.want...)
		})
	}
}

// TestNextDaylightSaving checks the Scheduler's documented DST rules: a
// wall time skipped by spring-forward does not run that day; a wall time
// repeated by fall-back runs once, at its first occurrence.
func TestNextDaylightSaving(t *testing.T) {
	tests := []struct {
		name, expr, zone, after string
		n                       int
		want                    []string
	}{
		{"NY spring forward skips 02:30", "cron(30 2 * * ? *)", "America/New_York", "2026-03-06T12:00:00Z", 3,
			[]string{"2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"}},
		{"NY 03:30 on spring-forward day", "cron(30 3 * * ? *)", "America/New_York", "2026-03-07T12:00:00Z", 2,
			[]string{"2026-03-08T07:30:00Z", "2026-03-09T07:30:00Z"}},
		{"NY fall back runs 01:30 once", "cron(30 1 * * ? *)", "America/New_York", "2026-10-31T00:00:00Z", 3,
			[]string{"2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"}},
		{"NY 02:30 on fall-back day exists once", "cron(30 2 * * ? *)", "America/New_York", "2026-10-31T12:00:00Z", 2,
			[]string{"2026-11-01T07:30:00Z", "2026-11-02T07:30:00Z"}},
		{"NY every 15 minutes through fall back", "cron(0/15 * * * ? *)", "America/New_York", "2026-11-01T05:40:00Z", 3,
			[]string{"2026-11-01T05:45:00Z", "2026-11-01T07:00:00Z", "2026-11-01T07:15:00Z"}},
		{"NY from inside the repeated hour", "cron(0/15 * * * ? *)", "America/New_York", "2026-11-01T06:10:00Z", 1,
			[]string{"2026-11-01T07:00:00Z"}},
		{"Berlin spring forward skips 02:30", "cron(30 2 * * ? *)", "Europe/Berlin", "2026-03-27T12:00:00Z", 3,
			[]string{"2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z"}},
		{"Berlin fall back runs 02:30 once", "cron(30 2 * * ? *)", "Europe/Berlin", "2026-10-24T12:00:00Z", 2,
			[]string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
		{"Tokyo has no DST", "cron(0 9 ? * MON *)", "Asia/Tokyo", "2026-01-01T00:00:00Z", 2,
			[]string{"2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z"}},
		{"at in Tokyo", "at(2026-03-01T09:00:00)", "Asia/Tokyo", "2026-01-01T00:00:00Z", 3,
			[]string{"2026-03-01T00:00:00Z"}},
		{"at in the spring-forward gap never runs", "at(2026-03-08T02:30:00)", "America/New_York", "2026-01-01T00:00:00Z", 1, nil},
		{"at in the past", "at(2026-03-01T09:00:00)", "UTC", "2026-03-01T09:00:00Z", 1, nil},
		// Go's ZoneBounds ends a period where it began at the end of leap
		// years past the tz table; found by FuzzParse with this at().
		{"NY New Year's Eve 2040", "cron(0 0 * * ? *)", "America/New_York", "2040-12-30T12:00:00Z", 2,
			[]string{"2040-12-31T05:00:00Z", "2041-01-01T05:00:00Z"}},
		{"far future at", "at(9029-01-01T00:00:00)", "America/New_York", "2026-01-01T00:00:00Z", 1,
			[]string{"9029-01-01T05:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParse(t, tt.expr).Next(utc(t, tt.after), zone(t, tt.zone), tt.n)
			checkRuns(t, got, tt.want...)
		})
	}
}

func TestNextRate(t *testing.T) {
	created := utc(t, "2026-01-01T10:00:00Z")
	s := mustParse(t, "rate(5 minutes)")
	// A rule created at 10:00 first runs one period later.
	checkRuns(t, s.Next(created, nil, 3), "2026-01-01T10:05:00Z", "2026-01-01T10:10:00Z", "2026-01-01T10:15:00Z")
	// Later on, runs stay on the grid counted from creation.
	checkRuns(t, s.NextSince(created, created.Add(12*time.Minute), nil, 2), "2026-01-01T10:15:00Z", "2026-01-01T10:20:00Z")
	// A Scheduler schedule with a future StartDate first runs at StartDate.
	checkRuns(t, s.NextSince(created, created.Add(-time.Hour), nil, 1), "2026-01-01T10:00:00Z")
	// A day is 24 hours, also across daylight-saving changes (time zone ignored).
	day := mustParse(t, "rate(1 day)")
	checkRuns(t, day.Next(utc(t, "2026-03-07T12:00:00Z"), zone(t, "America/New_York"), 2),
		"2026-03-08T12:00:00Z", "2026-03-09T12:00:00Z")
	// Centuries apart still land on the grid.
	far := mustParse(t, "rate(7 days)").NextSince(utc(t, "1970-01-01T00:00:00Z"), utc(t, "2600-01-01T00:00:00Z"), nil, 1)
	if len(far) != 1 || far[0].Unix()%(7*24*3600) != 0 || !far[0].After(utc(t, "2600-01-01T00:00:00Z")) ||
		far[0].Sub(utc(t, "2600-01-01T00:00:00Z")) > 7*24*time.Hour {
		t.Fatalf("far rate run %v is off the 7-day grid", far)
	}
}

func TestNextSinceBoundsCron(t *testing.T) {
	s := mustParse(t, "cron(0 * * * ? *)")
	start := utc(t, "2026-01-01T12:00:00Z")
	checkRuns(t, s.NextSince(start, utc(t, "2026-01-01T00:00:00Z"), nil, 2), "2026-01-01T12:00:00Z", "2026-01-01T13:00:00Z")
	if got := s.Next(start, nil, 0); got != nil {
		t.Fatalf("n = 0 gave %v", got)
	}
}

// BenchmarkNext measures the three next runs `ecsctl batch list` shows per
// schedule: a weekday schedule in a DST zone, and a rare one (leap days).
func BenchmarkNext(b *testing.B) {
	ny, err := LoadZone("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	after := time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC)
	for _, expr := range []string{"cron(30 2 ? * MON-FRI *)", "cron(0 0 29 2 ? *)", "cron(0/5 * * * ? *)"} {
		s, err := ParseSchedule(expr)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(expr, func(b *testing.B) {
			for b.Loop() {
				if len(s.Next(after, ny, 3)) != 3 {
					b.Fatal("want 3 runs")
				}
			}
		})
	}
}
