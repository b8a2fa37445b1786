package http_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"gorm.io/gorm"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
)

// fdScene is the reference visit with a programme, invitations and a second event:
// Krasnov (RU) is invited to both and declined the board meeting; Aliyev (AZ) accepted
// the commemoration.
type fdScene struct {
	v                                  esVisit
	event, other                       string // UIDs
	ruaz, ruam, tri, plenary, board    int64  // sessions
	uid                                map[int64]string
	invAliyev, invKrasnov, invDeclined int64
}

func fdSetup(t *testing.T, e *env) fdScene {
	t.Helper()
	s := fdScene{v: newVisit(t, e), uid: map[int64]string{}}
	v := s.v
	s.ruaz = e.create(v.sessions, v.session("Bilateral meeting RU–AZ", "bilateral", v.room1, 12, 13, v.ru, v.az))
	s.ruam = e.create(v.sessions, v.session("Bilateral meeting RU–AM", "bilateral", v.room1, 13, 14, v.ru, v.am))
	s.tri = e.create(v.sessions, v.session("Trilateral meeting RU–AZ–AM", "trilateral", v.room2, 14, 15, v.am, v.az, v.ru))
	open := v.session("Opening plenary", "plenary", v.room1, 11, 12)
	open["delegation_ids"] = []int64{}
	s.plenary = e.create(v.sessions, open)
	otherPath := fmt.Sprintf("/api/v1/events/%d", v.other)
	s.board = e.create(otherPath+"/sessions", v.session("Board session", "plenary", v.room2, 16, 17, v.otherRU))
	s.event = esGet(t, e, v.eventPath)["uid"].(string)
	s.other = esGet(t, e, otherPath)["uid"].(string)
	for _, id := range []int64{s.ruaz, s.ruam, s.tri, s.plenary} {
		s.uid[id] = esGet(t, e, fmt.Sprintf("%s/%d", v.sessions, id))["uid"].(string)
	}
	s.uid[s.board] = esGet(t, e, fmt.Sprintf("%s/sessions/%d", otherPath, s.board))["uid"].(string)

	s.invAliyev = e.create(v.eventPath+"/invitations", map[string]any{"person_id": v.aliyev, "delegation_id": v.az,
		"email": "k.aliyev@genprosecutor-az.test", "response": "accepted"})
	s.invKrasnov = e.create(v.eventPath+"/invitations", map[string]any{"person_id": v.krasnov, "delegation_id": v.ru,
		"email": "i.krasnov@genproc-ru.test"})
	s.invDeclined = e.create(otherPath+"/invitations", map[string]any{"person_id": v.krasnov, "delegation_id": v.otherRU,
		"email": "i.krasnov@genproc-ru.test", "response": "declined"})
	return s
}

// fdIssued is the answer to POST /feed-tokens.
type fdIssued struct {
	id           int64
	token, path  string
	url, webcal  string
	scope, label string
}

// fdToken issues a feed link as officer and checks the shape of the answer.
func fdToken(t *testing.T, e *env, body map[string]any) fdIssued {
	t.Helper()
	r := e.must(http.StatusCreated, e.call(domain.RoleOfficer, "POST", "/api/v1/feed-tokens", body))
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control of a token answer = %q, want no-store", cc)
	}
	m := r.JSON(t)
	f := fdIssued{id: int64(m["id"].(float64)), token: fmt.Sprint(m["token"]), url: fmt.Sprint(m["url"]), webcal: fmt.Sprint(m["webcal_url"])}
	if len(f.token) != 43 {
		t.Fatalf("token %q is not 43 characters of base64url", f.token)
	}
	if want := "https://attache.test/feeds/" + f.token + ".ics"; f.url != want {
		t.Fatalf("url = %q, want %q", f.url, want)
	}
	if want := "webcal://attache.test/feeds/" + f.token + ".ics"; f.webcal != want {
		t.Fatalf("webcal_url = %q, want %q", f.webcal, want)
	}
	f.path = "/feeds/" + f.token + ".ics"
	return f
}

