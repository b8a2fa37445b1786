package http_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

func TestUIFormsEvent(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		host := e.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office of the Russian Federation"})
		coe := e.create("/api/v1/organizations", map[string]any{"name": "Secretariat of the Council of Europe"})
		baku := esVenue(t, e, "Baku Congress Centre", "Asia/Baku")
		b := e.signIn(domain.RoleOfficer)
		fmStatus(t, b.get("/events/new"), http.StatusOK).contains(t, `type="datetime-local"`, `list="forms-zones"`,
			`<option value="Europe/Moscow">`, "Baku Congress Centre", `name="host_organization_ids"`, `href="/events"`)

		form := url.Values{"title": {"Commemorative meeting: 299th anniversary"}, "kind": {"commemoration"},
			"status": {"draft"}, "visibility": {"private"}, "timezone": {"Europe/Moscow"},
			"starts_at": {"2021-01-12T11:00"}, "ends_at": {"2021-01-12T10:00"}, "rsvp_deadline": {"2021-01-10T18:00"},
			"host_organization_ids": {fmt.Sprint(host), fmt.Sprint(coe)}, "description": {"Line one\r\nLine two"}}
		r := fmStatus(t, b.post("/events/new", form), http.StatusUnprocessableEntity)
		fmBeside(t, r, "ends_at", "must be after")
		if fmValue(t, r, "ends_at") != "2021-01-12T10:00" || fmValue(t, r, "title") != "Commemorative meeting: 299th anniversary" {
			t.Fatal("event values not kept")
		}
		if got := fmSelected(t, r, "host_organization_ids"); !slices.Equal(got, []string{fmt.Sprint(host), fmt.Sprint(coe)}) {
			t.Fatalf("hosts kept as %v", got)
		}
		form.Set("ends_at", "12.01.2021 19:00")
		fmBeside(t, fmStatus(t, b.post("/events/new", form), http.StatusUnprocessableEntity), "ends_at", "date and time")
		form.Set("ends_at", "2021-01-12T19:00")
		form.Set("timezone", "Moscow")
		r = fmStatus(t, b.post("/events/new", form), http.StatusUnprocessableEntity)
		fmBeside(t, r, "timezone", "IANA")
		if fmValue(t, r, "timezone") != "Moscow" {
			t.Fatal("timezone not kept")
		}

		form.Set("timezone", "Europe/Moscow")
		id := fmCreated(t, b.post("/events/new", form), "/events/")
		got := esGet(t, e, fmt.Sprintf("/api/v1/events/%d", id))
		if got["starts_at"] != "2021-01-12T11:00:00+03:00" || got["ends_at"] != "2021-01-12T19:00:00+03:00" ||
			got["rsvp_deadline"] != "2021-01-10T18:00:00+03:00" || got["description"] != "Line one\nLine two" ||
			fmt.Sprint(got["host_organization_ids"]) != fmt.Sprintf("[%d %d]", host, coe) {
			t.Fatalf("created %v", got)
		}

		// Without a timezone, the venue's: the times are read in Baku.
		other := url.Values{"title": {"Working visit"}, "kind": {"visit"}, "status": {"draft"}, "visibility": {"private"},
			"venue_id": {fmt.Sprint(baku)}, "starts_at": {"2021-07-05T10:00"}, "ends_at": {"2021-07-05T18:00"}}
		second := fmCreated(t, b.post("/events/new", other), "/events/")
		if got := esGet(t, e, fmt.Sprintf("/api/v1/events/%d", second)); got["timezone"] != "Asia/Baku" || got["starts_at"] != "2021-07-05T10:00:00+04:00" {
			t.Fatalf("event at a venue %v", got)
		}

		// Edit: the form shows local times; a change of zone keeps the wall-clock time typed.
		edit := fmt.Sprintf("/events/%d/edit", id)
		r = fmStatus(t, b.get(edit), http.StatusOK)
		if fmValue(t, r, "starts_at") != "2021-01-12T11:00" || fmValue(t, r, "rsvp_deadline") != "2021-01-10T18:00" {
			t.Fatalf("edit form times:\n%s", r.Body)
		}
		r.contains(t, fmt.Sprintf(`action="/events/%d/delete"`, id), fmt.Sprintf(`href="/events/%d"`, id))
		form.Set("title", "Commemorative meeting")
		form.Set("timezone", "Asia/Yerevan")
		form.Del("host_organization_ids")
		fmRedirect(t, b.post(edit, form), fmt.Sprintf("/events/%d", id))
		got = esGet(t, e, fmt.Sprintf("/api/v1/events/%d", id))
		if got["title"] != "Commemorative meeting" || got["starts_at"] != "2021-01-12T11:00:00+04:00" || fmt.Sprint(got["host_organization_ids"]) != "[]" {
			t.Fatalf("edited %v", got)
		}

		// A draft is deleted; a scheduled event is sent to the cancel preview instead.
		fmRedirect(t, b.post(fmt.Sprintf("/events/%d/delete", id), nil), "/events")
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", fmt.Sprintf("/api/v1/events/%d", id), nil))
		other.Set("status", "scheduled")
		fmRedirect(t, b.post(fmt.Sprintf("/events/%d/edit", second), other), fmt.Sprintf("/events/%d", second))
		if r := b.get(fmt.Sprintf("/events/%d/edit", second)); strings.Contains(string(r.Body), "/delete") {
			t.Fatal("a scheduled event offers deletion")
		}
		fmRedirect(t, b.post(fmt.Sprintf("/events/%d/delete", second), nil), fmt.Sprintf("/events/%d/cancel", second))
		if got := esGet(t, e, fmt.Sprintf("/api/v1/events/%d", second)); got["status"] != "scheduled" {
			t.Fatalf("delete of a scheduled event changed it: %v", got)
		}
	})
}

