package app_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attache-app/attache/internal/app"
	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// Browser tests drive the officer interface in Debian's headless Chromium through
// github.com/chromedp/chromedp, against the real server (app.Serve: migrations, the job
// queue with the file transport, the first-run setup link in the log). A failing test
// saves a screenshot of the page as a test artefact (go test -artifacts keeps them).

// chromium finds the browser: ATTACHE_TEST_CHROMIUM, else chromium on PATH. Without one
// the tests skip, unless ATTACHE_TEST_REQUIRE names "browser" (CI), where they fail.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ATTACHE_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if storetest.Required("browser") {
		t.Fatal("ATTACHE_TEST_REQUIRE=browser but no chromium on PATH (apt-get install -y chromium)")
	}
	t.Skip("no chromium on PATH; set ATTACHE_TEST_CHROMIUM or install Debian's chromium")
	return ""
}

// logBuffer collects the server's log lines, to read the setup link from.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// site is a running Attaché with its log, outbox and base URL.
type site struct {
	base   string
	app    *app.App
	log    *logBuffer
	outbox string
}

// startSite serves a fresh SQLite database as `attache serve` does, with the file transport.
func startSite(t *testing.T, env ...string) *site {
	t.Helper()
	addr := freeAddr(t)
	outbox := filepath.Join(t.TempDir(), "outbox")
	cfg := newConfig(t, storetest.URL(t, store.SQLite), append([]string{
		"ATTACHE_HTTP_ADDR=" + addr, "ATTACHE_HTTP_BASE_URL=http://" + addr,
		"ATTACHE_HTTP_SHUTDOWN_TIMEOUT=5s", "ATTACHE_MAIL_OUTBOX_DIR=" + outbox,
		"ATTACHE_MAIL_TRANSPORT=file",
	}, env...)...)
	logs := &logBuffer{}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatalf("app.Open: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("server did not stop")
		}
		a.Close()
	})
	s := &site{base: "http://" + addr, app: a, log: logs, outbox: outbox}
	waitUp(t, s.base+"/readyz", done)
	return s
}

// setupURL is the first-run link the server logged.
func (s *site) setupURL(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`setup_url="?([^"\s]+)`).FindStringSubmatch(s.log.String())
	if m == nil {
		t.Fatalf("no setup link in the log:\n%s", s.log.String())
	}
	return m[1]
}

// newTab starts a headless Chromium at 1280×900 and returns a context that drives it.
// A failed test leaves a screenshot named after it.
func newTab(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("lang", "en-GB"),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	// The first call starts the browser, which lives as long as that call's context:
	// no timeout on it; each later step gets its own (see run).
	if err := chromedp.Do(ctx); err != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			if png, err := chromedp.Run(sctx, chromedp.FullScreenshot(90)); err == nil {
				name := filepath.Join(t.ArtifactDir(), "failure.png")
				if err := os.WriteFile(name, png, 0o644); err == nil {
					t.Logf("screenshot of the failing page: %s", name)
				}
			}
			cancel()
		}
		cancelTab()
		cancelAlloc()
	})
	return ctx
}

// stepTimeout bounds each group of browser steps, so a missing element fails the test
// instead of hanging it.
const stepTimeout = 30 * time.Second

// run runs browser steps, failing the test with what was being done and where.
func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		lctx, lcancel := context.WithTimeout(ctx, 5*time.Second)
		loc, _ := chromedp.Run(lctx, chromedp.Location())
		lcancel()
		t.Fatalf("%s (at %s): %v", what, loc, err)
	}
}

