package awscron

import (
	"slices"
	"testing"
	"time"
)

// FuzzParse checks that parsing never panics, that accepted expressions
// keep their text, and that evaluating them never panics.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"cron(0 10 * * ? *)", "cron(0/5 8-17 ? * MON-FRI *)", "cron(15 10 ? * 6L 2019-2022)",
		"cron(0 9 LW * ? *)", "cron(0 9 15W * ? *)", "cron(0 9 ? * 3#2 *)", "cron(0 22-2 * NOV-FEB ? */3)",
		"cron(0 12 * * 1-5)", "cron(0 0 12 * * ? *)", "rate(1 minute)", "rate(5 minutes)",
		"at(2026-03-01T09:00:00)", "cron(,,, * * ? *)", "rate( 1 day)", "cron(*/ * * * ? *)",
	} {
		f.Add(seed)
	}
	after := time.Date(2026, 3, 8, 6, 59, 0, 0, time.UTC)
	loc, err := LoadZone("America/New_York")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		_, _ = ParseRule(expr)
		s, err := ParseSchedule(expr)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("empty error for %q", expr)
			}
			return
		}
		if s.String() != expr {
			t.Fatalf("String() = %q, want %q", s, expr)
		}
		runs := s.Next(after, loc, 3)
		if !slices.IsSortedFunc(runs, func(a, b time.Time) int { return a.Compare(b) }) {
			t.Fatalf("%q: runs out of order: %v", expr, runs)
		}
	})
}

// fuzzZones are zones with interesting daylight-saving histories: 30-minute
// DST (Lord Howe), a skipped day (Apia, 2011), DST at midnight (Sao Paulo),
// a two-hour DST (Troll), quarter-hour offsets (Kathmandu), half-hour DST
// (St Johns).
var fuzzZones = []string{
	"UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Tokyo", "Pacific/Apia",
	"America/Sao_Paulo", "Antarctica/Troll", "Asia/Kathmandu", "America/St_Johns",
}

// FuzzNextMatchesBruteForce checks Next against a brute-force evaluator
// that walks every UTC minute, reads the wall clock, and fires on the first
// instant each matching wall-clock minute appears. Within the horizon the two
// must agree exactly; every run Next returns must match the expression.
func FuzzNextMatchesBruteForce(f *testing.F) {
	seeds := []string{
		"cron(30 2 * * ? *)", "cron(0/15 * * * ? *)", "cron(0 0 * * ? *)", "cron(30 1 ? * SUN *)",
		"cron(0 9 LW * ? *)", "cron(0 9 1W * ? *)", "cron(0 12 ? * 1#1 *)", "cron(0 0 L * ? *)",
		"cron(45 23 ? * 6L *)", "cron(0 22-2 * * ? *)", "cron(*/7 1-3 * * ? *)", "cron(0 0 29 2 ? *)",
	}
	starts := []int64{
		time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC).Unix(),   // US spring forward
		time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC).Unix(), // US fall back
		time.Date(2011, 12, 28, 0, 0, 0, 0, time.UTC).Unix(),  // Apia skips 2011-12-30
		time.Date(2018, 11, 3, 0, 0, 0, 0, time.UTC).Unix(),   // Sao Paulo DST at midnight
		time.Date(2028, 2, 27, 0, 0, 0, 0, time.UTC).Unix(),   // leap day
		time.Date(2040, 12, 30, 0, 0, 0, 0, time.UTC).Unix(),  // past the tz table, a leap year's end
	}
	for i, expr := range seeds {
		f.Add(expr, starts[i%len(starts)], uint8(i))
	}
	const horizon = 3 * 24 * time.Hour
	f.Fuzz(func(t *testing.T, expr string, afterUnix int64, zoneIndex uint8) {
		s, err := ParseSchedule(expr)
		if err != nil || s.Kind() != Cron {
			return
		}
		// Keep after within the years cron can express, on any second.
		after := time.Unix(firstYearUnix+mod(afterUnix, lastYearUnix-firstYearUnix), 0).UTC()
		loc, err := LoadZone(fuzzZones[int(zoneIndex)%len(fuzzZones)])
		if err != nil {
			t.Fatal(err)
		}
		const n = 4
		got := s.Next(after, loc, n)
		for _, r := range got {
			if !naiveMatch(s.cron, wallOf(r.In(loc))) {
				t.Fatalf("%s in %s: run %s (%s local) does not match", expr, loc, r, r.In(loc))
			}
		}
		var within []time.Time
		for _, r := range got {
			if !r.After(after.Add(horizon)) {
				within = append(within, r)
			}
		}
		want := bruteNext(s.cron, after, loc, n, horizon)
		if !slices.EqualFunc(within, want, time.Time.Equal) {
			t.Fatalf("%s in %s after %s:\n Next  %v\n brute %v", expr, loc, after, within, want)
		}
	})
}

