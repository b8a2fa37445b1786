package http

import (
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/attache-app/attache/internal/i18n"
	"github.com/attache-app/attache/web"
)

// pages renders the HTML pages: each page is parsed once at start from the embedded
// web/templates, together with the layout and partials it uses, so that a broken
// template stops the server at start (and the tests) rather than a guest's request.
// html/template escapes every value for its context; nothing from users is ever
// passed as template.HTML.
type pages map[string]*template.Template

// pageFiles lists each page with the shared files it is parsed with; the layout
// defines "layout" and each page defines "content".
var pageFiles = map[string][]string{
	"rsvp.html":       {"rsvp_layout.html", "rsvp_event.html"},
	"rsvp_done.html":  {"rsvp_layout.html", "rsvp_event.html"},
	"rsvp_error.html": {"rsvp_layout.html"},
}

func parsePages(fsys fs.FS) (pages, error) {
	out := pages{}
	for page, shared := range pageFiles {
		t, err := template.New(page).ParseFS(fsys, append(append([]string{}, shared...), page)...)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", page, err)
		}
		out[page] = t
	}
	// The officer pages: every ui/NAME.html is a page, parsed with every ui/_*.html
	// (the layout and the partials), so adding a page needs no list.
	uiFiles, err := fs.Glob(fsys, "ui/*.html")
	if err != nil {
		return nil, fmt.Errorf("list officer pages: %w", err)
	}
	for _, f := range uiFiles {
		if strings.HasPrefix(path.Base(f), "_") {
			continue
		}
		t, err := template.New(path.Base(f)).Funcs(uiFuncs).ParseFS(fsys, "ui/_*.html", f)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", f, err)
		}
		out[f] = t
	}
	return out, nil
}

// mustParsePages parses the embedded templates; they ship inside the binary, so an
// error is a bug caught by any test that builds a server.
func mustParsePages() pages {
	p, err := parsePages(web.Templates())
	if err != nil {
		panic(err)
	}
	return p
}

// Render implements echo.Renderer; c.Render buffers the output, so a failing template
// never sends half a page.
func (p pages) Render(w io.Writer, name string, data any, _ echo.Context) error {
	t, ok := p[name]
	if !ok {
		return fmt.Errorf("no page %q", name)
	}
	return t.ExecuteTemplate(w, "layout", data)
}

// staticFiles is web/static, served at /static/.
func staticFiles() fs.FS { return web.Static() }

// pageBase holds what the layout uses on every page.
type pageBase struct {
	L     *i18n.Locale
	Lang  string
	Title string
	// TZ is the event's timezone, for web/static/rsvp.js to add the reader's own time;
	// empty on pages without times.
	TZ string
	// Personal marks a page reached by a personal link (skip link, "do not forward").
	Personal bool
}

func newPageBase(l *i18n.Locale, title string) pageBase {
	return pageBase{L: l, Lang: l.Code(), Title: title}
}

// errorPage is an HTML error. It carries nothing from the request except, for a 5xx, the
// request id the office can look up in the log.
type errorPage struct {
	pageBase
	Heading   string
	Text      string
	Reference string
}

// htmlErrors reports whether an error on this request is answered with an HTML page
// rather than the API's JSON: the delegate's and the officers' pages are read in a
// browser; the API, the feeds and the health checks are read by programs.
func htmlErrors(c echo.Context) bool {
	p := c.Request().URL.Path
	return !strings.HasPrefix(p, "/api/") && !strings.HasPrefix(p, "/feeds/") && p != "/healthz" && p != "/readyz"
}

// isRSVPPath is a page of the delegate's (no account, the invitation's language).
func isRSVPPath(c echo.Context) bool {
	p := c.Request().URL.Path
	return p == "/rsvp" || strings.HasPrefix(p, "/rsvp/")
}

// writeErrorPage answers an error on an HTML path in the language the browser asks for.
// It can not use the invitation's language: for an unknown or revoked link that would
// tell whether the link once existed, and the page must be the same in every case.
func (s *Server) writeErrorPage(c echo.Context, status int, msg string) {
	if !isRSVPPath(c) {
		s.renderUIError(c, status, msg)
		return
	}
	s.renderErrorPage(c, i18n.Match(c.Request().Header.Get("Accept-Language")), status)
}

func (s *Server) renderErrorPage(c echo.Context, l *i18n.Locale, status int) {
	key := fmt.Sprint(status)
	if !l.Has("error.title." + key) {
		key = "default"
	}
	text := "error.text." + key
	if !l.Has(text) {
		text = "error.text.default"
	}
	p := errorPage{pageBase: newPageBase(l, l.T("error.title."+key)), Heading: l.T("error.title." + key), Text: l.T(text)}
	if status >= 500 {
		p.Reference = c.Response().Header().Get(echo.HeaderXRequestID)
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Accept-Language")
	if err := c.Render(status, "rsvp_error.html", p); err != nil {
		s.log.ErrorContext(c.Request().Context(), "render error page", "route", c.Path(), "err", err)
		if !c.Response().Committed {
			_ = c.String(status, http.StatusText(status))
		}
	}
}
