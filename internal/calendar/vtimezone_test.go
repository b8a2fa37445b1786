package calendar

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

// onset is one change of offset as a client expands it from a VTIMEZONE.
type onset struct {
	at   time.Time // UTC instant
	from int       // offset before, seconds east of UTC
	to   int       // offset after
}

// expandVTimezone reads a VTIMEZONE the way a client does, independently of how
// vtimezone built it: every DTSTART, and the yearly RRULE occurrences (BYMONTH, BYDAY
// with an ordinal, UNTIL in UTC) up to the end of lastYear.
func expandVTimezone(t *testing.T, tz *ical.Component, lastYear int) []onset {
	t.Helper()
	var out []onset
	for _, obs := range tz.Children {
		if obs.Name != ical.CompTimezoneStandard && obs.Name != ical.CompTimezoneDaylight {
			t.Fatalf("VTIMEZONE holds a %s", obs.Name)
		}
		start, err := time.Parse("20060102T150405", obs.Props.Get(ical.PropDateTimeStart).Value)
		if err != nil {
			t.Fatalf("observance DTSTART: %v", err)
		}
		from := parseUTCOffset(t, obs.Props.Get(ical.PropTimezoneOffsetFrom).Value)
		to := parseUTCOffset(t, obs.Props.Get(ical.PropTimezoneOffsetTo).Value)
		add := func(local time.Time) time.Time {
			at := local.Add(-time.Duration(from) * time.Second)
			out = append(out, onset{at: at, from: from, to: to})
			return at
		}
		rule := obs.Props.Get(ical.PropRecurrenceRule)
		if rule == nil {
			add(start)
			continue
		}
		parts := map[string]string{}
		for _, kv := range strings.Split(rule.Value, ";") {
			k, v, _ := strings.Cut(kv, "=")
			parts[k] = v
		}
		if parts["FREQ"] != "YEARLY" || len(parts) > 4 {
			t.Fatalf("RRULE %s is not of the yearly form expected", rule.Value)
		}
		month, _ := strconv.Atoi(parts["BYMONTH"])
		day := parts["BYDAY"]
		n, _ := strconv.Atoi(day[:len(day)-2])
		wd := strings.Index("SUMOTUWETHFRSA", day[len(day)-2:]) / 2
		var until time.Time
		if u, ok := parts["UNTIL"]; ok {
			if until, err = time.Parse("20060102T150405Z", u); err != nil {
				t.Fatalf("UNTIL: %v", err)
			}
		}
		clock := start.Sub(start.Truncate(24 * time.Hour))
		for y := start.Year(); y <= lastYear; y++ {
			local := nthWeekday(y, time.Month(month), n, time.Weekday(wd)).Add(clock)
			if local.Before(start) {
				continue
			}
			if !until.IsZero() && local.Add(-time.Duration(from)*time.Second).After(until) {
				break
			}
			add(local)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// nthWeekday is the n-th (or, n = -1, the last) weekday of a month, at midnight UTC.
func nthWeekday(year int, m time.Month, n int, wd time.Weekday) time.Time {
	if n < 0 {
		last := time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC)
		return last.AddDate(0, 0, -((int(last.Weekday()) - int(wd) + 7) % 7))
	}
	first := time.Date(year, m, 1, 0, 0, 0, 0, time.UTC)
	return first.AddDate(0, 0, (int(wd)-int(first.Weekday())+7)%7+7*(n-1))
}

func parseUTCOffset(t *testing.T, s string) int {
	t.Helper()
	if len(s) != 5 && len(s) != 7 || s[0] != '+' && s[0] != '-' {
		t.Fatalf("bad UTC offset %q", s)
	}
	h, _ := strconv.Atoi(s[1:3])
	m, _ := strconv.Atoi(s[3:5])
	sec := 0
	if len(s) == 7 {
		sec, _ = strconv.Atoi(s[5:])
	}
	off := h*3600 + m*60 + sec
	if s[0] == '-' {
		off = -off
	}
	return off
}

// offsetAt is the offset in effect at an instant: that of the latest onset at or before it.
func offsetAt(ons []onset, at time.Time) (int, bool) {
	i := sort.Search(len(ons), func(i int) bool { return ons[i].at.After(at) })
	if i == 0 {
		return 0, false
	}
	return ons[i-1].to, true
}

// toUTC converts a wall-clock time (given as if in UTC) with the rules, as a client does
// for DTSTART;TZID=…: the earliest instant whose offset gives that wall-clock time.
func toUTC(ons []onset, wall time.Time) (time.Time, bool) {
	var best time.Time
	seen := map[int]bool{}
	for _, o := range ons {
		for _, off := range []int{o.from, o.to} {
			if seen[off] {
				continue
			}
			seen[off] = true
			at := wall.Add(-time.Duration(off) * time.Second)
			if got, ok := offsetAt(ons, at); ok && got == off && (best.IsZero() || at.Before(best)) {
				best = at
			}
		}
	}
	return best, !best.IsZero()
}

// encodedVTimezone goes through the whole path: vtimezone, the writer, go-ical's decoder.
func encodedVTimezone(t *testing.T, loc *time.Location, first, last int) *ical.Component {
	t.Helper()
	// As Encode writes it: through the cache, which the cases fill with the same zones
	// for different years.
	text, err := zoneBlock(loc, first, last)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := writeComponent(&b, vtimezone(loc, first, last)); err != nil {
		t.Fatal(err)
	}
	if b.String() != string(text) {
		t.Fatalf("the cached VTIMEZONE differs from one written now:\n%s\n---\n%s", text, b.String())
	}
	checkLines(t, b.String())
	cal := decodeGoICAL(t, []byte("BEGIN:VCALENDAR\r\n"+b.String()+"END:VCALENDAR\r\n"))
	if len(cal.Children) != 1 || cal.Children[0].Name != ical.CompTimezone {
		t.Fatalf("decoded %d components", len(cal.Children))
	}
	tz := cal.Children[0]
	if got := tz.Props.Get(ical.PropTimezoneID).Value; got != loc.String() {
		t.Fatalf("TZID %q, want %q", got, loc.String())
	}
	return tz
}

func checkLines(t *testing.T, s string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		if len(line) > maxLineOctets {
			t.Errorf("line over 75 octets: %q", line)
		}
	}
}

// The shapes of the VTIMEZONEs the product's zones get: one STANDARD for a zone without
// DST, a STANDARD and a DAYLIGHT with yearly rules for one with DST.
func TestVTimezoneShapes(t *testing.T) {
	type obs struct{ kind, from, to, name, rrule string }
	cases := []struct {
		zone string
		year int
		want []obs
	}{
		{"Europe/Moscow", 2021, []obs{{"STANDARD", "+0400", "+0300", "MSK", ""}}},
		{"Asia/Baku", 2021, []obs{{"STANDARD", "+0500", "+0400", "+04", ""}}},
		{"Asia/Yerevan", 2021, []obs{{"STANDARD", "+0500", "+0400", "+04", ""}}},
		{"Europe/Paris", 2021, []obs{
			{"STANDARD", "+0200", "+0100", "CET", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"},
			{"DAYLIGHT", "+0100", "+0200", "CEST", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"},
		}},
		{"America/New_York", 2024, []obs{
			{"STANDARD", "-0400", "-0500", "EST", "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"},
			{"DAYLIGHT", "-0500", "-0400", "EDT", "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"},
		}},
		// Negative DST in the tz database (winter is "DST"): written the usual way round.
		{"Europe/Dublin", 2021, []obs{
			{"STANDARD", "+0100", "+0000", "GMT", "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"},
			{"DAYLIGHT", "+0000", "+0100", "IST", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"},
		}},
		{"Etc/GMT-4", 2021, []obs{{"STANDARD", "+0400", "+0400", "+04", ""}}},
	}
	for _, c := range cases {
		t.Run(c.zone, func(t *testing.T) {
			tz := encodedVTimezone(t, zone(t, c.zone), c.year, c.year)
			var got []obs
			for _, o := range tz.Children {
				got = append(got, obs{o.Name, o.Props.Get(ical.PropTimezoneOffsetFrom).Value,
					o.Props.Get(ical.PropTimezoneOffsetTo).Value, o.Props.Get(ical.PropTimezoneName).Value,
					propValue(o.Props, ical.PropRecurrenceRule)})
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("observances\n got %v\nwant %v", got, c.want)
			}
		})
	}
}

// vtimezoneCases are zones and year ranges whose generated VTIMEZONE must give Go's
// offsets at every hour: the product's zones, DST in both hemispheres, zones that dropped
// or changed their rules inside the range (UNTIL), rules on fixed dates, half-hour DST.
var vtimezoneCases = []struct {
	zone        string
	first, last int
}{
	{"Europe/Moscow", 2021, 2021},
	{"Europe/Moscow", 2010, 2015},
	{"Asia/Baku", 2021, 2021},
	{"Asia/Baku", 2014, 2016},
	{"Asia/Yerevan", 2021, 2021},
	{"Asia/Yerevan", 2010, 2012},
	{"Europe/Paris", 2021, 2021},
	{"Europe/Paris", 2020, 2023},
	{"Europe/Dublin", 2021, 2022},
	{"Europe/Minsk", 2010, 2012},
	{"America/New_York", 2006, 2008},
	{"America/Sao_Paulo", 2017, 2020},
	{"Australia/Sydney", 2021, 2022},
	{"Australia/Lord_Howe", 2021, 2021},
	{"Asia/Tehran", 2021, 2023},
	{"Africa/Casablanca", 2019, 2020},
	{"Pacific/Chatham", 2021, 2021},
	{"America/St_Johns", 2021, 2021},
	{"Asia/Kolkata", 2021, 2021},
	{"Etc/GMT-4", 2021, 2021},
	// Years past the transitions Go's data lists, reckoned from the zones' rules: in
	// leap years Go's ZoneBounds answered an end before the time asked about, and the
	// VTIMEZONE was never finished.
	{"Europe/Paris", 2039, 2041},
	{"America/New_York", 2040, 2040},
	{"Australia/Sydney", 2040, 2041},
	{"Europe/Moscow", 2040, 2040},
}

func TestVTimezoneMatchesGo(t *testing.T) {
	for _, c := range vtimezoneCases {
		t.Run(fmt.Sprintf("%s/%d-%d", c.zone, c.first, c.last), func(t *testing.T) {
			loc := zone(t, c.zone)
			ons := expandVTimezone(t, encodedVTimezone(t, loc, c.first, c.last), c.last)
			from := time.Date(c.first, time.January, 1, 0, 0, 0, 0, loc)
			to := time.Date(c.last+1, time.January, 1, 0, 0, 0, 0, loc)
			bad := 0
			for at := from; at.Before(to) && bad < 5; at = at.Add(30 * time.Minute) {
				_, want := at.Zone()
				got, ok := offsetAt(ons, at)
				if !ok || got != want {
					t.Errorf("at %s: VTIMEZONE gives %s (covered: %v), Go %s", at.UTC().Format(time.RFC3339), utcOffset(got), ok, utcOffset(want))
					bad++
				}
			}
			// Every day at 10:00 and 02:30 wall-clock time converts to Go's instant.
			for d := from; d.Before(to) && bad < 10; d = d.AddDate(0, 0, 1) {
				for _, hm := range [][2]int{{10, 0}, {2, 30}} {
					want := time.Date(d.Year(), d.Month(), d.Day(), hm[0], hm[1], 0, 0, loc)
					if want.Hour() != hm[0] || !unambiguous(want) {
						continue // a wall-clock time skipped or repeated by a change
					}
					wall := time.Date(d.Year(), d.Month(), d.Day(), hm[0], hm[1], 0, 0, time.UTC)
					if got, ok := toUTC(ons, wall); !ok || !got.Equal(want) {
						t.Errorf("%s local: VTIMEZONE gives %s, Go %s", wall.Format("2006-01-02 15:04"), got, want.UTC())
						bad++
					}
				}
			}
		})
	}
}

// An event on the days Paris changes its clocks: DTSTART;TZID=Europe/Paris read with the
// VTIMEZONE's rules names the instant Go names.
func TestVTimezoneParisChangeDays(t *testing.T) {
	paris := zone(t, "Europe/Paris")
	ons := expandVTimezone(t, encodedVTimezone(t, paris, 2021, 2021), 2021)
	for _, c := range []struct {
		wall string
		utc  string
	}{
		{"2021-03-28 01:30", "2021-03-28T00:30:00Z"}, // before the change, CET
		{"2021-03-28 03:30", "2021-03-28T01:30:00Z"}, // after it, CEST
		{"2021-03-28 10:00", "2021-03-28T08:00:00Z"},
		{"2021-10-31 01:30", "2021-10-30T23:30:00Z"}, // CEST
		{"2021-10-31 10:00", "2021-10-31T09:00:00Z"}, // CET
		{"2021-10-31 03:30", "2021-10-31T02:30:00Z"},
	} {
		wall, _ := time.Parse("2006-01-02 15:04", c.wall)
		got, ok := toUTC(ons, wall)
		goTime := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), 0, 0, paris)
		if !ok || got.Format(time.RFC3339) != c.utc || !got.Equal(goTime) {
			t.Errorf("%s Europe/Paris: VTIMEZONE gives %s, want %s (Go: %s)", c.wall, got.Format(time.RFC3339), c.utc, goTime.UTC().Format(time.RFC3339))
		}
	}
}

func TestUTCOffset(t *testing.T) {
	for sec, want := range map[int]string{0: "+0000", 10800: "+0300", -16200: "-0430", 45900: "+1245", 9017: "+023017", -3600: "-0100"} {
		if got := utcOffset(sec); got != want {
			t.Errorf("utcOffset(%d) = %s, want %s", sec, got, want)
		}
	}
}
