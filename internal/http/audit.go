package http

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/service"
)

func (s *Server) listAudit(c echo.Context) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	f := service.AuditFilter{EntityType: c.QueryParam("entity_type")}
	if v := c.QueryParam("entity_id"); v != "" {
		if f.EntityID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return &badRequest{Field: "entity_id", Message: "entity_id: want a number"}
		}
	}
	items, next, err := s.svc.Audit(c.Request().Context(), f, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items, next))
}
