package domain

import (
	"errors"
	"testing"
)

func TestPersonValidate(t *testing.T) {
	aliyev := func() Person {
		return Person{
			FullName:  "Kamran Aliyev",
			Honorific: "Prosecutor General of the Republic of Azerbaijan",
			Email:     "k.aliyev@genprosecutor-az.test",
			Language:  "az-Latn",
			Names: map[string]PersonName{
				"ru": {FullName: "Камран Алиев", Honorific: "Генеральный прокурор Азербайджанской Республики",
					Address: "Уважаемый господин Генеральный прокурор"},
				"az": {FullName: "Kamran Əliyev", Honorific: "Azərbaycan Respublikasının Baş prokuroru", Address: "Hörmətli cənab Baş prokuror"},
			},
		}
	}
	tests := []struct {
		name  string
		edit  func(p *Person)
		field string // "" when valid
	}{
		{"Latin and Cyrillic names", func(*Person) {}, ""},
		{"Cyrillic primary name", func(p *Person) { p.FullName = "Анна Вартанян" }, ""},
		{"Armenian script", func(p *Person) { p.Names["hy"] = PersonName{FullName: "Արթուր Դավթյան"} }, ""},
		{"no language defaults to en", func(p *Person) { p.Language = "" }, ""},
		{"missing full name", func(p *Person) { p.FullName = "  " }, "full_name"},
		{"CR LF in full name", func(p *Person) { p.FullName = "Kamran\r\nBcc: x@evil.test" }, "full_name"},
		{"LF in honorific", func(p *Person) { p.Honorific = "Prosecutor\nGeneral" }, "honorific"},
		{"CR in localized name", func(p *Person) { p.Names["ru"] = PersonName{FullName: "Камран\rАлиев"} }, "names.ru.full_name"},
		{"LF in form of address", func(p *Person) {
			p.Names["ru"] = PersonName{FullName: "Камран Алиев", Address: "Уважаемый\nгосподин"}
		}, "names.ru.address"},
		{"localized name without full name", func(p *Person) { p.Names["ru"] = PersonName{Honorific: "Генеральный прокурор"} }, "names.ru.full_name"},
		{"bad e-mail", func(p *Person) { p.Email = "aliyev at example.org" }, "email"},
		{"e-mail with display name", func(p *Person) { p.Email = "Kamran <k@example.org>" }, "email"},
		{"e-mail without domain dot", func(p *Person) { p.Email = "k@localhost" }, "email"},
		{"bad language", func(p *Person) { p.Language = "russian!" }, "language"},
		{"bad name language", func(p *Person) { p.Names["cyrillic"] = PersonName{FullName: "Камран Алиев"} }, "names.cyrillic"},
		{"same language twice", func(p *Person) { p.Names["RU"] = PersonName{FullName: "Камран Алиев"} }, "names.RU"},
		{"notes may span lines", func(p *Person) { p.Notes = "Arrives 11 January.\nVegetarian." }, ""},
		{"control character in notes", func(p *Person) { p.Notes = "bell\a" }, "notes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := aliyev()
			tt.edit(&p)
			p.Normalize()
			err := p.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate() = %v, want a ValidationError on %s", err, tt.field)
			}
			if ve.Field != tt.field {
				t.Fatalf("error on %q (%v), want %q", ve.Field, err, tt.field)
			}
		})
	}
}

func TestPersonNormalize(t *testing.T) {
	p := Person{
		FullName: "  Kamran Aliyev ",
		Email:    " K.Aliyev@GenProsecutor-AZ.test ",
		Language: "ru-ru",
		Names:    map[string]PersonName{"RU": {FullName: " Камран Алиев ", Address: " Уважаемый господин Генеральный прокурор "}},
	}
	p.Normalize()
	if p.FullName != "Kamran Aliyev" || p.Email != "k.aliyev@genprosecutor-az.test" || p.Language != "ru-RU" {
		t.Fatalf("normalized = %+v", p)
	}
	ru, ok := p.Names["ru"]
	if !ok || ru.FullName != "Камран Алиев" || ru.Address != "Уважаемый господин Генеральный прокурор" {
		t.Fatalf("names = %#v, want the RU name under ru, trimmed", p.Names)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}

	var empty Person
	empty.Normalize()
	if empty.Names == nil || empty.Language != "en" {
		t.Fatalf("zero person normalized to %+v", empty)
	}
}

func TestPersonNameIn(t *testing.T) {
	p := Person{FullName: "Kamran Aliyev", Honorific: "Prosecutor General", Names: map[string]PersonName{
		"ru": {FullName: "Камран Алиев"},
		"az": {FullName: "Kamran Əliyev"},
	}}
	for lang, want := range map[string]string{
		"ru": "Камран Алиев", "ru-RU": "Камран Алиев", "az-Latn": "Kamran Əliyev", "en": "Kamran Aliyev", "hy": "Kamran Aliyev",
	} {
		if got := p.NameIn(lang).FullName; got != want {
			t.Errorf("NameIn(%q) = %q, want %q", lang, got, want)
		}
	}
}
