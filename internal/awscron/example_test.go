package awscron_test

import (
	"fmt"
	"time"

	"github.com/ecsctl/ecsctl/internal/awscron"
)

// The next runs of a weekday 02:30 schedule in New York across the
// spring-forward night, shown in the schedule's zone and in UTC.
func ExampleSchedule_Next() {
	s, err := awscron.ParseSchedule("cron(30 2 ? * MON-FRI *)")
	if err != nil {
		fmt.Println(err)
		return
	}
	ny, err := awscron.LoadZone("America/New_York")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range s.Next(time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC), ny, 3) {
		fmt.Println(t.In(ny).Format("Mon 2006-01-02 15:04 MST"), "=", t.UTC().Format("15:04 MST"))
	}
	// Output:
	// Fri 2026-03-06 02:30 EST = 07:30 UTC
	// Mon 2026-03-09 02:30 EDT = 06:30 UTC
	// Tue 2026-03-10 02:30 EDT = 06:30 UTC
}

func ExampleParseRule() {
	_, err := awscron.ParseRule("cron(0 12 * * 1-5)")
	fmt.Println(err)
	// Output:
	// schedule expression "cron(0 12 * * 1-5)": cron needs 6 fields (minutes hours day-of-month month day-of-week year), got 5: this looks like a Unix cron; AWS cron adds a year field, counts day-of-week 1-7 from SUN and needs '?' in day-of-month or day-of-week, e.g. cron(0 12 ? * 2-6 *)
}
