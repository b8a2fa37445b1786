package http_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/attache-app/attache/internal/domain"
	attachehttp "github.com/attache-app/attache/internal/http"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store/storetest"
)

// BenchmarkUIPages measures the server time of each officer page with the demo data
// loaded 100 times over (issue 6: no page over 300 ms), on every test database, against
// /healthz in the same run as the baseline. Each op is one GET over loopback by a
// signed-in officer; a page that does not answer 200 fails the benchmark.
//
//	ATTACHE_TEST_POSTGRES_URL=… go test -run '^$' -bench UIPages -benchtime 20x ./internal/http/
func BenchmarkUIPages(b *testing.B) {
	for _, d := range storetest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) {
			st := storetest.Open(b, d)
			svc := service.New(st, service.Options{
				SecretKey: []byte("bench-secret-key-0123456789abcdef0123456789"),
				BaseURL:   "https://attache.test", UIDDomain: "attache.test",
			}, nil)
			ctx := service.WithActor(context.Background(), service.Actor{Name: "bench"})
			if _, err := svc.LoadDemoCopies(ctx, 100); err != nil {
				b.Fatal(err)
			}
			if _, err := svc.CreateUser(ctx, &domain.User{Email: "officer@attache.test", Role: domain.RoleAdmin}, "correct horse battery"); err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(attachehttp.New(svc, attachehttp.Options{UIPerMinute: 1 << 20}).Echo)
			defer srv.Close()
			client := signedInClient(b, srv.URL)
			events, _, err := svc.Events(ctx, service.EventFilter{}, service.Page{Limit: 1})
			if err != nil || len(events) == 0 {
				b.Fatalf("events: %v", err)
			}
			ev := events[0].ID // the commemorative meeting of the first copy: the fullest programme
			ss, _ := svc.Sessions(ctx, ev)
			ds, _ := svc.Delegations(ctx, ev)
			invs, _, _ := svc.Invitations(ctx, service.InvitationFilter{EventID: ev}, service.Page{Limit: 1})
			venue := events[0].VenueID
			if len(ss) == 0 || len(ds) == 0 || len(invs) == 0 || venue == nil {
				b.Fatal("the demo event lacks sessions, delegations, invitations or a venue")
			}
			base := fmt.Sprintf("/events/%d", ev)
			pages := []string{
				"/healthz", "/", "/events", base, base + "/participants.csv", base + "/participants.xlsx", base + "/print",
				base + "/cancel", base + "/reschedule", fmt.Sprintf("/invitations/%d/answer", invs[0].ID),
				base + "/edit", "/events/new", base + "/sessions/new", fmt.Sprintf("%s/sessions/%d/edit", base, ss[0].ID),
				base + "/delegations/new", fmt.Sprintf("%s/delegations/%d/edit", base, ds[0].ID),
				fmt.Sprintf("%s/delegations/%d/edit?all=1", base, ds[0].ID), base + "/invitations/new",
				fmt.Sprintf("/invitations/%d/edit", invs[0].ID),
				"/venues?q=moscow", "/venues/new", fmt.Sprintf("/venues/%d/edit", *venue), fmt.Sprintf("/venues/%d/rooms/new", *venue),
				"/organizations/new", "/organizations/1/edit", "/people/new", "/people/1/edit",
				"/directory", "/directory?q=" + url.QueryEscape("Краснов"), "/directory?q=" + url.QueryEscape("алиев"),
				"/directory?q=armenia", "/people/1", "/organizations/1",
				"/venues", "/inbound", "/audit", "/audit?entity=event&id=1", "/audit?actor=system", "/users",
			}
			for _, p := range pages {
				b.Run(strings.NewReplacer("/", "_", "?", "_", "=", "_", "&", "_", "%", "").Replace(p), func(b *testing.B) {
					for b.Loop() {
						res, err := client.Get(srv.URL + p)
						if err != nil {
							b.Fatal(err)
						}
						_, _ = io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode != http.StatusOK {
							b.Fatalf("GET %s: %d", p, res.StatusCode)
						}
					}
				})
			}
		})
	}
}

// signedInClient signs in through the form, as a browser does.
func signedInClient(b *testing.B, base string) *http.Client {
	b.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Get(base + "/login")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfInput.FindSubmatch(body)
	if m == nil {
		b.Fatal("no CSRF token on /login")
	}
	res, err = c.PostForm(base+"/login", url.Values{"_csrf": {string(m[1])}, "email": {"officer@attache.test"}, "password": {"correct horse battery"}})
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/" {
		b.Fatalf("sign in: %d at %s", res.StatusCode, res.Request.URL)
	}
	return c
}
