package i18n

import (
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		prefs []string
		want  string
	}{
		{nil, "en"},
		{[]string{""}, "en"},
		{[]string{"ru"}, "ru"},
		{[]string{"RU-ru"}, "ru"},
		{[]string{"en-GB"}, "en"},
		{[]string{"az-Latn"}, "en"},
		{[]string{"az"}, "en"},
		{[]string{"hy"}, "en"},
		{[]string{"kk-KZ"}, "en"},
		{[]string{"ru-UA"}, "ru"},
		{[]string{"az-Latn", "ru-RU,ru;q=0.9,en;q=0.8"}, "ru"},
		{[]string{"en-GB", "ru"}, "en"},
		{[]string{"ru", "en"}, "ru"},
		{[]string{"hy", "fr-FR, de;q=0.5"}, "en"},
		{[]string{"not a tag!", "ru"}, "ru"},
		{[]string{"da, en-GB;q=0.8, ru;q=0.7"}, "en"},
	}
	for _, tt := range tests {
		if got := Match(tt.prefs...).Code(); got != tt.want {
			t.Errorf("Match(%q) = %s, want %s", tt.prefs, got, tt.want)
		}
	}
}

// TestCataloguesComplete fails when a message exists in one language only, or a plural
// message lacks a form the language needs.
func TestCataloguesComplete(t *testing.T) {
	base := func(l *Locale) map[string]bool {
		out := map[string]bool{}
		for _, k := range l.Keys() {
			for _, f := range []string{".zero", ".one", ".two", ".few", ".many", ".other"} {
				if b, ok := strings.CutSuffix(k, f); ok {
					k = b + "#plural"
					break
				}
			}
			out[k] = true
		}
		return out
	}
	en, ru := base(Match("en")), base(Match("ru"))
	var missing []string
	for k := range en {
		if !ru[k] {
			missing = append(missing, "ru: "+k)
		}
	}
	for k := range ru {
		if !en[k] {
			missing = append(missing, "en: "+k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("missing translations:\n%s", strings.Join(missing, "\n"))
	}
	for _, l := range []*Locale{Match("en"), Match("ru")} {
		for k := range base(l) {
			if b, ok := strings.CutSuffix(k, "#plural"); ok {
				for n := range 200 {
					if got := l.N(b, n); got == b || !strings.Contains(got, strconv.Itoa(n)) {
						t.Errorf("%s: %s(%d) = %q", l.Code(), b, n, got)
					}
				}
			}
		}
	}
}

func TestPlural(t *testing.T) {
	en, ru := Match("en"), Match("ru")
	tests := []struct {
		l    *Locale
		n    int
		want string
	}{
		{en, 1, "You may name up to 1 accompanying member."},
		{en, 2, "You may name up to 2 accompanying members."},
		{ru, 1, "Можно указать не более 1 сопровождающего лица."},
		{ru, 2, "Можно указать не более 2 сопровождающих лиц."},
		{ru, 5, "Можно указать не более 5 сопровождающих лиц."},
		{ru, 21, "Можно указать не более 21 сопровождающего лица."},
	}
	for _, tt := range tests {
		if got := tt.l.N("companions.limit", tt.n); got != tt.want {
			t.Errorf("%s N(%d) = %q, want %q", tt.l.Code(), tt.n, got, tt.want)
		}
	}
	if got := en.T("no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q", got)
	}
}

func TestDates(t *testing.T) {
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2021, 1, 12, 7, 0, 0, 0, time.UTC).In(moscow)
	en, ru := Match("en"), Match("ru")
	tests := []struct{ got, want string }{
		{en.DateTime(start), "12 January 2021, 10:00"},
		{ru.DateTime(start), "12 января 2021 г., 10:00"},
		{ru.Date(time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC)), "1 июля 2021 г."},
		{ru.Date(time.Date(2021, 3, 8, 0, 0, 0, 0, time.UTC)), "8 марта 2021 г."},
		{en.Span(start, start.Add(90*time.Minute)), "12 January 2021, 10:00–11:30"},
		{ru.Span(start, start.Add(90*time.Minute).UTC()), "12 января 2021 г., 10:00–11:30"},
		{en.Span(start, start.Add(24*time.Hour)), "12 January 2021, 10:00 – 13 January 2021, 10:00"},
		{Zone(start), "Europe/Moscow (UTC+3)"},
		{Zone(start.UTC()), "UTC"},
		{en.Anniversary(299), "299th anniversary"},
		{en.Anniversary(301), "301st anniversary"},
		{en.Anniversary(312), "312th anniversary"},
		{en.Anniversary(322), "322nd anniversary"},
		{ru.Anniversary(300), "300-я годовщина"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	if got := Zone(start.In(kolkata)); got != "Asia/Kolkata (UTC+5:30)" {
		t.Errorf("Zone = %q", got)
	}
	if got := Zone(start.In(time.FixedZone("X", -4*3600))); got != "X (UTC-4)" {
		t.Errorf("Zone = %q", got)
	}
}
