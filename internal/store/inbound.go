package store

import (
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/attache-app/attache/internal/domain"
)

// InboundFilter narrows the list of received messages; zero fields match all.
type InboundFilter struct {
	Outcome domain.Intake
	Kind    domain.InboundKind
	EventID int64
}

func inboundFromRow(r *inboundMessageRow) *domain.InboundMessage {
	return &domain.InboundMessage{ID: r.ID, MessageID: r.MessageID, Source: r.Source, From: r.FromAddr,
		Subject: r.Subject, Size: r.Size, ReceivedAt: r.ReceivedAt.UTC(), Kind: domain.InboundKind(r.Kind),
		Outcome: domain.Intake(r.Outcome), Reason: r.Reason, InvitationID: r.InvitationID, EventID: r.EventID,
		Attendee: r.Attendee, PartStat: r.Partstat, ProposedTo: r.ProposedTo, Proposal: r.Proposal,
		UID: r.UID, Sequence: r.Sequence, Stamp: storedInstant(r.Dtstamp), Comment: r.Comment,
		ResolvedBy: r.ResolvedBy, ResolvedAt: storedInstant(r.ResolvedAt), Raw: r.Raw}
}

func inboundToRow(m *domain.InboundMessage) *inboundMessageRow {
	raw := m.Raw
	if raw == nil {
		raw = []byte{}
	}
	kind := string(m.Kind)
	if kind == "" {
		kind = string(domain.InboundOther)
	}
	return &inboundMessageRow{ID: m.ID, MessageID: m.MessageID, Source: m.Source, FromAddr: m.From,
		Subject: m.Subject, Size: m.Size, ReceivedAt: m.ReceivedAt.UTC(), Kind: kind, Outcome: string(m.Outcome),
		Reason: m.Reason, InvitationID: m.InvitationID, EventID: m.EventID, UID: m.UID, Sequence: m.Sequence,
		Dtstamp: storedInstant(m.Stamp), Attendee: m.Attendee, Partstat: m.PartStat, ProposedTo: m.ProposedTo,
		Proposal: m.Proposal, Comment: m.Comment, ResolvedBy: m.ResolvedBy, ResolvedAt: storedInstant(m.ResolvedAt),
		Raw: raw}
}

// CreateInbound stores a received message, unless one with its Message-ID is already
// there: then it returns that one and created false. The partial unique index makes
// this safe against two ways in receiving the same message at once.
func (q *Q) CreateInbound(m *domain.InboundMessage, now time.Time) (*domain.InboundMessage, bool, error) {
	r := inboundToRow(m)
	r.ID, r.CreatedAt, r.UpdatedAt = 0, now, now
	res := q.db.Clauses(clause.OnConflict{DoNothing: true}).Create(r)
	if res.Error != nil {
		return nil, false, translate(res.Error, "inbound message")
	}
	if res.RowsAffected == 1 && r.ID != 0 {
		return inboundFromRow(r), true, nil
	}
	existing, err := q.InboundByMessageID(m.MessageID)
	if err != nil {
		return nil, false, err
	}
	return existing, false, nil
}

// InboundByMessageID finds the message recorded under a Message-ID.
func (q *Q) InboundByMessageID(messageID string) (*domain.InboundMessage, error) {
	if messageID == "" {
		return nil, domain.NotFound("inbound message")
	}
	var r inboundMessageRow
	if err := q.db.Where("message_id = ?", messageID).First(&r).Error; err != nil {
		return nil, translate(err, "inbound message")
	}
	return inboundFromRow(&r), nil
}

// GetInbound reads one received message.
func (q *Q) GetInbound(id int64) (*domain.InboundMessage, error) {
	var r inboundMessageRow
	if err := q.db.First(&r, id).Error; err != nil {
		return nil, translate(err, "inbound message")
	}
	return inboundFromRow(&r), nil
}

