package calendar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

// calView is what a reader of an encoded object must find in it: the tests build it from
// the Calendar they encoded (expectedView), from go-ical's decoding (goicalView) and from
// ical.js's (testdata/icaljs-dump.mjs prints this shape), and compare.
type calView struct {
	Method  string      `json:"method"`
	Name    string      `json:"name"`
	Refresh string      `json:"refresh"`
	Zones   []string    `json:"zones"`
	Events  []eventView `json:"events"`
}

type eventView struct {
	UID         string         `json:"uid"`
	Sequence    int            `json:"sequence"`
	Summary     string         `json:"summary"`
	Description string         `json:"description"`
	Location    string         `json:"location"`
	URL         string         `json:"url"`
	Status      string         `json:"status"`
	Start       string         `json:"start"` // UTC instant, 2006-01-02T15:04:05Z
	End         string         `json:"end"`
	TZID        string         `json:"tzid"` // of DTSTART
	Organizer   *personView    `json:"organizer"`
	Attendees   []attendeeView `json:"attendees"`
	RelatedTo   string         `json:"relatedTo"`
	RelType     string         `json:"relType"`
	Categories  []string       `json:"categories"`
}

type personView struct {
	Email  string `json:"email"`
	Name   string `json:"name"`
	SentBy string `json:"sentBy"`
}

type attendeeView struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	PartStat string `json:"partstat"`
	RSVP     bool   `json:"rsvp"`
}

// normalize makes empty lists comparable whichever reader produced them.
func (v *calView) normalize() {
	if v.Zones == nil {
		v.Zones = []string{}
	}
	for i := range v.Events {
		e := &v.Events[i]
		if e.Attendees == nil {
			e.Attendees = []attendeeView{}
		}
		if e.Categories == nil {
			e.Categories = []string{}
		}
	}
}

func (v calView) String() string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// sameView fails t when got differs from want, showing both.
func sameView(t *testing.T, what string, got, want calView) {
	t.Helper()
	got.normalize()
	want.normalize()
	if g, w := got.String(), want.String(); g != w {
		t.Errorf("%s differs from what was encoded:\n%s", what, lineDiff(w, g))
	}
}

// lineDiff lists the lines of want and got that differ, by position.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			fmt.Fprintf(&b, "line %d:\n  want %s\n  got  %s\n", i+1, w, g)
		}
	}
	return b.String()
}

func instant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// expectedView is what Encode promises to write for c.
func expectedView(c *Calendar) calView {
	v := calView{Method: string(c.Method), Zones: []string{}}
	if c.Method == MethodPublish {
		v.Name = cleanText(c.Name)
		v.Refresh = duration(c.RefreshInterval)
	}
	for _, e := range c.Events {
		ev := eventView{
			UID: e.UID, Sequence: e.Sequence,
			Summary: cleanText(e.Summary), Description: cleanText(e.Description), Location: cleanText(e.Location),
			URL: e.URL, Start: instant(e.Start), End: instant(e.End),
			RelatedTo: e.RelatedTo,
		}
		if loc, _ := location(e.TZID); loc != nil {
			if unambiguous(e.Start.In(loc)) {
				ev.TZID = loc.String()
			}
			for _, t := range []time.Time{e.Start, e.End} {
				if !t.IsZero() && unambiguous(t.In(loc)) && !slices.Contains(v.Zones, loc.String()) {
					v.Zones = append(v.Zones, loc.String())
				}
			}
		}
		ev.Status, _ = eventStatus(e.Status, c.Method)
		if e.RelatedTo != "" {
			ev.RelType = "PARENT"
		}
		if o := e.Organizer; o != nil {
			ev.Organizer = &personView{Email: o.Email, Name: cleanParam(o.Name)}
			if !strings.EqualFold(o.SentBy, o.Email) {
				ev.Organizer.SentBy = o.SentBy
			}
		}
		for _, a := range e.Attendees {
			role, _ := token(a.Role, "REQ-PARTICIPANT")
			partstat, _ := token(a.PartStat, "NEEDS-ACTION")
			ev.Attendees = append(ev.Attendees, attendeeView{Email: a.Email, Name: cleanParam(a.Name), Role: role, PartStat: partstat, RSVP: a.RSVP})
		}
		for _, cat := range e.Categories {
			if cat = cleanLabel(cat); cat != "" {
				ev.Categories = append(ev.Categories, cat)
			}
		}
		v.Events = append(v.Events, ev)
	}
	slices.Sort(v.Zones)
	return v
}

// decodeGoICAL decodes data with go-ical, which must find exactly one VCALENDAR.
func decodeGoICAL(t *testing.T, data []byte) *ical.Calendar {
	t.Helper()
	dec := ical.NewDecoder(bytes.NewReader(data))
	cal, err := dec.Decode()
	if err != nil {
		t.Fatalf("go-ical can not decode the object: %v", err)
	}
	if _, err := dec.Decode(); err == nil {
		t.Fatal("go-ical found a second VCALENDAR")
	}
	return cal
}

