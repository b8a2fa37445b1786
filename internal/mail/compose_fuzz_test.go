package mail

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// FuzzCompose: whatever a guest's name, salutation and honorific, an event's title and
// place and a change's values hold, the HTML letter has the markup of the same letter
// with plain words in their place (security.md row 6: user text never becomes a tag or
// an attribute), and the plain-text letter shows the name as typed. Whatever they hold,
// the letter written block by block is the one the whole template writes.
func FuzzCompose(f *testing.F) {
	f.Add("<img src=x onerror=alert(1)>", "", "", `Meeting "<b>" & co`, "<script>alert(1)</script>", "<x>", uint8(1), true)
	f.Add("Камран Алиев", "Уважаемый господин Генеральный прокурор", "Генеральный прокурор", "Встреча", "Москва", "10:00", uint8(0), false)
	f.Add("a</p><p>b", " ", "&amp;", "{{.Subject}}", "javascript:alert(1)", "]]>", uint8(2), true)
	f.Fuzz(func(t *testing.T, name, salutation, honorific, title, place, old string, kind uint8, english bool) {
		lang := "ru"
		if english {
			lang = "en"
		}
		build := func(plain bool) Letter {
			word := func(s string) string {
				if plain && s != "" {
					return "x"
				}
				return s
			}
			l := letter(kinds[int(kind)%len(kinds)], lang)
			l.GuestName, l.Honorific, l.Title, l.Place = word(name), word(honorific), word(title), word(place)
			l.Salutation = salutation
			if plain && strings.TrimSpace(salutation) != "" {
				l.Salutation = "x"
			}
			l.Changes[1].Old = word(old)
			return l
		}
		_, text, got, err := Compose(build(false))
		if err != nil {
			t.Fatalf("Compose: %v", err)
		}
		sameAsWhole(t, build(false))
		_, _, want, err := Compose(build(true))
		if err != nil {
			t.Fatalf("Compose with plain words: %v", err)
		}
		if g, w := markup(got), markup(want); g != w {
			t.Errorf("the letter's markup differs from the plain letter's:\n got %s\nwant %s", g, w)
		}
		if strings.TrimSpace(salutation) == "" && !strings.Contains(text, name) {
			t.Errorf("plain text does not show the name %q as typed:\n%s", name, text)
		}
	})
}

// markup is the sequence of an HTML document's tags with their attribute names, text
// left out.
func markup(doc string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tok := z.Token()
			b.WriteString("<" + tok.Data)
			for _, a := range tok.Attr {
				b.WriteString(" " + a.Key)
			}
			b.WriteString(">")
		}
	}
}
