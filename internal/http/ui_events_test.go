package http_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

// evDemo loads the reference scenario and returns the commemorative meeting's id and
// its invitations by the guest's e-mail.
func evDemo(t *testing.T, e *env) (int64, map[string]map[string]any) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.svc.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	sums, _, err := e.svc.EventList(ctx, service.EventFilter{Text: "commemorative"}, service.Page{})
	if err != nil || len(sums) != 1 {
		t.Fatalf("commemorative meeting: %v %v", sums, err)
	}
	id := sums[0].Event.ID
	list := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", fmt.Sprintf("/api/v1/events/%d/invitations", id), nil)).JSON(t)
	invs := map[string]map[string]any{}
	for _, it := range list["items"].([]any) {
		inv := it.(map[string]any)
		invs[inv["email"].(string)] = inv
	}
	return id, invs
}

func evID(m map[string]any) int64 { return int64(m["id"].(float64)) }

// evNotContains fails if the body holds any of the strings.
func evNotContains(t *testing.T, r resp, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(string(r.Body), b) {
			t.Errorf("page holds %q", b)
		}
	}
}

func TestUIEventsListAndPage(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		id, invs := evDemo(t, e)
		az := invs["prosecutor.general@genprosecutor-az.test"]
		ru := invs["prosecutor.general@genproc-ru.test"]
		b := e.signIn(domain.RoleOfficer)

		r := b.get("/events")
		if r.Status != http.StatusOK {
			t.Fatalf("events: %d %s", r.Status, r.Body)
		}
		r.contains(t, "Commemorative meeting for the anniversary", "Conference of heads of prosecution services",
			`href="/events/new"`, "12 January 2021, 09:00–18:00", "Europe/Moscow", "299th anniversary")
		r = b.get("/events?q=CONFERENCE&when=all")
		r.contains(t, "Conference of heads of prosecution services")
		evNotContains(t, r, "Commemorative meeting for the anniversary")
		b.get("/events?status=completed").contains(t, "Commemorative meeting for the anniversary")
		b.get("/events?q=no+such+event").contains(t, "No events match.")
		if r := b.get("/events?from=12.01.2021"); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad date: %d", r.Status)
		} else {
			r.contains(t, `id="e-from"`, `value="12.01.2021"`)
		}
		b.get("/events?from=2021-01-12&to=2021-01-12").contains(t, "Commemorative meeting for the anniversary")
		evNotContains(t, b.get("/events?from=2021-01-13&to=2021-01-14"), "Commemorative meeting for the anniversary")

		path := fmt.Sprintf("/events/%d", id)
		r = b.get(path)
		if r.Status != http.StatusOK {
			t.Fatalf("event page: %d %s", r.Status, r.Body)
		}
		r.contains(t,
			// details in the event's zone
			"12 January 2021, 09:00–18:00", "Europe/Moscow", "Bolshaya Dmitrovka 15a", "5 January 2021, 18:00",
			// the programme as a timeline, with rooms and parties
			`<ol class="timeline">`, "Bilateral meeting Russia – Azerbaijan", "12:00", "13:00", "Room: Conference room 1",
			"Taking part: PGO RU, PGO AZ", "trilateral",
			// delegations with head and members
			"PGO AZ", "Kamran Aliyev", "Adviser to the Prosecutor General of Azerbaijan", "interpreter",
			// the invitations with their answer badges
			fmt.Sprintf(`id="inv-%d"`, evID(az)), `class="badge answer-accepted"`, "officer (phone)",
			// officers' controls
			path+"/edit", fmt.Sprintf("/invitations/%d/answer", evID(az)), path+"/sessions/new", "Make a feed link",
			path+"/participants.csv", path+"/print")
		evNotContains(t, r, path+"/cancel", path+"/reschedule") // a completed event is neither cancelled nor moved

		// Filters narrow the table.
		azDel := int64(az["delegation_id"].(float64))
		r = b.get(fmt.Sprintf("%s?delegation=%d", path, azDel))
		r.contains(t, fmt.Sprintf(`id="inv-%d"`, evID(az)), "1 of 3 invitations shown.")
		evNotContains(t, r, fmt.Sprintf(`id="inv-%d"`, evID(ru)))
		r = b.get(path + "?answer=declined")
		r.contains(t, "No invitations match.", "0 of 3 invitations shown.")
		evNotContains(t, r, fmt.Sprintf(`id="inv-%d"`, evID(az)))
		b.get(path+"?answer=accepted&state=draft").contains(t, "3 of 3 invitations shown.")
		b.get(path+"?answer=nonsense").contains(t, "3 of 3 invitations shown.")

		// The print layout and the Russian interface.
		b.get(path+"/print").contains(t, "Programme", "Bilateral meeting Russia – Azerbaijan", "data-print", "Participants")
		b.lang = "ru"
		b.get(path).contains(t, "12 января 2021 г., 09:00–18:00", "Программа", "Камран Алиев", "примет участие")
		b.lang = ""

		if r := b.get("/events/999999"); r.Status != http.StatusNotFound {
			t.Fatalf("missing event: %d", r.Status)
		}

		// A viewer reads the page without a single control, and every action is refused.
		v := e.signIn(domain.RoleViewer)
		r = v.get(path)
		if r.Status != http.StatusOK {
			t.Fatalf("viewer: %d", r.Status)
		}
		r.contains(t, "Kamran Aliyev", `class="badge answer-accepted"`)
		evNotContains(t, r, "/edit", "/answer", "/send", "/remind", "/cancel", "/reschedule", "/sessions/new",
			"/delegations/new", "/invitations/new", `method="post" action="/events`, "Make a feed link")
		evNotContains(t, v.get("/events"), `href="/events/new"`)
		for _, p := range []string{path + "/send", path + "/remind", path + "/feed", path + "/cancel", path + "/reschedule",
			fmt.Sprintf("/invitations/%d/answer", evID(az))} {
			if r := v.post(p, url.Values{"response": {"declined"}, "starts_at": {"2021-01-12T10:00"}, "ends_at": {"2021-01-12T11:00"}}); r.Status != http.StatusForbidden {
				t.Errorf("viewer POST %s: %d", p, r.Status)
			}
		}
		for _, p := range []string{path + "/cancel", path + "/reschedule", fmt.Sprintf("/invitations/%d/answer", evID(az))} {
			if r := v.get(p); r.Status != http.StatusForbidden {
				t.Errorf("viewer GET %s: %d", p, r.Status)
			}
		}
		// Nothing changed.
		if ev := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", "/api/v1"+path, nil)).JSON(t); ev["status"] != "completed" {
			t.Fatalf("after the viewer's attempts: %v", ev["status"])
		}
		// Without the form token, an officer is refused too.
		if r := b.postRaw(path+"/feed", url.Values{}); r.Status != http.StatusForbidden {
			t.Fatalf("POST without CSRF token: %d", r.Status)
		}
	})
}