// value runs one browser action that returns a value.
func value[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// text reads the visible text of the first element matching a CSS selector.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return value(t, ctx, "read "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// css is a CSS selector.
func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// fetchStatus sends a request from the page (same origin, the session cookie included)
// and returns the status: how a script injected into the page would forge a request.
func fetchStatus(t *testing.T, ctx context.Context, method, path, body string) int {
	t.Helper()
	js := fmt.Sprintf(`fetch(%q, {method: %q, credentials: "same-origin", redirect: "manual",
		headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: %q}).then(r => r.status)`, path, method, body)
	return value(t, ctx, "fetch "+path, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
}

// signInBrowser fills the sign-in form.
func signInBrowser(t *testing.T, ctx context.Context, base, email, password string) {
	t.Helper()
	run(t, ctx, "sign in as "+email,
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(css("#f-email"), email),
		chromedp.SendKeys(css("#f-password"), password),
		chromedp.Click(css(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(css(`header.top nav`)),
	)
}

// TestBrowserFirstRunAndSignIn: the first admin is created through the logged setup link
// (with the demo), sees the demo on the dashboard, signs out and in again; the setup link
// is dead afterwards; a wrong password shows the message on the form.
func TestBrowserFirstRunAndSignIn(t *testing.T) {
	ctx := newTab(t)
	s := startSite(t)
	link := s.setupURL(t)
	run(t, ctx, "first-run setup",
		chromedp.Navigate(link),
		chromedp.SendKeys(css("#f-email"), "head.of.protocol@attache.test"),
		chromedp.SendKeys(css("#f-name"), "Head of Protocol"),
		chromedp.SendKeys(css("#f-password"), "a long enough passphrase"),
		chromedp.SendKeys(css("#f-password2"), "a long enough passphrase"),
		chromedp.Click(css("#f-demo")),
		chromedp.Click(css(`form[action="/setup"] button[type=submit]`)),
		chromedp.WaitVisible(css(`header.top nav`)),
	)
	if got := text(t, ctx, "main"); !strings.Contains(got, "Anniversary of the Prosecution Service") || !strings.Contains(got, "demonstration scenario has been loaded") {
		t.Fatalf("dashboard after setup:\n%s", got)
	}
	run(t, ctx, "sign out", chromedp.Click(css(`form[action="/logout"] button`)), chromedp.WaitVisible(css(`form[action="/login"]`)))
	// The link is spent: it leads to the sign-in page, not the form.
	run(t, ctx, "setup link again", chromedp.Navigate(link), chromedp.WaitVisible(css("main")))
	if got := text(t, ctx, "main"); strings.Contains(got, "Create the account") {
		t.Fatal("the setup form is still offered after the first account exists")
	}
	run(t, ctx, "wrong password",
		chromedp.Navigate(s.base+"/login"),
		chromedp.SendKeys(css("#f-email"), "head.of.protocol@attache.test"),
		chromedp.SendKeys(css("#f-password"), "not the password"),
		chromedp.Click(css(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(css(`.alert`)),
	)
	signInBrowser(t, ctx, s.base, "head.of.protocol@attache.test", "a long enough passphrase")
	if got := text(t, ctx, "header.top .who"); !strings.Contains(got, "head.of.protocol@attache.test") {
		t.Fatalf("header after sign-in: %q", got)
	}
}

// TestBrowserForgedPost: a POST without the form's token is refused (403), whether a
// script on the page sends it or another site's page submits a form to us.
func TestBrowserForgedPost(t *testing.T) {
	ctx := newTab(t)
	s := startSite(t)
	createUser(t, s, "officer@attache.test", "officer")
	signInBrowser(t, ctx, s.base, "officer@attache.test", "correct horse battery")
	if got := fetchStatus(t, ctx, "POST", "/language", "language=ru"); got != http.StatusForbidden {
		t.Fatalf("same-origin POST without token: %d", got)
	}
	// Another site (another port of 127.0.0.1 is the same site for cookies, so the
	// session cookie goes along: only the token stops it).
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!DOCTYPE html><form id="f" method="post" action="%s/language"><input name="language" value="ru"><input name="next" value="/"></form>`, s.base)
	}))
	defer evil.Close()
	run(t, ctx, "forged form from another origin",
		chromedp.Navigate(evil.URL),
		chromedp.Submit(css("#f")),
		chromedp.WaitVisible(css(`main h1`)),
	)
	body := text(t, ctx, "main")
	if !strings.Contains(body, "Not allowed") {
		t.Fatalf("forged form was not refused:\n%s", body)
	}
	// Nothing changed: the interface is still in English.
	run(t, ctx, "dashboard", chromedp.Navigate(s.base+"/"), chromedp.WaitVisible(css(`header.top nav`)))
	if got := text(t, ctx, "h1"); got != "Dashboard" {
		t.Fatalf("after the forged request the dashboard reads %q", got)
	}
}

// createUser adds an account with the tests' password through the service.
func createUser(t *testing.T, s *site, email, role string) {
	t.Helper()
	if _, err := s.app.Service.CreateUser(context.Background(), newUser(email, role), "correct horse battery"); err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
}

func newUser(email, role string) *domain.User {
	return &domain.User{Email: email, Role: domain.Role(role)}
}
