package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/attache-app/attache/internal/domain"
)

// Reading what guests' calendars send back (interop.md §4.1–4.2). Real replies break
// RFC 5545 in many ways, and go-ical rejects, or panics on, several of them, so the
// text is cleaned first (cleanICS) and decoded under recover(). Only the few fields
// the intake needs are extracted; a received object is never re-encoded.

// Methods a guest's calendar sends (RFC 5546).
const (
	MethodReply   Method = "REPLY"
	MethodCounter Method = "COUNTER"
	MethodRefresh Method = "REFRESH"
)

// MaxICSSize caps the calendar text ParseReply reads; a reply is a few kilobytes.
const MaxICSSize = 1 << 20

// maxDepth caps component nesting: go-ical decodes nesting by recursion, and a
// deliberately deep object would otherwise exhaust the stack (not recoverable).
const maxDepth = 8

// ErrMalformed wraps every reason a calendar object could not be read.
var ErrMalformed = errors.New("malformed calendar object")

// Reply is what a received iTIP object says, as far as the intake needs it.
type Reply struct {
	// Method is the object's METHOD, upper-case; "" when it has none.
	Method Method
	UID    string
	// Sequence is SEQUENCE, else X-MICROSOFT-CDO-APPT-SEQUENCE, else 0.
	Sequence int
	// Stamp is DTSTAMP in UTC; nil when missing or unreadable.
	Stamp *time.Time
	// Organizer is the ORGANIZER's address, normalised; "" when absent (Exchange).
	Organizer string
	// Attendees are every ATTENDEE of the first VEVENT (or VTODO) of the object.
	Attendees []ReplyAttendee
	// Start and End are DTSTART and DTEND (or DTSTART+DURATION) in UTC, for a COUNTER;
	// nil when missing or in a zone that could not be resolved (TimeProblem says why).
	Start, End  *time.Time
	TimeProblem string
	// Comment is the object's COMMENT (Exchange, COUNTER).
	Comment string
	// RecurrenceID is RECURRENCE-ID as written, "" for the whole event.
	RecurrenceID string
}

// ReplyAttendee is one ATTENDEE of a reply.
type ReplyAttendee struct {
	// Email is the address, normalised by CalAddress; Raw is the value as written.
	Email, Raw string
	Name       string
	// PartStat is upper-case; "" when absent.
	PartStat string
	// DelegatedTo and SentBy are normalised addresses; "" when absent.
	DelegatedTo string
	SentBy      string
	// Comment is Google's X-RESPONSE-COMMENT parameter.
	Comment string
}

// Attendee returns the attendee with the normalised address, or nil.
func (r *Reply) Attendee(email string) *ReplyAttendee {
	for i := range r.Attendees {
		if r.Attendees[i].Email == email {
			return &r.Attendees[i]
		}
	}
	return nil
}

// CalAddress normalises a calendar user address for matching: "mailto:" stripped in any
// case (or no scheme at all, as ActiveSync writes it), whitespace removed, lower-case.
func CalAddress(v string) string {
	v = strings.Join(strings.Fields(v), "")
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		v = v[7:]
	}
	v = strings.Trim(v, "<>\"'")
	return strings.ToLower(v)
}

// ParseReply reads a calendar object as guests' clients send it: with a BOM, folded with
// tabs, a bare VEVENT, trailing junk, Windows zone names. It never panics; anything it
// can not read is an error wrapping ErrMalformed.
func ParseReply(data []byte) (r *Reply, err error) {
	if len(data) > MaxICSSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrMalformed, MaxICSSize)
	}
	text, err := cleanICS(data)
	if err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("%w: decoder failed: %v", ErrMalformed, p)
		}
	}()
	cal, err := ical.NewDecoder(bytes.NewReader(text)).Decode()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return extractReply(cal)
}

