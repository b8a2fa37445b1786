package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	attachehttp "github.com/attache-app/attache/internal/http"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// The feed benchmarks use an event the size of a large conference: 200 sessions in 4
// rooms, 8 delegations (each session has 2 as parties) and 2,000 invited people spread
// over the delegations. Run with
//
//	go test -run x -bench Feed -benchmem ./internal/http/
//
// (and ATTACHE_TEST_POSTGRES_URL set for PostgreSQL). queries/op counts every query the
// request makes through the store.

const (
	benchSessions    = 200
	benchInvitations = 2000
	benchDelegations = 8
)

// benchFeed is a loaded database with an event-scope and a person-scope link.
type benchFeed struct {
	st      *store.Store
	svc     *service.Service
	handler http.Handler
	event   string // token of the event's feed
	person  string // token of a guest's feed
}

func newBenchFeed(b *testing.B, d store.Dialect) *benchFeed {
	b.Helper()
	st := storetest.Open(b, d)
	svc := service.New(st, service.Options{SecretKey: []byte("bench-secret-key-0123456789abcdef0123456789"),
		BaseURL: "https://attache.test", UIDDomain: "attache.test"}, nil)
	bf := &benchFeed{st: st, svc: svc, handler: attachehttp.New(svc, attachehttp.Options{}).Echo}
	event, guest := benchLoad(b, st)
	ctx := context.Background()
	for _, p := range []struct {
		dst    *string
		params service.FeedTokenParams
	}{
		{&bf.event, service.FeedTokenParams{Scope: service.FeedEvent, EventID: &event}},
		{&bf.person, service.FeedTokenParams{Scope: service.FeedPerson, PersonID: &guest}},
	} {
		t, err := svc.CreateFeedToken(ctx, p.params)
		if err != nil {
			b.Fatal(err)
		}
		*p.dst = t.Token
	}
	return bf
}

