package store

import (
	"fmt"
	"time"

	"github.com/attache-app/attache/internal/domain"
)

func eventFromRow(r *eventRow) *domain.Event {
	e := &domain.Event{ID: r.ID, UID: r.UID, Title: r.Title, Description: r.Description,
		Kind: domain.EventKind(r.Kind), Status: domain.EventStatus(r.Status), Visibility: domain.Visibility(r.Visibility),
		Timezone: r.Timezone, StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(), Sequence: r.Sequence,
		VenueID: r.VenueID, SeriesID: r.SeriesID, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		HostOrganizationIDs: []int64{}}
	if r.RSVPDeadline != nil {
		d := r.RSVPDeadline.UTC()
		e.RSVPDeadline = &d
	}
	return e
}

// eventToRow copies e into a row with every instant in UTC: SQLite compares the stored
// text, so a time written with another offset would sort wrongly.
func eventToRow(e *domain.Event) *eventRow {
	r := &eventRow{ID: e.ID, UID: e.UID, Title: e.Title, Description: e.Description, Kind: string(e.Kind),
		Status: string(e.Status), Visibility: string(e.Visibility), Timezone: e.Timezone,
		StartsAt: e.StartsAt.UTC(), EndsAt: e.EndsAt.UTC(), Sequence: e.Sequence, VenueID: e.VenueID,
		SeriesID: e.SeriesID}
	if e.RSVPDeadline != nil {
		d := e.RSVPDeadline.UTC()
		r.RSVPDeadline = &d
	}
	return r
}

// CreateEvent inserts e with its hosts and sets ID and the timestamps.
func (q *Q) CreateEvent(e *domain.Event) error {
	r := eventToRow(e)
	if err := q.db.Create(r).Error; err != nil {
		return translate(err, "event")
	}
	e.ID, e.CreatedAt, e.UpdatedAt = r.ID, r.CreatedAt, r.UpdatedAt
	return q.writeHosts(e.ID, e.HostOrganizationIDs)
}

// GetEvent reads one event with its hosts in order and, when it belongs to a series, its
// ordinal derived from the series.
func (q *Q) GetEvent(id int64) (*domain.Event, error) {
	var r eventRow
	if err := q.db.First(&r, id).Error; err != nil {
		return nil, translate(err, "event")
	}
	out := []*domain.Event{eventFromRow(&r)}
	if err := q.completeEvents(out); err != nil {
		return nil, err
	}
	return out[0], nil
}

// UpdateEvent writes every field of e except its UID, and replaces its hosts.
func (q *Q) UpdateEvent(e *domain.Event) error {
	res := q.db.Model(&eventRow{ID: e.ID}).
		Select("title", "description", "kind", "status", "visibility", "timezone", "starts_at", "ends_at",
			"sequence", "venue_id", "rsvp_deadline", "series_id", "updated_at").
		Updates(eventToRow(e))
	if res.Error != nil {
		return translate(res.Error, "event")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("event")
	}
	if err := q.db.Where("event_id = ?", e.ID).Delete(&eventHostRow{}).Error; err != nil {
		return translate(err, "event hosts")
	}
	return q.writeHosts(e.ID, e.HostOrganizationIDs)
}

// DeleteEvent removes an event and, by cascade, its programme, delegations and
// invitations. Only drafts are deleted; the service cancels anything guests have seen.
func (q *Q) DeleteEvent(id int64) error {
	res := q.db.Delete(&eventRow{}, id)
	if res.Error != nil {
		return translate(res.Error, "event")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("event")
	}
	return nil
}

// EventFilter narrows ListEvents. Zero values do not filter.
type EventFilter struct {
	From     time.Time            // events ending after From
	To       time.Time            // events starting before To
	Statuses []domain.EventStatus // any of these
	Text     string               // part of the title, in any case and script
	// Newest lists the latest start first; otherwise the soonest first.
	Newest bool
}