// GetInboundForUpdate reads one received message and, on PostgreSQL, locks it, so that
// two officers resolving it at once can not both apply it.
func (q *Q) GetInboundForUpdate(id int64) (*domain.InboundMessage, error) {
	db := q.db
	if q.dialect == Postgres {
		db = db.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var r inboundMessageRow
	if err := db.First(&r, id).Error; err != nil {
		return nil, translate(err, "inbound message")
	}
	return inboundFromRow(&r), nil
}

// UpdateInbound writes what resolving a message changes: kind, outcome, reason, the
// invitation and event it concerns, and who resolved it when.
func (q *Q) UpdateInbound(m *domain.InboundMessage, now time.Time) error {
	r := inboundToRow(m)
	r.UpdatedAt = now
	res := q.db.Model(&inboundMessageRow{ID: m.ID}).
		Select("kind", "outcome", "reason", "invitation_id", "event_id", "resolved_by", "resolved_at", "updated_at").
		Updates(r)
	if res.Error != nil {
		return translate(res.Error, "inbound message")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("inbound message")
	}
	return nil
}

// ListInbound returns one page of received messages, newest first, without their raw
// bytes (read one message for those).
func (q *Q) ListInbound(f InboundFilter, p Page) ([]*domain.InboundMessage, string, error) {
	db := q.db.Omit("raw").Order("id DESC").Limit(p.Size() + 1)
	if p.Cursor != "" {
		c, err := DecodeCursor(p.Cursor, 1)
		if err != nil {
			return nil, "", err
		}
		db = db.Where("id < ?", c[0])
	}
	if f.Outcome != "" {
		db = db.Where("outcome = ?", string(f.Outcome))
	}
	if f.Kind != "" {
		db = db.Where("kind = ?", string(f.Kind))
	}
	if f.EventID != 0 {
		db = db.Where("event_id = ?", f.EventID)
	}
	var rows []inboundMessageRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, "", translate(err, "inbound messages")
	}
	rows, next := trim(rows, p, func(r inboundMessageRow) []int64 { return []int64{r.ID} })
	out := make([]*domain.InboundMessage, len(rows))
	for i := range rows {
		out[i] = inboundFromRow(&rows[i])
	}
	return out, next, nil
}

// LastAppliedStamp is the newest stamp of a reply of this SEQUENCE applied to the
// invitation by e-mail, nil when none was: another such reply must be newer to apply.
func (q *Q) LastAppliedStamp(invitationID int64, uid string, sequence int) (*time.Time, error) {
	var r inboundMessageRow
	err := q.db.Select("dtstamp").
		Where("invitation_id = ? AND uid = ? AND sequence = ? AND outcome = ? AND kind = ? AND dtstamp IS NOT NULL",
			invitationID, uid, sequence, string(domain.IntakeApplied), string(domain.InboundReply)).
		Order("dtstamp DESC").First(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err, "inbound messages")
	}
	return storedInstant(r.Dtstamp), nil
}

// CalendarItem is what an iCalendar UID names: an event, or one of its sessions.
type CalendarItem struct {
	EventID   int64
	SessionID *int64
}

// ItemByUID finds the event or session whose UID is uid, exactly.
func (q *Q) ItemByUID(uid string) (*CalendarItem, error) {
	var ev eventRow
	err := q.db.Select("id").Where("uid = ?", uid).First(&ev).Error
	if err == nil {
		return &CalendarItem{EventID: ev.ID}, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, translate(err, "event")
	}
	var ss sessionRow
	if err := q.db.Select("id", "event_id").Where("uid = ?", uid).First(&ss).Error; err != nil {
		return nil, translate(err, "calendar item")
	}
	return &CalendarItem{EventID: ss.EventID, SessionID: &ss.ID}, nil
}

// InvitationByEventEmail finds the event's invitation of the guest with this address
// (already lower-case).
func (q *Q) InvitationByEventEmail(eventID int64, email string) (*domain.Invitation, error) {
	var r invitationRow
	if err := q.db.Where("event_id = ? AND lower(email) = ?", eventID, strings.ToLower(email)).
		Order("id").First(&r).Error; err != nil {
		return nil, translate(err, "invitation")
	}
	return invitationFromRow(&r)
}

// OutboundByMessageID finds the first of our messages named by any of the ids.
func (q *Q) OutboundByMessageID(ids ...string) (*OutboundMessage, error) {
	if len(ids) == 0 {
		return nil, domain.NotFound("outbound message")
	}
	var r outboundMessageRow
	if err := q.db.Where("message_id IN ?", ids).Order("id DESC").First(&r).Error; err != nil {
		return nil, translate(err, "outbound message")
	}
	return outboundFromRow(&r), nil
}

// LastOutboundTo is the newest message sent to an address, for a bounce that names
// only the recipient.
func (q *Q) LastOutboundTo(email string) (*OutboundMessage, error) {
	var r outboundMessageRow
	if err := q.db.Where("lower(recipient) = ? AND status = ?", strings.ToLower(email), string(OutboundSent)).
		Order("id DESC").First(&r).Error; err != nil {
		return nil, translate(err, "outbound message")
	}
	return outboundFromRow(&r), nil
}
