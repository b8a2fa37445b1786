package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
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
	// which is what calendar clients need of the text/calendar part. The bodies are
	// handed over as bytes, both texts in one buffer.
	text := make([]byte, 0, crlfLen(m.Text)+crlfLen(m.HTML))
	text = appendCRLF(text, m.Text)
	g.SetBodyWriter("text/plain", copier(text))
	if m.HTML != "" {
		html := appendCRLF(text[len(text):], m.HTML)
		g.AddAlternativeWriter("text/html", copier(html))
	}
	if len(m.Calendar) > 0 {
		g.AddAlternativeWriter("text/calendar; method="+method, copier(m.Calendar))
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
	if err := checkAddress("From", "From name", m.From); err != nil {
		return "", err
	}
	if err := checkAddress("To", "To name", m.To); err != nil {
		return "", err
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
	// In UTF-8 every byte below 0x80 is an ASCII character of its own, so the bytes
	// can be read one by one.
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			return fmt.Errorf("%w: %s contains a line break", ErrInvalid, field)
		}
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return fmt.Errorf("%w: %s contains a control character", ErrInvalid, field)
		}
	}
	return nil
}

// checkAddress accepts a display name in any script and an ASCII dot-atom addr-spec:
// go-mail writes the addr-spec as given, so nothing in it may need quoting, and go-mail
// has no SMTPUTF8 for non-ASCII mailboxes. nameField names the display name in errors
// ("From name").
func checkAddress(field, nameField string, a Address) error {
	if err := checkHeaderText(nameField, a.Name); err != nil {
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

// appendCRLF appends s to dst with its line breaks written as CRLF: text is canonical
// with CRLF before base64 (RFC 2045 §6.8), since a decoder does not restore them. A
// CRLF, a lone CR and a lone LF each become one CRLF.
func appendCRLF(dst []byte, s string) []byte {
	for {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(append(dst, s[:i]...), "\r\n"...)
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
}

// crlfLen is the length of appendCRLF(nil, s).
func crlfLen(s string) int {
	// A lone LF or CR grows by one octet, a CRLF stays.
	return len(s) + strings.Count(s, "\n") + strings.Count(s, "\r") - 2*strings.Count(s, "\r\n")
}

// copier is a go-mail body that writes b in one piece (go-mail's own, for a string,
// copies it into bytes first).
func copier(b []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	}
}

// fixBoundaries replaces each boundary go-mail drew (mime/multipart's 60 random hex
// digits), outermost first, with one derived from the Message-ID. The new ones contain
// "_" and ".", which base64 never produces, and every part is base64, so no body line
// can look like a delimiter. (go-mail's SetBoundary would give the nested multiparts one
// and the same boundary, which breaks the nesting.) raw is rewritten in place: a new
// boundary is shorter than the old one.
//
// A boundary go-mail drew occurs only where it is declared ("boundary=") and on its
// delimiter lines ("--"), and only there is it replaced. A declaration counts only in
// the Content-Type field of a multipart entity: a subject or a name that says
// "boundary=" and 60 hex digits is left as it is.
func fixBoundaries(raw []byte, messageID string) []byte {
	const param, random = "boundary=", 60
	// declared are the boundaries in order of declaration: raw[at:at+random] is the n-th.
	type boundary struct{ at, n int }
	var buf [16]boundary
	declared := buf[:0]
	// Base64 has "=" only at its end, which makes it the cheap thing to look for.
	for from, i := 0, 0; ; i++ {
		j := bytes.IndexByte(raw[i:], '=')
		if j < 0 {
			break
		}
		i += j
		if start := i + 1 - len(param); start < from || string(raw[start:i+1]) != param {
			continue
		}
		if len(raw) < i+1+random {
			break
		}
		from = i + 1
		if isHex(raw[from:from+random]) && inMultipartType(raw, i+1-len(param)) {
			declared = append(declared, boundary{from, len(declared)})
			i += random
			from = i + 1
		}
	}
	if len(declared) == 0 {
		return raw
	}
	var id [128]byte // the Message-ID's bytes, on the stack when it is short
	sum := sha256.Sum256(append(id[:0], messageID...))
	var tag [20]byte
	hex.Encode(tag[:], sum[:10])
	var newBuf [64]byte
	newBoundary := func(n int) []byte {
		b := strconv.AppendInt(append(newBuf[:0], "_attache."...), int64(n), 10)
		return append(append(b, '.'), tag[:]...)
	}

	// Each delimiter line starts with "--"; base64 has no "-". found appends to the
	// declarations, beyond what the loop reads of them.
	found := declared
	for i := 0; ; i++ {
		j := bytes.IndexByte(raw[i:], '-')
		if j < 0 || len(raw) < i+j+2+random {
			break
		}
		i += j
		if raw[i+1] != '-' {
			continue
		}
		for _, d := range declared {
			if bytes.Equal(raw[i+2:i+2+random], raw[d.at:d.at+random]) {
				found = append(found, boundary{i + 2, d.n})
				i += 1 + random
				break
			}
		}
	}
	slices.SortFunc(found, func(a, b boundary) int { return a.at - b.at })
	w, r := 0, 0
	for _, f := range found {
		w += copy(raw[w:], raw[r:f.at])
		w += copy(raw[w:], newBoundary(f.n))
		r = f.at + random
	}
	w += copy(raw[w:], raw[r:])
	return raw[:w]
}

// inMultipartType reports whether raw[at:] lies in the Content-Type field of a multipart
// entity: the header field that holds it (with its folded lines) starts with
// "Content-Type: multipart/", as go-mail writes it.
func inMultipartType(raw []byte, at int) bool {
	for {
		j := bytes.LastIndex(raw[:at], []byte("\r\n"))
		if j < 0 {
			at = 0
			break
		}
		if c := raw[j+2]; c != ' ' && c != '\t' {
			at = j + 2
			break
		}
		at = j
	}
	return bytes.HasPrefix(raw[at:], []byte("Content-Type: multipart/"))
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

// field is one top-level header field of a message: raw[start:end], its lines joined by
// CRLF, and its place in headerOrder.
type field struct{ start, end, rank int }

// fixHeader sorts the top-level header fields into headerOrder; fields not in the list
// follow in their original order (the order carries no meaning, RFC 5322 §3.6). It also
// folds each field again: go-mail leaves two encoded-words on one line of up to 160
// octets when the first does not fit, and RFC 2047 §2 allows 76 on a line with one.
// raw is rewritten in place (it grows when the new folding is longer).
func fixHeader(raw []byte) []byte {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		return raw
	}
	var buf [16]field
	fields := buf[:0]
	for i := 0; i <= end; {
		j := bytes.Index(raw[i:end], []byte("\r\n"))
		if j < 0 {
			j = end
		} else {
			j += i
		}
		if len(fields) > 0 && j > i && (raw[i] == ' ' || raw[i] == '\t') {
			fields[len(fields)-1].end = j
		} else {
			fields = append(fields, field{start: i, end: j})
		}
		i = j + 2
	}
	for i := range fields {
		fields[i].rank = rank(raw[fields[i].start:fields[i].end])
	}
	slices.SortStableFunc(fields, func(a, b field) int { return a.rank - b.rank })

	var hb [2048]byte // the new header, on the stack when it is of a usual size
	var lb [512]byte  // one field unfolded
	head := hb[:0]
	for _, f := range fields {
		line := unfold(lb[:0], raw[f.start:f.end])
		head = append(fold(head, line), "\r\n"...)
	}
	head = append(head, "\r\n"...)
	// The body moves from end+4 to len(head), then the header goes in front of it.
	body := len(raw) - end - 4
	if n := len(head) + body; n > len(raw) {
		raw = slices.Grow(raw, n-len(raw))[:n]
	}
	copy(raw[len(head):], raw[end+4:end+4+body])
	copy(raw, head)
	return raw[:len(head)+body]
}

// rank is the place of a field in headerOrder, len(headerOrder) when it is not there.
func rank(f []byte) int {
	name, _, _ := bytes.Cut(f, []byte(":"))
	if !isASCII(name) { // as rare as it is slow: strings.ToLower maps some to ASCII
		if i := slices.Index(headerOrder, strings.ToLower(string(name))); i >= 0 {
			return i
		}
		return len(headerOrder)
	}
	for i, h := range headerOrder {
		if bytes.EqualFold(name, []byte(h)) {
			return i
		}
	}
	return len(headerOrder)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// unfold appends field to dst without its CRLFs; a field of one line comes back as it
// is.
func unfold(dst, field []byte) []byte {
	i := bytes.Index(field, []byte("\r\n"))
	if i < 0 {
		return field
	}
	for ; i >= 0; i = bytes.Index(field, []byte("\r\n")) {
		dst = append(dst, field[:i]...)
		field = field[i+2:]
	}
	return append(dst, field...)
}

// maxLine is the longest header line fold writes where it can (RFC 2047 §2).
const maxLine = 76

// fold appends line, an unfolded field, to out, folded before a lone space so that no
// line is longer than maxLine where such a space allows it. Between encoded-words and
// inside a quoted string a fold is whitespace a reader removes (RFC 2047 §6.2, RFC 5322
// §3.2.4).
func fold(out, line []byte) []byte {
	// The first fold may come right after the colon (Go's encoded-words are up to 75
	// octets long, which leaves no room for "Subject: " before the first one).
	name := bytes.IndexByte(line, ':') + 1
	for len(line) > maxLine {
		i := -1
		for k := maxLine; k >= name && i < 0; k-- {
			if lone(line, k) {
				i = k
			}
		}
		for k := max(name, maxLine+1); k < len(line) && i < 0; k++ {
			if lone(line, k) {
				i = k
			}
		}
		if i < 0 {
			break
		}
		out = append(append(out, line[:i]...), "\r\n"...)
		line, name = line[i:], 1
	}
	return append(out, line...)
}

// lone reports whether line[i] is a space with no white space beside it, where fold may
// break the line: readers that join folded lines with one space (Go's net/textproto,
// go-message) would read a run of spaces broken there as one.
func lone(line []byte, i int) bool {
	white := func(c byte) bool { return c == ' ' || c == '\t' }
	return line[i] == ' ' && (i == 0 || !white(line[i-1])) && (i+1 == len(line) || !white(line[i+1]))
}
