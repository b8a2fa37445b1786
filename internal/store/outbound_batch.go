package store

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/attache-app/attache/internal/domain"
)

// Batch reads and writes for sending: a job that sends many guests their invitation
// plans them in a fixed number of queries whatever their number, instead of a handful
// per guest (the SQL parser is most of the cost on SQLite, round trips on PostgreSQL).

// LockInvitations reads the invitations with the given ids, in id order, and on
// PostgreSQL locks their rows until the transaction ends, as GetInvitationForUpdate
// does for one. The order is the lock order, so that two batches never wait for each
// other crosswise. Ids that do not exist are absent.
func (q *Q) LockInvitations(ids []int64) ([]*domain.Invitation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	db := q.db
	if q.dialect == Postgres {
		db = db.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var rows []invitationRow
	if err := db.Where("id IN ?", ids).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "invitations")
	}
	return invitationsFromRows(rows)
}

// OutboundOfInvitations returns every message of the given invitations, oldest first,
// by invitation.
func (q *Q) OutboundOfInvitations(ids []int64) (map[int64][]*OutboundMessage, error) {
	out := make(map[int64][]*OutboundMessage, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	msgs, err := q.outboundWhere(q.db.Where("invitation_id IN ?", ids))
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		out[m.InvitationID] = append(out[m.InvitationID], m)
	}
	return out, nil
}

// EnsureOutboundMany stores each message unless one with its Message-ID is there, and
// returns the stored rows in the order given, and which were created: one query for
// those already there, inserts of insertRows rows for the others. Unlike EnsureOutbound
// it takes no reminders, and a message inserted by someone else between the two
// queries fails the whole call with a conflict (the caller's job is then tried again)
// instead of being taken over.
func (q *Q) EnsureOutboundMany(ms []*OutboundMessage) ([]*OutboundMessage, []bool, error) {
	if len(ms) == 0 {
		return nil, nil, nil
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.MessageID
	}
	var existing []outboundMessageRow
	if err := q.db.Where("message_id IN ?", ids).Find(&existing).Error; err != nil {
		return nil, nil, translate(err, "outbound messages")
	}
	byID := make(map[string]*OutboundMessage, len(ms))
	for i := range existing {
		byID[existing[i].MessageID] = outboundFromRow(&existing[i])
	}
	var fresh []*outboundMessageRow
	for _, m := range ms {
		if byID[m.MessageID] == nil {
			r := outboundToRow(m)
			r.ID = 0
			fresh = append(fresh, r)
		}
	}
	if err := createRows(q, fresh); err != nil {
		return nil, nil, translate(err, "outbound messages")
	}
	isNew := make(map[string]bool, len(fresh))
	for _, r := range fresh {
		byID[r.MessageID], isNew[r.MessageID] = outboundFromRow(r), true
	}
	out, created := make([]*OutboundMessage, len(ms)), make([]bool, len(ms))
	for i, m := range ms {
		out[i], created[i] = byID[m.MessageID], isNew[m.MessageID]
	}
	return out, created, nil
}

// RecordOutbound writes the outcome of one try at sending a message in one statement:
// its status (unchanged when empty), the error (empty clears it), when it was sent when
// it was, and one more attempt.
func (q *Q) RecordOutbound(id int64, status OutboundStatus, lastError string, sentAt *time.Time, now time.Time) error {
	fields := map[string]any{"last_error": lastError, "updated_at": now, "attempts": gorm.Expr("attempts + 1")}
	if status != "" {
		fields["status"] = string(status)
	}
	if sentAt != nil {
		fields["sent_at"] = sentAt.UTC()
	}
	res := q.db.Model(&outboundMessageRow{}).Where("id = ?", id).Updates(fields)
	if res.Error != nil {
		return translate(res.Error, "outbound message")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("outbound message")
	}
	return nil
}

// SetInvitationsSendState moves several invitations to one send state and clears
// their error, in one statement.
func (q *Q) SetInvitationsSendState(ids []int64, state domain.SendState, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	err := q.db.Model(&invitationRow{}).Where("id IN ?", ids).
		Updates(map[string]any{"send_state": string(state), "last_error": "", "updated_at": now}).Error
	return translate(err, "invitations")
}

