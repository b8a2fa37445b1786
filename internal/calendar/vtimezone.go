package calendar

import (
	"fmt"
	"time"
	_ "time/tzdata" // zones from Go's own copy of the tz database where the host has none

	"github.com/emersion/go-ical"
)

// Outlook needs a VTIMEZONE for every TZID (interop.md §1.3) and go-ical writes none
// (emersion/go-ical#20). vtimezone builds one from Go's tz database, exact for the years
// an object uses: each change of offset in those years (and the one that started the
// period in effect on their first day) becomes the onset of a STANDARD or DAYLIGHT
// observance. Changes that repeat on the same rule in consecutive years ("last Sunday of
// March at 02:00") share one observance with a yearly RRULE, the form Outlook imports.

// transition is the onset of an observance: a change of offset, abbreviation or DST flag.
type transition struct {
	at       time.Time
	from, to int // UTC offsets in seconds before and after
	name     string
	dst      bool // the tz database calls the period after daylight saving time
	wasDST   bool // and the period before
}

// daylight tells whether t starts a DAYLIGHT observance. The tz database gives a few zones
// "negative" DST (Europe/Dublin: summer is standard time, winter is DST with a lower
// offset); clients and Outlook expect DAYLIGHT to be the period with the larger offset,
// so those are swapped.
func (t transition) daylight() bool {
	switch {
	case t.dst && t.to < t.from:
		return false
	case !t.dst && t.wasDST && t.to > t.from:
		return true
	}
	return t.dst
}

// local is the wall-clock time of the onset in the offset before it: the DTSTART of its
// observance (RFC 5545 §3.6.5).
func (t transition) local() time.Time {
	return t.at.UTC().Add(time.Duration(t.from) * time.Second)
}

func (t transition) year() int { return t.local().Year() }

// yearly is the rule "the week-th weekday of month at clock" (week -1: the last one).
type yearly struct {
	month   time.Month
	week    int
	weekday time.Weekday
	clock   time.Duration
}

var weekdayCodes = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

func (y yearly) rrule() string {
	return fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", y.month, y.week, weekdayCodes[y.weekday])
}

// yearlyOf is the rule t's date fits, preferring "last" where it applies, since most
// zones that change on a late day of the month do so on its last Sunday.
func yearlyOf(t transition) yearly {
	l := t.local()
	week := (l.Day()-1)/7 + 1
	if l.Day()+7 > daysIn(l.Year(), l.Month()) {
		week = -1
	}
	clock := l.Sub(time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC))
	return yearly{month: l.Month(), week: week, weekday: l.Weekday(), clock: clock}
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// zoneTransitions returns the onset of the period in effect at from, then every onset
// before to. A zone whose first period has no recorded start (UTC, Etc/GMT-4) gets a
// made-up onset on 1 January 1970, or of from's year if that is earlier.
func zoneTransitions(loc *time.Location, from, to time.Time) []transition {
	var out []transition
	if start, _ := from.ZoneBounds(); !start.IsZero() {
		out = append(out, transitionAt(loc, start))
	} else {
		name, off := from.Zone()
		at := time.Date(min(1970, from.Year()), time.January, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(off) * time.Second)
		out = append(out, transition{at: at, from: off, to: off, name: name, dst: from.IsDST(), wasDST: from.IsDST()})
	}
	for t := from; ; {
		_, end := t.ZoneBounds()
		if !end.IsZero() && !end.After(t) {
			// Past the transitions its data lists, Go reckons a zone's periods from the
			// zone's rule, and in some leap years (Europe/Paris and America/New_York in
			// 2040) answers an end before t, the same one again and again.
			end = nextChange(loc, t, to)
		}
		if end.IsZero() || !end.Before(to) {
			return out
		}
		// Such a reckoned period may also end where nothing changes (at a year's end).
		if periodAt(loc, end.Add(-time.Second)) != periodAt(loc, end) {
			out = append(out, transitionAt(loc, end))
		}
		t = end.In(loc)
	}
}

// nextChange is the first instant after t and before to at which loc's offset, name or
// daylight saving changes, zero if there is none: found a day at a time, then to the
// second by halving, without ZoneBounds. Offsets and transitions are whole seconds.
func nextChange(loc *time.Location, t, to time.Time) time.Time {
	was := periodAt(loc, t)
	for lo := t; lo.Before(to); {
		hi := lo.Add(24 * time.Hour)
		if periodAt(loc, hi) == was {
			lo = hi
			continue
		}
		for hi.Sub(lo) > time.Second {
			mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
			if !mid.After(lo) {
				break
			}
			if periodAt(loc, mid) == was {
				lo = mid
			} else {
				hi = mid
			}
		}
		return hi
	}
	return time.Time{}
}

