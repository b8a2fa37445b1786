package http

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

type venueInput struct {
	Name     Optional[string] `json:"name"`
	Address  Optional[string] `json:"address"`
	City     Optional[string] `json:"city"`
	Timezone Optional[string] `json:"timezone"`
}

func (in *venueInput) apply(v *domain.Venue) error {
	in.Name.apply(&v.Name)
	in.Address.apply(&v.Address)
	in.City.apply(&v.City)
	in.Timezone.apply(&v.Timezone)
	return nil
}

// roomInput has no venue_id: the path names the venue, and a room never moves.
type roomInput struct {
	Name     Optional[string] `json:"name"`
	Capacity Optional[int]    `json:"capacity"`
}

func (in *roomInput) apply(r *domain.Room) error {
	in.Name.apply(&r.Name)
	in.Capacity.apply(&r.Capacity)
	return nil
}

func (s *Server) createVenue(c echo.Context) error {
	var in venueInput
	if err := decode(c, &in); err != nil {
		return err
	}
	v := &domain.Venue{}
	_ = in.apply(v)
	if err := s.svc.CreateVenue(c.Request().Context(), v); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, v)
}

func (s *Server) getVenue(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, err := s.svc.Venue(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) listVenues(c echo.Context) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := s.svc.Venues(c.Request().Context(), service.VenueFilter{Search: c.QueryParam("q")}, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items, next))
}

func (s *Server) updateVenue(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in venueInput
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.UpdateVenue(c.Request().Context(), id, in.apply)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) deleteVenue(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.svc.DeleteVenue(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) createRoom(c echo.Context) error {
	venueID, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in roomInput
	if err := decode(c, &in); err != nil {
		return err
	}
	r := &domain.Room{}
	_ = in.apply(r)
	if err := s.svc.CreateRoom(c.Request().Context(), venueID, r); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

func (s *Server) getRoom(c echo.Context) error {
	venueID, id, err := roomPath(c)
	if err != nil {
		return err
	}
	r, err := s.svc.Room(c.Request().Context(), venueID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) listRooms(c echo.Context) error {
	venueID, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := s.svc.Rooms(c.Request().Context(), venueID, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(items, next))
}

func (s *Server) updateRoom(c echo.Context) error {
	venueID, id, err := roomPath(c)
	if err != nil {
		return err
	}
	var in roomInput
	if err := decode(c, &in); err != nil {
		return err
	}
	r, err := s.svc.UpdateRoom(c.Request().Context(), venueID, id, in.apply)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) deleteRoom(c echo.Context) error {
	venueID, id, err := roomPath(c)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteRoom(c.Request().Context(), venueID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// roomPath reads /venues/:id/rooms/:rid.
func roomPath(c echo.Context) (venueID, id int64, err error) {
	if venueID, err = pathID(c, "id"); err != nil {
		return 0, 0, err
	}
	id, err = pathID(c, "rid")
	return venueID, id, err
}
