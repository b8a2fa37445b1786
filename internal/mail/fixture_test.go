package mail

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-message"
	gmail "github.com/emersion/go-message/mail"
)

// The fixtures' story is the calendar package's: the protocol office invites the
// Prosecutor General of Azerbaijan to the meeting for the 299th anniversary of the
// Russian prosecutor's office.

const (
	rsvpLink = "https://attache.test/rsvp/Qm9va2luZy10b2tlbi0wMDE"
	feedLink = "webcal://attache.test/feeds/RmVlZC10b2tlbi0wMDE.ics"
	title    = "Торжественное собрание, посвящённое 299-й годовщине образования прокуратуры Российской Федерации"
)

// requestICS is a small iCalendar REQUEST, CRLF and folded as the calendar package
// writes it; Encode must pass its bytes through unchanged.
var requestICS = []byte(strings.ReplaceAll(`BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Attaché//Attaché 1.0//RU
CALSCALE:GREGORIAN
METHOD:REQUEST
BEGIN:VEVENT
UID:event-3c1f6a52-9d1e-4f0b-8a7e-5d2b9c4e1a01@attache.test
DTSTAMP:20251201T080000Z
SEQUENCE:0
DTSTART:20260112T070000Z
DTEND:20260112T083000Z
SUMMARY:Торжественное собрание\, посвящённое 299-й годовщине образования п
 рокуратуры Российской Федерации
LOCATION:Москва\, ул. Большая Дмитровка\, 15а
ORGANIZER;CN="Протокольная служба":mailto:protocol@attache.test
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=T
 RUE;CN="Камран Алиев":mailto:prosecutor.general@genprosecutor-az.test
STATUS:CONFIRMED
END:VEVENT
END:VCALENDAR
`, "\n", "\r\n"))

// invitation is the REQUEST to Kamran Aliev, names and subject in Cyrillic.
func invitation() *Message {
	return &Message{
		MessageID: MessageID(1, KindInvitation, 0, 0, "attache.test"),
		From:      Address{Name: "Протокольная служба", Email: "protocol@attache.test"},
		To:        Address{Name: "Камран Алиев", Email: "prosecutor.general@genprosecutor-az.test"},
		Subject:   "Приглашение: " + title,
		Date:      time.Date(2025, 12, 1, 11, 0, 0, 0, time.FixedZone("MSK", 3*3600)),
		Text:      "Уважаемый(ая) Камран Алиев!\n\nОтветить: " + rsvpLink + "\n",
		HTML:      "<p>Уважаемый(ая) Камран Алиев!</p>\n<p><a href=\"" + rsvpLink + "\">Ответить</a></p>\n",
		Calendar:  requestICS,
		Method:    "REQUEST",
	}
}

// part is one MIME entity as a test sees it.
type part struct {
	Type        string
	Params      map[string]string
	Disposition string
	DispParams  map[string]string
	Encoding    string
	Body        []byte
	Parts       []part
}

// readTree parses raw with go-message into its MIME tree, bodies decoded.
func readTree(t *testing.T, raw []byte) part {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("go-message can not read the message: %v", err)
	}
	return entityTree(t, e)
}

func entityTree(t *testing.T, e *message.Entity) part {
	t.Helper()
	var p part
	var err error
	p.Type, p.Params, err = e.Header.ContentType()
	if err != nil {
		t.Fatalf("Content-Type %q: %v", e.Header.Get("Content-Type"), err)
	}
	if e.Header.Has("Content-Disposition") {
		p.Disposition, p.DispParams, _ = e.Header.ContentDisposition()
	}
	p.Encoding = e.Header.Get("Content-Transfer-Encoding")
	if mr := e.MultipartReader(); mr != nil {
		for {
			child, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			p.Parts = append(p.Parts, entityTree(t, child))
		}
		return p
	}
	if p.Body, err = io.ReadAll(e.Body); err != nil {
		t.Fatal(err)
	}
	return p
}

