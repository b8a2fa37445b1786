package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
	attachehttp "github.com/attache-app/attache/internal/http"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// FuzzAPIWrites: whatever JSON (or not) an officer sends to the API's create and update
// routes, the answer is a success or a 4xx with a JSON error, never a 5xx: bad input is
// the client's error and is said so. One server on SQLite serves every input; the
// seeds are valid bodies, which the fuzzer bends.
func FuzzAPIWrites(f *testing.F) {
	st := storetest.Open(f, store.SQLite)
	svc := service.New(st, service.Options{SecretKey: []byte("test-secret-key-0123456789abcdef0123456789"),
		BaseURL: "https://attache.test", UIDDomain: "attache.test"}, nil)
	srv := httptest.NewServer(attachehttp.New(svc, attachehttp.Options{}).Echo)
	f.Cleanup(srv.Close)
	ctx := context.Background()
	if _, err := svc.CreateUser(ctx, &domain.User{Email: "officer@attache.test", Role: domain.RoleOfficer}, "correct horse battery"); err != nil {
		f.Fatal(err)
	}
	token, _, err := svc.CreateAPIToken(ctx, "officer@attache.test", "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	send := func(method, path string, body []byte) (int, []byte, error) {
		req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		return res.StatusCode, raw, err
	}
	// What the routes below refer to: an event, a person, an organization, a venue.
	created := func(path, body string) int64 {
		code, raw, err := send(http.MethodPost, path, []byte(body))
		var m struct{ ID int64 }
		if err != nil || code != http.StatusCreated || json.Unmarshal(raw, &m) != nil {
			f.Fatalf("POST %s: %d %s %v", path, code, raw, err)
		}
		return m.ID
	}
	org := created("/api/v1/organizations", `{"name":"Prosecutor General's Office"}`)
	person := created("/api/v1/people", fmt.Sprintf(`{"full_name":"Kamran Aliyev","email":"k.aliyev@example.test","language":"az","organization_id":%d}`, org))
	venue := created("/api/v1/venues", `{"name":"Prosecutor General's Office","city":"Moscow","timezone":"Europe/Moscow"}`)
	event := created("/api/v1/events", fmt.Sprintf(`{"title":"Commemorative meeting","kind":"commemoration","timezone":"Europe/Moscow",`+
		`"starts_at":"2031-01-12T11:00:00+03:00","ends_at":"2031-01-12T14:00:00+03:00","venue_id":%d}`, venue))
	routes := []struct{ method, path, seed string }{
		{"POST", "/api/v1/organizations", `{"name":"Office","short_name":"PGO","country_code":"AZ"}`},
		{"PATCH", fmt.Sprintf("/api/v1/organizations/%d", org), `{"name":"Office of the Prosecutor General"}`},
		{"POST", "/api/v1/people", fmt.Sprintf(`{"full_name":"Guest","email":"guest@example.test","language":"ru","organization_id":%d,"names":{"ru":{"full_name":"Гость"}}}`, org)},
		{"PATCH", fmt.Sprintf("/api/v1/people/%d", person), `{"honorific":"Prosecutor General","language":"ru"}`},
		{"POST", "/api/v1/venues", `{"name":"Hall","city":"Moscow","timezone":"Europe/Moscow"}`},
		{"POST", fmt.Sprintf("/api/v1/venues/%d/rooms", venue), `{"name":"Room 1","capacity":12}`},
		{"POST", "/api/v1/events", `{"title":"Visit","kind":"visit","timezone":"Asia/Baku","starts_at":"2031-02-01T09:00:00+04:00","ends_at":"2031-02-02T18:00:00+04:00","rsvp_deadline":"2031-01-20T18:00:00+04:00"}`},
		{"PATCH", fmt.Sprintf("/api/v1/events/%d", event), `{"title":"Commemorative meeting, 300th","starts_at":"2031-01-12T12:00:00+03:00"}`},
		{"POST", fmt.Sprintf("/api/v1/events/%d/sessions", event), `{"title":"Wreath-laying","kind":"ceremony","starts_at":"2031-01-12T12:00:00+03:00","ends_at":"2031-01-12T13:00:00+03:00"}`},
		{"POST", fmt.Sprintf("/api/v1/events/%d/delegations", event), fmt.Sprintf(`{"organization_id":%d,"head_person_id":%d,"members":[{"person_id":%d,"role":"head"}]}`, org, person, person)},
		{"POST", fmt.Sprintf("/api/v1/events/%d/invitations", event), fmt.Sprintf(`{"person_id":%d,"language":"ru"}`, person)},
		{"POST", "/api/v1/series", `{"name":"Prosecutor's Office founding","founded_on":"1722-01-12","timezone":"Europe/Moscow"}`},
	}
	for i, r := range routes {
		f.Add(uint8(i), []byte(r.seed))
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := routes[int(route)%len(routes)]
		code, raw, err := send(r.method, r.path, body)
		if err != nil {
			t.Fatalf("%s %s: %v", r.method, r.path, err)
		}
		if code >= 500 {
			t.Fatalf("%s %s %q: %d %s", r.method, r.path, body, code, raw)
		}
		if code >= 400 {
			var e struct {
				Error struct{ Message string }
			}
			if json.Unmarshal(raw, &e) != nil || e.Error.Message == "" {
				t.Errorf("%s %s: %d without a JSON error: %s", r.method, r.path, code, raw)
			}
		}
	})
}
