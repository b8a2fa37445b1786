package mail

import (
	"reflect"
	"strings"
	"testing"
)

// composeWhole writes l with the whole letter templates at once, as Compose did before
// it kept the mailing's blocks.
func composeWhole(t testing.TB, l Letter) (text, html string) {
	t.Helper()
	tm, err := letterTemplates()
	if err != nil {
		t.Fatal(err)
	}
	v, err := newLetterView(l)
	if err != nil {
		t.Fatal(err)
	}
	var tb, hb strings.Builder
	if err := tm.text.Execute(&tb, v); err != nil {
		t.Fatal(err)
	}
	if err := tm.html.Execute(&hb, v); err != nil {
		t.Fatal(err)
	}
	return tb.String(), hb.String()
}

// sameAsWhole fails t when Compose's letter differs from the whole templates' letter.
func sameAsWhole(t testing.TB, l Letter) {
	t.Helper()
	_, text, html, err := Compose(l)
	if err != nil {
		t.Fatalf("Compose: %v", err)
	}
	wantText, wantHTML := composeWhole(t, l)
	if text != wantText {
		t.Errorf("text written by blocks differs from the whole template's:\n got %q\nwant %q", text, wantText)
	}
	if html != wantHTML {
		t.Errorf("HTML written by blocks differs from the whole template's:\n got %q\nwant %q", html, wantHTML)
	}
}

// TestComposeBlocksAsWhole: a letter written block by block, with the mailing's blocks
// written now or kept from an earlier guest's letter, is the letter the whole template
// writes; and a guest's words never come from another guest's letter.
func TestComposeBlocksAsWhole(t *testing.T) {
	for _, lang := range []string{"en", "ru", "fr"} {
		for _, kind := range kinds {
			l := letter(kind, lang)
			sameAsWhole(t, l) // the mailing written now, or kept from the goldens
			sameAsWhole(t, l) // kept
			// Another guest of the same mailing: the kept blocks, the guest's own words.
			other := l
			other.GuestName, other.Honorific, other.Salutation = `Guest <b>"two"</b>`, "Minister & Envoy", ""
			other.RSVPURL, other.FeedURL = "https://attache.example/rsvp/other-token", ""
			sameAsWhole(t, other)
			_, text, html, err := Compose(other)
			if err != nil {
				t.Fatal(err)
			}
			first := letter(kind, lang).GuestName
			if strings.Contains(text, first) || strings.Contains(html, first) {
				t.Errorf("%s %s: the second guest's letter names the first guest %q", kind, lang, first)
			}
			if kind != KindCancellation && !strings.Contains(html, "other-token") {
				t.Errorf("%s %s: the second guest's letter lacks their own link:\n%s", kind, lang, html)
			}
			// A mailing that differs in one word is written anew.
			moved := l
			moved.Place = l.Place + " (Hall C)"
			sameAsWhole(t, moved)
		}
	}
}

// TestMailingsKept: more mailings than are kept start the store over, and letters
// stay whole.
func TestMailingsKept(t *testing.T) {
	for i := range 2*mailingsKept + 3 {
		l := letter(KindInvitation, "en")
		l.Title = strings.Repeat("T", i+1)
		sameAsWhole(t, l)
	}
	tm, err := letterTemplates()
	if err != nil {
		t.Fatal(err)
	}
	tm.mailings.mu.Lock()
	n := len(tm.mailings.kept)
	tm.mailings.mu.Unlock()
	if n > mailingsKept {
		t.Errorf("%d mailings kept, want at most %d", n, mailingsKept)
	}
}

// TestMailingKey: every word of a mailingView is in its key, so two mailings that
// differ anywhere are kept apart. Fields are found by reflection, so a field added to
// mailingView and left out of key fails here.
func TestMailingKey(t *testing.T) {
	v, err := newLetterView(letter(KindUpdate, "en"))
	if err != nil {
		t.Fatal(err)
	}
	base := *v.Mailing
	if len(base.Facts) == 0 || len(base.Changes) == 0 || len(base.Notes) == 0 {
		t.Fatal("the update fixture should have facts, changes and notes")
	}
	// clone copies base with its slices, so that a change to one does not reach it.
	clone := func() *mailingView {
		m := base
		m.Facts = append([]letterFact(nil), base.Facts...)
		m.Changes = append([]letterChange(nil), base.Changes...)
		m.Notes = append([]string(nil), base.Notes...)
		return &m
	}
	key := base.key()
	checked := 0
	check := func(what string, m *mailingView) {
		t.Helper()
		checked++
		if m.key() == key {
			t.Errorf("changing %s leaves the mailing's key as it was", what)
		}
	}
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		f := typ.Field(i)
		switch f.Type.Kind() {
		case reflect.String:
			m := clone()
			fv := reflect.ValueOf(m).Elem().Field(i)
			fv.SetString(fv.String() + "x")
			check(f.Name, m)
		case reflect.Slice:
			// One element more, one fewer, and each word of the first element changed.
			m := clone()
			fv := reflect.ValueOf(m).Elem().Field(i)
			fv.Set(reflect.Append(fv, fv.Index(0)))
			check(f.Name+" (one more)", m)
			m = clone()
			fv = reflect.ValueOf(m).Elem().Field(i)
			fv.Set(fv.Slice(1, fv.Len()))
			check(f.Name+" (one fewer)", m)
			m = clone()
			el := reflect.ValueOf(m).Elem().Field(i).Index(0)
			if el.Kind() == reflect.String {
				el.SetString(el.String() + "x")
				check(f.Name+"[0]", m)
				continue
			}
			for j := range el.NumField() {
				m = clone()
				w := reflect.ValueOf(m).Elem().Field(i).Index(0).Field(j)
				w.SetString(w.String() + "x")
				check(f.Name+"[0]."+el.Type().Field(j).Name, m)
			}
		default:
			t.Errorf("mailingView.%s is a %s: teach key and this test about it", f.Name, f.Type)
		}
	}
	// Words moved from one field to the next are another mailing.
	m := clone()
	m.Intro, m.Title = m.Intro+m.Title[:1], m.Title[1:]
	check("a letter moved from Title to Intro", m)
	if checked < typ.NumField() {
		t.Errorf("checked %d changes for %d fields", checked, typ.NumField())
	}
}
