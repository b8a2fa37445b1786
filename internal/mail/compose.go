package mail

import (
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	_ "time/tzdata" // zones from Go's own tz database where the host has none

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/i18n"
	"github.com/attache-app/attache/web"
)

// Compose writes the letter l in its language (English when Attaché has no
// translation): the subject, the plain text and the HTML. The words come from the i18n
// catalogues (keys "mail.*"), the layout from web/templates/mail/letter.txt and
// letter.html; html/template escapes every value, so a name typed as markup shows as
// text. Times are shown in l.Timezone.
//
// The templates lay a letter out as a row of blocks, each the mailing's (the same for
// every guest of one event, kind and language) or the guest's. Compose writes the
// guest's blocks for every letter and takes the mailing's from the last letters of the
// same mailing (mailings): of an invitation sent to many guests, only the salutation,
// the guest's line and the links are written for each, which took three quarters of the
// templates' time. The letter is the one the whole template writes
// (TestComposeBlocksAsWhole, FuzzCompose).
func Compose(l Letter) (subject, text, html string, err error) {
	t, err := letterTemplates()
	if err != nil {
		return "", "", "", err
	}
	v, err := newLetterView(l)
	if err != nil {
		return "", "", "", err
	}
	m, err := t.mailingBlocks(v.Mailing)
	if err != nil {
		return "", "", "", err
	}
	var tb, hb strings.Builder
	tb.Grow(m.textLen + 512)
	hb.Grow(m.htmlLen + 1024)
	for i, b := range letterBlocks {
		if !b.guest {
			tb.WriteString(m.text[i])
			hb.WriteString(m.html[i])
			continue
		}
		if err := t.textBlocks[i].Execute(&tb, v.Guest); err != nil {
			return "", "", "", fmt.Errorf("mail: letter.txt: %w", err)
		}
		if err := t.htmlBlocks[i].Execute(&hb, v.Guest); err != nil {
			return "", "", "", fmt.Errorf("mail: letter.html: %w", err)
		}
	}
	return v.Mailing.Subject, tb.String(), hb.String(), nil
}

// letterBlocks are the blocks of both letter templates in the order the whole template
// writes them, and whose each is: the guest's (.Guest) or the mailing's (.Mailing).
var letterBlocks = []struct {
	name  string
	guest bool
}{
	{"head", false}, {"salutation", true}, {"event", false}, {"guest", true},
	{"facts", false}, {"links", true}, {"end", false},
}

// letters are the two parsed templates of a letter and their blocks, in the order of
// letterBlocks.
type letters struct {
	text       *texttemplate.Template
	html       *htmltemplate.Template
	textBlocks []*texttemplate.Template
	htmlBlocks []*htmltemplate.Template
	mailings   *mailings
}

// letterTemplates parses the embedded templates once; they never change afterwards.
var letterTemplates = sync.OnceValues(func() (letters, error) {
	fsys := web.Templates()
	text, err := texttemplate.ParseFS(fsys, "mail/letter.txt")
	if err != nil {
		return letters{}, fmt.Errorf("mail: %w", err)
	}
	html, err := htmltemplate.ParseFS(fsys, "mail/letter.html")
	if err != nil {
		return letters{}, fmt.Errorf("mail: %w", err)
	}
	t := letters{text: text, html: html, mailings: &mailings{}}
	for _, b := range letterBlocks {
		tb, hb := text.Lookup(b.name), html.Lookup(b.name)
		if tb == nil || hb == nil {
			return letters{}, fmt.Errorf("mail: letter templates: no block %q", b.name)
		}
		t.textBlocks, t.htmlBlocks = append(t.textBlocks, tb), append(t.htmlBlocks, hb)
	}
	return t, nil
})

// mailingParts are a mailing's blocks as written, by their index in letterBlocks (the
// guest's stay empty).
type mailingParts struct {
	text, html       []string
	textLen, htmlLen int
}

// mailings keeps the blocks of the latest mailings, by mailingView.key. A key holds
// every word of the mailing's blocks, so a kept block is the one writing it again would
// give. When mailingsKept are kept, the next new one starts over.
type mailings struct {
	mu   sync.Mutex
	kept map[string]*mailingParts
}

