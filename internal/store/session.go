package store

import (
	"fmt"
	"time"

	"github.com/attache-app/attache/internal/domain"
)

func sessionFromRow(r *sessionRow) *domain.Session {
	return &domain.Session{ID: r.ID, UID: r.UID, EventID: r.EventID, Title: r.Title, Kind: domain.SessionKind(r.Kind),
		Status: domain.SessionStatus(r.Status), RoomID: r.RoomID, StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(),
		Agenda: r.Agenda, Sequence: r.Sequence, DelegationIDs: []int64{}}
}

func sessionToRow(s *domain.Session) *sessionRow {
	return &sessionRow{ID: s.ID, UID: s.UID, EventID: s.EventID, Title: s.Title, Kind: string(s.Kind),
		Status: string(s.Status), RoomID: s.RoomID, StartsAt: s.StartsAt.UTC(), EndsAt: s.EndsAt.UTC(),
		Agenda: s.Agenda, Sequence: s.Sequence}
}

// CreateSession inserts s with its parties and sets its ID.
func (q *Q) CreateSession(s *domain.Session) error {
	r := sessionToRow(s)
	if err := q.db.Create(r).Error; err != nil {
		return translate(err, "session")
	}
	s.ID = r.ID
	return q.writeParties(s.ID, s.DelegationIDs)
}

// GetSession reads one session with the ids of its party delegations.
func (q *Q) GetSession(id int64) (*domain.Session, error) {
	var r sessionRow
	if err := q.db.First(&r, id).Error; err != nil {
		return nil, translate(err, "session")
	}
	s := sessionFromRow(&r)
	if err := q.db.Model(&sessionPartyRow{}).Where("session_id = ?", id).Order("delegation_id").
		Pluck("delegation_id", &s.DelegationIDs).Error; err != nil {
		return nil, translate(err, "session parties")
	}
	return s, nil
}

// UpdateSession writes every field of s except its UID and event, and replaces its parties.
func (q *Q) UpdateSession(s *domain.Session) error {
	res := q.db.Model(&sessionRow{ID: s.ID}).
		Select("title", "kind", "status", "room_id", "starts_at", "ends_at", "agenda", "sequence", "updated_at").
		Updates(sessionToRow(s))
	if res.Error != nil {
		return translate(res.Error, "session")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("session")
	}
	if err := q.db.Where("session_id = ?", s.ID).Delete(&sessionPartyRow{}).Error; err != nil {
		return translate(err, "session parties")
	}
	return q.writeParties(s.ID, s.DelegationIDs)
}

// DeleteSession removes a session of a draft event; the service cancels all others.
func (q *Q) DeleteSession(id int64) error {
	res := q.db.Delete(&sessionRow{}, id)
	if res.Error != nil {
		return translate(res.Error, "session")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("session")
	}
	return nil
}

// ListSessions returns an event's programme ordered by start, in two queries whatever
// its length.
func (q *Q) ListSessions(eventID int64) ([]*domain.Session, error) {
	var rows []sessionRow
	if err := q.db.Where("event_id = ?", eventID).Order("starts_at").Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "sessions")
	}
	out := make([]*domain.Session, len(rows))
	byID := make(map[int64]*domain.Session, len(rows))
	for i := range rows {
		out[i] = sessionFromRow(&rows[i])
		byID[out[i].ID] = out[i]
	}
	if len(rows) == 0 {
		return out, nil
	}
	var parties []sessionPartyRow
	if err := q.db.Where("session_id IN (?)", q.db.Model(&sessionRow{}).Select("id").Where("event_id = ?", eventID)).
		Order("session_id").Order("delegation_id").Find(&parties).Error; err != nil {
		return nil, translate(err, "session parties")
	}
	for _, p := range parties {
		if s := byID[p.SessionID]; s != nil {
			s.DelegationIDs = append(s.DelegationIDs, p.DelegationID)
		}
	}
	return out, nil
}

// DelegationNotInEvent returns the first of ids that is not a delegation of the event,
// or 0: a session's parties and an outcome's parties come from their own event only.
func (q *Q) DelegationNotInEvent(eventID int64, ids []int64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var found []int64
	if err := q.db.Raw("SELECT id FROM delegations WHERE event_id = ? AND id IN ?", eventID, ids).Scan(&found).Error; err != nil {
		return 0, fmt.Errorf("check delegations of event %d: %w", eventID, err)
	}
	have := make(map[int64]bool, len(found))
	for _, id := range found {
		have[id] = true
	}
	for _, id := range ids {
		if !have[id] {
			return id, nil
		}
	}
	return 0, nil
}

