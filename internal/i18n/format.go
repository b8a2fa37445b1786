package i18n

import (
	"fmt"
	"time"
)

var englishMonths = [12]string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

// russianMonthsGenitive are the month names as written after a day number: "12 января".
var russianMonthsGenitive = [12]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля",
	"августа", "сентября", "октября", "ноября", "декабря"}

// Date writes the calendar day of t in t's own location: "12 January 2021",
// "12 января 2021 г.". Callers put t in the zone the reader should see (the event's).
func (l *Locale) Date(t time.Time) string {
	return fmt.Sprintf(l.dateFmt, t.Day(), l.months[t.Month()-1], t.Year())
}

// Time writes the wall-clock time of t on the 24-hour clock, as both languages do in
// official programmes: "10:00".
func (l *Locale) Time(t time.Time) string { return t.Format("15:04") }

// DateTime writes day and time: "12 January 2021, 10:00", "12 января 2021 г., 10:00".
func (l *Locale) DateTime(t time.Time) string { return l.Date(t) + ", " + l.Time(t) }

// Span writes an interval in the location of start: "12 January 2021, 10:00–11:30" when
// it ends on the same day, both ends in full otherwise.
func (l *Locale) Span(start, end time.Time) string {
	end = end.In(start.Location())
	y1, m1, d1 := start.Date()
	y2, m2, d2 := end.Date()
	if y1 == y2 && m1 == m2 && d1 == d2 {
		return l.DateTime(start) + "–" + l.Time(end)
	}
	return l.DateTime(start) + " – " + l.DateTime(end)
}

// Zone names the location of t with its offset at that instant, "Europe/Moscow (UTC+3)":
// the IANA name is what calendar apps show, the offset is what a reader can compare.
func Zone(t time.Time) string {
	_, off := t.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	h, m := off/3600, off%3600/60
	utc := fmt.Sprintf("UTC%s%d", sign, h)
	if m != 0 {
		utc = fmt.Sprintf("UTC%s%d:%02d", sign, h, m)
	}
	if off == 0 {
		utc = "UTC"
	}
	name := t.Location().String()
	if name == "UTC" {
		return "UTC"
	}
	return name + " (" + utc + ")"
}

// Anniversary writes "299th anniversary" or "299-я годовщина" for a yearly series'
// ordinal.
func (l *Locale) Anniversary(n int) string {
	if l.code == "ru" {
		return l.T("event.anniversary", fmt.Sprintf("%d-я", n))
	}
	return l.T("event.anniversary", englishOrdinal(n))
}

// englishOrdinal is 1st, 2nd, 3rd, 4th… with 11th–13th.
func englishOrdinal(n int) string {
	suffix := "th"
	switch n % 100 {
	case 11, 12, 13:
	default:
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}
