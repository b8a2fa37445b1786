package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// aliyev is the reference scenario's guest from Azerbaijan, in Latin and Cyrillic.
func aliyev(orgID int64) map[string]any {
	return map[string]any{
		"organization_id": orgID,
		"full_name":       "Kamran Aliyev",
		"honorific":       "Prosecutor General of the Republic of Azerbaijan",
		"email":           "K.Aliyev@GenProsecutor-AZ.test",
		"language":        "az-Latn",
		"phone":           "+994 12 000 00 00",
		"names": map[string]any{
			"ru": map[string]any{"full_name": "Камран Алиев", "honorific": "Генеральный прокурор Азербайджанской Республики",
				"address": "Уважаемый господин Генеральный прокурор"},
			"az": map[string]any{"full_name": "Kamran Əliyev", "honorific": "Azərbaycan Respublikasının Baş prokuroru"},
		},
	}
}

func TestPeopleCRUD(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		org := e.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office of the Republic of Azerbaijan"})
		id := e.create("/api/v1/people", aliyev(org))
		path := fmt.Sprintf("/api/v1/people/%d", id)

		got := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", path, nil)).JSON(t)
		ru := pvName(t, got, "ru")
		if got["email"] != "k.aliyev@genprosecutor-az.test" || got["organization_id"] != float64(org) || got["language"] != "az-Latn" ||
			ru["full_name"] != "Камран Алиев" || ru["address"] != "Уважаемый господин Генеральный прокурор" {
			t.Fatalf("stored person = %v", got)
		}
		if az := pvName(t, got, "az"); az["full_name"] != "Kamran Əliyev" {
			t.Fatalf("az name = %v", az)
		}

		// PATCH without names keeps them; PATCH with names replaces the whole map.
		got = e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{"phone": "+994 12 111 11 11"})).JSON(t)
		if got["phone"] != "+994 12 111 11 11" || len(got["names"].(map[string]any)) != 2 || got["full_name"] != "Kamran Aliyev" {
			t.Fatalf("after phone patch = %v", got)
		}
		got = e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{
			"names": map[string]any{"RU": map[string]any{"full_name": "Камран Имранович Алиев", "address": "Уважаемый Камран Имранович"}},
		})).JSON(t)
		if names := got["names"].(map[string]any); len(names) != 1 || pvName(t, got, "ru")["full_name"] != "Камран Имранович Алиев" {
			t.Fatalf("names after replace = %v", got["names"])
		}
		got = e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", path, nil)).JSON(t)
		if names := got["names"].(map[string]any); len(names) != 1 || pvName(t, got, "ru")["address"] != "Уважаемый Камран Имранович" {
			t.Fatalf("stored names after replace = %v", got["names"])
		}

		// A null organization_id detaches the person; null names clears them.
		got = e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{"organization_id": nil, "names": nil})).JSON(t)
		if got["organization_id"] != nil || len(got["names"].(map[string]any)) != 0 {
			t.Fatalf("after clearing = %v", got)
		}

		entries, _, err := e.svc.Audit(context.Background(), store.AuditFilter{EntityType: "person", EntityID: id}, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 4 {
			t.Fatalf("audit entries = %d, want 4 (create, 3 updates)", len(entries))
		}
		if u := entries[1]; u.Action != "update" || !strings.Contains(u.Before, "Kamran Əliyev") || strings.Contains(u.After, "Kamran Əliyev") ||
			!strings.Contains(u.After, "Камран Имранович Алиев") {
			t.Fatalf("names update audit = %+v", u)
		}

		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", path, nil))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", path, nil))
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "DELETE", path, nil))
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "PATCH", path, map[string]any{"phone": "1"}))
		entries, _, err = e.svc.Audit(context.Background(), store.AuditFilter{EntityType: "person", EntityID: id}, store.Page{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if d := entries[0]; d.Action != "delete" || !strings.Contains(d.Before, "Kamran Aliyev") || d.After != "" {
			t.Fatalf("delete audit = %+v", d)
		}
	})
}

