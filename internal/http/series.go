package http

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
)

// seriesInput is the body of POST and PATCH /series; founded_on is a date
// (YYYY-MM-DD, or an RFC 3339 time whose date is taken as written).
type seriesInput struct {
	Name         Optional[string]           `json:"name"`
	FoundedOn    Optional[string]           `json:"founded_on"`
	Timezone     Optional[string]           `json:"timezone"`
	DefaultKind  Optional[domain.EventKind] `json:"default_kind"`
	DefaultTitle Optional[string]           `json:"default_title"`
}

func (in *seriesInput) apply(sr *domain.Series) error {
	switch {
	case in.FoundedOn.Null:
		sr.FoundedOn = time.Time{}
	case in.FoundedOn.Set:
		d, err := parseDay("founded_on", in.FoundedOn.Value)
		if err != nil {
			return err
		}
		sr.FoundedOn = d
	}
	in.Name.apply(&sr.Name)
	in.Timezone.apply(&sr.Timezone)
	in.DefaultKind.apply(&sr.DefaultKind)
	in.DefaultTitle.apply(&sr.DefaultTitle)
	return nil
}

// seriesView shows founded_on as the date it is, not as a midnight instant.
type seriesView struct {
	*domain.Series
	FoundedOn string `json:"founded_on"`
}

func viewSeries(sr *domain.Series) seriesView {
	return seriesView{Series: sr, FoundedOn: sr.FoundedOn.Format(time.DateOnly)}
}

func (s *Server) createSeries(c echo.Context) error {
	var in seriesInput
	if err := decode(c, &in); err != nil {
		return err
	}
	sr := &domain.Series{}
	if err := in.apply(sr); err != nil {
		return err
	}
	if err := s.svc.CreateSeries(c.Request().Context(), sr); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, viewSeries(sr))
}

func (s *Server) getSeries(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	sr, err := s.svc.Series(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewSeries(sr))
}

func (s *Server) listSeries(c echo.Context) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := s.svc.SeriesList(c.Request().Context(), p)
	if err != nil {
		return err
	}
	views := make([]seriesView, len(items))
	for i, sr := range items {
		views[i] = viewSeries(sr)
	}
	return c.JSON(http.StatusOK, listOf(views, next))
}

func (s *Server) updateSeries(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in seriesInput
	if err := decode(c, &in); err != nil {
		return err
	}
	sr, err := s.svc.UpdateSeries(c.Request().Context(), id, in.apply)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewSeries(sr))
}