// LiveFeedLookups reports which of the given lookups (hashes of feed tokens) name a feed
// link that exists and is not revoked.
func (q *Q) LiveFeedLookups(lookups []string) (map[string]bool, error) {
	out := make(map[string]bool, len(lookups))
	if len(lookups) == 0 {
		return out, nil
	}
	var found []string
	if err := q.db.Model(&feedTokenRow{}).Where("lookup IN ? AND revoked_at IS NULL", lookups).
		Pluck("lookup", &found).Error; err != nil {
		return nil, translate(err, "feed tokens")
	}
	for _, l := range found {
		out[l] = true
	}
	return out, nil
}

// insertRows is the most rows one multi-row INSERT of createRows writes. The SQLite
// driver used before (glebarez/go-sqlite) found each bound value by scanning the
// arguments from the first, so a statement's binding cost the square of its parameter
// count: 128 outbound messages of 20 columns, 2,560 parameters, took milliseconds to
// bind, more than inserting them. Statements of 16 rows kept that small on both
// dialects, and keep few distinct statement texts for the statement caches.
const insertRows = 16

// createRows inserts rows (a slice of row pointers) insertRows to a statement, filling
// in their ids, in the caller's transaction (gorm would otherwise add a savepoint).
func createRows(q *Q, rows any) error {
	return q.db.Session(&gorm.Session{SkipDefaultTransaction: true}).CreateInBatches(rows, insertRows).Error
}

// AddAudits appends several audit entries in a few statements; call it inside the
// transaction of the change.
func (q *Q) AddAudits(entries []*domain.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	rows := make([]*auditEntryRow, len(entries))
	for i, a := range entries {
		rows[i] = &auditEntryRow{ActorID: a.ActorID, Actor: a.Actor, Action: a.Action, EntityType: a.EntityType,
			EntityID: a.EntityID, Before: a.Before, After: a.After, CreatedAt: a.CreatedAt}
	}
	if err := createRows(q, rows); err != nil {
		return translate(err, "audit entries")
	}
	for i, r := range rows {
		entries[i].ID = r.ID
	}
	return nil
}

// EventMark is what of an event decides whether its guests must be sent something new:
// its SEQUENCE and status.
type EventMark struct {
	Sequence int
	Status   domain.EventStatus
}

// invitationMarkRow is LockInvitationWithEvent's result row; the invitation is a named
// field, since GORM can not set the fields of an embedded unexported type.
type invitationMarkRow struct {
	Invitation    invitationRow `gorm:"embedded"`
	EventSequence int
	EventStatus   string
}

// LockInvitationWithEvent is GetInvitationForUpdate with its event's mark read in the
// same query: recording a sent message needs both, once per message.
func (q *Q) LockInvitationWithEvent(id int64) (*domain.Invitation, EventMark, error) {
	lock := ""
	if q.dialect == Postgres {
		lock = " FOR UPDATE OF i"
	}
	var rows []invitationMarkRow
	if err := q.db.Raw(`SELECT i.*, e.sequence AS event_sequence, e.status AS event_status
		FROM invitations i JOIN events e ON e.id = i.event_id WHERE i.id = ?`+lock, id).Scan(&rows).Error; err != nil {
		return nil, EventMark{}, translate(err, "invitation")
	}
	if len(rows) == 0 {
		return nil, EventMark{}, domain.NotFound("invitation")
	}
	inv, err := invitationFromRow(&rows[0].Invitation)
	if err != nil {
		return nil, EventMark{}, err
	}
	return inv, EventMark{Sequence: rows[0].EventSequence, Status: domain.EventStatus(rows[0].EventStatus)}, nil
}

// InvitationSent is a first invitation the server accepted, with what its delivery was
// planned from: RecordInvitationSent records it only while the invitation and its event
// are still as planned.
type InvitationSent struct {
	OutboundID int64
	Invitation *domain.Invitation // as planned
	Event      EventMark          // the planned event's
	At         time.Time
}

