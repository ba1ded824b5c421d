// Package awscron parses, validates and evaluates AWS schedule expressions the
// way Amazon EventBridge rules and EventBridge Scheduler do:
//
//	cron(minutes hours day-of-month month day-of-week year)
//	rate(value unit)
//	at(yyyy-mm-ddThh:mm:ss)        (EventBridge Scheduler only)
//
// The cron dialect is AWS's (a Quartz descendant), not Unix cron: six fields,
// a year field, one of day-of-month and day-of-week must be '?', day-of-week
// counts 1 = SUN to 7 = SAT, and L, W and # select last days, nearest weekdays
// and the n-th weekday of a month. See
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
// and https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html.
//
// Validation errors are *Error values that name the field and say what is
// expected, for people. AWSRuleMessage and AWSScheduleMessage give the terse
// messages AWS itself answers, for the simulator.
//
// The package embeds the IANA time zone database (time/tzdata), so LoadZone
// and time zone evaluation work on machines without system tzdata.
package awscron

import (
	"fmt"
	"strings"
	"time"
)

// Kind tells the three expression forms apart.
type Kind int

// The expression forms.
const (
	Cron Kind = iota + 1 // cron(...): calendar times in a time zone
	Rate                 // rate(...): a fixed period from a start time
	At                   // at(...): one time in a time zone (Scheduler only)
)

// Schedule is a parsed, valid schedule expression. It is immutable and safe
// for concurrent use.
type Schedule struct {
	expr   string
	kind   Kind
	cron   *cronSpec     // Cron
	period time.Duration // Rate
	at     wallTime      // At
}

// ParseRule parses an expression for an EventBridge rule (PutRule):
// cron(...) or rate(...). Rules always run in UTC.
func ParseRule(expr string) (*Schedule, error) {
	s, err := parse(expr)
	if err != nil {
		return nil, err
	}
	if s.kind == At {
		return nil, &Error{Expr: expr, Msg: "at() one-time schedules exist only in EventBridge Scheduler, not in EventBridge rules; use the Scheduler, or a cron(...) with a year"}
	}
	return s, nil
}

// ParseSchedule parses an expression for EventBridge Scheduler
// (CreateSchedule): cron(...), rate(...) or at(...).
func ParseSchedule(expr string) (*Schedule, error) { return parse(expr) }

// AWSRuleMessage is the message of the ValidationException EventBridge's
// PutRule answers for any invalid ScheduleExpression; it names nothing.
func AWSRuleMessage(string) string { return "Parameter ScheduleExpression is not valid." }

// AWSScheduleMessage is the message of the ValidationException EventBridge
// Scheduler's CreateSchedule and UpdateSchedule answer for an invalid
// ScheduleExpression (recorded from AWS, e.g. "Invalid Schedule Expression
// rate(10 seconds).").
func AWSScheduleMessage(expr string) string { return "Invalid Schedule Expression " + expr + "." }

// String returns the expression as it was given.
func (s *Schedule) String() string { return s.expr }

// Kind tells whether s is a cron, rate or at expression.
func (s *Schedule) Kind() Kind { return s.kind }

// Error is an invalid schedule expression. Field names the cron field at
// fault ("minutes", "hours", "day-of-month", "month", "day-of-week", "year")
// or is empty when the expression as a whole is wrong.
type Error struct {
	Expr  string // the expression as given
	Field string
	Msg   string // what is wrong and what is expected
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("schedule expression %q: %s", e.Expr, e.Msg)
	}
	return fmt.Sprintf("schedule expression %q: %s: %s", e.Expr, e.Field, e.Msg)
}

// parse recognises the expression form and hands the inside of the
// parentheses to the form's parser.
func parse(expr string) (*Schedule, error) {
	fail := func(format string, args ...any) (*Schedule, error) {
		return nil, &Error{Expr: expr, Msg: fmt.Sprintf(format, args...)}
	}
	name, inner, ok := strings.Cut(expr, "(")
	if !ok || !strings.HasSuffix(inner, ")") {
		return fail("write cron(...), rate(...) or at(...), e.g. cron(0 12 * * ? *) or rate(5 minutes)")
	}
	inner = strings.TrimSuffix(inner, ")")
	if inner != strings.TrimSpace(inner) {
		return fail("no spaces are allowed right inside the parentheses; write %s(%s)", name, strings.TrimSpace(inner))
	}
	s := &Schedule{expr: expr}
	var err error
	switch name {
	case "cron":
		s.kind = Cron
		s.cron, err = parseCron(expr, inner)
	case "rate":
		s.kind = Rate
		s.period, err = parseRate(expr, inner)
	case "at":
		s.kind = At
		s.at, err = parseAt(expr, inner)
	default:
		return fail("%q is not an expression type; write cron(...), rate(...) or at(...) in lower case, with nothing before it", name)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}