var (
	firstYearUnix = time.Date(firstYear, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	lastYearUnix  = time.Date(lastYear+1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
)

func mod(a, m int64) int64 { return ((a % m) + m) % m }

// bruteNext walks UTC minute by minute from a day before `after` (to learn
// which wall minutes already appeared) to `after`+horizon, and returns up
// to n instants after `after` at which a matching wall minute first shows.
func bruteNext(c *cronSpec, after time.Time, loc *time.Location, n int, horizon time.Duration) []time.Time {
	seen := map[wallTime]bool{}
	var out []time.Time
	end := after.Add(horizon)
	for u := after.Truncate(time.Minute).Add(-26 * time.Hour); !u.After(end) && len(out) < n; u = u.Add(time.Minute) {
		w := wallOf(u.In(loc))
		if w.second != 0 || seen[w] {
			continue // every zone in fuzzZones has whole-minute offsets since 1970
		}
		seen[w] = true
		if u.After(after) && naiveMatch(c, w) {
			out = append(out, u)
		}
	}
	return out
}

// naiveMatch decides whether a wall-clock minute matches, reading L, W and #
// straight from their definitions rather than the way Next computes them.
func naiveMatch(c *cronSpec, w wallTime) bool {
	if c.minutes&(1<<w.minute) == 0 || c.hours&(1<<w.hour) == 0 || c.months&(1<<w.month) == 0 || !c.hasYear(w.year) {
		return false
	}
	if !c.dom.any {
		return naiveDOM(c.dom, w.year, w.month, w.day)
	}
	return naiveDOW(c.dow, w.year, w.month, w.day)
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

func inMonth(y int, m time.Month, d int) bool { return d >= 1 && date(y, m, d).Month() == m }

func isWeekday(t time.Time) bool { return t.Weekday() != time.Saturday && t.Weekday() != time.Sunday }

func naiveDOM(s domSpec, y int, m time.Month, d int) bool {
	switch {
	case s.last:
		return !inMonth(y, m, d+1)
	case s.lastWeekday:
		for e := d + 1; inMonth(y, m, e); e++ {
			if isWeekday(date(y, m, e)) {
				return false
			}
		}
		return isWeekday(date(y, m, d))
	case s.nearest > 0:
		if !inMonth(y, m, s.nearest) {
			return false
		}
		best := 0 // the weekday in the month closest to the given day
		for e := 1; inMonth(y, m, e); e++ {
			if isWeekday(date(y, m, e)) && (best == 0 || abs(e-s.nearest) < abs(best-s.nearest)) {
				best = e
			}
		}
		return d == best
	}
	return s.days&(1<<d) != 0
}

func naiveDOW(s dowSpec, y int, m time.Month, d int) bool {
	wd := int(date(y, m, d).Weekday()) + 1
	switch {
	case s.lastOf > 0:
		return wd == s.lastOf && !inMonth(y, m, d+7)
	case s.nth > 0:
		count := 0
		for e := 1; e <= d; e++ {
			if int(date(y, m, e).Weekday())+1 == s.nthDay {
				count++
			}
		}
		return wd == s.nthDay && count == s.nth
	}
	return s.days&(1<<wd) != 0
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
