package store

import (
	"encoding/json"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/attache-app/attache/internal/domain"
)

func invitationFromRow(r *invitationRow) (*domain.Invitation, error) {
	companions, err := decodeNames(r.Companions)
	if err != nil {
		return nil, fmt.Errorf("invitation %d companions: %w", r.ID, err)
	}
	return &domain.Invitation{ID: r.ID, EventID: r.EventID, PersonID: r.PersonID, DelegationID: r.DelegationID,
		Email: r.Email, Language: r.Language, Response: domain.Response(r.Response),
		ResponseChannel: domain.Channel(r.ResponseChannel), RespondedAt: storedInstant(r.RespondedAt), Companions: companions,
		Note: r.Note, SendState: domain.SendState(r.SendState), LastError: r.LastError, SentAt: storedInstant(r.SentAt),
		Deadline: storedInstant(r.Deadline), RSVPNonce: r.RSVPNonce, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}, nil
}

func invitationToRow(i *domain.Invitation) (*invitationRow, error) {
	companions, err := encodeNames(i.Companions)
	if err != nil {
		return nil, err
	}
	return &invitationRow{ID: i.ID, EventID: i.EventID, PersonID: i.PersonID, DelegationID: i.DelegationID,
		Email: i.Email, Language: i.Language, Response: string(i.Response), ResponseChannel: string(i.ResponseChannel),
		RespondedAt: storedInstant(i.RespondedAt), Companions: companions, Note: i.Note, SendState: string(i.SendState),
		LastError: i.LastError, SentAt: storedInstant(i.SentAt), Deadline: storedInstant(i.Deadline), RSVPNonce: i.RSVPNonce}, nil
}

// encodeNames and decodeNames keep a list of names as a JSON array in a TEXT column, the
// same on both dialects.
func encodeNames(names []string) (string, error) {
	if names == nil {
		names = []string{}
	}
	b, err := json.Marshal(names)
	if err != nil {
		return "", fmt.Errorf("encode names: %w", err)
	}
	return string(b), nil
}

func decodeNames(s string) ([]string, error) {
	names := []string{}
	if s == "" {
		return names, nil
	}
	if err := json.Unmarshal([]byte(s), &names); err != nil {
		return nil, err
	}
	return names, nil
}

// CreateInvitation inserts inv and sets its ID and times. lookup fills the unique
// rsvp_lookup column; since the real value depends on the id, the service passes a
// placeholder and calls SetInvitationRSVP in the same transaction.
func (q *Q) CreateInvitation(inv *domain.Invitation, lookup string) error {
	r, err := invitationToRow(inv)
	if err != nil {
		return err
	}
	r.RSVPLookup = lookup
	if err := q.db.Create(r).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return domain.Conflict("person_id", "person %d is already invited to this event", inv.PersonID)
		}
		return translate(err, "invitation")
	}
	inv.ID, inv.CreatedAt, inv.UpdatedAt = r.ID, r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return nil
}

// SetInvitationRSVP stores a new nonce and the hash that finds the invitation by its
// token. Changing the nonce is what revokes the previous link.
func (q *Q) SetInvitationRSVP(id int64, nonce, lookup string) error {
	res := q.db.Model(&invitationRow{ID: id}).Select("rsvp_nonce", "rsvp_lookup", "updated_at").
		Updates(&invitationRow{RSVPNonce: nonce, RSVPLookup: lookup})
	if res.Error != nil {
		return translate(res.Error, "invitation")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("invitation")
	}
	return nil
}

// GetInvitation reads one invitation.
func (q *Q) GetInvitation(id int64) (*domain.Invitation, error) {
	return q.invitationWhere(q.db, "id = ?", id)
}

