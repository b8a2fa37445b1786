package domain

import (
	"strings"
	"time"
)

// EventKind is what sort of occasion an event is.
type EventKind string

// Event kinds.
const (
	KindCommemoration EventKind = "commemoration"
	KindVisit         EventKind = "visit"
	KindConference    EventKind = "conference"
	KindCeremony      EventKind = "ceremony"
	KindMeeting       EventKind = "meeting"
)

// EventStatus is where an event stands in its life.
type EventStatus string

// Event statuses.
const (
	StatusDraft     EventStatus = "draft"
	StatusScheduled EventStatus = "scheduled"
	StatusPostponed EventStatus = "postponed"
	StatusCancelled EventStatus = "cancelled"
	StatusCompleted EventStatus = "completed"
)

// Visibility says whether an event appears in the public feed.
type Visibility string

// Visibilities.
const (
	VisibilityPrivate Visibility = "private"
	VisibilityPublic  Visibility = "public"
)

// statusMoves lists the allowed status changes. Cancelled and completed are final:
// a cancelled event was announced as such to every guest, so reviving it would confuse
// calendars that already removed it; plan a new event instead.
var statusMoves = map[EventStatus][]EventStatus{
	StatusDraft:     {StatusScheduled, StatusCancelled},
	StatusScheduled: {StatusPostponed, StatusCancelled, StatusCompleted, StatusDraft},
	StatusPostponed: {StatusScheduled, StatusCancelled},
}

// CanMove reports whether an event may go from one status to another.
func CanMove(from, to EventStatus) bool {
	if from == to {
		return true
	}
	for _, s := range statusMoves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Event is an occasion with its own programme and guests. UID is the stable iCalendar
// UID; Sequence rises with every significant change sent to guests.
type Event struct {
	ID                  int64       `json:"id"`
	UID                 string      `json:"uid"`
	Title               string      `json:"title"`
	Description         string      `json:"description"`
	Kind                EventKind   `json:"kind"`
	Status              EventStatus `json:"status"`
	Visibility          Visibility  `json:"visibility"`
	Timezone            string      `json:"timezone"`
	StartsAt            time.Time   `json:"starts_at"`
	EndsAt              time.Time   `json:"ends_at"`
	Sequence            int         `json:"sequence"`
	VenueID             *int64      `json:"venue_id"`
	HostOrganizationIDs []int64     `json:"host_organization_ids"`
	RSVPDeadline        *time.Time  `json:"rsvp_deadline"`
	SeriesID            *int64      `json:"series_id"`
	Ordinal             *int        `json:"ordinal"`
	CreatedAt           time.Time   `json:"created_at"`
	UpdatedAt           time.Time   `json:"updated_at"`
}

// Normalize fills defaults and stores times as UTC instants.
func (e *Event) Normalize() {
	e.Title = strings.TrimSpace(e.Title)
	if e.Status == "" {
		e.Status = StatusDraft
	}
	if e.Visibility == "" {
		e.Visibility = VisibilityPrivate
	}
	if e.Kind == "" {
		e.Kind = KindMeeting
	}
	e.StartsAt = e.StartsAt.UTC()
	e.EndsAt = e.EndsAt.UTC()
	if e.RSVPDeadline != nil {
		d := e.RSVPDeadline.UTC()
		e.RSVPDeadline = &d
	}
	if e.HostOrganizationIDs == nil {
		e.HostOrganizationIDs = []int64{}
	}
}

// Validate checks the event's own fields (not those that need the database).
func (e *Event) Validate() error {
	if err := First(
		Line("title", e.Title, true, 300),
		Text("description", e.Description, 10000),
		OneOf("kind", e.Kind, KindCommemoration, KindVisit, KindConference, KindCeremony, KindMeeting),
		OneOf("status", e.Status, StatusDraft, StatusScheduled, StatusPostponed, StatusCancelled, StatusCompleted),
		OneOf("visibility", e.Visibility, VisibilityPrivate, VisibilityPublic),
		Interval("starts_at", e.StartsAt, "ends_at", e.EndsAt),
	); err != nil {
		return err
	}
	if _, err := Timezone("timezone", e.Timezone); err != nil {
		return err
	}
	if e.RSVPDeadline != nil && e.RSVPDeadline.After(e.StartsAt) {
		return Invalid("rsvp_deadline", "must not be after starts_at")
	}
	seen := map[int64]bool{}
	for _, id := range e.HostOrganizationIDs {
		if seen[id] {
			return Invalid("host_organization_ids", "lists organization %d twice", id)
		}
		seen[id] = true
	}
	return nil
}

// Location returns the event's timezone; Validate has already checked it loads.
func (e *Event) Location() *time.Location {
	return ZoneOr(e.Timezone, time.UTC)
}

// SignificantChange reports whether moving from old to e must raise SEQUENCE (RFC 5546:
// time, place or status), as opposed to a cosmetic edit such as a typo in the title.
func (e *Event) SignificantChange(old *Event) bool {
	return !e.StartsAt.Equal(old.StartsAt) || !e.EndsAt.Equal(old.EndsAt) ||
		e.Status != old.Status || !sameID(e.VenueID, old.VenueID) || e.Timezone != old.Timezone
}

// Series is a yearly occasion counted from a founding date, such as the anniversary of
// a service founded on 12 January 1722: each event of the series takes its ordinal from
// its own date, so nobody types "299th" by hand.
type Series struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	FoundedOn    time.Time `json:"founded_on"`
	Timezone     string    `json:"timezone"`
	DefaultKind  EventKind `json:"default_kind"`
	DefaultTitle string    `json:"default_title"`
}

// Validate checks the series' fields.
func (s *Series) Validate() error {
	if err := Line("name", s.Name, true, 300); err != nil {
		return err
	}
	if s.FoundedOn.IsZero() {
		return Invalid("founded_on", "is required")
	}
	_, err := Timezone("timezone", s.Timezone)
	return err
}

// OrdinalFor is the anniversary number of an occasion starting at t: the years since
// founding, counted in the series' timezone (12 January 2021 in Moscow is the 299th
// anniversary of 12 January 1722).
func (s *Series) OrdinalFor(t time.Time) int {
	loc := ZoneOr(s.Timezone, time.UTC)
	return t.In(loc).Year() - s.FoundedOn.Year()
}

// NextAnniversary is the first anniversary date on or after now, at the given local
// hour, in the series' timezone.
func (s *Series) NextAnniversary(now time.Time, hour int) time.Time {
	loc := ZoneOr(s.Timezone, time.UTC)
	local := now.In(loc)
	d := time.Date(local.Year(), s.FoundedOn.Month(), s.FoundedOn.Day(), hour, 0, 0, 0, loc)
	if d.Before(now) {
		d = time.Date(local.Year()+1, s.FoundedOn.Month(), s.FoundedOn.Day(), hour, 0, 0, 0, loc)
	}
	return d
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
