package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/attache-app/attache/internal/domain"
)

// esVisit is the reference scenario's visit: the commemorative meeting in Moscow on
// 12 January 2021 (11:00–19:00 Moscow time) with the delegations of Russia, Azerbaijan
// and Armenia, two rooms, and a second event the same day to which the Russian
// Prosecutor General also goes.
type esVisit struct {
	event, other        int64
	room1, room2        int64
	ru, az, am, otherRU int64 // delegations
	krasnov, aliyev     int64 // people
	sessions, eventPath string
}

func newVisit(t *testing.T, e *env) esVisit {
	t.Helper()
	var v esVisit
	venue := esVenue(t, e, "Prosecutor General's Office", "Europe/Moscow")
	v.room1, v.room2 = esRoom(t, e, venue, "Hall of Columns"), esRoom(t, e, venue, "Small hall")
	ru := e.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office of the Russian Federation"})
	az := e.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office of the Republic of Azerbaijan"})
	am := e.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office of the Republic of Armenia"})
	v.krasnov = esPerson(t, e, ru, "Igor Krasnov")
	v.aliyev = esPerson(t, e, az, "Kamran Aliyev")
	davtyan := esPerson(t, e, am, "Artur Davtyan")
	adviser := esPerson(t, e, az, "Adviser of the Prosecutor General")

	v.event = esEvent(t, e, map[string]any{"status": "scheduled", "venue_id": venue})
	v.other = esEvent(t, e, map[string]any{"status": "scheduled", "title": "Board meeting", "venue_id": venue})
	v.ru = esDelegation(t, e, v.event, ru, v.krasnov)
	v.az = esDelegation(t, e, v.event, az, v.aliyev, adviser)
	v.am = esDelegation(t, e, v.event, am, davtyan)
	v.otherRU = esDelegation(t, e, v.other, ru, v.krasnov)
	v.eventPath = fmt.Sprintf("/api/v1/events/%d", v.event)
	v.sessions = v.eventPath + "/sessions"
	return v
}

// session is a body for POST …/sessions at the given Moscow hours of 12 January 2021.
func (v esVisit) session(title, kind string, room int64, from, to int, parties ...int64) map[string]any {
	b := map[string]any{
		"title": title, "kind": kind,
		"starts_at": fmt.Sprintf("2021-01-12T%02d:00:00+03:00", from), "ends_at": fmt.Sprintf("2021-01-12T%02d:00:00+03:00", to),
		"delegation_ids": parties, "agenda": "Cooperation in combating transnational crime",
	}
	if room != 0 {
		b["room_id"] = room
	}
	return b
}

func TestSessionsProgramme(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		v := newVisit(t, e)
		// Created out of order; listed by start.
		tri := e.create(v.sessions, v.session("Trilateral meeting RU–AZ–AM", "trilateral", v.room2, 14, 15, v.am, v.az, v.ru))
		ruaz := e.create(v.sessions, v.session("Bilateral meeting RU–AZ", "bilateral", v.room1, 12, 13, v.ru, v.az))
		// Back to back in the same room with the same Russian delegation: no clash.
		ruam := e.create(v.sessions, v.session("Bilateral meeting RU–AM", "bilateral", v.room1, 13, 14, v.ru, v.am))

		items := esGet(t, e, v.sessions)["items"].([]any)
		var order []int64
		uids := map[string]bool{}
		for _, it := range items {
			s := it.(map[string]any)
			order = append(order, int64(s["id"].(float64)))
			uid, _ := s["uid"].(string)
			if !strings.HasSuffix(uid, "@attache.test") || uids[uid] {
				t.Errorf("session uid %q is not a fresh <uuid>@attache.test", uid)
			}
			uids[uid] = true
			if s["event_id"] != float64(v.event) || s["sequence"] != float64(0) || s["status"] != "scheduled" {
				t.Errorf("session = %v", s)
			}
		}
		if fmt.Sprint(order) != fmt.Sprint([]int64{ruaz, ruam, tri}) {
			t.Fatalf("programme order = %v, want %v", order, []int64{ruaz, ruam, tri})
		}

		got := esGet(t, e, fmt.Sprintf("%s/%d", v.sessions, tri))
		if got["starts_at"] != "2021-01-12T14:00:00+03:00" || got["ends_at"] != "2021-01-12T15:00:00+03:00" ||
			got["room_id"] != float64(v.room2) || got["kind"] != "trilateral" {
			t.Fatalf("trilateral = %v", got)
		}
		if fmt.Sprint(got["delegation_ids"]) != fmt.Sprint([]any{float64(v.ru), float64(v.az), float64(v.am)}) {
			t.Fatalf("parties = %v", got["delegation_ids"])
		}

		// A session is found only under its own event.
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", fmt.Sprintf("/api/v1/events/%d/sessions/%d", v.other, tri), nil))
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "PATCH", fmt.Sprintf("/api/v1/events/%d/sessions/%d", v.other, tri),
			map[string]any{"title": "X"}))
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("/api/v1/events/%d/sessions/%d", v.other, tri), nil))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", "/api/v1/events/99999/sessions", nil))
		if items := esGet(t, e, fmt.Sprintf("/api/v1/events/%d/sessions", v.other))["items"].([]any); len(items) != 0 {
			t.Fatalf("other event's programme = %v", items)
		}
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "POST", v.sessions, v.session("X", "plenary", 0, 16, 17)))
	})
}

