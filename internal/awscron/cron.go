package awscron

import (
	"fmt"
	"strconv"
	"strings"
)

// cronSpec is a parsed cron(...) expression. Value sets are bitsets: bit v is
// set when value v is allowed.
type cronSpec struct {
	minutes uint64    // 0-59
	hours   uint64    // 0-23
	months  uint64    // 1-12
	years   [4]uint64 // bit y-1970 for 1970-2199
	dom     domSpec   // day-of-month; used when dow is '?'
	dow     dowSpec   // day-of-week; used when dom is '?'
}

// domSpec is the day-of-month field. Exactly one of its forms is in use.
type domSpec struct {
	any         bool   // '?': the day is chosen by day-of-week
	days        uint64 // bits 1-31: plain values, ranges, steps, '*'
	last        bool   // L: the last day of the month
	lastWeekday bool   // LW: the last Monday-to-Friday of the month
	nearest     int    // nW: the weekday nearest day n, within the month
}

// dowSpec is the day-of-week field, 1 = SUN ... 7 = SAT.
type dowSpec struct {
	any    bool  // '?': the day is chosen by day-of-month
	days   uint8 // bits 1-7: plain values, ranges, '*', and L alone (= 7, SAT)
	lastOf int   // nL: the last weekday n of the month
	nth    int   // with nthDay, d#n: the n-th weekday d of the month
	nthDay int
}

const (
	firstYear = 1970
	lastYear  = 2199
)

// field describes one of the six cron fields.
type field struct {
	name     string
	min, max int
	names    []string // names for min, min+1, ... (month and day-of-week)
	numbers  string   // the numeric range, for messages
	cyclic   bool     // ranges may wrap around (22-2 in hours)
	steps    bool     // '/' is allowed
}

// accepted spells out what the field takes, for messages.
func (f field) accepted() string {
	if f.names == nil {
		return f.numbers
	}
	return f.numbers + " or " + f.names[0] + "-" + f.names[len(f.names)-1]
}

var (
	minutesField = field{name: "minutes", min: 0, max: 59, numbers: "0-59", cyclic: true, steps: true}
	hoursField   = field{name: "hours", min: 0, max: 23, numbers: "0-23", cyclic: true, steps: true}
	domField     = field{name: "day-of-month", min: 1, max: 31, numbers: "1-31", cyclic: true, steps: true}
	monthField   = field{name: "month", min: 1, max: 12, numbers: "1-12", cyclic: true, steps: true,
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}}
	// AWS documents the day-of-week wildcards as , - * ? L # : no '/'.
	dowField = field{name: "day-of-week", min: 1, max: 7, numbers: "1-7 (1 = SUN)", cyclic: true,
		names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}}
	yearField = field{name: "year", min: firstYear, max: lastYear, numbers: "1970-2199", steps: true}
)

// parseCron parses the inside of cron(...).
func parseCron(expr, inner string) (*cronSpec, error) {
	parts := strings.Fields(inner)
	if len(parts) != 6 {
		return nil, &Error{Expr: expr, Msg: fieldCountMessage(parts)}
	}
	c, err := parseFields(parts)
	if err != nil {
		return nil, &Error{Expr: expr, Field: err.field, Msg: err.msg}
	}
	return c, nil
}

// parseFields parses the six fields in order and reports the first problem.
func parseFields(p []string) (c *cronSpec, err *fieldError) {
	c = &cronSpec{}
	if c.minutes, err = parseValues(minutesField, p[0]); err != nil {
		return nil, err
	}
	if c.hours, err = parseValues(hoursField, p[1]); err != nil {
		return nil, err
	}
	if c.dom, err = parseDOM(p[2]); err != nil {
		return nil, err
	}
	if c.months, err = parseValues(monthField, p[3]); err != nil {
		return nil, err
	}
	if c.dow, err = parseDOW(p[4]); err != nil {
		return nil, err
	}
	if c.years, err = parseYears(p[5]); err != nil {
		return nil, err
	}
	if err = checkDayFields(c, p[2], p[4]); err != nil {
		return nil, err
	}
	return c, nil
}

