package domain

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// Line checks a one-line text field: required or not, at most max characters, and no
// control characters. Refusing CR and LF here is what keeps names and titles from ever
// injecting mail headers or iCalendar properties later.
func Line(field, v string, required bool, max int) error {
	if strings.TrimSpace(v) == "" {
		if required {
			return Invalid(field, "is required")
		}
		return nil
	}
	if utf8.RuneCountInString(v) > max {
		return Invalid(field, "must be at most %d characters", max)
	}
	if !utf8.ValidString(v) {
		return Invalid(field, "must be valid UTF-8")
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return Invalid(field, "must not contain line breaks or control characters")
		}
	}
	return nil
}

// Text checks a multi-line text field: line breaks allowed, other control characters not.
func Text(field, v string, max int) error {
	if utf8.RuneCountInString(v) > max {
		return Invalid(field, "must be at most %d characters", max)
	}
	if !utf8.ValidString(v) {
		return Invalid(field, "must be valid UTF-8")
	}
	for _, r := range v {
		if (r < 0x20 && r != '\n' && r != '\r' && r != '\t') || r == 0x7f {
			return Invalid(field, "must not contain control characters")
		}
	}
	return nil
}

// Email checks a bare address (no display name), as used in To and ATTENDEE.
func Email(field, v string, required bool) error {
	if v == "" {
		if required {
			return Invalid(field, "is required")
		}
		return nil
	}
	if err := Line(field, v, true, 254); err != nil {
		return err
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" || !strings.Contains(v[strings.LastIndex(v, "@")+1:], ".") {
		return Invalid(field, "must be an e-mail address such as name@example.org")
	}
	return nil
}

// NormalizeEmail lower-cases the address so that matching replies and uniqueness do not
// depend on how a client spelled it.
func NormalizeEmail(v string) string { return strings.ToLower(strings.TrimSpace(v)) }

// Language checks a BCP 47 tag such as "en", "ru" or "az-Latn" and returns its canonical form.
func Language(field, v string) (string, error) {
	if v == "" {
		return "", Invalid(field, "is required")
	}
	t, err := language.Parse(v)
	if err != nil {
		return "", Invalid(field, "must be a BCP 47 language tag such as en or ru")
	}
	return t.String(), nil
}

// Timezone checks an IANA zone name. "Local" and abbreviations such as "MSK" are refused:
// calendar clients can not resolve them.
func Timezone(field, v string) (*time.Location, error) {
	if v == "" {
		return nil, Invalid(field, "is required")
	}
	if v == "Local" || !strings.Contains(v, "/") && v != "UTC" {
		return nil, Invalid(field, "must be an IANA timezone such as Europe/Moscow")
	}
	loc, err := LoadZone(v)
	if err != nil {
		return nil, Invalid(field, "must be an IANA timezone such as Europe/Moscow")
	}
	return loc, nil
}

// Interval checks that both ends are set and end is after start.
func Interval(startField string, start time.Time, endField string, end time.Time) error {
	if start.IsZero() {
		return Invalid(startField, "is required")
	}
	if end.IsZero() {
		return Invalid(endField, "is required")
	}
	if !end.After(start) {
		return Invalid(endField, "must be after %s", startField)
	}
	return nil
}

// OneOf checks that v is one of the allowed values.
func OneOf[T ~string](field string, v T, allowed ...T) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return Invalid(field, "must be one of %s", strings.Join(names, ", "))
}

// First returns the first non-nil error, so validators read as a list of checks.
func First(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
