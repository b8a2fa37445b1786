package http_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// esInsert runs an INSERT … RETURNING id with ? placeholders on either dialect. Rows the
// events API does not own (venues, rooms, people, delegations) are written this way so
// these tests depend on no other API.
func esInsert(t testing.TB, e *env, query string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := e.st.DB().QueryRow(esRebind(e, query), args...).Scan(&id); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

// esCount counts rows with ? placeholders on either dialect.
func esCount(t *testing.T, e *env, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.st.DB().QueryRow(esRebind(e, query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func esRebind(e *env, query string) string {
	if e.st.Dialect != store.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func esVenue(t *testing.T, e *env, name, tz string) int64 {
	now := time.Now().UTC()
	return esInsert(t, e, `INSERT INTO venues (name, timezone, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
		name, tz, now, now)
}

func esRoom(t *testing.T, e *env, venue int64, name string) int64 {
	now := time.Now().UTC()
	return esInsert(t, e, `INSERT INTO rooms (venue_id, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
		venue, name, now, now)
}

func esPerson(t *testing.T, e *env, org int64, name string) int64 {
	now := time.Now().UTC()
	return esInsert(t, e, `INSERT INTO people (organization_id, full_name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
		org, name, now, now)
}

// esDelegation adds org's delegation to event with the given members.
func esDelegation(t *testing.T, e *env, event, org int64, members ...int64) int64 {
	now := time.Now().UTC()
	id := esInsert(t, e, `INSERT INTO delegations (event_id, organization_id, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
		event, org, now, now)
	for i, p := range members {
		if _, err := e.st.DB().Exec(esRebind(e, `INSERT INTO delegation_members (delegation_id, person_id, role, position) VALUES (?, ?, 'member', ?)`),
			id, p, i); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// esEvent creates an event from the reference scenario's commemorative meeting (12 January
// 2021, 11:00–19:00 in Moscow), changed by fields.
func esEvent(t *testing.T, e *env, fields map[string]any) int64 {
	t.Helper()
	body := map[string]any{
		"title":     "Commemorative meeting: 299th anniversary of the Prosecution Service",
		"kind":      "commemoration",
		"timezone":  "Europe/Moscow",
		"starts_at": "2021-01-12T08:00:00Z",
		"ends_at":   "2021-01-12T16:00:00Z",
	}
	for k, v := range fields {
		if v == nil {
			delete(body, k)
			continue
		}
		body[k] = v
	}
	return e.create("/api/v1/events", body)
}

func esGet(t *testing.T, e *env, path string) map[string]any {
	t.Helper()
	return e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", path, nil)).JSON(t)
}

func TestEventCreateInItsTimezone(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		venue := esVenue(t, e, "Prosecutor General's Office", "Europe/Moscow")
		ru := e.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office of the Russian Federation"})
		coe := e.create("/api/v1/organizations", map[string]any{"name": "Secretariat of the Council of Europe"})

		// Times given in UTC, timezone left to the venue, hosts in a chosen order.
		r := e.must(http.StatusCreated, e.call(domain.RoleOfficer, "POST", "/api/v1/events", map[string]any{
			"title": "Commemorative meeting", "venue_id": venue, "host_organization_ids": []int64{coe, ru},
			"starts_at": "2021-01-12T08:00:00Z", "ends_at": "2021-01-12T16:00:00Z", "rsvp_deadline": "2021-01-10T12:00:00Z",
		})).JSON(t)
		id := int64(r["id"].(float64))
		got := esGet(t, e, fmt.Sprintf("/api/v1/events/%d", id))
		for k, want := range map[string]any{
			"timezone": "Europe/Moscow", "starts_at": "2021-01-12T11:00:00+03:00", "ends_at": "2021-01-12T19:00:00+03:00",
			"rsvp_deadline": "2021-01-10T15:00:00+03:00", "status": "draft", "kind": "meeting", "visibility": "private",
			"sequence": float64(0), "ordinal": nil, "series_id": nil, "uid": r["uid"],
		} {
			if got[k] != want {
				t.Errorf("%s = %v, want %v", k, got[k], want)
			}
		}
		if fmt.Sprint(got["host_organization_ids"]) != fmt.Sprint([]any{float64(coe), float64(ru)}) {
			t.Errorf("hosts = %v, want [%d %d] in that order", got["host_organization_ids"], coe, ru)
		}
		uid, _ := got["uid"].(string)
		if !strings.HasSuffix(uid, "@attache.test") || len(uid) < 36 {
			t.Errorf("uid = %q, want <uuid>@attache.test", uid)
		}
		if ca, _ := got["created_at"].(string); !strings.HasSuffix(ca, "+03:00") {
			t.Errorf("created_at = %q, want it in Moscow time", ca)
		}
		if n := e.auditCount("event", id); n != 1 {
			t.Errorf("audit entries = %d, want 1", n)
		}

		// The UID, sequence and ordinal belong to the server.
		path := fmt.Sprintf("/api/v1/events/%d", id)
		for field, v := range map[string]any{"uid": "mine@example.org", "sequence": 5, "ordinal": 299} {
			r := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{field: v}))
			if f := r.ErrorField(t); f != field {
				t.Errorf("PATCH %s: error field %q", field, f)
			}
		}
		if after := esGet(t, e, path); after["uid"] != uid {
			t.Fatalf("uid changed to %v", after["uid"])
		}

		// Moving the event to Baku time keeps the instant and shows it in the new zone.
		got = e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{"timezone": "Asia/Baku"})).JSON(t)
		if got["starts_at"] != "2021-01-12T12:00:00+04:00" {
			t.Fatalf("starts_at in Baku = %v", got["starts_at"])
		}
	})
}

func TestEventValidation(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		ok := map[string]any{"title": "Conference of heads of prosecution services", "timezone": "Europe/Moscow",
			"starts_at": "2021-07-05T07:00:00Z", "ends_at": "2021-07-06T15:00:00Z"}
		tests := []struct {
			name  string
			edit  map[string]any
			field string
		}{
			{"end before start", map[string]any{"ends_at": "2021-07-04T07:00:00Z"}, "ends_at"},
			{"timezone Local", map[string]any{"timezone": "Local"}, "timezone"},
			{"timezone abbreviation", map[string]any{"timezone": "MSK"}, "timezone"},
			{"no timezone and no venue", map[string]any{"timezone": nil}, "timezone"},
			{"time without offset", map[string]any{"starts_at": "2021-07-05T10:00:00"}, "starts_at"},
			{"not a time", map[string]any{"ends_at": "early July"}, "ends_at"},
			{"bad deadline", map[string]any{"rsvp_deadline": "tomorrow"}, "rsvp_deadline"},
			{"deadline after start", map[string]any{"rsvp_deadline": "2021-07-05T08:00:00Z"}, "rsvp_deadline"},
			{"unknown venue", map[string]any{"venue_id": 9999}, "venue_id"},
			{"unknown host", map[string]any{"host_organization_ids": []int64{9999}}, "host_organization_ids"},
			{"unknown series", map[string]any{"series_id": 9999}, "series_id"},
			{"unknown status", map[string]any{"status": "tentative"}, "status"},
			{"uid", map[string]any{"uid": "x@y"}, "uid"},
			{"ordinal", map[string]any{"ordinal": 1}, "ordinal"},
		}
		for _, tt := range tests {
			body := map[string]any{}
			for k, v := range ok {
				body[k] = v
			}
			for k, v := range tt.edit {
				if v == nil {
					delete(body, k)
				} else {
					body[k] = v
				}
			}
			r := e.call(domain.RoleOfficer, "POST", "/api/v1/events", body)
			if r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422: %s", tt.name, r.Status, r.Body)
				continue
			}
			if f := r.ErrorField(t); f != tt.field {
				t.Errorf("%s: error field %q, want %q", tt.name, f, tt.field)
			}
		}
		if n := esCount(t, e, `SELECT COUNT(*) FROM events`); n != 0 {
			t.Fatalf("%d events stored by refused requests", n)
		}
		e.must(http.StatusBadRequest, e.call(domain.RoleOfficer, "POST", "/api/v1/events", map[string]any{"id": 5}))
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "POST", "/api/v1/events", ok))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", "/api/v1/events/12345", nil))
	})
}

