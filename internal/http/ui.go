package http

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/i18n"
	"github.com/attache-app/attache/internal/service"
)

// The officer web UI: server-rendered pages from web/templates/ui, signed in with a
// session cookie (session.go). Every page goes through the same chain: the session is
// loaded, the user read (disabled accounts are signed out), the CSRF token checked on
// every unsafe method, then the route's permission. Pages are in the officer's language
// (their choice, else the browser's).
//
// CSRF: a synchronizer token kept in the session and compared in constant time on every
// POST (form field _csrf or header X-CSRF-Token). echo's CSRF middleware was not used: it
// lets a same-origin request through on Sec-Fetch-Site alone and keeps its token in a
// cookie apart from the session.

const (
	csrfKey      = "csrf"
	sessionUser  = "user_id"
	sessionFlash = "flash"
	csrfField    = "_csrf"
	// sessionLoaded marks a request that went through the session middleware.
	sessionLoaded = "attache.session"
)

// uiRoutes registers officer pages with the chain above and a permission each.
type uiRoutes struct {
	s  *Server
	g  *echo.Group
	mw []echo.MiddlewareFunc
}

func (r uiRoutes) with(perm domain.Permission) []echo.MiddlewareFunc {
	return append(append([]echo.MiddlewareFunc{}, r.mw...), r.s.signedIn, allow(perm))
}

// GET registers a page that needs perm.
func (r uiRoutes) GET(path string, h echo.HandlerFunc, perm domain.Permission) {
	r.g.GET(path, h, r.with(perm)...)
}

// POST registers a form action that needs perm.
func (r uiRoutes) POST(path string, h echo.HandlerFunc, perm domain.Permission) {
	r.g.POST(path, h, r.with(perm)...)
}

// public registers a page open without sign-in (login, setup), still with session and CSRF.
func (r uiRoutes) public(method, path string, h echo.HandlerFunc) {
	r.g.Add(method, path, h, r.mw...)
}

// uiUser loads the signed-in user, if any, into the context and the audit actor.
func (s *Server) uiUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		c.Set(sessionLoaded, true)
		id := s.sessions.GetInt64(ctx, sessionUser)
		if id == 0 {
			return next(c)
		}
		u, err := s.svc.ActiveUser(ctx, id)
		if errors.Is(err, domain.ErrUnauthorized) {
			s.sessions.Remove(ctx, sessionUser)
			return next(c)
		}
		if err != nil {
			return err
		}
		c.Set(userKey, u)
		c.SetRequest(c.Request().WithContext(service.WithActor(ctx, service.Actor{UserID: &u.ID, Name: u.Email})))
		return next(c)
	}
}

// signedIn sends visitors without a session to the sign-in page, back here afterwards.
func (s *Server) signedIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) != nil {
			return next(c)
		}
		target := "/login"
		if c.Request().Method == http.MethodGet {
			target += "?next=" + url.QueryEscape(c.Request().URL.RequestURI())
		}
		return c.Redirect(http.StatusSeeOther, target)
	}
}

func currentUser(c echo.Context) *domain.User {
	u, _ := c.Get(userKey).(*domain.User)
	return u
}

// errCSRF refuses a form without the session's token.
var errCSRF = echo.NewHTTPError(http.StatusForbidden, "the form has expired or did not come from this site; reload the page and try again")

// csrf keeps a random token in the session and requires it on every unsafe method.
func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		token := s.sessions.GetString(ctx, csrfKey)
		if token == "" {
			token = newCSRFToken()
			s.sessions.Put(ctx, csrfKey, token)
		}
		c.Set(csrfKey, token)
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		got := c.Request().Header.Get("X-CSRF-Token")
		if got == "" {
			got = c.FormValue(csrfField)
		}
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			return errCSRF
		}
		return next(c)
	}
}

func newCSRFToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// uiPage is what the officer layout needs on every page; each page's model embeds it.
type uiPage struct {
	pageBase
	User  *domain.User
	CSRF  string
	Nav   string // the active navigation item
	Flash string
	Path  string // this page's path and query, for the language switch to come back to
	// Errors holds a form's field errors; Form the values as typed, shown again.
	Errors formErrors
	Form   url.Values
}

// CanWrite tells templates whether to show edit controls (the server checks anyway).
func (p uiPage) CanWrite() bool { return p.User != nil && p.User.Role.Allows(domain.PermWrite) }

// CanAdmin tells templates whether to show administration.
func (p uiPage) CanAdmin() bool { return p.User != nil && p.User.Role.Allows(domain.PermAdmin) }

