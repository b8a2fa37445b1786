package domain

import (
	"sync"
	"time"
)

// LoadZone is time.LoadLocation, remembered: the standard library parses the zone file
// on every call, which showed as 6% of building a feed of 2,000 events (21% of its
// allocated bytes) and runs for every row of a page that shows times in an event's zone.
// A zone's rules do not change while the process runs (they come with the binary's
// time/tzdata or the system), so each name is loaded once; failures are not kept.
func LoadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

// ZoneOr is LoadZone with a fallback for a name that does not load (stored data was
// validated when written; a zone removed from tzdata since then shows in the fallback).
func ZoneOr(name string, fallback *time.Location) *time.Location {
	if loc, err := LoadZone(name); err == nil {
		return loc
	}
	return fallback
}

var zones sync.Map // zone name → *time.Location
