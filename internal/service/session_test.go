package service_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// sessInsert runs an INSERT … RETURNING id with ? placeholders on either dialect.
func sessInsert(t *testing.T, st *store.Store, query string, args ...any) int64 {
	t.Helper()
	if st.Dialect == store.Postgres {
		n := 0
		out := []byte{}
		for i := 0; i < len(query); i++ {
			if query[i] == '?' {
				n++
				out = append(out, fmt.Sprintf("$%d", n)...)
				continue
			}
			out = append(out, query[i])
		}
		query = string(out)
	}
	var id int64
	if err := st.DB().QueryRow(query, args...).Scan(&id); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

// TestSessionBookingIsAtomic books the same room, and the same person in different
// rooms, from many requests at once: the conflict check and the insert share a
// transaction under the schedule lock, so exactly one booking of each wins, on both
// databases and whatever the interleaving.
func TestSessionBookingIsAtomic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := service.New(st, service.Options{UIDDomain: "attache.test"}, nil)
		now := time.Now().UTC()
		venue := sessInsert(t, st, `INSERT INTO venues (name, timezone, created_at, updated_at) VALUES ('Hall', 'Europe/Moscow', ?, ?) RETURNING id`, now, now)
		org := &domain.Organization{Name: "Prosecutor General's Office of the Russian Federation"}
		if err := svc.CreateOrganization(ctx, org); err != nil {
			t.Fatal(err)
		}
		ev, err := svc.CreateEvent(ctx, &domain.Event{Title: "Visit", Status: domain.StatusScheduled, VenueID: &venue,
			StartsAt: time.Date(2021, 1, 12, 8, 0, 0, 0, time.UTC), EndsAt: time.Date(2021, 1, 12, 16, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		person := sessInsert(t, st, `INSERT INTO people (full_name, created_at, updated_at) VALUES ('Igor Krasnov', ?, ?) RETURNING id`, now, now)
		delegation := sessInsert(t, st, `INSERT INTO delegations (event_id, organization_id, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
			ev.ID, org.ID, now, now)
		sessInsert(t, st, `INSERT INTO delegation_members (delegation_id, person_id, role) VALUES (?, ?, 'head') RETURNING delegation_id`, delegation, person)

		const n = 8
		rooms := make([]int64, n)
		for i := range rooms {
			rooms[i] = sessInsert(t, st, `INSERT INTO rooms (venue_id, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
				venue, fmt.Sprintf("Room %d", i), now, now)
		}
		book := func(i int, room int64, parties []int64) error {
			start := time.Date(2021, 1, 12, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
			_, err := svc.CreateSession(ctx, ev.ID, &domain.Session{Title: fmt.Sprintf("Meeting %d", i), RoomID: &room,
				StartsAt: start, EndsAt: start.Add(time.Hour), DelegationIDs: parties})
			return err
		}
		cases := []struct {
			name string
			room func(i int) int64
		}{
			{"one room", func(int) int64 { return rooms[0] }},
			{"one person, many rooms", func(i int) int64 { return rooms[i] }},
		}
		for k, c := range cases {
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var parties []int64
					if k == 1 {
						parties = []int64{delegation}
					}
					// The second case starts after the first case's hour, in fresh rooms.
					errs[i] = book(i+k*120, c.room(i), parties)
				}()
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, domain.ErrConflict):
					t.Fatalf("%s: %v", c.name, err)
				}
			}
			if won != 1 {
				t.Fatalf("%s: %d of %d concurrent bookings won, want exactly 1", c.name, won, n)
			}
		}
		sessions, err := svc.Sessions(ctx, ev.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(sessions) != 2 {
			t.Fatalf("%d sessions stored, want 2", len(sessions))
		}
	})
}