func TestUIFormsSession(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		v := newVisit(t, e)
		base := fmt.Sprintf("/events/%d", v.event)
		b := e.signIn(domain.RoleOfficer)
		r := fmStatus(t, b.get(base+"/sessions/new"), http.StatusOK)
		r.contains(t, "Hall of Columns", `name="delegation_ids"`, fmt.Sprintf(`value="%d"`, v.ru), "Europe/Moscow",
			"Prosecutor General&#39;s Office of the Republic of Armenia")
		if fmValue(t, r, "starts_at") != "2021-01-12T11:00" {
			t.Fatalf("a new session starts with its event, got %q", fmValue(t, r, "starts_at"))
		}

		form := url.Values{"title": {"Bilateral meeting RU–AZ"}, "kind": {"bilateral"}, "starts_at": {"2021-01-12T12:00"},
			"ends_at": {"2021-01-12T13:00"}, "room_id": {fmt.Sprint(v.room1)},
			"delegation_ids": {fmt.Sprint(v.ru), fmt.Sprint(v.az), fmt.Sprint(v.am)}, "agenda": {"Cooperation"}}
		r = fmStatus(t, b.post(base+"/sessions/new", form), http.StatusUnprocessableEntity)
		fmBeside(t, r, "delegation_ids", "exactly 2")
		r.contains(t, fmt.Sprintf(`id="f-delegation_ids-%d" name="delegation_ids" value="%d" checked`, v.am, v.am))

		form["delegation_ids"] = []string{fmt.Sprint(v.ru), fmt.Sprint(v.az)}
		fmRedirect(t, b.post(base+"/sessions/new", form), base)
		list, err := e.svc.Sessions(ctx, v.event)
		if err != nil || len(list) != 1 {
			t.Fatalf("sessions %v %v", list, err)
		}
		ss := list[0]
		if !ss.StartsAt.Equal(time.Date(2021, 1, 12, 9, 0, 0, 0, time.UTC)) || *ss.RoomID != v.room1 || len(ss.DelegationIDs) != 2 {
			t.Fatalf("created %+v", ss)
		}

		// The room is taken at 12:30: the conflict, naming the other session, beside the room.
		clash := url.Values{"title": {"Press approach"}, "kind": {"press"}, "starts_at": {"2021-01-12T12:30"},
			"ends_at": {"2021-01-12T13:30"}, "room_id": {fmt.Sprint(v.room1)}}
		r = fmStatus(t, b.post(base+"/sessions/new", clash), http.StatusConflict)
		fmBeside(t, r, "room_id", "Bilateral meeting RU–AZ")
		fmBeside(t, r, "room_id", "already booked")
		if fmValue(t, r, "title") != "Press approach" || fmValue(t, r, "starts_at") != "2021-01-12T12:30" ||
			fmSelected(t, r, "room_id")[0] != fmt.Sprint(v.room1) {
			t.Fatal("the clashing session is not kept as typed")
		}
		// The Russian delegation's head already sits in it: the conflict beside the parties.
		clash.Set("room_id", fmt.Sprint(v.room2))
		clash.Set("kind", "bilateral")
		clash["delegation_ids"] = []string{fmt.Sprint(v.ru), fmt.Sprint(v.am)}
		r = fmStatus(t, b.post(base+"/sessions/new", clash), http.StatusConflict)
		fmBeside(t, r, "delegation_ids", "Igor Krasnov")

		// Edit.
		edit := fmt.Sprintf("%s/sessions/%d/edit", base, ss.ID)
		r = fmStatus(t, b.get(edit), http.StatusOK)
		if fmValue(t, r, "ends_at") != "2021-01-12T13:00" || fmSelected(t, r, "status")[0] != "scheduled" {
			t.Fatalf("session edit form:\n%s", r.Body)
		}
		r.contains(t, "Cancel session", "data-confirm=")
		form.Set("title", "Bilateral meeting RU–AZ (extended)")
		form.Set("status", "scheduled")
		form.Set("ends_at", "2021-01-12T13:30")
		fmRedirect(t, b.post(edit, form), base)
		if got, _ := e.svc.Session(ctx, v.event, ss.ID); got.Title != "Bilateral meeting RU–AZ (extended)" || got.EndsAt.Hour() != 10 {
			t.Fatalf("edited %+v", got)
		}

		// The event is scheduled: "delete" cancels the session and keeps it.
		fmRedirect(t, b.post(fmt.Sprintf("%s/sessions/%d/delete", base, ss.ID), nil), base)
		if got, _ := e.svc.Session(ctx, v.event, ss.ID); got.Status != domain.SessionCancelled {
			t.Fatalf("after delete %+v", got)
		}
	})
}