// fdFetch GETs a path without credentials, with If-None-Match when etag is set.
func fdFetch(t *testing.T, e *env, path, etag string) resp {
	t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// fdFeed is a decoded feed, its VEVENTs by UID.
type fdFeed struct {
	raw   string
	cal   *ical.Calendar
	byUID map[string]*ical.Component
}

// fdGet fetches a feed, checks the headers every feed answer carries and decodes it.
func fdGet(t *testing.T, e *env, path string) (fdFeed, resp) {
	t.Helper()
	r := fdFetch(t, e, path, "")
	if r.Status != http.StatusOK {
		t.Fatalf("GET feed: status %d: %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if r.Header.Get("ETag") == "" || r.Header.Get("Last-Modified") == "" {
		t.Errorf("no validators: ETag %q, Last-Modified %q", r.Header.Get("ETag"), r.Header.Get("Last-Modified"))
	}
	if _, err := time.Parse(http.TimeFormat, r.Header.Get("Last-Modified")); err != nil {
		t.Errorf("Last-Modified %q: %v", r.Header.Get("Last-Modified"), err)
	}
	return fdParse(t, r.Body), r
}

func fdParse(t *testing.T, body []byte) fdFeed {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("decode feed: %v\n%s", err, body)
	}
	f := fdFeed{raw: string(body), cal: cal, byUID: map[string]*ical.Component{}}
	for _, c := range cal.Children {
		if c.Name != ical.CompEvent {
			continue
		}
		uid, err := c.Props.Text(ical.PropUID)
		if err != nil || f.byUID[uid] != nil {
			t.Fatalf("VEVENT UID %q (%v) missing or repeated", uid, err)
		}
		f.byUID[uid] = c
	}
	return f
}

// want checks that the feed holds exactly the given UIDs.
func (f fdFeed) want(t *testing.T, what string, uids ...string) {
	t.Helper()
	want := map[string]bool{}
	for _, u := range uids {
		want[u] = true
		if f.byUID[u] == nil {
			t.Errorf("%s: %s is missing", what, u)
		}
	}
	for u := range f.byUID {
		if !want[u] {
			t.Errorf("%s: %s should not be there", what, u)
		}
	}
}

func (f fdFeed) prop(t *testing.T, uid, name string) string {
	t.Helper()
	c := f.byUID[uid]
	if c == nil {
		t.Fatalf("no VEVENT %s", uid)
	}
	p := c.Props.Get(name)
	if p == nil {
		return ""
	}
	return p.Value
}

func (f fdFeed) seq(t *testing.T, uid string) int {
	t.Helper()
	n, err := strconv.Atoi(f.prop(t, uid, ical.PropSequence))
	if err != nil {
		t.Fatalf("SEQUENCE of %s: %v", uid, err)
	}
	return n
}

// private checks what no feed may carry (interop.md §3): attendees and organizer.
func (f fdFeed) private(t *testing.T) {
	t.Helper()
	for _, bad := range []string{"\r\nATTENDEE", "\r\nORGANIZER", "\r\nMETHOD:REQUEST"} {
		if strings.Contains(f.raw, bad) {
			t.Errorf("feed holds %q", strings.TrimSpace(bad))
		}
	}
}

func TestFeedScopes(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		s := fdSetup(t, e)
		v := s.v
		cases := []struct {
			name string
			body map[string]any
			want []string
		}{
			{"person Krasnov", map[string]any{"scope": "person", "person_id": v.krasnov},
				[]string{s.event, s.uid[s.ruaz], s.uid[s.ruam], s.uid[s.tri], s.uid[s.plenary]}}, // the board meeting declined
			{"person Aliyev", map[string]any{"scope": "person", "person_id": v.aliyev},
				[]string{s.event, s.uid[s.ruaz], s.uid[s.tri], s.uid[s.plenary]}},
			{"delegation AM", map[string]any{"scope": "delegation", "delegation_id": v.am, "name": "Armenian party"},
				[]string{s.event, s.uid[s.ruam], s.uid[s.tri], s.uid[s.plenary]}},
			{"event", map[string]any{"scope": "event", "event_id": v.event},
				[]string{s.event, s.uid[s.ruaz], s.uid[s.ruam], s.uid[s.tri], s.uid[s.plenary]}},
			{"officer", map[string]any{"scope": "officer"},
				[]string{s.event, s.other, s.uid[s.ruaz], s.uid[s.ruam], s.uid[s.tri], s.uid[s.plenary], s.uid[s.board]}},
		}
		for _, c := range cases {
			tok := fdToken(t, e, c.body)
			f, r := fdGet(t, e, tok.path)
			f.want(t, c.name, c.want...)
			f.private(t)
			if cc := r.Header.Get("Cache-Control"); cc != "private, max-age=300" {
				t.Errorf("%s: Cache-Control = %q", c.name, cc)
			}
			name, _ := f.cal.Props.Text(ical.PropName)
			if !strings.HasPrefix(name, "Attaché — ") {
				t.Errorf("%s: NAME = %q", c.name, name)
			}
			if p := f.cal.Props.Get(ical.PropRefreshInterval); p == nil || p.Value != "PT1H" {
				t.Errorf("%s: REFRESH-INTERVAL = %v", c.name, p)
			}
		}

		f, _ := fdGet(t, e, fdToken(t, e, map[string]any{"scope": "event", "event_id": v.event}).path)
		if got := f.prop(t, s.uid[s.tri], ical.PropRelatedTo); got != s.event {
			t.Errorf("RELATED-TO of a session = %q, want the event's UID %q", got, s.event)
		}
		start := f.byUID[s.uid[s.ruaz]].Props.Get(ical.PropDateTimeStart)
		if start.Params.Get(ical.ParamTimezoneID) != "Europe/Moscow" || start.Value != "20210112T120000" {
			t.Errorf("DTSTART of RU–AZ = %s;TZID=%s, want 20210112T120000 in Europe/Moscow", start.Value, start.Params.Get(ical.ParamTimezoneID))
		}
		if loc := f.prop(t, s.uid[s.ruaz], ical.PropLocation); loc != "Hall of Columns\\, Prosecutor General's Office" {
			t.Errorf("LOCATION of RU–AZ = %q", loc)
		}
		if desc, _ := f.byUID[s.uid[s.tri]].Props.Text(ical.PropDescription); !strings.Contains(desc, "Parties: ") ||
			!strings.Contains(desc, "Republic of Armenia") {
			t.Errorf("DESCRIPTION of the trilateral = %q", desc)
		}
		if f.prop(t, s.event, ical.PropStatus) != "CONFIRMED" || f.prop(t, s.uid[s.ruaz], ical.PropStatus) != "CONFIRMED" {
			t.Errorf("STATUS of a scheduled event = %q", f.prop(t, s.event, ical.PropStatus))
		}
	})
}

