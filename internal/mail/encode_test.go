package mail

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestEncodeInvitation(t *testing.T) {
	m := invitation()
	raw, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	checkInvitation(t, raw, m)

	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, want := range []string{
		"\r\nMessage-ID: <inv-1-invitation-0@attache.test>\r\n",
		"\r\nFrom: =?UTF-8?b?", // the name B-encoded…
		"Date: Mon, 01 Dec 2025 11:00:00 +0300\r\n",
	} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("header lacks %q:\n%s", want, head)
		}
	}
	if !regexp.MustCompile(`\?=\s+<protocol@attache\.test>\r\n`).Match(head) { // …the address outside it
		t.Errorf("From's address is not beside its encoded name:\n%s", head)
	}
	if !bytes.Contains(raw, []byte("Content-Type: text/calendar; method=REQUEST; charset=UTF-8\r\n")) {
		t.Errorf("calendar part's Content-Type is not exactly text/calendar; method=REQUEST; charset=UTF-8")
	}
	for line := range bytes.Lines(raw) {
		if len(line) > 78 {
			t.Errorf("line longer than 78 octets: %q", line)
		}
		if !bytes.HasSuffix(line, []byte("\r\n")) || bytes.Count(line, []byte("\n")) != 1 || bytes.Count(line, []byte("\r")) != 1 {
			t.Errorf("line not ended by one CRLF: %q", line)
		}
	}
}

func TestEncodeIsDeterministic(t *testing.T) {
	a, err := invitation().Encode()
	if err != nil {
		t.Fatal(err)
	}
	for range 5 { // go-mail's header order and boundaries are random; ours are not
		b, err := invitation().Encode()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatalf("two encodings differ:\n%s\n---\n%s", a, b)
		}
	}
	fields := regexp.MustCompile(`(?m)^([A-Za-z-]+):`).FindAllSubmatch(bytes.SplitN(a, []byte("\r\n\r\n"), 2)[0], -1)
	var names []string
	for _, f := range fields {
		names = append(names, string(f[1]))
	}
	if got, want := strings.Join(names, " "), "Date From To Subject Message-ID MIME-Version Content-Type"; got != want {
		t.Errorf("header fields %q, want %q", got, want)
	}
	other := invitation()
	other.MessageID = MessageID(2, KindInvitation, 0, 0, "attache.test")
	b, _ := other.Encode()
	if boundary(a) == boundary(b) {
		t.Errorf("two messages share the boundary %q", boundary(a))
	}
}

func boundary(raw []byte) string {
	m := regexp.MustCompile(`boundary=(\S+)`).FindSubmatch(raw)
	if m == nil {
		return ""
	}
	return string(m[1])
}

func TestEncodeReminderWithoutCalendar(t *testing.T) {
	m := invitation()
	m.Calendar, m.Method = nil, ""
	raw, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	root := readTree(t, raw)
	if got, want := root.shape(), "multipart/alternative[text/plain text/html]"; got != want {
		t.Fatalf("MIME tree %s, want %s", got, want)
	}
}

// TestEncodeRefusesHeaderInjection is security.md row 7 at the mail layer: a line
// break in any header field stops the message before it is built.
func TestEncodeRefusesHeaderInjection(t *testing.T) {
	const evil = "\r\nBcc: x@evil.test"
	cases := map[string]func(m *Message){
		"subject":          func(m *Message) { m.Subject += evil },
		"subject LF":       func(m *Message) { m.Subject += "\nBcc: x@evil.test" },
		"subject CR":       func(m *Message) { m.Subject += "\rBcc: x@evil.test" },
		"from name":        func(m *Message) { m.From.Name += evil },
		"to name":          func(m *Message) { m.To.Name += evil },
		"to name ASCII":    func(m *Message) { m.To.Name = "Kamran Aliev" + evil },
		"to address":       func(m *Message) { m.To.Email += evil },
		"from address":     func(m *Message) { m.From.Email = "protocol@attache.test>" + evil },
		"address spaces":   func(m *Message) { m.To.Email = "a b@attache.test" },
		"address two @":    func(m *Message) { m.To.Email = "a@b@attache.test" },
		"address empty":    func(m *Message) { m.To.Email = "" },
		"address Cyrillic": func(m *Message) { m.To.Email = "камран@attache.test" },
		"message id":       func(m *Message) { m.MessageID += evil },
		"message id <>":    func(m *Message) { m.MessageID = "a>@b" },
		"control char":     func(m *Message) { m.Subject += "\x00" },
		"not UTF-8":        func(m *Message) { m.To.Name = "\xff" },
		"method mismatch":  func(m *Message) { m.Method = "CANCEL" },
		"method injected":  func(m *Message) { m.Method = "REQUEST; x=\r\n" },
		"method alone":     func(m *Message) { m.Calendar = nil },
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			m := invitation()
			spoil(m)
			raw, err := m.Encode()
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Encode = %v, %q; want ErrInvalid", err, raw)
			}
			if IsTemporary(err) {
				t.Errorf("a refused message is temporary: %v", err)
			}
		})
	}
}

func TestEncodeMethodFromCalendar(t *testing.T) {
	m := invitation()
	m.Method = ""
	raw, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("text/calendar; method=REQUEST; charset=UTF-8")) {
		t.Error("an empty Method is not taken from the calendar")
	}
	m.Method = "request"
	if _, err := m.Encode(); err != nil {
		t.Errorf("METHOD compares case-insensitively: %v", err)
	}
}

func TestEncodeASCIINames(t *testing.T) {
	m := invitation()
	m.From.Name, m.To.Name = `Protocol Office "Attaché"`, "Aliev, Kamran"
	m.Subject = "Invitation: a very long English subject that go-mail has to fold somewhere at a space"
	raw, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	checkInvitation(t, raw, m)
}

func TestEncodeZeroDate(t *testing.T) {
	m := invitation()
	m.Date = time.Time{}
	before := time.Now().Add(-time.Second)
	raw, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("Date: "+before.Format("Mon, 02 Jan 2006"))) {
		t.Errorf("a zero Date is not the time of encoding:\n%s", raw[:200])
	}
}

func TestMessageID(t *testing.T) {
	tests := []struct {
		id      int64
		kind    Kind
		session int64
		seq     int
		domain  string
		want    string
	}{
		{42, KindInvitation, 0, 0, "attache.test", "inv-42-invitation-0@attache.test"},
		{42, KindUpdate, 7, 3, "Attache.TEST", "inv-42-update-s7-3@attache.test"},
		{42, KindReminderDeadline, 0, 1, "attache.test", "inv-42-reminder_deadline-1@attache.test"},
		{42, Kind("x\r\n>y"), 0, 1, "<evil>\r\n.test", "inv-42-xy-1@evil.test"},
		{1, KindCancellation, 0, 4, "", "inv-1-cancellation-4@attache.invalid"},
	}
	for _, tt := range tests {
		got := MessageID(tt.id, tt.kind, tt.session, tt.seq, tt.domain)
		if got != tt.want {
			t.Errorf("MessageID(%d, %q, %d, %d, %q) = %q, want %q", tt.id, tt.kind, tt.session, tt.seq, tt.domain, got, tt.want)
		}
		if err := checkMessageID(got); err != nil {
			t.Error(err)
		}
	}
}
