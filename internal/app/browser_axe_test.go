package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store/storetest"
)

// axeVersion is the axe-core release the accessibility test runs (Deque's rules engine,
// behind most browser accessibility checkers); CI installs this one.
const axeVersion = "4.14.1"

// axeScript reads axe.min.js from ATTACHE_TEST_AXE_DIR (default $HOME/.cache/attache/axe),
// a folder where `npm install axe-core@4.14.1` ran. Without it the test skips, unless
// ATTACHE_TEST_REQUIRE names "axe".
func axeScript(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ATTACHE_TEST_AXE_DIR")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "attache", "axe")
	}
	src, err := os.ReadFile(filepath.Join(dir, "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		if storetest.Required("axe") {
			t.Fatalf("ATTACHE_TEST_REQUIRE=axe but axe-core is not in %s: mkdir -p %s && cd %s && npm install axe-core@%s", dir, dir, dir, axeVersion)
		}
		t.Skipf("axe-core not installed in %s (npm install axe-core@%s there)", dir, axeVersion)
	}
	if !strings.Contains(string(src[:200]), axeVersion) {
		t.Fatalf("%s holds another axe-core than %s", dir, axeVersion)
	}
	return string(src)
}

// axeRules are the checks run on every page: contrast, names of controls, links and
// buttons, the page's language and title, valid ARIA, unique ids, table headers.
const axeRules = `["color-contrast", "label", "button-name", "link-name", "select-name", "image-alt",
	"html-has-lang", "html-lang-valid", "document-title", "aria-valid-attr", "aria-valid-attr-value",
	"duplicate-id-aria", "th-has-data-cells", "td-headers-attr", "list", "listitem", "frame-title",
	"nested-interactive", "aria-allowed-attr", "heading-order"]`

// TestBrowserAccessibility runs axe-core on every kind of officer page (with the demo
// data) and on the delegate's RSVP page: no violation of the rules above, which include
// WCAG AA colour contrast (issue 6 point 6).
func TestBrowserAccessibility(t *testing.T) {
	axe := axeScript(t)
	ctx := newTab(t)
	s := startSite(t)
	createUser(t, s, "admin@attache.test", "admin")
	sctx := service.WithActor(context.Background(), service.Actor{Name: "test setup"})
	if _, err := s.app.Service.LoadDemo(sctx); err != nil {
		t.Fatal(err)
	}
	inv, err := s.app.Service.Invitation(sctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	signInBrowser(t, ctx, s.base, "admin@attache.test", "correct horse battery")
	pages := []string{
		"/", "/events", "/events/1", "/events/1/cancel", "/events/1/reschedule", "/invitations/1/answer",
		"/events/1/edit", "/events/1/sessions/1/edit", "/events/1/delegations/1/edit", "/invitations/1/edit",
		"/people/1/edit", "/venues", "/directory", "/people/1", "/organizations/1", "/inbound", "/inbound/upload",
		"/audit", "/users", "/users/new", strings.TrimPrefix(inv.RSVPURL, s.base),
	}
	for _, p := range pages {
		run(t, ctx, "open "+p, chromedp.Navigate(s.base+p), chromedp.WaitVisible(css("main")),
			chromedp.Evaluate[chromedp.Void](axe))
		found := value(t, ctx, "axe on "+p, chromedp.Evaluate[[]string](`axe.run(document, {runOnly: {type: "rule", values: `+axeRules+`}})
			.then(r => r.violations.flatMap(v => v.nodes.map(n => v.id + ": " + n.target.join(" ") + " — " + n.failureSummary.replace(/\s+/g, " "))))`,
			chromedp.EvalAwaitPromise))
		for _, v := range found {
			t.Errorf("%s: %s", p, v)
		}
	}
}
