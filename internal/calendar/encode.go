package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"github.com/attache-app/attache/internal/domain"
)

// productID is the PRODID of every object Attaché writes.
const productID = "-//Attaché//Attaché 1.0//EN"

// ContentType is the MIME type of the object: with the method for iMIP messages (RFC 6047
// §2.4: Outlook and Gmail need it equal to METHOD), without one for feeds.
func (c *Calendar) ContentType() string {
	switch c.Method {
	case MethodRequest, MethodCancel:
		return "text/calendar; method=" + string(c.Method) + "; charset=UTF-8"
	}
	return "text/calendar; charset=utf-8"
}

// Encode returns c as an iCalendar object (RFC 5545) following interop.md §1–3: CRLF line
// ends, lines folded at 75 octets without splitting a UTF-8 sequence, METHOD on the
// VCALENDAR, one VTIMEZONE for every TZID written, covering the years of its events, and
// DTSTAMP = now (UTC) for each event without a Stamp. A CANCEL marks every event
// CANCELLED. User text can not add properties: line breaks become \n inside a value, and
// parameter values lose control characters and double quotes.
func Encode(c *Calendar, now time.Time) ([]byte, error) {
	if c == nil {
		return nil, errors.New("calendar: nil calendar")
	}
	if err := checkCalendar(c); err != nil {
		return nil, err
	}
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropProductID, productID)
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	cal.Props.SetText(ical.PropMethod, string(c.Method))
	if c.Method == MethodPublish {
		if name := cleanText(c.Name); name != "" {
			cal.Props.SetText(ical.PropName, name)
			cal.Props.Set(xText("X-WR-CALNAME", name))
		}
		if d := duration(c.RefreshInterval); d != "" {
			// RFC 7986 §5.7 requires VALUE=DURATION although it is the default type.
			cal.Props.Set(&ical.Prop{Name: ical.PropRefreshInterval, Params: ical.Params{ical.ParamValue: {"DURATION"}}, Value: d})
			cal.Props.Set(&ical.Prop{Name: "X-PUBLISHED-TTL", Params: ical.Params{}, Value: d})
		}
	}

	zones := zoneUse{}
	events := make([]*ical.Component, 0, len(c.Events))
	for i := range c.Events {
		e := &c.Events[i]
		ev, err := encodeEvent(e, c.Method, now, zones)
		if err != nil {
			return nil, fmt.Errorf("calendar: event %d (UID %q): %w", i, e.UID, err)
		}
		events = append(events, ev)
	}
	zoneBlocks, err := zones.vtimezones()
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	cal.Children = events

	// go-ical checks the tree (one UID and DTSTAMP per event, and so on) but refuses an
	// empty calendar, which a feed may be. It checks each component on its own; the
	// VTIMEZONEs were checked when they were first written (zoneBlock).
	if len(cal.Children) > 0 {
		if err := ical.NewEncoder(io.Discard).Encode(cal); err != nil {
			return nil, fmt.Errorf("calendar: %w", err)
		}
	}
	var b bytes.Buffer
	if err := writeComponent(&b, cal.Component, zoneBlocks...); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	return b.Bytes(), nil
}

// checkCalendar enforces RFC 5546 for messages: a REQUEST or CANCEL is about one UID
// (several unrelated VEVENTs make macOS fail the import: interop.md §1.2) and has an
// ORGANIZER; a REQUEST has attendees.
func checkCalendar(c *Calendar) error {
	switch c.Method {
	case MethodPublish:
		return nil
	case MethodRequest, MethodCancel:
	default:
		return fmt.Errorf("calendar: unknown method %q", c.Method)
	}
	if len(c.Events) == 0 {
		return fmt.Errorf("calendar: a %s has no event", c.Method)
	}
	for _, e := range c.Events {
		if e.UID != c.Events[0].UID {
			return fmt.Errorf("calendar: a %s may hold one UID only, got %q and %q", c.Method, c.Events[0].UID, e.UID)
		}
		if e.Organizer == nil {
			return fmt.Errorf("calendar: a %s needs an ORGANIZER (UID %q)", c.Method, e.UID)
		}
		if c.Method == MethodRequest && len(e.Attendees) == 0 {
			return fmt.Errorf("calendar: a REQUEST needs an ATTENDEE (UID %q)", e.UID)
		}
	}
	return nil
}

