package awscron

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// rateUnits maps AWS's rate units to their length. AWS wants the singular
// unit for a value of 1 and the plural otherwise: rate(1 hour), rate(5 hours);
// rate(1 hours) and rate(5 hour) are rejected. A day is always 24 hours, also
// across daylight-saving changes (the Scheduler documents this).
var rateUnits = map[string]time.Duration{
	"minute": time.Minute, "minutes": time.Minute,
	"hour": time.Hour, "hours": time.Hour,
	"day": 24 * time.Hour, "days": 24 * time.Hour,
}

// parseRate parses the inside of rate(...): "value unit", one space apart.
func parseRate(expr, inner string) (time.Duration, error) {
	fail := func(format string, args ...any) (time.Duration, error) {
		return 0, &Error{Expr: expr, Msg: fmt.Sprintf(format, args...)}
	}
	value, unit, ok := strings.Cut(inner, " ")
	if !ok || value == "" || unit == "" || strings.Contains(unit, " ") {
		return fail("rate needs a value and a unit one space apart, e.g. rate(5 minutes) or rate(1 day)")
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n < 1 || strings.HasPrefix(value, "+") {
		return fail("rate value %q is not a positive whole number, e.g. rate(5 minutes)", value)
	}
	length, ok := rateUnits[unit]
	if !ok {
		return fail("rate unit %q is not one of minute(s), hour(s), day(s); seconds are not supported", unit)
	}
	singular := strings.TrimSuffix(unit, "s")
	switch {
	case n == 1 && unit != singular:
		return fail("a value of 1 takes the singular unit: rate(1 %s)", singular)
	case n > 1 && unit == singular:
		return fail("a value above 1 takes the plural unit: rate(%d %ss)", n, singular)
	}
	if n > math.MaxInt64/int64(length) {
		return fail("rate(%s) is too long a period; use at most %d %ss", inner, math.MaxInt64/int64(length), singular)
	}
	return time.Duration(n) * length, nil
}

// wallTime is a date and time on a wall clock, without a time zone.
type wallTime struct {
	year                      int
	month                     time.Month
	day, hour, minute, second int
}

// atLayout is the only form at() accepts: a local date and time, no zone.
const atLayout = "2006-01-02T15:04:05"

// parseAt parses the inside of at(...). The time zone is not part of the
// expression: the Scheduler reads it from ScheduleExpressionTimezone.
func parseAt(expr, inner string) (wallTime, error) {
	t, err := time.Parse(atLayout, inner)
	if err != nil || len(inner) != len(atLayout) {
		return wallTime{}, &Error{Expr: expr, Msg: fmt.Sprintf(
			"at() takes a local date and time yyyy-mm-ddThh:mm:ss, e.g. at(2026-03-01T09:00:00), with no zone or offset (the time zone is set separately); %q is not one", inner)}
	}
	return wallTime{t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second()}, nil
}
