package mail

import (
	htmlpkg "html"
	"strings"
	"testing"
	"time"
)

// letter is the anniversary meeting for Kamran Aliev in lang: 12 January 2026, 10:00
// Moscow time, moved by an hour in the update.
func letter(kind Kind, lang string) Letter {
	start := time.Date(2026, 1, 12, 7, 0, 0, 0, time.UTC)
	deadline := time.Date(2026, 1, 5, 15, 0, 0, 0, time.UTC)
	l := Letter{
		Kind: kind, Language: lang,
		GuestName: "Kamran Aliev", Honorific: "Prosecutor General of the Republic of Azerbaijan",
		Title: "Commemorative meeting", Ordinal: 299,
		Start: start, End: start.Add(90 * time.Minute), Timezone: "Europe/Moscow",
		Place:   "Moscow, 15a Bolshaya Dmitrovka",
		RSVPURL: rsvpLink, FeedURL: feedLink, Deadline: &deadline,
		Changes: []Change{
			{Field: "time", Old: "12 January 2026, 10:00", New: "12 January 2026, 11:00"},
			{Field: "place", Old: "Hall A", New: "Hall B"},
		},
		Organizer: "Protocol Office",
	}
	if lang == "ru" {
		l.GuestName, l.Honorific = "Камран Алиев", "Генеральный прокурор Азербайджанской Республики"
		l.Title, l.Place = title, "Москва, ул. Большая Дмитровка, 15а"
		l.Changes = []Change{
			{Field: "time", Old: "12 января 2026 г., 10:00", New: "12 января 2026 г., 11:00"},
			{Field: "place", Old: "Зал А", New: "Зал Б"},
		}
		l.Organizer = "Протокольная служба"
	}
	return l
}

var kinds = []Kind{KindInvitation, KindUpdate, KindCancellation, KindReminderDeadline, KindReminderEvent}

func TestCompose(t *testing.T) {
	words := map[string]struct {
		subject    map[Kind]string
		salutation string
		date       string
		deadline   string
		anniv      string
		changes    []string
		kindText   map[Kind]string
	}{
		"en": {
			subject: map[Kind]string{KindInvitation: "Invitation: ", KindUpdate: "Updated: ", KindCancellation: "Cancelled: ",
				KindReminderDeadline: "Reminder: ", KindReminderEvent: "Reminder: "},
			salutation: "Dear Kamran Aliev,",
			date:       "12 January 2026, 10:00–11:30, Europe/Moscow (UTC+3)",
			deadline:   "Please answer by 5 January 2026, 18:00.",
			anniv:      "299th anniversary",
			changes:    []string{"Time:", "12 January 2026, 11:00", "Place:", "Hall B"},
			kindText: map[Kind]string{KindInvitation: "invite you", KindUpdate: "have changed", KindCancellation: "has been cancelled",
				KindReminderDeadline: "not yet received your answer", KindReminderEvent: "look forward to seeing you on 12 January 2026, 10:00"},
		},
		"ru": {
			subject: map[Kind]string{KindInvitation: "Приглашение: ", KindUpdate: "Изменение: ", KindCancellation: "Отмена: ",
				KindReminderDeadline: "Напоминание: ", KindReminderEvent: "Напоминание: "},
			salutation: "Уважаемый(ая) Камран Алиев!",
			date:       "12 января 2026 г., 10:00–11:30, Europe/Moscow (UTC+3)",
			deadline:   "Просим сообщить о Вашем решении до 5 января 2026 г., 18:00.",
			anniv:      "299-я годовщина",
			changes:    []string{"Время:", "12 января 2026 г., 11:00", "Место:", "Зал Б"},
			kindText: map[Kind]string{KindInvitation: "пригласить Вас", KindUpdate: "Изменились", KindCancellation: "отменено",
				KindReminderDeadline: "не получили Вашего ответа", KindReminderEvent: "Будем рады видеть Вас 12 января 2026 г., 10:00"},
		},
	}
	for lang, w := range words {
		for _, kind := range kinds {
			t.Run(lang+"/"+string(kind), func(t *testing.T) {
				l := letter(kind, lang)
				subject, text, html, err := Compose(l)
				if err != nil {
					t.Fatal(err)
				}
				if want := w.subject[kind] + l.Title; subject != want {
					t.Errorf("subject %q, want %q", subject, want)
				}
				want := []string{w.salutation, l.Title, w.anniv, w.date, l.Place, l.Honorific, rsvpLink, feedLink, w.kindText[kind], l.Organizer}
				if kind == KindUpdate {
					want = append(want, w.changes...)
				}
				if kind == KindInvitation || kind == KindUpdate || kind == KindReminderDeadline {
					want = append(want, w.deadline)
				}
				for _, s := range want {
					if !strings.Contains(text, s) {
						t.Errorf("text lacks %q:\n%s", s, text)
					}
					if !strings.Contains(htmlpkg.UnescapeString(html), s) {
						t.Errorf("HTML lacks %q:\n%s", s, html)
					}
				}
				if kind != KindUpdate && strings.Contains(text, w.changes[1]) {
					t.Errorf("a %s lists changes:\n%s", kind, text)
				}
				if !strings.Contains(html, `<html lang="`+lang+`">`) || !strings.Contains(html, `href="`+feedLink+`"`) {
					t.Errorf("HTML lacks its language or a working webcal link:\n%s", html)
				}
				for _, bad := range []string{"<script", "<img", "style=", "src="} {
					if strings.Contains(html, bad) {
						t.Errorf("HTML holds %q", bad)
					}
				}
				if strings.Contains(text, "&lt;") || strings.Contains(text, "<no value>") || strings.Contains(html, "<no value>") {
					t.Errorf("text is escaped or a field is missing:\n%s", text)
				}
			})
		}
	}
}