func TestPeopleInvalid(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		org := e.create("/api/v1/organizations", map[string]any{"name": "PGO AZ"})
		tests := []struct {
			name   string
			edit   func(m map[string]any)
			status int
			field  string
		}{
			{"unknown organization", func(m map[string]any) { m["organization_id"] = 999999 }, 422, "organization_id"},
			{"organization_id not a number", func(m map[string]any) { m["organization_id"] = "PGO AZ" }, 400, "organization_id"},
			{"missing full name", func(m map[string]any) { delete(m, "full_name") }, 422, "full_name"},
			{"CR LF in full name", func(m map[string]any) { m["full_name"] = "Kamran Aliyev\r\nBcc: x@evil.test" }, 422, "full_name"},
			{"bad e-mail", func(m map[string]any) { m["email"] = "aliyev@" }, 422, "email"},
			{"bad language", func(m map[string]any) { m["language"] = "azerbaijani!" }, 422, "language"},
			{"bad name language", func(m map[string]any) {
				m["names"] = map[string]any{"cyrillic": map[string]any{"full_name": "Камран Алиев"}}
			}, 422, "names.cyrillic"},
			{"LF in form of address", func(m map[string]any) {
				m["names"] = map[string]any{"ru": map[string]any{"full_name": "Камран Алиев", "address": "Уважаемый\nгосподин"}}
			}, 422, "names.ru.address"},
			{"name without full name", func(m map[string]any) {
				m["names"] = map[string]any{"ru": map[string]any{"honorific": "Генеральный прокурор"}}
			}, 422, "names.ru.full_name"},
			{"misspelt name field", func(m map[string]any) {
				m["names"] = map[string]any{"ru": map[string]any{"full_name": "Камран Алиев", "adress": "Уважаемый господин"}}
			}, 400, "names.ru"},
			{"name field of the wrong type", func(m map[string]any) {
				m["names"] = map[string]any{"ru": map[string]any{"full_name": 5}}
			}, 400, "names.ru.full_name"},
			{"unknown field", func(m map[string]any) { m["title"] = "Mr" }, 400, "title"},
		}
		for _, tt := range tests {
			body := aliyev(org)
			tt.edit(body)
			r := e.must(tt.status, e.call(domain.RoleOfficer, "POST", "/api/v1/people", body))
			if f := r.ErrorField(t); f != tt.field {
				t.Errorf("%s: error field = %q, want %q (%s)", tt.name, f, tt.field, r.Body)
			}
		}
		items, _, err := e.svc.People(context.Background(), store.PersonFilter{}, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 0 {
			t.Fatalf("refused creations stored %d people", len(items))
		}

		// A refused PATCH changes nothing, names included, and writes no audit entry.
		id := e.create("/api/v1/people", aliyev(org))
		path := fmt.Sprintf("/api/v1/people/%d", id)
		before := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", path, nil)).Body
		for _, patch := range []map[string]any{
			{"full_name": "Someone Else", "email": "not an address"},
			{"full_name": "Someone Else", "names": map[string]any{"ru": map[string]any{"full_name": "Кто-то\r\nДругой"}}},
			{"full_name": "Someone Else", "names": map[string]any{}, "organization_id": 999999},
		} {
			e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "PATCH", path, patch))
		}
		after := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", path, nil)).Body
		if string(after) != string(before) {
			t.Fatalf("refused PATCHes changed the person:\n%s\n%s", before, after)
		}
		if n := e.auditCount("person", id); n != 1 {
			t.Fatalf("audit entries = %d, want 1 (create)", n)
		}
	})
}

func TestPeopleSearchAndPagination(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		az := e.create("/api/v1/organizations", map[string]any{"name": "PGO AZ"})
		am := e.create("/api/v1/organizations", map[string]any{"name": "PGO AM"})
		ids := map[string]int64{"aliyev": e.create("/api/v1/people", aliyev(az))}
		for i := 0; i < 4; i++ {
			ids[fmt.Sprint("az", i)] = e.create("/api/v1/people", map[string]any{"organization_id": az, "full_name": fmt.Sprint("Adviser ", i)})
		}
		ids["davtyan"] = e.create("/api/v1/people", map[string]any{
			"organization_id": am, "full_name": "Artur Davtyan", "email": "davtyan@prosecutor-am.test", "language": "hy",
			"names": map[string]any{"ru": map[string]any{"full_name": "Артур Давтян"}, "hy": map[string]any{"full_name": "Արթուր Դավթյան"}},
		})
		ids["ter"] = e.create("/api/v1/people", map[string]any{"full_name": "ПЕРЕВОДЧИК-СИНХРОНИСТ делегации", "language": "ru", "email": "sync_interpreter@example.test"})

		all := pvCollect(t, e, "/api/v1/people?limit=2")
		if len(all) != 7 {
			t.Fatalf("paged through %d people, want 7", len(all))
		}
		for i := 1; i < len(all); i++ {
			if all[i]["id"].(float64) <= all[i-1]["id"].(float64) {
				t.Fatalf("pages not in id order: %v", all)
			}
		}
		if n := len(all[0]["names"].(map[string]any)); n != 2 {
			t.Fatalf("list items carry %d names, want 2: %v", n, all[0])
		}

		tests := []struct {
			query string
			want  []string
		}{
			{"q=Aliyev", []string{"aliyev"}},
			{"q=ALIYEV", []string{"aliyev"}},
			{"q=алиев", []string{"aliyev"}},
			{"q=АЛИЕВ", []string{"aliyev"}},
			{"q=Алиев", []string{"aliyev"}},
			{"q=камран алиев", []string{"aliyev"}},
			{"q=лиев", []string{"aliyev"}},
			{"q=Əliyev", []string{"aliyev"}},
			{"q=давтян", []string{"davtyan"}},
			{"q=Դավթյան", []string{"davtyan"}},
			{"q=переводчик-синхронист", []string{"ter"}},
			{"q=синхронист", []string{"ter"}},
			{"q=genprosecutor", []string{"aliyev"}},
			{"q=PROSECUTOR-AM", []string{"davtyan"}},
			{"q=c_int", []string{"ter"}},
			{"q=%25", nil},
			{"q=adviser", []string{"az0", "az1", "az2", "az3"}},
			{"q=Иванов", nil},
			{fmt.Sprint("organization_id=", az), []string{"aliyev", "az0", "az1", "az2", "az3"}},
			{fmt.Sprint("organization_id=", am, "&q=артур"), []string{"davtyan"}},
			{fmt.Sprint("organization_id=", az, "&q=артур"), nil},
			{fmt.Sprint("organization_id=", az, "&q=adviser&limit=3"), []string{"az0", "az1", "az2", "az3"}},
		}
		names := make(map[int64]string, len(ids))
		for k, v := range ids {
			names[v] = k
		}
		for _, tt := range tests {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range pvCollect(t, e, "/api/v1/people?"+q.Encode()) {
				got = append(got, names[int64(it["id"].(float64))])
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("%s found %v, want %v", tt.query, got, tt.want)
			}
		}

		r := e.must(http.StatusBadRequest, e.call(domain.RoleViewer, "GET", "/api/v1/people?organization_id=az", nil))
		if r.ErrorField(t) != "organization_id" {
			t.Fatalf("bad filter: %s", r.Body)
		}
		r = e.must(http.StatusUnprocessableEntity, e.call(domain.RoleViewer, "GET", "/api/v1/people?cursor=zzz", nil))
		if r.ErrorField(t) != "cursor" {
			t.Fatalf("bad cursor: %s", r.Body)
		}
	})
}

