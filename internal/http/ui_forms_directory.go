package http

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
)

// The organization and person forms.

type formsOrgPage struct {
	formsPage
	Kinds []formsOption
}

var formsOrgFields = formsFields([]string{"name", "short_name", "country_code", "kind"}, nil)

// orgPage builds the organization form; on GET of an edit form, filled from the record.
func (s *Server) formsOrgLoad(c echo.Context) (*formsOrgPage, int64, error) {
	p := &formsOrgPage{}
	id, err := formsPathID(c, "id")
	if err != nil {
		return nil, 0, err
	}
	if id == 0 {
		p.formsPage = s.formsNew(c, "directory", "/organizations/new", "/directory", "ui.forms.org.new")
		p.Form = url.Values{"kind": {string(domain.OrgStateBody)}}
	} else {
		o, err := s.svc.Organization(c.Request().Context(), id)
		if err != nil {
			return nil, 0, err
		}
		base := fmt.Sprintf("/organizations/%d", id)
		p.formsPage = s.formsEdit(c, "directory", base+"/edit", base, "ui.forms.org.edit", o.Name)
		p.deletable("ui.forms.org.delete", p.L.T("ui.forms.org.delete_confirm", o.Name))
		p.Form = url.Values{"name": {o.Name}, "short_name": {o.ShortName}, "country_code": {o.CountryCode}, "kind": {string(o.Kind)}}
	}
	p.Kinds = formsEnum(p.L, "ui.forms.org_kind.", domain.OrgStateBody, domain.OrgInternational, domain.OrgOther)
	return p, id, nil
}

func (s *Server) formsOrgShow(c echo.Context) error {
	p, _, err := s.formsOrgLoad(c)
	if err != nil {
		return err
	}
	return s.formsRender(c, "form_organization.html", p)
}

func (s *Server) formsOrgSave(c echo.Context) error {
	p, id, err := s.formsOrgLoad(c)
	if err != nil {
		return err
	}
	r, err := s.formsReader(c)
	if err != nil {
		return err
	}
	apply := func(o *domain.Organization) error {
		o.Name, o.ShortName, o.CountryCode = r.str("name"), r.str("short_name"), r.str("country_code")
		o.Kind = domain.OrganizationKind(r.str("kind"))
		return nil
	}
	ctx := c.Request().Context()
	if id == 0 {
		o := &domain.Organization{}
		_ = apply(o)
		err = s.svc.CreateOrganization(ctx, o)
		id = o.ID
	} else {
		_, err = s.svc.UpdateOrganization(ctx, id, apply)
	}
	if err != nil {
		return s.formsRetry(c, err, &p.uiPage, formsOrgFields, "form_organization.html", p)
	}
	s.flash(c, p.L.T("ui.forms.org.saved"))
	return seeOther(c, fmt.Sprintf("/organizations/%d", id))
}

func (s *Server) formsOrgDelete(c echo.Context) error {
	p, id, err := s.formsOrgLoad(c)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteOrganization(c.Request().Context(), id); err != nil {
		return s.formsDeleteFailed(c, err, &p.uiPage, "form_organization.html", p)
	}
	s.flash(c, p.L.T("ui.forms.org.deleted"))
	return seeOther(c, "/directory")
}

// formsPersonPage is the person form. Names has one row per localized name, with an empty
// row to add one.
type formsPersonPage struct {
	formsPage
	Organizations []formsOption
	NameRows      []int
	Languages     []string
}

// formsNameParts are the parts of a localized name row, names.<i>.<part>.
var formsNameParts = []string{"language", "full_name", "honorific", "address"}

func (s *Server) formsPersonLoad(c echo.Context) (*formsPersonPage, int64, error) {
	p := &formsPersonPage{}
	ctx := c.Request().Context()
	id, err := formsPathID(c, "id")
	if err != nil {
		return nil, 0, err
	}
	if id == 0 {
		p.formsPage = s.formsNew(c, "directory", "/people/new", "/directory", "ui.forms.person.new")
		p.Form = url.Values{"language": {"en"}}
		if org := c.QueryParam("organization_id"); org != "" {
			p.Form.Set("organization_id", org)
		}
	} else {
		pr, err := s.svc.Person(ctx, id)
		if err != nil {
			return nil, 0, err
		}
		base := fmt.Sprintf("/people/%d", id)
		p.formsPage = s.formsEdit(c, "directory", base+"/edit", base, "ui.forms.person.edit", pr.FullName)
		p.deletable("ui.forms.person.delete", p.L.T("ui.forms.person.delete_confirm", pr.FullName))
		p.Form = formsPersonValues(pr)
	}
	orgs, err := s.svc.ChoiceOrganizations(ctx)
	if err != nil {
		return nil, 0, err
	}
	p.Organizations = formsOrgOptions(orgs)
	p.Languages = formsLanguages
	p.NameRows = formsNameRows(p.Form)
	return p, id, nil
}

// formsPersonValues is a person as form values.
func formsPersonValues(pr *domain.Person) url.Values {
	f := url.Values{"organization_id": {formsIDValue(pr.OrganizationID)}, "full_name": {pr.FullName},
		"honorific": {pr.Honorific}, "email": {pr.Email}, "language": {pr.Language}, "phone": {pr.Phone},
		"notes": {pr.Notes}}
	for i, tag := range pr.NameLanguages() {
		n := pr.Names[tag]
		for part, v := range map[string]string{"language": tag, "full_name": n.FullName, "honorific": n.Honorific, "address": n.Address} {
			f.Set(fmt.Sprintf("names.%d.%s", i, part), v)
		}
	}
	return f
}