const mailingsKept = 64

// mailingBlocks returns the written blocks of mailing m, kept or written now.
func (t letters) mailingBlocks(m *mailingView) (*mailingParts, error) {
	key := m.key()
	t.mailings.mu.Lock()
	p := t.mailings.kept[key]
	t.mailings.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p = &mailingParts{text: make([]string, len(letterBlocks)), html: make([]string, len(letterBlocks))}
	var b strings.Builder
	for i, lb := range letterBlocks {
		if lb.guest {
			continue
		}
		b.Reset()
		if err := t.textBlocks[i].Execute(&b, m); err != nil {
			return nil, fmt.Errorf("mail: letter.txt: %w", err)
		}
		p.text[i] = b.String()
		b.Reset()
		if err := t.htmlBlocks[i].Execute(&b, m); err != nil {
			return nil, fmt.Errorf("mail: letter.html: %w", err)
		}
		p.html[i] = b.String()
		p.textLen += len(p.text[i])
		p.htmlLen += len(p.html[i])
	}
	t.mailings.mu.Lock()
	if len(t.mailings.kept) >= mailingsKept || t.mailings.kept == nil {
		t.mailings.kept = make(map[string]*mailingParts, mailingsKept)
	}
	t.mailings.kept[key] = p
	t.mailings.mu.Unlock()
	return p, nil
}

// letterView is a letter put into words; the templates only lay it out.
type letterView struct {
	Mailing *mailingView
	Guest   *guestView
}

// mailingView is what a letter says that is the same for every guest of a mailing.
// Everything in it is in key.
type mailingView struct {
	Lang, Subject string
	Intro         string
	Title         string
	Anniversary   string
	Facts         []letterFact // the event's, shown after the guest's (guestView.For)
	ChangesIntro  string
	Changes       []letterChange
	Notes         []string
	Closing       string
	Signature     string
	Footer        string
}

// guestView is what a letter says to its guest alone.
type guestView struct {
	Salutation string
	For        letterFact
	Links      []letterLink
}

// key is every word of m, each with its length before it, so that two mailings have
// the same key exactly when their blocks read the same words (TestMailingKey).
func (m *mailingView) key() string {
	var b strings.Builder
	b.Grow(512)
	put := func(s ...string) {
		for _, x := range s {
			b.WriteString(strconv.Itoa(len(x)))
			b.WriteByte(':')
			b.WriteString(x)
		}
	}
	put(m.Lang, m.Subject, m.Intro, m.Title, m.Anniversary, m.ChangesIntro, m.Closing, m.Signature, m.Footer)
	b.WriteString(strconv.Itoa(len(m.Facts)))
	for _, f := range m.Facts {
		put(f.Label, f.Value)
	}
	b.WriteString(strconv.Itoa(len(m.Changes)))
	for _, c := range m.Changes {
		put(c.Label, c.Old, c.New)
	}
	b.WriteString(strconv.Itoa(len(m.Notes)))
	put(m.Notes...)
	return b.String()
}

type letterFact struct{ Label, Value string }

type letterChange struct{ Label, Old, New string }

// letterLink is a labelled link. Href is the URL for html/template, which would replace
// a webcal:// URL given as a string; it is set only for the schemes Attaché issues.
type letterLink struct {
	Label, URL string
	Href       htmltemplate.URL
}