func TestPeopleReferenced(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		org := e.create("/api/v1/organizations", map[string]any{"name": "PGO AZ"})
		id := e.create("/api/v1/people", aliyev(org))

		// A delegation member or an invitee can not be deleted. The delegation and
		// invitation APIs are not this file's, so their rows are written directly.
		event := pvInsertEvent(t, e, nil)
		delegation := pvInsert(t, e, fmt.Sprintf(`INSERT INTO delegations (event_id, organization_id, created_at, updated_at)
			VALUES (%d, %d, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`, event, org))
		pvExec(t, e, fmt.Sprintf(`INSERT INTO delegation_members (delegation_id, person_id, role) VALUES (%d, %d, 'member')`, delegation, id))
		path := fmt.Sprintf("/api/v1/people/%d", id)
		e.must(http.StatusConflict, e.call(domain.RoleOfficer, "DELETE", path, nil))

		pvExec(t, e, fmt.Sprintf(`DELETE FROM delegation_members WHERE person_id = %d`, id))
		pvInsert(t, e, fmt.Sprintf(`INSERT INTO invitations (event_id, person_id, email, language, rsvp_nonce, rsvp_lookup, created_at, updated_at)
			VALUES (%d, %d, 'k.aliyev@genprosecutor-az.test', 'ru', 'n', 'l', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`, event, id))
		r := e.must(http.StatusConflict, e.call(domain.RoleOfficer, "DELETE", path, nil))
		if code := r.JSON(t)["error"].(map[string]any)["code"]; code != "conflict" {
			t.Fatalf("error code = %v", code)
		}

		// The refused deletions left the person, their names and the audit trail alone.
		got := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", path, nil)).JSON(t)
		if pvName(t, got, "ru")["full_name"] != "Камран Алиев" {
			t.Fatalf("names after refused delete = %v", got["names"])
		}
		if n := e.auditCount("person", id); n != 1 {
			t.Fatalf("audit entries = %d, want 1 (create)", n)
		}
	})
}

func TestPeopleBlockOrganizationDelete(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		org := e.create("/api/v1/organizations", map[string]any{"name": "PGO AZ"})
		id := e.create("/api/v1/people", aliyev(org))
		orgPath := fmt.Sprintf("/api/v1/organizations/%d", org)
		r := e.call(domain.RoleOfficer, "DELETE", orgPath, nil)
		e.must(http.StatusConflict, r)
		e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", orgPath, nil))

		// Once the person has gone, so can the organization.
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("/api/v1/people/%d", id), nil))
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", orgPath, nil))
	})
}

