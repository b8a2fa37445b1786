package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	gomail "github.com/go-mail/mail/v2"
)

// ErrInvalid marks a message that Encode refuses: a line break or control character in
// a header field (security.md row 7), an address that is not a plain addr-spec, text
// that is not UTF-8, or a calendar whose METHOD disagrees with Method. Such a message
// can never be sent, so a sender treats it as permanent.
var ErrInvalid = errors.New("mail: invalid message")

// Encode writes m as RFC 5322 bytes in the MIME shape of interop.md §1.1: text/plain,
// text/html and, when there is a calendar, text/calendar (method=, last) in a
// multipart/alternative, plus the calendar again as an invite.ics attachment in a
// multipart/mixed around it. Every part is base64 (a third of the size of
// quoted-printable for Cyrillic); the calendar's bytes, CRLFs included, come back
// unchanged after decoding.
//
// go-mail writes the header fields in map order and draws random multipart boundaries;
// Encode puts the fields in a fixed order and derives the boundaries from the
// Message-ID, so the same message encodes to the same bytes (a retry after a crash
// sends what the first try sent, and golden files can hold it). A zero Date is the
// time of encoding.
func (m *Message) Encode() ([]byte, error) {
	if m.encoded != nil {
		return m.encoded, nil
	}
	g, err := m.goMail()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow((len(m.Text)+len(m.HTML)+2*len(m.Calendar))*4/3 + 4096) // base64 and headers
	if _, err := g.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("mail: encode %s: %w", m.MessageID, err)
	}
	return fixHeader(fixBoundaries(buf.Bytes(), m.MessageID)), nil
}

// Prepare encodes m ahead of its sending, so that the transport's Encode returns these
// bytes at once: a sender encodes the next message while one is on the wire. m must
// not change afterwards. A message Encode refuses is left as it was, and its Send
// reports why.
func (m *Message) Prepare() {
	if data, err := m.Encode(); err == nil {
		m.encoded = data
	}
}

// Envelope is the SMTP envelope: MAIL FROM is the From mailbox (bounces come back to
// it) and the only RCPT TO is the recipient, one message per attendee (interop.md §4.3).
func (m *Message) Envelope() (from string, to []string) {
	return m.From.Email, []string{m.To.Email}
}

// goMail checks m and builds it with go-mail. The benchmark's baseline sends this
// same value over go-mail's own connection.
func (m *Message) goMail() (*gomail.Message, error) {
	method, err := m.check()
	if err != nil {
		return nil, err
	}
	// Base64 here also makes go-mail B-encode non-ASCII header words (RFC 2047).
	g := gomail.NewMessage(gomail.SetEncoding(gomail.Base64))
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	g.SetDateHeader("Date", date)
	// The address functions encode the name alone and never touch the addr-spec.
	g.SetAddressHeader("From", m.From.Email, m.From.Name)
	g.SetAddressHeader("To", m.To.Email, m.To.Name)
	g.SetHeader("Subject", m.Subject)
	g.SetHeader("Message-ID", "<"+m.MessageID+">")
	g.SetHeader("MIME-Version", "1.0")

	// go-mail appends "; charset=UTF-8" to each part's type and sets no disposition,
	// which is what calendar clients need of the text/calendar part.
	g.SetBody("text/plain", crlf(m.Text))
	if m.HTML != "" {
		g.AddAlternative("text/html", crlf(m.HTML))
	}
	if len(m.Calendar) > 0 {
		g.AddAlternative("text/calendar; method="+method, string(m.Calendar))
		// Without this header go-mail takes the type from the host's MIME table.
		g.AttachReader("invite.ics", bytes.NewReader(m.Calendar), gomail.SetHeader(map[string][]string{
			"Content-Type": {`application/ics; name="invite.ics"`},
		}))
	}
	return g, nil
}

// check validates m on its own (the layers above validate too, but a header built
// from unchecked text is an injection) and returns the calendar's METHOD, upper case.
func (m *Message) check() (method string, err error) {
	if err := checkMessageID(m.MessageID); err != nil {
		return "", err
	}
	for _, f := range []struct {
		name string
		a    Address
	}{{"From", m.From}, {"To", m.To}} {
		if err := checkAddress(f.name, f.a); err != nil {
			return "", err
		}
	}
	if err := checkHeaderText("Subject", m.Subject); err != nil {
		return "", err
	}
	if !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) || !utf8.Valid(m.Calendar) {
		return "", fmt.Errorf("%w: body of %s is not UTF-8", ErrInvalid, m.MessageID)
	}
	if len(m.Calendar) == 0 {
		if m.Method != "" {
			return "", fmt.Errorf("%w: method %q without a calendar", ErrInvalid, m.Method)
		}
		return "", nil
	}
	inside := calendarMethod(m.Calendar)
	method = strings.ToUpper(m.Method)
	if method == "" {
		method = inside
	}
	// A method= parameter that differs from METHOD makes Outlook refuse the message
	// (interop.md §1.1); a missing one hides the buttons in Thunderbird and Gmail.
	if method == "" || !isToken(method) || method != inside {
		return "", fmt.Errorf("%w: method %q does not match the calendar's METHOD %q", ErrInvalid, m.Method, inside)
	}
	return method, nil
}

// calendarMethod is the value of the first METHOD line of an iCalendar object, upper
// case; "" when there is none. METHOD is a VCALENDAR property, short and never folded.
func calendarMethod(cal []byte) string {
	for line := range bytes.Lines(cal) {
		name, value, ok := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(":"))
		if ok && strings.EqualFold(string(name), "METHOD") {
			return strings.ToUpper(strings.TrimSpace(string(value)))
		}
	}
	return ""
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'A' || c > 'Z') && c != '-' {
			return false
		}
	}
	return s != ""
}

