package service

import (
	"context"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// CreateOrganization validates and stores a new organization.
func (s *Service) CreateOrganization(ctx context.Context, o *domain.Organization) error {
	o.Normalize()
	if err := o.Validate(); err != nil {
		return err
	}
	return s.st.InTx(ctx, func(q *store.Q) error {
		if err := q.CreateOrganization(o); err != nil {
			return err
		}
		return s.audit(ctx, q, "create", "organization", o.ID, nil, o)
	})
}

// Organization reads one organization.
func (s *Service) Organization(ctx context.Context, id int64) (*domain.Organization, error) {
	return s.st.Q(ctx).GetOrganization(id)
}

// Organizations lists organizations.
func (s *Service) Organizations(ctx context.Context, f store.OrganizationFilter, p store.Page) ([]*domain.Organization, string, error) {
	return s.st.Q(ctx).ListOrganizations(f, p)
}

// UpdateOrganization applies a partial change to an organization.
func (s *Service) UpdateOrganization(ctx context.Context, id int64, apply func(*domain.Organization) error) (*domain.Organization, error) {
	var out *domain.Organization
	err := s.st.InTx(ctx, func(q *store.Q) error {
		o, err := q.GetOrganization(id)
		if err != nil {
			return err
		}
		before := *o
		if err := apply(o); err != nil {
			return err
		}
		o.ID = id
		o.Normalize()
		if err := o.Validate(); err != nil {
			return err
		}
		if err := q.UpdateOrganization(o); err != nil {
			return err
		}
		out = o
		return s.audit(ctx, q, "update", "organization", id, &before, o)
	})
	return out, err
}

// DeleteOrganization removes an organization no person, event or delegation refers to.
func (s *Service) DeleteOrganization(ctx context.Context, id int64) error {
	return s.st.InTx(ctx, func(q *store.Q) error {
		o, err := q.GetOrganization(id)
		if err != nil {
			return err
		}
		if err := q.DeleteOrganization(id); err != nil {
			return err
		}
		return s.audit(ctx, q, "delete", "organization", id, o, nil)
	})
}
