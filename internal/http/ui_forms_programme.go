package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
)

// The session and delegation forms, both parts of an event: times are in the event's
// timezone, and a save leads back to the event page.

type formsSessionPage struct {
	formsPage
	Event           *domain.Event
	Kinds, Statuses []formsOption
	Rooms           []formsGroup
	Parties         []formsOption
}

var formsSessionFields = formsFields([]string{"title", "kind", "status", "room_id", "starts_at", "ends_at", "agenda",
	"delegation_ids"}, nil)

func (s *Server) formsSessionLoad(c echo.Context) (*formsSessionPage, *domain.Session, error) {
	ctx := c.Request().Context()
	eventID, err := pathID(c, "id")
	if err != nil {
		return nil, nil, err
	}
	id, err := formsPathID(c, "sid")
	if err != nil {
		return nil, nil, err
	}
	e, err := s.svc.Event(ctx, eventID)
	if err != nil {
		return nil, nil, err
	}
	p := &formsSessionPage{Event: e}
	back, loc := fmt.Sprintf("/events/%d", eventID), e.Location()
	var ss *domain.Session
	if id == 0 {
		p.formsPage = s.formsNew(c, "events", back+"/sessions/new", back, "ui.forms.session.new", e.Title)
		start := e.StartsAt
		end := start.Add(time.Hour)
		if end.After(e.EndsAt) {
			end = e.EndsAt
		}
		p.Form = url.Values{"kind": {string(domain.SessionBilateral)}, "starts_at": {formatLocal(start, loc)},
			"ends_at": {formatLocal(end, loc)}}
	} else {
		if ss, err = s.svc.Session(ctx, eventID, id); err != nil {
			return nil, nil, err
		}
		p.formsPage = s.formsEdit(c, "events", fmt.Sprintf("%s/sessions/%d/edit", back, id), back, "ui.forms.session.edit", ss.Title)
		if e.Status == domain.StatusDraft {
			p.deletable("ui.forms.session.delete", p.L.T("ui.forms.session.delete_confirm", ss.Title))
		} else if ss.Status != domain.SessionCancelled {
			p.deletable("ui.forms.session.cancel", p.L.T("ui.forms.session.cancel_confirm", ss.Title))
		}
		p.Form = url.Values{"title": {ss.Title}, "kind": {string(ss.Kind)}, "status": {string(ss.Status)},
			"room_id": {formsIDValue(ss.RoomID)}, "starts_at": {formatLocal(ss.StartsAt, loc)},
			"ends_at": {formatLocal(ss.EndsAt, loc)}, "agenda": {ss.Agenda}, "delegation_ids": formsIDValues(ss.DelegationIDs)}
	}
	if err := s.formsSessionChoices(ctx, p); err != nil {
		return nil, nil, err
	}
	return p, ss, nil
}

// formsSessionChoices fills the kinds, the rooms (the event's venue first) and the
// parties (the event's delegations).
func (s *Server) formsSessionChoices(ctx context.Context, p *formsSessionPage) error {
	p.Kinds = formsEnum(p.L, "ui.forms.session_kind.", domain.SessionPlenary, domain.SessionBilateral,
		domain.SessionTrilateral, domain.SessionMultilateral, domain.SessionCeremony, domain.SessionSigning,
		domain.SessionReception, domain.SessionPress)
	p.Statuses = formsEnum(p.L, "ui.forms.session_status.", domain.SessionScheduled, domain.SessionCancelled)
	venues, err := s.svc.ChoiceVenues(ctx, "")
	if err != nil {
		return err
	}
	for _, v := range venues {
		if len(v.Rooms) == 0 {
			continue
		}
		g := formsGroup{Label: v.Venue.Name}
		for _, rm := range v.Rooms {
			label := rm.Name
			if rm.Capacity > 0 {
				label = p.L.T("ui.forms.room.with_capacity", rm.Name, rm.Capacity)
			}
			g.Options = append(g.Options, formsOption{Value: strconv.FormatInt(rm.ID, 10), Label: label})
		}
		if p.Event.VenueID != nil && v.Venue.ID == *p.Event.VenueID {
			p.Rooms = append([]formsGroup{g}, p.Rooms...)
		} else {
			p.Rooms = append(p.Rooms, g)
		}
	}
	p.Parties, err = s.formsDelegationOptions(ctx, p.Event.ID)
	return err
}

// formsDelegationOptions lists an event's delegations by their organizations' names.
func (s *Server) formsDelegationOptions(ctx context.Context, eventID int64) ([]formsOption, error) {
	ds, err := s.svc.Delegations(ctx, eventID)
	if err != nil {
		return nil, err
	}
	orgs, err := s.svc.ChoiceOrganizations(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(orgs))
	for _, o := range orgs {
		names[o.ID] = formsOrgLabel(o)
	}
	out := make([]formsOption, len(ds))
	for i, d := range ds {
		label := names[d.OrganizationID]
		if label == "" {
			label = fmt.Sprintf("#%d", d.ID)
		}
		out[i] = formsOption{Value: strconv.FormatInt(d.ID, 10), Label: label, Org: strconv.FormatInt(d.OrganizationID, 10)}
	}
	return out, nil
}

