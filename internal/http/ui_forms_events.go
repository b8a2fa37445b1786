package http

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

// The event form. Times are typed as wall-clock time in the event's timezone (the one
// typed, else the venue's, else the series'), as the office plans them.

type formsEventPage struct {
	formsPage
	Kinds, Statuses, Visibilities []formsOption
	Venues, Hosts, Series         []formsOption
	Zones                         []string
	// Live: the event is past draft, so guests may have been sent it and hear of changes.
	Live                    bool
	venueZones, seriesZones map[string]string
}

var formsEventFields = formsFields([]string{"title", "description", "kind", "status", "visibility", "timezone",
	"starts_at", "ends_at", "venue_id", "host_organization_ids", "rsvp_deadline", "series_id"}, nil)

func (s *Server) formsEventLoad(c echo.Context) (*formsEventPage, *domain.Event, error) {
	ctx := c.Request().Context()
	id, err := formsPathID(c, "id")
	if err != nil {
		return nil, nil, err
	}
	p := &formsEventPage{Zones: formsZones}
	var e *domain.Event
	if id == 0 {
		p.formsPage = s.formsNew(c, "events", "/events/new", "/events", "ui.forms.event.new")
		p.Form = url.Values{"kind": {string(domain.KindMeeting)}, "status": {string(domain.StatusDraft)},
			"visibility": {string(domain.VisibilityPrivate)}}
	} else {
		if e, err = s.svc.Event(ctx, id); err != nil {
			return nil, nil, err
		}
		base := fmt.Sprintf("/events/%d", id)
		p.formsPage = s.formsEdit(c, "events", base+"/edit", base, "ui.forms.event.edit", e.Title)
		if e.Status == domain.StatusDraft {
			p.deletable("ui.forms.event.delete", p.L.T("ui.forms.event.delete_confirm", e.Title))
		}
		p.Form = formsEventValues(e)
		p.Live = e.Status != domain.StatusDraft
	}
	if err := s.formsEventChoices(ctx, p, e); err != nil {
		return nil, nil, err
	}
	return p, e, nil
}

// formsEventValues is an event as form values, its times in its own zone.
func formsEventValues(e *domain.Event) url.Values {
	loc := e.Location()
	return url.Values{"title": {e.Title}, "description": {e.Description}, "kind": {string(e.Kind)},
		"status": {string(e.Status)}, "visibility": {string(e.Visibility)}, "timezone": {e.Timezone},
		"starts_at": {formatLocal(e.StartsAt, loc)}, "ends_at": {formatLocal(e.EndsAt, loc)},
		"venue_id": {formsIDValue(e.VenueID)}, "host_organization_ids": formsIDValues(e.HostOrganizationIDs),
		"rsvp_deadline": {formsLocalPtr(e.RSVPDeadline, loc)}, "series_id": {formsIDValue(e.SeriesID)}}
}

// formsEventStatuses are the statuses the form offers: those the event may move to from
// its own. Cancelling is left to the event page, which first shows who will be told.
func formsEventStatuses(e *domain.Event) []domain.EventStatus {
	var out []domain.EventStatus
	for _, st := range []domain.EventStatus{domain.StatusDraft, domain.StatusScheduled, domain.StatusPostponed,
		domain.StatusCompleted, domain.StatusCancelled} {
		switch {
		case e == nil && st != domain.StatusCancelled,
			e != nil && st == e.Status,
			e != nil && st != domain.StatusCancelled && domain.CanMove(e.Status, st):
			out = append(out, st)
		}
	}
	return out
}