var evFeedURL = regexp.MustCompile(`value="https://attache\.test(/feeds/[A-Za-z0-9_-]{43}\.ics)"`)

func TestUIEventsFeedLink(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		id, _ := evDemo(t, e)
		path := fmt.Sprintf("/events/%d", id)
		b := e.signIn(domain.RoleOfficer)
		b.get(path).contains(t, "No feed link has been made for this event yet.")
		r := b.follow(b.post(path+"/feed", nil))
		r.contains(t, "The feed link is ready.", "webcal://attache.test/feeds/", `data-copy="feed-https"`, `data-copy="feed-webcal"`, "readonly")
		m := evFeedURL.FindSubmatch(r.Body)
		if m == nil {
			t.Fatalf("no feed link on the page:\n%s", r.Body)
		}
		first := string(m[1])
		feed := e.browser().get(first)
		if feed.Status != http.StatusOK || !strings.Contains(string(feed.Body), "Bilateral meeting Russia") {
			t.Fatalf("feed %s: %d %.300s", first, feed.Status, feed.Body)
		}
		// The link is shown again, the same, to anyone reading the page; asking again
		// makes no second one.
		if m := evFeedURL.FindSubmatch(e.signIn(domain.RoleViewer).get(path).Body); m == nil || string(m[1]) != first {
			t.Fatalf("the viewer sees another link: %q", m)
		}
		b.post(path+"/feed", nil)
		if m := evFeedURL.FindSubmatch(b.get(path).Body); string(m[1]) != first {
			t.Fatalf("a second POST changed the link")
		}
		// Replacing it kills the old one.
		r = b.follow(b.post(path+"/feed", url.Values{"renew": {"1"}}))
		m = evFeedURL.FindSubmatch(r.Body)
		if m == nil || string(m[1]) == first {
			t.Fatalf("renewed link: %q", m)
		}
		if got := e.browser().get(first); got.Status != http.StatusNotFound {
			t.Fatalf("old feed after renewal: %d", got.Status)
		}
		if got := e.browser().get(string(m[1])); got.Status != http.StatusOK {
			t.Fatalf("new feed: %d", got.Status)
		}
	})
}

