package http_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

// adPerson finds the demo person with this e-mail through the directory's service.
func adPerson(t *testing.T, e *env, email string) *domain.Person {
	t.Helper()
	people, _, _, err := e.svc.DirectoryPeople(context.Background(), email, service.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range people {
		if p.Email == email {
			return p
		}
	}
	t.Fatalf("no person %s", email)
	return nil
}

func adStatus(t *testing.T, r resp, want int) resp {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d:\n%s", r.Status, want, r.Body)
	}
	return r
}

func (r resp) lacks(t *testing.T, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(string(r.Body), u) {
			t.Errorf("page has %q:\n%s", u, r.Body)
		}
	}
}

func TestUIAdminDirectory(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		if _, err := e.svc.LoadDemo(context.Background()); err != nil {
			t.Fatal(err)
		}
		az := adPerson(t, e, "prosecutor.general@genprosecutor-az.test")
		am := adPerson(t, e, "prosecutor.general@prosecutor-am.test")
		b := e.signIn(domain.RoleOfficer)

		// A Cyrillic fragment in lower case finds the person by their Russian name.
		r := adStatus(t, b.get("/directory?q="+url.QueryEscape("алиев")), http.StatusOK)
		r.contains(t, fmt.Sprintf(`href="/people/%d"`, az.ID), "Камран Алиев", `href="/people/new"`, `href="/organizations/new"`)
		r.lacks(t, fmt.Sprintf(`href="/people/%d"`, am.ID))
		// So does the e-mail, in any case.
		r = adStatus(t, b.get("/directory?q="+url.QueryEscape("Prosecutor.General@PROSECUTOR-am.test")), http.StatusOK)
		r.contains(t, fmt.Sprintf(`href="/people/%d"`, am.ID), "Артур Давтян")
		r.lacks(t, fmt.Sprintf(`href="/people/%d"`, az.ID))
		// And the organization: everyone of the Armenian office, and the office itself.
		r = adStatus(t, b.get("/directory?q="+url.QueryEscape("republic of armenia")), http.StatusOK)
		r.contains(t, fmt.Sprintf(`href="/people/%d"`, am.ID), "Interpreter of the delegation of Armenia",
			fmt.Sprintf(`href="/organizations/%d"`, *am.OrganizationID))
		r.lacks(t, fmt.Sprintf(`href="/people/%d"`, az.ID))
		// Nothing found says so; markup in the search is escaped.
		r = adStatus(t, b.get("/directory?q="+url.QueryEscape("<b>nobody</b>")), http.StatusOK)
		r.contains(t, "&lt;b&gt;nobody&lt;/b&gt;")
		r.lacks(t, "<b>nobody</b>")
		// Pages of the list follow each other.
		r = adStatus(t, b.get("/directory"), http.StatusOK)
		r.contains(t, "Kamran Aliyev", "Secretariat of the Council of Europe")

		// A viewer reads the directory without the links to create.
		v := e.signIn(domain.RoleViewer)
		r = adStatus(t, v.get("/directory?q=aliyev"), http.StatusOK)
		r.contains(t, fmt.Sprintf(`href="/people/%d"`, az.ID))
		r.lacks(t, `href="/people/new"`, `href="/organizations/new"`)

		// Russian interface.
		v.lang = "ru"
		adStatus(t, v.get("/directory"), http.StatusOK).contains(t, "Справочник", "Организации")
	})
}

