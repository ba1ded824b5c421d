package awscron

import (
	"fmt"
	"time"

	// Embed the IANA time zone database so time zones load on machines
	// (and containers) without system tzdata.
	_ "time/tzdata"
)

// LoadZone returns the IANA time zone called name, as EventBridge
// Scheduler's ScheduleExpressionTimezone takes it ("Asia/Tokyo",
// "America/New_York", "UTC"). Unlike time.LoadLocation it refuses "" and
// "Local", which are not zone names.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, zoneError(name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, zoneError(name)
	}
	return loc, nil
}

func zoneError(name string) error {
	return fmt.Errorf("time zone %q is not an IANA time zone name; use a name from the tz database such as \"Asia/Tokyo\", \"Europe/Berlin\" or \"UTC\"", name)
}