func TestSessionValidation(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		v := newVisit(t, e)
		bad := []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"bilateral with 3 parties", v.session("Meeting", "bilateral", v.room1, 12, 13, v.ru, v.az, v.am), "delegation_ids"},
			{"trilateral with 2 parties", v.session("Meeting", "trilateral", v.room1, 12, 13, v.ru, v.az), "delegation_ids"},
			{"starts before its event", v.session("Breakfast", "reception", 0, 9, 12), "starts_at"},
			{"ends after its event", v.session("Dinner", "reception", 0, 18, 21), "ends_at"},
			{"end before start", v.session("Meeting", "plenary", 0, 13, 12), "ends_at"},
			{"unknown room", v.session("Meeting", "plenary", 99999, 12, 13), "room_id"},
			{"delegation of another event", v.session("Meeting", "bilateral", 0, 12, 13, v.ru, v.otherRU), "delegation_ids"},
			{"unknown delegation", v.session("Meeting", "bilateral", 0, 12, 13, v.ru, 99999), "delegation_ids"},
			{"unknown kind", v.session("Meeting", "summit", 0, 12, 13), "kind"},
			{"no title", v.session("", "plenary", 0, 12, 13), "title"},
			{"time without offset", map[string]any{"title": "X", "starts_at": "2021-01-12T12:00:00", "ends_at": "2021-01-12T13:00:00Z"}, "starts_at"},
			{"uid", map[string]any{"title": "X", "uid": "x@y"}, "uid"},
			{"sequence", map[string]any{"title": "X", "sequence": 3}, "sequence"},
		}
		for _, tt := range bad {
			r := e.call(domain.RoleOfficer, "POST", v.sessions, tt.body)
			if r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422: %s", tt.name, r.Status, r.Body)
				continue
			}
			if f := r.ErrorField(t); f != tt.field {
				t.Errorf("%s: error field %q, want %q: %s", tt.name, f, tt.field, r.Body)
			}
		}
		if n := esCount(t, e, `SELECT COUNT(*) FROM sessions`); n != 0 {
			t.Fatalf("%d sessions stored by refused requests", n)
		}

		// An event can not shrink away from its programme.
		e.create(v.sessions, v.session("Wreath laying", "ceremony", 0, 17, 18))
		r := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "PATCH", v.eventPath, map[string]any{"ends_at": "2021-01-12T17:30:00+03:00"}))
		if f := r.ErrorField(t); f != "ends_at" {
			t.Fatalf("error field %q", f)
		}
	})
}

