package http_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/attache-app/attache/internal/domain"
)

// dgEvent creates an event through the API; n keeps titles apart.
func dgEvent(t *testing.T, e *env, n int) int64 {
	t.Helper()
	return e.create("/api/v1/events", map[string]any{
		"title": fmt.Sprintf("Commemorative meeting %d", n), "kind": "commemoration", "timezone": "Europe/Moscow",
		"starts_at": "2021-01-12T11:00:00+03:00", "ends_at": "2021-01-12T14:00:00+03:00",
	})
}

// dgPerson creates a person of an organization through the API.
func dgPerson(t *testing.T, e *env, org int64, name, email, lang string) int64 {
	t.Helper()
	return e.create("/api/v1/people", map[string]any{"full_name": name, "email": email, "language": lang, "organization_id": org})
}

// dgParty is an event with the Azerbaijani party: its office and three of its people.
type dgParty struct {
	event, org            int64
	head, adviser, interp int64
}

func dgSetup(t *testing.T, e *env) dgParty {
	t.Helper()
	p := dgParty{event: dgEvent(t, e, 299)}
	p.org = e.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office of the Republic of Azerbaijan"})
	p.head = dgPerson(t, e, p.org, "Kamran Aliyev", "K.Aliyev@GenProsecutor-AZ.test", "az-Latn")
	p.adviser = dgPerson(t, e, p.org, "Adviser of the delegation", "adviser@genprosecutor-az.test", "az")
	p.interp = dgPerson(t, e, p.org, "Interpreter of the delegation", "interpreter@genprosecutor-az.test", "ru")
	return p
}

// dgMembers reads the members of a delegation body as "person:role" pairs.
func dgMembers(t *testing.T, d map[string]any) []string {
	t.Helper()
	raw, ok := d["members"].([]any)
	if !ok {
		t.Fatalf("no members in %v", d)
	}
	out := make([]string, len(raw))
	for i, m := range raw {
		mm := m.(map[string]any)
		out[i] = fmt.Sprintf("%v:%v", mm["person_id"], mm["role"])
	}
	return out
}

func dgWant(t *testing.T, d map[string]any, want ...string) {
	t.Helper()
	got := dgMembers(t, d)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("members = %v, want %v", got, want)
	}
}

func dgPair(id int64, role domain.MemberRole) string { return fmt.Sprintf("%d:%s", id, role) }

func TestDelegationsCRUD(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		p := dgSetup(t, e)
		base := fmt.Sprintf("/api/v1/events/%d/delegations", p.event)

		// The head is added to the members, first, with the role head.
		r := e.must(http.StatusCreated, e.call(domain.RoleOfficer, "POST", base, map[string]any{
			"organization_id": p.org, "head_person_id": p.head, "size_limit": 4,
			"members":    []map[string]any{{"person_id": p.adviser, "role": "adviser"}},
			"arrival_at": "2021-01-11T15:30:00+04:00", "departure_at": "2021-01-13T10:00:00+03:00",
			"accommodation": "Hotel National", "liaison_officer": "I. Petrov", "precedence": 2,
		})).JSON(t)
		dgWant(t, r, dgPair(p.head, "head"), dgPair(p.adviser, "adviser"))
		id := int64(r["id"].(float64))
		path := fmt.Sprintf("%s/%d", base, id)

		got := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", path, nil)).JSON(t)
		dgWant(t, got, dgPair(p.head, "head"), dgPair(p.adviser, "adviser"))
		if got["event_id"] != float64(p.event) || got["arrival_at"] != "2021-01-11T11:30:00Z" || got["size_limit"] != float64(4) ||
			got["accommodation"] != "Hotel National" || got["precedence"] != float64(2) {
			t.Fatalf("stored delegation = %v", got)
		}

		// "members" replaces the set; the head stays.
		got = e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{
			"members": []map[string]any{{"person_id": p.interp, "role": "interpreter"}, {"person_id": p.adviser, "role": "adviser"}},
		})).JSON(t)
		dgWant(t, got, dgPair(p.head, "head"), dgPair(p.interp, "interpreter"), dgPair(p.adviser, "adviser"))

		// A new head alone: the former head stays on as a member.
		got = e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{"head_person_id": p.adviser})).JSON(t)
		dgWant(t, got, dgPair(p.head, "member"), dgPair(p.interp, "interpreter"), dgPair(p.adviser, "head"))
		if got["accommodation"] != "Hotel National" {
			t.Fatalf("PATCH changed a field not sent: %v", got)
		}
		if n := e.auditCount("delegation", id); n != 3 {
			t.Fatalf("audit entries = %d, want 3", n)
		}

		// The list is ordered by precedence, then id, with members.
		am := e.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office of the Republic of Armenia"})
		amHead := dgPerson(t, e, am, "Artur Davtyan", "a.davtyan@prosecutor-am.test", "hy")
		amID := e.create(base, map[string]any{"organization_id": am, "head_person_id": amHead, "precedence": 1})
		list := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", base, nil)).JSON(t)["items"].([]any)
		if len(list) != 2 || list[0].(map[string]any)["id"] != float64(amID) || list[1].(map[string]any)["id"] != float64(id) {
			t.Fatalf("list = %v", list)
		}
		dgWant(t, list[0].(map[string]any), dgPair(amHead, "head"))
		dgWant(t, list[1].(map[string]any), dgPair(p.head, "member"), dgPair(p.interp, "interpreter"), dgPair(p.adviser, "head"))

		// Another event's URL does not reach this delegation.
		other := fmt.Sprintf("/api/v1/events/%d/delegations/%d", dgEvent(t, e, 300), id)
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", other, nil))
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "PATCH", other, map[string]any{"precedence": 9}))
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "DELETE", other, nil))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", "/api/v1/events/999999/delegations", nil))

		// Viewers read, never write.
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "PATCH", path, map[string]any{"precedence": 9}))
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "DELETE", path, nil))

		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", path, nil))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", path, nil))
		if n := e.auditCount("delegation", id); n != 4 {
			t.Fatalf("audit entries after delete = %d, want 4", n)
		}
	})
}