func TestUIAdminPersonHistory(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if _, err := e.svc.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
		az := adPerson(t, e, "prosecutor.general@genprosecutor-az.test")
		b := e.signIn(domain.RoleOfficer)
		r := adStatus(t, b.get(fmt.Sprintf("/people/%d", az.ID)), http.StatusOK)
		r.contains(t, "Kamran Aliyev", "Камран Алиев", "Kamran Əliyev", "Prosecutor General&#39;s Office of the Republic of Azerbaijan",
			"prosecutor.general@genprosecutor-az.test", fmt.Sprintf(`href="/people/%d/edit"`, az.ID),
			// Every invitation across events, newest first, dates in the event's zone.
			"Celebrations of the anniversary", "Conference of heads of prosecution services",
			"Commemorative meeting for the anniversary", "12 January 2021, 09:00", "Europe/Moscow",
			"answer-accepted", "answer-needs-action")
		body := string(r.Body)
		newer, older := strings.Index(body, "Celebrations of the anniversary"), strings.Index(body, "Commemorative meeting for the anniversary")
		if newer < 0 || older < 0 || newer > older {
			t.Errorf("history is not newest first (%d, %d)", newer, older)
		}
		// The commemorative meeting's invitation names the delegation.
		if !regexp.MustCompile(`(?s)Commemorative meeting for the anniversary.*?Prosecutor General&#39;s Office of the Republic of Azerbaijan`).Match(r.Body) {
			t.Error("the invitation's delegation is not shown")
		}

		// The same page for a viewer has no edit link.
		v := e.signIn(domain.RoleViewer)
		r = adStatus(t, v.get(fmt.Sprintf("/people/%d", az.ID)), http.StatusOK)
		r.contains(t, "Celebrations of the anniversary")
		r.lacks(t, fmt.Sprintf(`href="/people/%d/edit"`, az.ID))
		adStatus(t, v.get("/people/999999"), http.StatusNotFound)

		// The organization's page: its people and its delegations.
		r = adStatus(t, v.get(fmt.Sprintf("/organizations/%d", *az.OrganizationID)), http.StatusOK)
		r.contains(t, "Kamran Aliyev", "Interpreter of the delegation of Azerbaijan", "Commemorative meeting for the anniversary",
			fmt.Sprintf(`href="/people/%d"`, az.ID))
		r.lacks(t, fmt.Sprintf(`href="/organizations/%d/edit"`, *az.OrganizationID))
	})
}

// TestUIAdminPersonTwoEvents checks the history of a person invited through the API to
// two events, one of them in a delegation.
func TestUIAdminPersonTwoEvents(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		p := dgSetup(t, e)
		other := e.create("/api/v1/events", map[string]any{
			"title": "Bilateral consultations", "kind": "conference", "timezone": "Asia/Baku",
			"starts_at": "2022-03-01T10:00:00+04:00", "ends_at": "2022-03-01T12:00:00+04:00",
		})
		del := e.create(fmt.Sprintf("/api/v1/events/%d/delegations", p.event), map[string]any{"organization_id": p.org, "head_person_id": p.head})
		e.create(fmt.Sprintf("/api/v1/events/%d/invitations", p.event), map[string]any{"person_id": p.head, "delegation_id": del})
		e.create(fmt.Sprintf("/api/v1/events/%d/invitations", other), map[string]any{"person_id": p.head})
		b := e.signIn(domain.RoleViewer)
		r := adStatus(t, b.get(fmt.Sprintf("/people/%d", p.head)), http.StatusOK)
		r.contains(t, "Commemorative meeting 299", "Bilateral consultations", "1 March 2022, 10:00", "Asia/Baku",
			fmt.Sprintf(`href="/events/%d"`, p.event), fmt.Sprintf(`href="/events/%d"`, other))
		if bytes.Index(r.Body, []byte("Bilateral consultations")) > bytes.Index(r.Body, []byte("Commemorative meeting 299")) {
			t.Error("history is not newest first")
		}
		r = adStatus(t, b.get(fmt.Sprintf("/organizations/%d", p.org)), http.StatusOK)
		r.contains(t, "Commemorative meeting 299", "Kamran Aliyev")
	})
}

