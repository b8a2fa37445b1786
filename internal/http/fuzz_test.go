package http_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// FuzzAPIWrites: whatever JSON (or not) an officer sends to the API's create and update
// routes, the answer is a success or a 4xx with a JSON error, never a 5xx: bad input is
// the client's error and is said so. One server on SQLite serves every input; the
// seeds are valid bodies, which the fuzzer bends.
func FuzzAPIWrites(f *testing.F) {
	shared := newEnv(f, storetest.Open(f, store.SQLite))
	// What the routes below refer to: an event, a person, an organization, a venue.
	org := shared.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office"})
	person := shared.create("/api/v1/people", map[string]any{"full_name": "Kamran Aliyev", "email": "k.aliyev@example.test",
		"language": "az", "organization_id": org})
	venue := shared.create("/api/v1/venues", map[string]any{"name": "Prosecutor General's Office", "city": "Moscow", "timezone": "Europe/Moscow"})
	event := shared.create("/api/v1/events", map[string]any{"title": "Commemorative meeting", "kind": "commemoration",
		"timezone": "Europe/Moscow", "starts_at": "2031-01-12T11:00:00+03:00", "ends_at": "2031-01-12T14:00:00+03:00", "venue_id": venue})
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
		e := *shared
		e.t = t
		r := routes[int(route)%len(routes)]
		res := e.call(domain.RoleOfficer, r.method, r.path, body)
		if res.Status >= 500 {
			t.Fatalf("%s %s %q: %d %s", r.method, r.path, body, res.Status, res.Body)
		}
		if res.Status >= 400 {
			var out struct {
				Error struct{ Message string }
			}
			if json.Unmarshal(res.Body, &out) != nil || out.Error.Message == "" {
				t.Errorf("%s %s: %d without a JSON error: %s", r.method, r.path, res.Status, res.Body)
			}
		}
	})
}