func encodeEvent(e *Event, method Method, now time.Time, zones zoneUse) (*ical.Component, error) {
	if e.UID == "" || hasControl(e.UID, false) {
		return nil, errors.New("UID is empty or holds a control character")
	}
	ev := ical.NewComponent(ical.CompEvent)
	p := ev.Props
	p.SetText(ical.PropUID, e.UID)

	stamp := e.Stamp
	if stamp.IsZero() {
		stamp = now
	}
	if stamp.IsZero() {
		return nil, errors.New("no DTSTAMP: both Stamp and now are zero")
	}
	p.SetDateTime(ical.PropDateTimeStamp, stamp.UTC())
	if e.Sequence < 0 {
		return nil, fmt.Errorf("negative SEQUENCE %d", e.Sequence)
	}
	p.Set(&ical.Prop{Name: ical.PropSequence, Params: ical.Params{}, Value: strconv.Itoa(e.Sequence)})
	if !e.Created.IsZero() {
		p.SetDateTime(ical.PropCreated, e.Created.UTC())
	}
	if !e.LastModified.IsZero() {
		p.SetDateTime(ical.PropLastModified, e.LastModified.UTC())
	}

	if e.Start.IsZero() {
		return nil, errors.New("no start time")
	}
	if !e.End.IsZero() && e.End.Before(e.Start) {
		return nil, fmt.Errorf("end %s is before start %s", e.End, e.Start)
	}
	loc, err := location(e.TZID)
	if err != nil {
		return nil, err
	}
	setTime(p, ical.PropDateTimeStart, e.Start, loc, zones)
	if !e.End.IsZero() {
		setTime(p, ical.PropDateTimeEnd, e.End, loc, zones)
	}

	for name, text := range map[string]string{
		ical.PropSummary:     e.Summary,
		ical.PropDescription: e.Description,
		ical.PropLocation:    e.Location,
	} {
		if text = cleanText(text); text != "" {
			p.SetText(name, text)
		}
	}
	if e.URL != "" {
		u, err := url.Parse(e.URL)
		if err != nil || !u.IsAbs() {
			return nil, fmt.Errorf("URL %q is not an absolute URL", e.URL)
		}
		p.SetURI(ical.PropURL, u)
	}
	var categories []string
	for _, cat := range e.Categories {
		if cat = cleanLabel(cat); cat != "" {
			categories = append(categories, cat)
		}
	}
	if len(categories) > 0 {
		// One property with a list: SetTextList escapes commas inside a category only.
		prop := ical.NewProp(ical.PropCategories)
		prop.SetTextList(categories)
		p.Set(prop)
	}

	status, err := eventStatus(e.Status, method)
	if err != nil {
		return nil, err
	}
	p.SetText(ical.PropStatus, status)
	p.SetText(ical.PropTransparency, "OPAQUE")

	if e.Organizer != nil {
		prop, err := organizer(e.Organizer)
		if err != nil {
			return nil, err
		}
		p.Set(prop)
	}
	for i := range e.Attendees {
		prop, err := attendee(&e.Attendees[i])
		if err != nil {
			return nil, fmt.Errorf("attendee %d: %w", i, err)
		}
		p.Add(prop)
	}
	if e.RelatedTo != "" {
		if hasControl(e.RelatedTo, false) {
			return nil, errors.New("RELATED-TO holds a control character")
		}
		prop := ical.NewProp(ical.PropRelatedTo)
		prop.SetText(e.RelatedTo)
		prop.Params.Set(ical.ParamRelationshipType, "PARENT")
		p.Set(prop)
	}
	return ev, nil
}

func eventStatus(status string, method Method) (string, error) {
	if method == MethodCancel {
		return "CANCELLED", nil
	}
	switch s := strings.ToUpper(status); s {
	case "":
		return "CONFIRMED", nil
	case "CONFIRMED", "TENTATIVE", "CANCELLED":
		return s, nil
	}
	return "", fmt.Errorf("unknown STATUS %q", status)
}

// location loads an IANA zone. "UTC" yields nil: such times are written with Z. "Local"
// is refused: it names the server's zone, which no client knows (interop.md §1.3).
func location(tzid string) (*time.Location, error) {
	if tzid == "" {
		return nil, nil
	}
	if tzid == "Local" {
		return nil, errors.New(`TZID "Local" is not an IANA zone`)
	}
	loc, err := domain.LoadZone(tzid)
	if err != nil {
		return nil, fmt.Errorf("TZID %q: %w", tzid, err)
	}
	if loc == time.UTC {
		return nil, nil
	}
	return loc, nil
}

// setTime writes t with TZID=loc, or in UTC when loc is nil or when the wall-clock time
// does not name t alone (the repeated hour when clocks go back): UTC is exact there.
func setTime(p ical.Props, name string, t time.Time, loc *time.Location, zones zoneUse) {
	if loc != nil {
		if l := t.In(loc); unambiguous(l) {
			p.SetDateTime(name, l)
			zones.add(loc, l.Year())
			return
		}
	}
	p.SetDateTime(name, t.UTC())
}

