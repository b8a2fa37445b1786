package http

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

// The invitation form. E-mail and language default to the person's (the service fills
// them when left empty); the person of an invitation never changes, as the invitation
// carries that guest's link and history.

type formsInvitationPage struct {
	formsPage
	Event       *domain.Event
	Invitation  *domain.Invitation // nil on the new form
	Person      *domain.Person     // the invited person, on the edit form
	People      []formsGroup
	Delegations []formsOption
	Languages   []string
}

var formsInvitationFields = formsFields([]string{"person_id", "delegation_id", "email", "language", "companions",
	"note", "deadline"}, nil)

func (s *Server) formsInvitationLoad(c echo.Context) (*formsInvitationPage, error) {
	ctx := c.Request().Context()
	p := &formsInvitationPage{Languages: formsLanguages}
	eventID, err := formsPathID(c, "id")
	if err != nil {
		return nil, err
	}
	if eventID == 0 { // /invitations/:iid/edit
		iid, err := pathID(c, "iid")
		if err != nil {
			return nil, err
		}
		if p.Invitation, err = s.svc.Invitation(ctx, iid); err != nil {
			return nil, err
		}
		eventID = p.Invitation.EventID
	}
	if p.Event, err = s.svc.Event(ctx, eventID); err != nil {
		return nil, err
	}
	back := fmt.Sprintf("/events/%d", eventID)
	if inv := p.Invitation; inv != nil {
		if p.Person, err = s.svc.Person(ctx, inv.PersonID); err != nil {
			return nil, err
		}
		p.formsPage = s.formsEdit(c, "events", fmt.Sprintf("/invitations/%d/edit", inv.ID), back,
			"ui.forms.invitation.edit", p.Person.FullName)
		switch inv.SendState {
		case domain.SendDraft:
			p.deletable("ui.forms.invitation.delete", p.L.T("ui.forms.invitation.delete_confirm", p.Person.FullName))
		case domain.SendWithdrawn:
		default:
			p.deletable("ui.forms.invitation.withdraw", p.L.T("ui.forms.invitation.withdraw_confirm", p.Person.FullName))
		}
		p.Form = url.Values{"person_id": {strconv.FormatInt(inv.PersonID, 10)}, "delegation_id": {formsIDValue(inv.DelegationID)},
			"email": {inv.Email}, "language": {inv.Language}, "companions": {strings.Join(inv.Companions, "\n")},
			"note": {inv.Note}, "deadline": {formsLocalPtr(inv.Deadline, p.Event.Location())}}
	} else {
		p.formsPage = s.formsNew(c, "events", back+"/invitations/new", back, "ui.forms.invitation.new", p.Event.Title)
		p.Form = url.Values{"person_id": {c.QueryParam("person_id")}, "delegation_id": {c.QueryParam("delegation_id")}}
		people, err := s.svc.ChoicePeople(ctx, nil, nil)
		if err != nil {
			return nil, err
		}
		orgs, err := s.svc.ChoiceOrganizations(ctx)
		if err != nil {
			return nil, err
		}
		p.People = formsPeopleGroups(p.L, people, orgs, nil)
	}
	if p.Delegations, err = s.formsDelegationOptions(ctx, eventID); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Server) formsInvitationShow(c echo.Context) error {
	p, err := s.formsInvitationLoad(c)
	if err != nil {
		return err
	}
	return s.formsRender(c, "form_invitation.html", p)
}

func (s *Server) formsInvitationSave(c echo.Context) error {
	p, err := s.formsInvitationLoad(c)
	if err != nil {
		return err
	}
	r, err := s.formsReader(c)
	if err != nil {
		return err
	}
	person, delegation := r.id("person_id"), r.id("delegation_id")
	deadline := r.localPtr("deadline", p.Event.Location())
	apply := func(inv *domain.Invitation) error {
		inv.DelegationID, inv.Deadline = delegation, deadline
		inv.Email, inv.Language = r.str("email"), r.str("language")
		inv.Companions, inv.Note = r.lines("companions"), r.text("note")
		return r.err
	}
	ctx := c.Request().Context()
	if p.Invitation == nil {
		inv := &domain.Invitation{EventID: p.Event.ID}
		if person != nil {
			inv.PersonID = *person
		}
		if err = apply(inv); err == nil {
			err = s.svc.CreateInvitation(ctx, inv)
		}
	} else {
		_, err = s.svc.UpdateInvitation(ctx, p.Invitation.ID, service.InvitationUpdate{Apply: apply})
	}
	if err != nil {
		return s.formsRetry(c, err, &p.uiPage, formsInvitationFields, "form_invitation.html", p)
	}
	s.flash(c, p.L.T("ui.forms.invitation.saved"))
	return seeOther(c, p.Cancel)
}

// formsInvitationDelete deletes a draft invitation; the service withdraws one that was
// sent (the guest is sent a cancellation), and the message says which happened.
func (s *Server) formsInvitationDelete(c echo.Context) error {
	p, err := s.formsInvitationLoad(c)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteInvitation(c.Request().Context(), p.Invitation.ID); err != nil {
		return s.formsDeleteFailed(c, err, &p.uiPage, "form_invitation.html", p)
	}
	msg := "ui.forms.invitation.withdrawn"
	if p.Invitation.SendState == domain.SendDraft {
		msg = "ui.forms.invitation.deleted"
	}
	s.flash(c, p.L.T(msg))
	return seeOther(c, p.Cancel)
}
