package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

func pgoVenue() map[string]any {
	return map[string]any{"name": "Prosecutor General's Office of the Russian Federation",
		"address": "ul. Bolshaya Dmitrovka, 15a", "city": "Moscow", "timezone": "Europe/Moscow"}
}

func TestVenuesCRUD(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		id := e.create("/api/v1/venues", pgoVenue())
		path := fmt.Sprintf("/api/v1/venues/%d", id)
		got := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", path, nil)).JSON(t)
		if got["timezone"] != "Europe/Moscow" || got["city"] != "Moscow" || got["id"] != float64(id) {
			t.Fatalf("stored venue = %v", got)
		}

		got = e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{"city": " Москва "})).JSON(t)
		if got["city"] != "Москва" || got["name"] != "Prosecutor General's Office of the Russian Federation" {
			t.Fatalf("after patch = %v", got)
		}

		for _, tz := range []string{"MSK", "Local", "Europe/Moskva", "+03:00", ""} {
			body := pgoVenue()
			body["timezone"] = tz
			r := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "POST", "/api/v1/venues", body))
			if f := r.ErrorField(t); f != "timezone" {
				t.Errorf("timezone %q: error field = %q", tz, f)
			}
			r = e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{"name": "Other", "timezone": tz}))
			if f := r.ErrorField(t); f != "timezone" {
				t.Errorf("PATCH timezone %q: error field = %q", tz, f)
			}
		}
		r := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{"name": "Hall\r\nX: y"}))
		if f := r.ErrorField(t); f != "name" {
			t.Fatalf("error field = %q", f)
		}
		got = e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", path, nil)).JSON(t)
		if got["name"] != "Prosecutor General's Office of the Russian Federation" || got["timezone"] != "Europe/Moscow" {
			t.Fatalf("refused PATCHes changed the venue: %v", got)
		}
		if n := e.auditCount("venue", id); n != 2 {
			t.Fatalf("audit entries = %d, want 2 (create, update)", n)
		}

		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", path, nil))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", path, nil))
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{"city": "Moscow"}))
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "DELETE", path, nil))
		if n := e.auditCount("venue", id); n != 3 {
			t.Fatalf("audit entries = %d, want 3 (create, update, delete)", n)
		}
	})
}

func TestVenuesList(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		e.create("/api/v1/venues", pgoVenue())
		e.create("/api/v1/venues", map[string]any{"name": "Константиновский дворец", "city": "Санкт-Петербург", "timezone": "Europe/Moscow"})
		e.create("/api/v1/venues", map[string]any{"name": "Palais de l'Europe", "city": "Strasbourg", "timezone": "Europe/Paris"})
		e.create("/api/v1/venues", map[string]any{"name": "Ministry of Justice", "city": "Baku", "timezone": "Asia/Baku"})

		if all := pvCollect(t, e, "/api/v1/venues?limit=1"); len(all) != 4 {
			t.Fatalf("paged through %d venues, want 4", len(all))
		}
		for q, want := range map[string]int{"moscow": 1, "ДВОРЕЦ": 1, "санкт": 1, "EUROPE": 1, "Baku": 1, "zzz": 0} {
			if got := len(pvCollect(t, e, "/api/v1/venues?limit=1&q="+url.QueryEscape(q))); got != want {
				t.Errorf("q=%s found %d, want %d", q, got, want)
			}
		}
	})
}

