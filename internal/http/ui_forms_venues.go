package http

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

// The venues page and the venue and room forms.

type formsVenueListPage struct {
	uiPage
	Query  string
	Venues []service.VenueWithRooms
}

// formsVenueList lists venues with their rooms (two queries, however many there are).
func (s *Server) formsVenueList(c echo.Context) error {
	p := formsVenueListPage{uiPage: s.page(c, "venues", "ui.forms.venues.title"), Query: c.QueryParam("q")}
	var err error
	if p.Venues, err = s.svc.ChoiceVenues(c.Request().Context(), p.Query); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "venues.html", p)
}

type formsVenuePage struct {
	formsPage
	Zones []string
}

var formsVenueFields = formsFields([]string{"name", "address", "city", "timezone"}, nil)

func (s *Server) formsVenueLoad(c echo.Context) (*formsVenuePage, int64, error) {
	p := &formsVenuePage{Zones: formsZones}
	id, err := formsPathID(c, "id")
	if err != nil {
		return nil, 0, err
	}
	if id == 0 {
		p.formsPage = s.formsNew(c, "venues", "/venues/new", "/venues", "ui.forms.venue.new")
		p.Form = url.Values{}
		return p, 0, nil
	}
	v, err := s.svc.Venue(c.Request().Context(), id)
	if err != nil {
		return nil, 0, err
	}
	p.formsPage = s.formsEdit(c, "venues", fmt.Sprintf("/venues/%d/edit", id), "/venues", "ui.forms.venue.edit", v.Name)
	p.deletable("ui.forms.venue.delete", p.L.T("ui.forms.venue.delete_confirm", v.Name))
	p.Form = url.Values{"name": {v.Name}, "address": {v.Address}, "city": {v.City}, "timezone": {v.Timezone}}
	return p, id, nil
}

func (s *Server) formsVenueShow(c echo.Context) error {
	p, _, err := s.formsVenueLoad(c)
	if err != nil {
		return err
	}
	return s.formsRender(c, "form_venue.html", p)
}

func (s *Server) formsVenueSave(c echo.Context) error {
	p, id, err := s.formsVenueLoad(c)
	if err != nil {
		return err
	}
	r, err := s.formsReader(c)
	if err != nil {
		return err
	}
	apply := func(v *domain.Venue) error {
		v.Name, v.Address, v.City, v.Timezone = r.str("name"), r.str("address"), r.str("city"), r.str("timezone")
		return nil
	}
	ctx := c.Request().Context()
	if id == 0 {
		v := &domain.Venue{}
		_ = apply(v)
		err = s.svc.CreateVenue(ctx, v)
		id = v.ID
	} else {
		_, err = s.svc.UpdateVenue(ctx, id, apply)
	}
	if err != nil {
		return s.formsRetry(c, err, &p.uiPage, formsVenueFields, "form_venue.html", p)
	}
	s.flash(c, p.L.T("ui.forms.venue.saved"))
	return seeOther(c, fmt.Sprintf("/venues#venue-%d", id))
}

func (s *Server) formsVenueDelete(c echo.Context) error {
	p, id, err := s.formsVenueLoad(c)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteVenue(c.Request().Context(), id); err != nil {
		return s.formsDeleteFailed(c, err, &p.uiPage, "form_venue.html", p)
	}
	s.flash(c, p.L.T("ui.forms.venue.deleted"))
	return seeOther(c, "/venues")
}

type formsRoomPage struct {
	formsPage
	Venue *domain.Venue
}

var formsRoomFields = formsFields([]string{"name", "capacity"}, nil)

func (s *Server) formsRoomLoad(c echo.Context) (*formsRoomPage, int64, error) {
	ctx := c.Request().Context()
	venueID, err := pathID(c, "id")
	if err != nil {
		return nil, 0, err
	}
	id, err := formsPathID(c, "rid")
	if err != nil {
		return nil, 0, err
	}
	v, err := s.svc.Venue(ctx, venueID)
	if err != nil {
		return nil, 0, err
	}
	p := &formsRoomPage{Venue: v}
	back := fmt.Sprintf("/venues#venue-%d", venueID)
	if id == 0 {
		p.formsPage = s.formsNew(c, "venues", fmt.Sprintf("/venues/%d/rooms/new", venueID), back, "ui.forms.room.new", v.Name)
		p.Form = url.Values{}
		return p, 0, nil
	}
	rm, err := s.svc.Room(ctx, venueID, id)
	if err != nil {
		return nil, 0, err
	}
	p.formsPage = s.formsEdit(c, "venues", fmt.Sprintf("/venues/%d/rooms/%d/edit", venueID, id), back, "ui.forms.room.edit", rm.Name, v.Name)
	p.deletable("ui.forms.room.delete", p.L.T("ui.forms.room.delete_confirm", rm.Name))
	p.Form = url.Values{"name": {rm.Name}, "capacity": {strconv.Itoa(rm.Capacity)}}
	return p, id, nil
}

func (s *Server) formsRoomShow(c echo.Context) error {
	p, _, err := s.formsRoomLoad(c)
	if err != nil {
		return err
	}
	return s.formsRender(c, "form_room.html", p)
}

func (s *Server) formsRoomSave(c echo.Context) error {
	p, id, err := s.formsRoomLoad(c)
	if err != nil {
		return err
	}
	r, err := s.formsReader(c)
	if err != nil {
		return err
	}
	apply := func(rm *domain.Room) error {
		rm.Name, rm.Capacity = r.str("name"), r.num("capacity")
		return r.err
	}
	ctx := c.Request().Context()
	if id == 0 {
		rm := &domain.Room{}
		if err = apply(rm); err == nil {
			err = s.svc.CreateRoom(ctx, p.Venue.ID, rm)
		}
	} else {
		_, err = s.svc.UpdateRoom(ctx, p.Venue.ID, id, apply)
	}
	if err != nil {
		return s.formsRetry(c, err, &p.uiPage, formsRoomFields, "form_room.html", p)
	}
	s.flash(c, p.L.T("ui.forms.room.saved"))
	return seeOther(c, p.Cancel)
}

func (s *Server) formsRoomDelete(c echo.Context) error {
	p, id, err := s.formsRoomLoad(c)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteRoom(c.Request().Context(), p.Venue.ID, id); err != nil {
		return s.formsDeleteFailed(c, err, &p.uiPage, "form_room.html", p)
	}
	s.flash(c, p.L.T("ui.forms.room.deleted"))
	return seeOther(c, p.Cancel)
}

// formsZones are suggested for timezone fields (any IANA zone is accepted): Russia's,
// its neighbours' and the capitals a protocol office most often deals with.
var formsZones = []string{
	"Europe/Moscow", "Europe/Kaliningrad", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Omsk",
	"Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Yakutsk", "Asia/Vladivostok",
	"Asia/Magadan", "Asia/Kamchatka", "Europe/Minsk", "Asia/Baku", "Asia/Yerevan", "Asia/Tbilisi",
	"Asia/Almaty", "Asia/Tashkent", "Asia/Bishkek", "Asia/Dushanbe", "Asia/Ashgabat", "Europe/Chisinau",
	"Europe/Istanbul", "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Brussels", "Europe/Vienna",
	"Europe/Rome", "Europe/Madrid", "Europe/Helsinki", "Europe/Belgrade", "Europe/Athens", "Asia/Dubai",
	"Asia/Tehran", "Asia/Kolkata", "Asia/Shanghai", "Asia/Tokyo", "Africa/Cairo", "America/New_York",
	"America/Sao_Paulo", "UTC",
}
