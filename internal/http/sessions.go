package http

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
)

// sessionInput is the body of POST and PATCH /events/:id/sessions; delegation_ids
// replaces the whole list of parties.
type sessionInput struct {
	UID           serverSet                      `json:"uid"`
	EventID       serverSet                      `json:"event_id"`
	Sequence      serverSet                      `json:"sequence"`
	Title         Optional[string]               `json:"title"`
	Kind          Optional[domain.SessionKind]   `json:"kind"`
	Status        Optional[domain.SessionStatus] `json:"status"`
	RoomID        Optional[int64]                `json:"room_id"`
	StartsAt      Optional[string]               `json:"starts_at"`
	EndsAt        Optional[string]               `json:"ends_at"`
	Agenda        Optional[string]               `json:"agenda"`
	DelegationIDs Optional[[]int64]              `json:"delegation_ids"`
}

func (in *sessionInput) apply(ss *domain.Session) error {
	if err := domain.First(in.UID.check("uid"), in.EventID.check("event_id"), in.Sequence.check("sequence"),
		applyInstant("starts_at", in.StartsAt, &ss.StartsAt),
		applyInstant("ends_at", in.EndsAt, &ss.EndsAt),
	); err != nil {
		return err
	}
	in.Title.apply(&ss.Title)
	in.Kind.apply(&ss.Kind)
	in.Status.apply(&ss.Status)
	in.RoomID.applyPtr(&ss.RoomID)
	in.Agenda.apply(&ss.Agenda)
	if in.DelegationIDs.Set {
		ss.DelegationIDs = in.DelegationIDs.Value
	}
	return nil
}

// sessionPath reads :id (the event) and :sid and the event's timezone, in which the
// session's times are shown.
func (s *Server) sessionPath(c echo.Context, withSession bool) (eventID, id int64, loc *time.Location, err error) {
	if eventID, err = pathID(c, "id"); err != nil {
		return 0, 0, nil, err
	}
	if withSession {
		if id, err = pathID(c, "sid"); err != nil {
			return 0, 0, nil, err
		}
	}
	e, err := s.svc.Event(c.Request().Context(), eventID)
	if err != nil {
		return 0, 0, nil, err
	}
	return eventID, id, e.Location(), nil
}

func (s *Server) createSession(c echo.Context) error {
	eventID, _, loc, err := s.sessionPath(c, false)
	if err != nil {
		return err
	}
	var in sessionInput
	if err := decode(c, &in); err != nil {
		return err
	}
	ss := &domain.Session{}
	if err := in.apply(ss); err != nil {
		return err
	}
	out, err := s.svc.CreateSession(c.Request().Context(), eventID, ss)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, sessionInZone(out, loc))
}

func (s *Server) getSession(c echo.Context) error {
	eventID, id, loc, err := s.sessionPath(c, true)
	if err != nil {
		return err
	}
	ss, err := s.svc.Session(c.Request().Context(), eventID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sessionInZone(ss, loc))
}

// listSessions returns the whole programme by start time; it is short, so not paged.
func (s *Server) listSessions(c echo.Context) error {
	eventID, _, loc, err := s.sessionPath(c, false)
	if err != nil {
		return err
	}
	items, err := s.svc.Sessions(c.Request().Context(), eventID)
	if err != nil {
		return err
	}
	for i, ss := range items {
		items[i] = sessionInZone(ss, loc)
	}
	return c.JSON(http.StatusOK, listOf(items, ""))
}

func (s *Server) updateSession(c echo.Context) error {
	eventID, id, loc, err := s.sessionPath(c, true)
	if err != nil {
		return err
	}
	var in sessionInput
	if err := decode(c, &in); err != nil {
		return err
	}
	ss, err := s.svc.UpdateSession(c.Request().Context(), eventID, id, in.apply)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sessionInZone(ss, loc))
}

// deleteSession removes a session of a draft event and cancels any other (status
// cancelled, sequence raised), keeping it for the record; both answer 204.
func (s *Server) deleteSession(c echo.Context) error {
	eventID, id, _, err := s.sessionPath(c, true)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteSession(c.Request().Context(), eventID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
