package service

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// newUID makes an iCalendar UID. It is assigned once at creation and never changes, since
// calendar clients match updates and cancellations to what they hold by UID alone.
func (s *Service) newUID() string { return uuid.NewString() + "@" + s.opt.UIDDomain }

// CreateEvent validates and stores a new event and returns it as stored, with its UID,
// hosts and series ordinal.
func (s *Service) CreateEvent(ctx context.Context, e *domain.Event) (*domain.Event, error) {
	var out *domain.Event
	err := s.st.InTx(ctx, func(q *store.Q) error {
		e.ID, e.Sequence, e.Ordinal = 0, 0, nil
		if e.UID == "" { // the API never sets it; internal loaders (attache demo) may, to stay idempotent
			e.UID = s.newUID()
		}
		if err := prepareEvent(q, e); err != nil {
			return err
		}
		if err := q.CreateEvent(e); err != nil {
			return err
		}
		var err error
		if out, err = q.GetEvent(e.ID); err != nil {
			return err
		}
		return s.audit(ctx, q, "create", "event", e.ID, nil, out)
	})
	return out, err
}

// Event reads one event.
func (s *Service) Event(ctx context.Context, id int64) (*domain.Event, error) {
	return s.st.Q(ctx).GetEvent(id)
}

// EventFilter narrows Events: events overlapping [From, To) with any of Statuses. It is
// the store's filter under the service's name, so the web layer need not import the store.
type EventFilter = store.EventFilter

// Events lists events by start time.
func (s *Service) Events(ctx context.Context, f EventFilter, p store.Page) ([]*domain.Event, string, error) {
	if err := checkEventFilter(f); err != nil {
		return nil, "", err
	}
	return s.st.Q(ctx).ListEvents(f, p)
}

// checkEventFilter refuses a period that ends before it starts and unknown statuses.
func checkEventFilter(f EventFilter) error {
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return domain.Invalid("to", "must be after from")
	}
	for _, st := range f.Statuses {
		if err := domain.OneOf("status", st, domain.StatusDraft, domain.StatusScheduled, domain.StatusPostponed,
			domain.StatusCancelled, domain.StatusCompleted); err != nil {
			return err
		}
	}
	return nil
}

// UpdateEvent applies a partial change. The UID never changes; the status may only make
// the moves domain.CanMove allows, and not back to draft once invitations went out; a
// significant change (time, place, status) raises SEQUENCE so that guests' calendars
// take the update, while a cosmetic one does not. Guests who were sent the event get the
// update after the quiet period (update_mail.go), or a CANCEL at once.
func (s *Service) UpdateEvent(ctx context.Context, id int64, apply func(*domain.Event) error) (*domain.Event, error) {
	var out *domain.Event
	err := s.st.InTx(ctx, func(q *store.Q) error {
		e, err := q.GetEvent(id)
		if err != nil {
			return err
		}
		before := *e
		before.HostOrganizationIDs = slices.Clone(e.HostOrganizationIDs)
		if err := apply(e); err != nil {
			return err
		}
		e.ID, e.UID, e.Sequence, e.Ordinal, e.CreatedAt = id, before.UID, before.Sequence, nil, before.CreatedAt
		if err := prepareEvent(q, e); err != nil {
			return err
		}
		if !domain.CanMove(before.Status, e.Status) {
			return domain.Invalid("status", "an event can not move from %s to %s", before.Status, e.Status)
		}
		if e.Status == domain.StatusDraft && before.Status != domain.StatusDraft {
			if err := noInvitationsSent(q, id); err != nil {
				return err
			}
		}
		if err := programmeFits(q, e); err != nil {
			return err
		}
		if e.SignificantChange(&before) {
			e.Sequence++
		}
		if err := q.UpdateEvent(e); err != nil {
			return err
		}
		if out, err = q.GetEvent(id); err != nil {
			return err
		}
		// Guests who were sent the event hear of the change, in this transaction.
		if err := s.eventChanged(ctx, q, &before, out); err != nil {
			return err
		}
		return s.audit(ctx, q, "update", "event", id, &before, out)
	})
	return out, err
}

// DeleteEvent removes a draft, which no guest has been sent, and cancels any other event
// instead (status cancelled, SEQUENCE raised): guests' calendars must learn that it is
// off, and the record of what was planned and who answered must stay.
func (s *Service) DeleteEvent(ctx context.Context, id int64) error {
	return s.st.InTx(ctx, func(q *store.Q) error {
		e, err := q.GetEvent(id)
		if err != nil {
			return err
		}
		if e.Status == domain.StatusDraft {
			if err := q.DeleteEvent(id); err != nil {
				return err
			}
			return s.audit(ctx, q, "delete", "event", id, e, nil)
		}
		_, err = s.cancelEvent(ctx, q, e)
		return err
	})
}

