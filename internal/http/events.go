package http

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

// eventInput is the body of POST and PATCH /events. Times are RFC 3339 strings parsed
// here so that a bad one is a 422 naming its field. uid, sequence and ordinal are
// accepted only to be refused: the server assigns them.
type eventInput struct {
	UID                 serverSet                    `json:"uid"`
	Sequence            serverSet                    `json:"sequence"`
	Ordinal             serverSet                    `json:"ordinal"`
	Title               Optional[string]             `json:"title"`
	Description         Optional[string]             `json:"description"`
	Kind                Optional[domain.EventKind]   `json:"kind"`
	Status              Optional[domain.EventStatus] `json:"status"`
	Visibility          Optional[domain.Visibility]  `json:"visibility"`
	Timezone            Optional[string]             `json:"timezone"`
	StartsAt            Optional[string]             `json:"starts_at"`
	EndsAt              Optional[string]             `json:"ends_at"`
	VenueID             Optional[int64]              `json:"venue_id"`
	HostOrganizationIDs Optional[[]int64]            `json:"host_organization_ids"`
	RSVPDeadline        Optional[string]             `json:"rsvp_deadline"`
	SeriesID            Optional[int64]              `json:"series_id"`
}

func (in *eventInput) apply(e *domain.Event) error {
	if err := domain.First(in.UID.check("uid"), in.Sequence.check("sequence"), in.Ordinal.check("ordinal"),
		applyInstant("starts_at", in.StartsAt, &e.StartsAt),
		applyInstant("ends_at", in.EndsAt, &e.EndsAt),
		applyInstantPtr("rsvp_deadline", in.RSVPDeadline, &e.RSVPDeadline),
	); err != nil {
		return err
	}
	in.Title.apply(&e.Title)
	in.Description.apply(&e.Description)
	in.Kind.apply(&e.Kind)
	in.Status.apply(&e.Status)
	in.Visibility.apply(&e.Visibility)
	if in.Timezone.Set {
		e.Timezone = in.Timezone.Value // null: take the venue's again
	}
	in.VenueID.applyPtr(&e.VenueID)
	in.SeriesID.applyPtr(&e.SeriesID)
	if in.HostOrganizationIDs.Set {
		e.HostOrganizationIDs = in.HostOrganizationIDs.Value
	}
	return nil
}

func (s *Server) createEvent(c echo.Context) error {
	var in eventInput
	if err := decode(c, &in); err != nil {
		return err
	}
	e := &domain.Event{}
	if err := in.apply(e); err != nil {
		return err
	}
	out, err := s.svc.CreateEvent(c.Request().Context(), e)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, eventInZone(out))
}

func (s *Server) getEvent(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	e, err := s.svc.Event(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, eventInZone(e))
}

// listEvents answers GET /events?from=&to=&status=scheduled,postponed&limit=&cursor=:
// events overlapping [from, to), by start time.
func (s *Server) listEvents(c echo.Context) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	var f service.EventFilter
	if f.From, err = queryInstant(c, "from"); err != nil {
		return err
	}
	if f.To, err = queryInstant(c, "to"); err != nil {
		return err
	}
	for _, st := range strings.Split(c.QueryParam("status"), ",") {
		if st = strings.TrimSpace(st); st != "" {
			f.Statuses = append(f.Statuses, domain.EventStatus(st))
		}
	}
	items, next, err := s.svc.Events(c.Request().Context(), f, p)
	if err != nil {
		return err
	}
	for i, e := range items {
		items[i] = eventInZone(e)
	}
	return c.JSON(http.StatusOK, listOf(items, next))
}

func (s *Server) updateEvent(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in eventInput
	if err := decode(c, &in); err != nil {
		return err
	}
	e, err := s.svc.UpdateEvent(c.Request().Context(), id, in.apply)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, eventInZone(e))
}

// deleteEvent removes a draft event but only cancels any other (status cancelled,
// sequence raised), keeping it: guests may hold it in their calendars and its history
// must stay. Both answer 204.
func (s *Server) deleteEvent(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.svc.DeleteEvent(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