// RecordInvitationSent records, in one transaction of its own, a first invitation the
// server accepted: the message sent (one attempt more) and the invitation sent, as
// RecordOutbound and SetInvitationSendState do. It does so only when the invitation
// (send state, address, language, delegation, event) and its event's SEQUENCE and
// status are still what the delivery was planned from, and then reports true; otherwise
// it changes nothing and reports false, and the caller records the message the long way,
// which plans again. On PostgreSQL it is one statement (a round trip and a commit): the
// invitation is locked first, as everywhere, and compared under the lock.
func (s *Store) RecordInvitationSent(ctx context.Context, r InvitationSent) (bool, error) {
	inv, at := r.Invitation, r.At.UTC()
	match := []any{inv.ID, string(inv.SendState), inv.Email, inv.Language, inv.DelegationID, inv.EventID,
		r.Event.Sequence, string(r.Event.Status)}
	if s.Dialect == Postgres {
		res := s.w.WithContext(ctx).Exec(`WITH inv AS (
				SELECT i.id FROM invitations i JOIN events e ON e.id = i.event_id
				WHERE i.id = ? AND i.send_state = ? AND i.email = ? AND i.language = ?
					AND i.delegation_id IS NOT DISTINCT FROM ? AND i.event_id = ? AND e.sequence = ? AND e.status = ?
				FOR UPDATE OF i
			), msg AS (
				UPDATE outbound_messages o SET status = ?, last_error = '', sent_at = ?, updated_at = ?, attempts = o.attempts + 1
				FROM inv WHERE o.id = ? AND o.invitation_id = inv.id
				RETURNING o.invitation_id
			)
			UPDATE invitations i SET send_state = ?, last_error = '', sent_at = ?, updated_at = ?
			FROM msg WHERE i.id = msg.invitation_id`,
			append(match, string(OutboundSent), at, at, r.OutboundID, string(domain.SendSent), at, at)...)
		if res.Error != nil {
			return false, translate(res.Error, "outbound message")
		}
		return res.RowsAffected == 1, nil
	}
	// SQLite: one writer at a time, taken at BEGIN. Two statements prepared once
	// (prepare): the message changes only when the invitation did, so one changed row
	// from each means both were.
	sentInv, err := s.prepare(ctx, recordSentInvitation)
	if err != nil {
		return false, err
	}
	sentMsg, err := s.prepare(ctx, recordSentMessage)
	if err != nil {
		return false, err
	}
	tx, err := s.wSQL.BeginTx(ctx, nil)
	if err != nil {
		return false, translate(err, "outbound message")
	}
	n, err := execCount(ctx, tx.StmtContext(ctx, sentInv), append(match, string(domain.SendSent), at)...)
	if err == nil && n == 1 {
		n, err = execCount(ctx, tx.StmtContext(ctx, sentMsg), inv.ID, string(OutboundSent), at, r.OutboundID)
	}
	if err != nil || n != 1 {
		// Nothing recorded, or not both: the caller records the message the long way.
		if rerr := tx.Rollback(); err == nil && rerr != nil {
			err = rerr
		}
		return false, translate(err, "outbound message")
	}
	if err := tx.Commit(); err != nil {
		return false, translate(err, "outbound message")
	}
	return true, nil
}

// The statements of RecordInvitationSent on SQLite. The parameters are numbered, so that
// each is given once.
const (
	recordSentInvitation = `UPDATE invitations SET send_state = ?9, last_error = '', sent_at = ?10, updated_at = ?10
		WHERE id = ?1 AND send_state = ?2 AND email = ?3 AND language = ?4 AND delegation_id IS ?5 AND event_id = ?6
			AND EXISTS (SELECT 1 FROM events e WHERE e.id = invitations.event_id AND e.sequence = ?7 AND e.status = ?8)`
	recordSentMessage = `UPDATE outbound_messages SET status = ?2, last_error = '', sent_at = ?3, updated_at = ?3,
		attempts = attempts + 1 WHERE id = ?4 AND invitation_id = ?1`
)

// execCount runs st and returns how many rows it changed.
func execCount(ctx context.Context, st *sql.Stmt, args ...any) (int64, error) {
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
