package calendar

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

func TestFold(t *testing.T) {
	cases := []struct {
		name string
		line string
	}{
		{"short", "SUMMARY:Meeting"},
		{"exactly 75 octets", "SUMMARY:" + strings.Repeat("a", 67)},
		{"76 octets", "SUMMARY:" + strings.Repeat("a", 68)},
		{"long ASCII", "DESCRIPTION:" + strings.Repeat("Protocol office; ", 30)},
		{"Cyrillic", "SUMMARY:" + strings.Repeat("Торжественное собрание прокуратуры ", 8)},
		{"Cyrillic at odd offset", "SUMMARY:x" + strings.Repeat("ж", 200)},
		{"Azerbaijani", "DESCRIPTION:" + strings.Repeat("Hörmətli cənab Əliyev, dəvət edirik. ", 6)},
		{"Armenian", "SUMMARY:" + strings.Repeat("Արթուր Դավթյան ", 12)},
		// A four-octet emoji across octet 75 (and 74 of the next line) at every shift.
		{"emoji shift 0", "SUMMARY:" + strings.Repeat("a", 65) + strings.Repeat("😀", 40)},
		{"emoji shift 1", "SUMMARY:" + strings.Repeat("a", 66) + strings.Repeat("😀", 40)},
		{"emoji shift 2", "SUMMARY:" + strings.Repeat("a", 67) + strings.Repeat("😀", 40)},
		{"emoji shift 3", "SUMMARY:" + strings.Repeat("a", 68) + strings.Repeat("😀", 40)},
		{"mixed widths", "SUMMARY:" + strings.Repeat("aжԱ€😀", 30)},
		{"spaces at the fold", "SUMMARY:" + strings.Repeat(" ", 200)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			writeFolded(&b, c.line)
			out := b.String()
			if !strings.HasSuffix(out, "\r\n") {
				t.Fatalf("no CRLF at the end: %q", out)
			}
			physical := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
			for i, l := range physical {
				if len(l) > maxLineOctets {
					t.Errorf("line %d has %d octets", i+1, len(l))
				}
				if !utf8.ValidString(l) {
					t.Errorf("line %d splits a UTF-8 sequence: %q", i+1, l)
				}
				if strings.ContainsAny(l, "\r\n") {
					t.Errorf("line %d holds a bare CR or LF", i+1)
				}
				if i > 0 && !strings.HasPrefix(l, " ") {
					t.Errorf("continuation line %d does not start with a space", i+1)
				}
				// A line is cut short only where the next character would not fit.
				if i < len(physical)-1 {
					next := physical[i+1][1:]
					_, size := utf8.DecodeRuneInString(next)
					if len(l)+size <= maxLineOctets {
						t.Errorf("line %d (%d octets) was cut before a %d-octet character that fit", i+1, len(l), size)
					}
				}
			}
			if got := strings.ReplaceAll(strings.TrimSuffix(out, "\r\n"), "\r\n ", ""); got != c.line {
				t.Errorf("unfolding does not give the line back:\n got %q\nwant %q", got, c.line)
			}
			if len(c.line) <= maxLineOctets && len(physical) != 1 {
				t.Errorf("a line of %d octets was folded", len(c.line))
			}
		})
	}
}

func TestFoldExact(t *testing.T) {
	var b bytes.Buffer
	writeFolded(&b, "SUMMARY:"+strings.Repeat("a", 67)+"bc")
	want := "SUMMARY:" + strings.Repeat("a", 67) + "\r\n bc\r\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	b.Reset()
	// 66 ASCII octets after "SUMMARY:" leave one octet on the line: "ж" moves down whole.
	writeFolded(&b, "SUMMARY:"+strings.Repeat("a", 66)+"жж")
	want = "SUMMARY:" + strings.Repeat("a", 66) + "\r\n жж\r\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestContentLineQuoting(t *testing.T) {
	cases := []struct {
		name   string
		params ical.Params
		want   string
	}{
		{"plain token", ical.Params{"ROLE": {"REQ-PARTICIPANT"}}, "ATTENDEE;ROLE=REQ-PARTICIPANT:mailto:a@b.test"},
		{"ASCII name with a space", ical.Params{"CN": {"Protocol Office"}}, "ATTENDEE;CN=Protocol Office:mailto:a@b.test"},
		{"comma", ical.Params{"CN": {"Aliyev, Kamran"}}, `ATTENDEE;CN="Aliyev, Kamran":mailto:a@b.test`},
		{"colon", ical.Params{"SENT-BY": {"mailto:s@b.test"}}, `ATTENDEE;SENT-BY="mailto:s@b.test":mailto:a@b.test`},
		{"semicolon", ical.Params{"CN": {"a;b"}}, `ATTENDEE;CN="a;b":mailto:a@b.test`},
		{"Cyrillic", ical.Params{"CN": {"Камран Алиев"}}, `ATTENDEE;CN="Камран Алиев":mailto:a@b.test`},
		{"Armenian", ical.Params{"CN": {"Արթուր Դավթյան"}}, `ATTENDEE;CN="Արթուր Դավթյան":mailto:a@b.test`},
		{"Latin with diacritics", ical.Params{"CN": {"Əliyev"}}, `ATTENDEE;CN="Əliyev":mailto:a@b.test`},
		{"sorted names", ical.Params{"ROLE": {"CHAIR"}, "CN": {"X"}}, "ATTENDEE;CN=X;ROLE=CHAIR:mailto:a@b.test"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := contentLine(&ical.Prop{Name: "ATTENDEE", Params: c.params, Value: "mailto:a@b.test"})
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
	for _, bad := range []ical.Prop{
		{Name: "ATTENDEE", Params: ical.Params{"CN": {`a"b`}}, Value: "mailto:a@b.test"},
		{Name: "ATTENDEE", Params: ical.Params{"CN": {"a\r\nATTENDEE:mailto:x@evil.test"}}, Value: "mailto:a@b.test"},
		{Name: "SUMMARY", Value: "a\r\nATTENDEE:mailto:x@evil.test"},
		{Name: "SUMMARY", Value: "a\nb"},
		{Name: "SUMMARY", Value: "a\x00b"},
	} {
		if line, err := contentLine(&bad); err == nil {
			t.Errorf("contentLine accepted %q", line)
		}
	}
}