// ListEvents returns one page of events ordered by (starts_at, id), ascending or, with
// Newest, descending, overlapping [From, To) when set. The cursor is
// EncodeCursor(starts_at in Unix nanoseconds, id).
func (q *Q) ListEvents(f EventFilter, p Page) ([]*domain.Event, string, error) {
	db := q.db.Limit(p.Size() + 1)
	if f.Newest {
		db = db.Order("starts_at DESC").Order("id DESC")
	} else {
		db = db.Order("starts_at").Order("id")
	}
	if p.Cursor != "" {
		c, err := DecodeCursor(p.Cursor, 2)
		if err != nil {
			return nil, "", err
		}
		at := time.Unix(0, c[0]).UTC()
		if f.Newest {
			db = db.Where("starts_at < ? OR (starts_at = ? AND id < ?)", at, at, c[1])
		} else {
			db = db.Where("starts_at > ? OR (starts_at = ? AND id > ?)", at, at, c[1])
		}
	}
	if !f.From.IsZero() {
		db = db.Where("ends_at > ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		db = db.Where("starts_at < ?", f.To.UTC())
	}
	if len(f.Statuses) > 0 {
		st := make([]string, len(f.Statuses))
		for i, v := range f.Statuses {
			st[i] = string(v)
		}
		db = db.Where("status IN ?", st)
	}
	if f.Text != "" {
		cond, args := likeAnyCase([]string{"title"}, f.Text)
		db = db.Where(cond, args...)
	}
	var rows []eventRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, "", translate(err, "events")
	}
	rows, next := trim(rows, p, func(r eventRow) []int64 { return []int64{r.StartsAt.UnixNano(), r.ID} })
	out := make([]*domain.Event, len(rows))
	for i := range rows {
		out[i] = eventFromRow(&rows[i])
	}
	if err := q.completeEvents(out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// TimezoneOfVenue returns a venue's timezone, the default for events held there.
func (q *Q) TimezoneOfVenue(venueID int64) (string, error) {
	var tz []string
	if err := q.db.Table("venues").Where("id = ?", venueID).Pluck("timezone", &tz).Error; err != nil {
		return "", fmt.Errorf("venue %d timezone: %w", venueID, err)
	}
	if len(tz) == 0 {
		return "", domain.NotFound("venue")
	}
	return tz[0], nil
}

func (q *Q) writeHosts(eventID int64, orgIDs []int64) error {
	if len(orgIDs) == 0 {
		return nil
	}
	rows := make([]eventHostRow, len(orgIDs))
	for i, id := range orgIDs {
		rows[i] = eventHostRow{EventID: eventID, OrganizationID: id, Position: i}
	}
	if err := q.db.Create(&rows).Error; err != nil {
		return translate(err, "event hosts")
	}
	return nil
}

// completeEvents loads hosts and series ordinals for events in two queries, whatever
// their number.
func (q *Q) completeEvents(events []*domain.Event) error {
	if len(events) == 0 {
		return nil
	}
	ids := make([]int64, len(events))
	byID := make(map[int64]*domain.Event, len(events))
	var seriesIDs []int64
	for i, e := range events {
		ids[i], byID[e.ID] = e.ID, e
		if e.SeriesID != nil {
			seriesIDs = append(seriesIDs, *e.SeriesID)
		}
	}
	var hosts []eventHostRow
	if err := q.db.Where("event_id IN ?", ids).Order("event_id").Order("position").Find(&hosts).Error; err != nil {
		return translate(err, "event hosts")
	}
	for _, h := range hosts {
		e := byID[h.EventID]
		e.HostOrganizationIDs = append(e.HostOrganizationIDs, h.OrganizationID)
	}
	series, err := q.seriesByID(seriesIDs)
	if err != nil {
		return err
	}
	for _, e := range events {
		if e.SeriesID == nil {
			continue
		}
		if s := series[*e.SeriesID]; s != nil {
			n := s.OrdinalFor(e.StartsAt)
			e.Ordinal = &n
		}
	}
	return nil
}