func TestRooms(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		moscow := e.create("/api/v1/venues", pgoVenue())
		baku := e.create("/api/v1/venues", map[string]any{"name": "Ministry of Justice", "city": "Baku", "timezone": "Asia/Baku"})
		rooms := fmt.Sprintf("/api/v1/venues/%d/rooms", moscow)
		hall := e.create(rooms, map[string]any{"name": "Колонный зал", "capacity": 120})
		for i := 0; i < 4; i++ {
			e.create(rooms, map[string]any{"name": fmt.Sprint("Meeting room ", i+1), "capacity": 12})
		}
		path := fmt.Sprintf("%s/%d", rooms, hall)

		got := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", path, nil)).JSON(t)
		if got["venue_id"] != float64(moscow) || got["name"] != "Колонный зал" || got["capacity"] != float64(120) {
			t.Fatalf("stored room = %v", got)
		}
		got = e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{"capacity": 150})).JSON(t)
		if got["capacity"] != float64(150) || got["name"] != "Колонный зал" {
			t.Fatalf("after patch = %v", got)
		}

		all := pvCollect(t, e, rooms+"?limit=2")
		if len(all) != 5 || all[0]["id"] != float64(hall) {
			t.Fatalf("rooms = %v", all)
		}
		if n := len(pvCollect(t, e, fmt.Sprintf("/api/v1/venues/%d/rooms", baku))); n != 0 {
			t.Fatalf("the other venue lists %d rooms", n)
		}

		// A room reached under the wrong venue, or under none, does not exist.
		wrong := fmt.Sprintf("/api/v1/venues/%d/rooms/%d", baku, hall)
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", wrong, nil))
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "PATCH", wrong, map[string]any{"capacity": 1}))
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "DELETE", wrong, nil))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", "/api/v1/venues/999999/rooms", nil))
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "POST", "/api/v1/venues/999999/rooms", map[string]any{"name": "X"}))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", rooms+"/999999", nil))

		for _, tt := range []struct {
			body   map[string]any
			status int
			field  string
		}{
			{map[string]any{"name": "Hall B", "capacity": -1}, 422, "capacity"},
			{map[string]any{"name": ""}, 422, "name"},
			{map[string]any{"name": "Hall\nB"}, 422, "name"},
			{map[string]any{"capacity": "many"}, 400, "capacity"},
			{map[string]any{"venue_id": baku}, 400, "venue_id"},
		} {
			r := e.must(tt.status, e.call(domain.RoleOfficer, "PATCH", path, tt.body))
			if f := r.ErrorField(t); f != tt.field {
				t.Errorf("PATCH %v: error field = %q, want %q", tt.body, f, tt.field)
			}
		}
		got = e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", path, nil)).JSON(t)
		if got["capacity"] != float64(150) || got["name"] != "Колонный зал" || got["venue_id"] != float64(moscow) {
			t.Fatalf("refused PATCHes changed the room: %v", got)
		}
		if n := e.auditCount("room", hall); n != 2 {
			t.Fatalf("audit entries = %d, want 2 (create, update)", n)
		}

		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", path, nil))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", path, nil))
		if n := e.auditCount("room", hall); n != 3 {
			t.Fatalf("audit entries = %d, want 3", n)
		}

		// Deleting the venue takes its rooms along, and the trail records each.
		left := pvCollect(t, e, rooms)
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("/api/v1/venues/%d", moscow), nil))
		for _, r := range left {
			id := int64(r["id"].(float64))
			e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", fmt.Sprintf("%s/%d", rooms, id), nil))
			entries, _, err := e.svc.Audit(context.Background(), store.AuditFilter{EntityType: "room", EntityID: id}, store.Page{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if entries[0].Action != "delete" || !strings.Contains(entries[0].Before, "Meeting room") {
				t.Fatalf("room %d: last audit entry = %+v", id, entries[0])
			}
		}
	})
}

func TestVenuesReferenced(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		// A venue an event takes place at can not be deleted.
		used := e.create("/api/v1/venues", pgoVenue())
		pvInsertEvent(t, e, &used)
		e.must(http.StatusConflict, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("/api/v1/venues/%d", used), nil))

		// Nor can a room a session is held in, nor (through the cascade) its venue.
		spb := e.create("/api/v1/venues", map[string]any{"name": "Константиновский дворец", "city": "Санкт-Петербург", "timezone": "Europe/Moscow"})
		rooms := fmt.Sprintf("/api/v1/venues/%d/rooms", spb)
		hall := e.create(rooms, map[string]any{"name": "Тронный зал"})
		event := pvInsertEvent(t, e, nil)
		pvInsert(t, e, fmt.Sprintf(`INSERT INTO sessions (uid, event_id, title, kind, room_id, starts_at, ends_at, created_at, updated_at)
			VALUES ('pv-session-%d@attache.test', %d, 'Plenary', 'plenary', %d, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,
			CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`, time.Now().UnixNano(), event, hall))
		r := e.must(http.StatusConflict, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("%s/%d", rooms, hall), nil))
		if code := r.JSON(t)["error"].(map[string]any)["code"]; code != "conflict" {
			t.Fatalf("error code = %v", code)
		}
		e.must(http.StatusConflict, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("/api/v1/venues/%d", spb), nil))

		// Nothing was half-deleted, and no deletion was recorded.
		e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", fmt.Sprintf("/api/v1/venues/%d", used), nil))
		e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", fmt.Sprintf("%s/%d", rooms, hall), nil))
		if n := e.auditCount("venue", spb); n != 1 {
			t.Fatalf("venue audit entries = %d, want 1", n)
		}
		if n := e.auditCount("room", hall); n != 1 {
			t.Fatalf("room audit entries = %d, want 1", n)
		}
	})
}

func TestVenuesPermissions(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		venue := e.create("/api/v1/venues", pgoVenue())
		vpath := fmt.Sprintf("/api/v1/venues/%d", venue)
		room := e.create(vpath+"/rooms", map[string]any{"name": "Hall A"})
		rpath := fmt.Sprintf("%s/rooms/%d", vpath, room)
		for _, c := range []struct{ method, path string }{
			{"POST", "/api/v1/venues"}, {"PATCH", vpath}, {"DELETE", vpath},
			{"POST", vpath + "/rooms"}, {"PATCH", rpath}, {"DELETE", rpath},
		} {
			e.must(http.StatusForbidden, e.call(domain.RoleViewer, c.method, c.path, map[string]any{"name": "X"}))
		}
		for _, p := range []string{"/api/v1/venues", vpath, vpath + "/rooms", rpath} {
			e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", p, nil))
			e.must(http.StatusUnauthorized, e.call("", "GET", p, nil))
		}
		if e.auditCount("venue", venue) != 1 || e.auditCount("room", room) != 1 {
			t.Fatal("a viewer's refused request was audited or applied")
		}
	})
}
