package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
)

// sdSetup creates through the API a scheduled event a week ahead (or one that ended
// yesterday), an organization and two invited people; it returns the event and the
// invitation ids.
func sdSetup(t *testing.T, e *env, ended bool) (event int64, invitations []int64) {
	t.Helper()
	start := time.Now().UTC().Truncate(time.Hour).Add(7 * 24 * time.Hour)
	if ended {
		start = time.Now().UTC().Truncate(time.Hour).Add(-48 * time.Hour)
	}
	event = e.create("/api/v1/events", map[string]any{
		"title": "Conference of prosecutors", "kind": "conference", "status": "scheduled", "timezone": "Europe/Moscow",
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(6 * time.Hour).Format(time.RFC3339),
	})
	org := e.create("/api/v1/organizations", map[string]any{"name": "PGO AZ"})
	for i, email := range []string{"head@genprosecutor-az.test", "adviser@genprosecutor-az.test"} {
		p := dgPerson(t, e, org, fmt.Sprint("Guest ", i), email, "en")
		invitations = append(invitations, e.create(fmt.Sprintf("/api/v1/events/%d/invitations", event), map[string]any{"person_id": p}))
	}
	return event, invitations
}

func sdSendPath(event int64) string { return fmt.Sprintf("/api/v1/events/%d/invitations/send", event) }

// sdMarkSent records that an invitation's invitation went out, as a worker would.
func sdMarkSent(t *testing.T, e *env, id int64) {
	t.Helper()
	pvExec(t, e, fmt.Sprintf("UPDATE invitations SET send_state = 'sent' WHERE id = %d", id))
	if err := e.st.Gorm().Exec(`INSERT INTO outbound_messages (invitation_id, kind, sequence, message_id, recipient, status,
		attempts, sent_at, created_at, updated_at) VALUES (?, 'invitation', 0, ?, 'guest@example.org', 'sent', 1, ?, ?, ?)`,
		id, fmt.Sprintf("inv-%d-invitation-0@attache.test", id), time.Now().UTC(), time.Now().UTC(), time.Now().UTC()).Error; err != nil {
		t.Fatal(err)
	}
}

func TestSendInvitationsAPI(t *testing.T) {
	eachSendAPI(t, func(t *testing.T, e *env) {
		event, invs := sdSetup(t, e, false)

		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "POST", sdSendPath(event), nil))
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "POST", sdSendPath(999999), nil))
		e.must(http.StatusBadRequest, e.call(domain.RoleOfficer, "POST", sdSendPath(event), map[string]any{"ids": []int64{1}}))
		if f := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "POST", sdSendPath(event),
			map[string]any{"invitation_ids": []int64{999999}})).ErrorField(t); f != "invitation_ids" {
			t.Fatalf("error field %q", f)
		}

		// Naming one queues it alone; an empty body queues the rest; again queues nothing.
		r := e.must(http.StatusOK, e.call(domain.RoleOfficer, "POST", sdSendPath(event), map[string]any{"invitation_ids": []int64{invs[0]}})).JSON(t)
		if r["queued"] != float64(1) {
			t.Fatalf("answer %v, want queued 1", r)
		}
		r = e.must(http.StatusOK, e.call(domain.RoleOfficer, "POST", sdSendPath(event), nil)).JSON(t)
		if r["queued"] != float64(1) {
			t.Fatalf("answer %v, want queued 1", r)
		}
		r = e.must(http.StatusOK, e.call(domain.RoleOfficer, "POST", sdSendPath(event), "{}")).JSON(t)
		if r["queued"] != float64(0) {
			t.Fatalf("answer %v, want queued 0", r)
		}
		if n := e.jobCount("mail.deliver"); n != 2 {
			t.Fatalf("%d deliver jobs, want one per invitation", n)
		}
		list := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", fmt.Sprintf("/api/v1/events/%d/invitations?send_state=queued", event), nil)).JSON(t)
		if items := list["items"].([]any); len(items) != 2 || items[0].(map[string]any)["last_error"] != "" {
			t.Fatalf("queued invitations = %v", list)
		}
		if e.auditCount("invitation", invs[0]) != 2 { // created, queued
			t.Errorf("audit entries of a queued invitation = %d", e.auditCount("invitation", invs[0]))
		}
		msgs := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(invs[0])+"/messages", nil)).JSON(t)
		if items := msgs["items"].([]any); len(items) != 0 {
			t.Fatalf("messages before any was sent = %v", msgs)
		}
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", ivPath(999999)+"/messages", nil))
	})
}

func TestSendRefusedForEndedEvent(t *testing.T) {
	eachSendAPI(t, func(t *testing.T, e *env) {
		event, invs := sdSetup(t, e, true)
		r := e.must(http.StatusConflict, e.call(domain.RoleOfficer, "POST", sdSendPath(event), nil))
		if f := r.ErrorField(t); f != "ends_at" {
			t.Fatalf("409 names %q, want ends_at: %s", f, r.Body)
		}
		if inv := e.must(http.StatusOK, e.call(domain.RoleOfficer, "GET", ivPath(invs[0]), nil)).JSON(t); inv["send_state"] != "draft" {
			t.Fatalf("after a refused send: %v", inv)
		}
		if n := e.jobCount("mail.deliver"); n != 0 {
			t.Fatalf("%d jobs after a refused send", n)
		}
		draft := e.create("/api/v1/events", map[string]any{"title": "Draft", "timezone": "Europe/Moscow",
			"starts_at": time.Now().Add(48 * time.Hour).Format(time.RFC3339), "ends_at": time.Now().Add(50 * time.Hour).Format(time.RFC3339)})
		if f := e.must(http.StatusConflict, e.call(domain.RoleOfficer, "POST", sdSendPath(draft), nil)).ErrorField(t); f != "status" {
			t.Fatalf("a draft: 409 names %q", f)
		}
	})
}

