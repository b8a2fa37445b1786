package http_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/attache-app/attache/internal/domain"
)

func TestOrganizationsCRUD(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		id := e.create("/api/v1/organizations", map[string]any{
			"name": "Prosecutor General's Office of the Republic of Azerbaijan", "short_name": "PGO AZ", "country_code": "az",
		})
		got := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", fmt.Sprintf("/api/v1/organizations/%d", id), nil)).JSON(t)
		if got["country_code"] != "AZ" || got["short_name"] != "PGO AZ" || got["kind"] != "state_body" {
			t.Fatalf("stored organization = %v", got)
		}

		// PATCH changes only the fields sent.
		got = e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", fmt.Sprintf("/api/v1/organizations/%d", id),
			map[string]any{"short_name": "ГП АР"})).JSON(t)
		if got["short_name"] != "ГП АР" || got["country_code"] != "AZ" {
			t.Fatalf("after patch = %v", got)
		}
		if n := e.auditCount("organization", id); n != 2 {
			t.Fatalf("audit entries = %d, want 2 (create, update)", n)
		}

		// Validation names the field, and a failed PATCH leaves the row as it was.
		r := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "PATCH", fmt.Sprintf("/api/v1/organizations/%d", id),
			map[string]any{"short_name": "X", "country_code": "AZE"}))
		if f := r.ErrorField(t); f != "country_code" {
			t.Fatalf("error field = %q", f)
		}
		got = e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", fmt.Sprintf("/api/v1/organizations/%d", id), nil)).JSON(t)
		if got["short_name"] != "ГП АР" {
			t.Fatalf("a refused PATCH changed the row: %v", got)
		}

		// A header-injection attempt in a name is refused outright.
		r = e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "POST", "/api/v1/organizations",
			map[string]any{"name": "Office\r\nBcc: x@evil.test"}))
		if f := r.ErrorField(t); f != "name" {
			t.Fatalf("error field = %q", f)
		}

		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("/api/v1/organizations/%d", id), nil))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", fmt.Sprintf("/api/v1/organizations/%d", id), nil))
	})
}

func TestOrganizationsListPagination(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		for i := 0; i < 5; i++ {
			e.create("/api/v1/organizations", map[string]any{"name": fmt.Sprintf("Office %d", i)})
		}
		var names []string
		path := "/api/v1/organizations?limit=2"
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
			m := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", path, nil)).JSON(t)
			for _, it := range m["items"].([]any) {
				names = append(names, it.(map[string]any)["name"].(string))
			}
			next, ok := m["next_cursor"].(string)
			if !ok {
				break
			}
			path = "/api/v1/organizations?limit=2&cursor=" + next
		}
		if strings.Join(names, ",") != "Office 0,Office 1,Office 2,Office 3,Office 4" {
			t.Fatalf("pages gave %v", names)
		}
		r := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleViewer, "GET", "/api/v1/organizations?cursor=zzz", nil))
		if r.ErrorField(t) != "cursor" {
			t.Fatalf("bad cursor: %s", r.Body)
		}
	})
}

// TestOrganizationsSearch: q matches the name, short name or country code, in any case
// and script, as the web directory's search does.
func TestOrganizationsSearch(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		e.create("/api/v1/organizations", map[string]any{"name": "Генеральная прокуратура Азербайджанской Республики",
			"short_name": "ГП АР", "country_code": "AZ"})
		e.create("/api/v1/organizations", map[string]any{"name": "Council of Europe", "short_name": "CoE"})
		search := func(q string) string {
			m := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", "/api/v1/organizations?q="+url.QueryEscape(q), nil)).JSON(t)
			var names []string
			for _, it := range m["items"].([]any) {
				names = append(names, it.(map[string]any)["short_name"].(string))
			}
			return strings.Join(names, ",")
		}
		for q, want := range map[string]string{
			"генеральная": "ГП АР", "ГЕНЕРАЛЬНАЯ": "ГП АР", "гп ар": "ГП АР", "az": "ГП АР",
			"council": "CoE", "COE": "CoE", "nobody": "",
		} {
			if got := search(q); got != want {
				t.Errorf("q=%q found %q, want %q", q, got, want)
			}
		}
	})
}

func TestAPIAuthAndErrors(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		e.must(http.StatusUnauthorized, e.call("", "GET", "/api/v1/organizations", nil))
		r := e.call("", "GET", "/api/v1/organizations", nil)
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Fatal("401 without WWW-Authenticate")
		}
		bad := e.call(domain.RoleViewer, "GET", "/api/v1/organizations", nil)
		e.tokens["forged"] = e.tokens[domain.RoleViewer] + "x"
		e.must(http.StatusUnauthorized, e.call("forged", "GET", "/api/v1/organizations", nil))
		_ = bad
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "POST", "/api/v1/organizations", map[string]any{"name": "X"}))
		e.must(http.StatusBadRequest, e.call(domain.RoleOfficer, "POST", "/api/v1/organizations", `{"name":`))
		r = e.must(http.StatusBadRequest, e.call(domain.RoleOfficer, "POST", "/api/v1/organizations", map[string]any{"nmae": "X"}))
		if r.ErrorField(t) != "nmae" {
			t.Fatalf("unknown field not named: %s", r.Body)
		}
		e.must(http.StatusRequestEntityTooLarge, e.call(domain.RoleOfficer, "POST", "/api/v1/organizations",
			`{"name":"`+strings.Repeat("a", 2<<20)+`"}`))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", "/api/v1/organizations/abc", nil))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", "/api/v1/organizations/999999", nil))
	})
}
