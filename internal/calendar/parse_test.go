package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const replyUID = "evt-2030-conference@attache.test"

func TestParseReplyShapes(t *testing.T) {
	outlook := "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nPRODID:Microsoft Exchange Server 2010\r\nVERSION:2.0\r\n" +
		"BEGIN:VEVENT\r\nATTENDEE;PARTSTAT=ACCEPTED;CN=\"Long\r\n\tName\":MAILTO:OBSERVER@\r\n\tCOE.TEST\r\n" +
		"COMMENT;LANGUAGE=en-US:See you\\, then\\n\r\n" +
		"DTSTART;TZID=Russian Standard Time:20300112T090000\r\nDTEND;TZID=Russian Standard Time:20300112T150000\r\n" +
		"UID:evt-2030-conference@\r\n\tattache.test\r\nX-MICROSOFT-CDO-APPT-SEQUENCE:3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\ntrailing junk\r\n"
	r, err := ParseReply([]byte(outlook))
	if err != nil {
		t.Fatal(err)
	}
	a := r.Attendee("observer@coe.test")
	if r.Method != MethodReply || r.UID != replyUID || r.Sequence != 3 || r.Stamp != nil || r.Organizer != "" ||
		a == nil || a.PartStat != "ACCEPTED" || a.Name != "LongName" || r.Comment != "See you, then" {
		t.Fatalf("outlook: %+v %+v", r, a)
	}
	if want := time.Date(2030, 1, 12, 6, 0, 0, 0, time.UTC); r.Start == nil || !r.Start.Equal(want) {
		t.Fatalf("outlook start %v, want %v", r.Start, want)
	}

	bare := "\xef\xbb\xbfBEGIN:VEVENT\nUID:" + replyUID + "\nDTSTAMP:20300102T080000Z\nSEQUENCE:1\n" +
		"ATTENDEE;PARTSTAT=declined;SENT-BY=\"mailto:Aide@x.test\";X-RESPONSE-COMMENT=\"a^'quoted^' \\, note\":a@x.test\nEND:VEVENT\n"
	r, err = ParseReply([]byte(bare))
	if err != nil {
		t.Fatal(err)
	}
	a = r.Attendee("a@x.test")
	if r.Method != "" || r.Sequence != 1 || r.Stamp == nil || a == nil || a.PartStat != "DECLINED" || a.SentBy != "aide@x.test" ||
		a.Comment != `a"quoted" , note` {
		t.Fatalf("bare: %+v %+v", r, a)
	}
}

func TestParseReplyBroken(t *testing.T) {
	for name, in := range map[string]string{
		"go-ical panic": "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\nATTENDEE;CN=\"Foo\"bar:mailto:a@b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"empty":         "",
		"no calendar":   "hello",
		"unterminated":  "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n",
		"no uid":        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"no event":      "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n",
		"deep":          "BEGIN:VCALENDAR\r\n" + strings.Repeat("BEGIN:X\r\n", 100000),
		"mismatched":    "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
	} {
		if _, err := ParseReply([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestResolveTZID(t *testing.T) {
	for tzid, want := range map[string]string{
		"Russian Standard Time":      "Europe/Moscow",
		"azerbaijan standard time":   "Asia/Baku",
		"West Asia Standard Time":    "Asia/Tashkent",
		"Central Asia Standard Time": "Asia/Bishkek",
		"UTC":                        "UTC",
		"Europe/Berlin":              "Europe/Berlin",
		"/freeassociation.sourceforge.net/Tzfile/Europe/Riga": "Europe/Riga",
		"/citadel.org/20190914_1/Asia/Almaty":                 "Asia/Almaty",
	} {
		loc, err := ResolveTZID(tzid)
		if err != nil || loc.String() != want {
			t.Errorf("%q: %v %v, want %s", tzid, loc, err, want)
		}
	}
	for _, bad := range []string{"", "Mars/Olympus", "../../etc/passwd", "UTC+11"} {
		if _, err := ResolveTZID(bad); err == nil {
			t.Errorf("%q resolved", bad)
		}
	}
	for name, iana := range windowsZones {
		if _, err := ResolveTZID(iana); err != nil {
			t.Errorf("windows zone %q maps to unknown %q", name, iana)
		}
	}
}

func TestCalAddress(t *testing.T) {
	for in, want := range map[string]string{
		"mailto:A@B.test": "a@b.test", "MAILTO: a@b.test ": "a@b.test", "a@b.test": "a@b.test", "MailTo:<a@b.test>": "a@b.test",
	} {
		if got := CalAddress(in); got != want {
			t.Errorf("CalAddress(%q) = %q", in, got)
		}
	}
}

// FuzzParseReply: no input may panic or hang the parser (security.md row 13).
func FuzzParseReply(f *testing.F) {
	f.Add([]byte("BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nATTENDEE;CN=\"Foo\"bar:mailto:a@b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	f.Add([]byte("\xef\xbb\xbfBEGIN:VEVENT\nUID:x\nDTSTART;TZID=Russian Standard Time:20300112T090000\nEND:VEVENT\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReply(data)
		if err == nil && (r == nil || r.UID == "") {
			t.Fatalf("accepted without a UID: %+v", r)
		}
	})
}
