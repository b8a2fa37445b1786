package calendar

import (
	"strings"
	"testing"
	"time"
)

// fuzzZones are the zones FuzzEncodeEvent writes times in: UTC, zones without and with
// daylight saving, half-hour shifts (Lord Howe) and a zone whose rules move each year
// (Casablanca).
var fuzzZones = []string{"", "Europe/Moscow", "Europe/Paris", "America/New_York", "Australia/Sydney",
	"Asia/Baku", "Australia/Lord_Howe", "Africa/Casablanca"}

// FuzzEncodeEvent: an invitation with any title, description, place and guest name, at
// any minute from 1900 to 2200 in any of fuzzZones, encodes (in bounded time: the
// VTIMEZONE of a leap year past Go's data once never finished) into an object go-ical
// reads back as what was encoded, with the one attendee there was: user text never adds
// a property.
func FuzzEncodeEvent(f *testing.F) {
	f.Add("Заседание", "Повестка\r\nATTENDEE:mailto:x@evil.test", "Зал", `Иван";X=1`, int64(4431146400), uint16(90), uint8(2)) // Paris, June 2040
	f.Add("Meeting", "", "", "Guest", int64(2_240_000_000), uint16(60), uint8(1))
	f.Add(strings.Repeat("Трёхсторонняя встреча ", 8), "a\\,b;c", "\x00\x7f", "", int64(0), uint16(0), uint8(6))
	lo := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	f.Fuzz(func(t *testing.T, summary, description, location, name string, start int64, minutes uint16, zone uint8) {
		if start %= hi - lo; start < 0 {
			start += hi - lo
		}
		cal := simpleRequest()
		e := &cal.Events[0]
		e.Summary, e.Description, e.Location, e.Attendees[0].Name = summary, description, location, name
		e.Start = time.Unix(lo+start, 0).UTC().Truncate(time.Minute)
		e.End = e.Start.Add(time.Duration(minutes)*time.Minute + time.Minute)
		e.TZID = fuzzZones[int(zone)%len(fuzzZones)]
		out, err := Encode(cal, testNow)
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		checkWellFormed(t, out)
		n := 0
		for _, l := range unfold(out) {
			if strings.HasPrefix(l, "ATTENDEE") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d ATTENDEE lines, want 1:\n%s", n, out)
		}
		sameView(t, "go-ical's reading", goicalView(t, out), expectedView(cal))
	})
}
