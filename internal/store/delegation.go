package store

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/attache-app/attache/internal/domain"
)

func delegationFromRow(r *delegationRow) *domain.Delegation {
	return &domain.Delegation{ID: r.ID, EventID: r.EventID, OrganizationID: r.OrganizationID, HeadPersonID: r.HeadPersonID,
		Members: []domain.DelegationMember{}, SizeLimit: r.SizeLimit, ArrivalAt: storedInstant(r.ArrivalAt), DepartureAt: storedInstant(r.DepartureAt),
		Accommodation: r.Accommodation, LiaisonOfficer: r.LiaisonOfficer, Precedence: r.Precedence}
}

func delegationToRow(d *domain.Delegation) *delegationRow {
	return &delegationRow{ID: d.ID, EventID: d.EventID, OrganizationID: d.OrganizationID, HeadPersonID: d.HeadPersonID,
		SizeLimit: d.SizeLimit, ArrivalAt: storedInstant(d.ArrivalAt), DepartureAt: storedInstant(d.DepartureAt),
		Accommodation: d.Accommodation, LiaisonOfficer: d.LiaisonOfficer, Precedence: d.Precedence}
}

// storedInstant copies an instant in UTC, both ways: SQLite compares stored times as text,
// so an offset would sort wrongly, and PostgreSQL reads them back in the process's zone.
func storedInstant(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// translateDelegation names the one unique rule a delegation can break, so the client
// learns which field to change.
func translateDelegation(err error) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return domain.Conflict("organization_id", "this organization already has a delegation at this event")
	}
	return translate(err, "delegation")
}

// CreateDelegation inserts d with its members and sets its ID. Call it inside InTx so
// that the delegation and its members commit together.
func (q *Q) CreateDelegation(d *domain.Delegation) error {
	r := delegationToRow(d)
	if err := q.db.Create(r).Error; err != nil {
		return translateDelegation(err)
	}
	d.ID = r.ID
	return q.insertMembers(d.ID, d.Members)
}

// GetDelegation reads one delegation with its members in their listed order.
func (q *Q) GetDelegation(id int64) (*domain.Delegation, error) {
	var r delegationRow
	if err := q.db.First(&r, id).Error; err != nil {
		return nil, translate(err, "delegation")
	}
	d := delegationFromRow(&r)
	if err := q.loadMembers([]*domain.Delegation{d}); err != nil {
		return nil, err
	}
	return d, nil
}

// UpdateDelegation writes every field of d and replaces its members as a set. Call it
// inside InTx: the members are deleted and inserted again.
func (q *Q) UpdateDelegation(d *domain.Delegation) error {
	res := q.db.Model(&delegationRow{ID: d.ID}).
		Select("organization_id", "head_person_id", "size_limit", "arrival_at", "departure_at",
			"accommodation", "liaison_officer", "precedence", "updated_at").
		Updates(delegationToRow(d))
	if res.Error != nil {
		return translateDelegation(res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("delegation")
	}
	if err := q.db.Where("delegation_id = ?", d.ID).Delete(&delegationMemberRow{}).Error; err != nil {
		return translate(err, "delegation members")
	}
	return q.insertMembers(d.ID, d.Members)
}

// DeleteDelegation removes a delegation; its members and session parties go with it and
// invitations made for it stay, without the delegation (the schema's ON DELETE rules).
func (q *Q) DeleteDelegation(id int64) error {
	res := q.db.Delete(&delegationRow{}, id)
	if res.Error != nil {
		return translate(res.Error, "delegation")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("delegation")
	}
	return nil
}

// ListDelegations returns every delegation of an event in order of precedence, then id.
// An event has one delegation per organization, so the list is bounded by the guests an
// office can host and is not paginated. Members come in one query for the whole list.
func (q *Q) ListDelegations(eventID int64) ([]*domain.Delegation, error) {
	var rows []delegationRow
	if err := q.db.Where("event_id = ?", eventID).Order("precedence, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "delegations")
	}
	out := make([]*domain.Delegation, len(rows))
	for i := range rows {
		out[i] = delegationFromRow(&rows[i])
	}
	if err := q.loadMembers(out); err != nil {
		return nil, err
	}
	return out, nil
}

func (q *Q) insertMembers(delegationID int64, members []domain.DelegationMember) error {
	if len(members) == 0 {
		return nil
	}
	rows := make([]delegationMemberRow, len(members))
	for i, m := range members {
		rows[i] = delegationMemberRow{DelegationID: delegationID, PersonID: m.PersonID, Role: string(m.Role), Position: i}
	}
	if err := q.db.Create(&rows).Error; err != nil {
		return translate(err, "delegation member")
	}
	return nil
}

// loadMembers fills the members of ds with one query, however many delegations there are.
func (q *Q) loadMembers(ds []*domain.Delegation) error {
	if len(ds) == 0 {
		return nil
	}
	byID := make(map[int64]*domain.Delegation, len(ds))
	ids := make([]int64, len(ds))
	for i, d := range ds {
		byID[d.ID], ids[i] = d, d.ID
	}
	var rows []delegationMemberRow
	if err := q.db.Where("delegation_id IN ?", ids).Order("delegation_id, position, person_id").Find(&rows).Error; err != nil {
		return fmt.Errorf("load delegation members: %w", err)
	}
	for _, r := range rows {
		d := byID[r.DelegationID]
		d.Members = append(d.Members, domain.DelegationMember{PersonID: r.PersonID, Role: domain.MemberRole(r.Role)})
	}
	return nil
}