// period is what a zone's clock is at an instant: its name, UTC offset and whether the
// tz database calls it daylight saving time.
type period struct {
	name   string
	offset int
	dst    bool
}

func periodAt(loc *time.Location, t time.Time) period {
	t = t.In(loc)
	name, offset := t.Zone()
	return period{name, offset, t.IsDST()}
}

// transitionAt is the change of loc's period at the instant at.
func transitionAt(loc *time.Location, at time.Time) transition {
	before, after := periodAt(loc, at.Add(-time.Second)), periodAt(loc, at)
	return transition{at: at, from: before.offset, to: after.offset, name: after.name, dst: after.dst, wasDST: before.dst}
}

// vtimezone is the VTIMEZONE of loc, exact from 1 January of firstYear to the end of
// lastYear (local time). Outside those years clients extrapolate its last rules.
func vtimezone(loc *time.Location, firstYear, lastYear int) *ical.Component {
	from := time.Date(firstYear, time.January, 1, 0, 0, 0, 0, loc)
	to := time.Date(lastYear+1, time.January, 1, 0, 0, 0, 0, loc)
	ts := zoneTransitions(loc, from, to)

	// Group the onsets into runs: same rule, offsets and name in consecutive years.
	type key struct {
		rule     yearly
		from, to int
		name     string
		daylight bool
	}
	var runs [][]transition
	open := map[key]int{} // key → index in runs of its latest run
	inLastYear := 0
	for _, t := range ts {
		if t.year() == lastYear {
			inLastYear++
		}
		k := key{yearlyOf(t), t.from, t.to, t.name, t.daylight()}
		if i, ok := open[k]; ok {
			if prev := runs[i][len(runs[i])-1]; prev.year() == t.year()-1 {
				runs[i] = append(runs[i], t)
				continue
			}
		}
		open[k] = len(runs)
		runs = append(runs, []transition{t})
	}
	// A zone that changes twice or more in the last year is taken to go on doing so:
	// its rules for that year recur without end, as in every published VTIMEZONE.
	cycling := inLastYear >= 2

	tz := ical.NewComponent(ical.CompTimezone)
	tz.Props.SetText(ical.PropTimezoneID, loc.String())
	for _, run := range runs {
		first, last := run[0], run[len(run)-1]
		rrule := ""
		switch {
		case last.year() == lastYear && (len(run) > 1 || cycling):
			rrule = yearlyOf(first).rrule()
		case last.year() < lastYear && len(run) > 1:
			// UNTIL in UTC, as RFC 5545 §3.3.10 requires inside VTIMEZONE.
			rrule = yearlyOf(first).rrule() + ";UNTIL=" + last.at.UTC().Format("20060102T150405Z")
		}
		tz.Children = append(tz.Children, observance(first, rrule))
	}
	return tz
}

// observance is the STANDARD or DAYLIGHT sub-component starting at t. Its DTSTART is a
// local time without TZID, which go-ical's SetDateTime can not write (interop.md §5.1).
func observance(t transition, rrule string) *ical.Component {
	name := ical.CompTimezoneStandard
	if t.daylight() {
		name = ical.CompTimezoneDaylight
	}
	c := ical.NewComponent(name)
	c.Props.Set(&ical.Prop{Name: ical.PropDateTimeStart, Params: ical.Params{}, Value: t.local().Format("20060102T150405")})
	c.Props.Set(&ical.Prop{Name: ical.PropTimezoneOffsetFrom, Params: ical.Params{}, Value: utcOffset(t.from)})
	c.Props.Set(&ical.Prop{Name: ical.PropTimezoneOffsetTo, Params: ical.Params{}, Value: utcOffset(t.to)})
	if t.name != "" {
		c.Props.SetText(ical.PropTimezoneName, t.name)
	}
	if rrule != "" {
		c.Props.Set(&ical.Prop{Name: ical.PropRecurrenceRule, Params: ical.Params{}, Value: rrule})
	}
	return c
}

// utcOffset formats seconds east of UTC as RFC 5545's UTC-OFFSET: +0300, -0430, and
// seconds only where there are some (local mean times before 1900).
func utcOffset(sec int) string {
	sign := byte('+')
	if sec < 0 {
		sign, sec = '-', -sec
	}
	s := fmt.Sprintf("%c%02d%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}
