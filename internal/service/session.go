package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// CreateSession adds an item to an event's programme and returns it as stored. The
// conflict checks and the insert share one transaction, under the schedule lock, so two
// officers can not book the same room or person at once. When the event's invitations
// went out, the guests of the session's delegations are sent it after the quiet period.
func (s *Service) CreateSession(ctx context.Context, eventID int64, ss *domain.Session) (*domain.Session, error) {
	var out *domain.Session
	err := s.st.InTx(ctx, func(q *store.Q) error {
		ev, err := q.GetEvent(eventID)
		if err != nil {
			return err
		}
		ss.ID, ss.EventID, ss.Sequence = 0, eventID, 0
		if ss.UID == "" { // the API never sets it; internal loaders (attache demo) may
			ss.UID = s.newUID()
		}
		if err := checkSession(q, ev, ss); err != nil {
			return err
		}
		if err := q.CreateSession(ss); err != nil {
			return err
		}
		if out, err = q.GetSession(ss.ID); err != nil {
			return err
		}
		if err := s.sessionChanged(ctx, q, nil, out); err != nil {
			return err
		}
		return s.audit(ctx, q, "create", "session", ss.ID, nil, out)
	})
	return out, err
}

// Session reads one session of an event; a session of another event is not found.
func (s *Service) Session(ctx context.Context, eventID, id int64) (*domain.Session, error) {
	return sessionOf(s.st.Q(ctx), eventID, id)
}

// Sessions returns an event's programme ordered by start.
func (s *Service) Sessions(ctx context.Context, eventID int64) ([]*domain.Session, error) {
	q := s.st.Q(ctx)
	if _, err := q.GetEvent(eventID); err != nil {
		return nil, err
	}
	return q.ListSessions(eventID)
}

// UpdateSession applies a partial change; a change of time, room or status raises the
// session's SEQUENCE, as for events, and its guests get an update after the quiet
// period; a change of parties sends the session to new ones and a CANCEL to those left out.
func (s *Service) UpdateSession(ctx context.Context, eventID, id int64, apply func(*domain.Session) error) (*domain.Session, error) {
	var out *domain.Session
	err := s.st.InTx(ctx, func(q *store.Q) error {
		ev, err := q.GetEvent(eventID)
		if err != nil {
			return err
		}
		ss, err := sessionOf(q, eventID, id)
		if err != nil {
			return err
		}
		before := *ss
		before.DelegationIDs = slices.Clone(ss.DelegationIDs)
		if err := apply(ss); err != nil {
			return err
		}
		ss.ID, ss.UID, ss.EventID, ss.Sequence = id, before.UID, eventID, before.Sequence
		if err := checkSession(q, ev, ss); err != nil {
			return err
		}
		if sessionMoved(&before, ss) {
			ss.Sequence++
		}
		if err := q.UpdateSession(ss); err != nil {
			return err
		}
		if out, err = q.GetSession(id); err != nil {
			return err
		}
		if err := s.sessionChanged(ctx, q, &before, out); err != nil {
			return err
		}
		return s.audit(ctx, q, "update", "session", id, &before, out)
	})
	return out, err
}

// DeleteSession removes a session of a draft event, which no guest has seen, and cancels
// it otherwise (status cancelled, SEQUENCE raised) so that calendars holding it learn it
// is off: everyone who was sent it gets a CANCEL. Cancelling a cancelled session changes
// nothing.
func (s *Service) DeleteSession(ctx context.Context, eventID, id int64) error {
	return s.st.InTx(ctx, func(q *store.Q) error {
		ev, err := q.GetEvent(eventID)
		if err != nil {
			return err
		}
		ss, err := sessionOf(q, eventID, id)
		if err != nil {
			return err
		}
		if ev.Status == domain.StatusDraft {
			if err := q.DeleteSession(id); err != nil {
				return err
			}
			return s.audit(ctx, q, "delete", "session", id, ss, nil)
		}
		if ss.Status == domain.SessionCancelled {
			return nil
		}
		before := *ss
		ss.Status, ss.Sequence = domain.SessionCancelled, ss.Sequence+1
		if err := q.UpdateSession(ss); err != nil {
			return err
		}
		if err := s.sessionChanged(ctx, q, &before, ss); err != nil {
			return err
		}
		return s.audit(ctx, q, "cancel", "session", id, &before, ss)
	})
}

// sessionOf reads a session through its event, so /events/1/sessions/7 is a 404 when
// session 7 belongs to event 2.
func sessionOf(q *store.Q, eventID, id int64) (*domain.Session, error) {
	ss, err := q.GetSession(id)
	if err != nil {
		return nil, err
	}
	if ss.EventID != eventID {
		return nil, domain.NotFound("session")
	}
	return ss, nil
}

// sessionMoved reports a change guests must be told of (RFC 5546: time, place, status).
func sessionMoved(old, s *domain.Session) bool {
	return !s.StartsAt.Equal(old.StartsAt) || !s.EndsAt.Equal(old.EndsAt) || s.Status != old.Status ||
		!sameRoom(s.RoomID, old.RoomID)
}

func sameRoom(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// checkSession normalizes and validates ss against its event and the database: the room
// exists, every party is a delegation of this event, and, for a scheduled session of a
// live event, neither the room nor any member of its delegations is already in another
// scheduled session at an overlapping time.
func checkSession(q *store.Q, ev *domain.Event, ss *domain.Session) error {
	ss.StartsAt, ss.EndsAt = ss.StartsAt.Truncate(time.Second), ss.EndsAt.Truncate(time.Second)
	ss.Normalize()
	if err := ss.Validate(ev); err != nil {
		return err
	}
	if ss.RoomID != nil {
		if err := requireExists(q, "room_id", "room", *ss.RoomID); err != nil {
			return err
		}
	}
	id, err := q.DelegationNotInEvent(ev.ID, ss.DelegationIDs)
	if err != nil {
		return err
	}
	if id != 0 {
		return domain.Invalid("delegation_ids", "delegation %d is not a delegation of event %d", id, ev.ID)
	}
	if ss.Status != domain.SessionScheduled || ev.Status == domain.StatusCancelled {
		return nil
	}
	if err := q.LockSchedule(); err != nil {
		return err
	}
	if ss.RoomID != nil {
		c, found, err := q.RoomClash(*ss.RoomID, ss.ID, ss.StartsAt, ss.EndsAt)
		if err != nil {
			return err
		}
		if found {
			return domain.Conflict("room_id", "room %d is already booked for session %d %q (%s)",
				*ss.RoomID, c.SessionID, c.Title, clashTime(c))
		}
	}
	c, found, err := q.PersonClash(ss.DelegationIDs, ss.ID, ss.StartsAt, ss.EndsAt)
	if err != nil {
		return err
	}
	if found {
		return domain.Conflict("delegation_ids", "%s (person %d) already sits in session %d %q (%s)",
			c.PersonName, c.PersonID, c.SessionID, c.Title, clashTime(c))
	}
	return nil
}

// clashTime shows the other session's time as its own guests see it.
func clashTime(c store.Clash) string {
	loc := domain.ZoneOr(c.Timezone, time.UTC)
	start, end := c.StartsAt.In(loc), c.EndsAt.In(loc)
	endLayout := "15:04"
	if start.YearDay() != end.YearDay() || start.Year() != end.Year() {
		endLayout = "2006-01-02 15:04"
	}
	return fmt.Sprintf("%s–%s %s", start.Format("2006-01-02 15:04"), end.Format(endLayout), c.Timezone)
}
