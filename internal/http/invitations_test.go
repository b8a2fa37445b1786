package http_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/attache-app/attache/internal/domain"
)

// ivSetup adds to the Azerbaijani party a delegation of head and adviser limited to three
// people, which leaves room for one companion.
func ivSetup(t *testing.T, e *env) (dgParty, int64) {
	t.Helper()
	p := dgSetup(t, e)
	d := e.create(fmt.Sprintf("/api/v1/events/%d/delegations", p.event), map[string]any{
		"organization_id": p.org, "head_person_id": p.head, "size_limit": 3,
		"members": []map[string]any{{"person_id": p.adviser, "role": "adviser"}},
	})
	return p, d
}

func ivPath(id int64) string { return fmt.Sprintf("/api/v1/invitations/%d", id) }

// ivToken cuts the token out of an invitation body's rsvp_url.
func ivToken(t *testing.T, inv map[string]any) string {
	t.Helper()
	token, ok := strings.CutPrefix(fmt.Sprint(inv["rsvp_url"]), "https://attache.test/rsvp/")
	if !ok || len(token) != 43 {
		t.Fatalf("rsvp_url = %v", inv["rsvp_url"])
	}
	return token
}

func TestInvitationsCRUD(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		p, d := ivSetup(t, e)
		base := fmt.Sprintf("/api/v1/events/%d/invitations", p.event)

		// E-mail and language come from the person.
		inv := e.must(http.StatusCreated, e.call(domain.RoleOfficer, "POST", base, map[string]any{
			"person_id": p.head, "delegation_id": d, "deadline": "2021-01-05T18:00:00+03:00",
		})).JSON(t)
		id := int64(inv["id"].(float64))
		if inv["email"] != "k.aliyev@genprosecutor-az.test" || inv["language"] != "az-Latn" || inv["response"] != "needs-action" ||
			inv["send_state"] != "draft" || inv["deadline"] != "2021-01-05T15:00:00Z" || inv["delegation_id"] != float64(d) ||
			fmt.Sprint(inv["companions"]) != "[]" || inv["responded_at"] != nil {
			t.Fatalf("created invitation = %v", inv)
		}
		ivToken(t, inv)

		// Given values win over the person's.
		other := e.must(http.StatusCreated, e.call(domain.RoleOfficer, "POST", base, map[string]any{
			"person_id": p.interp, "email": "Office@GenProsecutor-AZ.test", "language": "EN-gb",
		})).JSON(t)
		if other["email"] != "office@genprosecutor-az.test" || other["language"] != "en-GB" || other["delegation_id"] != nil {
			t.Fatalf("invitation with own e-mail = %v", other)
		}

		// Officers see the link; viewers, who must not answer for a guest, do not.
		got := e.must(http.StatusOK, e.call(domain.RoleOfficer, "GET", ivPath(id), nil)).JSON(t)
		if got["rsvp_url"] != inv["rsvp_url"] || got["updated_at"] != inv["updated_at"] || got["created_at"] != inv["created_at"] {
			t.Fatalf("GET %v differs from POST %v", got, inv)
		}
		if got := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(id), nil)).JSON(t); got["rsvp_url"] != "" {
			t.Fatalf("viewer sees rsvp_url %v", got["rsvp_url"])
		}
		list := e.must(http.StatusOK, e.call(domain.RoleOfficer, "GET", base, nil)).JSON(t)["items"].([]any)
		if len(list) != 2 || list[0].(map[string]any)["rsvp_url"] != inv["rsvp_url"] {
			t.Fatalf("list = %v", list)
		}
		if list := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", base+"?response=accepted", nil)).JSON(t)["items"].([]any); len(list) != 0 {
			t.Fatalf("filtered list = %v", list)
		}
		if list := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", base+"?send_state=draft&response=needs-action", nil)).JSON(t)["items"].([]any); len(list) != 2 {
			t.Fatalf("filtered list = %v", list)
		}
		first := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", base+"?limit=1", nil)).JSON(t)
		second := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", base+"?limit=1&cursor="+fmt.Sprint(first["next_cursor"]), nil)).JSON(t)
		if items := second["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != other["id"] || second["next_cursor"] != nil {
			t.Fatalf("second page = %v", second)
		}
		if r := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleViewer, "GET", base+"?response=accept", nil)); r.ErrorField(t) != "response" {
			t.Fatalf("misspelt filter: %s", r.Body)
		}

		// Companions fit in the room the delegation's size limit leaves: 3 - 2 members = 1.
		r := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "PATCH", ivPath(id), map[string]any{"companions": []string{"A. Aide", "B. Aide"}}))
		if r.ErrorField(t) != "companions" {
			t.Fatalf("too many companions: %s", r.Body)
		}
		got = e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", ivPath(id), map[string]any{"companions": []string{" Farid Aliyev "}})).JSON(t)
		if fmt.Sprint(got["companions"]) != "[Farid Aliyev]" || got["response"] != "needs-action" {
			t.Fatalf("after companions = %v", got)
		}
		// Without a delegation there is no limit.
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", ivPath(int64(other["id"].(float64))),
			map[string]any{"companions": []string{"A", "B", "C", "D"}}))

		// What identifies an invitation or follows its mail can not be written.
		for field, body := range map[string]map[string]any{
			"send_state": {"send_state": "sent"},
			"person_id":  {"person_id": p.adviser},
		} {
			r := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "PATCH", ivPath(id), body))
			if r.ErrorField(t) != field {
				t.Errorf("PATCH %v: %s", body, r.Body)
			}
		}
		e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "POST", base, map[string]any{"person_id": p.adviser, "send_state": "sent"}))

		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", ivPath(id), nil))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", ivPath(id), nil))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", ivPath(id)+"/responses", nil))
		if n := e.auditCount("invitation", id); n != 3 {
			t.Fatalf("audit entries = %d, want 3 (create, update, delete)", n)
		}
	})
}

