package http

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
)

// outcomeInput is the body of POST /events/:id/sessions/:sid/outcomes. Outcomes are
// recorded or deleted, not edited: a correction is a new record, and the audit trail
// keeps both.
type outcomeInput struct {
	Kind          domain.OutcomeKind `json:"kind"`
	Title         string             `json:"title"`
	Reference     string             `json:"reference"`
	DelegationIDs []int64            `json:"delegation_ids"`
	PersonID      *int64             `json:"person_id"`
}

// outcomePath reads :id (the event), :sid (the session) and, with withOutcome, :oid.
func outcomePath(c echo.Context, withOutcome bool) (eventID, sessionID, id int64, err error) {
	if eventID, err = pathID(c, "id"); err != nil {
		return 0, 0, 0, err
	}
	if sessionID, err = pathID(c, "sid"); err != nil {
		return 0, 0, 0, err
	}
	if withOutcome {
		id, err = pathID(c, "oid")
	}
	return eventID, sessionID, id, err
}

func (s *Server) createOutcome(c echo.Context) error {
	eventID, sessionID, _, err := outcomePath(c, false)
	if err != nil {
		return err
	}
	var in outcomeInput
	if err := decode(c, &in); err != nil {
		return err
	}
	o := &domain.Outcome{Kind: in.Kind, Title: in.Title, Reference: in.Reference, DelegationIDs: in.DelegationIDs, PersonID: in.PersonID}
	if err := s.svc.CreateOutcome(c.Request().Context(), eventID, sessionID, o); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, o)
}

func (s *Server) listOutcomes(c echo.Context) error {
	eventID, sessionID, _, err := outcomePath(c, false)
	if err != nil {
		return err
	}
	items, err := s.svc.Outcomes(c.Request().Context(), eventID, sessionID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items, ""))
}

func (s *Server) deleteOutcome(c echo.Context) error {
	eventID, sessionID, id, err := outcomePath(c, true)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteOutcome(c.Request().Context(), eventID, sessionID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