// adUpload posts a file as the multipart field "message", with the CSRF token of the
// last page read unless token is false.
func (b *browser) adUpload(name string, content []byte, token bool) resp {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if token {
		if err := w.WriteField("_csrf", b.csrf); err != nil {
			b.t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("message", name)
	if err != nil {
		b.t.Fatal(err)
	}
	_, _ = fw.Write(content)
	if err := w.Close(); err != nil {
		b.t.Fatal(err)
	}
	return b.do(http.MethodPost, "/inbound/upload", &buf, w.FormDataContentType())
}

// adReply is a reply of the corpus made to answer the event: its UID and SEQUENCE, the
// attendee's address, and its own Message-ID.
func adReply(t *testing.T, e *env, file string, event int64, attendee, messageID string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "service", "testdata", "replies", file))
	if err != nil {
		t.Fatal(err)
	}
	ev := esGet(t, e, fmt.Sprintf("/api/v1/events/%d", event))
	s := strings.ReplaceAll(string(raw), "evt-2030-conference@attache.test", ev["uid"].(string))
	s = strings.ReplaceAll(s, "az@genprosecutor-az.test", attendee)
	s = strings.Replace(s, "SEQUENCE:0", fmt.Sprintf("SEQUENCE:%d", int(ev["sequence"].(float64))), 1)
	s = regexp.MustCompile(`(?m)^Message-ID: .*$`).ReplaceAllString(s, "Message-ID: <"+messageID+">")
	return []byte(s)
}

var adInboundID = regexp.MustCompile(`^/inbound/(\d+)$`)

// adUploaded uploads a message as b and returns the id of the recorded message.
func adUploaded(t *testing.T, b *browser, raw []byte) string {
	t.Helper()
	b.get("/inbound/upload")
	r := b.adUpload("reply.eml", raw, true)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	m := adInboundID.FindStringSubmatch(r.Header.Get("Location"))
	if m == nil {
		t.Fatalf("upload redirected to %q", r.Header.Get("Location"))
	}
	return m[1]
}