// CancelEvent cancels an event and returns it; cancelling a cancelled event changes
// nothing. Everyone who was sent the event or one of its sessions is sent a CANCEL.
func (s *Service) CancelEvent(ctx context.Context, id int64) (*domain.Event, error) {
	var out *domain.Event
	err := s.st.InTx(ctx, func(q *store.Q) error {
		e, err := q.GetEvent(id)
		if err != nil {
			return err
		}
		out, err = s.cancelEvent(ctx, q, e)
		return err
	})
	return out, err
}

func (s *Service) cancelEvent(ctx context.Context, q *store.Q, e *domain.Event) (*domain.Event, error) {
	if e.Status == domain.StatusCancelled {
		return e, nil
	}
	if !domain.CanMove(e.Status, domain.StatusCancelled) {
		return nil, domain.Invalid("status", "a %s event can not be cancelled", e.Status)
	}
	before := *e
	e.Status, e.Sequence = domain.StatusCancelled, e.Sequence+1
	if err := q.UpdateEvent(e); err != nil {
		return nil, err
	}
	out, err := q.GetEvent(e.ID)
	if err != nil {
		return nil, err
	}
	// Everyone who was sent the event or one of its sessions gets a CANCEL.
	if err := s.eventChanged(ctx, q, &before, out); err != nil {
		return nil, err
	}
	return out, s.audit(ctx, q, "cancel", "event", e.ID, &before, out)
}

// noInvitationsSent refuses to take an event back to draft once invitations were queued
// or sent: a draft may be deleted outright, and its guests would never hear of it.
func noInvitationsSent(q *store.Q, eventID int64) error {
	invs, err := q.EventInvitations(eventID)
	if err != nil {
		return err
	}
	for _, inv := range invs {
		if inv.SendState != domain.SendDraft {
			return domain.Conflict("status", "invitations to event %d were sent: it can not go back to draft; postpone or cancel it instead", eventID)
		}
	}
	return nil
}

// prepareEvent fills defaults from the venue and series, normalizes, validates and checks
// the references, so that a bad id is a 422 naming its field rather than a foreign-key
// error.
func prepareEvent(q *store.Q, e *domain.Event) error {
	if err := eventDefaults(q, e); err != nil {
		return err
	}
	e.StartsAt, e.EndsAt = e.StartsAt.Truncate(time.Second), e.EndsAt.Truncate(time.Second)
	e.Normalize()
	if err := e.Validate(); err != nil {
		return err
	}
	if e.VenueID != nil {
		if err := requireExists(q, "venue_id", "venue", *e.VenueID); err != nil {
			return err
		}
	}
	if e.SeriesID != nil {
		if err := requireExists(q, "series_id", "series", *e.SeriesID); err != nil {
			return err
		}
	}
	return requireExists(q, "host_organization_ids", "organization", e.HostOrganizationIDs...)
}

// eventDefaults takes what the caller left out from the venue (timezone) and the series
// (timezone, kind, title).
func eventDefaults(q *store.Q, e *domain.Event) error {
	if e.Timezone == "" && e.VenueID != nil {
		tz, err := q.TimezoneOfVenue(*e.VenueID)
		if errors.Is(err, domain.ErrNotFound) {
			return domain.Invalid("venue_id", "venue %d does not exist", *e.VenueID)
		}
		if err != nil {
			return err
		}
		e.Timezone = tz
	}
	if e.SeriesID == nil || e.Timezone != "" && e.Kind != "" && e.Title != "" {
		return nil
	}
	sr, err := q.GetSeries(*e.SeriesID)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Invalid("series_id", "series %d does not exist", *e.SeriesID)
	}
	if err != nil {
		return err
	}
	if e.Timezone == "" {
		e.Timezone = sr.Timezone
	}
	if e.Kind == "" {
		e.Kind = sr.DefaultKind
	}
	if e.Title == "" {
		e.Title = sr.DefaultTitle
	}
	return nil
}

// programmeFits refuses to move or shorten an event so that a scheduled session would
// lie outside it; the officer moves the session first.
func programmeFits(q *store.Q, e *domain.Event) error {
	sessions, err := q.ListSessions(e.ID)
	if err != nil {
		return err
	}
	for _, ss := range sessions {
		if ss.Status != domain.SessionScheduled {
			continue
		}
		if ss.StartsAt.Before(e.StartsAt) {
			return domain.Invalid("starts_at", "session %d %q starts at %s, before the event; move it first",
				ss.ID, ss.Title, ss.StartsAt.In(e.Location()).Format(time.RFC3339))
		}
		if ss.EndsAt.After(e.EndsAt) {
			return domain.Invalid("ends_at", "session %d %q ends at %s, after the event; move it first",
				ss.ID, ss.Title, ss.EndsAt.In(e.Location()).Format(time.RFC3339))
		}
	}
	return nil
}
