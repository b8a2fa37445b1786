package store

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/attache-app/attache/internal/domain"
)

// Outbound message kinds: the words of mail.Kind, which the store can not import.
const (
	OutboundInvitation       = "invitation"
	OutboundUpdate           = "update"
	OutboundCancellation     = "cancellation"
	OutboundReminderDeadline = "reminder_deadline"
	OutboundReminderEvent    = "reminder_event"
)

// calendarKinds are the kinds that carry a calendar object (REQUEST or CANCEL).
var calendarKinds = []string{OutboundInvitation, OutboundUpdate, OutboundCancellation}

// OutboundStatus is where one message stands.
type OutboundStatus string

// Outbound statuses. A message is pending from the moment it is planned until the
// server accepted it (sent) or refused it for good (failed); superseded marks a pending
// message that a later change made obsolete before it could leave.
const (
	OutboundPending    OutboundStatus = "pending"
	OutboundSent       OutboundStatus = "sent"
	OutboundFailed     OutboundStatus = "failed"
	OutboundSuperseded OutboundStatus = "superseded"
)

// Shown is what a calendar message showed its guest, kept so that the next update can
// say what changed.
type Shown struct {
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	Timezone string    `json:"timezone"`
	Place    string    `json:"place"`
	Status   string    `json:"status"` // iCalendar STATUS: CONFIRMED, TENTATIVE, CANCELLED
}