// goicalView is what go-ical reads from data. It reads TZIDs with Go's tz database, not
// the file's VTIMEZONE (emersion/go-ical#10): ical.js checks those.
func goicalView(t *testing.T, data []byte) calView {
	t.Helper()
	cal := decodeGoICAL(t, data)
	text := func(props ical.Props, name string) string {
		s, err := props.Text(name)
		if err != nil {
			t.Errorf("go-ical: %s: %v", name, err)
		}
		return s
	}
	v := calView{
		Method:  text(cal.Props, ical.PropMethod),
		Name:    text(cal.Props, "X-WR-CALNAME"),
		Refresh: propValue(cal.Props, ical.PropRefreshInterval),
	}
	for _, child := range cal.Children {
		if child.Name == ical.CompTimezone {
			v.Zones = append(v.Zones, text(child.Props, ical.PropTimezoneID))
		}
	}
	for _, e := range cal.Events() {
		p := e.Props
		ev := eventView{
			UID: text(p, ical.PropUID), Summary: text(p, ical.PropSummary), Description: text(p, ical.PropDescription),
			Location: text(p, ical.PropLocation), URL: propValue(p, ical.PropURL), Status: text(p, ical.PropStatus),
			RelatedTo: text(p, ical.PropRelatedTo),
		}
		if prop := p.Get(ical.PropSequence); prop != nil {
			n, err := prop.Int()
			if err != nil {
				t.Errorf("go-ical: SEQUENCE: %v", err)
			}
			ev.Sequence = n
		}
		start, err := e.DateTimeStart(nil)
		if err != nil {
			t.Errorf("go-ical: DTSTART: %v", err)
		}
		ev.Start = instant(start)
		if p.Get(ical.PropDateTimeEnd) != nil {
			end, err := e.DateTimeEnd(nil)
			if err != nil {
				t.Errorf("go-ical: DTEND: %v", err)
			}
			ev.End = instant(end)
		}
		if prop := p.Get(ical.PropDateTimeStart); prop != nil {
			ev.TZID = prop.Params.Get(ical.ParamTimezoneID)
		}
		if prop := p.Get(ical.PropRelatedTo); prop != nil {
			ev.RelType = prop.Params.Get(ical.ParamRelationshipType)
		}
		if prop := p.Get(ical.PropOrganizer); prop != nil {
			ev.Organizer = &personView{
				Email:  mailbox(prop.Value),
				Name:   prop.Params.Get(ical.ParamCommonName),
				SentBy: mailbox(prop.Params.Get(ical.ParamSentBy)),
			}
		}
		for _, a := range p.Values(ical.PropAttendee) {
			ev.Attendees = append(ev.Attendees, attendeeView{
				Email:    mailbox(a.Value),
				Name:     a.Params.Get(ical.ParamCommonName),
				Role:     a.Params.Get(ical.ParamRole),
				PartStat: a.Params.Get(ical.ParamParticipationStatus),
				RSVP:     strings.EqualFold(a.Params.Get(ical.ParamRSVP), "TRUE"),
			})
		}
		for _, prop := range p.Values(ical.PropCategories) {
			l, err := prop.TextList()
			if err != nil {
				t.Errorf("go-ical: CATEGORIES: %v", err)
			}
			ev.Categories = append(ev.Categories, l...)
		}
		v.Events = append(v.Events, ev)
	}
	slices.Sort(v.Zones)
	return v
}

func propValue(props ical.Props, name string) string {
	if p := props.Get(name); p != nil {
		return p.Value
	}
	return ""
}

func mailbox(uri string) string {
	if len(uri) >= 7 && strings.EqualFold(uri[:7], "mailto:") {
		return uri[7:]
	}
	return uri
}

// checkWellFormed checks what every object must look like on the wire: CRLF line ends
// only, physical lines of at most 75 octets and valid UTF-8 each, continuation lines
// starting with a space, METHOD before the first component, a VTIMEZONE for each TZID.
func checkWellFormed(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Error("object does not end with CRLF")
	}
	physical := strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n")
	var logical []string
	for i, line := range physical {
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i+1, line)
		}
		if len(line) > maxLineOctets {
			t.Errorf("line %d has %d octets: %q", i+1, len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d is not valid UTF-8 on its own: %q", i+1, line)
		}
		if strings.HasPrefix(line, " ") {
			if len(logical) == 0 {
				t.Fatalf("object starts with a continuation line")
			}
			logical[len(logical)-1] += line[1:]
		} else {
			logical = append(logical, line)
		}
	}
	method, firstComponent := -1, -1
	used, declared := map[string]bool{}, map[string]bool{}
	for i, line := range logical {
		switch {
		case strings.HasPrefix(line, "METHOD:"):
			method = i
		case firstComponent < 0 && strings.HasPrefix(line, "BEGIN:") && line != "BEGIN:VCALENDAR":
			firstComponent = i
		case strings.HasPrefix(line, "TZID:"):
			declared[strings.TrimPrefix(line, "TZID:")] = true
		}
		if strings.Contains(line, "TZID=Local") {
			t.Errorf("TZID=Local written: %q", line)
		}
		if _, rest, ok := strings.Cut(line, ";TZID="); ok {
			used[rest[:strings.IndexAny(rest, ";:")]] = true
		}
	}
	if method < 0 || firstComponent >= 0 && method > firstComponent {
		t.Errorf("METHOD missing or after the first component (line %d, component at %d)", method, firstComponent)
	}
	for tzid := range used {
		if !declared[tzid] {
			t.Errorf("TZID %s has no VTIMEZONE", tzid)
		}
	}
}

// unfold joins the folded lines of data and splits it into content lines.
func unfold(data []byte) []string {
	s := strings.ReplaceAll(string(data), "\r\n ", "")
	return strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
}
