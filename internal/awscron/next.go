package awscron

import (
	"iter"
	"math"
	"time"
)

// Next returns up to n run times strictly after `after`, earliest first.
//
// cron and at expressions are read on the wall clock of loc (nil means UTC;
// EventBridge rules always run in UTC). Daylight-saving changes are handled
// as EventBridge Scheduler documents: a wall-clock time that does not exist
// (skipped when clocks spring forward) is skipped, and a wall-clock time
// that exists twice (when clocks fall back) runs once, at its first
// occurrence. Run times are whole minutes of the wall clock.
//
// A rate expression counts its periods from `after`, as an EventBridge rule
// created at `after` does: the first run is one period later. Use NextSince
// when the schedule started counting earlier.
func (s *Schedule) Next(after time.Time, loc *time.Location, n int) []time.Time {
	return s.NextSince(after, after, loc, n)
}

// NextSince is Next for a schedule that started at start: the creation time
// of an EventBridge rule, or an EventBridge Scheduler schedule's StartDate.
// rate expressions run at start, start+period, start+2*period, ...; cron
// expressions do not run before start; at expressions ignore it (the
// Scheduler ignores StartDate for one-time schedules).
func (s *Schedule) NextSince(start, after time.Time, loc *time.Location, n int) []time.Time {
	if n <= 0 {
		return nil
	}
	if loc == nil {
		loc = time.UTC
	}
	switch s.kind {
	case Rate:
		return rateRuns(start, after, s.period, n)
	case At:
		if t, ok := firstInstant(loc, s.at); ok && t.After(after) {
			return []time.Time{t}
		}
		return nil
	}
	if limit := start.Add(-time.Nanosecond); limit.After(after) {
		after = limit
	}
	var out []time.Time
	for w := range s.cron.wallTimes(wallOf(after.In(loc))) {
		t, ok := firstInstant(loc, w)
		if !ok || !t.After(after) {
			continue // in a daylight-saving gap, or the wall time's first occurrence is past
		}
		if out = append(out, t); len(out) == n {
			break
		}
	}
	return out
}

// rateRuns returns the first n times start + k*period (k >= 0) after `after`.
func rateRuns(start, after time.Time, period time.Duration, n int) []time.Time {
	// Time.Sub saturates beyond 292 years: move start forward in whole
	// periods until the distance fits, then count periods.
	whole := (math.MaxInt64 / period) * period
	for after.Sub(start) == math.MaxInt64 {
		start = start.Add(whole)
	}
	t := start
	if !after.Before(start) {
		t = start.Add((after.Sub(start)/period + 1) * period)
	}
	out := make([]time.Time, 0, n)
	for ; len(out) < n; t = t.Add(period) {
		out = append(out, t)
	}
	return out
}

// key orders wall times; the calendar need not be valid (day 31 of any
// month is used as "the end of the month").
func (w wallTime) key() int64 {
	return ((((int64(w.year)*13+int64(w.month))*32+int64(w.day))*24+int64(w.hour))*60+int64(w.minute))*60 + int64(w.second)
}

func wallOf(t time.Time) wallTime {
	return wallTime{t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second()}
}

// wallTimes yields, in order, the wall-clock minutes the expression matches
// from the minute of `from` on, up to the end of 2199.
func (c *cronSpec) wallTimes(from wallTime) iter.Seq[wallTime] {
	from.second = 0
	return func(yield func(wallTime) bool) {
		for y := max(from.year, firstYear); y <= lastYear; y++ {
			if !c.hasYear(y) {
				continue
			}
			for m := time.January; m <= time.December; m++ {
				if c.months&(1<<m) == 0 || (wallTime{y, m, 31, 23, 59, 0}).key() < from.key() {
					continue
				}
				if !c.wallTimesInMonth(y, m, from, yield) {
					return
				}
			}
		}
	}
}

