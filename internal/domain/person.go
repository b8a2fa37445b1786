package domain

import (
	"sort"
	"strings"

	"golang.org/x/text/language"
)

// PersonName is how a person is written and addressed in one language: the full name in
// that language's script, the honorific or position, and the salutation used in letters.
type PersonName struct {
	FullName  string `json:"full_name"`
	Honorific string `json:"honorific,omitempty"`
	Address   string `json:"address,omitempty"`
}

// Person is a guest or host official. FullName and Honorific are the primary (Latin)
// spelling; Names holds the same person in other languages and scripts, keyed by BCP 47
// tag (e.g. "ru" for Cyrillic), with the form of address for that language.
type Person struct {
	ID             int64                 `json:"id"`
	OrganizationID *int64                `json:"organization_id"`
	FullName       string                `json:"full_name"`
	Honorific      string                `json:"honorific"`
	Email          string                `json:"email"`
	Language       string                `json:"language"`
	Phone          string                `json:"phone"`
	Notes          string                `json:"notes"`
	Names          map[string]PersonName `json:"names"`
}

// Normalize trims fields, lower-cases the e-mail and canonicalises language tags.
func (p *Person) Normalize() {
	p.FullName = strings.TrimSpace(p.FullName)
	p.Honorific = strings.TrimSpace(p.Honorific)
	p.Email = NormalizeEmail(p.Email)
	p.Phone = strings.TrimSpace(p.Phone)
	if p.Language == "" {
		p.Language = "en"
	}
	if t, err := language.Parse(p.Language); err == nil {
		p.Language = t.String()
	}
	if p.Names == nil {
		p.Names = map[string]PersonName{}
	}
}

// Validate checks the person's fields, including every localized name.
func (p *Person) Validate() error {
	if err := First(
		Line("full_name", p.FullName, true, 200),
		Line("honorific", p.Honorific, false, 200),
		Email("email", p.Email, false),
		Line("phone", p.Phone, false, 40),
		Text("notes", p.Notes, 4000),
	); err != nil {
		return err
	}
	if _, err := Language("language", p.Language); err != nil {
		return err
	}
	for _, tag := range p.NameLanguages() {
		n := p.Names[tag]
		if _, err := Language("names."+tag, tag); err != nil {
			return err
		}
		if err := First(
			Line("names."+tag+".full_name", n.FullName, true, 200),
			Line("names."+tag+".honorific", n.Honorific, false, 200),
			Line("names."+tag+".address", n.Address, false, 300),
		); err != nil {
			return err
		}
	}
	return nil
}

// NameLanguages lists the languages of Names in a stable order.
func (p *Person) NameLanguages() []string {
	tags := make([]string, 0, len(p.Names))
	for t := range p.Names {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	return tags
}

// NameIn returns how to write the person in lang: the exact tag, then its base language
// ("az" for "az-Latn"), then the primary spelling.
func (p *Person) NameIn(lang string) PersonName {
	if n, ok := p.Names[lang]; ok {
		return n
	}
	if base, _, ok := strings.Cut(lang, "-"); ok {
		if n, ok := p.Names[base]; ok {
			return n
		}
	}
	return PersonName{FullName: p.FullName, Honorific: p.Honorific}
}
