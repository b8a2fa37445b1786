package http_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

// fmValue returns the value of the form's input (or textarea) named name, as shown.
func fmValue(t *testing.T, r resp, name string) string {
	t.Helper()
	q := regexp.QuoteMeta(name)
	if m := regexp.MustCompile(`<input id="f-` + q + `" [^>]*value="([^"]*)"`).FindSubmatch(r.Body); m != nil {
		return html.UnescapeString(string(m[1]))
	}
	if m := regexp.MustCompile(`(?s)<textarea id="f-` + q + `"[^>]*>(.*?)</textarea>`).FindSubmatch(r.Body); m != nil {
		return strings.TrimPrefix(html.UnescapeString(string(m[1])), "\n")
	}
	t.Fatalf("no input %q in:\n%s", name, r.Body)
	return ""
}

// fmSelected returns the selected options' values of the select named name.
func fmSelected(t *testing.T, r resp, name string) []string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<select id="f-` + regexp.QuoteMeta(name) + `"[^>]*>(.*?)</select>`).FindSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no select %q in:\n%s", name, r.Body)
	}
	var out []string
	for _, o := range regexp.MustCompile(`<option value="([^"]*)"[^>]* selected`).FindAllSubmatch(m[1], -1) {
		out = append(out, string(o[1]))
	}
	return out
}

// fmBeside checks that the page shows want as the error of field, right beside its input
// (inside the same field block, after it), and the summary at the top.
func fmBeside(t *testing.T, r resp, field, want string) {
	t.Helper()
	body := string(r.Body)
	m := regexp.MustCompile(`<p class="error" id="e-` + regexp.QuoteMeta(field) + `">([^<]*)</p>`).FindStringSubmatchIndex(body)
	if m == nil {
		t.Fatalf("no error beside %q in:\n%s", field, body)
	}
	if got := html.UnescapeString(body[m[2]:m[3]]); !strings.Contains(got, want) {
		t.Fatalf("error beside %q = %q, want it to say %q", field, got, want)
	}
	in := strings.Index(body, `id="f-`+field+`"`)
	if in < 0 || in > m[0] {
		t.Fatalf("the error of %q is not after its input (input at %d, error at %d)", field, in, m[0])
	}
	if between := body[in:m[0]]; strings.Contains(between, `class="field`) && !strings.Contains(field, "members") && !strings.Contains(field, "delegation_ids") {
		t.Fatalf("another field lies between %q and its error:\n%s", field, between)
	}
	if !strings.Contains(body, `role="alert"`) {
		t.Fatalf("no summary alert at the top:\n%s", body)
	}
}

// fmStatus fails unless r has the wanted status.
func fmStatus(t *testing.T, r resp, want int) resp {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d:\n%s", r.Status, want, r.Body)
	}
	return r
}

// fmCreated reads the id at the end of a redirect such as /organizations/12.
func fmCreated(t *testing.T, r resp, prefix string) int64 {
	t.Helper()
	fmStatus(t, r, http.StatusSeeOther)
	loc := r.Header.Get("Location")
	var id int64
	if _, err := fmt.Sscanf(strings.TrimPrefix(loc, prefix), "%d", &id); err != nil || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("redirect to %q, want %s<id>", loc, prefix)
	}
	return id
}

// fmRedirect fails unless r is a 303 to want.
func fmRedirect(t *testing.T, r resp, want string) {
	t.Helper()
	fmStatus(t, r, http.StatusSeeOther)
	if got := r.Header.Get("Location"); got != want {
		t.Fatalf("redirect to %q, want %q", got, want)
	}
}