// formsNameRows lists the name rows a form holds, plus one empty row to add a name.
func formsNameRows(f url.Values) []int {
	n := 0
	for k := range f {
		rest, ok := strings.CutPrefix(k, "names.")
		if !ok {
			continue
		}
		idx, _, _ := strings.Cut(rest, ".")
		if i, err := strconv.Atoi(idx); err == nil && i >= 0 && i < 50 && i+1 > n {
			n = i + 1
		}
	}
	rows := make([]int, n+1)
	for i := range rows {
		rows[i] = i
	}
	return rows
}

// readNames reads the name rows into the map the service takes, skipping empty rows. It
// also returns which row each language came from, to put an error beside that row.
func (r *formsReader) readNames() (map[string]domain.PersonName, map[string]int) {
	names := map[string]domain.PersonName{}
	rowOf := map[string]int{}
	for _, i := range formsNameRows(r.f) {
		get := func(part string) string { return strings.TrimSpace(r.f.Get(fmt.Sprintf("names.%d.%s", i, part))) }
		n := domain.PersonName{FullName: get("full_name"), Honorific: get("honorific"), Address: get("address")}
		tag := get("language")
		if tag == "" {
			if n != (domain.PersonName{}) {
				r.fail(fmt.Sprintf("names.%d.language", i), "ui.forms.err.name_language")
			}
			continue
		}
		canon, err := domain.Language(fmt.Sprintf("names.%d.language", i), tag)
		if err != nil {
			if r.err == nil {
				r.err = err
			}
			continue
		}
		if _, dup := rowOf[canon]; dup {
			r.fail(fmt.Sprintf("names.%d.language", i), "ui.forms.err.name_twice")
			continue
		}
		names[canon], rowOf[canon] = n, i
	}
	return names, rowOf
}

// formsPersonFields maps the service's names.<tag>.<part> to the row the language came from.
func formsPersonFields(rowOf map[string]int) func(string) string {
	plain := formsFields([]string{"organization_id", "full_name", "honorific", "email", "language", "phone", "notes"}, nil)
	return func(f string) string {
		rest, ok := strings.CutPrefix(f, "names.")
		if !ok {
			return plain(f)
		}
		if strings.Count(rest, ".") > 1 {
			return ""
		}
		for _, part := range formsNameParts {
			if part == "language" {
				continue
			}
			if tag, ok := strings.CutSuffix(rest, "."+part); ok {
				if i, ok := rowOf[tag]; ok {
					return fmt.Sprintf("names.%d.%s", i, part)
				}
			}
		}
		if i, ok := rowOf[rest]; ok {
			return fmt.Sprintf("names.%d.language", i)
		}
		if strings.HasPrefix(f, "names.") && strings.Count(f, ".") == 2 { // names.<i>.<part>, from the form itself
			return f
		}
		return ""
	}
}

func (s *Server) formsPersonShow(c echo.Context) error {
	p, _, err := s.formsPersonLoad(c)
	if err != nil {
		return err
	}
	return s.formsRender(c, "form_person.html", p)
}

func (s *Server) formsPersonSave(c echo.Context) error {
	p, id, err := s.formsPersonLoad(c)
	if err != nil {
		return err
	}
	r, err := s.formsReader(c)
	if err != nil {
		return err
	}
	names, rowOf := r.readNames()
	orgID := r.id("organization_id")
	apply := func(pr *domain.Person) error {
		pr.OrganizationID, pr.FullName, pr.Honorific = orgID, r.str("full_name"), r.str("honorific")
		pr.Email, pr.Language, pr.Phone, pr.Notes = r.str("email"), r.str("language"), r.str("phone"), r.text("notes")
		pr.Names = names
		return r.err
	}
	p.NameRows = formsNameRows(r.f)
	ctx := c.Request().Context()
	if id == 0 {
		pr := &domain.Person{}
		if err = apply(pr); err == nil {
			err = s.svc.CreatePerson(ctx, pr)
			id = pr.ID
		}
	} else {
		_, err = s.svc.UpdatePerson(ctx, id, apply)
	}
	if err != nil {
		return s.formsRetry(c, err, &p.uiPage, formsPersonFields(rowOf), "form_person.html", p)
	}
	s.flash(c, p.L.T("ui.forms.person.saved"))
	return seeOther(c, fmt.Sprintf("/people/%d", id))
}

func (s *Server) formsPersonDelete(c echo.Context) error {
	p, id, err := s.formsPersonLoad(c)
	if err != nil {
		return err
	}
	if err := s.svc.DeletePerson(c.Request().Context(), id); err != nil {
		return s.formsDeleteFailed(c, err, &p.uiPage, "form_person.html", p)
	}
	s.flash(c, p.L.T("ui.forms.person.deleted"))
	return seeOther(c, "/directory")
}

// formsLanguages are offered as suggestions for language fields (any BCP 47 tag is
// accepted): the interface's languages and those of the reference scenario's guests
// first.
var formsLanguages = []string{"en", "ru", "az", "hy", "fr", "de", "es", "it", "zh", "ar", "tr", "ka", "kk", "uz", "be", "sr"}