func TestSeriesOrdinal(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		sr := e.must(http.StatusCreated, e.call(domain.RoleOfficer, "POST", "/api/v1/series", map[string]any{
			"name": "Anniversary of the Prosecution Service of Russia", "founded_on": "1722-01-12",
			"timezone": "Europe/Moscow", "default_title": "Anniversary of the Prosecution Service",
		})).JSON(t)
		series := int64(sr["id"].(float64))
		if sr["founded_on"] != "1722-01-12" || sr["default_kind"] != "commemoration" {
			t.Fatalf("series = %v", sr)
		}

		e299 := esEvent(t, e, map[string]any{"series_id": series})
		e300 := esEvent(t, e, map[string]any{"series_id": series, "starts_at": "2022-01-12T08:00:00Z", "ends_at": "2022-01-12T16:00:00Z"})
		for id, want := range map[int64]float64{e299: 299, e300: 300} {
			if got := esGet(t, e, fmt.Sprintf("/api/v1/events/%d", id))["ordinal"]; got != want {
				t.Errorf("event %d ordinal = %v, want %v", id, got, want)
			}
		}

		// Title, kind and timezone come from the series when left out; 22:30 UTC on
		// 11 January is already the anniversary day in Moscow.
		r := e.must(http.StatusCreated, e.call(domain.RoleOfficer, "POST", "/api/v1/events", map[string]any{
			"series_id": series, "starts_at": "2021-01-11T22:30:00Z", "ends_at": "2021-01-12T01:00:00Z",
		})).JSON(t)
		if r["title"] != "Anniversary of the Prosecution Service" || r["kind"] != "commemoration" ||
			r["timezone"] != "Europe/Moscow" || r["ordinal"] != float64(299) || r["starts_at"] != "2021-01-12T01:30:00+03:00" {
			t.Fatalf("event from series defaults = %v", r)
		}

		// The founding date accepts an RFC 3339 time and keeps the day as written; the
		// ordinals follow at once.
		got := e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", fmt.Sprintf("/api/v1/series/%d", series),
			map[string]any{"founded_on": "1721-01-12T00:00:00+03:00"})).JSON(t)
		if got["founded_on"] != "1721-01-12" {
			t.Fatalf("founded_on = %v", got["founded_on"])
		}
		if o := esGet(t, e, fmt.Sprintf("/api/v1/events/%d", e299))["ordinal"]; o != float64(300) {
			t.Fatalf("ordinal after refounding = %v", o)
		}

		lst := esGet(t, e, "/api/v1/series")
		if items := lst["items"].([]any); len(items) != 1 {
			t.Fatalf("series list = %v", lst)
		}
		for field, body := range map[string]map[string]any{
			"founded_on":   {"name": "X", "founded_on": "12 January 1722", "timezone": "Europe/Moscow"},
			"timezone":     {"name": "X", "founded_on": "1722-01-12", "timezone": "Local"},
			"name":         {"founded_on": "1722-01-12", "timezone": "Europe/Moscow"},
			"default_kind": {"name": "X", "founded_on": "1722-01-12", "timezone": "Europe/Moscow", "default_kind": "party"},
		} {
			r := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "POST", "/api/v1/series", body))
			if f := r.ErrorField(t); f != field {
				t.Errorf("error field %q, want %q", f, field)
			}
		}
		if n := e.auditCount("series", series); n != 2 {
			t.Fatalf("series audit entries = %d, want 2", n)
		}
	})
}

