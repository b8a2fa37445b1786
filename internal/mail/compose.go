package mail

import (
	"fmt"
	htmltemplate "html/template"
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
func Compose(l Letter) (subject, text, html string, err error) {
	t, err := letterTemplates()
	if err != nil {
		return "", "", "", err
	}
	v, err := newLetterView(l)
	if err != nil {
		return "", "", "", err
	}
	var tb, hb strings.Builder
	if err := t.text.Execute(&tb, v); err != nil {
		return "", "", "", fmt.Errorf("mail: letter.txt: %w", err)
	}
	if err := t.html.Execute(&hb, v); err != nil {
		return "", "", "", fmt.Errorf("mail: letter.html: %w", err)
	}
	return v.Subject, tb.String(), hb.String(), nil
}

// letters are the two parsed templates of a letter.
type letters struct {
	text *texttemplate.Template
	html *htmltemplate.Template
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
	return letters{text: text, html: html}, nil
})

// letterView is a letter put into words; the templates only lay it out.
type letterView struct {
	Lang, Subject string
	Salutation    string
	Intro         string
	Title         string
	Anniversary   string
	Facts         []letterFact
	ChangesIntro  string
	Changes       []letterChange
	Notes         []string
	Links         []letterLink
	Closing       string
	Signature     string
	Footer        string
}

type letterFact struct{ Label, Value string }

type letterChange struct{ Label, Old, New string }

// letterLink is a labelled link. Href is the URL for html/template, which would replace
// a webcal:// URL given as a string; it is set only for the schemes Attaché issues.
type letterLink struct {
	Label, URL string
	Href       htmltemplate.URL
}

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
	v := &letterView{
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
	if s := strings.TrimSpace(l.Salutation); s != "" {
		if !strings.ContainsAny(s[len(s)-1:], ",!.:;") {
			s += lc.T("mail.salutation_end")
		}
		v.Salutation = s
	} else {
		v.Salutation = lc.T("mail.salutation", l.GuestName)
	}
	if l.Ordinal > 0 {
		v.Anniversary = lc.Anniversary(l.Ordinal)
	}

	guest := l.GuestName
	if l.Honorific != "" {
		guest += ", " + l.Honorific
	}
	v.Facts = append(v.Facts, letterFact{lc.T("mail.for"), guest})
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
	v.Links = appendLink(v.Links, rsvpLabel, l.RSVPURL)
	v.Links = appendLink(v.Links, lc.T("mail.feed"), l.FeedURL)
	return v, nil
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
