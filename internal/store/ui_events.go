package store

import (
	"fmt"
	"time"

	"github.com/attache-app/attache/internal/domain"
)

// Queries of the officers' event pages (list, event page, progress, feed link): each
// reads a whole list in one query, so that a page's query count never grows with the
// number of guests.

// RoomsByID reads the rooms with the given ids in one query.
func (q *Q) RoomsByID(ids []int64) (map[int64]*domain.Room, error) {
	out := make(map[int64]*domain.Room, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []roomRow
	if err := q.db.Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, translate(err, "rooms")
	}
	for i := range rows {
		out[rows[i].ID] = roomFromRow(&rows[i])
	}
	return out, nil
}

// LastSent returns, per invitation of the event, when its guest was last sent any
// message (invitation, update, cancellation or reminder), in one grouped query.
func (q *Q) LastSent(eventID int64) (map[int64]time.Time, error) {
	// Text on both dialects: SQLite returns an aggregate of DATETIME as its stored text.
	maxAt := "MAX(sent_at)"
	if q.dialect == Postgres {
		maxAt = "to_char(MAX(sent_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
	}
	var rows []struct {
		InvitationID int64
		At           *string
	}
	err := q.db.Model(&outboundMessageRow{}).Select("invitation_id, "+maxAt+" AS at").
		Where("status = ? AND sent_at IS NOT NULL", string(OutboundSent)).
		Where("invitation_id IN (?)", q.db.Model(&invitationRow{}).Select("id").Where("event_id = ?", eventID)).
		Group("invitation_id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "last messages")
	}
	out := make(map[int64]time.Time, len(rows))
	for _, r := range rows {
		if r.At == nil {
			continue
		}
		t, err := parseStoredTime(*r.At)
		if err != nil {
			return nil, fmt.Errorf("last message of invitation %d: %w", r.InvitationID, err)
		}
		out[r.InvitationID] = t
	}
	return out, nil
}

// MailedInvitationIDs lists, in id order, the invitations of the event whose guest was
// sent a calendar message (REQUEST or CANCEL) about the event or one of its sessions:
// who hears of a cancellation or a new time.
func (q *Q) MailedInvitationIDs(eventID int64) ([]int64, error) {
	var ids []int64
	err := q.db.Model(&outboundMessageRow{}).Distinct("invitation_id").
		Where("status = ? AND kind IN ?", string(OutboundSent), calendarKinds).
		Where("invitation_id IN (?)", q.db.Model(&invitationRow{}).Select("id").Where("event_id = ?", eventID)).
		Order("invitation_id").Pluck("invitation_id", &ids).Error
	if err != nil {
		return nil, translate(err, "mailed invitations")
	}
	return ids, nil
}

// CountInvitationsSince counts the event's invitations by send state, in one grouped
// query, for a batch started at since: queued ones whatever their age (they are on
// their way), sent ones sent since (sent_at, else the last change: a guest answering an
// older invitation does not join the batch), failed and undeliverable ones changed
// since. A zero since counts every invitation that left the draft state.
func (q *Q) CountInvitationsSince(eventID int64, since time.Time) (map[domain.SendState]int, error) {
	since = since.UTC()
	var rows []struct {
		SendState string
		N         int
	}
	err := q.db.Model(&invitationRow{}).Select("send_state, COUNT(*) AS n").
		Where("event_id = ?", eventID).
		Where("send_state = ? OR (send_state = ? AND COALESCE(sent_at, updated_at) >= ?) OR (send_state IN ? AND updated_at >= ?)",
			string(domain.SendQueued), string(domain.SendSent), since,
			[]string{string(domain.SendFailed), string(domain.SendUndeliverable)}, since).
		Group("send_state").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "invitation progress")
	}
	out := make(map[domain.SendState]int, len(rows))
	for _, r := range rows {
		out[domain.SendState(r.SendState)] = r.N
	}
	return out, nil
}

// CountRemindersSince counts the reminders of the event's guests planned since, by
// status, in one grouped query.
func (q *Q) CountRemindersSince(eventID int64, since time.Time) (map[OutboundStatus]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	err := q.db.Model(&outboundMessageRow{}).Select("status, COUNT(*) AS n").
		Where("kind IN ? AND created_at >= ?", []string{OutboundReminderDeadline, OutboundReminderEvent}, since.UTC()).
		Where("invitation_id IN (?)", q.db.Model(&invitationRow{}).Select("id").Where("event_id = ?", eventID)).
		Group("status").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "reminder progress")
	}
	out := make(map[OutboundStatus]int, len(rows))
	for _, r := range rows {
		out[OutboundStatus(r.Status)] = r.N
	}
	return out, nil
}

// EventFeedRow is an unrevoked event-scope feed link: its id, the hash it is found by
// and when it was made.
type EventFeedRow struct {
	ID        int64
	Lookup    string
	CreatedAt time.Time
}

// EventFeedTokens lists the unrevoked event-scope feed links of an event, newest first.
func (q *Q) EventFeedTokens(eventID int64) ([]EventFeedRow, error) {
	var rows []feedTokenRow
	if err := q.db.Where("scope = ? AND event_id = ? AND revoked_at IS NULL", string(FeedEvent), eventID).
		Order("id DESC").Find(&rows).Error; err != nil {
		return nil, translate(err, "event feed tokens")
	}
	out := make([]EventFeedRow, len(rows))
	for i, r := range rows {
		out[i] = EventFeedRow{ID: r.ID, Lookup: r.Lookup, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

// SetFeedTokenLookup stores the hash of a link whose token depends on its own id; the
// row was created with a placeholder in the same transaction.
func (q *Q) SetFeedTokenLookup(id int64, lookup string) error {
	res := q.db.Model(&feedTokenRow{}).Where("id = ?", id).UpdateColumn("lookup", lookup)
	if res.Error != nil {
		return translate(res.Error, "feed token")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("feed token")
	}
	return nil
}
