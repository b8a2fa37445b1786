package http

import (
	"github.com/attache-app/attache/internal/domain"
)

// routes is the whole route table, grouped by who may call each route. Every API route
// names the permission it needs here and nowhere else.
func (s *Server) routes() {
	e := s.Echo
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)

	api := e.Group("/api/v1", s.bearer)
	read, write := allow(domain.PermRead), allow(domain.PermWrite)

	api.GET("/version", s.version, read)

	api.GET("/organizations", s.listOrganizations, read)
	api.POST("/organizations", s.createOrganization, write)
	api.GET("/organizations/:id", s.getOrganization, read)
	api.PATCH("/organizations/:id", s.updateOrganization, write)
	api.DELETE("/organizations/:id", s.deleteOrganization, write)

	// people and venues routes

	// events, series, sessions and outcomes routes

	// delegations and invitations routes

	api.GET("/audit", s.listAudit, read)
}