// wallTimesInMonth yields the matching minutes of one month; it returns
// false when yield asked to stop.
func (c *cronSpec) wallTimesInMonth(y int, m time.Month, from wallTime, yield func(wallTime) bool) bool {
	last := daysIn(y, m)
	for d := 1; d <= last; d++ {
		if (wallTime{y, m, d, 23, 59, 0}).key() < from.key() || !c.dayMatches(y, m, d, last) {
			continue
		}
		for h := range 24 {
			if c.hours&(1<<h) == 0 || (wallTime{y, m, d, h, 59, 0}).key() < from.key() {
				continue
			}
			for mi := range 60 {
				w := wallTime{y, m, d, h, mi, 0}
				if c.minutes&(1<<mi) == 0 || w.key() < from.key() {
					continue
				}
				if !yield(w) {
					return false
				}
			}
		}
	}
	return true
}

// dayMatches reports whether day d of month m matches the day field that is
// not '?'.
func (c *cronSpec) dayMatches(y int, m time.Month, d, last int) bool {
	if !c.dom.any {
		return c.dom.matches(y, m, d, last)
	}
	return c.dow.matches(weekday(y, m, d), d, last)
}

func (s domSpec) matches(y int, m time.Month, d, last int) bool {
	switch {
	case s.last:
		return d == last
	case s.lastWeekday:
		return d == nearestWeekday(y, m, last, last)
	case s.nearest > 0:
		// nW in a month without day n (31W in April) never runs.
		return s.nearest <= last && d == nearestWeekday(y, m, s.nearest, last)
	}
	return s.days&(1<<d) != 0
}

func (s dowSpec) matches(wd, d, last int) bool {
	switch {
	case s.lastOf > 0: // nL: weekday n, and no later one this month
		return wd == s.lastOf && d+7 > last
	case s.nth > 0: // d#n: weekday d, in the month's n-th run of seven days
		return wd == s.nthDay && (d-1)/7+1 == s.nth
	}
	return s.days&(1<<wd) != 0
}

// nearestWeekday is the Monday-to-Friday day nearest day d, never leaving the
// month: a Saturday moves to Friday (or to Monday the 3rd when d is the 1st),
// a Sunday to Monday (or to Friday when d is the month's last day).
func nearestWeekday(y int, m time.Month, d, last int) int {
	switch time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday:
		if d == 1 {
			return 3
		}
		return d - 1
	case time.Sunday:
		if d == last {
			return d - 2
		}
		return d + 1
	}
	return d
}

// weekday numbers days the AWS way: 1 = SUN ... 7 = SAT.
func weekday(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()) + 1
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// firstInstant returns the earliest instant at which loc's wall clock reads
// w, or false when w does not exist in loc (a daylight-saving gap).
func firstInstant(loc *time.Location, w wallTime) (time.Time, bool) {
	naive := time.Date(w.year, w.month, w.day, w.hour, w.minute, w.second, 0, time.UTC)
	var first time.Time
	found := false
	for _, offset := range offsetsNear(loc, naive) {
		t := naive.Add(-time.Duration(offset) * time.Second)
		if wallOf(t.In(loc)) == w && (!found || t.Before(first)) {
			first, found = t, true
		}
	}
	return first, found
}

// offsetsNear lists the UTC offsets loc uses within a day either side of t.
// An instant whose wall clock reads t's fields lies within 14 hours of t
// (no zone is further from UTC), so its offset is among these.
func offsetsNear(loc *time.Location, t time.Time) []int {
	var offsets []int
	end := t.Add(24 * time.Hour)
	for u := t.Add(-24 * time.Hour); ; {
		lt := u.In(loc)
		_, offset := lt.Zone()
		offsets = append(offsets, offset)
		_, next := lt.ZoneBounds()
		if next.IsZero() || next.After(end) {
			return offsets
		}
		if !next.After(u) {
			// Go reports a zone period ending where it began at the end of
			// leap years past the tz table (2040-12-31 in New York); step on.
			next = u.Add(time.Hour)
		}
		u = next
	}
}