func TestSessionConflicts(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		v := newVisit(t, e)
		ruaz := e.create(v.sessions, v.session("Bilateral meeting RU–AZ", "bilateral", v.room1, 12, 13, v.ru, v.az))
		otherSessions := fmt.Sprintf("/api/v1/events/%d/sessions", v.other)

		conflict := func(name, path string, body map[string]any, field string) {
			t.Helper()
			r := e.call(domain.RoleOfficer, "POST", path, body)
			if r.Status != http.StatusConflict {
				t.Fatalf("%s: status %d, want 409: %s", name, r.Status, r.Body)
			}
			msg, _ := r.JSON(t)["error"].(map[string]any)["message"].(string)
			if !strings.Contains(msg, "Bilateral meeting RU–AZ") || !strings.Contains(msg, "12:00–13:00 Europe/Moscow") {
				t.Errorf("%s: message %q does not name the other session and its time", name, msg)
			}
			if f := r.ErrorField(t); f != field {
				t.Errorf("%s: error field %q, want %q", name, f, field)
			}
		}

		// (a) A room hosts one scheduled session at a time, across events.
		conflict("room, same event", v.sessions, v.session("Press approach", "press", v.room1, 12, 14), "room_id")
		conflict("room, other event", otherSessions, v.session("Board", "plenary", v.room1, 11, 13), "room_id")

		// (b) A person sits in one session at a time: Krasnov is in RU–AZ (room 1) and
		// can not be in RU–AM in room 2 at the same time, nor in the other event.
		conflict("person, same event", v.sessions, v.session("Bilateral meeting RU–AM", "bilateral", v.room2, 12, 13, v.ru, v.am), "delegation_ids")
		conflict("person, other event", otherSessions, v.session("Board", "plenary", v.room2, 12, 13, v.otherRU), "delegation_ids")
		r := e.call(domain.RoleOfficer, "POST", v.sessions, v.session("Bilateral meeting RU–AM", "bilateral", v.room2, 12, 13, v.ru, v.am))
		if msg := string(r.Body); !strings.Contains(msg, "Igor Krasnov") {
			t.Errorf("person conflict does not name the person: %s", msg)
		}

		// Nothing of the refused inserts remains: no row, no audit entry.
		if n := esCount(t, e, `SELECT COUNT(*) FROM sessions`); n != 1 {
			t.Fatalf("%d sessions stored, want 1", n)
		}
		if n := esCount(t, e, `SELECT COUNT(*) FROM session_parties`); n != 2 {
			t.Fatalf("%d session parties stored, want 2", n)
		}
		if n := e.auditCount("session", 0); n != 1 {
			t.Fatalf("%d session audit entries, want 1", n)
		}

		// Back to back is fine, in the same room and with the same people.
		ruam := e.create(v.sessions, v.session("Bilateral meeting RU–AM", "bilateral", v.room1, 13, 14, v.ru, v.am))
		// The Azerbaijani delegation is free while RU–AM runs in room 1.
		e.create(v.sessions, v.session("Tour of the museum", "ceremony", v.room2, 13, 14, v.az))

		// A PATCH into a clash is refused the same way and changes nothing.
		r = e.call(domain.RoleOfficer, "PATCH", fmt.Sprintf("%s/%d", v.sessions, ruam), map[string]any{"starts_at": "2021-01-12T12:30:00+03:00"})
		if r.Status != http.StatusConflict {
			t.Fatalf("PATCH into a clash: status %d: %s", r.Status, r.Body)
		}
		if got := esGet(t, e, fmt.Sprintf("%s/%d", v.sessions, ruam)); got["starts_at"] != "2021-01-12T13:00:00+03:00" {
			t.Fatalf("refused PATCH moved the session: %v", got)
		}

		// A cancelled session holds nothing, nor do the sessions of a cancelled event.
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("%s/%d", v.sessions, ruaz), nil))
		e.create(v.sessions, v.session("Press approach", "press", v.room1, 12, 13, v.ru))
		e.create(otherSessions, v.session("Board", "plenary", v.room2, 15, 16, v.otherRU))
		conflict2 := e.call(domain.RoleOfficer, "POST", v.sessions, v.session("Signing", "signing", v.room2, 15, 16))
		if conflict2.Status != http.StatusConflict {
			t.Fatalf("room held by the other event: status %d", conflict2.Status)
		}
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("/api/v1/events/%d", v.other), nil))
		e.create(v.sessions, v.session("Signing", "signing", v.room2, 15, 16))
	})
}