// cleanICS prepares text for go-ical (interop.md §4.1 step 3–4): no BOM, lines unfolded
// (CRLF or LF followed by SPACE or TAB, also inside parameter values), no blank lines,
// from the first BEGIN:VCALENDAR to the first END:VCALENDAR, and a bare VEVENT wrapped.
func cleanICS(data []byte) ([]byte, error) {
	s := string(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\n ", "")
	s = strings.ReplaceAll(s, "\n\t", "")
	var lines []string
	depth, started, bare := 0, false, false
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimRight(line, " \t")
		if line == "" {
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		name, value = strings.ToUpper(strings.TrimSpace(name)), strings.ToUpper(strings.TrimSpace(value))
		if !started {
			if name != "BEGIN" || (value != "VCALENDAR" && value != "VEVENT") {
				continue // junk before the object: a signature, a MIME remnant
			}
			started, bare = true, value == "VEVENT"
			if bare {
				lines = append(lines, "BEGIN:VCALENDAR", "VERSION:2.0")
			}
		}
		lines = append(lines, line)
		switch name {
		case "BEGIN":
			if depth++; depth > maxDepth {
				return nil, fmt.Errorf("%w: components nested deeper than %d", ErrMalformed, maxDepth)
			}
		case "END":
			depth--
		}
		if depth <= 0 {
			break
		}
	}
	if !started {
		return nil, fmt.Errorf("%w: no BEGIN:VCALENDAR", ErrMalformed)
	}
	if depth > 0 && !bare {
		return nil, fmt.Errorf("%w: no END:VCALENDAR", ErrMalformed)
	}
	if bare {
		if depth > 0 {
			return nil, fmt.Errorf("%w: no END:VEVENT", ErrMalformed)
		}
		lines = append(lines, "END:VCALENDAR")
	}
	return []byte(strings.Join(lines, "\r\n") + "\r\n"), nil
}

// extractReply reads the fields of Reply from the decoded object.
func extractReply(cal *ical.Calendar) (*Reply, error) {
	r := &Reply{Method: Method(strings.ToUpper(strings.TrimSpace(icsValue(cal.Props, "METHOD"))))}
	var ev *ical.Component
	for _, c := range cal.Children {
		if c.Name != ical.CompEvent && c.Name != ical.CompToDo {
			continue
		}
		// The whole event if present, else the first instance.
		if ev == nil || (icsValue(ev.Props, "RECURRENCE-ID") != "" && icsValue(c.Props, "RECURRENCE-ID") == "") {
			ev = c
		}
	}
	if ev == nil {
		return nil, fmt.Errorf("%w: no VEVENT", ErrMalformed)
	}
	r.UID = strings.TrimSpace(icsValue(ev.Props, "UID"))
	if r.UID == "" {
		return nil, fmt.Errorf("%w: VEVENT without UID", ErrMalformed)
	}
	r.RecurrenceID = strings.TrimSpace(icsValue(ev.Props, "RECURRENCE-ID"))
	seq := icsValue(ev.Props, "SEQUENCE")
	if strings.TrimSpace(seq) == "" {
		seq = icsValue(ev.Props, "X-MICROSOFT-CDO-APPT-SEQUENCE")
	}
	if n, err := strconv.Atoi(strings.TrimSpace(seq)); err == nil && n >= 0 {
		r.Sequence = n
	}
	if p := ev.Props.Get("DTSTAMP"); p != nil {
		if t, err := parseTime(p.Value, "", cal); err == nil {
			r.Stamp = &t
		}
	}
	if p := ev.Props.Get("ORGANIZER"); p != nil {
		r.Organizer = CalAddress(p.Value)
	}
	for _, p := range ev.Props.Values("ATTENDEE") {
		r.Attendees = append(r.Attendees, ReplyAttendee{Email: CalAddress(p.Value), Raw: p.Value,
			Name: p.Params.Get("CN"), PartStat: strings.ToUpper(strings.TrimSpace(p.Params.Get("PARTSTAT"))),
			DelegatedTo: CalAddress(p.Params.Get("DELEGATED-TO")), SentBy: CalAddress(p.Params.Get("SENT-BY")),
			Comment: unescapeText(p.Params.Get("X-RESPONSE-COMMENT"))})
	}
	r.Comment = unescapeText(icsValue(ev.Props, "COMMENT"))
	r.readTimes(ev, cal)
	return r, nil
}

// readTimes fills Start and End, or TimeProblem.
func (r *Reply) readTimes(ev *ical.Component, cal *ical.Calendar) {
	start := ev.Props.Get("DTSTART")
	if start == nil {
		return
	}
	t, err := parseTime(start.Value, start.Params.Get("TZID"), cal)
	if err != nil {
		r.TimeProblem = "DTSTART: " + err.Error()
		return
	}
	r.Start = &t
	if end := ev.Props.Get("DTEND"); end != nil {
		e, err := parseTime(end.Value, end.Params.Get("TZID"), cal)
		if err != nil {
			r.TimeProblem = "DTEND: " + err.Error()
			return
		}
		r.End = &e
	} else if d := ev.Props.Get("DURATION"); d != nil {
		if dur, err := d.Duration(); err == nil {
			e := t.Add(dur)
			r.End = &e
		}
	}
}

// parseTime reads a DATE-TIME or DATE value in the zone tzid (resolved by ResolveTZID,
// with the object's own VTIMEZONEs as the last resort) and returns it in UTC.
func parseTime(value, tzid string, cal *ical.Calendar) (time.Time, error) {
	value = strings.TrimSpace(value)
	if strings.HasSuffix(value, "Z") {
		t, err := time.Parse("20060102T150405Z", value)
		if err != nil {
			return time.Time{}, fmt.Errorf("unreadable time %q", value)
		}
		return t.UTC(), nil
	}
	loc := time.UTC
	if tzid != "" {
		var err error
		if loc, err = resolveTZIDIn(tzid, cal); err != nil {
			return time.Time{}, err
		}
	}
	layout := "20060102T150405"
	if len(value) == 8 {
		layout = "20060102"
	}
	t, err := time.ParseInLocation(layout, value, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("unreadable time %q", value)
	}
	return t.UTC(), nil
}

// ResolveTZID turns a TZID as clients write it into a location (interop.md §5.1): an
// IANA name, a Windows name (CLDR windowsZones), or an IANA name behind a libical or
// Citadel prefix.
func ResolveTZID(tzid string) (*time.Location, error) {
	tzid = strings.Trim(strings.TrimSpace(tzid), "\"")
	if tzid == "" {
		return nil, errors.New("empty TZID")
	}
	if strings.EqualFold(tzid, "UTC") || strings.EqualFold(tzid, "GMT") || strings.EqualFold(tzid, "Z") {
		return time.UTC, nil
	}
	if iana, ok := WindowsZone(tzid); ok {
		if loc, err := domain.LoadZone(iana); err == nil {
			return loc, nil
		}
	}
	name := tzid
	for _, prefix := range []string{"/freeassociation.sourceforge.net/Tzfile/", "/freeassociation.sourceforge.net/",
		"/softwarestudio.org/Tzfile/", "/softwarestudio.org/Olson_20011030_5/"} {
		name = strings.TrimPrefix(name, prefix)
	}
	if strings.HasPrefix(name, "/citadel.org/") {
		// /citadel.org/20190914_1/Europe/Moscow
		if parts := strings.SplitN(strings.TrimPrefix(name, "/citadel.org/"), "/", 2); len(parts) == 2 {
			name = parts[1]
		}
	}
	if strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return nil, fmt.Errorf("unknown time zone %q", tzid)
	}
	if loc, err := domain.LoadZone(name); err == nil {
		return loc, nil
	}
	return nil, fmt.Errorf("unknown time zone %q", tzid)
}

