package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// TestDemoScenario loads the reference scenario twice and checks it against the news
// report: dates, ordinals, programme, delegations, answers and outcomes; and that the
// second load changes nothing.
func TestDemoScenario(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
		svc := service.New(st, service.Options{SecretKey: []byte("demo-test-secret-0123456789abcdef012345"),
			BaseURL: "https://attache.test", UIDDomain: "attache.test", Now: func() time.Time { return now }}, nil)
		ctx := service.WithActor(context.Background(), service.Actor{Name: "attache demo"})
		first, err := svc.LoadDemo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(first, "0 already present") {
			t.Fatalf("first load: %s", first)
		}
		audits := countAudit(t, svc)
		second, err := svc.LoadDemo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(second, " 0 records created") {
			t.Fatalf("second load created records: %s", second)
		}
		if n := countAudit(t, svc); n != audits {
			t.Fatalf("second load wrote %d audit entries", n-audits)
		}

		events, _, err := svc.Events(ctx, service.EventFilter{}, store.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 4 {
			t.Fatalf("%d events, want 4 (299th, St. Petersburg, 300th, next)", len(events))
		}
		byOrdinal := map[int]*domain.Event{}
		var conference *domain.Event
		for _, e := range events {
			if e.Ordinal != nil {
				byOrdinal[*e.Ordinal] = e
			} else {
				conference = e
			}
		}
		moscow, _ := time.LoadLocation("Europe/Moscow")
		e299 := byOrdinal[299]
		if e299 == nil || e299.StartsAt.In(moscow).Format("2006-01-02") != "2021-01-12" || e299.Status != domain.StatusCompleted {
			t.Fatalf("299th anniversary event = %+v", e299)
		}
		if e300 := byOrdinal[300]; e300 == nil || e300.StartsAt.In(moscow).Format("2006-01-02") != "2022-01-12" {
			t.Fatalf("300th anniversary event = %+v", e300)
		}
		next := byOrdinal[305]
		if next == nil || next.Status != domain.StatusDraft || !next.StartsAt.After(now) {
			t.Fatalf("next occurrence (305th, 12 January 2027) = %+v", next)
		}
		if conference == nil || len(conference.HostOrganizationIDs) != 2 || conference.StartsAt.In(moscow).Format("2006-01") != "2021-07" {
			t.Fatalf("St. Petersburg conference = %+v", conference)
		}

		sessions, err := svc.Sessions(ctx, e299.ID)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[domain.SessionKind]int{}
		for _, s := range sessions {
			kinds[s.Kind]++
		}
		if kinds[domain.SessionBilateral] != 2 || kinds[domain.SessionTrilateral] != 1 {
			t.Fatalf("programme kinds = %v", kinds)
		}
		outcomes := 0
		for _, s := range sessions {
			os, err := svc.Outcomes(ctx, e299.ID, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			outcomes += len(os)
		}
		if outcomes != 4 {
			t.Fatalf("%d outcomes, want 4 (two programmes signed, two certificates)", outcomes)
		}
		dels, err := svc.Delegations(ctx, e299.ID)
		if err != nil || len(dels) != 3 {
			t.Fatalf("delegations: %d, %v", len(dels), err)
		}
		invs, _, err := svc.Invitations(ctx, service.InvitationFilter{EventID: e299.ID}, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(invs) != 3 {
			t.Fatalf("%d invitations to the 299th, want the 3 heads", len(invs))
		}
		for _, inv := range invs {
			if inv.Response != domain.ResponseAccepted || !strings.HasSuffix(inv.Email, ".test") {
				t.Fatalf("invitation %+v", inv)
			}
			hist, _, err := svc.Responses(ctx, inv.ID, store.Page{})
			if err != nil || len(hist) != 1 || hist[0].Channel != domain.ChannelOfficer {
				t.Fatalf("history of %d: %+v %v", inv.ID, hist, err)
			}
		}
		people, _, err := svc.People(ctx, service.PersonFilter{}, store.Page{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range people {
			if !strings.HasSuffix(p.Email, ".test") {
				t.Fatalf("demo person %q has a real-looking address %q", p.FullName, p.Email)
			}
		}
	})
}

func countAudit(t *testing.T, svc *service.Service) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		items, next, err := svc.Audit(context.Background(), store.AuditFilter{}, store.Page{Limit: 200, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		n += len(items)
		if next == "" {
			return n
		}
		cursor = next
	}
}

// TestDemoCopies loads the scenario three times over: the copies share no room, person
// or UID (else a session would be double-booked or an invitation collide), and a second
// run finds everything.
func TestDemoCopies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
		svc := service.New(st, service.Options{SecretKey: []byte("demo-test-secret-0123456789abcdef012345"),
			BaseURL: "https://attache.test", UIDDomain: "attache.test", Now: func() time.Time { return now }}, nil)
		ctx := service.WithActor(context.Background(), service.Actor{Name: "attache demo"})
		one, err := svc.LoadDemo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		three, err := svc.LoadDemoCopies(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		var perCopy int
		if _, err := fmt.Sscanf(one, "demo scenario loaded: %d records created", &perCopy); err != nil || perCopy == 0 {
			t.Fatalf("summary %q: %v", one, err)
		}
		want := fmt.Sprintf("demo scenario loaded 3 times: %d records created, %d already present", 2*perCopy, perCopy)
		if three != want {
			t.Fatalf("got %q, want %q", three, want)
		}
		again, err := svc.LoadDemoCopies(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(again, "demo scenario loaded 3 times: 0 records created") {
			t.Fatalf("second run: %s", again)
		}
		events, _, err := svc.Events(ctx, service.EventFilter{}, service.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(events)%3 != 0 || len(events) == 0 {
			t.Fatalf("%d events for three copies", len(events))
		}
	})
}