// newLetterView puts l into the words of its language (i18n.Match): the mailing's and
// the guest's.
func newLetterView(l Letter) (*letterView, error) {
	switch l.Kind {
	case KindInvitation, KindUpdate, KindCancellation, KindReminderDeadline, KindReminderEvent:
	default:
		return nil, fmt.Errorf("mail: unknown letter kind %q", l.Kind)
	}
	loc := time.UTC
	if l.Timezone != "" {
		var err error
		if loc, err = domain.LoadZone(l.Timezone); err != nil {
			return nil, fmt.Errorf("mail: letter timezone: %w", err)
		}
	}
	lc := i18n.Match(l.Language)
	kind := string(l.Kind)
	if l.Kind == KindCancellation {
		switch l.Cancelled {
		case "", CancelledItem:
		case CancelledWithdrawn, CancelledNotTakingPart:
			// Its own subject and opening: the event itself goes on.
			kind += "." + string(l.Cancelled)
			if l.Cancelled == CancelledWithdrawn {
				l.RSVPURL, l.FeedURL = "", ""
			}
		default:
			return nil, fmt.Errorf("mail: unknown cancellation reason %q", l.Cancelled)
		}
	}
	v := &mailingView{
		Lang:      lc.Code(),
		Subject:   lc.T("mail.subject."+kind, l.Title),
		Intro:     lc.T("mail.intro." + kind),
		Title:     l.Title,
		Closing:   lc.T("mail.closing"),
		Signature: l.Organizer,
		Footer:    lc.T("mail.footer"),
	}
	if v.Signature == "" {
		v.Signature = lc.T("mail.signature")
	}
	g := &guestView{}
	if s := strings.TrimSpace(l.Salutation); s != "" {
		if !strings.ContainsAny(s[len(s)-1:], ",!.:;") {
			s += lc.T("mail.salutation_end")
		}
		g.Salutation = s
	} else {
		g.Salutation = lc.T("mail.salutation", l.GuestName)
	}
	if l.Ordinal > 0 {
		v.Anniversary = lc.Anniversary(l.Ordinal)
	}

	guest := l.GuestName
	if l.Honorific != "" {
		guest += ", " + l.Honorific
	}
	g.For = letterFact{lc.T("mail.for"), guest}
	if l.Parent != "" {
		v.Facts = append(v.Facts, letterFact{lc.T("mail.part_of"), l.Parent})
	}
	start := l.Start.In(loc)
	var when string
	if l.End.IsZero() {
		when = lc.DateTime(start)
	} else {
		when = lc.Span(start, l.End.In(loc))
	}
	v.Facts = append(v.Facts, letterFact{lc.T("mail.when"), when + ", " + i18n.Zone(start)})
	if l.Place != "" {
		v.Facts = append(v.Facts, letterFact{lc.T("mail.where"), l.Place})
	}

	deadline := ""
	if l.Deadline != nil {
		deadline = lc.T("mail.deadline", lc.DateTime(l.Deadline.In(loc)))
	}
	switch l.Kind {
	case KindInvitation:
		v.Notes = nonEmpty(deadline)
	case KindUpdate:
		v.ChangesIntro = lc.T("mail.changes")
		for _, c := range l.Changes {
			label := c.Field
			if key := "mail.change." + c.Field; lc.Has(key) {
				label = lc.T(key)
			}
			ch := letterChange{Label: label, Old: c.Old, New: c.New}
			if ch.New == "" {
				ch.New = lc.T("mail.change.removed")
			}
			v.Changes = append(v.Changes, ch)
		}
		v.Notes = nonEmpty(lc.T("mail.update_note"), deadline)
	case KindCancellation:
		v.Notes = nonEmpty(lc.T("mail.cancellation_note"))
	case KindReminderDeadline:
		if deadline == "" {
			deadline = lc.T("mail.deadline_asap")
		}
		v.Notes = nonEmpty(deadline)
	case KindReminderEvent:
		v.Notes = nonEmpty(lc.T("mail.reminder_event", lc.DateTime(start)))
	}

	rsvpLabel := lc.T("mail.rsvp")
	if l.Kind == KindCancellation {
		rsvpLabel = lc.T("mail.details")
	}
	g.Links = appendLink(g.Links, rsvpLabel, l.RSVPURL)
	g.Links = appendLink(g.Links, lc.T("mail.feed"), l.FeedURL)
	return &letterView{Mailing: v, Guest: g}, nil
}

// appendLink adds a link when url is one of ours: https (http for a local setup) or
// webcal. Anything else is left out of the letter rather than shown as a dead link.
func appendLink(links []letterLink, label, url string) []letterLink {
	for _, scheme := range []string{"https://", "http://", "webcal://", "webcals://"} {
		// The scheme in any case; strings.ToLower(url) would copy the whole URL.
		if len(url) >= len(scheme) && strings.EqualFold(url[:len(scheme)], scheme) {
			return append(links, letterLink{Label: label, URL: url, Href: htmltemplate.URL(url)})
		}
	}
	return links
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, x := range s {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}