// benchLoad writes the event in one transaction with plain SQL, and returns its id and
// the id of a guest who heads the first delegation.
func benchLoad(b *testing.B, st *store.Store) (event, guest int64) {
	b.Helper()
	tx, err := st.DB().Begin()
	if err != nil {
		b.Fatal(err)
	}
	rebind := func(q string) string {
		if st.Dialect != store.Postgres {
			return q
		}
		var sb strings.Builder
		n := 0
		for _, r := range q {
			if r == '?' {
				n++
				sb.WriteString("$" + strconv.Itoa(n))
				continue
			}
			sb.WriteRune(r)
		}
		return sb.String()
	}
	insert := func(q string, args ...any) int64 {
		var id int64
		if err := tx.QueryRow(rebind(q), args...).Scan(&id); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
		return id
	}
	exec := func(q string, args ...any) {
		if _, err := tx.Exec(rebind(q), args...); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	now := time.Now().UTC()
	start := time.Date(2021, 7, 5, 6, 0, 0, 0, time.UTC)
	venue := insert(`INSERT INTO venues (name, city, timezone, created_at, updated_at) VALUES ('Tauride Palace', 'St. Petersburg', 'Europe/Moscow', ?, ?) RETURNING id`, now, now)
	var rooms []int64
	for i := 0; i < 4; i++ {
		rooms = append(rooms, insert(`INSERT INTO rooms (venue_id, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`, venue, fmt.Sprint("Hall ", i+1), now, now))
	}
	host := insert(`INSERT INTO organizations (name, created_at, updated_at) VALUES ('Prosecutor General''s Office of the Russian Federation', ?, ?) RETURNING id`, now, now)
	event = insert(`INSERT INTO events (uid, title, kind, status, timezone, starts_at, ends_at, venue_id, created_at, updated_at)
		VALUES ('bench-conference@attache.test', 'Conference of heads of prosecution services of European states', 'conference', 'scheduled',
		'Europe/Moscow', ?, ?, ?, ?, ?) RETURNING id`, start, start.Add(72*time.Hour), venue, now, now)
	exec(`INSERT INTO event_hosts (event_id, organization_id, position) VALUES (?, ?, 0)`, event, host)
	var delegations []int64
	for i := 0; i < benchDelegations; i++ {
		org := insert(`INSERT INTO organizations (name, created_at, updated_at) VALUES (?, ?, ?) RETURNING id`, fmt.Sprint("Prosecution service ", i+1), now, now)
		delegations = append(delegations, insert(`INSERT INTO delegations (event_id, organization_id, precedence, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			event, org, i, now, now))
	}
	for i := 0; i < benchInvitations; i++ {
		d := delegations[i%benchDelegations]
		p := insert(`INSERT INTO people (full_name, email, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
			fmt.Sprint("Guest ", i), fmt.Sprintf("guest%d@bench.test", i), now, now)
		if i == 0 {
			guest = p
		}
		exec(`INSERT INTO delegation_members (delegation_id, person_id, role, position) VALUES (?, ?, 'member', ?)`, d, p, i)
		exec(`INSERT INTO invitations (event_id, person_id, delegation_id, email, language, response, rsvp_nonce, rsvp_lookup, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'en', 'accepted', 'nonce', ?, ?, ?)`, event, p, d, fmt.Sprintf("guest%d@bench.test", i), fmt.Sprint("bench-", i), now, now)
	}
	for i := 0; i < benchSessions; i++ {
		at := start.Add(time.Duration(i/4) * time.Hour)
		s := insert(`INSERT INTO sessions (uid, event_id, title, kind, status, room_id, starts_at, ends_at, agenda, created_at, updated_at)
			VALUES (?, ?, ?, 'bilateral', 'scheduled', ?, ?, ?, 'Cooperation in combating transnational crime', ?, ?) RETURNING id`,
			fmt.Sprintf("bench-session-%d@attache.test", i), event, fmt.Sprint("Bilateral meeting ", i), rooms[i%4], at, at.Add(50*time.Minute), now, now)
		exec(`INSERT INTO session_parties (session_id, delegation_id) VALUES (?, ?), (?, ?)`,
			s, delegations[i%benchDelegations], s, delegations[(i+1+(i/benchDelegations)%(benchDelegations-1))%benchDelegations])
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return event, guest
}

// eachBenchDialect runs fn per test dialect with a loaded database.
func eachBenchDialect(b *testing.B, fn func(b *testing.B, bf *benchFeed)) {
	for _, d := range storetest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) { fn(b, newBenchFeed(b, d)) })
	}
}

// BenchmarkFeedBuild resolves a link and builds its feed (service only, no HTTP).
func BenchmarkFeedBuild(b *testing.B) {
	eachBenchDialect(b, func(b *testing.B, bf *benchFeed) {
		ctx := context.Background()
		for _, c := range []struct{ name, token string }{{"event", bf.event}, {"person", bf.person}} {
			b.Run(c.name, func(b *testing.B) {
				n := fdCounter(b, bf.st)
				size := 0
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					f, err := bf.svc.OpenFeed(ctx, c.token)
					if err != nil {
						b.Fatal(err)
					}
					body, _, err := bf.svc.BuildFeed(ctx, f)
					if err != nil {
						b.Fatal(err)
					}
					size = len(body)
				}
				b.StopTimer()
				b.ReportMetric(float64(n.Load())/float64(b.N), "queries/op")
				b.ReportMetric(float64(size), "bytes/feed")
				benchUnregister(b, bf.st)
			})
		}
	})
}

// BenchmarkFeedServe is GET /feeds/{token}.ics through the echo stack, warm: 304 for a
// client holding the current ETag, 200 for one without.
func BenchmarkFeedServe(b *testing.B) {
	eachBenchDialect(b, func(b *testing.B, bf *benchFeed) {
		path := "/feeds/" + bf.event + ".ics"
		client := 0
		get := func(etag string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			// A new address per request keeps the per-address limit (100 a minute) out
			// of the measurement's way; its own cost stays in.
			client++
			req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:40000", client>>16&255, client>>8&255, client&255)
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			rec := httptest.NewRecorder()
			bf.handler.ServeHTTP(rec, req)
			return rec
		}
		warm := get("")
		if warm.Code != http.StatusOK {
			b.Fatalf("status %d: %s", warm.Code, warm.Body)
		}
		etag := warm.Header().Get("ETag")
		for _, c := range []struct {
			name   string
			etag   string
			status int
		}{{"304", etag, http.StatusNotModified}, {"200", "", http.StatusOK}} {
			b.Run(c.name, func(b *testing.B) {
				n := fdCounter(b, bf.st)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if rec := get(c.etag); rec.Code != c.status {
						b.Fatalf("status %d, want %d", rec.Code, c.status)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(n.Load())/float64(b.N), "queries/op")
				benchUnregister(b, bf.st)
			})
		}
	})
}

// benchUnregister removes fdCounter's callbacks, so the next sub-benchmark can add its own.
func benchUnregister(b *testing.B, st *store.Store) {
	b.Helper()
	for _, db := range fdHandles(st) {
		if err := db.Callback().Query().Remove("feeds:count_query"); err != nil {
			b.Fatal(err)
		}
		if err := db.Callback().Row().Remove("feeds:count_row"); err != nil {
			b.Fatal(err)
		}
	}
}
