package http

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

// uploadInbound takes one raw message (message/rfc822 or application/octet-stream) and
// answers 201 with what the intake recorded, whatever the outcome: a rejected message
// is a recorded answer too, not an HTTP error.
func (s *Server) uploadInbound(c echo.Context) error {
	ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if ct != "message/rfc822" && ct != "application/octet-stream" {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "send the raw message as message/rfc822 or application/octet-stream")
	}
	raw, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var he *echo.HTTPError
		var mbe *http.MaxBytesError
		if errors.As(err, &he) || errors.As(err, &mbe) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "message too large")
		}
		return &badRequest{Message: "could not read the request body"}
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return &badRequest{Message: "the request body is empty; send the raw message"}
	}
	m, err := s.svc.Intake(c.Request().Context(), raw, "api")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, m)
}

// listInbound lists received messages, newest first, filtered by outcome, kind and
// event_id.
func (s *Server) listInbound(c echo.Context) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	f := service.InboundFilter{Outcome: domain.Intake(c.QueryParam("outcome")), Kind: domain.InboundKind(c.QueryParam("kind"))}
	if v := c.QueryParam("event_id"); v != "" {
		if f.EventID, err = strconv.ParseInt(v, 10, 64); err != nil || f.EventID < 1 {
			return &badRequest{Field: "event_id", Message: "event_id: want a number"}
		}
	}
	items, next, err := s.svc.InboundMessages(c.Request().Context(), f, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items, next))
}

func (s *Server) getInbound(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, err := s.svc.InboundMessage(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

// applyInbound applies a held message as if it had passed the checks, on an officer's
// judgement.
func (s *Server) applyInbound(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, err := s.svc.ApplyInbound(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

// dismissInput is the optional body of POST /inbound/:id/dismiss.
type dismissInput struct {
	Reason string `json:"reason"`
}

func (s *Server) dismissInbound(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in dismissInput
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	m, err := s.svc.DismissInbound(c.Request().Context(), id, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}
