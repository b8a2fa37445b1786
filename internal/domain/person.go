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
	Honorific string `json:"honorific"`
	Address   string `json:"address"`
}

func (n PersonName) trimmed() PersonName {
	return PersonName{FullName: strings.TrimSpace(n.FullName), Honorific: strings.TrimSpace(n.Honorific), Address: strings.TrimSpace(n.Address)}
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
	// Key names by the canonical tag so that NameIn("ru") finds a name sent as "RU". A
	// second spelling of a tag already present stays as sent, and Validate refuses it.
	names := make(map[string]PersonName, len(p.Names))
	var respelled []string
	for _, tag := range p.NameLanguages() {
		if t, err := language.Parse(tag); err == nil && t.String() != tag {
			respelled = append(respelled, tag)
			continue
		}
		names[tag] = p.Names[tag].trimmed()
	}
	for _, tag := range respelled {
		key := tag
		t, _ := language.Parse(tag)
		if _, dup := names[t.String()]; !dup {
			key = t.String()
		}
		names[key] = p.Names[tag].trimmed()
	}
	p.Names = names
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
		canon, err := Language("names."+tag, tag)
		if err != nil {
			return err
		}
		if canon != tag {
			return Invalid("names."+tag, "is the same language as %s", canon)
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
