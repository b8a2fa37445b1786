package http_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/attache-app/attache/internal/domain"
	attachehttp "github.com/attache-app/attache/internal/http"
	"github.com/attache-app/attache/internal/service"
)

func TestUISignIn(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		b := e.browser()
		r := b.get("/")
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2F" {
			t.Fatalf("anonymous dashboard: %d %q", r.Status, r.Header.Get("Location"))
		}
		b.get("/login")
		r = b.post("/login", url.Values{"email": {"officer@attache.test"}, "password": {"wrong password!"}})
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", r.Status)
		}
		r.contains(t, "not right", `value="officer@attache.test"`)
		r = b.post("/login", url.Values{"email": {"Officer@Attache.test"}, "password": {"correct horse battery"}, "next": {"/?x=1"}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/?x=1" {
			t.Fatalf("sign in: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
		}
		var cookie *http.Cookie
		for _, c := range (&http.Response{Header: r.Header}).Cookies() {
			if c.Name == "attache_session" {
				cookie = c
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
			t.Fatalf("session cookie: %+v", cookie)
		}
		// Only the token's hash is stored.
		var n int64
		sum := sha256.Sum256([]byte(cookie.Value))
		count := func(lookup []byte) (n int64) {
			q := "SELECT COUNT(*) FROM web_sessions WHERE lookup = ?"
			if e.st.Dialect == "postgres" {
				q = "SELECT COUNT(*) FROM web_sessions WHERE lookup = $1"
			}
			if err := e.st.DB().QueryRow(q, lookup).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		n = count(sum[:])
		if n != 1 {
			t.Fatalf("sessions with the token's hash: %d", n)
		}
		if count([]byte(cookie.Value)) != 0 {
			t.Fatal("the session token is stored in clear")
		}
		r = b.get("/")
		if r.Status != http.StatusOK {
			t.Fatalf("dashboard: %d %s", r.Status, r.Body)
		}
		r.contains(t, "Dashboard", "officer@attache.test")
		// An open redirect is refused.
		if got := b.post("/logout", nil); got.Status != http.StatusSeeOther {
			t.Fatalf("logout: %d", got.Status)
		}
		if r := b.get("/"); r.Status != http.StatusSeeOther {
			t.Fatalf("after logout: %d", r.Status)
		}
		b.get("/login")
		r = b.post("/login", url.Values{"email": {"officer@attache.test"}, "password": {"correct horse battery"}, "next": {"//evil.test/"}})
		if r.Header.Get("Location") != "/" {
			t.Fatalf("next=//evil.test/ redirected to %q", r.Header.Get("Location"))
		}
	})
}

func TestUICSRF(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		b := e.signIn(domain.RoleOfficer)
		r := b.postRaw("/language", url.Values{"language": {"ru"}})
		if r.Status != http.StatusForbidden {
			t.Fatalf("POST without token: %d", r.Status)
		}
		r = b.postRaw("/language", url.Values{"language": {"ru"}, "_csrf": {"forged"}})
		if r.Status != http.StatusForbidden {
			t.Fatalf("POST with a forged token: %d", r.Status)
		}
		// Sign-in itself needs the token (login CSRF).
		anon := e.browser()
		if r := anon.postRaw("/login", url.Values{"email": {"officer@attache.test"}, "password": {"correct horse battery"}}); r.Status != http.StatusForbidden {
			t.Fatalf("login without token: %d", r.Status)
		}
		r = b.post("/language", url.Values{"language": {"ru"}, "next": {"/"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("language: %d %s", r.Status, r.Body)
		}
		b.follow(r).contains(t, "Обзор", `lang="ru"`)
	})
}

func TestUIThrottle(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		b := e.browser()
		b.get("/login")
		for i := 0; i < 5; i++ {
			if r := b.post("/login", url.Values{"email": {"viewer@attache.test"}, "password": {"guess number " + string(rune('a'+i))}}); r.Status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i, r.Status)
			}
		}
		r := b.post("/login", url.Values{"email": {"viewer@attache.test"}, "password": {"correct horse battery"}})
		if r.Status != http.StatusTooManyRequests {
			t.Fatalf("sixth attempt with the right password: %d", r.Status)
		}
		// Another account from the same address is not locked by these five.
		if r := b.post("/login", url.Values{"email": {"officer@attache.test"}, "password": {"correct horse battery"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("other account: %d", r.Status)
		}
		// Per address: guessing across many accounts from one address stops at 30
		// failures, whatever account comes next.
		guesser := e.browser()
		guesser.get("/login")
		for i := 5; i < 30; i++ { // the five above came from this address too
			if r := guesser.post("/login", url.Values{"email": {fmt.Sprintf("guess%d@attache.test", i)}, "password": {"some password"}}); r.Status != http.StatusUnauthorized {
				t.Fatalf("guess %d: %d", i, r.Status)
			}
		}
		if r := guesser.post("/login", url.Values{"email": {"admin@attache.test"}, "password": {"correct horse battery"}}); r.Status != http.StatusTooManyRequests {
			t.Fatalf("after 30 failures from one address: %d", r.Status)
		}
	})
}