// GetInvitationForUpdate reads one invitation and, on PostgreSQL, locks its row until the
// transaction ends, so that an officer's change and a guest's answer arriving together
// can not overwrite each other. SQLite needs no lock: it has one writer.
func (q *Q) GetInvitationForUpdate(id int64) (*domain.Invitation, error) {
	db := q.db
	if q.dialect == Postgres {
		db = db.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return q.invitationWhere(db, "id = ?", id)
}

// InvitationByRSVPLookup finds the invitation whose token hashes to lookup.
func (q *Q) InvitationByRSVPLookup(lookup string) (*domain.Invitation, error) {
	return q.invitationWhere(q.db, "rsvp_lookup = ?", lookup)
}

func (q *Q) invitationWhere(db *gorm.DB, cond string, arg any) (*domain.Invitation, error) {
	var r invitationRow
	if err := db.Where(cond, arg).First(&r).Error; err != nil {
		return nil, translate(err, "invitation")
	}
	return invitationFromRow(&r)
}

// UpdateInvitation writes the fields an officer or a guest's answer may change, and sets
// updated_at (read the row again to see it). The send state, its error and sent_at are
// left alone: they move only with sending.
func (q *Q) UpdateInvitation(inv *domain.Invitation) error {
	r, err := invitationToRow(inv)
	if err != nil {
		return err
	}
	res := q.db.Model(&invitationRow{ID: inv.ID}).
		Select("delegation_id", "email", "language", "response", "response_channel", "responded_at",
			"companions", "note", "deadline", "updated_at").
		Updates(r)
	if res.Error != nil {
		return translate(res.Error, "invitation")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("invitation")
	}
	return nil
}

// DeleteInvitation removes an invitation and its response history.
func (q *Q) DeleteInvitation(id int64) error {
	res := q.db.Delete(&invitationRow{}, id)
	if res.Error != nil {
		return translate(res.Error, "invitation")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("invitation")
	}
	return nil
}

// InvitationFilter narrows ListInvitations; zero values match everything.
type InvitationFilter struct {
	EventID   int64
	Response  domain.Response
	SendState domain.SendState
}

// ListInvitations returns one page in id order.
func (q *Q) ListInvitations(f InvitationFilter, p Page) ([]*domain.Invitation, string, error) {
	pq, err := q.idPage(p)
	if err != nil {
		return nil, "", err
	}
	db := pq.db
	if f.EventID != 0 {
		db = db.Where("event_id = ?", f.EventID)
	}
	if f.Response != "" {
		db = db.Where("response = ?", string(f.Response))
	}
	if f.SendState != "" {
		db = db.Where("send_state = ?", string(f.SendState))
	}
	var rows []invitationRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, "", translate(err, "invitations")
	}
	rows, next := trim(rows, p, func(r invitationRow) []int64 { return []int64{r.ID} })
	out, err := invitationsFromRows(rows)
	return out, next, err
}

// invitationsFromRows converts rows read in one query, in their order.
func invitationsFromRows(rows []invitationRow) ([]*domain.Invitation, error) {
	out := make([]*domain.Invitation, len(rows))
	for i := range rows {
		inv, err := invitationFromRow(&rows[i])
		if err != nil {
			return nil, err
		}
		out[i] = inv
	}
	return out, nil
}

// AddResponse appends a line to an invitation's answer history; call it in the
// transaction that changes the invitation's response.
func (q *Q) AddResponse(e *domain.ResponseEntry) error {
	companions, err := encodeNames(e.Companions)
	if err != nil {
		return err
	}
	r := &responseRow{InvitationID: e.InvitationID, Response: string(e.Response), Channel: string(e.Channel),
		Actor: e.Actor, Note: e.Note, Companions: companions, InboundMessageID: e.InboundMessageID, CreatedAt: e.CreatedAt}
	if err := q.db.Create(r).Error; err != nil {
		return translate(err, "response")
	}
	e.ID, e.CreatedAt = r.ID, r.CreatedAt.UTC()
	return nil
}

// ListResponses returns one page of an invitation's answer history, oldest first.
func (q *Q) ListResponses(invitationID int64, p Page) ([]*domain.ResponseEntry, string, error) {
	pq, err := q.idPage(p)
	if err != nil {
		return nil, "", err
	}
	var rows []responseRow
	if err := pq.db.Where("invitation_id = ?", invitationID).Find(&rows).Error; err != nil {
		return nil, "", translate(err, "responses")
	}
	rows, next := trim(rows, p, func(r responseRow) []int64 { return []int64{r.ID} })
	out := make([]*domain.ResponseEntry, len(rows))
	for i, r := range rows {
		companions, err := decodeNames(r.Companions)
		if err != nil {
			return nil, "", fmt.Errorf("response %d companions: %w", r.ID, err)
		}
		out[i] = &domain.ResponseEntry{ID: r.ID, InvitationID: r.InvitationID, Response: domain.Response(r.Response),
			Channel: domain.Channel(r.Channel), Actor: r.Actor, Note: r.Note, Companions: companions,
			InboundMessageID: r.InboundMessageID, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, next, nil
}
