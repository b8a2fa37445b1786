package service

import (
	"context"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// VenueWithRooms is a venue and its rooms; it is the store's, named here so that
// handlers need not import the store.
type VenueWithRooms = store.VenueWithRooms

// ChoiceOrganizations lists organizations by name for the officer forms' selects.
func (s *Service) ChoiceOrganizations(ctx context.Context) ([]*domain.Organization, error) {
	return s.st.Q(ctx).ChoiceOrganizations()
}

// ChoicePeople lists people by name (without localized names) for the officer forms:
// everyone, or one organization's people plus the extra ones named (current members).
func (s *Service) ChoicePeople(ctx context.Context, orgID *int64, extra []int64) ([]*domain.Person, error) {
	return s.st.Q(ctx).ChoicePeople(orgID, extra)
}

// ChoiceVenues lists venues by name with their rooms, for the venues page and the
// forms' venue and room selects.
func (s *Service) ChoiceVenues(ctx context.Context, search string) ([]VenueWithRooms, error) {
	return s.st.Q(ctx).ChoiceVenues(search)
}