func TestDelegationsInvalid(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		p := dgSetup(t, e)
		base := fmt.Sprintf("/api/v1/events/%d/delegations", p.event)
		tests := []struct {
			name   string
			body   map[string]any
			status int
			field  string
		}{
			{"head listed without the role head", map[string]any{"organization_id": p.org, "head_person_id": p.head,
				"members": []map[string]any{{"person_id": p.head, "role": "adviser"}}}, 422, "members"},
			{"role head on someone who is not the head", map[string]any{"organization_id": p.org, "head_person_id": p.head,
				"members": []map[string]any{{"person_id": p.adviser, "role": "head"}}}, 422, "members"},
			{"size limit exceeded", map[string]any{"organization_id": p.org, "head_person_id": p.head, "size_limit": 2,
				"members": []map[string]any{{"person_id": p.adviser}, {"person_id": p.interp}}}, 422, "members"},
			{"missing organization", map[string]any{"head_person_id": p.head}, 422, "organization_id"},
			{"unknown organization", map[string]any{"organization_id": 999999}, 422, "organization_id"},
			{"unknown head", map[string]any{"organization_id": p.org, "head_person_id": 999999}, 422, "head_person_id"},
			{"unknown member", map[string]any{"organization_id": p.org, "members": []map[string]any{{"person_id": 999999}}}, 422, "members"},
			{"member listed twice", map[string]any{"organization_id": p.org,
				"members": []map[string]any{{"person_id": p.adviser}, {"person_id": p.adviser, "role": "security"}}}, 422, "members"},
			{"time without offset", map[string]any{"organization_id": p.org, "arrival_at": "2021-01-11T15:30:00"}, 422, "arrival_at"},
			{"departure before arrival", map[string]any{"organization_id": p.org,
				"arrival_at": "2021-01-12T10:00:00Z", "departure_at": "2021-01-11T10:00:00Z"}, 422, "departure_at"},
			{"misspelt member field", map[string]any{"organization_id": p.org, "members": []map[string]any{{"person": p.adviser}}}, 400, "members"},
			{"event_id is not writable", map[string]any{"organization_id": p.org, "event_id": p.event}, 400, "event_id"},
		}
		for _, tt := range tests {
			r := e.must(tt.status, e.call(domain.RoleOfficer, "POST", base, tt.body))
			if f := r.ErrorField(t); f != tt.field {
				t.Errorf("%s: error field %q, want %q: %s", tt.name, f, tt.field, r.Body)
			}
		}
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "POST", "/api/v1/events/999999/delegations", map[string]any{"organization_id": p.org}))
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "POST", base, map[string]any{"organization_id": p.org}))
		if list := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", base, nil)).JSON(t)["items"].([]any); len(list) != 0 {
			t.Fatalf("refused delegations were stored: %v", list)
		}

		// One delegation per organization per event.
		id := e.create(base, map[string]any{"organization_id": p.org, "head_person_id": p.head,
			"members": []map[string]any{{"person_id": p.adviser}}})
		r := e.must(http.StatusConflict, e.call(domain.RoleOfficer, "POST", base, map[string]any{"organization_id": p.org}))
		if r.ErrorField(t) != "organization_id" {
			t.Fatalf("duplicate: %s", r.Body)
		}

		// A refused PATCH changes nothing, members included.
		path := fmt.Sprintf("%s/%d", base, id)
		for _, body := range []map[string]any{
			{"accommodation": "Hotel Metropol", "members": []map[string]any{{"person_id": p.interp}, {"person_id": 999999}}},
			{"accommodation": "Hotel Metropol", "size_limit": 1},
		} {
			e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "PATCH", path, body))
		}
		other := e.create("/api/v1/organizations", map[string]any{"name": "Secretariat of the Council of Europe"})
		e.create(base, map[string]any{"organization_id": other})
		e.must(http.StatusConflict, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{"organization_id": other, "accommodation": "Hotel Metropol"}))
		got := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", path, nil)).JSON(t)
		dgWant(t, got, dgPair(p.head, "head"), dgPair(p.adviser, "member"))
		if got["accommodation"] != "" || got["organization_id"] != float64(p.org) {
			t.Fatalf("a refused PATCH changed the delegation: %v", got)
		}
		if n := e.auditCount("delegation", id); n != 1 {
			t.Fatalf("audit entries = %d, want 1 (refused changes leave none)", n)
		}
	})
}
