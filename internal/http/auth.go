package http

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

const userKey = "attache.user"

// bearer authenticates the API by Authorization: Bearer only. A session cookie is never
// accepted here, so the JSON API can not be driven by cross-site requests.
func (s *Server) bearer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return domain.ErrUnauthorized
		}
		u, err := s.svc.Authenticate(c.Request().Context(), strings.TrimSpace(token))
		if err != nil {
			return err
		}
		c.Set(userKey, u)
		ctx := service.WithActor(c.Request().Context(), service.Actor{UserID: &u.ID, Name: u.Email})
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// allow is the route table's authorisation check: the caller's role must grant perm.
func allow(perm domain.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u, ok := c.Get(userKey).(*domain.User)
			if !ok {
				return domain.ErrUnauthorized
			}
			if !u.Role.Allows(perm) {
				return domain.ErrForbidden
			}
			return next(c)
		}
	}
}