// TestFeedChanges follows one event feed and one person feed through changes: each moves
// the ETag, a cancelled session or event stays with STATUS:CANCELLED, and a change of
// time or status raises SEQUENCE.
func TestFeedChanges(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		s := fdSetup(t, e)
		v := s.v
		ev := fdToken(t, e, map[string]any{"scope": "event", "event_id": v.event})
		f1, r1 := fdGet(t, e, ev.path)
		etag := r1.Header.Get("ETag")
		if !strings.HasPrefix(etag, `W/"`) {
			t.Errorf("ETag %q is not a weak validator", etag)
		}
		// Unchanged: 304 with no body, whichever form of the tag the client sends back.
		for _, inm := range []string{etag, strings.TrimPrefix(etag, "W/"), `"other", ` + etag, "*"} {
			r := fdFetch(t, e, ev.path, inm)
			if r.Status != http.StatusNotModified || len(r.Body) != 0 || r.Header.Get("ETag") != etag {
				t.Fatalf("If-None-Match %s: status %d, ETag %q, body %q", inm, r.Status, r.Header.Get("ETag"), r.Body)
			}
		}
		if r := fdFetch(t, e, ev.path, `W/"stale"`); r.Status != http.StatusOK {
			t.Fatalf("stale If-None-Match: status %d", r.Status)
		}

		changed := func(what string) (fdFeed, string) {
			t.Helper()
			r := fdFetch(t, e, ev.path, etag)
			if r.Status != http.StatusOK {
				t.Fatalf("after %s: status %d, want 200 with a new ETag", what, r.Status)
			}
			if r.Header.Get("ETag") == etag {
				t.Fatalf("after %s: the ETag did not change", what)
			}
			etag = r.Header.Get("ETag")
			return fdParse(t, r.Body), etag
		}

		// A new time: a higher SEQUENCE and the new DTSTART.
		ruaz := s.uid[s.ruaz]
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", fmt.Sprintf("%s/%d", v.sessions, s.ruaz),
			map[string]any{"starts_at": "2021-01-12T15:00:00+03:00", "ends_at": "2021-01-12T16:00:00+03:00"}))
		f2, _ := changed("moving a session")
		if f2.seq(t, ruaz) != f1.seq(t, ruaz)+1 || f2.prop(t, ruaz, ical.PropDateTimeStart) != "20210112T150000" {
			t.Errorf("moved session: SEQUENCE %d → %d, DTSTART %s", f1.seq(t, ruaz), f2.seq(t, ruaz), f2.prop(t, ruaz, ical.PropDateTimeStart))
		}

		// A cosmetic edit: new text, same SEQUENCE, new ETag all the same.
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", fmt.Sprintf("%s/%d", v.sessions, s.ruaz),
			map[string]any{"title": "Bilateral meeting RU–AZ (restricted format)"}))
		f3, _ := changed("retitling a session")
		if f3.seq(t, ruaz) != f2.seq(t, ruaz) || !strings.Contains(f3.prop(t, ruaz, ical.PropSummary), "restricted format") {
			t.Errorf("retitled session: SEQUENCE %d → %d, SUMMARY %q", f2.seq(t, ruaz), f3.seq(t, ruaz), f3.prop(t, ruaz, ical.PropSummary))
		}

		// A cancelled session stays, cancelled, with a higher SEQUENCE.
		ruam := s.uid[s.ruam]
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("%s/%d", v.sessions, s.ruam), nil))
		f4, _ := changed("cancelling a session")
		if f4.prop(t, ruam, ical.PropStatus) != "CANCELLED" || f4.seq(t, ruam) != f3.seq(t, ruam)+1 {
			t.Errorf("cancelled session: STATUS %s, SEQUENCE %d → %d", f4.prop(t, ruam, ical.PropStatus), f3.seq(t, ruam), f4.seq(t, ruam))
		}

		// The guest's answer moves their feed: declining drops the event and its sessions.
		person := fdToken(t, e, map[string]any{"scope": "person", "person_id": v.aliyev})
		_, pr := fdGet(t, e, person.path)
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", ivPath(s.invAliyev), map[string]any{"response": "declined"}))
		r := fdFetch(t, e, person.path, pr.Header.Get("ETag"))
		if r.Status != http.StatusOK || r.Header.Get("ETag") == pr.Header.Get("ETag") {
			t.Fatalf("after declining: status %d, ETag %q (was %q)", r.Status, r.Header.Get("ETag"), pr.Header.Get("ETag"))
		}
		fdParse(t, r.Body).want(t, "Aliyev after declining")

		// A cancelled event stays, cancelled, and so do its sessions, each with a higher
		// SEQUENCE so that clients take the change.
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", v.eventPath, nil))
		f5, _ := changed("cancelling the event")
		f5.want(t, "cancelled event", s.event, s.uid[s.ruaz], s.uid[s.ruam], s.uid[s.tri], s.uid[s.plenary])
		for _, uid := range []string{s.event, s.uid[s.ruaz], s.uid[s.tri], s.uid[s.plenary]} {
			if f5.prop(t, uid, ical.PropStatus) != "CANCELLED" || f5.seq(t, uid) != f4.seq(t, uid)+1 {
				t.Errorf("%s after the event's cancellation: STATUS %s, SEQUENCE %d → %d", uid,
					f5.prop(t, uid, ical.PropStatus), f4.seq(t, uid), f5.seq(t, uid))
			}
		}
	})
}