func TestEventsListFilters(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		// Created out of order, so the list's order is not the insertion order.
		esEvent(t, e, map[string]any{"title": "july", "status": "scheduled", "starts_at": "2021-07-05T07:00:00Z", "ends_at": "2021-07-06T15:00:00Z"})
		esEvent(t, e, map[string]any{"title": "jan21", "status": "completed"})
		esEvent(t, e, map[string]any{"title": "jan22", "starts_at": "2022-01-12T08:00:00Z", "ends_at": "2022-01-12T16:00:00Z"})
		esEvent(t, e, map[string]any{"title": "jan21b", "status": "scheduled"})
		esEvent(t, e, map[string]any{"title": "visit", "status": "scheduled", "starts_at": "2021-01-11T08:00:00Z", "ends_at": "2021-01-13T16:00:00Z"})
		esEvent(t, e, map[string]any{"title": "october", "status": "postponed", "starts_at": "2021-10-01T07:00:00Z", "ends_at": "2021-10-01T15:00:00Z"})
		tests := []struct {
			query string
			want  string
		}{
			{"", "visit,jan21,jan21b,july,october,jan22"},
			{"limit=1", "visit,jan21,jan21b,july,october,jan22"},
			{"limit=4", "visit,jan21,jan21b,july,october,jan22"},
			{"status=scheduled", "visit,jan21b,july"},
			{"status=scheduled,postponed&limit=2", "visit,jan21b,july,october"},
			{"status=draft", "jan22"},
			// Overlapping [from, to): the three-day visit counts, an event ending at
			// from does not.
			{"from=2021-01-12T10:00:00%2B03:00&to=2021-01-12T12:00:00%2B03:00", "visit,jan21,jan21b"},
			{"from=2021-01-12T16:00:00Z&to=2021-07-05T07:00:00Z", "visit"},
			{"from=2021-07-01T00:00:00Z", "july,october,jan22"},
			{"to=2021-01-12T08:00:00Z", "visit"},
			{"from=2021-01-01T00:00:00Z&to=2022-01-01T00:00:00Z&status=scheduled&limit=1", "visit,jan21b,july"},
		}
		for _, tt := range tests {
			var got []string
			base := "/api/v1/events?" + tt.query
			path := base
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatalf("%s: pagination does not end", tt.query)
				}
				m := esGet(t, e, path)
				for _, it := range m["items"].([]any) {
					got = append(got, it.(map[string]any)["title"].(string))
				}
				next, ok := m["next_cursor"].(string)
				if !ok {
					break
				}
				path = base + "&cursor=" + url.QueryEscape(next)
			}
			if strings.Join(got, ",") != tt.want {
				t.Errorf("%q gave %v, want %s", tt.query, got, tt.want)
			}
		}
		for query, field := range map[string]string{
			"from=yesterday": "from",
			"to=2021-01-12":  "to",
			"from=2021-02-01T00:00:00Z&to=2021-01-01T00:00:00Z": "to",
			"status=tentative": "status",
			"cursor=zzz":       "cursor",
		} {
			r := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleViewer, "GET", "/api/v1/events?"+query, nil))
			if f := r.ErrorField(t); f != field {
				t.Errorf("%s: error field %q, want %q", query, f, field)
			}
		}
		if items := esGet(t, e, "/api/v1/events?limit=100000")["items"].([]any); len(items) != 6 {
			t.Fatalf("limit over the cap returned %d items", len(items))
		}
	})
}