// resolveTZIDIn resolves tzid, falling back on a VTIMEZONE of the object that names an
// IANA zone in X-LIC-LOCATION, or has a fixed offset (no DAYLIGHT part).
func resolveTZIDIn(tzid string, cal *ical.Calendar) (*time.Location, error) {
	loc, err := ResolveTZID(tzid)
	if err == nil || cal == nil {
		return loc, err
	}
	for _, c := range cal.Children {
		if c.Name != ical.CompTimezone || icsValue(c.Props, "TZID") != tzid {
			continue
		}
		if l, e := ResolveTZID(icsValue(c.Props, "X-LIC-LOCATION")); e == nil {
			return l, nil
		}
		var std *ical.Component
		for _, part := range c.Children {
			if part.Name == ical.CompTimezoneDaylight {
				return nil, err // a real DST rule: not worth guessing
			}
			if part.Name == ical.CompTimezoneStandard {
				std = part
			}
		}
		if std != nil {
			if off, ok := parseOffset(icsValue(std.Props, "TZOFFSETTO")); ok {
				return time.FixedZone(tzid, off), nil
			}
		}
	}
	return nil, err
}

// parseOffset reads a UTC-OFFSET (+0300, -0530, or Thunderbird's +010000).
func parseOffset(v string) (int, bool) {
	v = strings.TrimSpace(v)
	if len(v) != 5 && len(v) != 7 || (v[0] != '+' && v[0] != '-') {
		return 0, false
	}
	n := 0
	parts := []int{}
	for i := 1; i+2 <= len(v); i += 2 {
		x, err := strconv.Atoi(v[i : i+2])
		if err != nil {
			return 0, false
		}
		parts = append(parts, x)
	}
	n = parts[0]*3600 + parts[1]*60
	if len(parts) == 3 {
		n += parts[2]
	}
	if v[0] == '-' {
		n = -n
	}
	return n, true
}

func icsValue(props ical.Props, name string) string {
	if p := props.Get(name); p != nil {
		return p.Value
	}
	return ""
}

// unescapeText undoes TEXT escaping leniently (go-ical's Text() fails on "\:"), and
// RFC 6868 carets in parameter values.
func unescapeText(s string) string {
	if !strings.ContainsAny(s, `\^`) {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c == '\\' || c == '^') && i+1 < len(s) {
			n := s[i+1]
			switch {
			case c == '\\' && (n == 'n' || n == 'N'), c == '^' && n == 'n':
				b.WriteByte('\n')
				i++
				continue
			case c == '\\':
				b.WriteByte(n)
				i++
				continue
			case n == '^':
				b.WriteByte('^')
				i++
				continue
			case n == '\'':
				b.WriteByte('"')
				i++
				continue
			}
		}
		b.WriteByte(c)
	}
	return strings.TrimSpace(b.String())
}