// evSetMailed records, as the workers would, that an invitation went out (or failed)
// just now.
func evSetState(t *testing.T, e *env, id int64, state string) {
	t.Helper()
	now := time.Now().UTC()
	if err := e.st.Gorm().Exec("UPDATE invitations SET send_state = ?, sent_at = ?, updated_at = ? WHERE id = ?",
		state, now, now, id).Error; err != nil {
		t.Fatal(err)
	}
}

func evProgressOf(t *testing.T, b *browser, path string) map[string]any {
	t.Helper()
	r := b.get(path)
	if r.Status != http.StatusOK {
		t.Fatalf("progress: %d %s", r.Status, r.Body)
	}
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("progress is not JSON: %s", r.Body)
	}
	return m
}

var evProgressURL = regexp.MustCompile(`data-progress-url="([^"]+)"`)

func TestUIEventsSendRemindProgress(t *testing.T) {
	eachSendAPI(t, func(t *testing.T, e *env) {
		event, invs := sdSetup(t, e, false)
		path := fmt.Sprintf("/events/%d", event)
		b := e.signIn(domain.RoleOfficer)
		b.get(path).contains(t, "Send 2 unsent invitations", `action="`+path+`/send"`)

		r := b.post(path+"/send", nil)
		if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "batch=send") {
			t.Fatalf("send: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
		}
		r = b.follow(r)
		r.contains(t, "2 invitations queued for sending.", "<progress", "data-progress-text", "0 of 2 invitations sent",
			`class="badge state-queued"`)
		if n := e.jobCount("mail.deliver"); n < 1 {
			t.Fatal("no deliver job queued")
		}
		for _, id := range invs {
			if inv := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(id), nil)).JSON(t); inv["send_state"] != "queued" {
				t.Fatalf("invitation %d after the send: %v", id, inv["send_state"])
			}
		}
		m := evProgressURL.FindSubmatch(r.Body)
		if m == nil {
			t.Fatal("no progress box")
		}
		progress := strings.ReplaceAll(string(m[1]), "&amp;", "&")
		p := evProgressOf(t, b, progress)
		if p["total"] != 2.0 || p["done"] != 0.0 || p["failed"] != 0.0 || p["finished"] != false {
			t.Fatalf("progress at start: %v", p)
		}
		evSetState(t, e, invs[0], "sent")
		if p := evProgressOf(t, b, progress); p["done"] != 1.0 || p["finished"] != false || p["label"] != "1 of 2 invitations sent" {
			t.Fatalf("progress after one: %v", p)
		}
		evSetState(t, e, invs[1], "failed")
		if p := evProgressOf(t, b, progress); p["done"] != 1.0 || p["failed"] != 1.0 || p["finished"] != true {
			t.Fatalf("progress at the end: %v", p)
		}
		// A viewer may follow it too (it is a page's data), but not send.
		if p := evProgressOf(t, e.signIn(domain.RoleViewer), progress); p["total"] != 2.0 {
			t.Fatalf("viewer's progress: %v", p)
		}

		// Reminders go to guests who were sent the invitation and have not answered, once
		// each by hand, and only with a deadline to come.
		r = b.post(path+"/remind", nil)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("remind: %d %s", r.Status, r.Body)
		}
		b.follow(r).contains(t, "0 reminders queued.", "1 guest has no RSVP deadline to come")
		deadline := time.Now().UTC().Add(72 * time.Hour).Format(time.RFC3339)
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", "/api/v1"+path, map[string]any{"rsvp_deadline": deadline}))
		r = b.post(path+"/remind", nil)
		if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "batch=remind") {
			t.Fatalf("remind: %d %q", r.Status, r.Header.Get("Location"))
		}
		r = b.follow(r)
		r.contains(t, "1 reminder queued.", "0 of 1 reminders done")
		if n := e.jobCount("mail.remind"); n != 1 {
			t.Fatalf("%d remind jobs", n)
		}
		m = evProgressURL.FindSubmatch(r.Body)
		if p := evProgressOf(t, b, strings.ReplaceAll(string(m[1]), "&amp;", "&")); p["total"] != 1.0 || p["finished"] != false {
			t.Fatalf("reminder progress: %v", p)
		}
		// It is reserved like the scan's reminders, at offset 0 (the scan's offsets are
		// positive), for the mail.remind job; the progress follows its row.
		var row struct {
			ID             int64
			ReminderOffset int
			Status         string
		}
		if err := e.st.Gorm().Raw("SELECT id, reminder_offset, status FROM outbound_messages WHERE invitation_id = ? AND kind = 'reminder_deadline'",
			invs[0]).Scan(&row).Error; err != nil || row.ID == 0 || row.ReminderOffset != 0 || row.Status != "pending" {
			t.Fatalf("reserved reminder: %+v %v", row, err)
		}
		if err := e.st.Gorm().Exec("UPDATE outbound_messages SET status = 'sent', sent_at = ? WHERE id = ?", time.Now().UTC(), row.ID).Error; err != nil {
			t.Fatal(err)
		}
		if p := evProgressOf(t, b, strings.ReplaceAll(string(m[1]), "&amp;", "&")); p["done"] != 1.0 || p["finished"] != true {
			t.Fatalf("reminder progress after sending: %v", p)
		}
		b.follow(b.post(path+"/remind", nil)).contains(t, "0 reminders queued.", "1 guest had already been reminded by hand")
		if n := e.jobCount("mail.remind"); n != 1 {
			t.Fatalf("%d remind jobs after a second press", n)
		}

		// A draft can not be sent: the page says why.
		draft := e.create("/api/v1/events", map[string]any{"title": "Draft", "timezone": "Europe/Moscow",
			"starts_at": time.Now().Add(48 * time.Hour).Format(time.RFC3339), "ends_at": time.Now().Add(50 * time.Hour).Format(time.RFC3339)})
		r = b.post(fmt.Sprintf("/events/%d/send", draft), nil)
		if r.Status != http.StatusConflict {
			t.Fatalf("send a draft: %d", r.Status)
		}
		r.contains(t, `class="alert"`, "is a draft")
	})
}