// TestFeedNotFoundAlike checks security.md row 1: a revoked link, an unknown one and a
// malformed one give the same 404, byte for byte.
func TestFeedNotFoundAlike(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		s := fdSetup(t, e)
		tok := fdToken(t, e, map[string]any{"scope": "event", "event_id": s.v.event})
		if r := fdFetch(t, e, tok.path, ""); r.Status != http.StatusOK {
			t.Fatalf("live link: status %d", r.Status)
		}
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("/api/v1/feed-tokens/%d", tok.id), nil))
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("/api/v1/feed-tokens/%d", tok.id), nil))
		revoked := fdFetch(t, e, tok.path, "")
		if revoked.Status != http.StatusNotFound {
			t.Fatalf("revoked link: status %d", revoked.Status)
		}
		for _, path := range []string{
			"/feeds/" + strings.Repeat("A", 43) + ".ics",  // well-formed, unknown
			"/feeds/" + tok.token,                         // no .ics
			"/feeds/" + tok.token[:42] + ".ics",           // too short
			"/feeds/" + tok.token[:42] + "!.ics",          // not base64url
			"/feeds/" + strings.Repeat("A", 42) + "B.ics", // 43 characters that decode to 32 bytes with junk bits
			"/feeds/.ics",
		} {
			r := fdFetch(t, e, path, "")
			if r.Status != http.StatusNotFound || !bytes.Equal(r.Body, revoked.Body) ||
				r.Header.Get("Content-Type") != revoked.Header.Get("Content-Type") {
				t.Errorf("%s: status %d, body %q; the revoked link gave %q", path, r.Status, r.Body, revoked.Body)
			}
		}
		e.must(http.StatusNotFound, e.call(domain.RoleOfficer, "DELETE", "/api/v1/feed-tokens/999999", nil))
	})
}

func TestFeedTokenAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		s := fdSetup(t, e)
		body := map[string]any{"scope": "event", "event_id": s.v.event}
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "POST", "/api/v1/feed-tokens", body))
		e.must(http.StatusUnauthorized, e.call("", "POST", "/api/v1/feed-tokens", body))
		tok := fdToken(t, e, body)
		e.must(http.StatusForbidden, e.call(domain.RoleViewer, "DELETE", fmt.Sprintf("/api/v1/feed-tokens/%d", tok.id), nil))
		if e.auditCount("feed_token", tok.id) != 1 {
			t.Errorf("creating a feed link left %d audit entries", e.auditCount("feed_token", tok.id))
		}

		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"scope": "calendar"}, "scope"},
			{map[string]any{}, "scope"},
			{map[string]any{"scope": "event"}, "event_id"},
			{map[string]any{"scope": "event", "event_id": 999999}, "event_id"},
			{map[string]any{"scope": "event", "event_id": s.v.event, "person_id": s.v.aliyev}, "person_id"},
			{map[string]any{"scope": "person", "person_id": 999999}, "person_id"},
			{map[string]any{"scope": "delegation", "delegation_id": 0}, "delegation_id"},
			{map[string]any{"scope": "officer", "event_id": s.v.event}, "event_id"},
			{map[string]any{"scope": "event", "event_id": s.v.event, "name": strings.Repeat("x", 101)}, "name"},
		} {
			r := e.call(domain.RoleOfficer, "POST", "/api/v1/feed-tokens", c.body)
			if r.Status != http.StatusUnprocessableEntity || r.ErrorField(t) != c.field {
				t.Errorf("%v: status %d, field %q, want 422 on %s: %s", c.body, r.Status, r.ErrorField(t), c.field, r.Body)
			}
		}
		e.must(http.StatusBadRequest, e.call(domain.RoleOfficer, "POST", "/api/v1/feed-tokens", map[string]any{"scope": "officer", "user_id": 1}))
	})
}

// TestPublicFeed: only public events that are not drafts, with their programme, and no
// attendee anywhere.
func TestPublicFeed(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		s := fdSetup(t, e)
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", s.v.eventPath, map[string]any{"visibility": "public"}))
		draft := esEvent(t, e, map[string]any{"title": "Draft reception", "visibility": "public"})
		f, r := fdGet(t, e, "/feeds/public.ics")
		f.want(t, "public feed", s.event, s.uid[s.ruaz], s.uid[s.ruam], s.uid[s.tri], s.uid[s.plenary])
		f.private(t)
		if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=300" {
			t.Errorf("Cache-Control = %q", cc)
		}
		// Publishing the draft changes the feed.
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", fmt.Sprintf("/api/v1/events/%d", draft), map[string]any{"status": "scheduled"}))
		if r2 := fdFetch(t, e, "/feeds/public.ics", r.Header.Get("ETag")); r2.Status != http.StatusOK || len(fdParse(t, r2.Body).byUID) != 6 {
			t.Errorf("after publishing a draft: status %d, %d events", r2.Status, len(fdParse(t, r2.Body).byUID))
		}
	})
}

// TestPersonalFeedLink follows the guest's derived link: shown twice it is one row; a
// new RSVP nonce kills it and yields a new one; an officer may revoke it.
func TestPersonalFeedLink(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		s := fdSetup(t, e)
		ctx := context.Background()
		inv, err := e.svc.Invitation(ctx, s.invAliyev)
		if err != nil {
			t.Fatal(err)
		}
		u1, w1, err := e.svc.PersonalFeedURL(ctx, inv)
		if err != nil {
			t.Fatal(err)
		}
		if again, _, err := e.svc.PersonalFeedURL(ctx, inv); err != nil || again != u1 {
			t.Fatalf("second call: %q, %v; first %q", again, err, u1)
		}
		if !strings.HasPrefix(u1, "https://attache.test/feeds/") || w1 != "webcal"+strings.TrimPrefix(u1, "https") {
			t.Fatalf("personal links %q, %q", u1, w1)
		}
		path := strings.TrimPrefix(u1, "https://attache.test")
		f, _ := fdGet(t, e, path)
		f.want(t, "Aliyev's personal feed", s.event, s.uid[s.ruaz], s.uid[s.tri], s.uid[s.plenary])
		if n := esCount(t, e, "SELECT COUNT(*) FROM feed_tokens WHERE invitation_id = ?", s.invAliyev); n != 1 {
			t.Fatalf("%d rows for one personal link", n)
		}

		e.must(http.StatusOK, e.call(domain.RoleOfficer, "POST", ivPath(s.invAliyev)+"/rotate-token", nil))
		if r := fdFetch(t, e, path, ""); r.Status != http.StatusNotFound {
			t.Fatalf("personal link after a new RSVP nonce: status %d", r.Status)
		}
		inv, _ = e.svc.Invitation(ctx, s.invAliyev)
		u2, _, err := e.svc.PersonalFeedURL(ctx, inv)
		if err != nil || u2 == u1 {
			t.Fatalf("after rotation: %q, %v", u2, err)
		}
		path2 := strings.TrimPrefix(u2, "https://attache.test")
		fdGet(t, e, path2)
		if n := esCount(t, e, "SELECT COUNT(*) FROM feed_tokens WHERE invitation_id = ? AND revoked_at IS NULL", s.invAliyev); n != 1 {
			t.Fatalf("%d live rows after rotation, want 1", n)
		}

		id := int64(esCount(t, e, "SELECT id FROM feed_tokens WHERE invitation_id = ? AND revoked_at IS NULL", s.invAliyev))
		e.must(http.StatusNoContent, e.call(domain.RoleOfficer, "DELETE", fmt.Sprintf("/api/v1/feed-tokens/%d", id), nil))
		if r := fdFetch(t, e, path2, ""); r.Status != http.StatusNotFound {
			t.Fatalf("revoked personal link: status %d", r.Status)
		}
		if _, _, err := e.svc.PersonalFeedURL(ctx, inv); !errors.Is(err, service.ErrFeedRevoked) || !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("revoked personal link: %v", err)
		}
	})
}