func TestSessionSequenceAndDelete(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		v := newVisit(t, e)
		id := e.create(v.sessions, v.session("Bilateral meeting RU–AZ", "bilateral", v.room1, 12, 13, v.ru, v.az))
		path := fmt.Sprintf("%s/%d", v.sessions, id)
		uid := esGet(t, e, path)["uid"]
		steps := []struct {
			name  string
			patch map[string]any
			seq   float64
		}{
			{"title typo", map[string]any{"title": "Bilateral meeting RU – AZ"}, 0},
			{"agenda", map[string]any{"agenda": "Programme of cooperation for 2021–2022"}, 0},
			{"time", map[string]any{"starts_at": "2021-01-12T12:30:00+03:00", "ends_at": "2021-01-12T13:30:00+03:00"}, 1},
			{"room", map[string]any{"room_id": v.room2}, 2},
			{"no room", map[string]any{"room_id": nil}, 3},
		}
		for _, s := range steps {
			got := e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", path, s.patch)).JSON(t)
			if got["sequence"] != s.seq || got["uid"] != uid {
				t.Fatalf("%s: sequence = %v (want %v), uid %v", s.name, got["sequence"], s.seq, got["uid"])
			}
		}
		// A bilateral meeting keeps two parties on PATCH too.
		r := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{"delegation_ids": []int64{v.ru}}))
		if f := r.ErrorField(t); f != "delegation_ids" {
			t.Fatalf("error field %q", f)
		}

		// DELETE under a scheduled event cancels and keeps the session.
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", path, nil))
		got := esGet(t, e, path)
		if got["status"] != "cancelled" || got["sequence"] != float64(4) {
			t.Fatalf("after DELETE = %v", got)
		}
		if n := e.auditCount("session", id); n != 7 {
			t.Fatalf("audit entries = %d, want 7 (create, 5 updates, cancel)", n)
		}

		// Under a draft event it removes the session.
		draft := esEvent(t, e, nil)
		dpath := fmt.Sprintf("/api/v1/events/%d/sessions", draft)
		sid := e.create(dpath, v.session("Rehearsal", "plenary", 0, 12, 13))
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("%s/%d", dpath, sid), nil))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", fmt.Sprintf("%s/%d", dpath, sid), nil))
	})
}

func TestOutcomes(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		v := newVisit(t, e)
		sid := e.create(v.sessions, v.session("Bilateral meeting RU–AZ", "bilateral", v.room1, 12, 13, v.ru, v.az))
		path := fmt.Sprintf("%s/%d/outcomes", v.sessions, sid)

		signed := e.create(path, map[string]any{"kind": "agreement_signed", "title": "Programme of cooperation for 2021–2022",
			"reference": "No. 27-1/2021", "delegation_ids": []int64{v.ru, v.az}})
		award := e.create(path, map[string]any{"kind": "award_presented", "title": "Certificate of appreciation",
			"person_id": v.aliyev, "delegation_ids": []int64{v.az}})

		items := esGet(t, e, path)["items"].([]any)
		if len(items) != 2 {
			t.Fatalf("outcomes = %v", items)
		}
		first, second := items[0].(map[string]any), items[1].(map[string]any)
		if first["id"] != float64(signed) || first["session_id"] != float64(sid) || first["reference"] != "No. 27-1/2021" ||
			fmt.Sprint(first["delegation_ids"]) != fmt.Sprint([]any{float64(v.ru), float64(v.az)}) {
			t.Fatalf("first outcome = %v", first)
		}
		if second["id"] != float64(award) || second["person_id"] != float64(v.aliyev) {
			t.Fatalf("second outcome = %v", second)
		}

		for _, tt := range []struct {
			field string
			body  map[string]any
		}{
			{"kind", map[string]any{"kind": "photo", "title": "X"}},
			{"title", map[string]any{"kind": "statement", "title": ""}},
			{"delegation_ids", map[string]any{"kind": "statement", "title": "X", "delegation_ids": []int64{v.otherRU}}},
			{"delegation_ids", map[string]any{"kind": "statement", "title": "X", "delegation_ids": []int64{v.ru, v.ru}}},
			{"person_id", map[string]any{"kind": "award_presented", "title": "X", "person_id": 99999}},
		} {
			r := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "POST", path, tt.body))
			if f := r.ErrorField(t); f != tt.field {
				t.Errorf("%v: error field %q, want %q", tt.body, f, tt.field)
			}
		}

		// Outcomes are reached only through their own event and session.
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", fmt.Sprintf("/api/v1/events/%d/sessions/%d/outcomes", v.other, sid), nil))
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("/api/v1/events/%d/sessions/%d/outcomes/%d", v.other, sid, signed), nil))
		other := e.create(v.sessions, v.session("Press approach", "press", 0, 14, 15))
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("%s/%d/outcomes/%d", v.sessions, other, signed), nil))

		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "DELETE", fmt.Sprintf("%s/%d", path, award), nil))
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("%s/%d", path, award), nil))
		if items := esGet(t, e, path)["items"].([]any); len(items) != 1 {
			t.Fatalf("after delete: %v", items)
		}
		if n := e.auditCount("outcome", award); n != 2 {
			t.Fatalf("audit entries = %d, want 2 (create, delete)", n)
		}
	})
}
