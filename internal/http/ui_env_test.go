package http_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
)

// browser is an officer's browser on the web UI: a cookie jar, the CSRF token of the
// last page read, and no automatic redirects (tests look at each 303).
type browser struct {
	t    testing.TB
	e    *env
	c    *http.Client
	csrf string
	lang string
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{t: e.t, e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signIn opens a browser signed in as the test user of role.
func (e *env) signIn(role domain.Role) *browser {
	e.t.Helper()
	b := e.browser()
	b.get("/login")
	r := b.post("/login", url.Values{"email": {string(role) + "@attache.test"}, "password": {"correct horse battery"}})
	if r.Status != http.StatusSeeOther {
		e.t.Fatalf("sign in as %s: %d %s", role, r.Status, r.Body)
	}
	b.get("/") // picks up the new CSRF token of the signed-in session
	return b
}

func (b *browser) do(method, path string, body io.Reader, ctype string) resp {
	b.t.Helper()
	req, err := http.NewRequest(method, b.e.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := b.c.Do(req.WithContext(ctx))
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if m := csrfInput.FindSubmatch(raw); m != nil {
		b.csrf = string(m[1])
	}
	return resp{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// get reads a page.
func (b *browser) get(path string) resp { b.t.Helper(); return b.do(http.MethodGet, path, nil, "") }

// post sends a form with the CSRF token of the last page read.
func (b *browser) post(path string, form url.Values) resp {
	b.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", b.csrf)
	return b.postRaw(path, f)
}

// postRaw sends a form as given (no CSRF token added).
func (b *browser) postRaw(path string, form url.Values) resp {
	b.t.Helper()
	return b.do(http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// follow reads the page a 303 points to.
func (b *browser) follow(r resp) resp {
	b.t.Helper()
	if r.Status != http.StatusSeeOther {
		b.t.Fatalf("want a redirect, got %d: %s", r.Status, r.Body)
	}
	return b.get(r.Header.Get("Location"))
}

// contains fails unless the body holds every string.
func (r resp) contains(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(string(r.Body), w) {
			t.Errorf("page lacks %q:\n%s", w, r.Body)
		}
	}
}