// checkHeaderText refuses what would end a header line or confuse a reader: CR, LF and
// the other control characters, and bytes that are not UTF-8.
func checkHeaderText(field, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not UTF-8", ErrInvalid, field)
	}
	for _, r := range s {
		if r == '\r' || r == '\n' {
			return fmt.Errorf("%w: %s contains a line break", ErrInvalid, field)
		}
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return fmt.Errorf("%w: %s contains a control character", ErrInvalid, field)
		}
	}
	return nil
}

// checkAddress accepts a display name in any script and an ASCII dot-atom addr-spec:
// go-mail writes the addr-spec as given, so nothing in it may need quoting, and go-mail
// has no SMTPUTF8 for non-ASCII mailboxes.
func checkAddress(field string, a Address) error {
	if err := checkHeaderText(field+" name", a.Name); err != nil {
		return err
	}
	local, domain, ok := strings.Cut(a.Email, "@")
	if !ok || !isDotAtom(local) || !isDotAtom(domain) || strings.Contains(domain, "@") {
		return fmt.Errorf("%w: %s address %q is not a plain ASCII addr-spec", ErrInvalid, field, a.Email)
	}
	return nil
}

// checkMessageID accepts id-left "@" id-right as dot-atoms (RFC 5322 §3.6.4).
func checkMessageID(id string) error {
	left, right, ok := strings.Cut(id, "@")
	if !ok || !isDotAtom(left) || !isDotAtom(right) || strings.Contains(right, "@") {
		return fmt.Errorf("%w: Message-ID %q is not dot-atom@dot-atom", ErrInvalid, id)
	}
	return nil
}

// isDotAtom reports whether s is atext separated by single dots (RFC 5322 §3.2.3).
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.':
		case strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// crlf writes line breaks as CRLF: text is canonical with CRLF before base64 (RFC 2045
// §6.8), since a decoder does not restore them.
func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// fixBoundaries replaces each boundary go-mail drew (mime/multipart's 60 random hex
// digits), outermost first, with one derived from the Message-ID. The new ones contain
// "_" and ".", which base64 never produces, and every part is base64, so no body line
// can look like a delimiter. (go-mail's SetBoundary would give the nested multiparts one
// and the same boundary, which breaks the nesting.)
func fixBoundaries(raw []byte, messageID string) []byte {
	const param, random = "boundary=", 60
	sum := sha256.Sum256([]byte(messageID))
	tag := hex.EncodeToString(sum[:10])
	var olds, news [][]byte
	for rest := raw; ; {
		i := bytes.Index(rest, []byte(param))
		if i < 0 || len(rest) < i+len(param)+random {
			break
		}
		rest = rest[i+len(param):]
		if !isHex(rest[:random]) {
			continue
		}
		olds = append(olds, rest[:random])
		news = append(news, fmt.Appendf(nil, "_attache.%d.%s", len(news), tag))
		rest = rest[random:]
	}
	// Each old boundary occurs on its delimiter lines; the parts in between are base64.
	for i := range olds {
		raw = bytes.ReplaceAll(raw, olds[i], news[i])
	}
	return raw
}

func isHex(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// headerOrder is the order Encode writes the top-level fields in; go-mail's is random.
var headerOrder = []string{"date", "from", "to", "subject", "message-id", "mime-version",
	"content-type", "content-transfer-encoding"}

// fixHeader sorts the top-level header fields into headerOrder; fields not in the list
// follow in their original order (the order carries no meaning, RFC 5322 §3.6). It also
// folds each field again: go-mail leaves two encoded-words on one line of up to 160
// octets when the first does not fit, and RFC 2047 §2 allows 76 on a line with one.
func fixHeader(raw []byte) []byte {
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		return raw
	}
	var fields [][]byte
	for line := range bytes.SplitSeq(head, []byte("\r\n")) {
		if len(fields) > 0 && len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			last := len(fields) - 1
			fields[last] = append(append(fields[last], "\r\n"...), line...)
			continue
		}
		fields = append(fields, slices.Clone(line))
	}
	rank := func(f []byte) int {
		name, _, _ := bytes.Cut(f, []byte(":"))
		if i := slices.Index(headerOrder, strings.ToLower(string(name))); i >= 0 {
			return i
		}
		return len(headerOrder)
	}
	slices.SortStableFunc(fields, func(a, b []byte) int { return rank(a) - rank(b) })
	out := make([]byte, 0, len(raw)+64)
	for _, f := range fields {
		out = append(fold(out, f), "\r\n"...)
	}
	out = append(out, "\r\n"...)
	return append(out, body...)
}

// maxLine is the longest header line fold writes where it can (RFC 2047 §2).
const maxLine = 76

// fold appends field to out, unfolded and folded again before a space so that no line
// is longer than maxLine where a space allows it. Between encoded-words and inside a
// quoted string a fold is whitespace a reader removes (RFC 2047 §6.2, RFC 5322 §3.2.4).
func fold(out, field []byte) []byte {
	line := bytes.ReplaceAll(field, []byte("\r\n"), nil)
	// The first fold may come right after the colon (Go's encoded-words are up to 75
	// octets long, which leaves no room for "Subject: " before the first one).
	name := bytes.IndexByte(line, ':') + 1
	for len(line) > maxLine {
		i := bytes.LastIndexByte(line[:maxLine+1], ' ')
		if i < name {
			j := bytes.IndexByte(line[min(name, len(line)):], ' ')
			if j < 0 {
				break
			}
			i = name + j
		}
		out = append(append(out, line[:i]...), "\r\n"...)
		line, name = line[i:], 1
	}
	return append(out, line...)
}
