package service

import (
	"context"
	"fmt"
	"maps"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// PersonFilter narrows People; it is the store's, named here so that handlers need not
// import the store (the front layer reaches it only through the service).
type PersonFilter = store.PersonFilter

// CreatePerson validates and stores a new person with their localized names.
func (s *Service) CreatePerson(ctx context.Context, p *domain.Person) error {
	p.Normalize()
	if err := p.Validate(); err != nil {
		return err
	}
	return s.st.InTx(ctx, func(q *store.Q) error {
		if err := requirePersonOrganization(q, p); err != nil {
			return err
		}
		if err := q.CreatePerson(p); err != nil {
			return fmt.Errorf("create person: %w", err)
		}
		return s.audit(ctx, q, "create", "person", p.ID, nil, p)
	})
}

// Person reads one person with their localized names.
func (s *Service) Person(ctx context.Context, id int64) (*domain.Person, error) {
	return s.st.Q(ctx).GetPerson(id)
}

// People lists people, names loaded.
func (s *Service) People(ctx context.Context, f PersonFilter, p store.Page) ([]*domain.Person, string, error) {
	return s.st.Q(ctx).ListPeople(f, p)
}

// UpdatePerson applies a partial change to a person. When apply sets Names, the stored
// names are replaced as a whole, in the same transaction as the rest.
func (s *Service) UpdatePerson(ctx context.Context, id int64, apply func(*domain.Person) error) (*domain.Person, error) {
	var out *domain.Person
	err := s.st.InTx(ctx, func(q *store.Q) error {
		p, err := q.GetPerson(id)
		if err != nil {
			return err
		}
		before := *p
		before.Names = maps.Clone(p.Names)
		if err := apply(p); err != nil {
			return err
		}
		p.ID = id
		p.Normalize()
		if err := p.Validate(); err != nil {
			return err
		}
		if err := requirePersonOrganization(q, p); err != nil {
			return err
		}
		if err := q.UpdatePerson(p); err != nil {
			return fmt.Errorf("update person %d: %w", id, err)
		}
		out = p
		return s.audit(ctx, q, "update", "person", id, &before, p)
	})
	return out, err
}

// DeletePerson removes a person who is in no delegation and has no invitation; one who
// is gets a conflict, since their history must stay readable.
func (s *Service) DeletePerson(ctx context.Context, id int64) error {
	return s.st.InTx(ctx, func(q *store.Q) error {
		p, err := q.GetPerson(id)
		if err != nil {
			return err
		}
		if err := q.DeletePerson(id); err != nil {
			return fmt.Errorf("delete person %d: %w", id, err)
		}
		return s.audit(ctx, q, "delete", "person", id, p, nil)
	})
}

// requirePersonOrganization makes an unknown organization_id a 422 naming the field
// instead of a foreign-key error.
func requirePersonOrganization(q *store.Q, p *domain.Person) error {
	if p.OrganizationID == nil {
		return nil
	}
	return requireExists(q, "organization_id", "organization", *p.OrganizationID)
}