func TestUIFormsOrganization(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		b := e.signIn(domain.RoleOfficer)
		fmStatus(t, b.get("/organizations/new"), http.StatusOK).contains(t, `action="/organizations/new"`, `name="_csrf"`,
			`href="/directory"`, "(required)")

		// A bad country code: the error beside it, every value as typed.
		bad := url.Values{"name": {"Prosecutor General's Office of Azerbaijan"}, "short_name": {"PGO AZ"},
			"country_code": {"AZE"}, "kind": {"state_body"}}
		r := fmStatus(t, b.post("/organizations/new", bad), http.StatusUnprocessableEntity)
		fmBeside(t, r, "country_code", "two-letter")
		if fmValue(t, r, "country_code") != "AZE" || fmValue(t, r, "name") != "Prosecutor General's Office of Azerbaijan" {
			t.Fatalf("values not kept: %q %q", fmValue(t, r, "country_code"), fmValue(t, r, "name"))
		}

		good := url.Values{"name": {"Prosecutor General's Office of Azerbaijan"}, "short_name": {"PGO AZ"},
			"country_code": {"az"}, "kind": {"state_body"}}
		id := fmCreated(t, b.post("/organizations/new", good), "/organizations/")
		got := esGet(t, e, fmt.Sprintf("/api/v1/organizations/%d", id))
		if got["name"] != "Prosecutor General's Office of Azerbaijan" || got["country_code"] != "AZ" || got["short_name"] != "PGO AZ" {
			t.Fatalf("created %v", got)
		}

		// Edit: the form shows the record; a change is saved.
		edit := fmt.Sprintf("/organizations/%d/edit", id)
		r = fmStatus(t, b.get(edit), http.StatusOK)
		if fmValue(t, r, "short_name") != "PGO AZ" || fmSelected(t, r, "kind")[0] != "state_body" {
			t.Fatalf("edit form does not show the record:\n%s", r.Body)
		}
		r.contains(t, fmt.Sprintf(`action="/organizations/%d/delete"`, id), "data-confirm=")
		good.Set("kind", "international_org")
		good.Set("short_name", "GP AZ")
		fmRedirect(t, b.post(edit, good), fmt.Sprintf("/organizations/%d", id))
		if got := esGet(t, e, fmt.Sprintf("/api/v1/organizations/%d", id)); got["kind"] != "international_org" || got["short_name"] != "GP AZ" {
			t.Fatalf("edited %v", got)
		}
		good.Set("name", "")
		r = fmStatus(t, b.post(edit, good), http.StatusUnprocessableEntity)
		fmBeside(t, r, "name", "is required")
		if fmValue(t, r, "short_name") != "GP AZ" {
			t.Fatal("short name not kept as typed")
		}

		// Delete: refused while a person belongs to it (the reason at the top), then done.
		person := esPerson(t, e, id, "Kamran Aliyev")
		r = fmStatus(t, b.post(fmt.Sprintf("/organizations/%d/delete", id), nil), http.StatusConflict)
		r.contains(t, `role="alert"`)
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("/api/v1/people/%d", person), nil))
		fmRedirect(t, b.post(fmt.Sprintf("/organizations/%d/delete", id), nil), "/directory")
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", fmt.Sprintf("/api/v1/organizations/%d", id), nil))
	})
}

