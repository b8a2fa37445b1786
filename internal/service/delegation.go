package service

import (
	"context"
	"slices"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// CreateDelegation validates and stores a new delegation with its members. The head is
// added to the members when the caller left them out (domain Normalize).
func (s *Service) CreateDelegation(ctx context.Context, d *domain.Delegation) error {
	d.Normalize()
	if err := d.Validate(); err != nil {
		return err
	}
	return s.st.InTx(ctx, func(q *store.Q) error {
		if err := eventMustExist(q, d.EventID); err != nil {
			return err
		}
		if err := delegationRefsExist(q, d); err != nil {
			return err
		}
		if err := q.CreateDelegation(d); err != nil {
			return err
		}
		return s.audit(ctx, q, "create", "delegation", d.ID, nil, d)
	})
}

// Delegation reads one delegation of an event; one of another event is not found, so
// that a URL can not mix an event with another event's delegation.
func (s *Service) Delegation(ctx context.Context, eventID, id int64) (*domain.Delegation, error) {
	return delegationOf(s.st.Q(ctx), eventID, id)
}

// Delegations lists an event's delegations in order of precedence.
func (s *Service) Delegations(ctx context.Context, eventID int64) ([]*domain.Delegation, error) {
	q := s.st.Q(ctx)
	if err := eventMustExist(q, eventID); err != nil {
		return nil, err
	}
	return q.ListDelegations(eventID)
}

// UpdateDelegation applies a partial change. Members are replaced as a set when apply
// sets them; when only the head changes, the former head stays on as a member and the
// new one takes the role head, so that an officer need not resend the list.
func (s *Service) UpdateDelegation(ctx context.Context, eventID, id int64, apply func(*domain.Delegation) error) (*domain.Delegation, error) {
	var out *domain.Delegation
	err := s.st.InTx(ctx, func(q *store.Q) error {
		d, err := delegationOf(q, eventID, id)
		if err != nil {
			return err
		}
		before := *d
		before.Members = slices.Clone(d.Members)
		if err := apply(d); err != nil {
			return err
		}
		d.ID, d.EventID = id, eventID
		moveHead(&before, d)
		d.Normalize()
		if err := d.Validate(); err != nil {
			return err
		}
		if err := delegationRefsExist(q, d); err != nil {
			return err
		}
		if err := q.UpdateDelegation(d); err != nil {
			return err
		}
		out = d
		return s.audit(ctx, q, "update", "delegation", id, &before, d)
	})
	return out, err
}

// DeleteDelegation removes a delegation of an event. Invitations made for it remain,
// without the delegation.
func (s *Service) DeleteDelegation(ctx context.Context, eventID, id int64) error {
	return s.st.InTx(ctx, func(q *store.Q) error {
		d, err := delegationOf(q, eventID, id)
		if err != nil {
			return err
		}
		if err := q.DeleteDelegation(id); err != nil {
			return err
		}
		return s.audit(ctx, q, "delete", "delegation", id, d, nil)
	})
}

// delegationOf reads a delegation and checks that it belongs to the event.
func delegationOf(q *store.Q, eventID, id int64) (*domain.Delegation, error) {
	d, err := q.GetDelegation(id)
	if err != nil {
		return nil, err
	}
	if d.EventID != eventID {
		return nil, domain.NotFound("delegation")
	}
	return d, nil
}

// eventMustExist makes a missing event in the URL a 404 rather than a foreign-key error.
func eventMustExist(q *store.Q, eventID int64) error {
	id, err := q.Missing("event", eventID)
	if err != nil {
		return err
	}
	if id != 0 {
		return domain.NotFound("event")
	}
	return nil
}

// delegationRefsExist turns a missing organization or person into a 422 naming the field.
func delegationRefsExist(q *store.Q, d *domain.Delegation) error {
	if err := requireExists(q, "organization_id", "organization", d.OrganizationID); err != nil {
		return err
	}
	if d.HeadPersonID != nil {
		if err := requireExists(q, "head_person_id", "person", *d.HeadPersonID); err != nil {
			return err
		}
	}
	ids := make([]int64, len(d.Members))
	for i, m := range d.Members {
		ids[i] = m.PersonID
	}
	return requireExists(q, "members", "person", ids...)
}

// moveHead keeps the roles consistent when a change names a new head but leaves the
// member list as it was: the former head becomes a member, the new head (if listed)
// becomes head. Without it the old head would still carry the role head and the change
// would be refused.
func moveHead(before, d *domain.Delegation) {
	if sameHead(before.HeadPersonID, d.HeadPersonID) || !slices.Equal(before.Members, d.Members) {
		return
	}
	members := slices.Clone(d.Members)
	for i := range members {
		if members[i].Role == domain.RoleHead {
			members[i].Role = domain.RoleMember
		}
		if d.HeadPersonID != nil && members[i].PersonID == *d.HeadPersonID {
			members[i].Role = domain.RoleHead
		}
	}
	d.Members = members
}

func sameHead(a, b *int64) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}