func TestUIEventsSendWithoutQueue(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		event, _ := sdSetup(t, e, false)
		b := e.signIn(domain.RoleOfficer)
		b.get(fmt.Sprintf("/events/%d", event)).contains(t, "Outbound mail is not configured")
		r := b.post(fmt.Sprintf("/events/%d/send", event), nil)
		if r.Status != http.StatusConflict {
			t.Fatalf("send without a queue: %d", r.Status)
		}
		r.contains(t, "Outbound mail is not configured")
	})
}

func TestUIEventsRecordAnswer(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		event, invs := sdSetup(t, e, false)
		b := e.signIn(domain.RoleOfficer)
		path := fmt.Sprintf("/invitations/%d/answer", invs[0])
		r := b.get(path)
		if r.Status != http.StatusOK {
			t.Fatalf("answer form: %d %s", r.Status, r.Body)
		}
		r.contains(t, "Record an answer: Guest 0", `name="response"`, `value="accepted"`, `name="note"`)

		// A bad answer is shown beside the field, with the form as typed.
		r = b.post(path, url.Values{"response": {"maybe"}, "note": {"Called at 10:15"}, "companions": {"Elnur Mammadov"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad answer: %d", r.Status)
		}
		r.contains(t, `id="e-response"`, "Called at 10:15", "Elnur Mammadov")
		if inv := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(invs[0]), nil)).JSON(t); inv["response"] != "needs-action" {
			t.Fatalf("after a refused answer: %v", inv["response"])
		}

		r = b.post(path, url.Values{"response": {"accepted"}, "note": {"Called at 10:15"}, "companions": {"Elnur Mammadov\n\n"}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != fmt.Sprintf("/events/%d#invitations", event) {
			t.Fatalf("answer: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
		}
		b.follow(r).contains(t, "Answer recorded for Guest 0: accepted.", `class="badge answer-accepted"`, "officer (phone)", "Elnur Mammadov")
		inv := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(invs[0]), nil)).JSON(t)
		if inv["response"] != "accepted" || inv["response_channel"] != "officer" || inv["note"] != "Called at 10:15" ||
			fmt.Sprint(inv["companions"]) != "[Elnur Mammadov]" {
			t.Fatalf("recorded answer: %v", inv)
		}
		hist := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(invs[0])+"/responses", nil)).JSON(t)
		items := hist["items"].([]any)
		if last := items[len(items)-1].(map[string]any); last["channel"] != "officer" || last["actor"] != "officer@attache.test" {
			t.Fatalf("answer history: %v", items)
		}
		if r := b.get("/invitations/999999/answer"); r.Status != http.StatusNotFound {
			t.Fatalf("missing invitation: %d", r.Status)
		}
	})
}