func (s *Server) formsSessionShow(c echo.Context) error {
	p, _, err := s.formsSessionLoad(c)
	if err != nil {
		return err
	}
	return s.formsRender(c, "form_session.html", p)
}

func (s *Server) formsSessionSave(c echo.Context) error {
	p, old, err := s.formsSessionLoad(c)
	if err != nil {
		return err
	}
	r, err := s.formsReader(c)
	if err != nil {
		return err
	}
	loc := p.Event.Location()
	starts, ends := r.local("starts_at", loc), r.local("ends_at", loc)
	room, parties := r.id("room_id"), r.ids("delegation_ids")
	apply := func(ss *domain.Session) error {
		ss.Title, ss.Kind, ss.Agenda = r.str("title"), domain.SessionKind(r.str("kind")), r.text("agenda")
		if st := r.str("status"); st != "" {
			ss.Status = domain.SessionStatus(st)
		}
		ss.RoomID, ss.StartsAt, ss.EndsAt, ss.DelegationIDs = room, starts, ends, parties
		return r.err
	}
	ctx := c.Request().Context()
	if old == nil {
		ss := &domain.Session{}
		if err = apply(ss); err == nil {
			_, err = s.svc.CreateSession(ctx, p.Event.ID, ss)
		}
	} else {
		_, err = s.svc.UpdateSession(ctx, p.Event.ID, old.ID, apply)
	}
	if err != nil {
		return s.formsRetry(c, err, &p.uiPage, formsSessionFields, "form_session.html", p)
	}
	s.flash(c, p.L.T("ui.forms.session.saved"))
	return seeOther(c, p.Cancel)
}

// formsSessionDelete removes a session of a draft event and cancels one of any other
// event (its guests are told), as the service does.
func (s *Server) formsSessionDelete(c echo.Context) error {
	p, ss, err := s.formsSessionLoad(c)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteSession(c.Request().Context(), p.Event.ID, ss.ID); err != nil {
		return s.formsDeleteFailed(c, err, &p.uiPage, "form_session.html", p)
	}
	msg := "ui.forms.session.cancelled"
	if p.Event.Status == domain.StatusDraft {
		msg = "ui.forms.session.deleted"
	}
	s.flash(c, p.L.T(msg))
	return seeOther(c, p.Cancel)
}

// formsDelegationPage is the delegation form. People lists those who may be head or
// members: the chosen organization's people and the current members, or everyone when
// no organization is chosen yet or the officer asked for all (?all=1).
type formsDelegationPage struct {
	formsPage
	Event         *domain.Event
	Organizations []formsOption
	People        []formsGroup
	Roles         []formsOption
	AllPeople     bool   // every organization's people are listed
	WidenURL      string // the form listing every organization's people
}

var formsDelegationFields = formsFields([]string{"organization_id", "head_person_id", "members", "size_limit",
	"arrival_at", "departure_at", "accommodation", "liaison_officer", "precedence"},
	map[string]string{"members.role": "members"})

func (s *Server) formsDelegationLoad(c echo.Context) (*formsDelegationPage, *domain.Delegation, error) {
	ctx := c.Request().Context()
	eventID, err := pathID(c, "id")
	if err != nil {
		return nil, nil, err
	}
	id, err := formsPathID(c, "did")
	if err != nil {
		return nil, nil, err
	}
	e, err := s.svc.Event(ctx, eventID)
	if err != nil {
		return nil, nil, err
	}
	p := &formsDelegationPage{Event: e}
	back := fmt.Sprintf("/events/%d", eventID)
	var d *domain.Delegation
	if id == 0 {
		p.formsPage = s.formsNew(c, "events", back+"/delegations/new", back, "ui.forms.delegation.new", e.Title)
		p.Form = url.Values{"organization_id": {c.QueryParam("organization_id")}}
	} else {
		if d, err = s.svc.Delegation(ctx, eventID, id); err != nil {
			return nil, nil, err
		}
		p.formsPage = s.formsEdit(c, "events", fmt.Sprintf("%s/delegations/%d/edit", back, id), back, "ui.forms.delegation.edit", e.Title)
		p.deletable("ui.forms.delegation.delete", p.L.T("ui.forms.delegation.delete_confirm"))
		p.Form = formsDelegationValues(d, e.Location())
	}
	if err := s.formsDelegationChoices(c, p, d); err != nil {
		return nil, nil, err
	}
	return p, d, nil
}

// formsDelegationValues is a delegation as form values; each member's role is role.<id>.
func formsDelegationValues(d *domain.Delegation, loc *time.Location) url.Values {
	f := url.Values{"organization_id": {strconv.FormatInt(d.OrganizationID, 10)},
		"head_person_id": {formsIDValue(d.HeadPersonID)}, "size_limit": {strconv.Itoa(d.SizeLimit)},
		"arrival_at": {formsLocalPtr(d.ArrivalAt, loc)}, "departure_at": {formsLocalPtr(d.DepartureAt, loc)},
		"accommodation": {d.Accommodation}, "liaison_officer": {d.LiaisonOfficer}, "precedence": {strconv.Itoa(d.Precedence)}}
	for _, m := range d.Members {
		id := strconv.FormatInt(m.PersonID, 10)
		f.Add("members", id)
		f.Set("role."+id, string(m.Role))
	}
	return f
}

