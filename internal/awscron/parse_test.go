package awscron

import (
	"errors"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	valid := []struct {
		expr string
		kind Kind
	}{
		// Examples from the EventBridge and Scheduler documentation.
		{"cron(0 10 * * ? *)", Cron},
		{"cron(15 12 * * ? *)", Cron},
		{"cron(0 18 ? * MON-FRI *)", Cron},
		{"cron(0 8 1 * ? *)", Cron},
		{"cron(0/15 * * * ? *)", Cron},
		{"cron(0/10 * ? * MON-FRI *)", Cron},
		{"cron(0/5 8-17 ? * MON-FRI *)", Cron},
		{"cron(0/30 20-2 ? * MON-FRI *)", Cron},
		{"cron(15 10 ? * 6L 2019-2022)", Cron},
		{"cron(5,35 14 * * ? *)", Cron},
		{"cron(0 9 ? * 3#2 *)", Cron},
		{"cron(0 9 3W * ? *)", Cron},
		{"cron(0 9 LW * ? *)", Cron},
		{"cron(0 9 L * ? *)", Cron},
		{"cron(0 9 ? * L *)", Cron},
		{"cron(0 9 ? * fril *)", Cron}, // names and L/W/# are case-insensitive, as in Quartz
		{"cron(0 0 1 jan,JUL ? *)", Cron},
		{"cron(*/59 */23 */31 */12 ? */229)", Cron},
		{"cron(0  12   * * ? *)", Cron}, // fields are separated by white space
		{"rate(1 minute)", Rate},
		{"rate(5 minutes)", Rate},
		{"rate(1 hour)", Rate},
		{"rate(12 hours)", Rate},
		{"rate(1 day)", Rate},
		{"rate(30 days)", Rate},
		{"at(2026-03-01T09:00:00)", At},
		{"at(2028-02-29T23:59:59)", At},
	}
	for _, v := range valid {
		s, err := ParseSchedule(v.expr)
		if err != nil {
			t.Errorf("ParseSchedule(%q): %v", v.expr, err)
			continue
		}
		if s.Kind() != v.kind || s.String() != v.expr {
			t.Errorf("ParseSchedule(%q) = kind %d %q, want kind %d", v.expr, s.Kind(), s, v.kind)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	invalid := []struct {
		expr  string
		field string
		msg   string // a part of the message
	}{
		// Recorded as rejected by EventBridge or Scheduler (issues and parity snapshots).
		{"cron(0 1 * * * *)", "day-of-week", "one of day-of-month and day-of-week must be '?' (got * and *)"},
		{"cron(7 20 * * NOT *)", "day-of-week", `"NOT" is not a number or name; day-of-week takes 1-7 (1 = SUN) or SUN-SAT`},
		{"cron(INVALID)", "", "cron needs 6 fields (minutes hours day-of-month month day-of-week year), got 1"},
		{"cron(0 dummy ? * MON-FRI *)", "hours", `"dummy" is not a number or name; hours takes 0-23`},
		{"cron(71 8 1 * ? *)", "minutes", "71 is out of range 0-59"},
		{"cron()", "", "got 0"},
		{"cron(*/60 * * * ? *)", "minutes", `step "60" in "*/60" must be a whole number from 1 to 59`},
		{"cron(15 12 ? * -1 *)", "day-of-week", `incomplete range "-1"`},
		{"cron(0/5, 9-18, ?, *, MON-FRI, *)", "minutes", "empty list item"},
		{"rate(10 seconds)", "", `rate unit "seconds" is not one of minute(s), hour(s), day(s)`},
		{"rate(10 years)", "", `rate unit "years"`},
		{"rate()", "", "rate needs a value and a unit"},
		{"rate(10)", "", "rate needs a value and a unit"},
		{"rate(10 minutess)", "", `rate unit "minutess"`},
		{"rate(foo minutes)", "", `rate value "foo" is not a positive whole number`},
		{"rate(-10 minutes)", "", `rate value "-10" is not a positive whole number`},
		{"rate( 10 minutes )", "", "no spaces are allowed right inside the parentheses; write rate(10 minutes)"},
		{" rate(10 minutes)", "", `" rate" is not an expression type`},
		{"at(2021-12-31T23:59:59Z)", "", "with no zone or offset"},
		{"at(2021-12-31)", "", "yyyy-mm-ddThh:mm:ss"},
		{"rate(3 minute)", "", "a value above 1 takes the plural unit: rate(3 minutes)"},
		{"rate(1 minutes)", "", "a value of 1 takes the singular unit: rate(1 minute)"},
		{"rate(1 hours)", "", "rate(1 hour)"},
		{"rate(5 hour)", "", "rate(5 hours)"},
		// From AWS's documented rules.
		{"cron(0 12 * * ?)", "", "got 5: this looks like a Unix cron"},
		{"cron(0 12 * * 1-5)", "", "e.g. cron(0 12 ? * 2-6 *)"},
		{"cron(30 6 1 * *)", "", "e.g. cron(30 6 1 * ? *)"},
		{"cron(0 0 12 * * ? *)", "", "got 7: this looks like a Quartz cron with a seconds field; AWS cron has no seconds field, e.g. cron(0 12 * * ? *)"},
		{"cron(0 12 ? * 8 *)", "day-of-week", "8 is out of range 1-7 (1 = SUN)"},
		{"cron(0 12 ? * 0 *)", "day-of-week", "0 is out of range 1-7 (1 = SUN); Unix cron's 0 = Sunday is 1 (SUN) here"},
		{"cron(0 12 ? * ? *)", "day-of-week", "both '?'"},
		{"cron(0 12 1 * MON *)", "day-of-week", "one of day-of-month and day-of-week must be '?'"},
		{"cron(0 24 * * ? *)", "hours", "24 is out of range 0-23"},
		{"cron(0 12 32 * ? *)", "day-of-month", "32 is out of range 1-31"},
		{"cron(0 12 0 * ? *)", "day-of-month", "0 is out of range 1-31"},
		{"cron(0 12 * 13 ? *)", "month", "13 is out of range 1-12"},
		{"cron(0 12 * foo ? *)", "month", `"foo" is not a number or name`},
		{"cron(0 12 * * ? 1969)", "year", "1969 is out of range 1970-2199"},
		{"cron(0 12 * * ? 2200)", "year", "2200 is out of range 1970-2199"},
		{"cron(0 12 * * ? 2030-2020)", "year", "range 2030-2020 goes backwards"},
		{"cron(0 12 ? * 3#1,6#3 *)", "day-of-week", "only one expression is allowed with '#'"},
		{"cron(0 12 ? * 3#6 *)", "day-of-week", "n from 1 to 5"},
		{"cron(0 12 ? * 2/2 *)", "day-of-week", "'/' is not allowed in day-of-week"},
		{"cron(? 12 * * ? *)", "minutes", "'?' is allowed only alone, and only in day-of-month and day-of-week"},
		{"cron(L 12 * * ? *)", "minutes", "L, W and # are allowed only in day-of-month and day-of-week"},
		{"cron(0 12 1,L * ? *)", "day-of-month", "mixes L, W or # with other values"},
		{"cron(0 12 15W,20 * ? *)", "day-of-month", "mixes L, W or # with other values"},
		{"cron(0 12 L-3 * ? *)", "day-of-month", "offsets from the last day"},
		{"cron(0 12 32W * ? *)", "day-of-month", "32 is out of range 1-31"},
		{"cron(0/0 12 * * ? *)", "minutes", `step "0"`},
		{"cron(0 12 * * ? */230)", "year", "from 1 to 229"},
		{"cron 0 12 * * ? *", "", "write cron(...), rate(...) or at(...)"},
		{"CRON(0 12 * * ? *)", "", "in lower case"},
		{"rate(0 minutes)", "", `"0" is not a positive whole number`},
		{"rate(+5 minutes)", "", `"+5" is not a positive whole number`},
		{"rate(5  minutes)", "", "one space apart"},
		{"rate(99999999999 days)", "", "too long a period"},
		{"at(2026-02-30T09:00:00)", "", `"2026-02-30T09:00:00" is not one`},
		{"at(2026-03-01T9:00:00)", "", "yyyy-mm-ddThh:mm:ss"},
		{"at(2026-03-01T09:00:00.5)", "", "yyyy-mm-ddThh:mm:ss"},
		{"", "", "write cron(...), rate(...) or at(...)"},
	}
	for _, tt := range invalid {
		_, err := ParseSchedule(tt.expr)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("ParseSchedule(%q) = %v, want an *Error", tt.expr, err)
			continue
		}
		if e.Field != tt.field || !strings.Contains(e.Msg, tt.msg) || e.Expr != tt.expr {
			t.Errorf("ParseSchedule(%q):\n got field %q msg %q\nwant field %q msg containing %q", tt.expr, e.Field, e.Msg, tt.field, tt.msg)
		}
	}
}

func TestErrorText(t *testing.T) {
	_, err := ParseSchedule("cron(0 12 ? * 8 *)")
	want := `schedule expression "cron(0 12 ? * 8 *)": day-of-week: 8 is out of range 1-7 (1 = SUN)`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestParseRuleRefusesAt(t *testing.T) {
	if _, err := ParseRule("at(2026-03-01T09:00:00)"); err == nil || !strings.Contains(err.Error(), "only in EventBridge Scheduler") {
		t.Fatalf("ParseRule(at) = %v, want a Scheduler-only error", err)
	}
	if _, err := ParseRule("rate(1 day)"); err != nil {
		t.Fatalf("ParseRule(rate): %v", err)
	}
}

func TestAWSMessages(t *testing.T) {
	if got := AWSRuleMessage("cron(0 12 * * *)"); got != "Parameter ScheduleExpression is not valid." {
		t.Errorf("AWSRuleMessage = %q", got)
	}
	if got := AWSScheduleMessage("rate(10 seconds)"); got != "Invalid Schedule Expression rate(10 seconds)." {
		t.Errorf("AWSScheduleMessage = %q", got)
	}
}

func TestLoadZone(t *testing.T) {
	for _, name := range []string{"Asia/Tokyo", "America/New_York", "Europe/Berlin", "UTC", "Etc/GMT+5"} {
		loc, err := LoadZone(name)
		if err != nil || loc.String() != name {
			t.Errorf("LoadZone(%q) = %v, %v", name, loc, err)
		}
	}
	for _, name := range []string{"", "Local", "Asia/Tokio", "JST", "+09:00", "../etc/passwd", "/usr/share/zoneinfo/UTC"} {
		if _, err := LoadZone(name); err == nil || !strings.Contains(err.Error(), "is not an IANA time zone name") {
			t.Errorf("LoadZone(%q) = %v, want an error", name, err)
		}
	}
}
