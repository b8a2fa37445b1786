package store_test

import (
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// BenchmarkLoadEventAlone reads an event with its venue and host, as every single
// delivery to a guest who holds the event's invitation (an update, a cancellation) and
// every download of an invitation's .ics do, on both databases.
func BenchmarkLoadEventAlone(b *testing.B) {
	for _, d := range storetest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) {
			st := storetest.Open(b, d)
			start := time.Now().UTC().Truncate(time.Second).Add(48 * time.Hour)
			venue := &domain.Venue{Name: "Prosecutor General's Office", City: "Moscow", Timezone: "Europe/Moscow"}
			host := &domain.Organization{Name: "PGO RU"}
			ev := &domain.Event{Title: "Commemorative meeting", Kind: domain.KindCommemoration, Status: domain.StatusScheduled,
				Timezone: "Europe/Moscow", StartsAt: start, EndsAt: start.Add(2 * time.Hour), VenueID: &venue.ID}
			if err := st.InTx(b.Context(), func(q *store.Q) error {
				if err := q.CreateVenue(venue); err != nil {
					return err
				}
				if err := q.CreateOrganization(host); err != nil {
					return err
				}
				ev.HostOrganizationIDs = []int64{host.ID}
				return q.CreateEvent(ev)
			}); err != nil {
				b.Fatal(err)
			}
			q := st.Q(b.Context())
			b.ReportAllocs()
			for b.Loop() {
				fd, err := q.LoadEventAlone(ev.ID)
				if err != nil {
					b.Fatal(err)
				}
				if len(fd.Events) != 1 || len(fd.Hosts[ev.ID]) != 1 || fd.Venues[venue.ID] == nil {
					b.Fatalf("read %d events, hosts %v, venues %v", len(fd.Events), fd.Hosts, fd.Venues)
				}
			}
		})
	}
}