func TestUIAdminInbound(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		p := dgSetup(t, e)
		inv := e.create(fmt.Sprintf("/api/v1/events/%d/invitations", p.event), map[string]any{"person_id": p.head})
		officer, viewer := e.signIn(domain.RoleOfficer), e.signIn(domain.RoleViewer)

		// Viewers may not upload; uploads need the form's token; an empty file is refused
		// beside the field.
		adStatus(t, viewer.get("/inbound/upload"), http.StatusForbidden)
		viewer.get("/inbound")
		adStatus(t, viewer.adUpload("reply.eml", []byte(ibPlain), true), http.StatusForbidden)
		officer.get("/inbound/upload")
		adStatus(t, officer.adUpload("reply.eml", []byte(ibPlain), false), http.StatusForbidden)
		officer.get("/inbound/upload")
		r := adStatus(t, officer.adUpload("empty.eml", []byte("  \r\n"), true), http.StatusUnprocessableEntity)
		r.contains(t, `id="e-message"`, "Choose a message file")
		if items := ibItems(t, e, ""); len(items) != 0 {
			t.Fatalf("refused uploads were recorded: %v", items)
		}

		// A real reply for the guest, sent by a stranger: recorded as held, shown with the
		// outcome and its reason, and the raw message escaped.
		spoofed := adReply(t, e, "spoofed-from.eml", p.event, "k.aliyev@genprosecutor-az.test", "spoof-1@evil.test")
		held := adUploaded(t, officer, spoofed)
		r = adStatus(t, officer.get("/inbound/"+held), http.StatusOK)
		r.contains(t, "Recorded as held", "outcome-held", "Mallory &lt;mallory@evil.test&gt;", "<pre class=\"admin-raw\"",
			"Commemorative meeting 299", `action="/inbound/`+held+`/apply"`, `action="/inbound/`+held+`/dismiss"`)
		got := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", "/api/v1/inbound/"+held, nil)).JSON(t)
		if got["source"] != "upload" || got["outcome"] != "held" {
			t.Fatalf("recorded %v", got)
		}

		// The list shows it with its outcome; the filters narrow it.
		r = adStatus(t, viewer.get("/inbound"), http.StatusOK)
		r.contains(t, `href="/inbound/`+held+`"`, "Declined: Conference", "outcome-held")
		adStatus(t, viewer.get("/inbound?outcome=held&kind=reply"), http.StatusOK).contains(t, `href="/inbound/`+held+`"`)
		adStatus(t, viewer.get("/inbound?outcome=applied"), http.StatusOK).lacks(t, `href="/inbound/`+held+`"`)
		adStatus(t, viewer.get("/inbound?kind=bounce"), http.StatusOK).lacks(t, `href="/inbound/`+held+`"`)

		// A viewer sees no Apply or Dismiss and is refused both.
		r = adStatus(t, viewer.get("/inbound/"+held), http.StatusOK)
		r.lacks(t, `/inbound/`+held+`/apply"`, `/inbound/`+held+`/dismiss"`)
		adStatus(t, viewer.post("/inbound/"+held+"/apply", nil), http.StatusForbidden)
		adStatus(t, viewer.post("/inbound/"+held+"/dismiss", url.Values{"reason": {"no"}}), http.StatusForbidden)

		// The officer applies it: the guest's answer is recorded.
		officer.get("/inbound/" + held)
		r = officer.follow(officer.post("/inbound/"+held+"/apply", nil))
		r.contains(t, "Message "+held+" applied", "outcome-applied")
		r.lacks(t, `/inbound/`+held+`/apply"`)
		ans := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", fmt.Sprintf("/api/v1/invitations/%d", inv), nil)).JSON(t)
		if ans["response"] != "declined" || ans["response_channel"] != "email" {
			t.Fatalf("after apply, invitation %v", ans)
		}
		// Applying again is refused on the page, with the reason.
		r = adStatus(t, officer.post("/inbound/"+held+"/apply", nil), http.StatusConflict)
		r.contains(t, "only a held message can be applied")

		// A second one is dismissed: a reason too long is refused beside the field and kept.
		second := adUploaded(t, officer, adReply(t, e, "spoofed-from.eml", p.event, "k.aliyev@genprosecutor-az.test", "spoof-2@evil.test"))
		officer.get("/inbound/" + second)
		long := strings.Repeat("x", 1001)
		r = adStatus(t, officer.post("/inbound/"+second+"/dismiss", url.Values{"reason": {long}}), http.StatusUnprocessableEntity)
		r.contains(t, `id="e-reason"`, `value="`+long+`"`)
		r = officer.follow(officer.post("/inbound/"+second+"/dismiss", url.Values{"reason": {"sent by a stranger"}}))
		r.contains(t, "Message "+second+" dismissed", "outcome-dismissed", "sent by a stranger")
		adStatus(t, viewer.get("/inbound?outcome=dismissed"), http.StatusOK).contains(t, `href="/inbound/`+second+`"`)
		adStatus(t, viewer.get("/inbound?outcome=held"), http.StatusOK).lacks(t, `href="/inbound/`+second+`"`, `href="/inbound/`+held+`"`)
		adStatus(t, viewer.get("/inbound/999999"), http.StatusNotFound)

		// The guest's own reply (Google Calendar), newer than the one applied, is applied
		// on upload.
		gmail := adReply(t, e, "gmail-accepted.eml", p.event, "k.aliyev@genprosecutor-az.test", "gmail-1@mail.gmail.com")
		gmail = bytes.Replace(gmail, []byte("DTSTAMP:20300102T080000Z"), []byte("DTSTAMP:20300102T100000Z"), 1)
		own := adUploaded(t, officer, gmail)
		r = adStatus(t, officer.get("/inbound/"+own), http.StatusOK)
		r.contains(t, "Recorded as applied", "outcome-applied", "Will be there with one aide")
		r.lacks(t, `/inbound/`+own+`/apply"`)
		adStatus(t, viewer.get("/inbound?outcome=applied"), http.StatusOK).contains(t, `href="/inbound/`+own+`"`)
		ans = e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", fmt.Sprintf("/api/v1/invitations/%d", inv), nil)).JSON(t)
		if ans["response"] != "accepted" {
			t.Fatalf("after the guest's reply, invitation %v", ans)
		}
	})
}