func TestEventSequence(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		id := esEvent(t, e, map[string]any{"status": "scheduled"})
		path := fmt.Sprintf("/api/v1/events/%d", id)
		steps := []struct {
			name  string
			patch map[string]any
			seq   float64
		}{
			{"title typo", map[string]any{"title": "Commemorative meeting (corrected)"}, 0},
			{"description", map[string]any{"description": "Agenda to follow."}, 0},
			{"same instant written in Moscow time", map[string]any{"starts_at": "2021-01-12T11:00:00+03:00"}, 0},
			{"start moved", map[string]any{"starts_at": "2021-01-12T07:00:00Z"}, 1},
			{"postponed", map[string]any{"status": "postponed"}, 2},
			{"visibility", map[string]any{"visibility": "public"}, 2},
			{"rescheduled", map[string]any{"status": "scheduled", "ends_at": "2021-01-12T17:00:00Z"}, 3},
		}
		for _, s := range steps {
			got := e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", path, s.patch)).JSON(t)
			if got["sequence"] != s.seq {
				t.Fatalf("%s: sequence = %v, want %v", s.name, got["sequence"], s.seq)
			}
		}
		got := esGet(t, e, path)
		if got["title"] != "Commemorative meeting (corrected)" || got["starts_at"] != "2021-01-12T10:00:00+03:00" {
			t.Fatalf("after patches = %v", got)
		}
		if got["updated_at"] == got["created_at"] {
			t.Fatalf("updated_at did not move: %v", got["updated_at"])
		}

		// A move CanMove refuses is a 422 on status and changes nothing.
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{"status": "postponed"}))
		r := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{"status": "completed"}))
		if f := r.ErrorField(t); f != "status" {
			t.Fatalf("error field %q", f)
		}
		if got := esGet(t, e, path); got["status"] != "postponed" || got["sequence"] != float64(4) {
			t.Fatalf("after refused move = %v", got)
		}
	})
}

func TestEventDelete(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		draft := esEvent(t, e, nil)
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("/api/v1/events/%d", draft), nil))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", fmt.Sprintf("/api/v1/events/%d", draft), nil))

		// A scheduled event is cancelled and kept, with a higher sequence.
		id := esEvent(t, e, map[string]any{"status": "scheduled"})
		path := fmt.Sprintf("/api/v1/events/%d", id)
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", path, nil))
		got := esGet(t, e, path)
		if got["status"] != "cancelled" || got["sequence"] != float64(1) {
			t.Fatalf("after DELETE = %v", got)
		}
		// Again: nothing more happens.
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", path, nil))
		if got := esGet(t, e, path); got["sequence"] != float64(1) {
			t.Fatalf("second DELETE raised sequence: %v", got)
		}
		if n := e.auditCount("event", id); n != 2 {
			t.Fatalf("audit entries = %d, want 2 (create, cancel)", n)
		}
		// Cancelled is final.
		r := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{"status": "scheduled"}))
		if f := r.ErrorField(t); f != "status" {
			t.Fatalf("error field %q", f)
		}
		// A completed event can be neither deleted nor cancelled.
		done := esEvent(t, e, map[string]any{"status": "completed"})
		e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("/api/v1/events/%d", done), nil))
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "DELETE", path, nil))
	})
}