// unambiguous reports whether l's wall-clock time names no other instant in its zone:
// read with the offset of the period before or after l's, it must land outside that period.
func unambiguous(l time.Time) bool {
	_, off := l.Zone()
	start, end := l.ZoneBounds()
	var near []time.Time
	if !start.IsZero() {
		near = append(near, start.Add(-time.Second))
	}
	if !end.IsZero() {
		near = append(near, end)
	}
	for _, n := range near {
		_, o := n.Zone()
		if o == off {
			continue
		}
		other := l.Add(time.Duration(off-o) * time.Second)
		if other.Format("20060102T150405") == l.Format("20060102T150405") {
			return false
		}
	}
	return true
}

// zoneUse records, for each zone written, the range of local years its times fall in.
type zoneUse map[string]*zoneYears

type zoneYears struct {
	loc         *time.Location
	first, last int
}

func (z zoneUse) add(loc *time.Location, year int) {
	y, ok := z[loc.String()]
	if !ok {
		z[loc.String()] = &zoneYears{loc: loc, first: year, last: year}
		return
	}
	y.first, y.last = min(y.first, year), max(y.last, year)
}

// vtimezones returns the written VTIMEZONE of each zone, ordered by TZID so that output
// is stable.
func (z zoneUse) vtimezones() ([][]byte, error) {
	ids := make([]string, 0, len(z))
	for id := range z {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([][]byte, 0, len(ids))
	for _, id := range ids {
		y := z[id]
		text, err := zoneBlock(y.loc, y.first, y.last)
		if err != nil {
			return nil, err
		}
		out = append(out, text)
	}
	return out, nil
}

// zoneBlocks holds VTIMEZONEs as written, by zone and years: the same ones go into every
// invitation to an event, and building, checking and writing one cost about a fifth of
// encoding a one-event invitation. The bytes are never changed once stored. A
// process-wide cache, like domain.LoadZone's: a zone's rules do not change while it
// runs. It is emptied when it reaches maxZoneBlocks entries.
var zoneBlocks = struct {
	sync.Mutex
	m map[zoneBlockKey][]byte
}{m: map[zoneBlockKey][]byte{}}

type zoneBlockKey struct {
	zone        string
	first, last int
}

const maxZoneBlocks = 256

// zoneBlock is the VTIMEZONE of loc for the years first to last as content lines,
// checked by go-ical as Encode checks the rest of a calendar.
func zoneBlock(loc *time.Location, first, last int) ([]byte, error) {
	key := zoneBlockKey{loc.String(), first, last}
	zoneBlocks.Lock()
	text, ok := zoneBlocks.m[key]
	zoneBlocks.Unlock()
	if ok {
		return text, nil
	}
	comp := vtimezone(loc, first, last)
	check := ical.NewCalendar()
	check.Props.SetText(ical.PropProductID, productID)
	check.Props.SetText(ical.PropVersion, "2.0")
	check.Children = []*ical.Component{comp}
	if err := ical.NewEncoder(io.Discard).Encode(check); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := writeComponent(&b, comp); err != nil {
		return nil, err
	}
	zoneBlocks.Lock()
	defer zoneBlocks.Unlock()
	if len(zoneBlocks.m) >= maxZoneBlocks {
		clear(zoneBlocks.m)
	}
	zoneBlocks.m[key] = b.Bytes()
	return b.Bytes(), nil
}

func organizer(o *Organizer) (*ical.Prop, error) {
	addr, err := calAddress(o.Email)
	if err != nil {
		return nil, fmt.Errorf("ORGANIZER: %w", err)
	}
	prop := ical.NewProp(ical.PropOrganizer)
	prop.Value = addr
	if name := cleanParam(o.Name); name != "" {
		prop.Params.Set(ical.ParamCommonName, name)
	}
	if o.SentBy != "" && !strings.EqualFold(o.SentBy, o.Email) {
		sentBy, err := calAddress(o.SentBy)
		if err != nil {
			return nil, fmt.Errorf("ORGANIZER SENT-BY: %w", err)
		}
		prop.Params.Set(ical.ParamSentBy, sentBy)
	}
	return prop, nil
}

func attendee(a *Attendee) (*ical.Prop, error) {
	addr, err := calAddress(a.Email)
	if err != nil {
		return nil, err
	}
	prop := ical.NewProp(ical.PropAttendee)
	prop.Value = addr
	if name := cleanParam(a.Name); name != "" {
		prop.Params.Set(ical.ParamCommonName, name)
	}
	prop.Params.Set(ical.ParamCalendarUserType, "INDIVIDUAL")
	role, err := token(a.Role, "REQ-PARTICIPANT")
	if err != nil {
		return nil, fmt.Errorf("ROLE: %w", err)
	}
	prop.Params.Set(ical.ParamRole, role)
	partstat, err := token(a.PartStat, "NEEDS-ACTION")
	if err != nil {
		return nil, fmt.Errorf("PARTSTAT: %w", err)
	}
	prop.Params.Set(ical.ParamParticipationStatus, partstat)
	if a.RSVP {
		prop.Params.Set(ical.ParamRSVP, "TRUE")
	}
	return prop, nil
}

// token upper-cases an enumerated parameter value (ROLE, PARTSTAT), def when empty.
func token(v, def string) (string, error) {
	if v == "" {
		return def, nil
	}
	v = strings.ToUpper(v)
	for _, r := range v {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return "", fmt.Errorf("%q is not a parameter token", v)
		}
	}
	return v, nil
}

