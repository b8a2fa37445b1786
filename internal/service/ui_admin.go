package service

import (
	"context"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// Reads and actions of the officer web UI's administration pages: the directory of
// people and organizations, their history across events, the audit log and accounts.

// Types of the history lists, the store's, named here so that handlers need not import
// the store.
type (
	EventRef               = store.EventRef
	PersonInvitation       = store.PersonInvitation
	OrganizationDelegation = store.OrganizationDelegation
)

// DirectoryPeople lists people whose name in any language, e-mail or organization
// matches search, with the organizations of those listed.
func (s *Service) DirectoryPeople(ctx context.Context, search string, p Page) ([]*domain.Person, map[int64]*domain.Organization, string, error) {
	q := s.st.Q(ctx)
	people, next, err := q.ListPeople(store.PersonFilter{Search: search, SearchOrganization: true}, p)
	if err != nil {
		return nil, nil, "", err
	}
	orgs, err := q.OrganizationsByID(personOrganizations(people))
	if err != nil {
		return nil, nil, "", err
	}
	return people, orgs, next, nil
}

// PersonInvitations is a person's history: every invitation across events, newest first.
func (s *Service) PersonInvitations(ctx context.Context, personID int64) ([]PersonInvitation, error) {
	return s.st.Q(ctx).PersonInvitations(personID)
}

// OrganizationHistory is what an organization did across events: the delegations it
// sent and the events it hosted, newest first.
func (s *Service) OrganizationHistory(ctx context.Context, orgID int64) ([]OrganizationDelegation, []EventRef, error) {
	q := s.st.Q(ctx)
	dels, err := q.OrganizationDelegations(orgID)
	if err != nil {
		return nil, nil, err
	}
	hosted, err := q.HostedEvents(orgID)
	if err != nil {
		return nil, nil, err
	}
	return dels, hosted, nil
}

// EventTitles names the listed events (for lists that refer to events by id).
func (s *Service) EventTitles(ctx context.Context, ids []int64) (map[int64]string, error) {
	return s.st.Q(ctx).EventTitles(ids)
}

// UserAccount reads one account, disabled or not (the admin's user page).
func (s *Service) UserAccount(ctx context.Context, id int64) (*domain.User, error) {
	return s.st.Q(ctx).GetUser(id)
}

// NewPassword generates a password as CreateUser does for an account created without
// one, for an admin resetting a password (shown once, never stored in clear).
func NewPassword() string { return randomString(18) }

// personOrganizations lists the distinct organizations of people.
func personOrganizations(people []*domain.Person) []int64 {
	seen := map[int64]bool{}
	var ids []int64
	for _, p := range people {
		if p.OrganizationID != nil && !seen[*p.OrganizationID] {
			seen[*p.OrganizationID] = true
			ids = append(ids, *p.OrganizationID)
		}
	}
	return ids
}