// TestFeedNoTokenInDatabase checks security.md row 2 for feeds: no column of feed_tokens
// or the audit trail holds an issued token or any value that opens a feed.
func TestFeedNoTokenInDatabase(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		s := fdSetup(t, e)
		var tokens []string
		for _, b := range []map[string]any{
			{"scope": "person", "person_id": s.v.krasnov}, {"scope": "delegation", "delegation_id": s.v.az},
			{"scope": "event", "event_id": s.v.event}, {"scope": "officer"},
		} {
			tokens = append(tokens, fdToken(t, e, b).token)
		}
		inv, _ := e.svc.Invitation(context.Background(), s.invKrasnov)
		u, _, err := e.svc.PersonalFeedURL(context.Background(), inv)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, strings.TrimSuffix(strings.TrimPrefix(u, "https://attache.test/feeds/"), ".ics"))
		for _, tok := range tokens {
			if fdFetch(t, e, "/feeds/"+tok+".ics", "").Status != http.StatusOK {
				t.Fatalf("token %s does not open its feed", tok)
			}
		}
		for _, table := range []string{"feed_tokens", "audit_entries"} {
			for _, v := range ivColumnValues(t, e, table) {
				for _, tok := range tokens {
					if strings.Contains(v, tok) {
						t.Fatalf("%s holds a token: %q", table, v)
					}
				}
				for i := 0; i+43 <= len(v); i++ {
					if _, err := e.svc.OpenFeed(context.Background(), v[i:i+43]); err == nil {
						t.Fatalf("%s holds a value that opens a feed: %q", table, v)
					}
				}
			}
		}
	})
}

// TestInvitationICS checks the invitation object the RSVP page offers: a REQUEST for the
// one guest, named in the invitation's language, with their answer and link.
func TestInvitationICS(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		s := fdSetup(t, e)
		org := e.create("/api/v1/organizations", map[string]any{"name": "Prosecutor General's Office of the Republic of Azerbaijan"})
		guest := e.create("/api/v1/people", aliyev(org))
		inv := e.must(http.StatusCreated, e.call(domain.RoleOfficer, "POST", fmt.Sprintf("/api/v1/events/%d/invitations", s.v.other),
			map[string]any{"person_id": guest, "language": "ru", "response": "tentative"})).JSON(t)
		body, ct, err := e.svc.InvitationICS(context.Background(), int64(inv["id"].(float64)))
		if err != nil {
			t.Fatal(err)
		}
		if ct != "text/calendar; method=REQUEST; charset=UTF-8" {
			t.Errorf("content type %q", ct)
		}
		f := fdParse(t, body)
		f.want(t, "invitation", s.other)
		if m, _ := f.cal.Props.Text(ical.PropMethod); m != "REQUEST" {
			t.Errorf("METHOD = %q", m)
		}
		att := f.byUID[s.other].Props.Values(ical.PropAttendee)
		if len(att) != 1 {
			t.Fatalf("%d ATTENDEE lines", len(att))
		}
		a := att[0]
		if a.Value != "mailto:k.aliyev@genprosecutor-az.test" || a.Params.Get(ical.ParamCommonName) != "Камран Алиев" ||
			a.Params.Get(ical.ParamParticipationStatus) != "TENTATIVE" || a.Params.Get(ical.ParamRSVP) != "TRUE" {
			t.Errorf("ATTENDEE = %s %v", a.Value, a.Params)
		}
		if o := f.byUID[s.other].Props.Get(ical.PropOrganizer); o == nil || o.Value != "mailto:protocol@attache.test" {
			t.Errorf("ORGANIZER = %v", o)
		}
		rsvp := fmt.Sprint(inv["rsvp_url"])
		if f.prop(t, s.other, ical.PropURL) != rsvp {
			t.Errorf("URL = %q, want %q", f.prop(t, s.other, ical.PropURL), rsvp)
		}
		if desc, _ := f.byUID[s.other].Props.Text(ical.PropDescription); !strings.Contains(desc, rsvp) {
			t.Errorf("DESCRIPTION %q lacks the RSVP link", desc)
		}
		if f.prop(t, s.other, ical.PropCategories) != "commemoration" {
			t.Errorf("CATEGORIES = %q", f.prop(t, s.other, ical.PropCategories))
		}
		if _, _, err := e.svc.InvitationICS(context.Background(), 999999); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("unknown invitation: %v", err)
		}
	})
}