func TestUIAdminAudit(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		alpha := e.create("/api/v1/people", map[string]any{"full_name": "Auditee Alpha", "email": "alpha@example.org"})
		beta := e.create("/api/v1/people", map[string]any{"full_name": "Auditee Beta"})
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", fmt.Sprintf("/api/v1/people/%d", alpha), map[string]any{"full_name": "Auditee Alpha Renamed"}))
		b := e.signIn(domain.RoleViewer)

		r := adStatus(t, b.get("/audit"), http.StatusOK)
		r.contains(t, "Auditee Alpha", "Auditee Beta", "officer@attache.test")

		// Only the entity asked for, with the changed key and both values.
		r = adStatus(t, b.get(fmt.Sprintf("/audit?entity=person&id=%d", alpha)), http.StatusOK)
		r.contains(t, fmt.Sprintf(`href="/people/%d"`, alpha), "full_name", "<del>&#34;Auditee Alpha&#34;</del>",
			"<ins>&#34;Auditee Alpha Renamed&#34;</ins>", "update", "create")
		r.lacks(t, "Auditee Beta", fmt.Sprintf(`href="/people/%d"`, beta))
		if n := strings.Count(string(r.Body), "<tr>") - 1; n != 2 {
			t.Errorf("%d entries for person %d, want 2", n, alpha)
		}
		// The update changed the name only: the e-mail is not listed as a change.
		for _, row := range strings.Split(string(r.Body), "<tr>") {
			if strings.Contains(row, "<del>&#34;Auditee Alpha&#34;</del>") && strings.Contains(row, "alpha@example.org") {
				t.Errorf("an unchanged key is shown in the update's diff:\n%s", row)
			}
		}
		// By actor.
		adStatus(t, b.get("/audit?actor=viewer%40attache.test"), http.StatusOK).lacks(t, "Auditee")
		adStatus(t, b.get("/audit?actor=OFFICER"), http.StatusOK).contains(t, "Auditee Beta")
		// A bad filter is shown beside its field.
		r = adStatus(t, b.get("/audit?entity=person&id=abc"), http.StatusUnprocessableEntity)
		r.contains(t, `id="e-id"`, `value="abc"`)
		adStatus(t, b.get("/audit?entity=nonsense"), http.StatusUnprocessableEntity).contains(t, `id="e-entity"`)
	})
}