// fieldError is a problem in one field; parseCron turns it into an *Error.
type fieldError struct{ field, msg string }

func errorf(f field, format string, args ...any) *fieldError {
	return &fieldError{field: f.name, msg: fmt.Sprintf(format, args...)}
}

// checkDayFields enforces AWS's rule that exactly one of day-of-month and
// day-of-week is '?': "You can't specify the Day-of-month and Day-of-week
// fields in the same cron expression."
func checkDayFields(c *cronSpec, dom, dow string) *fieldError {
	switch {
	case c.dom.any && c.dow.any:
		return &fieldError{field: "day-of-week", msg: "day-of-month and day-of-week are both '?'; one of them must say which days, e.g. cron(0 12 * * ? *) for every day"}
	case !c.dom.any && !c.dow.any:
		return &fieldError{field: "day-of-week", msg: fmt.Sprintf(
			"one of day-of-month and day-of-week must be '?' (got %s and %s); for every day write * ?, for weekdays ? MON-FRI", dom, dow)}
	}
	return nil
}

// fieldCountMessage explains a cron with the wrong number of fields, and
// for the two usual mistakes (a Unix cron, a Quartz cron with seconds)
// suggests the AWS form when one can be derived.
func fieldCountMessage(parts []string) string {
	msg := fmt.Sprintf("cron needs 6 fields (minutes hours day-of-month month day-of-week year), got %d", len(parts))
	switch len(parts) {
	case 5:
		msg += ": this looks like a Unix cron; AWS cron adds a year field, counts day-of-week 1-7 from SUN and needs '?' in day-of-month or day-of-week"
		if s := fromUnixCron(parts); s != "" {
			return msg + ", e.g. " + s
		}
		return msg + ", e.g. cron(0 12 * * ? *) for every day at 12:00"
	case 7:
		msg += ": this looks like a Quartz cron with a seconds field; AWS cron has no seconds field"
		if s := "cron(" + strings.Join(parts[1:], " ") + ")"; validCron(s) {
			return msg + ", e.g. " + s
		}
		return msg + "; drop the first field"
	}
	return msg
}

// fromUnixCron converts "m h dom mon dow" to an AWS cron, or returns "" when
// it cannot: Unix cron runs when either day field matches if both are set,
// which AWS cannot express.
func fromUnixCron(p []string) string {
	dom, dow := p[2], p[4]
	switch {
	case dow == "*":
		dow = "?"
	case dom == "*":
		dom = "?"
		dow = shiftUnixWeekdays(dow)
	default:
		return ""
	}
	s := fmt.Sprintf("cron(%s %s %s %s %s *)", p[0], p[1], dom, p[3], dow)
	if !validCron(s) {
		return ""
	}
	return s
}

