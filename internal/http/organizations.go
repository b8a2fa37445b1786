package http

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

type organizationInput struct {
	Name        Optional[string]                  `json:"name"`
	ShortName   Optional[string]                  `json:"short_name"`
	CountryCode Optional[string]                  `json:"country_code"`
	Kind        Optional[domain.OrganizationKind] `json:"kind"`
}

func (in *organizationInput) apply(o *domain.Organization) error {
	in.Name.apply(&o.Name)
	in.ShortName.apply(&o.ShortName)
	in.CountryCode.apply(&o.CountryCode)
	in.Kind.apply(&o.Kind)
	return nil
}

func (s *Server) createOrganization(c echo.Context) error {
	var in organizationInput
	if err := decode(c, &in); err != nil {
		return err
	}
	o := &domain.Organization{}
	_ = in.apply(o)
	if err := s.svc.CreateOrganization(c.Request().Context(), o); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, o)
}

func (s *Server) getOrganization(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	o, err := s.svc.Organization(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

func (s *Server) listOrganizations(c echo.Context) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := s.svc.Organizations(c.Request().Context(), service.OrganizationFilter{Search: c.QueryParam("q")}, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items, next))
}

func (s *Server) updateOrganization(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in organizationInput
	if err := decode(c, &in); err != nil {
		return err
	}
	o, err := s.svc.UpdateOrganization(c.Request().Context(), id, in.apply)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

func (s *Server) deleteOrganization(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.svc.DeleteOrganization(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