func TestInvitationsInvalid(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		p, d := ivSetup(t, e)
		base := fmt.Sprintf("/api/v1/events/%d/invitations", p.event)
		e.create(base, map[string]any{"person_id": p.head, "delegation_id": d})

		// One invitation per person per event.
		r := e.must(http.StatusConflict, e.call(domain.RoleOfficer, "POST", base, map[string]any{"person_id": p.head}))
		if r.ErrorField(t) != "person_id" {
			t.Fatalf("duplicate: %s", r.Body)
		}

		later := dgEvent(t, e, 300)
		laterDelegation := e.create(fmt.Sprintf("/api/v1/events/%d/delegations", later), map[string]any{"organization_id": p.org, "head_person_id": p.adviser})
		noEmail := e.create("/api/v1/people", map[string]any{"full_name": "Guest Without Mail", "organization_id": p.org})
		tests := []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"delegation of another event", map[string]any{"person_id": p.adviser, "delegation_id": laterDelegation}, "delegation_id"},
			{"person not a member of the delegation", map[string]any{"person_id": p.interp, "delegation_id": d}, "delegation_id"},
			{"unknown delegation", map[string]any{"person_id": p.adviser, "delegation_id": 999999}, "delegation_id"},
			{"unknown person", map[string]any{"person_id": 999999}, "person_id"},
			{"no person", map[string]any{"email": "x@example.org"}, "person_id"},
			{"person without e-mail", map[string]any{"person_id": noEmail}, "email"},
			{"bad e-mail", map[string]any{"person_id": p.interp, "email": "Guest <g@example.org>"}, "email"},
			{"unknown response", map[string]any{"person_id": p.interp, "response": "maybe"}, "response"},
			{"companion with a line break", map[string]any{"person_id": p.interp, "companions": []string{"Aide\r\nBcc: x@evil.test"}}, "companions"},
			{"deadline without offset", map[string]any{"person_id": p.interp, "deadline": "2021-01-05"}, "deadline"},
		}
		for _, tt := range tests {
			r := e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "POST", base, tt.body))
			if f := r.ErrorField(t); f != tt.field {
				t.Errorf("%s: error field %q, want %q: %s", tt.name, f, tt.field, r.Body)
			}
		}
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "POST", "/api/v1/events/999999/invitations", map[string]any{"person_id": p.adviser}))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", "/api/v1/events/999999/invitations", nil))
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "POST", base, map[string]any{"person_id": p.adviser}))
		if list := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", base, nil)).JSON(t)["items"].([]any); len(list) != 1 {
			t.Fatalf("refused invitations were stored: %v", list)
		}
	})
}