// formsEventChoices fills the selects: statuses, venues, host organizations, series.
func (s *Server) formsEventChoices(ctx context.Context, p *formsEventPage, e *domain.Event) error {
	l := p.L
	p.Kinds = formsEnum(l, "ui.forms.event_kind.", domain.KindCommemoration, domain.KindVisit, domain.KindConference,
		domain.KindCeremony, domain.KindMeeting)
	p.Statuses = formsEnum(l, "ui.event_status.", formsEventStatuses(e)...)
	p.Visibilities = formsEnum(l, "ui.forms.visibility.", domain.VisibilityPrivate, domain.VisibilityPublic)
	venues, err := s.svc.ChoiceVenues(ctx, "")
	if err != nil {
		return err
	}
	p.venueZones = map[string]string{}
	for _, v := range venues {
		id := strconv.FormatInt(v.Venue.ID, 10)
		label := v.Venue.Name
		if v.Venue.City != "" {
			label += ", " + v.Venue.City
		}
		p.Venues = append(p.Venues, formsOption{Value: id, Label: label + " (" + v.Venue.Timezone + ")"})
		p.venueZones[id] = v.Venue.Timezone
	}
	orgs, err := s.svc.ChoiceOrganizations(ctx)
	if err != nil {
		return err
	}
	p.Hosts = formsOrgOptions(orgs)
	series, _, err := s.svc.SeriesList(ctx, service.Page{Limit: 200})
	if err != nil {
		return err
	}
	p.seriesZones = map[string]string{}
	for _, sr := range series {
		id := strconv.FormatInt(sr.ID, 10)
		p.Series = append(p.Series, formsOption{Value: id, Label: sr.Name})
		p.seriesZones[id] = sr.Timezone
	}
	return nil
}

func (s *Server) formsEventShow(c echo.Context) error {
	p, _, err := s.formsEventLoad(c)
	if err != nil {
		return err
	}
	return s.formsRender(c, "form_event.html", p)
}

// formsEventZone is the zone the form's times are read in: the one typed, else the
// venue's, else the series' (as the service fills it).
func (p *formsEventPage) zone(r *formsReader) (string, *time.Location) {
	tz := r.str("timezone")
	if tz == "" {
		tz = p.venueZones[r.str("venue_id")]
	}
	if tz == "" {
		tz = p.seriesZones[r.str("series_id")]
	}
	loc, err := domain.Timezone("timezone", tz)
	if err != nil {
		if r.err == nil {
			r.err = err
		}
		return tz, time.UTC
	}
	return tz, loc
}

func (s *Server) formsEventSave(c echo.Context) error {
	p, old, err := s.formsEventLoad(c)
	if err != nil {
		return err
	}
	r, err := s.formsReader(c)
	if err != nil {
		return err
	}
	tz, loc := p.zone(r)
	starts, ends, deadline := r.local("starts_at", loc), r.local("ends_at", loc), r.localPtr("rsvp_deadline", loc)
	venue, series, hosts := r.id("venue_id"), r.id("series_id"), r.ids("host_organization_ids")
	apply := func(e *domain.Event) error {
		e.Title, e.Description, e.Timezone = r.str("title"), r.text("description"), tz
		e.Kind, e.Status = domain.EventKind(r.str("kind")), domain.EventStatus(r.str("status"))
		e.Visibility = domain.Visibility(r.str("visibility"))
		e.StartsAt, e.EndsAt, e.RSVPDeadline = starts, ends, deadline
		e.VenueID, e.SeriesID, e.HostOrganizationIDs = venue, series, hosts
		return r.err
	}
	ctx := c.Request().Context()
	var out *domain.Event
	if old == nil {
		e := &domain.Event{}
		if err = apply(e); err == nil {
			out, err = s.svc.CreateEvent(ctx, e)
		}
	} else {
		out, err = s.svc.UpdateEvent(ctx, old.ID, apply)
	}
	if err != nil {
		return s.formsRetry(c, err, &p.uiPage, formsEventFields, "form_event.html", p)
	}
	s.flash(c, p.L.T("ui.forms.event.saved"))
	return seeOther(c, fmt.Sprintf("/events/%d", out.ID))
}

// formsEventDelete removes a draft event. Any other event is cancelled instead, which
// tells its guests: that goes through the events page's cancel preview.
func (s *Server) formsEventDelete(c echo.Context) error {
	p, e, err := s.formsEventLoad(c)
	if err != nil {
		return err
	}
	if e.Status != domain.StatusDraft {
		return seeOther(c, fmt.Sprintf("/events/%d/cancel", e.ID))
	}
	if err := s.svc.DeleteEvent(c.Request().Context(), e.ID); err != nil {
		return s.formsDeleteFailed(c, err, &p.uiPage, "form_event.html", p)
	}
	s.flash(c, p.L.T("ui.forms.event.deleted"))
	return seeOther(c, "/events")
}
