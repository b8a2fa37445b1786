package http

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/i18n"
)

// Forms to create and edit organizations, people, venues and rooms, events, sessions,
// delegations and invitations. Each form posts back to its own address; the field names
// are the JSON API's, so a validation error from the service names the field it lands
// beside. A failed save shows the form again as typed with the error beside its field
// (422, or 409 for a conflict such as a room already booked); a successful one redirects
// with a flash message.

func (s *Server) uiFormRoutes(r uiRoutes) {
	w := domain.PermWrite
	for _, f := range []struct {
		base string // the list form's address: base+"/new", base+"/:id/edit", base+"/:id/delete"
		id   string
		form echo.HandlerFunc
		save echo.HandlerFunc
		del  echo.HandlerFunc
	}{
		{"/organizations", ":id", s.formsOrgShow, s.formsOrgSave, s.formsOrgDelete},
		{"/people", ":id", s.formsPersonShow, s.formsPersonSave, s.formsPersonDelete},
		{"/venues", ":id", s.formsVenueShow, s.formsVenueSave, s.formsVenueDelete},
		{"/venues/:id/rooms", ":rid", s.formsRoomShow, s.formsRoomSave, s.formsRoomDelete},
		{"/events", ":id", s.formsEventShow, s.formsEventSave, s.formsEventDelete},
		{"/events/:id/sessions", ":sid", s.formsSessionShow, s.formsSessionSave, s.formsSessionDelete},
		{"/events/:id/delegations", ":did", s.formsDelegationShow, s.formsDelegationSave, s.formsDelegationDelete},
	} {
		r.GET(f.base+"/new", f.form, w)
		r.POST(f.base+"/new", f.save, w)
		r.GET(f.base+"/"+f.id+"/edit", f.form, w)
		r.POST(f.base+"/"+f.id+"/edit", f.save, w)
		r.POST(f.base+"/"+f.id+"/delete", f.del, w)
	}
	r.GET("/events/:id/invitations/new", s.formsInvitationShow, w)
	r.POST("/events/:id/invitations/new", s.formsInvitationSave, w)
	r.GET("/invitations/:iid/edit", s.formsInvitationShow, w)
	r.POST("/invitations/:iid/edit", s.formsInvitationSave, w)
	r.POST("/invitations/:iid/delete", s.formsInvitationDelete, w)
	r.GET("/venues", s.formsVenueList, domain.PermRead)
}

// formsPage is what every form page shows besides its fields.
type formsPage struct {
	uiPage
	New     bool   // creating rather than editing
	Heading string // the page's h1
	Action  string // where the form posts
	Cancel  string // where Cancel leads back to
	// Delete is the delete action ("" for none), with its button label and the question
	// asked before it is sent.
	Delete        string
	DeleteLabel   string
	DeleteConfirm string
}

// formsOption is one choice of a select or checkbox list. Org, Email and Lang become
// data attributes that web/static/forms.js reads (filtering by organization, showing a
// person's e-mail and language as the default).
type formsOption struct {
	Value, Label     string
	Org, Email, Lang string
}

// formsGroup is an optgroup (or, in a checkbox list, a fieldset); an empty Label puts the
// options at the top level.
type formsGroup struct {
	Label   string
	Org     string
	Options []formsOption
}

func init() {
	// formsIs reports whether a form value is v (an id or a string).
	uiFuncs["formsIs"] = func(value string, v any) bool { return value == fmt.Sprint(v) }
	// formsIn reports whether a multi-valued form field holds v.
	uiFuncs["formsIn"] = func(values []string, v any) bool { return slices.Contains(values, fmt.Sprint(v)) }
	// formsName builds an indexed field name such as names.0.full_name.
	uiFuncs["formsName"] = func(prefix string, i int, suffix string) string {
		return prefix + "." + strconv.Itoa(i) + "." + suffix
	}
}

// formsRender shows a form page: 200 on first display.
func (s *Server) formsRender(c echo.Context, page string, p any) error {
	return s.render(c, http.StatusOK, page, p)
}