func TestInvitationOfficerAnswer(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		p, d := ivSetup(t, e)
		id := e.create(fmt.Sprintf("/api/v1/events/%d/invitations", p.event), map[string]any{"person_id": p.head, "delegation_id": d})

		got := e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", ivPath(id), map[string]any{"response": "accepted", "note": "by phone"})).JSON(t)
		if got["response"] != "accepted" || got["response_channel"] != "officer" || got["responded_at"] == nil || got["note"] != "by phone" {
			t.Fatalf("after the officer's answer = %v", got)
		}
		if again := e.must(http.StatusOK, e.call(domain.RoleOfficer, "GET", ivPath(id), nil)).JSON(t); again["updated_at"] != got["updated_at"] ||
			again["responded_at"] != got["responded_at"] || again["created_at"] == got["updated_at"] && got["updated_at"] == nil {
			t.Fatalf("PATCH answered %v, GET reads %v", got, again)
		}

		// Changing other fields adds nothing to the history; a viewer can not answer.
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", ivPath(id), map[string]any{"note": "arrives with an aide"}))
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "PATCH", ivPath(id), map[string]any{"response": "declined"}))

		history := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(id)+"/responses", nil)).JSON(t)["items"].([]any)
		if len(history) != 1 {
			t.Fatalf("history = %v", history)
		}
		h := history[0].(map[string]any)
		if h["response"] != "accepted" || h["channel"] != "officer" || h["actor"] != "officer@attache.test" ||
			h["note"] != "by phone" || h["invitation_id"] != float64(id) {
			t.Fatalf("history entry = %v", h)
		}
		got = e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(id), nil)).JSON(t)
		if got["response"] != "accepted" || got["note"] != "arrives with an aide" {
			t.Fatalf("a viewer's PATCH changed the invitation: %v", got)
		}

		// A second answer is appended, oldest first; a refused one leaves no trace.
		e.must(http.StatusUnprocessableEntity, e.call(domain.RoleOfficer, "PATCH", ivPath(id), map[string]any{"response": "declined", "companions": []string{"A", "B"}}))
		e.must(http.StatusOK, e.call(domain.RoleAdmin, "PATCH", ivPath(id), map[string]any{"response": "tentative"}))
		history = e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(id)+"/responses?limit=1", nil)).JSON(t)["items"].([]any)
		if len(history) != 1 || history[0].(map[string]any)["response"] != "accepted" {
			t.Fatalf("first page of history = %v", history)
		}
		history = e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(id)+"/responses", nil)).JSON(t)["items"].([]any)
		if len(history) != 2 || history[1].(map[string]any)["response"] != "tentative" || history[1].(map[string]any)["actor"] != "admin@attache.test" {
			t.Fatalf("history = %v", history)
		}
		if n := e.auditCount("invitation", id); n != 4 {
			t.Fatalf("audit entries = %d, want 4", n)
		}

		// An answer given when the invitation is made is recorded the same way.
		answered := e.must(http.StatusCreated, e.call(domain.RoleOfficer, "POST", fmt.Sprintf("/api/v1/events/%d/invitations", p.event),
			map[string]any{"person_id": p.adviser, "delegation_id": d, "response": "declined", "note": "letter of 3 January"})).JSON(t)
		if answered["response_channel"] != "officer" || answered["responded_at"] == nil {
			t.Fatalf("invitation created with an answer = %v", answered)
		}
		history = e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", fmt.Sprintf("%s/responses", ivPath(int64(answered["id"].(float64)))), nil)).JSON(t)["items"].([]any)
		if len(history) != 1 || history[0].(map[string]any)["response"] != "declined" || history[0].(map[string]any)["actor"] != "officer@attache.test" {
			t.Fatalf("history of an invitation created with an answer = %v", history)
		}
	})
}

// TestInvitationDeleteKeepsSentHistory: a draft is deleted; a sent invitation is
// withdrawn instead (its guest is sent a CANCEL, see send_test.go) and keeps its history.
func TestInvitationDeleteKeepsSentHistory(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		p, _ := ivSetup(t, e)
		id := e.create(fmt.Sprintf("/api/v1/events/%d/invitations", p.event), map[string]any{"person_id": p.head})
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", ivPath(id), map[string]any{"response": "accepted"}))
		pvExec(t, e, fmt.Sprintf("UPDATE invitations SET send_state = 'sent' WHERE id = %d", id))

		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", ivPath(id), nil))
		got := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(id), nil)).JSON(t)
		if got["send_state"] != "withdrawn" {
			t.Fatalf("a sent invitation after DELETE: send_state %v, want withdrawn", got["send_state"])
		}
		if h := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", ivPath(id)+"/responses", nil)).JSON(t)["items"].([]any); len(h) != 1 {
			t.Fatalf("history after withdrawal = %v", h)
		}
		draft := e.create(fmt.Sprintf("/api/v1/events/%d/invitations", p.event), map[string]any{"person_id": p.adviser})
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", ivPath(draft), nil))
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", ivPath(draft), nil))
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "DELETE", ivPath(id), nil))
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "DELETE", ivPath(999999), nil))
	})
}

