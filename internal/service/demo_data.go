package service

import "github.com/attache-app/attache/internal/domain"

// The reference scenario of design.md, from the news report in shared/seed: the
// commemorative meeting for the 299th anniversary of the Prosecution Service of the
// Russian Federation in Moscow on 12 January 2021, its bilateral and trilateral meetings
// and their outcomes, and the two follow-up invitations the report names. The three
// heads of delegation are the officials the report names; accompanying members are
// listed by position only, as a protocol office does before the names are sent.
// Every address uses the reserved .test domain.

type demoOrg struct {
	key string
	org domain.Organization
}

var demoOrgs = []demoOrg{
	{"ru", domain.Organization{Name: "Prosecutor General's Office of the Russian Federation", ShortName: "PGO RU", CountryCode: "RU", Kind: domain.OrgStateBody}},
	{"az", domain.Organization{Name: "Prosecutor General's Office of the Republic of Azerbaijan", ShortName: "PGO AZ", CountryCode: "AZ", Kind: domain.OrgStateBody}},
	{"am", domain.Organization{Name: "Prosecutor General's Office of the Republic of Armenia", ShortName: "PGO AM", CountryCode: "AM", Kind: domain.OrgStateBody}},
	{"coe", domain.Organization{Name: "Secretariat of the Council of Europe", ShortName: "CoE Secretariat", Kind: domain.OrgInternational}},
}

type demoPerson struct {
	key, org string
	p        domain.Person
}

var demoPeople = []demoPerson{
	{"ru-head", "ru", domain.Person{
		FullName: "Igor Krasnov", Honorific: "Prosecutor General of the Russian Federation",
		Email: "prosecutor.general@genproc-ru.test", Language: "ru",
		Names: map[string]domain.PersonName{
			"ru": {FullName: "Игорь Викторович Краснов", Honorific: "Генеральный прокурор Российской Федерации", Address: "Уважаемый Игорь Викторович"},
			"en": {FullName: "Igor Krasnov", Honorific: "Prosecutor General of the Russian Federation", Address: "Dear Prosecutor General"},
		}}},
	{"az-head", "az", domain.Person{
		FullName: "Kamran Aliyev", Honorific: "Prosecutor General of the Republic of Azerbaijan",
		Email: "prosecutor.general@genprosecutor-az.test", Language: "ru",
		Names: map[string]domain.PersonName{
			"ru": {FullName: "Камран Алиев", Honorific: "Генеральный прокурор Азербайджанской Республики", Address: "Уважаемый господин Генеральный прокурор"},
			"az": {FullName: "Kamran Əliyev", Honorific: "Azərbaycan Respublikasının Baş prokuroru", Address: "Hörmətli cənab Baş prokuror"},
			"en": {FullName: "Kamran Aliyev", Honorific: "Prosecutor General of the Republic of Azerbaijan", Address: "Dear Mr Prosecutor General"},
		}}},
	{"am-head", "am", domain.Person{
		FullName: "Artur Davtyan", Honorific: "Prosecutor General of the Republic of Armenia",
		Email: "prosecutor.general@prosecutor-am.test", Language: "en",
		Names: map[string]domain.PersonName{
			"ru": {FullName: "Артур Давтян", Honorific: "Генеральный прокурор Республики Армения", Address: "Уважаемый господин Генеральный прокурор"},
			"hy": {FullName: "Արթուր Դավթյան", Honorific: "Հայաստանի Հանրապետության գլխավոր դատախազ", Address: "Հարգելի պարոն գլխավոր դատախազ"},
			"en": {FullName: "Artur Davtyan", Honorific: "Prosecutor General of the Republic of Armenia", Address: "Dear Mr Prosecutor General"},
		}}},
	{"ru-intl", "ru", domain.Person{FullName: "Head of the Main Directorate of International Legal Cooperation",
		Honorific: "Prosecutor General's Office of the Russian Federation", Email: "international@genproc-ru.test", Language: "ru",
		Names: map[string]domain.PersonName{"ru": {FullName: "Начальник Главного управления международно-правового сотрудничества"}}}},
	{"az-adviser", "az", domain.Person{FullName: "Adviser to the Prosecutor General of Azerbaijan",
		Email: "adviser@genprosecutor-az.test", Language: "ru"}},
	{"az-interpreter", "az", domain.Person{FullName: "Interpreter of the delegation of Azerbaijan",
		Email: "interpreter@genprosecutor-az.test", Language: "ru"}},
	{"am-adviser", "am", domain.Person{FullName: "Adviser to the Prosecutor General of Armenia",
		Email: "adviser@prosecutor-am.test", Language: "en"}},
	{"am-interpreter", "am", domain.Person{FullName: "Interpreter of the delegation of Armenia",
		Email: "interpreter@prosecutor-am.test", Language: "en"}},
}

