package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// crlf is the plain statement of appendCRLF: every CRLF, lone CR and lone LF becomes
// CRLF. Tests compare the bodies they read back with it.
func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

func TestAppendCRLF(t *testing.T) {
	for _, s := range []string{"", "a", "\n", "\r", "\r\n", "\n\r", "\r\r\n", "\r\n\n", "\n\n\r\r",
		"a\nb\r\nc\rd", "Уважаемый\nгость\r", "\r\n\r\n\r", "x\r"} {
		got := appendCRLF([]byte("prefix"), s)
		if want := "prefix" + crlf(s); string(got) != want {
			t.Errorf("appendCRLF(%q) = %q, want %q", s, got[len("prefix"):], want[len("prefix"):])
		}
		if n := crlfLen(s); n != len(crlf(s)) {
			t.Errorf("crlfLen(%q) = %d, want %d", s, n, len(crlf(s)))
		}
	}
}

// TestFixHeaderInPlace: fixHeader sorts and refolds the header in the buffer it is
// given, moving the body when the header grows.
func TestFixHeaderInPlace(t *testing.T) {
	raw := "X-Other: 1\r\nSubject: " + strings.Repeat("abcdefghi ", 20) + "end\r\nDate: d\r\nsubject-extra: x\r\n\r\nbody\r\n"
	want := "Date: d\r\n" +
		"Subject: abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi\r\n" +
		" abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi\r\n" +
		" abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi end\r\n" +
		"X-Other: 1\r\nsubject-extra: x\r\n\r\nbody\r\n"
	b := []byte(raw)
	if got := fixHeader(b[:len(b):len(b)]); string(got) != want {
		t.Errorf("fixHeader\n got %q\nwant %q", got, want)
	}
	folded := "Content-Type: multipart/mixed;\r\n boundary=b\r\nDate: d\r\n\r\nx"
	if got := fixHeader([]byte(folded)); string(got) != "Date: d\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\nx" {
		t.Errorf("fixHeader(%q) = %q", folded, got)
	}
}

// replaceBoundaries is the plain statement of fixBoundaries for go-mail's messages:
// each boundary declared with 60 hex digits, in order, replaced everywhere.
func replaceBoundaries(raw []byte, messageID string) []byte {
	sum := sha256.Sum256([]byte(messageID))
	tag := hex.EncodeToString(sum[:10])
	var olds [][]byte
	for rest := raw; ; {
		i := bytes.Index(rest, []byte("boundary="))
		if i < 0 || len(rest) < i+9+60 {
			break
		}
		if rest = rest[i+9:]; isHex(rest[:60]) {
			olds = append(olds, rest[:60])
			rest = rest[60:]
		}
	}
	for n, old := range olds {
		raw = bytes.ReplaceAll(raw, old, fmt.Appendf(nil, "_attache.%d.%s", n, tag))
	}
	return raw
}

// TestFixBoundaries: replacing the boundaries where go-mail writes them, in place, gives
// what replacing them everywhere does, with and without the optional parts.
func TestFixBoundaries(t *testing.T) {
	noCalendar := invitation()
	noCalendar.Calendar, noCalendar.Method = nil, ""
	noHTML := invitation()
	noHTML.HTML = ""
	for _, m := range []*Message{invitation(), noCalendar, noHTML} {
		g, err := m.goMail()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := g.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		got := fixBoundaries(bytes.Clone(buf.Bytes()), m.MessageID)
		if want := replaceBoundaries(bytes.Clone(buf.Bytes()), m.MessageID); !bytes.Equal(got, want) {
			t.Errorf("in place:\n%s\n---\nreplaced everywhere:\n%s", got, want)
		}
		if n := bytes.Count(got, []byte("boundary=")); n == 0 || n != bytes.Count(got, []byte("boundary=_attache.")) {
			t.Errorf("a boundary go-mail drew is left:\n%s", got)
		}
	}
}

// TestEncodeSubjectSaysBoundary: a subject that looks like a boundary parameter is sent
// as it is, and the message encodes to the same bytes every time, into one go-message
// reads.
func TestEncodeSubjectSaysBoundary(t *testing.T) {
	subject := "boundary=" + strings.Repeat("0123456789abcdef", 4)
	encode := func() []byte {
		m := invitation()
		m.Subject = subject
		raw, err := m.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	a := encode()
	if b := encode(); !bytes.Equal(a, b) {
		t.Errorf("two encodings differ:\n%s\n---\n%s", a, b)
	}
	readTree(t, a)
	e, err := message.Read(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := (&mail.Header{Header: e.Header}).Subject(); got != subject {
		t.Errorf("Subject %q, want %q", got, subject)
	}
}

// FuzzEncode: whatever the subject, names and bodies, Encode either refuses the message
// (ErrInvalid) or writes one that go-message reads back whole: the same subject and
// names, the texts with CRLF line ends, the calendar unchanged in both places, the
// header fields in their fixed order, and the same bytes each time.
func FuzzEncode(f *testing.F) {
	m := invitation()
	f.Add(m.Subject, m.To.Name, m.From.Name, m.Text, m.HTML)
	f.Add("boundary="+strings.Repeat("0123456789abcdef", 4), "a\r\nBcc: x@y", "--", "\r.\r\n", "=?utf-8?b?=")
	f.Add(strings.Repeat("Приглашение ", 20), `"Quoted, Name" <x>`, "", "\n\n\r", "")
	f.Fuzz(func(t *testing.T, subject, to, from, text, html string) {
		m := invitation()
		m.Subject, m.To.Name, m.From.Name, m.Text, m.HTML = subject, to, from, text, html
		raw, err := m.Encode()
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Encode: %v", err)
			}
			return
		}
		if again, _ := m.Encode(); !bytes.Equal(raw, again) {
			t.Fatal("two encodings differ")
		}
		e, err := message.Read(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("go-message: %v", err)
		}
		h := mail.Header{Header: e.Header}
		// A reader drops the white space around a field's value where it is not
		// encoded.
		ws := func(s string) string { return strings.Trim(s, " \t") }
		if got, err := h.Subject(); err != nil || ws(got) != ws(subject) {
			t.Errorf("Subject %q (%v), want %q", got, err, subject)
		}
		for field, want := range map[string]Address{"To": m.To, "From": m.From} {
			as, err := h.AddressList(field)
			if err != nil || len(as) != 1 || as[0].Address != want.Email || ws(as[0].Name) != ws(want.Name) {
				t.Errorf("%s %v (%v), want %q <%s>", field, as, err, want.Name, want.Email)
			}
		}
		fields := h.Fields()
		var order []string
		for fields.Next() {
			order = append(order, strings.ToLower(fields.Key()))
		}
		if !slices.IsSortedFunc(order, func(a, b string) int { return rank([]byte(a)) - rank([]byte(b)) }) || order[0] != "date" {
			t.Errorf("header order %v", order)
		}
		tree := readTree(t, raw)
		texts := []string{crlf(text)}
		if html != "" {
			texts = append(texts, crlf(html))
		}
		if len(tree.Parts) != 2 || len(tree.Parts[0].Parts) != len(texts)+1 {
			t.Fatalf("MIME tree %+v", tree)
		}
		alt := tree.Parts[0].Parts
		for i, want := range texts {
			if string(alt[i].Body) != want {
				t.Errorf("text %d changed: %q, want %q", i, alt[i].Body, want)
			}
		}
		if !bytes.Equal(alt[len(texts)].Body, m.Calendar) || !bytes.Equal(tree.Parts[1].Body, m.Calendar) {
			t.Error("calendar changed")
		}
	})
}
