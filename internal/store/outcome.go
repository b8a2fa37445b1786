package store

import (
	"github.com/attache-app/attache/internal/domain"
)

func outcomeFromRow(r *outcomeRow) *domain.Outcome {
	return &domain.Outcome{ID: r.ID, SessionID: r.SessionID, Kind: domain.OutcomeKind(r.Kind), Title: r.Title,
		Reference: r.Reference, PersonID: r.PersonID, DelegationIDs: []int64{}}
}

// CreateOutcome inserts o with its parties and sets its ID.
func (q *Q) CreateOutcome(o *domain.Outcome) error {
	r := &outcomeRow{SessionID: o.SessionID, Kind: string(o.Kind), Title: o.Title, Reference: o.Reference, PersonID: o.PersonID}
	if err := q.db.Create(r).Error; err != nil {
		return translate(err, "outcome")
	}
	o.ID = r.ID
	if len(o.DelegationIDs) == 0 {
		return nil
	}
	rows := make([]outcomePartyRow, len(o.DelegationIDs))
	for i, id := range o.DelegationIDs {
		rows[i] = outcomePartyRow{OutcomeID: o.ID, DelegationID: id}
	}
	if err := q.db.Create(&rows).Error; err != nil {
		return translate(err, "outcome parties")
	}
	return nil
}

// GetOutcome reads one outcome with its parties.
func (q *Q) GetOutcome(id int64) (*domain.Outcome, error) {
	var r outcomeRow
	if err := q.db.First(&r, id).Error; err != nil {
		return nil, translate(err, "outcome")
	}
	o := outcomeFromRow(&r)
	if err := q.db.Model(&outcomePartyRow{}).Where("outcome_id = ?", id).Order("delegation_id").
		Pluck("delegation_id", &o.DelegationIDs).Error; err != nil {
		return nil, translate(err, "outcome parties")
	}
	return o, nil
}

// ListOutcomes returns a session's outcomes in the order they were recorded, with their
// parties, in two queries.
func (q *Q) ListOutcomes(sessionID int64) ([]*domain.Outcome, error) {
	var rows []outcomeRow
	if err := q.db.Where("session_id = ?", sessionID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "outcomes")
	}
	out := make([]*domain.Outcome, len(rows))
	byID := make(map[int64]*domain.Outcome, len(rows))
	ids := make([]int64, len(rows))
	for i := range rows {
		out[i] = outcomeFromRow(&rows[i])
		byID[rows[i].ID], ids[i] = out[i], rows[i].ID
	}
	if len(ids) == 0 {
		return out, nil
	}
	var parties []outcomePartyRow
	if err := q.db.Where("outcome_id IN ?", ids).Order("outcome_id").Order("delegation_id").Find(&parties).Error; err != nil {
		return nil, translate(err, "outcome parties")
	}
	for _, p := range parties {
		o := byID[p.OutcomeID]
		o.DelegationIDs = append(o.DelegationIDs, p.DelegationID)
	}
	return out, nil
}

// DeleteOutcome removes an outcome recorded in error.
func (q *Q) DeleteOutcome(id int64) error {
	res := q.db.Delete(&outcomeRow{}, id)
	if res.Error != nil {
		return translate(res.Error, "outcome")
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("outcome")
	}
	return nil
}
