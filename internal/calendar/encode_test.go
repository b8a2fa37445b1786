package calendar

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

var testNow = time.Date(2021, 1, 6, 7, 0, 0, 0, time.UTC)

func TestContentType(t *testing.T) {
	for m, want := range map[Method]string{
		MethodRequest: "text/calendar; method=REQUEST; charset=UTF-8",
		MethodCancel:  "text/calendar; method=CANCEL; charset=UTF-8",
		MethodPublish: "text/calendar; charset=utf-8",
	} {
		if got := (&Calendar{Method: m}).ContentType(); got != want {
			t.Errorf("%s: %q, want %q", m, got, want)
		}
	}
}

// simpleRequest is a minimal valid invitation, for tests to break one field at a time.
func simpleRequest() *Calendar {
	return &Calendar{Method: MethodRequest, Events: []Event{{
		UID:       "u1@attache.test",
		Summary:   "Meeting",
		Start:     time.Date(2021, 1, 12, 7, 0, 0, 0, time.UTC),
		End:       time.Date(2021, 1, 12, 8, 0, 0, 0, time.UTC),
		Organizer: &Organizer{Name: "Protocol Office", Email: "protocol@attache.test"},
		Attendees: []Attendee{{Name: "Guest", Email: "guest@example.test", RSVP: true}},
	}}}
}

func TestEncodeRefuses(t *testing.T) {
	cases := []struct {
		name   string
		change func(c *Calendar)
	}{
		{"unknown method", func(c *Calendar) { c.Method = "REPLY" }},
		{"no method", func(c *Calendar) { c.Method = "" }},
		{"request without event", func(c *Calendar) { c.Events = nil }},
		{"two UIDs in a request", func(c *Calendar) {
			e := c.Events[0]
			e.UID = "u2@attache.test"
			c.Events = append(c.Events, e)
		}},
		{"request without organizer", func(c *Calendar) { c.Events[0].Organizer = nil }},
		{"request without attendee", func(c *Calendar) { c.Events[0].Attendees = nil }},
		{"empty UID", func(c *Calendar) { c.Events[0].UID = "" }},
		{"UID with CRLF", func(c *Calendar) { c.Events[0].UID = "u1\r\nATTENDEE:mailto:x@evil.test" }},
		{"no start", func(c *Calendar) { c.Events[0].Start = time.Time{} }},
		{"end before start", func(c *Calendar) { c.Events[0].End = c.Events[0].Start.Add(-time.Hour) }},
		{"TZID Local", func(c *Calendar) { c.Events[0].TZID = "Local" }},
		{"unknown TZID", func(c *Calendar) { c.Events[0].TZID = "Mars/Olympus_Mons" }},
		{"abbreviation as TZID", func(c *Calendar) { c.Events[0].TZID = "MSK" }},
		{"unknown status", func(c *Calendar) { c.Events[0].Status = "DONE" }},
		{"negative sequence", func(c *Calendar) { c.Events[0].Sequence = -1 }},
		{"relative URL", func(c *Calendar) { c.Events[0].URL = "/events/1" }},
		{"attendee without address", func(c *Calendar) { c.Events[0].Attendees[0].Email = "" }},
		{"attendee address with CRLF", func(c *Calendar) {
			c.Events[0].Attendees[0].Email = "guest@example.test\r\nATTENDEE:mailto:x@evil.test"
		}},
		{"attendee address with a space", func(c *Calendar) { c.Events[0].Attendees[0].Email = "a b@example.test" }},
		{"organizer address with a quote", func(c *Calendar) { c.Events[0].Organizer.Email = `a"b@example.test` }},
		{"SENT-BY not an address", func(c *Calendar) { c.Events[0].Organizer.SentBy = "nobody" }},
		{"role not a token", func(c *Calendar) { c.Events[0].Attendees[0].Role = "REQ PARTICIPANT;X=1" }},
		{"partstat not a token", func(c *Calendar) { c.Events[0].Attendees[0].PartStat = "ACCEPTED:x" }},
		{"RELATED-TO with LF", func(c *Calendar) { c.Events[0].RelatedTo = "u0\nATTENDEE:mailto:x@evil.test" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cal := simpleRequest()
			c.change(cal)
			if out, err := Encode(cal, testNow); err == nil {
				t.Errorf("Encode accepted it:\n%s", out)
			}
		})
	}
	if _, err := Encode(nil, testNow); err == nil {
		t.Error("Encode accepted a nil calendar")
	}
	cal := simpleRequest()
	if _, err := Encode(cal, time.Time{}); err == nil {
		t.Error("Encode accepted no Stamp and a zero now")
	}
	cal.Events[0].Stamp = testNow
	if _, err := Encode(cal, time.Time{}); err != nil {
		t.Errorf("an event's own Stamp should do without now: %v", err)
	}
}

