package http

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

// feed serves GET /feeds/{token}.ics. The token is the credential; whatever is wrong
// with it (unknown, revoked, malformed, no .ics) is the same 404.
func (s *Server) feed(c echo.Context) error {
	token, ok := strings.CutSuffix(c.Param("file"), ".ics")
	if !ok {
		return domain.ErrNotFound
	}
	f, err := s.svc.OpenFeed(c.Request().Context(), token)
	if err != nil {
		return err
	}
	return s.serveFeed(c, f, "private")
}

// publicFeed serves GET /feeds/public.ics: public events, readable by anyone and by
// shared caches.
func (s *Server) publicFeed(c echo.Context) error {
	f, err := s.svc.OpenPublicFeed(c.Request().Context())
	if err != nil {
		return err
	}
	return s.serveFeed(c, f, "public")
}

// serveFeed answers 304 when the client's copy is current, and builds the feed only
// otherwise. If-Modified-Since alone is not honoured: a deleted row does not move the
// newest change time, which the ETag (it counts rows) does notice.
func (s *Server) serveFeed(c echo.Context, f *service.Feed, cache string) error {
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, cache+", max-age="+strconv.Itoa(int(f.MaxAge.Seconds())))
	h.Set("ETag", f.ETag)
	if !f.LastModified.IsZero() {
		h.Set(echo.HeaderLastModified, f.LastModified.UTC().Format(http.TimeFormat))
	}
	if f.NotModified(c.Request().Header.Get("If-None-Match")) {
		return c.NoContent(http.StatusNotModified)
	}
	body, contentType, err := s.svc.BuildFeed(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, contentType, body)
}

type feedTokenInput struct {
	Scope        service.FeedScope `json:"scope"`
	PersonID     *int64            `json:"person_id"`
	DelegationID *int64            `json:"delegation_id"`
	EventID      *int64            `json:"event_id"`
	Name         string            `json:"name"`
}

// createFeedToken issues a feed link; the answer is the only time its token is shown.
func (s *Server) createFeedToken(c echo.Context) error {
	var in feedTokenInput
	if err := decode(c, &in); err != nil {
		return err
	}
	t, err := s.svc.CreateFeedToken(c.Request().Context(), service.FeedTokenParams{Scope: in.Scope,
		PersonID: in.PersonID, DelegationID: in.DelegationID, EventID: in.EventID, Name: in.Name})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusCreated, t)
}

// revokeFeedToken stops a feed link; its feed then answers 404.
func (s *Server) revokeFeedToken(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.svc.RevokeFeedToken(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
