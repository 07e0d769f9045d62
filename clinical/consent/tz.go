package consent

import (
	"time"
	_ "time/tzdata" // Europe/Tallinn must resolve on hosts without zoneinfo
)

func mustTallinn() *time.Location {
	loc, err := time.LoadLocation("Europe/Tallinn")
	if err != nil {
		// time/tzdata is linked in, so this cannot fail; fall back to
		// Estonian standard time rather than panic.
		return time.FixedZone("EET", 2*60*60)
	}
	return loc
}
