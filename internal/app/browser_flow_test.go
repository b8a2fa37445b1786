package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-message"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

// TestBrowserInvitationCycle is the officer's day in the browser (issue 6 point 7): sign
// in; create an event with a bilateral meeting; add two delegations and their heads'
// invitations; send them (file transport: the .eml files land in the outbox); a guest
// answers through the RSVP page of their letter; the answer shows on the event page.
// A viewer then sees the event without edit controls and is refused an edit.
func TestBrowserInvitationCycle(t *testing.T) {
	ctx := newTab(t)
	s := startSite(t)
	svc := s.app.Service
	sctx := service.WithActor(context.Background(), service.Actor{Name: "test setup"})
	createUser(t, s, "officer@attache.test", "officer")
	createUser(t, s, "viewer@attache.test", "viewer")

	// The directory exists already: two ministries, a head each, a venue with a room.
	orgs := map[string]int64{}
	for _, o := range []domain.Organization{
		{Name: "Ministry of Foreign Affairs of Ruritania", CountryCode: "RU", Kind: domain.OrgStateBody},
		{Name: "Ministry of Foreign Affairs of Borduria", CountryCode: "AZ", Kind: domain.OrgStateBody},
	} {
		if err := svc.CreateOrganization(sctx, &o); err != nil {
			t.Fatal(err)
		}
		orgs[o.Name] = o.ID
	}
	people := map[string]int64{}
	for _, p := range []struct {
		name, email, lang, org string
	}{
		{"Анна Петрова", "anna.petrova@ruritania.test", "ru", "Ministry of Foreign Affairs of Ruritania"},
		{"Elnur Mammadov", "elnur.mammadov@borduria.test", "en", "Ministry of Foreign Affairs of Borduria"},
	} {
		org := orgs[p.org]
		person := &domain.Person{FullName: p.name, Email: p.email, Language: p.lang, OrganizationID: &org}
		if err := svc.CreatePerson(sctx, person); err != nil {
			t.Fatal(err)
		}
		people[p.email] = person.ID
	}
	venue := &domain.Venue{Name: "Government House", City: "Capital", Timezone: "Europe/Moscow"}
	if err := svc.CreateVenue(sctx, venue); err != nil {
		t.Fatal(err)
	}
	room := &domain.Room{Name: "Blue Room", Capacity: 20}
	if err := svc.CreateRoom(sctx, venue.ID, room); err != nil {
		t.Fatal(err)
	}

	signInBrowser(t, ctx, s.base, "officer@attache.test", "correct horse battery")
	day := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	run(t, ctx, "create the event",
		chromedp.Navigate(s.base+"/events/new"),
		chromedp.SendKeys(css("#f-title"), "Official visit of the Minister of Foreign Affairs of Borduria"),
		chromedp.SetValue(css("#f-timezone"), "Europe/Moscow"),
		chromedp.SetValue(css("#f-starts_at"), day+"T09:00"),
		chromedp.SetValue(css("#f-ends_at"), day+"T18:00"),
		chromedp.SetValue(css("#f-status"), "scheduled"),
		chromedp.SetValue(css("#f-venue_id"), strconv.FormatInt(venue.ID, 10)),
		chromedp.Click(css(`main form button[type=submit].button:not(.danger)`)),
		chromedp.WaitVisible(css(`a[href$="/delegations/new"]`)),
	)
	loc := value(t, ctx, "event address", chromedp.Location())
	eventPath := strings.TrimPrefix(loc, s.base)
	eventID, err := strconv.ParseInt(strings.TrimPrefix(eventPath, "/events/"), 10, 64)
	if err != nil {
		t.Fatalf("after creating the event the browser is at %s", loc)
	}

	delegations := map[string]string{}
	for _, d := range []struct{ org, head string }{
		{"Ministry of Foreign Affairs of Ruritania", "anna.petrova@ruritania.test"},
		{"Ministry of Foreign Affairs of Borduria", "elnur.mammadov@borduria.test"},
	} {
		head := strconv.FormatInt(people[d.head], 10)
		run(t, ctx, "add the delegation of "+d.org,
			chromedp.Navigate(fmt.Sprintf("%s%s/delegations/new?organization_id=%d", s.base, eventPath, orgs[d.org])),
			chromedp.SetValue(css("#f-organization_id"), strconv.FormatInt(orgs[d.org], 10)),
			chromedp.SetValue(css("#f-head_person_id"), head),
			chromedp.Click(css("#m-"+head)),
			chromedp.Click(css(`main form button[type=submit].button:not(.danger)`)),
			chromedp.WaitVisible(css(`a[href$="/delegations/new"]`)),
		)
	}
	dels, err := svc.Delegations(sctx, eventID)
	if err != nil || len(dels) != 2 {
		t.Fatalf("delegations after the forms: %d, %v", len(dels), err)
	}
	for _, d := range dels {
		delegations[strconv.FormatInt(d.OrganizationID, 10)] = strconv.FormatInt(d.ID, 10)
	}

	run(t, ctx, "add the bilateral meeting",
		chromedp.Navigate(s.base+eventPath+"/sessions/new"),
		chromedp.SendKeys(css("#f-title"), "Bilateral meeting of the ministers"),
		chromedp.SetValue(css("#f-kind"), "bilateral"),
		chromedp.SetValue(css("#f-starts_at"), day+"T11:00"),
		chromedp.SetValue(css("#f-ends_at"), day+"T12:00"),
		chromedp.SetValue(css("#f-room_id"), strconv.FormatInt(room.ID, 10)),
		chromedp.Click(css("#f-delegation_ids-"+strconv.FormatInt(dels[0].ID, 10))),
		chromedp.Click(css("#f-delegation_ids-"+strconv.FormatInt(dels[1].ID, 10))),
		chromedp.Click(css(`main form button[type=submit].button:not(.danger)`)),
		chromedp.WaitVisible(css(`a[href$="/delegations/new"]`)),
	)
	if got := text(t, ctx, "main"); !strings.Contains(got, "Bilateral meeting of the ministers") || !strings.Contains(got, "Blue Room") {
		t.Fatalf("the event page does not show the meeting in its room:\n%s", got)
	}

	for _, email := range []string{"anna.petrova@ruritania.test", "elnur.mammadov@borduria.test"} {
		p, err := svc.Person(sctx, people[email])
		if err != nil {
			t.Fatal(err)
		}
		run(t, ctx, "invite "+email,
			chromedp.Navigate(s.base+eventPath+"/invitations/new"),
			chromedp.SetValue(css("#f-person_id"), strconv.FormatInt(p.ID, 10)),
			chromedp.SetValue(css("#f-delegation_id"), delegations[strconv.FormatInt(*p.OrganizationID, 10)]),
			chromedp.Click(css(`main form button[type=submit].button:not(.danger)`)),
			chromedp.WaitVisible(css(`a[href$="/delegations/new"]`)),
		)
	}

	// Send: the button asks for confirmation (accepted here), then the progress box
	// follows the jobs until both letters are out.
	run(t, ctx, "send the invitations",
		chromedp.Navigate(s.base+eventPath),
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(css(`form[action$="/send"] button`)),
		chromedp.WaitVisible(css(`[data-progress-url]`)),
	)
	// Four letters: each guest's invitation to the event and to the bilateral meeting
	// their delegation takes part in (its own calendar entry).
	waitFor(t, "four letters in the outbox", func() bool { return len(eml(t, s.outbox)) == 4 }, s)
	run(t, ctx, "progress finishes", chromedp.WaitVisible(css(`[data-progress-url].finished`)))

	// Elnur answers from the link in his letter.
	invs, _, err := svc.Invitations(sctx, service.InvitationFilter{EventID: eventID}, service.Page{})
	if err != nil || len(invs) != 2 {
		t.Fatalf("invitations: %d, %v", len(invs), err)
	}
	var link string
	for _, inv := range invs {
		if inv.PersonID == people["elnur.mammadov@borduria.test"] {
			link = inv.RSVPURL
		}
	}
	if !strings.HasPrefix(link, s.base+"/rsvp/") || !mailHas(t, s.outbox, strings.TrimPrefix(link, s.base)) {
		t.Fatalf("RSVP link %q not found in the letters", link)
	}
	run(t, ctx, "answer on the RSVP page",
		chromedp.Navigate(link),
		chromedp.Click(css("#response-accepted")),
		chromedp.Click(css(`form button[type=submit]`)),
		// The confirmation page (the form page has an invite.ics link too: waiting for
		// that let the next navigation cut the form's own short).
		chromedp.WaitVisible(css(`article.done .notice-ok`)),
		chromedp.WaitVisible(css(`article.done a[href$="invite.ics"]`)),
	)

	run(t, ctx, "see the answer", chromedp.Navigate(s.base+eventPath), chromedp.WaitVisible(css("#invitations")))
	// The row of the guest who answered carries the accepted badge; the other has none.
	answers := value(t, ctx, "read the answers", chromedp.Evaluate[map[string]string](`Object.fromEntries(
		[...document.querySelectorAll("#invitations tbody tr")].map(tr => [
			tr.querySelector("th, td").innerText.trim(),
			(tr.querySelector(".badge[class*=answer-]") || {className: ""}).className]))`))
	var elnur, anna string
	for guest, badge := range answers {
		switch {
		case strings.Contains(guest, "Elnur Mammadov"):
			elnur = badge
		case strings.Contains(guest, "Анна Петрова"):
			anna = badge
		}
	}
	if !strings.Contains(elnur, "answer-accepted") || strings.Contains(anna, "answer-accepted") {
		t.Fatalf("answers on the event page: %v", answers)
	}

	// The viewer reads the same page without any control to change it, and a POST with
	// a valid form token is still refused by role.
	run(t, ctx, "sign out", chromedp.Click(css(`form[action="/logout"] button`)), chromedp.WaitVisible(css(`form[action="/login"]`)))
	signInBrowser(t, ctx, s.base, "viewer@attache.test", "correct horse battery")
	run(t, ctx, "viewer opens the event", chromedp.Navigate(s.base+eventPath), chromedp.WaitVisible(css("#invitations")))
	controls := value(t, ctx, "count edit controls", chromedp.Evaluate[int](
		`document.querySelectorAll('main form[method=post], main a[href$="/edit"], main a[href$="/new"]').length`))
	if controls != 0 {
		t.Fatalf("the viewer sees %d edit controls", controls)
	}
	token := value(t, ctx, "form token", chromedp.Evaluate[string](`document.querySelector('input[name=_csrf]').value`))
	if got := fetchStatus(t, ctx, "POST", eventPath+"/send", "_csrf="+token); got != http.StatusForbidden {
		t.Fatalf("viewer's send: %d", got)
	}
}

// waitFor polls cond for up to a minute (the job queue works in the background); on
// timeout it shows the server's log.
func waitFor(t *testing.T, what string, cond func() bool, s *site) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; server log:\n%s", what, s.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// eml lists the messages the file transport wrote.
func eml(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// mailHas reports whether the text of some letter in the outbox holds s (bodies decoded
// with go-message, as a mail client reads them).
func mailHas(t *testing.T, dir, s string) bool {
	t.Helper()
	for _, f := range eml(t, dir) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := message.Read(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		found := false
		err = m.Walk(func(_ []int, part *message.Entity, err error) error {
			if err != nil {
				return err
			}
			if ct, _, _ := part.Header.ContentType(); strings.HasPrefix(ct, "text/") {
				body, err := io.ReadAll(part.Body)
				if err != nil {
					return err
				}
				found = found || strings.Contains(string(body), s)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if found {
			return true
		}
	}
	return false
}
