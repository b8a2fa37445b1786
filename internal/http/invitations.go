package http

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

type invitationInput struct {
	PersonID     Optional[int64]           `json:"person_id"`
	DelegationID Optional[int64]           `json:"delegation_id"`
	Email        Optional[string]          `json:"email"`
	Language     Optional[string]          `json:"language"`
	Response     Optional[domain.Response] `json:"response"`
	Companions   Optional[[]string]        `json:"companions"`
	Note         Optional[string]          `json:"note"`
	Deadline     Optional[string]          `json:"deadline"`
	SendState    serverSet                 `json:"send_state"`
}

// apply copies the fields sent. send_state is accepted by the decoder only to answer
// with a clear 422: it moves with sending, never by hand.
func (in *invitationInput) apply(inv *domain.Invitation) error {
	if in.SendState.set {
		return domain.Invalid("send_state", "moves with sending and can not be set")
	}
	in.PersonID.apply(&inv.PersonID)
	in.DelegationID.applyPtr(&inv.DelegationID)
	in.Email.apply(&inv.Email)
	in.Language.apply(&inv.Language)
	in.Response.apply(&inv.Response)
	if in.Companions.Set {
		inv.Companions = in.Companions.Value
	}
	in.Note.apply(&inv.Note)
	return applyInstantPtr("deadline", in.Deadline, &inv.Deadline)
}

func (s *Server) createInvitation(c echo.Context) error {
	eventID, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in invitationInput
	if err := decode(c, &in); err != nil {
		return err
	}
	inv := &domain.Invitation{EventID: eventID}
	if err := in.apply(inv); err != nil {
		return err
	}
	if err := s.svc.CreateInvitation(c.Request().Context(), inv); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, shownInvitation(c, inv))
}

func (s *Server) getInvitation(c echo.Context) error {
	id, err := pathID(c, "iid")
	if err != nil {
		return err
	}
	inv, err := s.svc.Invitation(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, shownInvitation(c, inv))
}

func (s *Server) listInvitations(c echo.Context) error {
	eventID, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := page(c)
	if err != nil {
		return err
	}
	f := service.InvitationFilter{EventID: eventID, Response: domain.Response(c.QueryParam("response")),
		SendState: domain.SendState(c.QueryParam("send_state"))}
	items, next, err := s.svc.Invitations(c.Request().Context(), f, p)
	if err != nil {
		return err
	}
	for _, inv := range items {
		shownInvitation(c, inv)
	}
	return c.JSON(http.StatusOK, listOf(items, next))
}

// updateInvitation applies an officer's change; naming a response records the guest's
// answer as taken by this officer (history, channel officer).
func (s *Server) updateInvitation(c echo.Context) error {
	id, err := pathID(c, "iid")
	if err != nil {
		return err
	}
	var in invitationInput
	if err := decode(c, &in); err != nil {
		return err
	}
	inv, err := s.svc.UpdateInvitation(c.Request().Context(), id,
		service.InvitationUpdate{Apply: in.apply, Answer: in.Response.Set && !in.Response.Null})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, shownInvitation(c, inv))
}

func (s *Server) deleteInvitation(c echo.Context) error {
	id, err := pathID(c, "iid")
	if err != nil {
		return err
	}
	if err := s.svc.DeleteInvitation(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listResponses(c echo.Context) error {
	id, err := pathID(c, "iid")
	if err != nil {
		return err
	}
	p, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := s.svc.Responses(c.Request().Context(), id, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items, next))
}

// rotateRSVPToken gives the invitation a new link; the old one stops working at once.
func (s *Server) rotateRSVPToken(c echo.Context) error {
	id, err := pathID(c, "iid")
	if err != nil {
		return err
	}
	inv, err := s.svc.RotateRSVPToken(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, shownInvitation(c, inv))
}

// shownInvitation hides the RSVP link from callers who may not write: the link lets its
// holder change the guest's answer, which a read-only viewer must not be able to do.
func shownInvitation(c echo.Context, inv *domain.Invitation) *domain.Invitation {
	if u, ok := c.Get(userKey).(*domain.User); !ok || !u.Role.Allows(domain.PermWrite) {
		inv.RSVPURL = ""
	}
	return inv
}