func TestUIFormsDelegation(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		event := esEvent(t, e, nil)
		az := e.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office of Azerbaijan"})
		ru := e.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office of Russia"})
		aliyev, adviser := esPerson(t, e, az, "Kamran Aliyev"), esPerson(t, e, az, "Adviser of Azerbaijan")
		interpreter, krasnov := esPerson(t, e, az, "Interpreter of Azerbaijan"), esPerson(t, e, ru, "Igor Krasnov")
		base := fmt.Sprintf("/events/%d", event)
		b := e.signIn(domain.RoleOfficer)

		r := fmStatus(t, b.get(fmt.Sprintf("%s/delegations/new?organization_id=%d", base, az)), http.StatusOK)
		r.contains(t, "Kamran Aliyev", "Interpreter of Azerbaijan", "all=1")
		if strings.Contains(string(r.Body), "Igor Krasnov") {
			t.Fatal("people of another organization listed")
		}
		fmStatus(t, b.get(base+"/delegations/new"), http.StatusOK).contains(t, "Igor Krasnov", "Kamran Aliyev")

		id := func(n int64) string { return fmt.Sprint(n) }
		form := url.Values{"organization_id": {id(az)}, "head_person_id": {id(aliyev)},
			"members": {id(adviser), id(interpreter)}, "role." + id(adviser): {"adviser"}, "role." + id(interpreter): {"interpreter"},
			"size_limit": {"2"}, "arrival_at": {"2021-01-11T15:00"}, "accommodation": {"Hotel National"}}
		r = fmStatus(t, b.post(base+"/delegations/new", form), http.StatusUnprocessableEntity)
		fmBeside(t, r, "members", "limited to 2")
		if fmValue(t, r, "size_limit") != "2" || fmValue(t, r, "accommodation") != "Hotel National" {
			t.Fatal("delegation values not kept")
		}
		r.contains(t, fmt.Sprintf(`name="members" value="%d" checked`, interpreter), `<option value="interpreter" selected>`)

		form.Set("size_limit", "5")
		fmRedirect(t, b.post(base+"/delegations/new", form), base)
		ds, err := e.svc.Delegations(ctx, event)
		if err != nil || len(ds) != 1 {
			t.Fatalf("delegations %v %v", ds, err)
		}
		d := ds[0]
		roles := map[int64]domain.MemberRole{}
		for _, m := range d.Members {
			roles[m.PersonID] = m.Role
		}
		if *d.HeadPersonID != aliyev || roles[aliyev] != domain.RoleHead || roles[adviser] != domain.RoleAdviser ||
			roles[interpreter] != domain.RoleInterpreter || d.SizeLimit != 5 || d.ArrivalAt.Hour() != 12 {
			t.Fatalf("created %+v", d)
		}

		// A second delegation of the same organization: the conflict beside the organization.
		r = fmStatus(t, b.post(base+"/delegations/new", url.Values{"organization_id": {id(az)}}), http.StatusConflict)
		fmBeside(t, r, "organization_id", "already has a delegation")

		// Edit: roles shown; the interpreter leaves, the head changes.
		edit := fmt.Sprintf("%s/delegations/%d/edit", base, d.ID)
		r = fmStatus(t, b.get(edit), http.StatusOK)
		r.contains(t, fmt.Sprintf(`name="members" value="%d" checked`, aliyev), `<option value="adviser" selected>`, "data-confirm=")
		if strings.Contains(string(r.Body), "Igor Krasnov") {
			t.Fatal("people of another organization listed on the edit form")
		}
		form = url.Values{"organization_id": {id(az)}, "head_person_id": {id(adviser)}, "members": {id(aliyev), id(adviser)},
			"role." + id(aliyev): {"member"}, "size_limit": {"5"}, "liaison_officer": {"Major Petrov"}}
		fmRedirect(t, b.post(edit, form), base)
		got, _ := e.svc.Delegation(ctx, event, d.ID)
		if *got.HeadPersonID != adviser || len(got.Members) != 2 || got.LiaisonOfficer != "Major Petrov" || got.HasMember(interpreter) {
			t.Fatalf("edited %+v", got)
		}
		_ = krasnov

		fmRedirect(t, b.post(fmt.Sprintf("%s/delegations/%d/delete", base, d.ID), nil), base)
		if _, err := e.svc.Delegation(ctx, event, d.ID); err == nil {
			t.Fatal("delegation not deleted")
		}
	})
}