// formsDelegationChoices fills the organizations, the roles and the people to choose
// from, scoped to the organization chosen (as posted, as stored, or from the query).
func (s *Server) formsDelegationChoices(c echo.Context, p *formsDelegationPage, d *domain.Delegation) error {
	ctx := c.Request().Context()
	p.Roles = formsEnum(p.L, "ui.forms.member_role.", domain.RoleMember, domain.RoleAdviser, domain.RoleInterpreter,
		domain.RoleSecurity)
	orgs, err := s.svc.ChoiceOrganizations(ctx)
	if err != nil {
		return err
	}
	p.Organizations = formsOrgOptions(orgs)
	if d != nil { // the edit form is named after the delegation's organization
		for _, o := range orgs {
			if o.ID == d.OrganizationID {
				p.Title = p.L.T("ui.forms.delegation.edit", formsOrgLabel(o))
				p.Heading = p.Title
			}
		}
	}
	orgValue := p.Value("organization_id")
	var extra []int64
	if c.Request().Method == http.MethodPost {
		orgValue = c.FormValue("organization_id")
		for _, v := range c.Request().PostForm["members"] {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil {
				extra = append(extra, id)
			}
		}
		if id, err := strconv.ParseInt(c.FormValue("head_person_id"), 10, 64); err == nil {
			extra = append(extra, id)
		}
	} else if d != nil {
		for _, m := range d.Members {
			extra = append(extra, m.PersonID)
		}
	}
	var scope *int64
	if id, err := strconv.ParseInt(orgValue, 10, 64); err == nil && c.QueryParam("all") == "" {
		scope = &id
	}
	p.AllPeople = scope == nil
	if !p.AllPeople {
		p.WidenURL = p.Action + "?all=1&organization_id=" + url.QueryEscape(orgValue)
	}
	people, err := s.svc.ChoicePeople(ctx, scope, extra)
	if err != nil {
		return err
	}
	p.People = formsPeopleGroups(p.L, people, orgs, scope)
	return nil
}

func (s *Server) formsDelegationShow(c echo.Context) error {
	p, _, err := s.formsDelegationLoad(c)
	if err != nil {
		return err
	}
	return s.formsRender(c, "form_delegation.html", p)
}

// members reads the checked people with their roles; the head always has the role head.
func (r *formsReader) members(head *int64) []domain.DelegationMember {
	out := []domain.DelegationMember{}
	for _, id := range r.ids("members") {
		role := domain.MemberRole(r.str("role." + strconv.FormatInt(id, 10)))
		if head != nil && id == *head {
			role = domain.RoleHead
		} else if role == domain.RoleHead || role == "" {
			role = domain.RoleMember
		}
		out = append(out, domain.DelegationMember{PersonID: id, Role: role})
	}
	return out
}

func (s *Server) formsDelegationSave(c echo.Context) error {
	p, old, err := s.formsDelegationLoad(c)
	if err != nil {
		return err
	}
	r, err := s.formsReader(c)
	if err != nil {
		return err
	}
	loc := p.Event.Location()
	org, head := r.id("organization_id"), r.id("head_person_id")
	members, arrival, departure := r.members(head), r.localPtr("arrival_at", loc), r.localPtr("departure_at", loc)
	size, precedence := r.num("size_limit"), r.num("precedence")
	apply := func(d *domain.Delegation) error {
		d.OrganizationID = 0
		if org != nil {
			d.OrganizationID = *org
		}
		d.HeadPersonID, d.Members, d.SizeLimit, d.Precedence = head, members, size, precedence
		d.ArrivalAt, d.DepartureAt = arrival, departure
		d.Accommodation, d.LiaisonOfficer = r.str("accommodation"), r.str("liaison_officer")
		return r.err
	}
	ctx := c.Request().Context()
	if old == nil {
		d := &domain.Delegation{EventID: p.Event.ID}
		if err = apply(d); err == nil {
			err = s.svc.CreateDelegation(ctx, d)
		}
	} else {
		_, err = s.svc.UpdateDelegation(ctx, p.Event.ID, old.ID, apply)
	}
	if err != nil {
		return s.formsRetry(c, err, &p.uiPage, formsDelegationFields, "form_delegation.html", p)
	}
	s.flash(c, p.L.T("ui.forms.delegation.saved"))
	return seeOther(c, p.Cancel)
}

func (s *Server) formsDelegationDelete(c echo.Context) error {
	p, d, err := s.formsDelegationLoad(c)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteDelegation(c.Request().Context(), p.Event.ID, d.ID); err != nil {
		return s.formsDeleteFailed(c, err, &p.uiPage, "form_delegation.html", p)
	}
	s.flash(c, p.L.T("ui.forms.delegation.deleted"))
	return seeOther(c, p.Cancel)
}