// calAddress is the mailto: URI of an address, kept exactly as given: clients compare it
// with the recipient's mailbox (interop.md §1.2).
func calAddress(email string) (string, error) {
	if !strings.Contains(email, "@") {
		return "", fmt.Errorf("%q is not an email address", email)
	}
	for _, r := range email {
		if r <= ' ' || r == 0x7f || r == '"' || r == utf8.RuneError {
			return "", fmt.Errorf("%q is not an email address", email)
		}
	}
	return "mailto:" + email, nil
}

// cleanText prepares user text for a TEXT value, which go-ical's SetText escapes: every
// line break becomes LF (written as \n, so no text can start a property of its own:
// security.md row 8), other control characters go, invalid UTF-8 becomes U+FFFD.
func cleanText(s string) string {
	if plainText(s, true) {
		return s // most titles and places: nothing to change, no copy
	}
	return cleanTextCopy(s)
}

// cleanTextCopy is cleanText of any text.
func cleanTextCopy(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r >= 0x7f && r < 0xa0:
			return -1
		}
		return r
	}, s)
}

// cleanLabel is cleanText on one line, for the items of a list such as CATEGORIES.
func cleanLabel(s string) string {
	return strings.Join(strings.Fields(cleanText(s)), " ")
}

// cleanParam prepares a name for a parameter value (CN): control characters become
// spaces and double quotes go, since a parameter value can hold neither and go-ical fails
// the whole object on a quote (interop.md §1.2).
func cleanParam(s string) string {
	if plainText(s, false) && singleSpaced(s) && !strings.Contains(s, `"`) {
		return s // most names: nothing to change, no copy
	}
	return cleanParamCopy(s)
}

// cleanParamCopy is cleanParam of any text.
func cleanParamCopy(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return -1
		case r < 0x20 || r >= 0x7f && r < 0xa0:
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// plainText reports whether s is valid UTF-8 without a control character (C0, DEL or
// C1; line feeds and tabs allowed when lines is set), found without a copy.
func plainText(s string, lines bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x20:
			if !lines || c != '\n' && c != '\t' {
				return false
			}
		case c == 0x7f:
			return false
		case c == 0xc2 && i+1 < len(s) && s[i+1] < 0xa0: // U+0080–U+009F
			return false
		}
	}
	return utf8.ValidString(s)
}

// singleSpaced reports whether s is its words joined by single ASCII spaces, as
// strings.Fields and Join would leave it.
func singleSpaced(s string) bool {
	prev := ' ' // a leading space counts as a second one
	for _, r := range s {
		if unicode.IsSpace(r) && (r != ' ' || prev == ' ') {
			return false
		}
		prev = r
	}
	return prev != ' ' || s == ""
}

// xText is a TEXT property go-ical does not know, without the VALUE=TEXT its SetText
// would add.
func xText(name, text string) *ical.Prop {
	prop := ical.NewProp(name)
	prop.SetText(text)
	prop.Params.Del(ical.ParamValue)
	return prop
}

// duration formats d as an RFC 5545 DURATION (P1D, PT1H30M), whole seconds; "" for none.
func duration(d time.Duration) string {
	sec := int64(d.Round(time.Second) / time.Second)
	if sec <= 0 {
		return ""
	}
	if sec%86400 == 0 {
		return fmt.Sprintf("P%dD", sec/86400)
	}
	h, m, s := sec/3600, sec/60%60, sec%60
	out := "PT"
	if h > 0 {
		out += fmt.Sprintf("%dH", h)
	}
	// The grammar has no hours-then-seconds form: minutes come between, even as 0M.
	if m > 0 || h > 0 && s > 0 {
		out += fmt.Sprintf("%dM", m)
	}
	if s > 0 {
		out += fmt.Sprintf("%dS", s)
	}
	return out
}