func TestEncodeDefaults(t *testing.T) {
	cal := simpleRequest()
	out, err := Encode(cal, time.Date(2021, 1, 6, 10, 0, 0, 0, zone(t, "Europe/Moscow")))
	if err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, out)
	lines := unfold(out)
	for _, want := range []string{
		"PRODID:-//Attaché//Attaché 1.0//EN",
		"VERSION:2.0",
		"CALSCALE:GREGORIAN",
		"METHOD:REQUEST",
		"DTSTAMP:20210106T070000Z", // now, in UTC
		"SEQUENCE:0",
		"STATUS:CONFIRMED",
		"DTSTART:20210112T070000Z", // no TZID: UTC
		"DTEND:20210112T080000Z",
		"ATTENDEE;CN=Guest;CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:guest@example.test",
		"ORGANIZER;CN=Protocol Office:mailto:protocol@attache.test",
	} {
		if !contains(lines, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if lines[0] != "BEGIN:VCALENDAR" || lines[1] != "PRODID:-//Attaché//Attaché 1.0//EN" || lines[2] != "VERSION:2.0" {
		t.Errorf("VCALENDAR does not open with PRODID and VERSION: %q", lines[:3])
	}

	// An event's own DTSTAMP wins; SENT-BY equal to the organizer is left out.
	cal.Events[0].Stamp = time.Date(2021, 1, 5, 12, 0, 0, 0, time.UTC)
	cal.Events[0].Organizer.SentBy = "PROTOCOL@attache.test"
	cal.Events[0].Attendees[0] = Attendee{Email: "chair@example.test", Role: "chair", PartStat: "accepted"}
	out, err = Encode(cal, testNow)
	if err != nil {
		t.Fatal(err)
	}
	lines = unfold(out)
	for _, want := range []string{
		"DTSTAMP:20210105T120000Z",
		"ORGANIZER;CN=Protocol Office:mailto:protocol@attache.test",
		"ATTENDEE;CUTYPE=INDIVIDUAL;PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:chair@example.test",
	} {
		if !contains(lines, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func contains(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

// A time.Local or time.FixedZone start must not leak TZID=Local or TZID=MSK: without a
// TZID the encoder writes UTC whatever the time's location.
func TestEncodeNeverWritesLocalOrAbbreviations(t *testing.T) {
	cal := simpleRequest()
	cal.Events[0].Start = time.Date(2021, 1, 12, 10, 0, 0, 0, time.FixedZone("MSK", 3*3600))
	cal.Events[0].End = time.Date(2021, 1, 12, 11, 0, 0, 0, time.Local)
	out, err := Encode(cal, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(out); strings.Contains(s, "TZID") || !strings.Contains(s, "DTSTART:20210112T070000Z") {
		t.Errorf("want UTC times without TZID:\n%s", s)
	}
	cal.Events[0].TZID = "UTC"
	out, err = Encode(cal, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(out); strings.Contains(s, "TZID") || strings.Contains(s, "VTIMEZONE") {
		t.Errorf("TZID UTC: want Z times and no VTIMEZONE:\n%s", s)
	}
}

// A time in the hour repeated when clocks go back names two instants in local time: it is
// written in UTC, which names one; the other end keeps its TZID.
func TestEncodeRepeatedHourInUTC(t *testing.T) {
	paris := zone(t, "Europe/Paris")
	cal := simpleRequest()
	cal.Events[0].TZID = "Europe/Paris"
	cal.Events[0].Start = time.Date(2021, 10, 31, 0, 30, 0, 0, time.UTC) // 02:30 CEST, first of two 02:30s
	cal.Events[0].End = time.Date(2021, 10, 31, 4, 0, 0, 0, paris)
	out, err := Encode(cal, testNow)
	if err != nil {
		t.Fatal(err)
	}
	lines := unfold(out)
	for _, want := range []string{"DTSTART:20211031T003000Z", "DTEND;TZID=Europe/Paris:20211031T040000"} {
		if !contains(lines, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	sameView(t, "go-ical's reading", goicalView(t, out), expectedView(cal))
}

func TestEncodeQuotesAndCleansNames(t *testing.T) {
	cal := simpleRequest()
	cal.Events[0].Organizer.Name = `Протокольный отдел "МИД"`
	cal.Events[0].Attendees[0].Name = "Алиев,\tКамран\x00"
	out, err := Encode(cal, testNow)
	if err != nil {
		t.Fatalf("a double quote in a name must not fail the encode: %v", err)
	}
	lines := unfold(out)
	for _, want := range []string{
		`ORGANIZER;CN="Протокольный отдел МИД":mailto:protocol@attache.test`,
		`ATTENDEE;CN="Алиев, Камран";CUTYPE=INDIVIDUAL;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:guest@example.test`,
	} {
		if !contains(lines, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestEncodeText(t *testing.T) {
	cal := simpleRequest()
	e := &cal.Events[0]
	e.Summary = `Agenda: items 1; 2, 3 \ done`
	e.Description = "line 1\r\nline 2\rline 3\nline 4\x07"
	e.Categories = []string{"Protocol, Moscow", "", "Bilateral"}
	e.URL = "https://attache.test/e?a=1&b=2"
	out, err := Encode(cal, testNow)
	if err != nil {
		t.Fatal(err)
	}
	lines := unfold(out)
	for _, want := range []string{
		`SUMMARY:Agenda: items 1\; 2\, 3 \\ done`, // ':' is never escaped
		`DESCRIPTION:line 1\nline 2\nline 3\nline 4`,
		`CATEGORIES:Protocol\, Moscow,Bilateral`, // one property, separators bare
		`URL:https://attache.test/e?a=1&b=2`,
	} {
		if !contains(lines, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	v := goicalView(t, out)
	if got := v.Events[0].Categories; len(got) != 2 || got[0] != "Protocol, Moscow" {
		t.Errorf("categories read back as %q", got)
	}
	sameView(t, "go-ical's reading", v, expectedView(cal))
}

func TestEncodeEmptyFeed(t *testing.T) {
	cal := &Calendar{Method: MethodPublish, Name: "Empty", RefreshInterval: 90 * time.Minute}
	out, err := Encode(cal, testNow)
	if err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, out)
	lines := unfold(out)
	for _, want := range []string{"METHOD:PUBLISH", "NAME:Empty", "X-WR-CALNAME:Empty", "REFRESH-INTERVAL;VALUE=DURATION:PT1H30M", "X-PUBLISHED-TTL:PT1H30M"} {
		if !contains(lines, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	sameView(t, "go-ical's reading", goicalView(t, out), expectedView(cal))
}

// Feed-only properties stay off messages.
func TestEncodeRequestHasNoFeedProperties(t *testing.T) {
	cal := simpleRequest()
	cal.Name, cal.RefreshInterval = "Feed", time.Hour
	out, err := Encode(cal, testNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"NAME", "X-WR-CALNAME", "REFRESH-INTERVAL", "X-PUBLISHED-TTL"} {
		if strings.Contains(string(out), "\r\n"+p) {
			t.Errorf("a REQUEST carries %s", p)
		}
	}
}

func TestEncodeCancelMarksEveryEventCancelled(t *testing.T) {
	cal := simpleRequest()
	cal.Method = MethodCancel
	cal.Events[0].Status = "CONFIRMED"
	cal.Events[0].Sequence = 3
	out, err := Encode(cal, testNow)
	if err != nil {
		t.Fatal(err)
	}
	lines := unfold(out)
	for _, want := range []string{"METHOD:CANCEL", "STATUS:CANCELLED", "SEQUENCE:3"} {
		if !contains(lines, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "CONFIRMED") {
		t.Error("a CANCEL carries CONFIRMED")
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                             "",
		-time.Hour:                    "",
		time.Hour:                     "PT1H",
		90 * time.Minute:              "PT1H30M",
		15 * time.Minute:              "PT15M",
		time.Hour + 5*time.Second:     "PT1H0M5S",
		45 * time.Second:              "PT45S",
		24 * time.Hour:                "P1D",
		7 * 24 * time.Hour:            "P7D",
		25 * time.Hour:                "PT25H",
		1500 * time.Millisecond:       "PT2S",
		2*time.Minute + 3*time.Second: "PT2M3S",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%s) = %q, want %q", d, got, want)
		}
		if want == "" {
			continue
		}
		p := ical.NewProp(ical.PropRefreshInterval)
		p.Value = want
		if got, err := p.Duration(); err != nil || got != d.Round(time.Second) {
			t.Errorf("go-ical reads %s as %s, %v; want %s", want, got, err, d)
		}
	}
}

// injectionCalendar carries security.md row 8's attack in every text field and name.
func injectionCalendar() *Calendar {
	const evil = "\r\nATTENDEE:mailto:x@evil.test"
	cal := simpleRequest()
	e := &cal.Events[0]
	e.Summary = "Заседание" + evil
	e.Description = "Повестка" + evil + "\rATTENDEE:mailto:y@evil.test\nEND:VEVENT"
	e.Location = "Зал" + evil
	e.Categories = []string{"Протокол" + evil}
	e.Organizer.Name = `Office"` + evil + `;X="`
	e.Attendees[0].Name = "Иван" + evil
	return cal
}

// TestEncodeInjection: a title with "\r\nATTENDEE:mailto:x@evil.test" yields exactly one
// ATTENDEE, the real one (security.md row 8). TestInjectionWithICALJS checks ical.js.
func TestEncodeInjection(t *testing.T) {
	cal := injectionCalendar()
	out, err := Encode(cal, testNow)
	if err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, out)
	n := 0
	for _, l := range unfold(out) {
		if strings.HasPrefix(l, "ATTENDEE") {
			n++
		}
		if strings.HasPrefix(l, "END:VEVENT") && l != "END:VEVENT" {
			t.Errorf("stray line %q", l)
		}
	}
	if n != 1 {
		t.Errorf("%d ATTENDEE lines, want 1:\n%s", n, out)
	}
	v := goicalView(t, out)
	if len(v.Events) != 1 || len(v.Events[0].Attendees) != 1 || v.Events[0].Attendees[0].Email != "guest@example.test" {
		t.Fatalf("go-ical reads %+v", v.Events)
	}
	if got, want := v.Events[0].Summary, "Заседание\nATTENDEE:mailto:x@evil.test"; got != want {
		t.Errorf("summary read back as %q, want %q", got, want)
	}
	sameView(t, "go-ical's reading", v, expectedView(cal))
}