// formsRetry shows the form again after a failed save: the error beside the field that
// caused it (field maps the service's field name to the form's; "" puts it at the top),
// a summary at the top and every value as typed. It returns err unchanged when err is
// not about the form (not found, forbidden, internal), for the error page.
func (s *Server) formsRetry(c echo.Context, err error, up *uiPage, field func(string) string, page string, p any) error {
	name, msg, status, ok := formProblem(err)
	if !ok {
		return err
	}
	shown := ""
	if name != "" {
		shown = field(name)
	}
	up.Errors = formErrors{}
	switch {
	case shown != "":
		up.Errors[shown] = msg
		up.Errors[""] = up.L.T("ui.form.errors")
	case name != "":
		up.Errors[""] = name + ": " + msg
	default:
		up.Errors[""] = msg
	}
	form, ferr := c.FormParams()
	if ferr != nil {
		return ferr
	}
	up.Form = form
	return s.render(c, status, page, p)
}

// formsFields is a field mapping for formsRetry: the service's field names that the form
// shows as they are, with aliases for the others (a nested name → the input that caused it).
func formsFields(names []string, aliases map[string]string) func(string) string {
	return func(f string) string {
		if a, ok := aliases[f]; ok {
			return a
		}
		if slices.Contains(names, f) {
			return f
		}
		return ""
	}
}

// formsReader reads a posted form into typed values, keeping the first error, which names
// the field and says what is wrong in the officer's language.
type formsReader struct {
	f   url.Values
	l   *i18n.Locale
	err error
}

func (s *Server) formsReader(c echo.Context) (*formsReader, error) {
	f, err := c.FormParams()
	if err != nil {
		return nil, &badRequest{Message: "the form could not be read"}
	}
	return &formsReader{f: f, l: uiLocale(c)}, nil
}

func (r *formsReader) fail(field, key string) {
	if r.err == nil {
		r.err = domain.Invalid(field, "%s", r.l.T(key))
	}
}

// str is a one-line field as typed.
func (r *formsReader) str(name string) string { return r.f.Get(name) }

// text is a multi-line field with the browser's CRLF line ends made LF.
func (r *formsReader) text(name string) string {
	return strings.ReplaceAll(r.f.Get(name), "\r\n", "\n")
}

// lines is a multi-line field as a list of its non-blank lines.
func (r *formsReader) lines(name string) []string {
	var out []string
	for _, l := range strings.Split(r.text(name), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// id is a chosen id; empty is nil.
func (r *formsReader) id(name string) *int64 {
	v := strings.TrimSpace(r.f.Get(name))
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		r.fail(name, "ui.forms.err.choice")
		return nil
	}
	return &n
}

// ids are the chosen ids of a multi-valued field, in the form's order.
func (r *formsReader) ids(name string) []int64 {
	out := []int64{}
	for _, v := range r.f[name] {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			r.fail(name, "ui.forms.err.choice")
			return out
		}
		out = append(out, n)
	}
	return out
}

// num is a whole number; empty is 0.
func (r *formsReader) num(name string) int {
	v := strings.TrimSpace(r.f.Get(name))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.fail(name, "ui.forms.err.number")
	}
	return n
}

// local is a datetime-local value read as wall time in loc; empty is the zero time.
func (r *formsReader) local(name string, loc *time.Location) time.Time {
	v := strings.TrimSpace(r.f.Get(name))
	if v == "" {
		return time.Time{}
	}
	t, ok := parseLocal(v, loc)
	if !ok {
		r.fail(name, "ui.forms.err.datetime")
	}
	return t
}

// localPtr is an optional datetime-local value; empty is nil.
func (r *formsReader) localPtr(name string, loc *time.Location) *time.Time {
	t := r.local(name, loc)
	if t.IsZero() {
		return nil
	}
	return &t
}

// formsLocalPtr shows an optional instant as a datetime-local value in loc.
func formsLocalPtr(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return formatLocal(*t, loc)
}

