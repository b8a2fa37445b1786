package service

import (
	"context"
	"strings"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// CreateOutcome records a result (an agreement signed, an award presented, a statement)
// against a session of the event. Its parties must be delegations of the same event.
func (s *Service) CreateOutcome(ctx context.Context, eventID, sessionID int64, o *domain.Outcome) error {
	o.Title, o.Reference = strings.TrimSpace(o.Title), strings.TrimSpace(o.Reference)
	if err := o.Validate(); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, id := range o.DelegationIDs {
		if seen[id] {
			return domain.Invalid("delegation_ids", "lists delegation %d twice", id)
		}
		seen[id] = true
	}
	return s.st.InTx(ctx, func(q *store.Q) error {
		if _, err := sessionOf(q, eventID, sessionID); err != nil {
			return err
		}
		o.ID, o.SessionID = 0, sessionID
		id, err := q.DelegationNotInEvent(eventID, o.DelegationIDs)
		if err != nil {
			return err
		}
		if id != 0 {
			return domain.Invalid("delegation_ids", "delegation %d is not a delegation of event %d", id, eventID)
		}
		if o.PersonID != nil {
			if err := requireExists(q, "person_id", "person", *o.PersonID); err != nil {
				return err
			}
		}
		if err := q.CreateOutcome(o); err != nil {
			return err
		}
		return s.audit(ctx, q, "create", "outcome", o.ID, nil, o)
	})
}

// Outcomes lists a session's outcomes in the order they were recorded.
func (s *Service) Outcomes(ctx context.Context, eventID, sessionID int64) ([]*domain.Outcome, error) {
	q := s.st.Q(ctx)
	if _, err := sessionOf(q, eventID, sessionID); err != nil {
		return nil, err
	}
	return q.ListOutcomes(sessionID)
}

// DeleteOutcome removes an outcome recorded in error; the audit trail keeps what it said.
func (s *Service) DeleteOutcome(ctx context.Context, eventID, sessionID, id int64) error {
	return s.st.InTx(ctx, func(q *store.Q) error {
		if _, err := sessionOf(q, eventID, sessionID); err != nil {
			return err
		}
		o, err := q.GetOutcome(id)
		if err != nil {
			return err
		}
		if o.SessionID != sessionID {
			return domain.NotFound("outcome")
		}
		if err := q.DeleteOutcome(id); err != nil {
			return err
		}
		return s.audit(ctx, q, "delete", "outcome", id, o, nil)
	})
}
