package service

import (
	"context"
	"fmt"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// VenueFilter narrows Venues; it is the store's, named here so that handlers need not
// import the store.
type VenueFilter = store.VenueFilter

// CreateVenue validates and stores a new venue.
func (s *Service) CreateVenue(ctx context.Context, v *domain.Venue) error {
	v.Normalize()
	if err := v.Validate(); err != nil {
		return err
	}
	return s.st.InTx(ctx, func(q *store.Q) error {
		if err := q.CreateVenue(v); err != nil {
			return fmt.Errorf("create venue: %w", err)
		}
		return s.audit(ctx, q, "create", "venue", v.ID, nil, v)
	})
}

// Venue reads one venue.
func (s *Service) Venue(ctx context.Context, id int64) (*domain.Venue, error) {
	return s.st.Q(ctx).GetVenue(id)
}

// Venues lists venues.
func (s *Service) Venues(ctx context.Context, f VenueFilter, p store.Page) ([]*domain.Venue, string, error) {
	return s.st.Q(ctx).ListVenues(f, p)
}

// UpdateVenue applies a partial change to a venue.
func (s *Service) UpdateVenue(ctx context.Context, id int64, apply func(*domain.Venue) error) (*domain.Venue, error) {
	var out *domain.Venue
	err := s.st.InTx(ctx, func(q *store.Q) error {
		v, err := q.GetVenue(id)
		if err != nil {
			return err
		}
		before := *v
		if err := apply(v); err != nil {
			return err
		}
		v.ID = id
		v.Normalize()
		if err := v.Validate(); err != nil {
			return err
		}
		if err := q.UpdateVenue(v); err != nil {
			return fmt.Errorf("update venue %d: %w", id, err)
		}
		out = v
		return s.audit(ctx, q, "update", "venue", id, &before, v)
	})
	return out, err
}

// DeleteVenue removes a venue no event refers to, with its rooms. Each room's removal
// is audited too, since the cascade would otherwise leave no trace of it.
func (s *Service) DeleteVenue(ctx context.Context, id int64) error {
	return s.st.InTx(ctx, func(q *store.Q) error {
		v, err := q.GetVenue(id)
		if err != nil {
			return err
		}
		rooms, err := q.VenueRooms(id)
		if err != nil {
			return err
		}
		if err := q.DeleteVenue(id); err != nil {
			return fmt.Errorf("delete venue %d: %w", id, err)
		}
		for _, r := range rooms {
			if err := s.audit(ctx, q, "delete", "room", r.ID, r, nil); err != nil {
				return err
			}
		}
		return s.audit(ctx, q, "delete", "venue", id, v, nil)
	})
}

// CreateRoom adds a room to a venue; an unknown venue is not found, as the venue is
// part of the room's address.
func (s *Service) CreateRoom(ctx context.Context, venueID int64, r *domain.Room) error {
	r.VenueID = venueID
	if err := r.Validate(); err != nil {
		return err
	}
	return s.st.InTx(ctx, func(q *store.Q) error {
		if _, err := q.GetVenue(venueID); err != nil {
			return err
		}
		if err := q.CreateRoom(r); err != nil {
			return fmt.Errorf("create room: %w", err)
		}
		return s.audit(ctx, q, "create", "room", r.ID, nil, r)
	})
}

// Room reads a room of a venue; a room of another venue is not found, so that a URL
// names one room only.
func (s *Service) Room(ctx context.Context, venueID, id int64) (*domain.Room, error) {
	return roomOf(s.st.Q(ctx), venueID, id)
}

// Rooms lists a venue's rooms; an unknown venue is not found rather than an empty list.
func (s *Service) Rooms(ctx context.Context, venueID int64, p store.Page) ([]*domain.Room, string, error) {
	q := s.st.Q(ctx)
	if _, err := q.GetVenue(venueID); err != nil {
		return nil, "", err
	}
	return q.ListRooms(venueID, p)
}

// UpdateRoom applies a partial change to a room of a venue.
func (s *Service) UpdateRoom(ctx context.Context, venueID, id int64, apply func(*domain.Room) error) (*domain.Room, error) {
	var out *domain.Room
	err := s.st.InTx(ctx, func(q *store.Q) error {
		r, err := roomOf(q, venueID, id)
		if err != nil {
			return err
		}
		before := *r
		if err := apply(r); err != nil {
			return err
		}
		r.ID, r.VenueID = id, venueID
		if err := r.Validate(); err != nil {
			return err
		}
		if err := q.UpdateRoom(r); err != nil {
			return fmt.Errorf("update room %d: %w", id, err)
		}
		out = r
		return s.audit(ctx, q, "update", "room", id, &before, r)
	})
	return out, err
}

// DeleteRoom removes a room of a venue that no session uses.
func (s *Service) DeleteRoom(ctx context.Context, venueID, id int64) error {
	return s.st.InTx(ctx, func(q *store.Q) error {
		r, err := roomOf(q, venueID, id)
		if err != nil {
			return err
		}
		if err := q.DeleteRoom(id); err != nil {
			return fmt.Errorf("delete room %d: %w", id, err)
		}
		return s.audit(ctx, q, "delete", "room", id, r, nil)
	})
}

func roomOf(q *store.Q, venueID, id int64) (*domain.Room, error) {
	r, err := q.GetRoom(id)
	if err != nil {
		return nil, err
	}
	if r.VenueID != venueID {
		return nil, domain.NotFound("room")
	}
	return r, nil
}