// demoDelegations lists each delegation of the commemorative meeting: organization, head,
// other members with their roles, and protocol precedence (host first).
var demoDelegations = []struct {
	org, head string
	members   map[string]domain.MemberRole
	limit     int
}{
	{"ru", "ru-head", map[string]domain.MemberRole{"ru-intl": domain.RoleMember}, 6},
	{"az", "az-head", map[string]domain.MemberRole{"az-adviser": domain.RoleAdviser, "az-interpreter": domain.RoleInterpreter}, 5},
	{"am", "am-head", map[string]domain.MemberRole{"am-adviser": domain.RoleAdviser, "am-interpreter": domain.RoleInterpreter}, 5},
}

// demoSessions is the programme of 12 January 2021, Moscow time (UTC+3 all year).
var demoSessions = []struct {
	key, title string
	kind       domain.SessionKind
	room       string
	start, end string // local wall-clock times on 2021-01-12
	parties    []string
	agenda     string
}{
	{"plenary", "Commemorative meeting", domain.SessionCeremony, "collegium", "10:00", "11:30", []string{"ru", "az", "am"},
		"Address by the Prosecutor General of the Russian Federation; greetings of the foreign guests."},
	{"ru-az", "Bilateral meeting Russia – Azerbaijan", domain.SessionBilateral, "room-1", "12:00", "13:00", []string{"ru", "az"},
		"Human rights and law enforcement; signing of the programme of cooperation."},
	{"ru-am", "Bilateral meeting Russia – Armenia", domain.SessionBilateral, "room-1", "13:30", "14:30", []string{"ru", "am"},
		"Human rights and law enforcement; signing of the programme of cooperation."},
	{"trilateral", "Trilateral meeting Russia – Azerbaijan – Armenia", domain.SessionTrilateral, "room-2", "15:00", "16:00", []string{"ru", "az", "am"},
		"Cooperation of prosecutors following the agreements of 11 January 2021; assistance to people in the regions affected by the hostilities."},
	{"awards", "Presentation of certificates of appreciation", domain.SessionCeremony, "collegium", "16:30", "17:00", []string{"ru", "az", "am"},
		"Certificates of appreciation of the Prosecutor General of the Russian Federation."},
}

// demoOutcomes are the results the report records.
var demoOutcomes = []struct {
	session string
	kind    domain.OutcomeKind
	title   string
	parties []string
	person  string
}{
	{"ru-az", domain.OutcomeAgreement, "Programme of cooperation between the Prosecutor General's Offices of Russia and Azerbaijan", []string{"ru", "az"}, ""},
	{"ru-am", domain.OutcomeAgreement, "Programme of cooperation between the Prosecutor General's Offices of Russia and Armenia", []string{"ru", "am"}, ""},
	{"awards", domain.OutcomeAward, "Certificate of appreciation of the Prosecutor General of the Russian Federation", []string{"az"}, "az-head"},
	{"awards", domain.OutcomeAward, "Certificate of appreciation of the Prosecutor General of the Russian Federation", []string{"am"}, "am-head"},
}