// TestCancelEventAPI: POST /events/{id}/cancel answers the cancelled event, with its
// SEQUENCE raised, and queues a CANCEL for every guest who was sent it, in the same
// transaction; cancelling again changes nothing.
func TestCancelEventAPI(t *testing.T) {
	eachSendAPI(t, func(t *testing.T, e *env) {
		event, invs := sdSetup(t, e, false)
		sdMarkSent(t, e, invs[0])
		path := fmt.Sprintf("/api/v1/events/%d/cancel", event)
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "POST", path, nil))
		ev := e.must(http.StatusOK, e.call(domain.RoleOfficer, "POST", path, nil)).JSON(t)
		if ev["status"] != "cancelled" || ev["sequence"] != float64(1) {
			t.Fatalf("cancelled event = %v", ev)
		}
		if n := e.jobCount("mail.deliver"); n != 1 {
			t.Fatalf("%d deliveries queued, want one CANCEL for the guest who was sent the event", n)
		}
		ev = e.must(http.StatusOK, e.call(domain.RoleOfficer, "POST", path, nil)).JSON(t)
		if ev["sequence"] != float64(1) || e.jobCount("mail.deliver") != 1 {
			t.Fatalf("cancelling again changed %v", ev)
		}
		e.must(http.StatusConflict, e.call(domain.RoleOfficer, "POST", sdSendPath(event), nil))
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "POST", "/api/v1/events/999999/cancel", nil))
	})
}

// TestDeleteSentInvitationWithdraws: DELETE of a draft deletes it; of a sent
// invitation withdraws it (send_state withdrawn, history kept) and queues the guest's
// CANCEL.
func TestDeleteSentInvitationWithdraws(t *testing.T) {
	eachSendAPI(t, func(t *testing.T, e *env) {
		_, invs := sdSetup(t, e, false)
		sdMarkSent(t, e, invs[0])
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", ivPath(invs[0]), map[string]any{"response": "accepted"}))
		before := e.must(http.StatusOK, e.call(domain.RoleOfficer, "GET", ivPath(invs[0]), nil)).JSON(t)
		rsvp := strings.TrimPrefix(before["rsvp_url"].(string), "https://attache.test")
		feed := e.must(http.StatusCreated, e.call(domain.RoleOfficer, "POST", "/api/v1/feed-tokens",
			map[string]any{"scope": "person", "person_id": before["person_id"]})).JSON(t)
		feedPath := strings.TrimPrefix(feed["url"].(string), "https://attache.test")
		if r := e.page("GET", rsvp, nil); r.Status != http.StatusOK {
			t.Fatalf("RSVP page before withdrawal: %d", r.Status)
		}
		if r := e.page("GET", feedPath, nil); !strings.Contains(string(r.Body), "BEGIN:VEVENT") {
			t.Fatalf("person feed before withdrawal has no event:\n%s", r.Body)
		}

		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", ivPath(invs[0]), nil))
		inv := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(invs[0]), nil)).JSON(t)
		if inv["send_state"] != "withdrawn" || inv["response"] != "accepted" {
			t.Fatalf("withdrawn invitation = %v", inv)
		}
		// The guest was sent a CANCEL: their link and their feed no longer offer the event.
		e.must(http.StatusNotFound, e.page("GET", rsvp, nil))
		if r := e.page("GET", feedPath, nil); r.Status != http.StatusOK || strings.Contains(string(r.Body), "BEGIN:VEVENT") {
			t.Fatalf("person feed after withdrawal (%d) still lists events:\n%s", r.Status, r.Body)
		}
		if h := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(invs[0])+"/responses", nil)).JSON(t)["items"].([]any); len(h) != 1 {
			t.Fatalf("history after withdrawal = %v", h)
		}
		if n := e.jobCount("mail.deliver"); n != 1 {
			t.Fatalf("%d deliveries queued by the withdrawal, want 1", n)
		}
		msgs := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(invs[0])+"/messages", nil)).JSON(t)["items"].([]any)
		if len(msgs) != 1 || msgs[0].(map[string]any)["status"] != "sent" {
			t.Fatalf("messages = %v", msgs)
		}
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", ivPath(invs[0]), nil))
		if list := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET",
			fmt.Sprintf("/api/v1/events/%d/invitations?send_state=withdrawn", int64(inv["event_id"].(float64))), nil)).JSON(t)["items"].([]any); len(list) != 1 {
			t.Fatalf("withdrawn list = %v", list)
		}

		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", ivPath(invs[1]), nil))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", ivPath(invs[1]), nil))
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "DELETE", ivPath(invs[0]), nil))
	})
}
