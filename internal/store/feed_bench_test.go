package store_test

import (
	"testing"
	"time"

	"github.com/attache-app/attache/internal/store/storetest"
)

// BenchmarkLoadEventAlone reads an event with its venue and host, as every single
// delivery to a guest who holds the event's invitation (an update, a cancellation) and
// every download of an invitation's .ics do, on both databases.
func BenchmarkLoadEventAlone(b *testing.B) {
	for _, d := range storetest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) {
			st := storetest.Open(b, d)
			db := st.Gorm()
			now := time.Now().UTC().Truncate(time.Second)
			var venueID, orgID, eventID int64
			must := func(err error) {
				b.Helper()
				if err != nil {
					b.Fatal(err)
				}
			}
			must(db.Raw(`INSERT INTO venues (name, city, timezone, created_at, updated_at)
				VALUES ('Prosecutor General''s Office', 'Moscow', 'Europe/Moscow', ?, ?) RETURNING id`, now, now).Scan(&venueID).Error)
			must(db.Raw(`INSERT INTO organizations (name, created_at, updated_at) VALUES ('PGO RU', ?, ?) RETURNING id`, now, now).Scan(&orgID).Error)
			must(db.Raw(`INSERT INTO events (uid, title, kind, status, timezone, starts_at, ends_at, sequence, venue_id, created_at, updated_at)
				VALUES ('alone@attache.test', 'Commemorative meeting', 'commemoration', 'scheduled', 'Europe/Moscow', ?, ?, 2, ?, ?, ?)
				RETURNING id`, now.Add(48*time.Hour), now.Add(50*time.Hour), venueID, now, now).Scan(&eventID).Error)
			must(db.Exec(`INSERT INTO event_hosts (event_id, organization_id, position) VALUES (?, ?, 0)`, eventID, orgID).Error)
			q := st.Q(b.Context())
			b.ReportAllocs()
			for b.Loop() {
				fd, err := q.LoadEventAlone(eventID)
				if err != nil {
					b.Fatal(err)
				}
				if len(fd.Events) != 1 || len(fd.Hosts[eventID]) != 1 || fd.Venues[venueID] == nil {
					b.Fatalf("read %d events, hosts %v, venues %v", len(fd.Events), fd.Hosts, fd.Venues)
				}
			}
		})
	}
}
