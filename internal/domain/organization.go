package domain

import "strings"

// OrganizationKind tells state bodies from international organisations, which protocol
// lists order differently.
type OrganizationKind string

// Organization kinds.
const (
	OrgStateBody     OrganizationKind = "state_body"
	OrgInternational OrganizationKind = "international_org"
	OrgOther         OrganizationKind = "other"
)

// Organization is a host or guest body: a prosecution service, a secretariat.
type Organization struct {
	ID          int64            `json:"id"`
	Name        string           `json:"name"`
	ShortName   string           `json:"short_name"`
	CountryCode string           `json:"country_code"`
	Kind        OrganizationKind `json:"kind"`
}

// Normalize trims text and upper-cases the country code before validation.
func (o *Organization) Normalize() {
	o.Name = strings.TrimSpace(o.Name)
	o.ShortName = strings.TrimSpace(o.ShortName)
	o.CountryCode = strings.ToUpper(strings.TrimSpace(o.CountryCode))
	if o.Kind == "" {
		o.Kind = OrgStateBody
	}
}

// Validate checks the organization's fields.
func (o *Organization) Validate() error {
	err := First(
		Line("name", o.Name, true, 300),
		Line("short_name", o.ShortName, false, 60),
		OneOf("kind", o.Kind, OrgStateBody, OrgInternational, OrgOther),
	)
	if err != nil {
		return err
	}
	if o.CountryCode != "" && (len(o.CountryCode) != 2 || strings.Trim(o.CountryCode, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		return Invalid("country_code", "must be a two-letter ISO 3166 code such as RU")
	}
	return nil
}