func TestUIFormsPerson(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		org := e.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office of Azerbaijan"})
		b := e.signIn(domain.RoleOfficer)
		r := fmStatus(t, b.get("/people/new"), http.StatusOK)
		r.contains(t, `name="names.0.language"`, `name="organization_id"`, "Prosecutor General&#39;s Office of Azerbaijan")

		form := url.Values{"full_name": {"Kamran Aliyev"}, "honorific": {"Prosecutor General"},
			"organization_id": {fmt.Sprint(org)}, "email": {"k.aliyev@genprosecutor-az.test"}, "language": {"RU"},
			"names.0.language": {"az"}, "names.0.full_name": {"Kamran Əliyev"}, "names.0.address": {"Hörmətli cənab Baş prokuror"},
			"names.1.language": {"ru"}, "names.1.full_name": {""}, "names.1.honorific": {"Генеральный прокурор"}}
		// The Russian row lacks its full name: the error lands beside that row's input.
		r = fmStatus(t, b.post("/people/new", form), http.StatusUnprocessableEntity)
		fmBeside(t, r, "names.1.full_name", "is required")
		if fmValue(t, r, "names.1.honorific") != "Генеральный прокурор" || fmValue(t, r, "names.0.full_name") != "Kamran Əliyev" {
			t.Fatal("name rows not kept as typed")
		}
		r.contains(t, `name="names.2.language"`) // and one more empty row
		// A bad e-mail lands beside the e-mail.
		form.Set("names.1.full_name", "Камран Алиев")
		form.Set("email", "not an address")
		r = fmStatus(t, b.post("/people/new", form), http.StatusUnprocessableEntity)
		fmBeside(t, r, "email", "e-mail address")
		if fmValue(t, r, "email") != "not an address" {
			t.Fatal("e-mail not kept as typed")
		}
		// Two rows for one language.
		form.Set("email", "k.aliyev@genprosecutor-az.test")
		form.Set("names.2.language", "AZ")
		form.Set("names.2.full_name", "Kamran Aliyev")
		r = fmStatus(t, b.post("/people/new", form), http.StatusUnprocessableEntity)
		fmBeside(t, r, "names.2.language", "already")

		form.Del("names.2.language")
		form.Del("names.2.full_name")
		id := fmCreated(t, b.post("/people/new", form), "/people/")
		p, err := e.svc.Person(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Language != "ru" || p.OrganizationID == nil || *p.OrganizationID != org || p.Names["az"].Address != "Hörmətli cənab Baş prokuror" ||
			p.Names["ru"].FullName != "Камран Алиев" || len(p.Names) != 2 {
			t.Fatalf("created %+v", p)
		}

		// Edit: the names are shown as rows; clearing a row removes that name.
		edit := fmt.Sprintf("/people/%d/edit", id)
		r = fmStatus(t, b.get(edit), http.StatusOK)
		if fmValue(t, r, "names.0.language") != "az" || fmValue(t, r, "names.1.full_name") != "Камран Алиев" || fmValue(t, r, "names.2.language") != "" {
			t.Fatalf("edit form rows:\n%s", r.Body)
		}
		form.Set("names.0.language", "")
		form.Set("names.0.full_name", "")
		form.Set("names.0.address", "")
		form.Set("phone", "+994 12 000 00 00")
		fmRedirect(t, b.post(edit, form), fmt.Sprintf("/people/%d", id))
		if p, _ = e.svc.Person(ctx, id); len(p.Names) != 1 || p.Phone != "+994 12 000 00 00" {
			t.Fatalf("edited %+v", p)
		}

		fmRedirect(t, b.post(fmt.Sprintf("/people/%d/delete", id), nil), "/directory")
		if _, err := e.svc.Person(ctx, id); err == nil {
			t.Fatal("person not deleted")
		}
	})
}

