package mail

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// Reading received mail (interop.md §4.1, §4.3): the headers the intake needs, the
// calendar part a guest's client attached, a delivery-status report, and whether the
// message is an automatic reply. ParseMessage never panics and reads at most
// maxPartBytes of any part; a message it can not read at all is an error.

// Limits on what one message may make the parser do.
const (
	maxPartBytes = 2 << 20
	maxParts     = 200
	maxDepth     = 10
)

// ErrUnreadable wraps every reason a message could not be read.
var ErrUnreadable = errors.New("unreadable message")

// Received is what the intake reads of a received message.
type Received struct {
	// MessageID is without angle brackets; "" when the message has none.
	MessageID string
	// From is the From address, lower-case; FromName its display name.
	From, FromName string
	// Sender is the Sender address, lower-case, "" when absent.
	Sender  string
	Subject string
	// Date is the Date header; nil when missing or unreadable.
	Date *time.Time
	// Recipients are the addresses of To, Cc, Delivered-To, X-Original-To and
	// Envelope-To, lower-case, in that order.
	Recipients []string
	// Calendar is the chosen calendar part as UTF-8 text; nil when none.
	Calendar []byte
	// CalendarType is its media type and CalendarMethod its method parameter (which
	// the object's METHOD overrides).
	CalendarType, CalendarMethod string
	// AutoReply names the header that marks the message as an automatic reply; "" when
	// none does.
	AutoReply string
	// Report is the delivery-status report of a bounce; nil when the message is none.
	Report *DeliveryReport
}

// DeliveryReport is what a bounce (multipart/report; report-type=delivery-status,
// RFC 3464) says about the message it returns.
type DeliveryReport struct {
	// Action and Status are the first recipient's (failed, 5.1.1).
	Action, Status string
	// FinalRecipient is the address the message could not reach, lower-case.
	FinalRecipient string
	// Diagnostic is the Diagnostic-Code text, without its type ("smtp; ").
	Diagnostic string
	// OriginalIDs are the Message-ID, In-Reply-To and References of the returned
	// message's headers, without angle brackets.
	OriginalIDs []string
}

// Failed reports whether the report says the message was not delivered (a delay or a
// relay notice is no bounce).
func (r *DeliveryReport) Failed() bool {
	a := strings.ToLower(r.Action)
	return a == "failed" || (a == "" && strings.HasPrefix(r.Status, "5"))
}

// ParseMessage reads a raw RFC 5322 message.
func ParseMessage(raw []byte) (rcv *Received, err error) {
	defer func() {
		if p := recover(); p != nil {
			rcv, err = nil, fmt.Errorf("%w: parser failed: %v", ErrUnreadable, p)
		}
	}()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	h := e.Header
	if h.Len() == 0 {
		return nil, fmt.Errorf("%w: no header", ErrUnreadable)
	}
	if !looksLikeMail(h) {
		return nil, fmt.Errorf("%w: none of From, Date, Message-ID, Content-Type", ErrUnreadable)
	}
	rcv = &Received{MessageID: messageIDOf(h.Get("Message-Id")), Subject: decodeWords(h.Get("Subject"))}
	rcv.From, rcv.FromName = firstAddress(h.Get("From"))
	rcv.Sender, _ = firstAddress(h.Get("Sender"))
	if d, err := mail.ParseDate(strings.TrimSpace(h.Get("Date"))); err == nil {
		d = d.UTC()
		rcv.Date = &d
	}
	for _, k := range []string{"To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"} {
		for _, v := range h.Values(k) {
			rcv.Recipients = append(rcv.Recipients, addresses(v)...)
		}
	}
	w := &walker{}
	w.walk(e, 0)
	if w.err != nil && w.cal == nil && w.report == nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreadable, w.err)
	}
	if w.cal != nil {
		rcv.Calendar, rcv.CalendarType, rcv.CalendarMethod = w.cal.text, w.cal.mediaType, w.cal.method
	}
	rcv.Report = w.report
	rcv.AutoReply = autoReply(h, rcv.Subject, rcv.Calendar != nil)
	return rcv, nil
}

// looksLikeMail tells a message from arbitrary bytes that happen to parse as a header.
func looksLikeMail(h message.Header) bool {
	for _, k := range []string{"From", "Date", "Message-Id", "Content-Type", "Subject"} {
		if h.Has(k) {
			return true
		}
	}
	return false
}

// calPart is a calendar part found by the walk; rank orders the candidates: the inline
// text/calendar first (interop.md §4.1), then an attached one, application/ics, and
// finally any part named *.ics.
type calPart struct {
	rank      int
	mediaType string
	method    string
	text      []byte
}