// formsIDValue shows an optional id as a form value.
func formsIDValue(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// formsIDValues shows ids as the values of a multi-valued field.
func formsIDValues(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return out
}

// formsEnum lists the values of an enumeration with their labels from the catalogue
// (prefix + value).
func formsEnum[T ~string](l *i18n.Locale, prefix string, values ...T) []formsOption {
	out := make([]formsOption, len(values))
	for i, v := range values {
		out[i] = formsOption{Value: string(v), Label: l.T(prefix + string(v))}
	}
	return out
}

// formsOrgLabel names an organization in a list: its name, with its short name.
func formsOrgLabel(o *domain.Organization) string {
	if o.ShortName != "" && o.ShortName != o.Name {
		return o.Name + " (" + o.ShortName + ")"
	}
	return o.Name
}

// formsOrgOptions lists organizations for a select.
func formsOrgOptions(orgs []*domain.Organization) []formsOption {
	out := make([]formsOption, len(orgs))
	for i, o := range orgs {
		out[i] = formsOption{Value: strconv.FormatInt(o.ID, 10), Label: formsOrgLabel(o)}
	}
	return out
}

// formsPeopleGroups lists people grouped by organization, in the organizations' order
// (first the one named first, if any), those without one last.
func formsPeopleGroups(l *i18n.Locale, people []*domain.Person, orgs []*domain.Organization, first *int64) []formsGroup {
	byOrg := map[int64][]formsOption{}
	var none []formsOption
	for _, p := range people {
		o := formsOption{Value: strconv.FormatInt(p.ID, 10), Label: p.FullName, Email: p.Email, Lang: p.Language}
		if p.Honorific != "" {
			o.Label += " — " + p.Honorific
		}
		if p.OrganizationID == nil {
			none = append(none, o)
			continue
		}
		o.Org = strconv.FormatInt(*p.OrganizationID, 10)
		byOrg[*p.OrganizationID] = append(byOrg[*p.OrganizationID], o)
	}
	var out []formsGroup
	add := func(o *domain.Organization) {
		if opts := byOrg[o.ID]; len(opts) > 0 {
			out = append(out, formsGroup{Label: formsOrgLabel(o), Org: strconv.FormatInt(o.ID, 10), Options: opts})
			delete(byOrg, o.ID)
		}
	}
	for _, o := range orgs {
		if first != nil && o.ID == *first {
			add(o)
		}
	}
	for _, o := range orgs {
		add(o)
	}
	for _, p := range people { // an organization beyond the list's limit
		if p.OrganizationID != nil && len(byOrg[*p.OrganizationID]) > 0 {
			none = append(none, byOrg[*p.OrganizationID]...)
			delete(byOrg, *p.OrganizationID)
		}
	}
	if len(none) > 0 {
		out = append(out, formsGroup{Label: l.T("ui.forms.no_organization"), Options: none})
	}
	return out
}

// formsNew starts a form that creates a record.
func (s *Server) formsNew(c echo.Context, nav, action, cancel, titleKey string, args ...any) formsPage {
	p := formsPage{uiPage: s.page(c, nav, titleKey, args...), New: true, Action: action, Cancel: cancel}
	p.Heading = p.Title
	return p
}

// formsEdit starts a form that edits a record.
func (s *Server) formsEdit(c echo.Context, nav, action, cancel, titleKey string, args ...any) formsPage {
	p := formsPage{uiPage: s.page(c, nav, titleKey, args...), Action: action, Cancel: cancel}
	p.Heading = p.Title
	return p
}

// deletable offers a delete button beside the form, posting to the edit address's
// sibling …/delete, which asks confirm before it is sent.
func (p *formsPage) deletable(labelKey, confirm string) {
	p.Delete = strings.TrimSuffix(p.Action, "/edit") + "/delete"
	p.DeleteLabel, p.DeleteConfirm = p.L.T(labelKey), confirm
}

// formsDeleteFailed shows the edit form again when a delete is refused (a conflict: the
// record is still in use), with the reason at the top; other errors go to the error page.
func (s *Server) formsDeleteFailed(c echo.Context, err error, up *uiPage, page string, p any) error {
	msg, status, ok := formSummary(err)
	if !ok {
		return err
	}
	up.Errors = formErrors{"": msg}
	return s.render(c, status, page, p)
}

// formsPathID reads a numeric path parameter that new-record forms lack (0 then).
func formsPathID(c echo.Context, name string) (int64, error) {
	if c.Param(name) == "" {
		return 0, nil
	}
	return pathID(c, name)
}
