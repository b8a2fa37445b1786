// Package i18n holds Attaché's message catalogues (English and Russian) and picks the
// language of a page or a mail: the guest's own language first, then what their browser
// asks for, then English. Catalogues are plain Go maps, so a missing translation is a
// failing test (every key in every language), not a surprise in production.
package i18n

import (
	"fmt"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Locale is one supported language: its messages and its way of writing dates.
type Locale struct {
	tag      language.Tag
	code     string
	messages map[string]string
	months   [12]string // in the form used after a day number (genitive in Russian)
	dateFmt  string     // day, month name, year, e.g. "%d %s %d г."
}

// locales lists what we translate into, the default (English) first. It is built once
// and never changed.
var locales = []*Locale{
	{tag: language.English, code: "en", messages: english, months: englishMonths, dateFmt: "%d %s %d"},
	{tag: language.Russian, code: "ru", messages: russian, months: russianMonthsGenitive, dateFmt: "%d %s %d г."},
}

// matcher chooses among locales; built once from the immutable list above.
var matcher = language.NewMatcher(tags())

func tags() []language.Tag {
	out := make([]language.Tag, len(locales))
	for i, l := range locales {
		out[i] = l.tag
	}
	return out
}

// Supported returns the codes of the languages we translate into ("en", "ru").
func Supported() []string {
	out := make([]string, len(locales))
	for i, l := range locales {
		out[i] = l.code
	}
	return out
}

// Default is English, used when nothing the guest prefers is translated.
func Default() *Locale { return locales[0] }

// Match returns the locale for the first preference we translate into. Each preference is
// a BCP 47 tag (an invitation's language, "az-Latn") or an Accept-Language header value;
// empty and malformed ones are skipped. A preference counts only when its base language
// is one we have: CLDR's matcher rates Russian a High match for an Armenian, Azerbaijani
// or Kazakh reader, but in diplomatic correspondence a language guessed from a
// neighbour's is worse than the neutral default. So a guest invited in Azerbaijani whose
// browser asks for Russian reads Russian, and one whose browser asks for nothing we have
// reads English.
func Match(prefs ...string) *Locale {
	for _, p := range prefs {
		if strings.TrimSpace(p) == "" {
			continue
		}
		// The usual case, a guest's language code that we translate into, needs no
		// parsing.
		for _, l := range locales {
			if p == l.code {
				return l
			}
		}
		ts, _, err := language.ParseAcceptLanguage(p)
		if err != nil {
			continue
		}
		for _, t := range ts {
			_, i, conf := matcher.Match(t)
			if conf == language.No || i < 0 || i >= len(locales) {
				continue
			}
			want, _ := t.Base()
			have, _ := locales[i].tag.Base()
			if want == have {
				return locales[i]
			}
		}
	}
	return Default()
}

// Code is the locale's language code, as used in <html lang>.
func (l *Locale) Code() string { return l.code }

// T returns the message for key, formatted with args as by fmt.Sprintf. A key missing from
// the catalogue comes back as itself, so a page shows what is missing instead of nothing.
func (l *Locale) T(key string, args ...any) string {
	m, ok := l.messages[key]
	if !ok {
		return key
	}
	if len(args) == 0 {
		return m
	}
	return fmt.Sprintf(m, args...)
}

// N returns the plural form of key that fits n under the language's rules (one, few,
// many, other), formatted with n and then args: "up to 1 accompanying member", "не более
// 2 сопровождающих лиц". Catalogues hold the forms as "key.one", "key.few"… with
// "key.other" as the fallback.
func (l *Locale) N(key string, n int, args ...any) string {
	form := plural.Cardinal.MatchPlural(l.tag, n, 0, 0, 0, 0)
	m, ok := l.messages[key+"."+formName(form)]
	if !ok {
		if m, ok = l.messages[key+".other"]; !ok {
			return key
		}
	}
	return fmt.Sprintf(m, append([]any{n}, args...)...)
}

func formName(f plural.Form) string {
	switch f {
	case plural.Zero:
		return "zero"
	case plural.One:
		return "one"
	case plural.Two:
		return "two"
	case plural.Few:
		return "few"
	case plural.Many:
		return "many"
	}
	return "other"
}

// Has reports whether the catalogue holds key (tests use it to find missing translations).
func (l *Locale) Has(key string) bool {
	_, ok := l.messages[key]
	return ok
}

// Keys lists the catalogue's keys, for tests that compare catalogues.
func (l *Locale) Keys() []string {
	out := make([]string, 0, len(l.messages))
	for k := range l.messages {
		out = append(out, k)
	}
	return out
}

// add merges one part of the catalogues into English and Russian: the web UI keeps its
// strings beside each other per area (ui_*.go), each registering itself from init. A key
// defined twice, or present in one language only, stops the program at start, so every
// test catches it.
func add(en, ru map[string]string) {
	for k := range en {
		if _, ok := ru[k]; !ok {
			panic("i18n: key " + k + " has no Russian text")
		}
	}
	for k := range ru {
		if _, ok := en[k]; !ok {
			panic("i18n: key " + k + " has no English text")
		}
	}
	for k, v := range en {
		if _, dup := english[k]; dup {
			panic("i18n: key " + k + " defined twice")
		}
		english[k] = v
		russian[k] = ru[k]
	}
}