func TestComposeEscapesHTML(t *testing.T) {
	l := letter(KindInvitation, "en")
	l.GuestName = "<img src=x onerror=alert(1)>"
	l.Title = `Meeting "<b>" & co`
	l.Place = "<script>alert(1)</script>"
	l.Changes = []Change{{Field: "<i>place</i>", Old: "<x>", New: "<y>"}}
	l.Kind = KindUpdate
	_, text, html, err := Compose(l)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<img", "<script", `"<b>"`, "<i>", "<x>", "<y>"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML holds %q unescaped:\n%s", bad, html)
		}
	}
	if !strings.Contains(html, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("the name is not shown as text:\n%s", html)
	}
	if !strings.Contains(text, "Dear <img src=x onerror=alert(1)>,") {
		t.Errorf("plain text must show the name as typed:\n%s", text)
	}
}

func TestComposeLanguageAndSalutation(t *testing.T) {
	l := letter(KindInvitation, "az-Latn")
	subject, text, _, err := Compose(l)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(subject, "Invitation: ") || !strings.Contains(text, "12 January 2026") {
		t.Errorf("a language without translation is not English: %q\n%s", subject, text)
	}
	l.Language, l.Salutation = "ru", "Уважаемый господин Генеральный прокурор"
	_, text, _, _ = Compose(l)
	if !strings.HasPrefix(text, "Уважаемый господин Генеральный прокурор!\n") {
		t.Errorf("the person's salutation is not used:\n%s", text)
	}
	l.Language, l.Salutation = "en", "Your Excellency,"
	_, text, _, _ = Compose(l)
	if !strings.HasPrefix(text, "Your Excellency,\n") {
		t.Errorf("a salutation with its own punctuation got another:\n%s", text)
	}
}

func TestComposeMinimal(t *testing.T) {
	l := Letter{Kind: KindReminderDeadline, GuestName: "A. Guest", Title: "Reception",
		Start: time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC), RSVPURL: "javascript:alert(1)"}
	_, text, html, err := Compose(l)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"1 March 2026, 18:00, UTC", "at your earliest convenience", "The Protocol Office"} {
		if !strings.Contains(text, s) {
			t.Errorf("text lacks %q:\n%s", s, text)
		}
	}
	if strings.Contains(text+html, "javascript:") || strings.Contains(text, "Anniversary") {
		t.Errorf("a link of a foreign scheme or an empty field shows:\n%s\n%s", text, html)
	}
	for _, bad := range []Letter{{Kind: "party"}, {Kind: KindInvitation, Timezone: "Mars/Olympus"}} {
		if _, _, _, err := Compose(bad); err == nil {
			t.Errorf("Compose(%+v) succeeded", bad)
		}
	}
}

// TestComposeCancelReasons: a cancellation says what happened. Only a cancelled item is
// called cancelled; a withdrawn guest is told their invitation was withdrawn, without
// the links that no longer answer; a delegation taken off a meeting is told so.
func TestComposeCancelReasons(t *testing.T) {
	cases := []struct {
		lang          string
		reason        CancelReason
		subject, says string
		links         bool
	}{
		{"en", CancelledItem, "Cancelled: ", "has been cancelled", true},
		{"en", CancelledWithdrawn, "Invitation withdrawn: ", "your invitation to the following event has been withdrawn", false},
		{"en", CancelledNotTakingPart, "Change of programme: ", "your delegation no longer takes part", true},
		{"ru", CancelledItem, "Отмена: ", "мероприятие отменено", true},
		{"ru", CancelledWithdrawn, "Приглашение отозвано: ", "приглашение на мероприятие отозвано", false},
		{"ru", CancelledNotTakingPart, "Изменение программы: ", "больше не участвует во встрече", true},
	}
	for _, c := range cases {
		t.Run(c.lang+"/"+string(c.reason), func(t *testing.T) {
			l := letter(KindCancellation, c.lang)
			l.Cancelled = c.reason
			subject, text, html, err := Compose(l)
			if err != nil {
				t.Fatal(err)
			}
			if want := c.subject + l.Title; subject != want {
				t.Errorf("subject %q, want %q", subject, want)
			}
			if !strings.Contains(text, c.says) || !strings.Contains(htmlpkg.UnescapeString(html), c.says) {
				t.Errorf("letter does not say %q:\n%s", c.says, text)
			}
			if c.reason != CancelledItem && (strings.Contains(text, "has been cancelled") || strings.Contains(text, "мероприятие отменено")) {
				t.Errorf("a %s letter calls the event cancelled:\n%s", c.reason, text)
			}
			for _, link := range []string{rsvpLink, feedLink} {
				if got := strings.Contains(text, link) && strings.Contains(html, link); got != c.links {
					t.Errorf("letter shows %s: %v, want %v", link, got, c.links)
				}
			}
		})
	}
	l := letter(KindCancellation, "en")
	l.Cancelled = "postponed"
	if _, _, _, err := Compose(l); err == nil {
		t.Error("Compose accepted an unknown cancellation reason")
	}
}