// shape writes the tree's types: "multipart/mixed[multipart/alternative[text/plain …]".
func (p part) shape() string {
	if len(p.Parts) == 0 {
		return p.Type
	}
	var s []string
	for _, c := range p.Parts {
		s = append(s, c.shape())
	}
	return p.Type + "[" + strings.Join(s, " ") + "]"
}

// checkInvitation proves raw is want in the shape of interop.md §1.1, read back with
// go-message and go-ical.
func checkInvitation(t *testing.T, raw []byte, want *Message) {
	t.Helper()
	mr, err := gmail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	h := mr.Header
	if got, err := h.Subject(); err != nil || got != want.Subject {
		t.Errorf("Subject = %q (%v), want %q", got, err, want.Subject)
	}
	for _, f := range []struct {
		name string
		want Address
	}{{"From", want.From}, {"To", want.To}} {
		got, err := h.AddressList(f.name)
		if err != nil || len(got) != 1 || got[0].Name != f.want.Name || got[0].Address != f.want.Email {
			t.Errorf("%s = %v (%v), want %q <%s>; raw %q", f.name, got, err, f.want.Name, f.want.Email, h.Get(f.name))
		}
	}
	if got, err := h.MessageID(); err != nil || got != want.MessageID {
		t.Errorf("Message-ID = %q (%v), want %q", got, err, want.MessageID)
	}
	if got, err := h.Date(); err != nil || !got.Equal(want.Date) {
		t.Errorf("Date = %v (%v), want %v", got, err, want.Date)
	}
	if got := h.Get("MIME-Version"); got != "1.0" {
		t.Errorf("MIME-Version = %q", got)
	}
	var attachments []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ah, ok := p.Header.(*gmail.AttachmentHeader); ok {
			name, _ := ah.Filename()
			attachments = append(attachments, name)
		}
	}
	if fmt.Sprint(attachments) != "[invite.ics]" {
		t.Errorf("attachments = %q, want [invite.ics]", attachments)
	}

	root := readTree(t, raw)
	const shape = "multipart/mixed[multipart/alternative[text/plain text/html text/calendar] application/ics]"
	if got := root.shape(); got != shape {
		t.Fatalf("MIME tree\n got %s\nwant %s", got, shape)
	}
	alt := root.Parts[0]
	plain, html, cal, ics := alt.Parts[0], alt.Parts[1], alt.Parts[2], root.Parts[1]
	for _, p := range []part{plain, html, cal} {
		if p.Params["charset"] != "UTF-8" || p.Encoding != "base64" || p.Disposition != "" {
			t.Errorf("%s: charset %q, encoding %q, disposition %q; want UTF-8, base64, none", p.Type, p.Params["charset"], p.Encoding, p.Disposition)
		}
	}
	if got := string(plain.Body); got != crlf(want.Text) {
		t.Errorf("text/plain = %q", got)
	}
	if got := string(html.Body); got != crlf(want.HTML) {
		t.Errorf("text/html = %q", got)
	}
	if !bytes.Equal(cal.Body, want.Calendar) || !bytes.Equal(ics.Body, want.Calendar) {
		t.Errorf("calendar changed on the way:\n inline %q\n attach %q\n   want %q", cal.Body, ics.Body, want.Calendar)
	}
	if ics.Params["name"] != "invite.ics" || ics.Disposition != "attachment" || ics.DispParams["filename"] != "invite.ics" || ics.Encoding != "base64" {
		t.Errorf("attachment: %+v %q %+v %q", ics.Params, ics.Disposition, ics.DispParams, ics.Encoding)
	}
	c, err := ical.NewDecoder(bytes.NewReader(cal.Body)).Decode()
	if err != nil {
		t.Fatalf("go-ical can not read the calendar: %v", err)
	}
	method := c.Props.Get(ical.PropMethod)
	if method == nil || !strings.EqualFold(cal.Params["method"], method.Value) {
		t.Errorf("method parameter %q, METHOD %v: must be equal", cal.Params["method"], method)
	}
	if n := len(c.Events()); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
}
