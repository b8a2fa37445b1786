package calendar

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The second, independent parser: ical.js, Mozilla's parser behind Thunderbird, run with
// node. .ci/run installs this exact version; the tests only log another one.
const icaljsVersion = "2.2.1"

const icaljsInstall = "mkdir -p ~/.cache/attache/icaljs && cd ~/.cache/attache/icaljs && " +
	"npm install --no-audit --no-fund --save-exact ical.js@" + icaljsVersion

// required reports whether ATTACHE_TEST_REQUIRE (a comma-separated list, as in
// storetest.Required) names what, turning a skip into a failure.
func required(what string) bool {
	for _, r := range strings.Split(os.Getenv("ATTACHE_TEST_REQUIRE"), ",") {
		if strings.TrimSpace(r) == what {
			return true
		}
	}
	return false
}

// icaljs finds node and the folder holding node_modules/ical.js (ATTACHE_TEST_ICALJS_DIR,
// by default ~/.cache/attache/icaljs). Without them the test skips, or fails when
// ATTACHE_TEST_REQUIRE names icaljs.
func icaljs(t *testing.T) (node, dir string) {
	t.Helper()
	dir = os.Getenv("ATTACHE_TEST_ICALJS_DIR")
	if dir == "" {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".cache", "attache", "icaljs")
		}
	}
	var missing string
	node, err := exec.LookPath("node")
	pkg := filepath.Join(dir, "node_modules", "ical.js", "package.json")
	meta, perr := os.ReadFile(pkg)
	switch {
	case err != nil:
		missing = "node is not on PATH (Debian: apt-get install nodejs npm)"
	case dir == "" || perr != nil:
		missing = fmt.Sprintf("ical.js is not installed in %q", dir)
	}
	if missing != "" {
		msg := missing + "; install it with `" + icaljsInstall + "`, or set ATTACHE_TEST_ICALJS_DIR to a folder holding node_modules/ical.js"
		if required("icaljs") {
			t.Fatal("ATTACHE_TEST_REQUIRE=icaljs: " + msg)
		}
		t.Skip(msg)
	}
	var info struct{ Version string }
	if err := json.Unmarshal(meta, &info); err != nil {
		t.Fatalf("%s: %v", pkg, err)
	}
	if info.Version != icaljsVersion {
		t.Logf("ical.js %s in %s; CI pins %s", info.Version, dir, icaljsVersion)
	}
	return node, dir
}

// icaljsRead is what ical.js reads from the file at path (testdata/icaljs-dump.mjs).
// node runs in a local zone of its own (Chatham, +12:45/+13:45), so that a time ical.js
// took as local instead of from the file's VTIMEZONE could not pass unnoticed.
func icaljsRead(t *testing.T, node, dir, path string) calView {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "icaljs-dump.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, dir, path)
	cmd.Env = append(os.Environ(), "TZ=Pacific/Chatham")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ical.js can not read %s: %v\n%s", path, err, stderr.String())
	}
	var v calView
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("ical.js dump of %s: %v\n%s", path, err, out)
	}
	return v
}

// icaljsEncode encodes c into a temporary file and returns what ical.js reads from it.
func icaljsEncode(t *testing.T, node, dir string, c *Calendar) (calView, []byte) {
	t.Helper()
	data, err := Encode(c, testNow)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "object.ics")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return icaljsRead(t, node, dir, path), data
}

// TestGoldenFilesWithICALJS: ical.js accepts every golden file and finds in it the same
// events, times (instants, through the file's VTIMEZONEs) and attendees as were encoded
// and as go-ical reads.
func TestGoldenFilesWithICALJS(t *testing.T) {
	node, dir := icaljs(t)
	for _, gc := range goldenCases(t) {
		t.Run(gc.name, func(t *testing.T) {
			path := goldenPath(gc.name)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := icaljsRead(t, node, dir, path)
			sameView(t, "ical.js's reading of "+path, got, expectedView(gc.cal))
			sameView(t, "ical.js's reading (against go-ical's) of "+path, got, goicalView(t, data))
		})
	}
}

// TestInjectionWithICALJS: security.md row 8 in ical.js too.
func TestInjectionWithICALJS(t *testing.T) {
	node, dir := icaljs(t)
	cal := injectionCalendar()
	got, data := icaljsEncode(t, node, dir, cal)
	if len(got.Events) != 1 {
		t.Fatalf("ical.js finds %d events", len(got.Events))
	}
	e := got.Events[0]
	if len(e.Attendees) != 1 || e.Attendees[0].Email != "guest@example.test" {
		t.Errorf("ical.js finds attendees %+v, want only guest@example.test\n%s", e.Attendees, data)
	}
	if want := "Заседание\nATTENDEE:mailto:x@evil.test"; e.Summary != want {
		t.Errorf("ical.js reads the summary as %q, want %q", e.Summary, want)
	}
	sameView(t, "ical.js's reading", got, expectedView(cal))
}

// TestVTimezonesWithICALJS: for each zone and range of vtimezoneCases, ical.js turns
// DTSTART;TZID=… into the instant Go meant, using only the generated VTIMEZONE: around
// every change of offset, at the edges of the range and in the middle of each month.
func TestVTimezonesWithICALJS(t *testing.T) {
	node, dir := icaljs(t)
	for _, c := range vtimezoneCases {
		t.Run(fmt.Sprintf("%s/%d-%d", c.zone, c.first, c.last), func(t *testing.T) {
			loc := zone(t, c.zone)
			from := time.Date(c.first, time.January, 1, 0, 0, 0, 0, loc)
			to := time.Date(c.last+1, time.January, 1, 0, 0, 0, 0, loc)
			starts := []time.Time{from.Add(30 * time.Minute), to.Add(-30 * time.Minute)}
			for _, tr := range zoneTransitions(loc, from, to)[1:] {
				starts = append(starts, tr.at.Add(-2*time.Hour), tr.at.Add(2*time.Hour))
			}
			for d := from; d.Before(to); d = d.AddDate(0, 1, 0) {
				starts = append(starts, time.Date(d.Year(), d.Month(), 15, 10, 0, 0, 0, loc))
			}
			cal := &Calendar{Method: MethodPublish}
			for i, s := range starts {
				cal.Events = append(cal.Events, Event{
					UID: fmt.Sprintf("tz-%d@attache.test", i), Summary: s.In(loc).String(),
					Start: s, End: s.Add(90 * time.Minute), TZID: c.zone,
				})
			}
			got, _ := icaljsEncode(t, node, dir, cal)
			sameView(t, "ical.js's reading", got, expectedView(cal))
		})
	}
}
