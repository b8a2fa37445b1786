package domain

import (
	"strings"
	"time"
)

// SessionKind is the format of a programme item.
type SessionKind string

// Session kinds.
const (
	SessionPlenary      SessionKind = "plenary"
	SessionBilateral    SessionKind = "bilateral"
	SessionTrilateral   SessionKind = "trilateral"
	SessionMultilateral SessionKind = "multilateral"
	SessionCeremony     SessionKind = "ceremony"
	SessionSigning      SessionKind = "signing"
	SessionReception    SessionKind = "reception"
	SessionPress        SessionKind = "press"
)

// SessionStatus is scheduled or cancelled; a cancelled session stays for the record and
// so that calendars that had it learn it is off.
type SessionStatus string

// Session statuses.
const (
	SessionScheduled SessionStatus = "scheduled"
	SessionCancelled SessionStatus = "cancelled"
)

// Session is one item of an event's programme, with its own calendar UID and SEQUENCE so
// that a delegate sees the bilateral meeting at its own time.
type Session struct {
	ID            int64         `json:"id"`
	UID           string        `json:"uid"`
	EventID       int64         `json:"event_id"`
	Title         string        `json:"title"`
	Kind          SessionKind   `json:"kind"`
	Status        SessionStatus `json:"status"`
	RoomID        *int64        `json:"room_id"`
	StartsAt      time.Time     `json:"starts_at"`
	EndsAt        time.Time     `json:"ends_at"`
	Agenda        string        `json:"agenda"`
	Sequence      int           `json:"sequence"`
	DelegationIDs []int64       `json:"delegation_ids"`
}

// Normalize fills defaults and stores times as UTC.
func (s *Session) Normalize() {
	s.Title = strings.TrimSpace(s.Title)
	if s.Kind == "" {
		s.Kind = SessionPlenary
	}
	if s.Status == "" {
		s.Status = SessionScheduled
	}
	s.StartsAt = s.StartsAt.UTC()
	s.EndsAt = s.EndsAt.UTC()
	if s.DelegationIDs == nil {
		s.DelegationIDs = []int64{}
	}
}

// Validate checks the session against its event: the kind's number of parties and that
// the session lies within the event.
func (s *Session) Validate(event *Event) error {
	if err := First(
		Line("title", s.Title, true, 300),
		Text("agenda", s.Agenda, 10000),
		OneOf("kind", s.Kind, SessionPlenary, SessionBilateral, SessionTrilateral, SessionMultilateral,
			SessionCeremony, SessionSigning, SessionReception, SessionPress),
		OneOf("status", s.Status, SessionScheduled, SessionCancelled),
		Interval("starts_at", s.StartsAt, "ends_at", s.EndsAt),
	); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, id := range s.DelegationIDs {
		if seen[id] {
			return Invalid("delegation_ids", "lists delegation %d twice", id)
		}
		seen[id] = true
	}
	switch n := len(s.DelegationIDs); s.Kind {
	case SessionBilateral:
		if n != 2 {
			return Invalid("delegation_ids", "a bilateral meeting has exactly 2 parties, got %d", n)
		}
	case SessionTrilateral:
		if n != 3 {
			return Invalid("delegation_ids", "a trilateral meeting has exactly 3 parties, got %d", n)
		}
	case SessionMultilateral:
		if n < 2 {
			return Invalid("delegation_ids", "a multilateral meeting has at least 2 parties, got %d", n)
		}
	}
	if event == nil {
		return nil
	}
	// Name the end that falls outside, so a client can point at the right field.
	var field string
	switch {
	case s.StartsAt.Before(event.StartsAt):
		field = "starts_at"
	case s.EndsAt.After(event.EndsAt):
		field = "ends_at"
	default:
		return nil
	}
	loc := event.Location()
	return Invalid(field, "the session must lie within its event (%s – %s)",
		event.StartsAt.In(loc).Format(time.RFC3339), event.EndsAt.In(loc).Format(time.RFC3339))
}

// Overlaps reports whether two half-open intervals [aStart, aEnd) and [bStart, bEnd)
// share time: a meeting ending at 11:00 does not clash with one starting at 11:00.
func Overlaps(aStart, aEnd, bStart, bEnd time.Time) bool {
	return aStart.Before(bEnd) && bStart.Before(aEnd)
}