func TestUIEventsCancelAndReschedule(t *testing.T) {
	eachSendAPI(t, func(t *testing.T, e *env) {
		event, invs := sdSetup(t, e, false)
		sdMarkSent(t, e, invs[0])
		path := fmt.Sprintf("/events/%d", event)
		b := e.signIn(domain.RoleOfficer)
		b.get(path).contains(t, path+"/cancel", path+"/reschedule")

		// The previews list who was sent the event, and nobody else.
		r := b.get(path + "/reschedule")
		if r.Status != http.StatusOK {
			t.Fatalf("reschedule form: %d %s", r.Status, r.Body)
		}
		r.contains(t, "Who will be told: 1 guest", "head@genprosecutor-az.test", `type="datetime-local"`, "Europe/Moscow")
		evNotContains(t, r, "adviser@genprosecutor-az.test")

		before := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", "/api/v1"+path, nil)).JSON(t)
		start, err := time.Parse(time.RFC3339, before["starts_at"].(string))
		if err != nil {
			t.Fatal(err)
		}
		moscow, _ := time.LoadLocation("Europe/Moscow")
		newStart := start.In(moscow).Add(24 * time.Hour)
		local := func(t time.Time) string { return t.Format("2006-01-02T15:04") }

		// Bad times are shown beside their field, as typed.
		r = b.post(path+"/reschedule", url.Values{"starts_at": {local(newStart)}, "ends_at": {local(newStart.Add(-time.Hour))}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("end before start: %d", r.Status)
		}
		r.contains(t, `id="e-ends_at"`, "must be after starts_at", local(newStart.Add(-time.Hour)))
		r = b.post(path+"/reschedule", url.Values{"starts_at": {"tomorrow"}, "ends_at": {local(newStart)}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("unreadable time: %d", r.Status)
		}
		r.contains(t, `id="e-starts_at"`, `value="tomorrow"`)

		r = b.post(path+"/reschedule", url.Values{"starts_at": {local(newStart)}, "ends_at": {local(newStart.Add(3 * time.Hour))}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("reschedule: %d %s", r.Status, r.Body)
		}
		b.follow(r).contains(t, "1 guest will be sent the update")
		after := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", "/api/v1"+path, nil)).JSON(t)
		got, _ := time.Parse(time.RFC3339, after["starts_at"].(string))
		end, _ := time.Parse(time.RFC3339, after["ends_at"].(string))
		if !got.Equal(newStart) || end.Sub(got) != 3*time.Hour || after["sequence"].(float64) <= before["sequence"].(float64) {
			t.Fatalf("after rescheduling: %v (want start %s)", after, newStart)
		}
		if n := e.jobCount("mail.announce_change"); n != 1 {
			t.Fatalf("%d change announcements queued", n)
		}

		r = b.get(path + "/cancel")
		r.contains(t, "Who will be told: 1 guest", "head@genprosecutor-az.test", "Cancel the event and tell 1 guest")
		evNotContains(t, r, "adviser@genprosecutor-az.test")
		r = b.post(path+"/cancel", nil)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("cancel: %d %s", r.Status, r.Body)
		}
		b.follow(r).contains(t, "The event is cancelled; 1 guest is being sent the cancellation.", "status-cancelled")
		if ev := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", "/api/v1"+path, nil)).JSON(t); ev["status"] != "cancelled" {
			t.Fatalf("after cancelling: %v", ev["status"])
		}
		if n := e.jobCount("mail.deliver"); n < 1 {
			t.Fatalf("no cancellation queued")
		}
		b.get(path+"/cancel").contains(t, "This event is already cancelled.")
		// A cancelled event can not be moved.
		r = b.post(path+"/reschedule", url.Values{"starts_at": {local(newStart)}, "ends_at": {local(newStart.Add(time.Hour))}})
		if r.Status != http.StatusConflict {
			t.Fatalf("moving a cancelled event: %d", r.Status)
		}
		r.contains(t, "A cancelled or completed event can not be moved.")
	})
}

func TestUIEventsExports(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		event, _ := sdSetup(t, e, false)
		org := e.create("/api/v1/organizations", map[string]any{"name": "Генеральная прокуратура Российской Федерации"})
		p := e.create("/api/v1/people", map[string]any{"full_name": "Igor Krasnov", "email": "krasnov@genproc-ru.test", "language": "ru",
			"organization_id": org, "honorific": "=HYPERLINK(\"http://evil.test\")",
			"names": map[string]any{"ru": map[string]any{"full_name": "Игорь Викторович Краснов"}}})
		e.create(fmt.Sprintf("/api/v1/events/%d/invitations", event), map[string]any{"person_id": p, "companions": []string{"+7 495 000 00 00"}})
		b := e.signIn(domain.RoleOfficer)

		r := b.get(fmt.Sprintf("/events/%d/participants.csv", event))
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("CSV: %d %q", r.Status, r.Header.Get("Content-Type"))
		}
		cd := r.Header.Get("Content-Disposition")
		if !strings.Contains(cd, fmt.Sprintf(`attachment; filename="participants-%d-conference-of-prosecutors.csv"`, event)) ||
			!strings.Contains(cd, "filename*=UTF-8''participants-") {
			t.Fatalf("Content-Disposition: %s", cd)
		}
		body, ok := bytes.CutPrefix(r.Body, []byte("\xEF\xBB\xBF"))
		if !ok {
			t.Fatal("no UTF-8 byte-order mark")
		}
		rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("CSV does not parse: %v", err)
		}
		if len(rows) != 4 || rows[0][0] != "Guest" || rows[0][1] != "Name in the guest's language" {
			t.Fatalf("CSV rows: %q", rows)
		}
		var krasnov []string
		for _, row := range rows {
			if row[0] == "Igor Krasnov" {
				krasnov = row
			}
		}
		if krasnov == nil || krasnov[1] != "Игорь Викторович Краснов" || krasnov[3] != "Генеральная прокуратура Российской Федерации" {
			t.Fatalf("Cyrillic row: %q", krasnov)
		}
		if krasnov[2] != `'=HYPERLINK("http://evil.test")` || krasnov[12] != "'+7 495 000 00 00" {
			t.Fatalf("formula guard: %q", krasnov)
		}
		// The filter of the page applies to the export.
		r = b.get(fmt.Sprintf("/events/%d/participants.csv?answer=accepted", event))
		if rows, _ := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\xEF\xBB\xBF")))).ReadAll(); len(rows) != 1 {
			t.Fatalf("filtered CSV: %q", rows)
		}

		r = e.signIn(domain.RoleViewer).get(fmt.Sprintf("/events/%d/participants.xlsx", event))
		if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("XLSX: %d %q", r.Status, r.Header.Get("Content-Disposition"))
		}
		f, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatalf("XLSX does not open: %v", err)
		}
		defer f.Close()
		xrows, err := f.GetRows("Participants")
		if err != nil {
			t.Fatal(err)
		}
		if len(xrows) != 4 || xrows[0][0] != "Guest" || xrows[0][12] != "Companions" {
			t.Fatalf("XLSX rows: %q", xrows)
		}
		found := false
		for _, row := range xrows[1:] {
			if row[0] == "Igor Krasnov" && row[1] == "Игорь Викторович Краснов" && row[6] == "krasnov@genproc-ru.test" {
				found = true
			}
		}
		if !found {
			t.Fatalf("XLSX lacks the Cyrillic row: %q", xrows)
		}
		if r := b.get("/events/999999/participants.csv"); r.Status != http.StatusNotFound {
			t.Fatalf("CSV of a missing event: %d", r.Status)
		}
	})
}