func TestInvitationRSVPTokenRotation(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		p, _ := ivSetup(t, e)
		inv := e.must(http.StatusCreated, e.call(domain.RoleOfficer, "POST", fmt.Sprintf("/api/v1/events/%d/invitations", p.event),
			map[string]any{"person_id": p.head})).JSON(t)
		id := int64(inv["id"].(float64))
		old := ivToken(t, inv)
		ctx := context.Background()
		if got, err := e.svc.InvitationByRSVPToken(ctx, old); err != nil || got.ID != id {
			t.Fatalf("token does not authenticate: %v, %v", got, err)
		}

		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "POST", ivPath(id)+"/rotate-token", nil))
		rotated := e.must(http.StatusOK, e.call(domain.RoleOfficer, "POST", ivPath(id)+"/rotate-token", nil)).JSON(t)
		fresh := ivToken(t, rotated)
		if fresh == old {
			t.Fatal("rotation kept the token")
		}
		if _, err := e.svc.InvitationByRSVPToken(ctx, old); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("old token after rotation: %v", err)
		}
		if got, err := e.svc.InvitationByRSVPToken(ctx, fresh); err != nil || got.ID != id {
			t.Fatalf("new token: %v, %v", got, err)
		}
		if got := e.must(http.StatusOK, e.call(domain.RoleOfficer, "GET", ivPath(id), nil)).JSON(t); got["rsvp_url"] != rotated["rsvp_url"] {
			t.Fatalf("GET shows %v after rotation to %v", got["rsvp_url"], rotated["rsvp_url"])
		}
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "POST", ivPath(999999)+"/rotate-token", nil))
		if n := e.auditCount("invitation", id); n != 2 {
			t.Fatalf("audit entries = %d, want 2 (create, rotate)", n)
		}
	})
}

// TestInvitationNoTokenInDatabase reads every column of every row that invitations touch
// and finds neither an issued token nor any stored value that authenticates (security.md
// row 2: a leaked database opens no invitation).
func TestInvitationNoTokenInDatabase(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		p, d := ivSetup(t, e)
		base := fmt.Sprintf("/api/v1/events/%d/invitations", p.event)
		var tokens []string
		for _, person := range []int64{p.head, p.adviser} {
			inv := e.must(http.StatusCreated, e.call(domain.RoleOfficer, "POST", base, map[string]any{"person_id": person, "delegation_id": d})).JSON(t)
			tokens = append(tokens, ivToken(t, inv))
			id := int64(inv["id"].(float64))
			e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", ivPath(id), map[string]any{"response": "accepted", "note": "by phone"}))
			rotated := e.must(http.StatusOK, e.call(domain.RoleOfficer, "POST", ivPath(id)+"/rotate-token", nil)).JSON(t)
			tokens = append(tokens, ivToken(t, rotated))
		}

		for _, table := range []string{"invitations", "responses", "audit_entries"} {
			values := ivColumnValues(t, e, table)
			if len(values) == 0 {
				t.Fatalf("%s is empty", table)
			}
			for _, v := range values {
				for _, tok := range tokens {
					if strings.Contains(v, tok) {
						t.Fatalf("%s holds a token: %q", table, v)
					}
				}
				if len(v) >= 43 {
					for i := 0; i+43 <= len(v); i++ {
						if _, err := e.svc.InvitationByRSVPToken(context.Background(), v[i:i+43]); err == nil {
							t.Fatalf("%s holds a value that authenticates: %q", table, v)
						}
					}
				}
			}
		}
	})
}

// ivColumnValues reads every non-null column of every row of table as text.
func ivColumnValues(t *testing.T, e *env, table string) []string {
	t.Helper()
	rows, err := e.st.DB().Query("SELECT * FROM " + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			switch v := v.(type) {
			case nil:
			case []byte:
				out = append(out, string(v))
			default:
				out = append(out, fmt.Sprint(v))
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