// fdCounter counts every query made through the store's read and write handles.
func fdCounter(t testing.TB, st *store.Store) *atomic.Int64 {
	t.Helper()
	n := &atomic.Int64{}
	count := func(*gorm.DB) { n.Add(1) }
	for _, db := range fdHandles(st) {
		if err := db.Callback().Query().After("gorm:query").Register("feeds:count_query", count); err != nil {
			t.Fatal(err)
		}
		if err := db.Callback().Row().After("gorm:row").Register("feeds:count_row", count); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// fdHandles are the store's distinct GORM handles: writer and readers on SQLite, one
// pool on PostgreSQL.
func fdHandles(st *store.Store) []*gorm.DB {
	if st.ReadGorm() == st.Gorm() {
		return []*gorm.DB{st.Gorm()}
	}
	return []*gorm.DB{st.Gorm(), st.ReadGorm()}
}

// fdProgramme adds n sessions to an event straight in the database, each with a room
// and the delegation as party, and an invitation per member: size without the API's cost.
func fdProgramme(t testing.TB, db interface {
	Exec(string, ...any) error
	Insert(string, ...any) int64
}, event int64, n int) (delegation, person int64) {
	t.Helper()
	now := time.Now().UTC()
	org := db.Insert(`INSERT INTO organizations (name, created_at, updated_at) VALUES (?, ?, ?) RETURNING id`, fmt.Sprint("Office ", event), now, now)
	venue := db.Insert(`INSERT INTO venues (name, city, timezone, created_at, updated_at) VALUES (?, 'Moscow', 'Europe/Moscow', ?, ?) RETURNING id`, "Venue", now, now)
	room := db.Insert(`INSERT INTO rooms (venue_id, name, created_at, updated_at) VALUES (?, 'Hall', ?, ?) RETURNING id`, venue, now, now)
	person = db.Insert(`INSERT INTO people (organization_id, full_name, email, created_at, updated_at) VALUES (?, 'Guest', 'guest@x.test', ?, ?) RETURNING id`, org, now, now)
	delegation = db.Insert(`INSERT INTO delegations (event_id, organization_id, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`, event, org, now, now)
	if err := db.Exec(`INSERT INTO delegation_members (delegation_id, person_id, role, position) VALUES (?, ?, 'head', 0)`, delegation, person); err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`INSERT INTO invitations (event_id, person_id, delegation_id, email, language, rsvp_nonce, rsvp_lookup, created_at, updated_at)
		VALUES (?, ?, ?, 'guest@x.test', 'en', 'n', ?, ?, ?)`, event, person, delegation, fmt.Sprint("lookup-", event, "-", person), now, now); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2021, 1, 12, 8, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * 2 * time.Minute)
		s := db.Insert(`INSERT INTO sessions (uid, event_id, title, kind, status, room_id, starts_at, ends_at, created_at, updated_at)
			VALUES (?, ?, ?, 'plenary', 'scheduled', ?, ?, ?, ?, ?) RETURNING id`,
			fmt.Sprintf("s-%d-%d@attache.test", event, i), event, fmt.Sprint("Session ", i), room, at, at.Add(time.Minute), now, now)
		if err := db.Exec(`INSERT INTO session_parties (session_id, delegation_id) VALUES (?, ?)`, s, delegation); err != nil {
			t.Fatal(err)
		}
	}
	return delegation, person
}

// fdDB runs fdProgramme's statements on an env's database.
type fdDB struct {
	t testing.TB
	e *env
}

