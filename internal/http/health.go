package http

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is 200 only when the database answers and no migration is pending, so a load
// balancer sends no traffic to an instance that would fail.
func (s *Server) readyz(c echo.Context) error {
	if s.opt.Ready != nil {
		if err := s.opt.Ready(c.Request().Context()); err != nil {
			s.log.WarnContext(c.Request().Context(), "not ready", "err", err)
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) version(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"version": s.opt.Version})
}