// OutboundMessage is one mail to one guest. MessageID is derived from invitation, kind,
// session and sequence (for a reminder: its offset; for the current state sent again on
// a guest's REFRESH, the request too), so a retried job can only repeat it.
type OutboundMessage struct {
	ID             int64          `json:"id"`
	InvitationID   int64          `json:"invitation_id"`
	SessionID      *int64         `json:"session_id"`
	Kind           string         `json:"kind"`
	Sequence       int            `json:"sequence"`
	ReminderOffset int            `json:"reminder_offset_minutes,omitempty"`
	MessageID      string         `json:"message_id"`
	Recipient      string         `json:"recipient"`
	Status         OutboundStatus `json:"status"`
	Attempts       int            `json:"attempts"`
	LastError      string         `json:"last_error"`
	Shown          *Shown         `json:"shown,omitempty"`
	SentAt         *time.Time     `json:"sent_at"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// IsReminder reports whether the message is a reminder (no calendar object).
func (m *OutboundMessage) IsReminder() bool {
	return m.Kind == OutboundReminderDeadline || m.Kind == OutboundReminderEvent
}

func outboundFromRow(r *outboundMessageRow) *OutboundMessage {
	m := &OutboundMessage{ID: r.ID, InvitationID: r.InvitationID, SessionID: r.SessionID, Kind: r.Kind,
		Sequence: r.Sequence, ReminderOffset: r.ReminderOffset, MessageID: r.MessageID, Recipient: r.Recipient,
		Status: OutboundStatus(r.Status), Attempts: r.Attempts, LastError: r.LastError, SentAt: storedInstant(r.SentAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.ShownStartsAt != nil && r.ShownEndsAt != nil {
		m.Shown = &Shown{StartsAt: r.ShownStartsAt.UTC(), EndsAt: r.ShownEndsAt.UTC(), Timezone: r.ShownTimezone,
			Place: r.ShownPlace, Status: r.ShownStatus}
	}
	return m
}

func outboundToRow(m *OutboundMessage) *outboundMessageRow {
	r := &outboundMessageRow{ID: m.ID, InvitationID: m.InvitationID, SessionID: m.SessionID, Kind: m.Kind,
		Sequence: m.Sequence, ReminderOffset: m.ReminderOffset, MessageID: m.MessageID, Recipient: m.Recipient,
		Status: string(m.Status), Attempts: m.Attempts, LastError: m.LastError, SentAt: storedInstant(m.SentAt),
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
	if r.Status == "" {
		r.Status = string(OutboundPending)
	}
	if m.Shown != nil {
		start, end := m.Shown.StartsAt.UTC(), m.Shown.EndsAt.UTC()
		r.ShownStartsAt, r.ShownEndsAt = &start, &end
		r.ShownTimezone, r.ShownPlace, r.ShownStatus = m.Shown.Timezone, m.Shown.Place, m.Shown.Status
	}
	return r
}

// whereItem narrows to one guest's messages about one item: the event (session nil) or
// one of its sessions.
func whereItem(db *gorm.DB, invitationID int64, sessionID *int64) *gorm.DB {
	db = db.Where("invitation_id = ?", invitationID)
	if sessionID == nil {
		return db.Where("session_id IS NULL")
	}
	return db.Where("session_id = ?", *sessionID)
}

// EnsureOutbound stores m unless a message with its Message-ID (or, for a reminder, the
// same reminder) is already there, and returns the stored row; created tells which. The
// unique keys make this safe against two jobs, two processes or a restart racing.
func (q *Q) EnsureOutbound(m *OutboundMessage) (*OutboundMessage, bool, error) {
	r := outboundToRow(m)
	r.ID = 0
	res := q.db.Clauses(clause.OnConflict{DoNothing: true}).Create(r)
	if res.Error != nil {
		return nil, false, translate(res.Error, "outbound message")
	}
	if res.RowsAffected == 1 && r.ID != 0 {
		return outboundFromRow(r), true, nil
	}
	var existing outboundMessageRow
	err := q.db.Where("message_id = ?", m.MessageID).First(&existing).Error
	if errors.Is(err, gorm.ErrRecordNotFound) && m.IsReminder() {
		err = q.db.Where("invitation_id = ? AND kind = ? AND reminder_offset = ?", m.InvitationID, m.Kind, m.ReminderOffset).
			First(&existing).Error
	}
	if err != nil {
		return nil, false, translate(err, "outbound message")
	}
	return outboundFromRow(&existing), false, nil
}

// GetOutbound reads one message.
func (q *Q) GetOutbound(id int64) (*OutboundMessage, error) {
	var r outboundMessageRow
	if err := q.db.First(&r, id).Error; err != nil {
		return nil, translate(err, "outbound message")
	}
	return outboundFromRow(&r), nil
}

// ListOutbound returns every message of an invitation, oldest first.
func (q *Q) ListOutbound(invitationID int64) ([]*OutboundMessage, error) {
	return q.outboundWhere(q.db.Where("invitation_id = ?", invitationID))
}

// OutboundOfItem returns a guest's messages about one item (the event when sessionID is
// nil), oldest first.
func (q *Q) OutboundOfItem(invitationID int64, sessionID *int64) ([]*OutboundMessage, error) {
	return q.outboundWhere(whereItem(q.db, invitationID, sessionID))
}

func (q *Q) outboundWhere(db *gorm.DB) ([]*OutboundMessage, error) {
	var rows []outboundMessageRow
	if err := db.Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "outbound messages")
	}
	out := make([]*OutboundMessage, len(rows))
	for i := range rows {
		out[i] = outboundFromRow(&rows[i])
	}
	return out, nil
}

// UpdateOutbound writes what sending changes: recipient, status, attempts, error, the
// time it was sent and what it showed.
func (q *Q) UpdateOutbound(m *OutboundMessage) error {
	r := outboundToRow(m)
	res := q.db.Model(&outboundMessageRow{ID: m.ID}).
		Select("recipient", "status", "attempts", "last_error", "sent_at", "shown_starts_at", "shown_ends_at",
			"shown_timezone", "shown_place", "shown_status", "updated_at").
		Updates(r)
	if res.Error != nil {
		return translate(res.Error, "outbound message")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("outbound message")
	}
	return nil
}

// SupersedeOutbound marks a guest's pending calendar messages about an item, but keep,
// as superseded: a newer state of the item replaces them before they could leave.
func (q *Q) SupersedeOutbound(invitationID int64, sessionID *int64, keep int64, now time.Time) error {
	err := whereItem(q.db.Model(&outboundMessageRow{}), invitationID, sessionID).
		Where("status = ? AND id <> ? AND kind IN ?", string(OutboundPending), keep, calendarKinds).
		Updates(map[string]any{"status": string(OutboundSuperseded), "updated_at": now}).Error
	return translate(err, "outbound messages")
}

// MailedItem is a guest and an item (the event when SessionID is nil) about which the
// guest was sent a calendar message.
type MailedItem struct {
	InvitationID int64
	SessionID    *int64
}

// MailedItems lists who was sent a calendar message about the event or its sessions;
// only: nil lists every item, a pointer to 0 the event alone, another id that session.
func (q *Q) MailedItems(eventID int64, only *int64) ([]MailedItem, error) {
	db := q.db.Model(&outboundMessageRow{}).Distinct("invitation_id", "session_id").
		Where("status = ? AND kind IN ?", string(OutboundSent), calendarKinds).
		Where("invitation_id IN (?)", q.db.Model(&invitationRow{}).Select("id").Where("event_id = ?", eventID))
	switch {
	case only == nil:
	case *only == 0:
		db = db.Where("session_id IS NULL")
	default:
		db = db.Where("session_id = ?", *only)
	}
	var rows []struct {
		InvitationID int64
		SessionID    *int64
	}
	if err := db.Order("invitation_id").Order("session_id").Scan(&rows).Error; err != nil {
		return nil, translate(err, "mailed items")
	}
	out := make([]MailedItem, len(rows))
	for i, r := range rows {
		out[i] = MailedItem{InvitationID: r.InvitationID, SessionID: r.SessionID}
	}
	return out, nil
}

// EventMailed reports whether any guest of the event was sent a calendar message.
func (q *Q) EventMailed(eventID int64) (bool, error) {
	var n int64
	err := q.db.Model(&outboundMessageRow{}).
		Where("status = ? AND kind IN ?", string(OutboundSent), calendarKinds).
		Where("invitation_id IN (?)", q.db.Model(&invitationRow{}).Select("id").Where("event_id = ?", eventID)).
		Limit(1).Count(&n).Error
	if err != nil {
		return false, translate(err, "outbound messages")
	}
	return n > 0, nil
}

// SetInvitationSendState moves an invitation's send state, with the error to show
// officers (empty clears it) and, when not nil, the time its invitation was sent.
func (q *Q) SetInvitationSendState(id int64, state domain.SendState, lastError string, sentAt *time.Time, now time.Time) error {
	fields := map[string]any{"send_state": string(state), "last_error": lastError, "updated_at": now}
	if sentAt != nil {
		fields["sent_at"] = sentAt.UTC()
	}
	res := q.db.Model(&invitationRow{}).Where("id = ?", id).Updates(fields)
	if res.Error != nil {
		return translate(res.Error, "invitation")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("invitation")
	}
	return nil
}

// SetInvitationLastError records the error of a later message (an update, a reminder)
// without moving the send state, which follows the invitation itself.
func (q *Q) SetInvitationLastError(id int64, lastError string, now time.Time) error {
	err := q.db.Model(&invitationRow{}).Where("id = ?", id).
		Updates(map[string]any{"last_error": lastError, "updated_at": now}).Error
	return translate(err, "invitation")
}

// EventInvitations returns every invitation of an event in id order.
func (q *Q) EventInvitations(eventID int64) ([]*domain.Invitation, error) {
	var rows []invitationRow
	if err := q.db.Where("event_id = ?", eventID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "invitations")
	}
	return invitationsFromRows(rows)
}

// ReminderCandidate is a guest who might be due a reminder: an invitation that was sent,
// of a scheduled event yet to start, with the reminders already recorded for it.
type ReminderCandidate struct {
	Invitation *domain.Invitation
	Event      *domain.Event
	// Recorded holds "kind/offset-minutes" of every reminder already planned or sent.
	Recorded map[string]bool
}

// ReminderKey is how Recorded names a reminder.
func ReminderKey(kind string, offsetMinutes int) string {
	return fmt.Sprintf("%s/%d", kind, offsetMinutes)
}

// ReminderCandidates lists the sent invitations of scheduled events starting after now,
// in three queries whatever their number.
func (q *Q) ReminderCandidates(now time.Time) ([]ReminderCandidate, error) {
	var evRows []eventRow
	if err := q.db.Where("status = ? AND starts_at > ?", string(domain.StatusScheduled), now.UTC()).
		Order("id").Find(&evRows).Error; err != nil {
		return nil, translate(err, "events")
	}
	if len(evRows) == 0 {
		return nil, nil
	}
	events := make(map[int64]*domain.Event, len(evRows))
	ids := make([]int64, len(evRows))
	for i := range evRows {
		events[evRows[i].ID], ids[i] = eventFromRow(&evRows[i]), evRows[i].ID
	}
	var invRows []invitationRow
	if err := q.db.Where("event_id IN ? AND send_state = ?", ids, string(domain.SendSent)).
		Order("id").Find(&invRows).Error; err != nil {
		return nil, translate(err, "invitations")
	}
	if len(invRows) == 0 {
		return nil, nil
	}
	out := make([]ReminderCandidate, len(invRows))
	byInv := make(map[int64]*ReminderCandidate, len(invRows))
	invIDs := make([]int64, len(invRows))
	for i := range invRows {
		inv, err := invitationFromRow(&invRows[i])
		if err != nil {
			return nil, err
		}
		out[i] = ReminderCandidate{Invitation: inv, Event: events[inv.EventID], Recorded: map[string]bool{}}
		byInv[inv.ID], invIDs[i] = &out[i], inv.ID
	}
	var recorded []outboundMessageRow
	if err := q.db.Select("invitation_id", "kind", "reminder_offset").
		Where("invitation_id IN ? AND kind IN ?", invIDs, []string{OutboundReminderDeadline, OutboundReminderEvent}).
		Find(&recorded).Error; err != nil {
		return nil, translate(err, "reminders")
	}
	for _, r := range recorded {
		if c := byInv[r.InvitationID]; c != nil {
			c.Recorded[ReminderKey(r.Kind, r.ReminderOffset)] = true
		}
	}
	return out, nil
}