func TestUIRoles(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		// A disabled account is signed out at its next request.
		b := e.signIn(domain.RoleViewer)
		users, _ := e.svc.Users(ctx)
		var viewer *domain.User
		for _, u := range users {
			if u.Role == domain.RoleViewer {
				viewer = u
			}
		}
		yes := true
		if _, err := e.svc.UpdateUser(ctx, viewer.ID, service.UserUpdate{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		if r := b.get("/"); r.Status != http.StatusSeeOther {
			t.Fatalf("disabled account still signed in: %d", r.Status)
		}
		// The last admin can not be demoted.
		var admin *domain.User
		for _, u := range users {
			if u.Role == domain.RoleAdmin {
				admin = u
			}
		}
		officer := domain.RoleOfficer
		if _, err := e.svc.UpdateUser(ctx, admin.ID, service.UserUpdate{Role: &officer}); err == nil {
			t.Fatal("the last admin was demoted")
		}
	})
}

// TestUISessionsShared: a session is kept in the database, so another instance on the
// same database serves it, and signing out on one ends it on the other. With an https
// base URL the cookie is Secure.
func TestUISessionsShared(t *testing.T) {
	eachAPI(t, func(t *testing.T, e *env) {
		other := httptest.NewServer(attachehttp.New(e.svc, attachehttp.Options{SecureCookies: true}).Echo)
		defer other.Close()
		b := e.signIn(domain.RoleOfficer)
		srvURL, _ := url.Parse(e.srv.URL)
		otherURL, _ := url.Parse(other.URL)
		for _, c := range b.c.Jar.Cookies(srvURL) {
			b.c.Jar.SetCookies(otherURL, []*http.Cookie{c})
		}
		second := &browser{t: t, e: &env{t: t, srv: other, st: e.st, svc: e.svc}, c: b.c}
		if r := second.get("/"); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "officer@attache.test") {
			t.Fatalf("the other instance does not know the session: %d", r.Status)
		}
		if r := second.post("/logout", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("logout on the other instance: %d", r.Status)
		}
		if r := b.get("/"); r.Status != http.StatusSeeOther {
			t.Fatalf("still signed in on the first instance after signing out on the other: %d", r.Status)
		}
		// Secure: the instance told its base URL is https marks the cookie so (the form
		// token's session starts at the sign-in page).
		r := second.e.browser().get("/login")
		var secure *http.Cookie
		for _, c := range (&http.Response{Header: r.Header}).Cookies() {
			if c.Name == "attache_session" {
				secure = c
			}
		}
		if secure == nil || !secure.Secure || !secure.HttpOnly || secure.SameSite != http.SameSiteLaxMode {
			t.Fatalf("session cookie with an https base URL: %+v", secure)
		}
	})
}
