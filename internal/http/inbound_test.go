package http_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
)

// postRaw hands in a raw message as role with the given Content-Type.
func (e *env) postRaw(role domain.Role, contentType, body string) resp {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/inbound", bytes.NewBufferString(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: b.Bytes()}
}

const ibPlain = "From: Guest <guest@example.org>\r\nTo: protocol@attache.test\r\nSubject: Thank you\r\n" +
	"Message-ID: <plain-1@example.org>\r\nDate: Tue, 05 Jan 2021 10:00:00 +0300\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nWe shall be there.\r\n"

// ibReply is an iTIP REPLY for the attendee, sent from another address (a forgery, or a
// secretary answering): the intake holds it for an officer.
func ibReply(id, uid string, seq int, from, attendee string) string {
	return "From: " + from + "\r\nTo: protocol@attache.test\r\nSubject: Accepted\r\n" +
		"Message-ID: <" + id + "@example.org>\r\nDate: Tue, 05 Jan 2021 10:00:00 +0300\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/calendar; method=REPLY; charset=utf-8\r\n\r\n" +
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n" +
		"UID:" + uid + "\r\nDTSTAMP:20210105T070000Z\r\n" + fmt.Sprintf("SEQUENCE:%d\r\n", seq) +
		"ORGANIZER:mailto:protocol@attache.test\r\n" +
		"ATTENDEE;PARTSTAT=ACCEPTED:mailto:" + attendee + "\r\n" +
		"END:VEVENT\r\nEND:VCALENDAR\r\n"
}

func ibItems(t *testing.T, e *env, query string) []map[string]any {
	t.Helper()
	raw := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", "/api/v1/inbound"+query, nil)).JSON(t)["items"].([]any)
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}

func TestInboundAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		// Viewers read but do not hand in; the body must be a message.
		e.must(http.StatusForbidden, e.postRaw(domain.RoleViewer, "message/rfc822", ibPlain))
		e.must(http.StatusUnsupportedMediaType, e.postRaw(domain.RoleOfficer, "application/json", ibPlain))
		e.must(http.StatusBadRequest, e.postRaw(domain.RoleOfficer, "message/rfc822", ""))
		if got := ibItems(t, e, ""); len(got) != 0 {
			t.Fatalf("refused uploads were recorded: %v", got)
		}

		plain := e.must(http.StatusCreated, e.postRaw(domain.RoleOfficer, "message/rfc822", ibPlain)).JSON(t)
		if plain["source"] != "api" || plain["id"] == nil || plain["outcome"] == "" {
			t.Fatalf("recorded %v", plain)
		}
		plainID := int64(plain["id"].(float64))
		got := e.must(http.StatusOK, e.call(domain.RoleViewer, "GET", fmt.Sprintf("/api/v1/inbound/%d", plainID), nil)).JSON(t)
		if got["id"] != plain["id"] || got["outcome"] != plain["outcome"] {
			t.Fatalf("GET %v, POST %v", got, plain)
		}
		e.must(http.StatusNotFound, e.call(domain.RoleViewer, "GET", "/api/v1/inbound/999999", nil))

		// Two forged replies for an invited guest: held, for the event.
		p := dgSetup(t, e)
		e.create(fmt.Sprintf("/api/v1/events/%d/invitations", p.event), map[string]any{"person_id": p.head})
		ev := esGet(t, e, fmt.Sprintf("/api/v1/events/%d", p.event))
		uid, seq := ev["uid"].(string), int(ev["sequence"].(float64))
		var held []int64
		for i := range 2 {
			m := e.must(http.StatusCreated, e.postRaw(domain.RoleOfficer, "application/octet-stream",
				ibReply(fmt.Sprintf("held-%d", i), uid, seq, "Someone <someone@elsewhere.test>", "k.aliyev@genprosecutor-az.test"))).JSON(t)
			if m["outcome"] != string(domain.IntakeHeld) || m["kind"] != string(domain.InboundReply) {
				t.Fatalf("forged reply recorded as %v", m)
			}
			held = append(held, int64(m["id"].(float64)))
		}

		// Filters.
		if got := ibItems(t, e, "?outcome=held"); len(got) != 2 {
			t.Fatalf("outcome=held: %d items, want 2", len(got))
		}
		if got := ibItems(t, e, fmt.Sprintf("?event_id=%d&kind=reply", p.event)); len(got) != 2 {
			t.Fatalf("event_id&kind=reply: %d items, want 2", len(got))
		}
		if got := ibItems(t, e, fmt.Sprintf("?event_id=%d&kind=other", p.event)); len(got) != 0 {
			t.Fatalf("event_id&kind=other: %d items, want 0", len(got))
		}
		if got := ibItems(t, e, "?limit=1"); len(got) != 1 {
			t.Fatalf("limit=1: %d items", len(got))
		}
		if got := ibItems(t, e, ""); len(got) != 3 {
			t.Fatalf("all: %d items, want 3", len(got))
		}
		e.must(http.StatusBadRequest, e.call(domain.RoleViewer, "GET", "/api/v1/inbound?event_id=x", nil))

		// Officers apply or dismiss what was held; viewers may not.
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "POST", fmt.Sprintf("/api/v1/inbound/%d/apply", held[0]), nil))
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "POST", fmt.Sprintf("/api/v1/inbound/%d/dismiss", held[1]), nil))
		applied := e.must(http.StatusOK, e.call(domain.RoleOfficer, "POST", fmt.Sprintf("/api/v1/inbound/%d/apply", held[0]), nil)).JSON(t)
		if applied["outcome"] != string(domain.IntakeApplied) || applied["resolved_by"] == nil {
			t.Fatalf("applied %v", applied)
		}
		dismissed := e.must(http.StatusOK, e.call(domain.RoleOfficer, "POST", fmt.Sprintf("/api/v1/inbound/%d/dismiss", held[1]),
			map[string]any{"reason": "not from the guest's office"})).JSON(t)
		if dismissed["outcome"] != string(domain.IntakeDismissed) {
			t.Fatalf("dismissed %v", dismissed)
		}
		if got := ibItems(t, e, "?outcome=held"); len(got) != 0 {
			t.Fatalf("still held: %v", got)
		}
		e.must(http.StatusBadRequest, e.call(domain.RoleOfficer, "POST", fmt.Sprintf("/api/v1/inbound/%d/dismiss", plainID),
			map[string]any{"why": "typo"}))
	})
}

// TestInboundUploadLimit: a raw message is limited by inbound.max_size (10 MB by
// default), not by the 1 MB limit of JSON requests; above it the answer is 413.
func TestInboundUploadLimit(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		big := strings.Replace(ibPlain, "We shall be there.", strings.Repeat("We shall be there. ", 2<<20/19), 1)
		if r := e.postRaw(domain.RoleOfficer, "message/rfc822", big); r.Status != http.StatusCreated {
			t.Fatalf("a 2 MB message: %d %s", r.Status, r.Body)
		}
		huge := strings.Replace(ibPlain, "We shall be there.", strings.Repeat("x", 11<<20), 1)
		if r := e.postRaw(domain.RoleOfficer, "message/rfc822", huge); r.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("an 11 MB message: %d", r.Status)
		}
		e.must(http.StatusRequestEntityTooLarge, e.call(domain.RoleOfficer, "POST", "/api/v1/organizations",
			`{"name":"`+strings.Repeat("a", 2<<20)+`"}`))
	})
}