// Value is a form field as typed (empty when the form was not sent).
func (p uiPage) Value(name string) string { return p.Form.Get(name) }

// Values are a multi-valued form field as typed.
func (p uiPage) Values(name string) []string { return p.Form[name] }

// formErrors maps a field name to its message; "" holds errors of the whole form.
type formErrors map[string]string

// Get returns the message for a field.
func (f formErrors) Get(field string) string { return f[field] }

// Any reports whether there is an error.
func (f formErrors) Any() bool { return len(f) > 0 }

// formError turns a validation or conflict error into field errors for the form to show
// beside the field (forms use the JSON API's field names, so the domain's field is the
// input's name); other errors (not found, forbidden, internal) are not form errors.
func formError(err error) (formErrors, bool) {
	field, msg, _, ok := formProblem(err)
	if !ok {
		return nil, false
	}
	return formErrors{field: msg}, true
}

// formSummary is a refused action's reason for the top of a page: a conflict's message,
// or an invalid field named with its message; ok is false for every other error.
func formSummary(err error) (msg string, status int, ok bool) {
	field, msg, status, ok := formProblem(err)
	if ok && status == http.StatusUnprocessableEntity && field != "" {
		msg = field + ": " + msg
	}
	return msg, status, ok
}

// formProblem takes a validation or conflict error apart: the field it names, its message
// and the status a form shown again answers with (422 invalid, 409 conflict); ok is false
// for every other error.
func formProblem(err error) (field, msg string, status int, ok bool) {
	var ve *domain.ValidationError
	var ce *domain.ConflictError
	switch {
	case errors.As(err, &ve):
		return ve.Field, ve.Message, http.StatusUnprocessableEntity, true
	case errors.As(err, &ce):
		return ce.Field, ce.Message, http.StatusConflict, true
	}
	return "", "", 0, false
}

// uiLocale is the officer's chosen language, else what the browser asks for.
func uiLocale(c echo.Context) *i18n.Locale {
	var pref string
	if u := currentUser(c); u != nil {
		pref = u.Language
	}
	return i18n.Match(pref, c.Request().Header.Get("Accept-Language"))
}

// page builds the common part of a page; titleKey is a catalogue key.
func (s *Server) page(c echo.Context, nav, titleKey string, args ...any) uiPage {
	l := uiLocale(c)
	ctx := c.Request().Context()
	p := uiPage{pageBase: newPageBase(l, l.T(titleKey, args...)), User: currentUser(c), Nav: nav,
		Path: c.Request().URL.RequestURI()}
	p.CSRF, _ = c.Get(csrfKey).(string)
	// Error pages of routes outside the officer chain (an unknown path) have no session.
	if loaded, _ := c.Get(sessionLoaded).(bool); loaded && s.sessions.Exists(ctx, sessionFlash) {
		p.Flash = s.sessions.PopString(ctx, sessionFlash)
	}
	return p
}

// flash leaves a one-line message for the next page (after a redirect).
func (s *Server) flash(c echo.Context, msg string) {
	s.sessions.Put(c.Request().Context(), sessionFlash, msg)
}

// render writes an officer page; officer pages are never cached.
func (s *Server) render(c echo.Context, status int, name string, data any) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Render(status, "ui/"+name, data)
}

// seeOther redirects after a successful POST.
func seeOther(c echo.Context, path string) error { return c.Redirect(http.StatusSeeOther, path) }

// safeNext accepts only a local path as a redirect target after sign-in.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// localLayouts are what a datetime-local input sends (with seconds when its step asks for
// them) and what people type where the browser shows a plain text box.
var localLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"}

// parseLocal reads a datetime-local value as a wall-clock time in loc (an event's zone).
func parseLocal(v string, loc *time.Location) (time.Time, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// formatLocal shows an instant as a datetime-local value in loc; the zero time is "".
func formatLocal(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(localLayouts[0])
}

// uiFuncs are the template functions of the officer pages. Page files may add theirs
// from an init function; they are fixed before the templates are parsed.
var uiFuncs = template.FuncMap{
	// inZone shows an instant in a timezone (an event's); unknown zones show UTC.
	"inZone": func(t time.Time, tz string) time.Time { return t.In(domain.ZoneOr(tz, time.UTC)) },
	"add":    func(a, b int) int { return a + b },
	// deref reads an optional time (nil gives the zero time).
	"deref": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
	// dict builds a map for a partial that needs several values: dict "k1" v1 "k2" v2.
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			k, _ := kv[i].(string)
			m[k] = kv[i+1]
		}
		return m
	},
}
