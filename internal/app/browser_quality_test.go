package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/attache-app/attache/internal/service"
)

// TestBrowserPagesFitAndLabelled opens every kind of officer page with the demo data, on a
// phone (390 px wide) and at 1280 px: no page is wider than the screen (wide tables scroll
// inside their own box), every form control has a label, and there is a visible focus
// style (issue 6 point 6); in Russian no page shows an untranslated catalogue key.
func TestBrowserPagesFitAndLabelled(t *testing.T) {
	ctx := newTab(t)
	s := startSite(t)
	createUser(t, s, "admin@attache.test", "admin")
	sctx := service.WithActor(context.Background(), service.Actor{Name: "test setup"})
	if _, err := s.app.Service.LoadDemo(sctx); err != nil {
		t.Fatal(err)
	}
	signInBrowser(t, ctx, s.base, "admin@attache.test", "correct horse battery")
	pages := []string{
		"/", "/events", "/events/1", "/events/1/print", "/events/1/cancel", "/events/1/reschedule",
		"/invitations/1/answer", "/events/new", "/events/1/edit", "/events/1/sessions/new", "/events/1/sessions/1/edit",
		"/events/1/delegations/new", "/events/1/delegations/1/edit", "/events/1/invitations/new", "/invitations/1/edit",
		"/organizations/new", "/people/new", "/people/1/edit", "/venues", "/venues/new", "/venues/1/rooms/new",
		"/directory", "/directory?q=Krasnov", "/people/1", "/organizations/1", "/inbound", "/inbound/upload",
		"/audit", "/users", "/users/new",
	}
	for _, width := range []int64{390, 1280} {
		run(t, ctx, "viewport", chromedp.EmulateViewport(width, 900))
		for _, p := range pages {
			run(t, ctx, "open "+p, chromedp.Navigate(s.base+p), chromedp.WaitVisible(css("main h1")))
			if title := text(t, ctx, "main h1"); strings.Contains(title, "Not found") || strings.Contains(title, "Not allowed") {
				t.Fatalf("%s: %s", p, title)
			}
			if w := value(t, ctx, "page width", chromedp.Evaluate[int64](`document.documentElement.scrollWidth`)); w > width {
				t.Errorf("%s at %d px: the page is %d px wide", p, width, w)
			}
			unlabelled := value(t, ctx, "unlabelled controls", chromedp.Evaluate[[]string](`[...document.querySelectorAll(
				"input:not([type=hidden]), select, textarea")].filter(e => !(e.labels && e.labels.length) &&
				!e.getAttribute("aria-label") && !e.getAttribute("aria-labelledby")).map(e => e.outerHTML.slice(0, 120))`))
			if len(unlabelled) > 0 {
				t.Errorf("%s: controls without a label: %v", p, unlabelled)
			}
		}
	}
	// In Russian (chosen in the header), no page shows a catalogue key instead of text.
	run(t, ctx, "choose Russian", chromedp.Navigate(s.base+"/"), chromedp.WaitVisible(css("#ui-language")),
		chromedp.SetValue(css("#ui-language"), "ru"), chromedp.Submit(css("#ui-language")),
		chromedp.WaitVisible(css(`html[lang=ru] main h1`)))
	for _, p := range pages {
		run(t, ctx, "open "+p+" in Russian", chromedp.Navigate(s.base+p), chromedp.WaitVisible(css("html[lang=ru] main h1")))
		keys := value(t, ctx, "catalogue keys", chromedp.Evaluate[[]string](
			`document.body.innerText.match(/\b(ui|rsvp|error|response|mail)\.[a-z_]+\.[a-z_.0-9]+/g) || []`))
		if len(keys) > 0 {
			t.Errorf("%s in Russian shows catalogue keys: %v", p, keys)
		}
	}
	// Keyboard: Tab from the top reaches the skip link first, and focus is drawn.
	run(t, ctx, "tab", chromedp.Navigate(s.base+"/events/1"), chromedp.WaitVisible(css("main h1")),
		chromedp.KeyEvent("\t"))
	focus := value(t, ctx, "focus", chromedp.Evaluate[[]string](`[document.activeElement.className,
		getComputedStyle(document.activeElement).outlineStyle]`))
	if focus[0] != "skip" || focus[1] == "none" {
		t.Fatalf("first Tab focuses %q with outline %q", focus[0], focus[1])
	}
}