// LockSchedule serialises the writers that check and book rooms and people, so two
// concurrent bookings can not both pass the conflict check. On PostgreSQL it takes a
// transaction-scoped advisory lock (shared by every process on the database); SQLite's
// write transactions already hold the database's single write lock from BEGIN.
func (q *Q) LockSchedule() error {
	if q.dialect != Postgres {
		return nil
	}
	if err := q.db.Exec("SELECT pg_advisory_xact_lock(?)", scheduleLockKey).Error; err != nil {
		return fmt.Errorf("lock schedule: %w", err)
	}
	return nil
}

// scheduleLockKey names the schedule's advisory lock; any constant unique to it will do.
const scheduleLockKey int64 = 0x617474616368_01

// Clash is another scheduled session that already holds a room or a person for part of
// the requested time. Timezone is that session's event's, to show its time as its
// guests see it.
type Clash struct {
	SessionID  int64
	Title      string
	StartsAt   time.Time
	EndsAt     time.Time
	Timezone   string
	PersonID   int64
	PersonName string
}

// RoomClash finds a scheduled session of a live event, other than exclude, that uses the
// room during [start, end). Intervals are half-open: back-to-back meetings do not clash.
func (q *Q) RoomClash(roomID, exclude int64, start, end time.Time) (Clash, bool, error) {
	var rows []Clash
	err := q.db.Raw(`SELECT s.id AS session_id, s.title, s.starts_at, s.ends_at, e.timezone
		FROM sessions s JOIN events e ON e.id = s.event_id
		WHERE s.room_id = ? AND s.id <> ? AND s.status = ? AND e.status <> ?
		  AND s.starts_at < ? AND s.ends_at > ?
		ORDER BY s.starts_at, s.id LIMIT 1`,
		roomID, exclude, string(domain.SessionScheduled), string(domain.StatusCancelled), end.UTC(), start.UTC()).
		Scan(&rows).Error
	if err != nil {
		return Clash{}, false, fmt.Errorf("check room %d: %w", roomID, err)
	}
	if len(rows) == 0 {
		return Clash{}, false, nil
	}
	return rows[0], true, nil
}

// PersonClash finds a scheduled session of a live event, other than exclude, during
// [start, end) in which a member of one of delegationIDs already sits (as a member of
// one of its party delegations).
func (q *Q) PersonClash(delegationIDs []int64, exclude int64, start, end time.Time) (Clash, bool, error) {
	if len(delegationIDs) == 0 {
		return Clash{}, false, nil
	}
	var rows []Clash
	err := q.db.Raw(`SELECT s.id AS session_id, s.title, s.starts_at, s.ends_at, e.timezone,
			p.id AS person_id, p.full_name AS person_name
		FROM sessions s
		JOIN events e ON e.id = s.event_id
		JOIN session_parties sp ON sp.session_id = s.id
		JOIN delegation_members m ON m.delegation_id = sp.delegation_id
		JOIN people p ON p.id = m.person_id
		WHERE s.id <> ? AND s.status = ? AND e.status <> ?
		  AND s.starts_at < ? AND s.ends_at > ?
		  AND m.person_id IN (SELECT person_id FROM delegation_members WHERE delegation_id IN ?)
		ORDER BY s.starts_at, s.id, p.id LIMIT 1`,
		exclude, string(domain.SessionScheduled), string(domain.StatusCancelled), end.UTC(), start.UTC(), delegationIDs).
		Scan(&rows).Error
	if err != nil {
		return Clash{}, false, fmt.Errorf("check people of delegations %v: %w", delegationIDs, err)
	}
	if len(rows) == 0 {
		return Clash{}, false, nil
	}
	return rows[0], true, nil
}

func (q *Q) writeParties(sessionID int64, delegationIDs []int64) error {
	if len(delegationIDs) == 0 {
		return nil
	}
	rows := make([]sessionPartyRow, len(delegationIDs))
	for i, id := range delegationIDs {
		rows[i] = sessionPartyRow{SessionID: sessionID, DelegationID: id}
	}
	if err := q.db.Create(&rows).Error; err != nil {
		return translate(err, "session parties")
	}
	return nil
}