// shiftUnixWeekdays renumbers the digits of a Unix day-of-week (0 or 7 =
// Sunday) to AWS's 1 = SUN; names and other characters are kept.
func shiftUnixWeekdays(dow string) string {
	var b strings.Builder
	for _, r := range dow {
		switch {
		case r == '0' || r == '7':
			b.WriteByte('1')
		case r >= '1' && r <= '6':
			b.WriteRune(r + 1)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func validCron(s string) bool {
	_, err := parse(s)
	return err == nil
}

// parseValues parses a field made of plain values: a comma-separated list of
// '*', values, ranges and steps.
func parseValues(f field, text string) (uint64, *fieldError) {
	var bits uint64
	for _, item := range strings.Split(text, ",") {
		b, err := parseItem(f, item)
		if err != nil {
			return 0, err
		}
		bits |= b
	}
	return bits, nil
}

// parseItem parses one list item of a field with at most 64 values.
func parseItem(f field, item string) (uint64, *fieldError) {
	lo, hi, step, err := parseSpan(f, item)
	if err != nil {
		return 0, err
	}
	return spread(f, lo, hi, step), nil
}

// parseSpan parses one list item: *, */n, a, a-b, a/n or a-b/n, into the
// values lo to hi every step. Ranges in cyclic fields may wrap (hours 22-2
// is 22,23,0,1,2), as in Quartz.
func parseSpan(f field, item string) (lo, hi, step int, err *fieldError) {
	if item == "" {
		return 0, 0, 0, errorf(f, "empty list item; write values separated by commas, e.g. %s", exampleList(f))
	}
	rng, stepText, hasStep := strings.Cut(item, "/")
	if hasStep && !f.steps {
		return 0, 0, 0, errorf(f, "'/' is not allowed in %s (AWS allows , - * ? L # there); list the days instead, e.g. 2,4,6", f.name)
	}
	lo, hi, step = f.min, f.max, 1
	if rng != "*" {
		if lo, hi, err = parseRange(f, rng, hasStep); err != nil {
			return 0, 0, 0, err
		}
	}
	if hasStep {
		if step, err = parseStep(f, stepText, item); err != nil {
			return 0, 0, 0, err
		}
	}
	return lo, hi, step, nil
}

func exampleList(f field) string {
	return fmt.Sprintf("%d,%d", f.min+1, f.min+3)
}

// parseRange parses "a" or "a-b". A lone value with a step ("5/15") runs
// from the value to the end of the field.
func parseRange(f field, rng string, hasStep bool) (lo, hi int, err *fieldError) {
	a, b, isRange := strings.Cut(rng, "-")
	if lo, err = parseValue(f, a, rng); err != nil {
		return 0, 0, err
	}
	switch {
	case !isRange && hasStep:
		return lo, f.max, nil
	case !isRange:
		return lo, lo, nil
	}
	if hi, err = parseValue(f, b, rng); err != nil {
		return 0, 0, err
	}
	if hi < lo && !f.cyclic {
		return 0, 0, errorf(f, "range %s goes backwards; write the smaller value first, e.g. %d-%d", rng, hi, lo)
	}
	return lo, hi, nil
}

// parseValue parses a number or, in month and day-of-week, a name (in any
// case, as Quartz reads them).
func parseValue(f field, text, context string) (int, *fieldError) {
	if text == "" {
		return 0, errorf(f, "incomplete range %q; write a-b, e.g. %s", context, exampleRange(f))
	}
	upper := strings.ToUpper(text)
	for i, name := range f.names {
		if upper == name {
			return f.min + i, nil
		}
	}
	n, err := strconv.Atoi(text)
	if err != nil || strings.HasPrefix(text, "+") {
		if strings.ContainsAny(upper, "?LW#") {
			return 0, specialCharError(f, context)
		}
		return 0, errorf(f, "%q is not a number or name; %s takes %s", text, f.name, f.accepted())
	}
	if n < f.min || n > f.max {
		msg := fmt.Sprintf("%d is out of range %s", n, f.numbers)
		if f.name == dowField.name && n == 0 {
			msg += "; Unix cron's 0 = Sunday is 1 (SUN) here"
		}
		return 0, &fieldError{field: f.name, msg: msg}
	}
	return n, nil
}

func exampleRange(f field) string {
	if f.names != nil {
		return f.names[1] + "-" + f.names[len(f.names)-2]
	}
	return fmt.Sprintf("%d-%d", f.min+1, f.min+5)
}

// parseStep parses the n of ".../n". Like Quartz, AWS refuses a step larger
// than the field allows (cron(*/60 * * * ? *) is rejected).
func parseStep(f field, text, item string) (int, *fieldError) {
	n, err := strconv.Atoi(text)
	limit := f.max // as in Quartz: minutes 59, hours 23, day-of-month 31, month 12
	if f.name == yearField.name {
		limit = f.max - f.min
	}
	if err != nil || n < 1 || n > limit || strings.HasPrefix(text, "+") {
		return 0, errorf(f, "step %q in %q must be a whole number from 1 to %d, e.g. */15", text, item, limit)
	}
	return n, nil
}

// spread sets lo, lo+step, ... up to hi, wrapping past the field's maximum
// when hi < lo.
func spread(f field, lo, hi, step int) uint64 {
	span := f.max - f.min + 1
	end := hi
	if hi < lo {
		end = hi + span
	}
	var bits uint64
	for v := lo; v <= end; v += step {
		w := v
		if w > f.max {
			w -= span
		}
		bits |= 1 << uint(w)
	}
	return bits
}

// specialCharError explains a '?', L, W or # where the field does not take it.
func specialCharError(f field, item string) *fieldError {
	switch {
	case strings.Contains(item, "?"):
		return errorf(f, "'?' is allowed only alone, and only in day-of-month and day-of-week")
	case f.name == domField.name || f.name == dowField.name:
		return errorf(f, "%q mixes L, W or # with other values; use it alone in the field, e.g. %s", item, specialExample(f))
	default:
		return errorf(f, "%q: L, W and # are allowed only in day-of-month and day-of-week", item)
	}
}

func specialExample(f field) string {
	if f.name == domField.name {
		return "L, LW or 15W"
	}
	return "6L or 3#2"
}

// parseDOM parses day-of-month: ?, L, LW, nW, or plain values.
func parseDOM(text string) (domSpec, *fieldError) {
	t := strings.ToUpper(text)
	switch {
	case t == "?":
		return domSpec{any: true}, nil
	case t == "L":
		return domSpec{last: true}, nil
	case t == "LW":
		return domSpec{lastWeekday: true}, nil
	case strings.HasSuffix(t, "W") && !strings.ContainsAny(t, ",-*/L"):
		n, err := parseValue(domField, text[:len(text)-1], text)
		if err != nil {
			return domSpec{}, err
		}
		return domSpec{nearest: n}, nil
	case strings.HasPrefix(t, "L-"):
		return domSpec{}, errorf(domField, "offsets from the last day (%s) are not part of AWS cron; use L or LW", text)
	}
	days, err := parseValues(domField, text)
	return domSpec{days: days}, err
}

// parseDOW parses day-of-week: ?, L (= SAT), nL, d#n, or plain values.
func parseDOW(text string) (dowSpec, *fieldError) {
	t := strings.ToUpper(text)
	switch {
	case t == "?":
		return dowSpec{any: true}, nil
	case t == "L":
		return dowSpec{days: 1 << 7}, nil // "the last day of the week": Saturday
	case strings.Contains(t, "#"):
		return parseNth(text)
	case strings.HasSuffix(t, "L") && !strings.ContainsAny(t, ",-*/"):
		d, err := parseValue(dowField, text[:len(text)-1], text)
		if err != nil {
			return dowSpec{}, err
		}
		return dowSpec{lastOf: d}, nil
	}
	days, err := parseValues(dowField, text)
	return dowSpec{days: uint8(days)}, err
}

// parseNth parses d#n, the n-th weekday d of the month. AWS allows only one
// such expression in the field ("3#1,6#3" is not valid).
func parseNth(t string) (dowSpec, *fieldError) {
	if strings.Contains(t, ",") {
		return dowSpec{}, errorf(dowField, "only one expression is allowed with '#' (%s); e.g. 6#3 for the third Friday", t)
	}
	d, n, _ := strings.Cut(t, "#")
	day, err := parseValue(dowField, d, t)
	if err != nil {
		return dowSpec{}, err
	}
	k, convErr := strconv.Atoi(n)
	if convErr != nil || k < 1 || k > 5 {
		return dowSpec{}, errorf(dowField, "%q: write <day>#<n> with n from 1 to 5, e.g. 3#2 for the second Tuesday", t)
	}
	return dowSpec{nth: k, nthDay: day}, nil
}

// parseYears parses the year field into its 230-bit set.
func parseYears(text string) ([4]uint64, *fieldError) {
	var set [4]uint64
	for _, item := range strings.Split(text, ",") {
		if err := addYears(&set, item); err != nil {
			return set, err
		}
	}
	return set, nil
}

// addYears adds one list item of the year field, which has too many values
// for parseItem's 64-bit sets.
func addYears(set *[4]uint64, item string) *fieldError {
	lo, hi, step, err := parseSpan(yearField, item)
	if err != nil {
		return err
	}
	for y := lo; y <= hi; y += step {
		i := y - firstYear
		set[i/64] |= 1 << uint(i%64)
	}
	return nil
}

func (c *cronSpec) hasYear(y int) bool {
	if y < firstYear || y > lastYear {
		return false
	}
	i := y - firstYear
	return c.years[i/64]&(1<<uint(i%64)) != 0
}
