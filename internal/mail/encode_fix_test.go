package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
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

// TestEncodeSubjectSaysBoundary: a subject that looks like a boundary parameter still
// encodes to the same bytes every time, into a message go-message reads.
func TestEncodeSubjectSaysBoundary(t *testing.T) {
	encode := func() []byte {
		m := invitation()
		m.Subject = "boundary=" + strings.Repeat("0123456789abcdef", 4)
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
}