func TestUIFormsInvitation(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		event := esEvent(t, e, nil)
		az := e.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office of Azerbaijan"})
		aliyev := e.create("/api/v1/people", map[string]any{"organization_id": az, "full_name": "Kamran Aliyev",
			"email": "k.aliyev@genprosecutor-az.test", "language": "az"})
		adviser := e.create("/api/v1/people", map[string]any{"organization_id": az, "full_name": "Adviser of Azerbaijan",
			"email": "adviser@genprosecutor-az.test", "language": "ru"})
		delegation := esDelegation(t, e, event, az, aliyev)
		base := fmt.Sprintf("/events/%d", event)
		b := e.signIn(domain.RoleOfficer)

		r := fmStatus(t, b.get(base+"/invitations/new"), http.StatusOK)
		r.contains(t, `data-email="k.aliyev@genprosecutor-az.test"`, `data-lang="az"`, "Prosecutor General&#39;s Office of Azerbaijan")

		// The e-mail and the language default to the person's.
		fmRedirect(t, b.post(base+"/invitations/new", url.Values{"person_id": {fmt.Sprint(aliyev)},
			"delegation_id": {fmt.Sprint(delegation)}, "companions": {"Mrs Aliyeva\r\n\r\n"}}), base)
		invs, _, err := e.svc.Invitations(ctx, service.InvitationFilter{EventID: event}, service.Page{})
		if err != nil || len(invs) != 1 {
			t.Fatalf("invitations %v %v", invs, err)
		}
		inv := invs[0]
		if inv.Email != "k.aliyev@genprosecutor-az.test" || inv.Language != "az" || len(inv.Companions) != 1 || *inv.DelegationID != delegation {
			t.Fatalf("created %+v", inv)
		}

		// Invited twice: the conflict beside the person. A bad e-mail beside the e-mail.
		r = fmStatus(t, b.post(base+"/invitations/new", url.Values{"person_id": {fmt.Sprint(aliyev)}}), http.StatusConflict)
		fmBeside(t, r, "person_id", "already invited")
		if fmSelected(t, r, "person_id")[0] != fmt.Sprint(aliyev) {
			t.Fatal("person not kept")
		}
		bad := url.Values{"person_id": {fmt.Sprint(adviser)}, "email": {"adviser at az"}, "note": {"Arrives late"}}
		r = fmStatus(t, b.post(base+"/invitations/new", bad), http.StatusUnprocessableEntity)
		fmBeside(t, r, "email", "e-mail address")
		if fmValue(t, r, "email") != "adviser at az" || fmValue(t, r, "note") != "Arrives late" {
			t.Fatal("invitation values not kept")
		}
		// Not a member of the delegation named.
		bad.Set("email", "")
		bad.Set("delegation_id", fmt.Sprint(delegation))
		fmBeside(t, fmStatus(t, b.post(base+"/invitations/new", bad), http.StatusUnprocessableEntity), "delegation_id", "not a member")
		bad.Del("delegation_id")
		fmRedirect(t, b.post(base+"/invitations/new", bad), base)

		// Edit: the guest is shown, not chosen; companions one per line.
		edit := fmt.Sprintf("/invitations/%d/edit", inv.ID)
		r = fmStatus(t, b.get(edit), http.StatusOK)
		r.contains(t, "Kamran Aliyev", "Delete invitation", "data-confirm=")
		if fmValue(t, r, "companions") != "Mrs Aliyeva" || fmValue(t, r, "email") != "k.aliyev@genprosecutor-az.test" {
			t.Fatalf("invitation edit form:\n%s", r.Body)
		}
		fmRedirect(t, b.post(edit, url.Values{"delegation_id": {fmt.Sprint(delegation)}, "email": {"office@genprosecutor-az.test"},
			"language": {"ru"}, "companions": {"Mrs Aliyeva\nMr Guliyev"}, "deadline": {"2021-01-08T12:00"}}), base)
		got, _ := e.svc.Invitation(ctx, inv.ID)
		if got.Email != "office@genprosecutor-az.test" || got.Language != "ru" || len(got.Companions) != 2 ||
			!got.Deadline.Equal(time.Date(2021, 1, 8, 9, 0, 0, 0, time.UTC)) {
			t.Fatalf("edited %+v", got)
		}

		// A sent invitation is withdrawn, not deleted, and the button says so first.
		pvExec(t, e, fmt.Sprintf("UPDATE invitations SET send_state = 'sent' WHERE id = %d", inv.ID))
		r = fmStatus(t, b.get(edit), http.StatusOK)
		r.contains(t, "Withdraw invitation", "withdrawn, not deleted")
		fmRedirect(t, b.post(fmt.Sprintf("/invitations/%d/delete", inv.ID), nil), base)
		if got, _ := e.svc.Invitation(ctx, inv.ID); got.SendState != domain.SendWithdrawn {
			t.Fatalf("after withdrawal %+v", got)
		}
		if r := b.get(edit); strings.Contains(string(r.Body), fmt.Sprintf("/invitations/%d/delete", inv.ID)) {
			t.Fatal("a withdrawn invitation offers deletion")
		}
		// A draft is deleted.
		invs, _, _ = e.svc.Invitations(ctx, service.InvitationFilter{EventID: event, SendState: domain.SendDraft}, service.Page{})
		if len(invs) != 1 {
			t.Fatalf("drafts %v", invs)
		}
		fmRedirect(t, b.post(fmt.Sprintf("/invitations/%d/delete", invs[0].ID), nil), base)
		if _, err := e.svc.Invitation(ctx, invs[0].ID); err == nil {
			t.Fatal("draft invitation not deleted")
		}
	})
}