func TestUIFormsVenues(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		b := e.signIn(domain.RoleOfficer)
		r := fmStatus(t, b.post("/venues/new", url.Values{"name": {"Prosecutor General's Office"}, "city": {"Moscow"},
			"timezone": {"Moscow"}}), http.StatusUnprocessableEntity)
		fmBeside(t, r, "timezone", "IANA")
		if fmValue(t, r, "timezone") != "Moscow" || fmValue(t, r, "city") != "Moscow" {
			t.Fatal("venue values not kept")
		}
		r = b.post("/venues/new", url.Values{"name": {"Prosecutor General's Office"}, "city": {"Moscow"},
			"address": {"Bolshaya Dmitrovka 15a"}, "timezone": {"Europe/Moscow"}})
		venue := fmCreated(t, r, "/venues#venue-")

		rooms := fmt.Sprintf("/venues/%d/rooms/new", venue)
		fmStatus(t, b.get(rooms), http.StatusOK).contains(t, "Prosecutor General&#39;s Office")
		r = fmStatus(t, b.post(rooms, url.Values{"name": {"Hall of Columns"}, "capacity": {"many"}}), http.StatusUnprocessableEntity)
		fmBeside(t, r, "capacity", "whole number")
		if fmValue(t, r, "capacity") != "many" || fmValue(t, r, "name") != "Hall of Columns" {
			t.Fatal("room values not kept")
		}
		fmBeside(t, fmStatus(t, b.post(rooms, url.Values{"name": {"Hall of Columns"}, "capacity": {"-3"}}), http.StatusUnprocessableEntity),
			"capacity", "negative")
		fmRedirect(t, b.post(rooms, url.Values{"name": {"Hall of Columns"}, "capacity": {"120"}}), fmt.Sprintf("/venues#venue-%d", venue))
		fmRedirect(t, b.post(rooms, url.Values{"name": {"Small hall"}}), fmt.Sprintf("/venues#venue-%d", venue))
		list, _, err := e.svc.Rooms(ctx, venue, service.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Name != "Hall of Columns" || list[0].Capacity != 120 {
			t.Fatalf("rooms %+v", list)
		}

		// The list shows venues with their rooms and edit links; a viewer sees no edit controls.
		page := fmStatus(t, b.get("/venues"), http.StatusOK)
		page.contains(t, "Prosecutor General&#39;s Office", "Hall of Columns", "Small hall", "Europe/Moscow", `href="/venues/new"`,
			fmt.Sprintf(`href="/venues/%d/rooms/%d/edit"`, venue, list[0].ID), fmt.Sprintf(`href="/venues/%d/edit"`, venue))
		v := e.signIn(domain.RoleViewer)
		vp := fmStatus(t, v.get("/venues"), http.StatusOK)
		vp.contains(t, "Hall of Columns")
		if strings.Contains(string(vp.Body), "/edit") || strings.Contains(string(vp.Body), `href="/venues/new"`) {
			t.Fatalf("a viewer sees edit controls:\n%s", vp.Body)
		}
		fmStatus(t, b.get("/venues?q=moscow"), http.StatusOK).contains(t, "Hall of Columns")
		esVenue(t, e, "<img src=x onerror=alert(1)>", "UTC")
		if body := string(b.get("/venues").Body); strings.Contains(body, "<img src=x") || !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Fatal("a venue's name is not escaped")
		}
		fmStatus(t, b.get("/venues?q=nowhere"), http.StatusOK).contains(t, "No venue matches.")

		// Edit the room and the venue.
		roomEdit := fmt.Sprintf("/venues/%d/rooms/%d/edit", venue, list[0].ID)
		if r := fmStatus(t, b.get(roomEdit), http.StatusOK); fmValue(t, r, "capacity") != "120" {
			t.Fatal("room edit form does not show the capacity")
		}
		fmRedirect(t, b.post(roomEdit, url.Values{"name": {"Hall of Columns"}, "capacity": {"150"}}), fmt.Sprintf("/venues#venue-%d", venue))
		if rm, _ := e.svc.Room(ctx, venue, list[0].ID); rm.Capacity != 150 {
			t.Fatalf("room after edit %+v", rm)
		}
		venueEdit := fmt.Sprintf("/venues/%d/edit", venue)
		if r := fmStatus(t, b.get(venueEdit), http.StatusOK); fmValue(t, r, "address") != "Bolshaya Dmitrovka 15a" {
			t.Fatal("venue edit form does not show the address")
		}
		fmRedirect(t, b.post(venueEdit, url.Values{"name": {"PGO"}, "timezone": {"Europe/Moscow"}}), fmt.Sprintf("/venues#venue-%d", venue))
		if got, _ := e.svc.Venue(ctx, venue); got.Name != "PGO" || got.Address != "" {
			t.Fatalf("venue after edit %+v", got)
		}

		// Delete a room, then the venue (with its other room).
		fmRedirect(t, b.post(fmt.Sprintf("/venues/%d/rooms/%d/delete", venue, list[1].ID), nil), fmt.Sprintf("/venues#venue-%d", venue))
		if _, err := e.svc.Room(ctx, venue, list[1].ID); err == nil {
			t.Fatal("room not deleted")
		}
		fmRedirect(t, b.post(fmt.Sprintf("/venues/%d/delete", venue), nil), "/venues")
		if _, err := e.svc.Venue(ctx, venue); err == nil {
			t.Fatal("venue not deleted")
		}
	})
}