// adSignIn opens a browser signed in with an e-mail and password.
func adSignIn(t *testing.T, e *env, email, password string) *browser {
	t.Helper()
	b := e.browser()
	b.get("/login")
	r := b.post("/login", url.Values{"email": {email}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", email, r.Status)
	}
	return b
}

var adGenerated = regexp.MustCompile(`id="generated-password" type="text" value="([^"]+)"`)

func TestUIAdminUsers(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.signIn(domain.RoleAdmin)
		users, err := e.svc.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]int64{}
		for _, u := range users {
			ids[u.Email] = u.ID
		}

		// Officers and viewers are refused every users page and form, and see no link.
		for _, role := range []domain.Role{domain.RoleOfficer, domain.RoleViewer} {
			b := e.signIn(role)
			adStatus(t, b.get("/"), http.StatusOK).lacks(t, `href="/users"`)
			for _, path := range []string{"/users", "/users/new", fmt.Sprintf("/users/%d", ids["admin@attache.test"])} {
				adStatus(t, b.get(path), http.StatusForbidden)
			}
			adStatus(t, b.post("/users/new", url.Values{"email": {"x@attache.test"}, "role": {"admin"}, "password": {"0123456789ab"}}), http.StatusForbidden)
			adStatus(t, b.post(fmt.Sprintf("/users/%d", ids[string(role)+"@attache.test"]), url.Values{"role": {"admin"}}), http.StatusForbidden)
		}

		r := adStatus(t, admin.get("/users"), http.StatusOK)
		r.contains(t, "officer@attache.test", "viewer@attache.test", `href="/users/new"`)

		// A bad e-mail is shown beside the field, the form kept as typed.
		admin.get("/users/new")
		r = adStatus(t, admin.post("/users/new", url.Values{"email": {"not an address"}, "name": {"Nina Typed"}, "role": {"officer"}}), http.StatusUnprocessableEntity)
		r.contains(t, `id="e-email"`, `value="not an address"`, `value="Nina Typed"`)
		// A short password too.
		r = adStatus(t, admin.post("/users/new", url.Values{"email": {"nina@attache.test"}, "role": {"officer"}, "password": {"short"}}), http.StatusUnprocessableEntity)
		r.contains(t, `id="e-password"`, `value="nina@attache.test"`)

		// Created with a chosen password: the user signs in.
		r = admin.post("/users/new", url.Values{"email": {"nina@attache.test"}, "name": {"Nina"}, "role": {"officer"}, "language": {"ru"}, "password": {"a long enough password"}})
		adStatus(t, r, http.StatusSeeOther)
		admin.follow(r).contains(t, "nina@attache.test")
		nina := adSignIn(t, e, "nina@attache.test", "a long enough password")
		adStatus(t, nina.get("/"), http.StatusOK).contains(t, "Обзор")

		// Created without one: a password is generated and shown once; it works.
		admin.get("/users/new")
		r = adStatus(t, admin.post("/users/new", url.Values{"email": {"oleg@attache.test"}, "role": {"viewer"}}), http.StatusOK)
		m := adGenerated.FindSubmatch(r.Body)
		if m == nil {
			t.Fatalf("no generated password shown:\n%s", r.Body)
		}
		adStatus(t, adSignIn(t, e, "oleg@attache.test", string(m[1])).get("/"), http.StatusOK)

		// The last admin can not be demoted: the error is beside the role, the form kept.
		adminID := ids["admin@attache.test"]
		admin.get(fmt.Sprintf("/users/%d", adminID))
		r = adStatus(t, admin.post(fmt.Sprintf("/users/%d", adminID), url.Values{"name": {"Chief"}, "role": {"officer"}}), http.StatusUnprocessableEntity)
		r.contains(t, `id="e-role"`, "last active admin", `value="Chief"`)
		if !regexp.MustCompile(`<option value="officer" selected>`).Match(r.Body) {
			t.Error("the role as typed is not kept")
		}
		if u, err := e.svc.UserAccount(ctx, adminID); err != nil || u.Role != domain.RoleAdmin || u.Name == "Chief" {
			t.Fatalf("the last admin was changed: %+v %v", u, err)
		}

		// Another user's changes are saved; a generated password replaces the old one.
		officerID := ids["officer@attache.test"]
		admin.get(fmt.Sprintf("/users/%d", officerID))
		r = adStatus(t, admin.post(fmt.Sprintf("/users/%d", officerID), url.Values{"name": {"Olga"}, "role": {"viewer"}, "language": {"en"}, "generate": {"on"}}), http.StatusOK)
		m = adGenerated.FindSubmatch(r.Body)
		if m == nil {
			t.Fatalf("no generated password shown:\n%s", r.Body)
		}
		u, err := e.svc.UserAccount(ctx, officerID)
		if err != nil || u.Name != "Olga" || u.Role != domain.RoleViewer || u.Language != "en" {
			t.Fatalf("after update: %+v %v", u, err)
		}
		adSignIn(t, e, "officer@attache.test", string(m[1]))
		// Disabling ends access.
		admin.get(fmt.Sprintf("/users/%d", ids["viewer@attache.test"]))
		r = admin.post(fmt.Sprintf("/users/%d", ids["viewer@attache.test"]), url.Values{"role": {"viewer"}, "disabled": {"on"}})
		adStatus(t, r, http.StatusSeeOther)
		admin.follow(r).contains(t, "viewer@attache.test", "disabled")
		b := e.browser()
		b.get("/login")
		adStatus(t, b.post("/login", url.Values{"email": {"viewer@attache.test"}, "password": {"correct horse battery"}}), http.StatusUnauthorized)
	})
}