func TestPeoplePermissions(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		id := e.create("/api/v1/people", map[string]any{"full_name": "Kamran Aliyev"})
		path := fmt.Sprintf("/api/v1/people/%d", id)
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "POST", "/api/v1/people", map[string]any{"full_name": "X"}))
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "PATCH", path, map[string]any{"full_name": "X"}))
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "DELETE", path, nil))
		e.must(http.StatusUnauthorized, e.call("", "GET", path, nil))
		e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", "/api/v1/people", nil))
		got := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", path, nil)).JSON(t)
		if got["full_name"] != "Kamran Aliyev" {
			t.Fatalf("viewer changed the person: %v", got)
		}
		if n := e.auditCount("person", id); n != 1 {
			t.Fatalf("audit entries = %d, want 1", n)
		}
		e.must(http.StatusNoContent, e.call(domain.RoleAdmin, "DELETE", path, nil))
	})
}

// pvName returns names[lang] of a decoded person.
func pvName(t *testing.T, person map[string]any, lang string) map[string]any {
	t.Helper()
	names, _ := person["names"].(map[string]any)
	n, _ := names[lang].(map[string]any)
	if n == nil {
		t.Fatalf("no %s name in %v", lang, person)
	}
	return n
}

// pvCollect follows next_cursor from path and returns every item.
func pvCollect(t *testing.T, e *env, path string) []map[string]any {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var out []map[string]any
	for next := ""; ; {
		p := path
		if next != "" {
			p += sep + "cursor=" + url.QueryEscape(next)
		}
		m := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", p, nil)).JSON(t)
		for _, it := range m["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		var ok bool
		if next, ok = m["next_cursor"].(string); !ok {
			return out
		}
		if len(out) > 1000 {
			t.Fatalf("%s: pagination does not end", path)
		}
	}
}

// pvInsertEvent writes a bare event row, for reference tests of resources that do not
// own events.
func pvInsertEvent(t *testing.T, e *env, venueID *int64) int64 {
	t.Helper()
	venue := "NULL"
	if venueID != nil {
		venue = fmt.Sprint(*venueID)
	}
	return pvInsert(t, e, fmt.Sprintf(`INSERT INTO events (uid, title, kind, status, timezone, starts_at, ends_at, venue_id, created_at, updated_at)
		VALUES ('pv-%d@attache.test', 'Visit', 'visit', 'draft', 'Europe/Moscow', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, %s,
		CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`, time.Now().UnixNano(), venue))
}

// pvInsert runs an INSERT … RETURNING id on the test database (both dialects).
func pvInsert(t *testing.T, e *env, sql string) int64 {
	t.Helper()
	var id int64
	if err := e.st.DB().QueryRow(sql).Scan(&id); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return id
}

func pvExec(t *testing.T, e *env, sql string) {
	t.Helper()
	if _, err := e.st.DB().Exec(sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestPeopleQueryCount checks that loading people costs two queries (people, then all
// their names) however many there are, so lists of members and invitees stay cheap.
func TestPeopleQueryCount(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		org := e.create("/api/v1/organizations", map[string]any{"name": "PGO AZ"})
		var ids []int64
		for i := 0; i < 12; i++ {
			p := aliyev(org)
			p["full_name"] = fmt.Sprint("Adviser ", i)
			ids = append(ids, e.create("/api/v1/people", p))
		}
		queries := 0
		err := e.st.Gorm().Callback().Query().After("gorm:query").Register("pv:count", func(*gorm.DB) { queries++ })
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		count := func(what string, fn func(q *store.Q) (int, error)) {
			t.Helper()
			queries = 0
			var n int
			if err := e.st.InTx(ctx, func(q *store.Q) error {
				var err error
				n, err = fn(q)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if queries != 2 {
				t.Errorf("%s (%d people) took %d queries, want 2", what, n, queries)
			}
		}
		for _, limit := range []int{1, 5, 12} {
			count(fmt.Sprint("a page of ", limit), func(q *store.Q) (int, error) {
				items, _, err := q.ListPeople(store.PersonFilter{Search: "adviser"}, store.Page{Limit: limit})
				for _, p := range items {
					if len(p.Names) != 2 {
						t.Errorf("person %d has names %v", p.ID, p.Names)
					}
				}
				return len(items), err
			})
		}
		for _, n := range []int{1, 12} {
			count("GetPeople", func(q *store.Q) (int, error) {
				m, err := q.GetPeople(append(ids[:n:n], 999999))
				if len(m) != n {
					t.Errorf("GetPeople found %d, want %d", len(m), n)
				}
				for _, p := range m {
					if p.Names["ru"].FullName != "Камран Алиев" {
						t.Errorf("person %d has names %v", p.ID, p.Names)
					}
				}
				return len(m), err
			})
		}
		count("GetPerson", func(q *store.Q) (int, error) {
			p, err := q.GetPerson(ids[0])
			if err == nil && p.Names["az"].FullName != "Kamran Əliyev" {
				t.Errorf("GetPerson names = %v", p.Names)
			}
			return 1, err
		})
	})
}