func (d fdDB) Exec(q string, args ...any) error {
	_, err := d.e.st.DB().Exec(esRebind(d.e, q), args...)
	return err
}

func (d fdDB) Insert(q string, args ...any) int64 { return esInsert(d.e.t, d.e, q, args...) }

// TestFeedQueryCount proves that serving a feed costs the same number of queries for 2
// sessions as for 50, in every scope that has a target.
func TestFeedQueryCount(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		small := esEvent(t, e, map[string]any{"status": "scheduled"})
		large := esEvent(t, e, map[string]any{"status": "scheduled"})
		dSmall, pSmall := fdProgramme(t, fdDB{t, e}, small, 2)
		dLarge, pLarge := fdProgramme(t, fdDB{t, e}, large, 50)
		n := fdCounter(t, e.st)
		measure := func(p service.FeedTokenParams) (int64, int) {
			t.Helper()
			tok, err := e.svc.CreateFeedToken(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			n.Store(0)
			f, err := e.svc.OpenFeed(ctx, tok.Token)
			if err != nil {
				t.Fatal(err)
			}
			opened := n.Load()
			body, _, err := e.svc.BuildFeed(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if opened != 2 {
				t.Errorf("%s feed: resolving the link and its ETag took %d queries, want 2", p.Scope, opened)
			}
			return n.Load(), len(fdParse(t, body).byUID)
		}
		for _, c := range []struct {
			scope        service.FeedScope
			small, large service.FeedTokenParams
		}{
			{service.FeedEvent, service.FeedTokenParams{Scope: service.FeedEvent, EventID: &small}, service.FeedTokenParams{Scope: service.FeedEvent, EventID: &large}},
			{service.FeedDelegation, service.FeedTokenParams{Scope: service.FeedDelegation, DelegationID: &dSmall}, service.FeedTokenParams{Scope: service.FeedDelegation, DelegationID: &dLarge}},
			{service.FeedPerson, service.FeedTokenParams{Scope: service.FeedPerson, PersonID: &pSmall}, service.FeedTokenParams{Scope: service.FeedPerson, PersonID: &pLarge}},
		} {
			qs, es := measure(c.small)
			ql, el := measure(c.large)
			if es != 3 || el != 51 {
				t.Fatalf("%s feeds hold %d and %d events, want 3 and 51", c.scope, es, el)
			}
			if qs != ql {
				t.Errorf("%s feed: %d queries for 2 sessions, %d for 50", c.scope, qs, ql)
			}
			t.Logf("%s feed: %d queries whatever its size", c.scope, ql)
		}
	})
}

// TestFeedRateLimit checks security.md row 1 for feeds: the 101st request in a minute
// from one address is refused, so links can not be guessed by volume.
func TestFeedRateLimit(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		unknown := "/feeds/" + strings.Repeat("A", 43) + ".ics"
		for i := 0; i < 100; i++ {
			if r := fdFetch(t, e, unknown, ""); r.Status != http.StatusNotFound {
				t.Fatalf("request %d: status %d", i+1, r.Status)
			}
		}
		r := fdFetch(t, e, "/feeds/public.ics", "")
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
			t.Fatalf("101st request: status %d, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
		}
	})
}

// TestFeedETagFollowsNames: renaming what a feed prints (a party's organization, the
// venue) changes its ETag, though no event or session changed.
func TestFeedETagFollowsNames(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		s := fdSetup(t, e)
		tok := fdToken(t, e, map[string]any{"scope": "delegation", "delegation_id": s.v.am})
		etag := fdFetch(t, e, tok.path, "").Header.Get("ETag")
		org := esCount(t, e, "SELECT organization_id FROM delegations WHERE id = ?", s.v.am)
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", fmt.Sprintf("/api/v1/organizations/%d", org),
			map[string]any{"name": "Office of the Prosecutor General of the Republic of Armenia"}))
		r := fdFetch(t, e, tok.path, etag)
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "Office of the Prosecutor General of the Repub") {
			t.Fatalf("after renaming the party: status %d", r.Status)
		}
		etag = r.Header.Get("ETag")
		venue := esCount(t, e, "SELECT venue_id FROM rooms WHERE id = ?", s.v.room1)
		e.must(http.StatusOK, e.call(domain.RoleOfficer, "PATCH", fmt.Sprintf("/api/v1/venues/%d", venue),
			map[string]any{"city": "Moscow"}))
		if r := fdFetch(t, e, tok.path, etag); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "Moscow") {
			t.Fatalf("after changing the venue: status %d", r.Status)
		}
	})
}
