package http

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/service"
)

// sendInput is the optional body of POST /events/{id}/invitations/send.
type sendInput struct {
	InvitationIDs []int64 `json:"invitation_ids"`
}

// sendInvitations queues the event's invitations not yet sent (or those named) and
// answers {"queued": N}; 409 when the event has ended, is cancelled or still a draft.
func (s *Server) sendInvitations(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in sendInput
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	n, err := s.svc.QueueInvitations(c.Request().Context(), id, service.SendParams{InvitationIDs: in.InvitationIDs})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"queued": n})
}

// cancelEvent cancels the event and answers it; everyone who was sent it is sent a
// CANCEL. Cancelling a cancelled event changes nothing.
func (s *Server) cancelEvent(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	e, err := s.svc.CancelEvent(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, eventInZone(e))
}

// listOutbound answers the mail sent, or to be sent, to an invitation's guest.
func (s *Server) listOutbound(c echo.Context) error {
	id, err := pathID(c, "iid")
	if err != nil {
		return err
	}
	items, err := s.svc.OutboundMessages(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items, ""))
}

// decodeOptional is decode for a body that may be left out: an empty body leaves v alone.
func decodeOptional(c echo.Context, v any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "request body too large")
		}
		return &badRequest{Message: "could not read the request body"}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	c.Request().Body = io.NopCloser(bytes.NewReader(body))
	return decode(c, v)
}