// TestUIFormsRefused: a viewer gets 403 on every form and every save; a POST without
// the CSRF token is refused even for an officer; nobody signed in is sent to sign in.
func TestUIFormsRefused(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		v := newVisit(t, e)
		org := e.create("/api/v1/organizations", map[string]any{"name": "Secretariat of the Council of Europe"})
		venue := esVenue(t, e, "Konstantin Palace", "Europe/Moscow")
		room := esRoom(t, e, venue, "Marble hall")
		ss := e.create(v.sessions, v.session("Bilateral meeting RU–AZ", "bilateral", v.room1, 12, 13, v.ru, v.az))
		guest := e.create("/api/v1/people", map[string]any{"full_name": "Guest", "email": "guest@example.test"})
		inv := e.create(fmt.Sprintf("/api/v1/events/%d/invitations", v.event), map[string]any{"person_id": guest})
		ev := fmt.Sprintf("/events/%d", v.event)
		forms := []string{
			"/organizations/new", fmt.Sprintf("/organizations/%d/edit", org),
			"/people/new", fmt.Sprintf("/people/%d/edit", v.krasnov),
			"/venues/new", fmt.Sprintf("/venues/%d/edit", venue),
			fmt.Sprintf("/venues/%d/rooms/new", venue), fmt.Sprintf("/venues/%d/rooms/%d/edit", venue, room),
			"/events/new", ev + "/edit",
			ev + "/sessions/new", fmt.Sprintf("%s/sessions/%d/edit", ev, ss),
			ev + "/delegations/new", fmt.Sprintf("%s/delegations/%d/edit", ev, v.ru),
			ev + "/invitations/new", fmt.Sprintf("/invitations/%d/edit", inv),
		}
		deletes := []string{
			fmt.Sprintf("/organizations/%d/delete", org), fmt.Sprintf("/people/%d/delete", v.krasnov),
			fmt.Sprintf("/venues/%d/delete", venue), fmt.Sprintf("/venues/%d/rooms/%d/delete", venue, room),
			ev + "/delete", fmt.Sprintf("%s/sessions/%d/delete", ev, ss), fmt.Sprintf("%s/delegations/%d/delete", ev, v.ru),
			fmt.Sprintf("/invitations/%d/delete", inv),
		}
		officer := e.signIn(domain.RoleOfficer)
		for _, p := range forms {
			fmStatus(t, officer.get(p), http.StatusOK)
		}
		viewer := e.signIn(domain.RoleViewer)
		for _, p := range forms {
			if r := viewer.get(p); r.Status != http.StatusForbidden {
				t.Errorf("viewer GET %s: %d", p, r.Status)
			}
			if r := viewer.post(p, url.Values{"name": {"x"}, "title": {"x"}}); r.Status != http.StatusForbidden {
				t.Errorf("viewer POST %s: %d", p, r.Status)
			}
			if r := officer.postRaw(p, url.Values{"name": {"x"}, "title": {"x"}}); r.Status != http.StatusForbidden {
				t.Errorf("officer POST %s without CSRF token: %d", p, r.Status)
			}
			if r := e.browser().get(p); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
				t.Errorf("anonymous GET %s: %d %s", p, r.Status, r.Header.Get("Location"))
			}
		}
		for _, p := range deletes {
			if r := viewer.post(p, nil); r.Status != http.StatusForbidden {
				t.Errorf("viewer POST %s: %d", p, r.Status)
			}
			if r := officer.postRaw(p, nil); r.Status != http.StatusForbidden {
				t.Errorf("officer POST %s without CSRF token: %d", p, r.Status)
			}
		}
		// Nothing changed.
		esGet(t, e, fmt.Sprintf("/api/v1/organizations/%d", org))
		esGet(t, e, fmt.Sprintf("/api/v1/invitations/%d", inv))
		if got := esGet(t, e, fmt.Sprintf("%s/sessions/%d", v.eventPath, ss)); got["status"] != "scheduled" {
			t.Fatalf("session after refused posts: %v", got)
		}
		// The viewer may read the venues page.
		fmStatus(t, viewer.get("/venues"), http.StatusOK).contains(t, "Konstantin Palace", "Marble hall")

		// Every form is complete in both languages: no catalogue key shows through.
		key := regexp.MustCompile(`ui\.[a-z_]+\.[a-z_.]+`)
		for _, lang := range []string{"en", "ru"} {
			officer.lang = lang
			for _, p := range append(forms, "/venues") {
				r := fmStatus(t, officer.get(p), http.StatusOK)
				if k := key.Find(r.Body); k != nil {
					t.Errorf("%s in %s shows the key %s", p, lang, k)
				}
			}
		}
		r := officer.get("/events/new")
		r.contains(t, "Часовой пояс", "(обязательно)", `lang="ru"`)
	})
}