type walker struct {
	parts  int
	cal    *calPart
	report *DeliveryReport
	err    error
}

func (w *walker) walk(e *message.Entity, depth int) {
	if w.parts++; w.parts > maxParts || depth > maxDepth {
		return
	}
	mediaType, params, _ := e.Header.ContentType()
	if mr := e.MultipartReader(); mr != nil {
		isReport := mediaType == "multipart/report" && strings.EqualFold(params["report-type"], "delivery-status")
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil && (p == nil || !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err)) {
				if w.err == nil {
					w.err = err
				}
				break
			}
			if isReport {
				w.reportPart(p)
			}
			w.walk(p, depth+1)
		}
		return
	}
	if rank := calendarRank(mediaType, params, e.Header); rank > 0 && (w.cal == nil || rank < w.cal.rank) {
		body, err := io.ReadAll(io.LimitReader(e.Body, maxPartBytes))
		if err != nil && len(body) == 0 {
			if w.err == nil {
				w.err = err
			}
			return
		}
		w.cal = &calPart{rank: rank, mediaType: mediaType, method: strings.ToUpper(params["method"]),
			text: toUTF8(body, params["charset"])}
	}
}

// calendarRank says whether a part is a calendar object, and how much it is preferred
// (1 best); 0 when it is none.
func calendarRank(mediaType string, params map[string]string, h message.Header) int {
	disp, dparams, _ := h.ContentDisposition()
	name := strings.ToLower(dparams["filename"])
	if name == "" {
		name = strings.ToLower(params["name"])
	}
	ics := path.Ext(name) == ".ics" || path.Ext(name) == ".ical" || path.Ext(name) == ".vcs"
	switch {
	case mediaType == "text/calendar" && disp != "attachment":
		return 1
	case mediaType == "text/calendar":
		return 2
	case mediaType == "application/ics" || mediaType == "text/x-vcalendar" || mediaType == "application/x-ics":
		return 3
	case ics:
		return 4
	}
	return 0
}

// reportPart reads the parts of a delivery-status report.
func (w *walker) reportPart(p *message.Entity) {
	mediaType, _, _ := p.Header.ContentType()
	switch mediaType {
	case "message/delivery-status", "message/global-delivery-status":
		if w.report == nil {
			w.report = &DeliveryReport{}
		}
		body, _ := io.ReadAll(io.LimitReader(p.Body, maxPartBytes))
		w.report.readStatus(body)
	case "text/rfc822-headers", "message/rfc822", "message/global", "message/global-headers":
		if w.report == nil {
			w.report = &DeliveryReport{}
		}
		h, err := textproto.ReadHeader(bufio.NewReader(io.LimitReader(p.Body, maxPartBytes)))
		if err != nil && h.Len() == 0 {
			return
		}
		for _, k := range []string{"Message-Id", "In-Reply-To", "References"} {
			w.report.OriginalIDs = append(w.report.OriginalIDs, messageIDs(h.Get(k))...)
		}
	}
}

// readStatus reads the per-message and first per-recipient fields of a
// message/delivery-status body: header-like groups separated by blank lines.
func (r *DeliveryReport) readStatus(body []byte) {
	text := strings.ReplaceAll(string(body), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\n\t", " ")
	text = strings.ReplaceAll(text, "\n ", " ")
	for line := range strings.SplitSeq(text, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "final-recipient":
			if r.FinalRecipient == "" {
				_, addr, ok := strings.Cut(v, ";")
				if !ok {
					addr = v
				}
				r.FinalRecipient = strings.ToLower(strings.Trim(strings.TrimSpace(addr), "<>"))
			}
		case "action":
			if r.Action == "" {
				r.Action = strings.ToLower(v)
			}
		case "status":
			if r.Status == "" {
				r.Status = v
			}
		case "diagnostic-code":
			if r.Diagnostic == "" {
				if _, d, ok := strings.Cut(v, ";"); ok {
					v = strings.TrimSpace(d)
				}
				r.Diagnostic = v
			}
		}
	}
}

