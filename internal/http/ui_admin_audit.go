package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
)

// The audit log: who changed what and when, newest first, filterable by entity and actor,
// each entry with the keys its change touched.

// auditEntities are the entity types the audit trail records, for the filter.
var auditEntities = []string{"event", "session", "delegation", "invitation", "person", "organization", "venue",
	"room", "series", "outcome", "inbound_message", "user", "api_token", "feed_token"}

// Limits of the compact diff: keys shown per entry and characters per value.
const (
	auditMaxChanges = 40
	auditMaxValue   = 160
)

type auditChange struct {
	Key, Before, After string
}

type auditRow struct {
	*domain.AuditEntry
	Link    string // the entity's page, "" when it has none
	Changes []auditChange
	More    int // changed keys not shown
}

type auditPage struct {
	uiPage
	Entity   string
	ID       string
	Actor    string
	Entities []string
	Actors   []string
	Rows     []auditRow
	Next     string
	First    string
}

// auditPage lists audit entries newest first, filtered by ?entity=&id= and ?actor=.
func (s *Server) auditPage(c echo.Context) error {
	ctx := c.Request().Context()
	p := auditPage{uiPage: s.page(c, "audit", "ui.admin.audit.title"), Entities: auditEntities,
		Entity: c.QueryParam("entity"), ID: strings.TrimSpace(c.QueryParam("id")), Actor: strings.TrimSpace(c.QueryParam("actor"))}
	f, ok := p.filter()
	if !ok {
		return s.render(c, http.StatusUnprocessableEntity, "audit.html", p)
	}
	entries, next, err := s.svc.Audit(ctx, f, service.Page{Limit: adminPageSize, Cursor: c.QueryParam("after")})
	if err != nil {
		return err
	}
	users, err := s.svc.Users(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		p.Actors = append(p.Actors, u.Email)
	}
	for _, e := range entries {
		row := auditRow{AuditEntry: e, Link: auditLink(e, p.uiPage), Changes: auditDiff(e.Before, e.After)}
		if len(row.Changes) > auditMaxChanges {
			row.More, row.Changes = len(row.Changes)-auditMaxChanges, row.Changes[:auditMaxChanges]
		}
		p.Rows = append(p.Rows, row)
	}
	p.Next, p.First = adminNext(c, "after", next), adminFirst(c, "after")
	return s.render(c, http.StatusOK, "audit.html", p)
}

// filter reads the page's filter; a value it can not use is an error beside its field.
func (p *auditPage) filter() (service.AuditFilter, bool) {
	f := service.AuditFilter{EntityType: p.Entity, Actor: p.Actor}
	p.Errors = formErrors{}
	if p.Entity != "" && !slices.Contains(auditEntities, p.Entity) {
		p.Errors["entity"] = p.L.T("ui.admin.audit.bad_entity")
	}
	if p.ID != "" {
		id, err := strconv.ParseInt(p.ID, 10, 64)
		if err != nil || id < 1 {
			p.Errors["id"] = p.L.T("ui.admin.audit.bad_id")
		}
		f.EntityID = id
	}
	return f, !p.Errors.Any()
}

// auditLink is the page of an entry's entity: its own page, or for a part of an event
// (invitation, delegation, session) the event's page, found in the recorded state.
func auditLink(e *domain.AuditEntry, p uiPage) string {
	id := e.EntityID
	switch e.EntityType {
	case "event":
		return fmt.Sprintf("/events/%d", id)
	case "person":
		return fmt.Sprintf("/people/%d", id)
	case "organization":
		return fmt.Sprintf("/organizations/%d", id)
	case "inbound_message":
		return fmt.Sprintf("/inbound/%d", id)
	case "user":
		if p.CanAdmin() {
			return fmt.Sprintf("/users/%d", id)
		}
	case "venue":
		if p.CanWrite() {
			return fmt.Sprintf("/venues/%d/edit", id)
		}
	case "invitation", "delegation", "session":
		if ev := auditRef(e, "event_id"); ev != 0 {
			return fmt.Sprintf("/events/%d", ev)
		}
	case "room":
		if v := auditRef(e, "venue_id"); v != 0 && p.CanWrite() {
			return fmt.Sprintf("/venues/%d/edit", v)
		}
	}
	return ""
}

// auditRef reads a numeric reference from the entry's recorded state (after, else before).
func auditRef(e *domain.AuditEntry, key string) int64 {
	for _, doc := range []string{e.After, e.Before} {
		var m map[string]json.RawMessage
		if doc == "" || json.Unmarshal([]byte(doc), &m) != nil {
			continue
		}
		var id int64
		if raw, ok := m[key]; ok && json.Unmarshal(raw, &id) == nil && id > 0 {
			return id
		}
	}
	return 0
}

// auditDiff lists the top-level keys whose value differs between before and after, each
// value as compact JSON cut to auditMaxValue characters; documents that are not objects
// are compared whole (key "").
func auditDiff(before, after string) []auditChange {
	b, bok := auditObject(before)
	a, aok := auditObject(after)
	if !bok || !aok {
		if compactJSON(before) == compactJSON(after) {
			return nil
		}
		return []auditChange{{Before: clipValue(compactJSON(before)), After: clipValue(compactJSON(after))}}
	}
	var keys []string
	for k := range b {
		keys = append(keys, k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []auditChange
	for _, k := range keys {
		bv, av := compactJSON(string(b[k])), compactJSON(string(a[k]))
		if bv == av || bv == "" && auditEmpty(av) || av == "" && auditEmpty(bv) {
			continue // unchanged, or an empty field of a created or deleted entity
		}
		out = append(out, auditChange{Key: k, Before: clipValue(bv), After: clipValue(av)})
	}
	return out
}

// auditObject parses a JSON object; an empty document is an empty object (creation,
// deletion).
func auditObject(doc string) (map[string]json.RawMessage, bool) {
	m := map[string]json.RawMessage{}
	if strings.TrimSpace(doc) == "" {
		return m, true
	}
	if err := json.Unmarshal([]byte(doc), &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// auditEmpty is a JSON value that says nothing: null, "", [], {}, 0 or false.
func auditEmpty(v string) bool {
	switch v {
	case "null", `""`, "[]", "{}", "0", "false":
		return true
	}
	return false
}

func compactJSON(s string) string {
	var buf bytes.Buffer
	if json.Compact(&buf, []byte(s)) != nil {
		return s
	}
	return buf.String()
}

// clipValue cuts a value for display on a rune boundary, marking the cut.
func clipValue(s string) string {
	r := []rune(s)
	if len(r) <= auditMaxValue {
		return s
	}
	return string(r[:auditMaxValue]) + "…"
}