// autoReply names the mark of an automatic reply, or "". Strong marks (RFC 3834
// Auto-Submitted: auto-replied, X-Autoreply, Precedence: auto_reply, an out-of-office
// subject) count whatever the message carries; weak ones (Exchange's
// X-Auto-Response-Suppress, which its ordinary meeting responses also carry; other
// Auto-Submitted values; bulk precedence) only when there is no calendar part.
func autoReply(h message.Header, subject string, hasCalendar bool) string {
	as := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted")))
	prec := strings.ToLower(strings.TrimSpace(h.Get("Precedence")))
	switch {
	case strings.HasPrefix(as, "auto-replied"):
		return "Auto-Submitted: " + as
	case h.Has("X-Autoreply") || h.Has("X-Autorespond"):
		return "X-Autoreply"
	case prec == "auto_reply":
		return "Precedence: auto_reply"
	}
	ls := strings.ToLower(subject)
	for _, s := range []string{"out of office", "out of the office", "automatic reply", "auto-reply", "autoreply",
		"auto reply", "abwesenheitsnotiz", "automatische antwort", "réponse automatique", "автоматический ответ",
		"автоответ", "нет на месте", "вне офиса"} {
		if strings.Contains(ls, s) {
			return "subject: " + subject
		}
	}
	if hasCalendar {
		return ""
	}
	switch {
	case as != "" && as != "no":
		return "Auto-Submitted: " + as
	case h.Has("X-Auto-Response-Suppress"):
		return "X-Auto-Response-Suppress"
	case prec == "bulk" || prec == "junk" || prec == "list":
		return "Precedence: " + prec
	}
	return ""
}

// toUTF8 turns a part's text into UTF-8: as is when it already is, else from its
// declared charset, else from windows-1251 when it reads as mostly Cyrillic, else from
// windows-1252 (a superset of Latin-1).
func toUTF8(b []byte, charset string) []byte {
	if utf8.Valid(b) {
		return b
	}
	if cs := strings.ToLower(strings.TrimSpace(charset)); cs != "" && cs != "utf-8" && cs != "utf8" && cs != "us-ascii" {
		if enc, err := htmlindex.Get(cs); err == nil {
			if out, err := enc.NewDecoder().Bytes(b); err == nil && utf8.Valid(out) {
				return out
			}
		}
	}
	var enc encoding.Encoding = charmap.Windows1252
	if cyrillic(b) {
		enc = charmap.Windows1251
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	return out
}

// cyrillic guesses that 8-bit text is windows-1251: Russian words are runs of bytes
// 0xC0–0xFF, where Western text has accented letters one at a time among ASCII ones.
func cyrillic(b []byte) bool {
	runs, single := 0, 0
	for i, c := range b {
		if c < 0xC0 {
			continue
		}
		if i > 0 && b[i-1] >= 0xC0 || i+1 < len(b) && b[i+1] >= 0xC0 {
			runs++
		} else {
			single++
		}
	}
	return runs > single
}

// wordDecoder decodes RFC 2047 words in any charset x/text knows.
var wordDecoder = &mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(cs)
	if err != nil {
		return nil, err
	}
	return enc.NewDecoder().Reader(r), nil
}}

func decodeWords(s string) string {
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		s = d
	}
	return strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
}

// firstAddress is the first address of a header, lower-case, with its display name;
// when the header does not parse, the first thing that looks like an address.
func firstAddress(v string) (addr, name string) {
	if v = strings.TrimSpace(v); v == "" {
		return "", ""
	}
	p := mail.AddressParser{WordDecoder: wordDecoder}
	if list, err := p.ParseList(v); err == nil && len(list) > 0 {
		return strings.ToLower(list[0].Address), list[0].Name
	}
	if as := addresses(v); len(as) > 0 {
		return as[0], ""
	}
	return "", ""
}

// addresses are the addresses of a header, lower-case, leniently.
func addresses(v string) []string {
	p := mail.AddressParser{WordDecoder: wordDecoder}
	if list, err := p.ParseList(v); err == nil {
		out := make([]string, len(list))
		for i, a := range list {
			out[i] = strings.ToLower(a.Address)
		}
		return out
	}
	var out []string
	for f := range strings.FieldsFuncSeq(v, func(r rune) bool { return strings.ContainsRune(" ,;<>\"\t", r) }) {
		if strings.Count(f, "@") == 1 && !strings.HasPrefix(f, "@") && !strings.HasSuffix(f, "@") {
			out = append(out, strings.ToLower(f))
		}
	}
	return out
}

// messageIDOf is the first id of a Message-ID header, without angle brackets.
func messageIDOf(v string) string {
	if ids := messageIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// messageIDs are the ids of a header like References, without angle brackets; a bare
// id without brackets counts too.
func messageIDs(v string) []string {
	var out []string
	for f := range strings.FieldsSeq(v) {
		f = strings.Trim(f, "<>,")
		if f != "" && len(f) <= 250 {
			out = append(out, f)
		}
	}
	return out
}
