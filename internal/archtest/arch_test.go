// Package archtest holds the architecture test: design.md's one-way arrows between
// Attaché's packages, checked on the real import graph.
package archtest

import (
	"bufio"
	"errors"
	"fmt"
	"go/build"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The layers of design.md ("Architecture"), top to bottom:
//
//	cmd → internal/app (wiring) → internal/http, internal/jobs, internal/inbound →
//	internal/service → internal/store, internal/calendar, internal/mail → internal/domain
//
// "Nothing imports upward; internal/domain imports nothing of ours." Each unit below
// lists the units of ours it may import; anything else is a violation. A unit is a
// package and its sub-packages, except where a sub-package has a line of its own.
//
// Readings where design.md leaves room:
//   - The front layer (http, jobs, inbound) reaches the store only through the service,
//     which owns transactions and the audit trail. It may use calendar (feeds, .ics
//     downloads); jobs and inbound also mail. Its three packages never import each other.
//   - config, i18n, web (embedded templates and static files) and migrations are not
//     layers but leaves; only cmd and app see the whole configuration (each part gets
//     its own options); mail reads its templates from web and its words from i18n.
//   - storetest is for tests only: no production package may import it.
var rules = map[string][]string{
	"cmd":                      {"internal/app", "internal/config", "internal/service", "internal/domain", "internal/i18n"},
	"internal/app":             {"internal/config", "internal/http", "internal/jobs", "internal/inbound", "internal/service", "internal/store", "internal/calendar", "internal/mail", "internal/domain", "internal/i18n", "web", "migrations"},
	"internal/http":            {"internal/service", "internal/calendar", "internal/domain", "internal/i18n", "web"},
	"internal/jobs":            {"internal/service", "internal/calendar", "internal/mail", "internal/domain", "internal/i18n"},
	"internal/inbound":         {"internal/service", "internal/calendar", "internal/mail", "internal/domain", "internal/i18n"},
	"internal/service":         {"internal/store", "internal/calendar", "internal/mail", "internal/domain", "internal/i18n"},
	"internal/store":           {"internal/domain", "migrations"},
	"internal/calendar":        {"internal/domain"},
	"internal/mail":            {"internal/domain", "internal/i18n", "web"},
	"internal/domain":          {},
	"internal/config":          {},
	"internal/i18n":            {"internal/domain"},
	"web":                      {"internal/i18n", "internal/domain"},
	"migrations":               {},
	"internal/store/storetest": {"internal/store", "internal/domain", "migrations"},
	"internal/archtest":        {},
}

// testRules are the extra units a unit's tests may import: tests above the store wire
// real databases (storetest hands them a migrated *store.Store), and the store's own
// tests use storetest. Pure layers (domain, calendar, mail, config) test without one.
var testRules = map[string][]string{
	"cmd":              {"internal/store", "internal/store/storetest"},
	"internal/app":     {"internal/store/storetest"},
	"internal/http":    {"internal/store", "internal/store/storetest"},
	"internal/jobs":    {"internal/store", "internal/store/storetest"},
	"internal/inbound": {"internal/store", "internal/store/storetest"},
	"internal/service": {"internal/store/storetest"},
	"internal/store":   {"internal/store/storetest"},
}

// pkg is one package of the module and the packages of ours it imports (module-relative
// paths), from its own files and from its tests.
type pkg struct {
	Path        string
	Imports     []string
	TestImports []string
	Files       map[string][]string // import → the files that import it, for the message
	TestFiles   map[string][]string // the same for test files
}

// unitOf is the longest rule key that is path or a parent of it; "" when none is.
func unitOf(path string) string {
	best := ""
	for u := range rules {
		if (path == u || strings.HasPrefix(path, u+"/")) && len(u) > len(best) {
			best = u
		}
	}
	return best
}

// violations checks pkgs against rules and testRules and describes each broken arrow.
func violations(pkgs []pkg) []string {
	var out []string
	for _, p := range pkgs {
		from := unitOf(p.Path)
		if from == "" {
			out = append(out, fmt.Sprintf("%s is in no layer: add it to the rules of internal/archtest with the units it may import (see design.md, Architecture)", p.Path))
			continue
		}
		check := func(imports []string, allowed []string, files map[string][]string, what string) {
			ok := map[string]bool{from: true}
			for _, u := range allowed {
				ok[u] = true
			}
			for _, imp := range imports {
				to := unitOf(imp)
				if to == "" {
					to = imp
				}
				if !ok[to] {
					where := ""
					if files := files[imp]; len(files) > 0 {
						where = " (in " + strings.Join(files, ", ") + ")"
					}
					out = append(out, fmt.Sprintf("%s%s imports %s%s: %s may import only %s", p.Path, what, imp, where, from, list(allowed)))
				}
			}
		}
		check(p.Imports, rules[from], p.Files, "")
		check(p.TestImports, append(append([]string{}, rules[from]...), testRules[from]...), p.TestFiles, " (tests)")
	}
	sort.Strings(out)
	return out
}

func list(units []string) string {
	if len(units) == 0 {
		return "nothing of ours"
	}
	return strings.Join(units, ", ")
}

func TestLayers(t *testing.T) {
	pkgs := modulePackages(t)
	if len(pkgs) < 5 {
		t.Fatalf("found only %d packages; is the module root right?", len(pkgs))
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// TestCheckerFindsViolations runs the checker on made-up import lists, so that a checker
// that passes everything can not go unnoticed.
func TestCheckerFindsViolations(t *testing.T) {
	good := []pkg{
		{Path: "cmd/attache", Imports: []string{"internal/app", "internal/config", "internal/service", "internal/domain"}, TestImports: []string{"internal/store/storetest"}},
		{Path: "internal/app", Imports: []string{"internal/http", "internal/store", "internal/service", "internal/config"}},
		{Path: "internal/http", Imports: []string{"internal/service", "internal/domain", "internal/calendar"}, TestImports: []string{"internal/http", "internal/store", "internal/store/storetest"}},
		{Path: "internal/service", Imports: []string{"internal/store", "internal/mail", "internal/calendar", "internal/domain"}},
		{Path: "internal/store", Imports: []string{"internal/domain", "migrations"}, TestImports: []string{"internal/store", "internal/store/storetest"}},
		{Path: "internal/store/storetest", Imports: []string{"internal/store"}},
		{Path: "internal/domain"},
		{Path: "internal/mail", Imports: []string{"internal/domain", "web"}},
		{Path: "internal/http/feeds", Imports: []string{"internal/http", "internal/service"}},
	}
	if v := violations(good); len(v) != 0 {
		t.Fatalf("a graph that keeps the arrows was refused:\n%s", strings.Join(v, "\n"))
	}
	cases := []struct {
		name string
		p    pkg
		want string
	}{
		{"domain imports ours", pkg{Path: "internal/domain", Imports: []string{"internal/store"}}, "internal/domain imports internal/store"},
		{"store imports service", pkg{Path: "internal/store", Imports: []string{"internal/service"}}, "internal/store imports internal/service"},
		{"store uses storetest outside tests", pkg{Path: "internal/store", Imports: []string{"internal/store/storetest"}}, "internal/store imports internal/store/storetest"},
		{"production code uses storetest", pkg{Path: "internal/service", Imports: []string{"internal/store/storetest"}}, "internal/service imports internal/store/storetest"},
		{"calendar imports mail", pkg{Path: "internal/calendar", Imports: []string{"internal/mail"}}, "internal/calendar imports internal/mail"},
		{"mail imports store", pkg{Path: "internal/mail", Imports: []string{"internal/store"}}, "internal/mail imports internal/store"},
		{"service imports http", pkg{Path: "internal/service", Imports: []string{"internal/http"}}, "internal/service imports internal/http"},
		{"service imports jobs", pkg{Path: "internal/service", Imports: []string{"internal/jobs"}}, "internal/service imports internal/jobs"},
		{"service imports config", pkg{Path: "internal/service", Imports: []string{"internal/config"}}, "internal/service imports internal/config"},
		{"http imports store", pkg{Path: "internal/http", Imports: []string{"internal/store"}}, "internal/http imports internal/store"},
		{"http sub-package imports store", pkg{Path: "internal/http/api", Imports: []string{"internal/store"}}, "internal/http/api imports internal/store"},
		{"http imports app", pkg{Path: "internal/http", Imports: []string{"internal/app"}}, "internal/http imports internal/app"},
		{"jobs imports http", pkg{Path: "internal/jobs", Imports: []string{"internal/http"}}, "internal/jobs imports internal/http"},
		{"app imports cmd", pkg{Path: "internal/app", Imports: []string{"cmd/attache"}}, "internal/app imports cmd/attache"},
		{"domain test imports store", pkg{Path: "internal/domain", TestImports: []string{"internal/store"}}, "internal/domain (tests) imports internal/store"},
		{"unknown package", pkg{Path: "internal/util"}, "internal/util is in no layer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := violations(append(append([]pkg{}, good...), c.p))
			if len(got) != 1 || !strings.Contains(got[0], c.want) {
				t.Fatalf("want one violation containing %q, got %q", c.want, got)
			}
		})
	}
}

// modulePackages reads every package of the module with go/build, honouring build
// constraints like the go command. It reads the files in this process (not through
// `go list` in a child), so that go test's cache notices any change to them.
func modulePackages(t *testing.T) []pkg {
	t.Helper()
	root, module := moduleRoot(t)
	var pkgs []pkg
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor" || name == "node_modules") {
			return filepath.SkipDir
		}
		if path != root {
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
		}
		bp, err := build.Default.ImportDir(path, 0)
		var noGo *build.NoGoError
		if errors.As(err, &noGo) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read package in %s: %w", path, err)
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		pkgs = append(pkgs, pkg{
			Path:        filepath.ToSlash(rel),
			Imports:     ours(module, bp.Imports),
			TestImports: ours(module, append(append([]string{}, bp.TestImports...), bp.XTestImports...)),
			Files:       importFiles(module, bp.ImportPos),
			TestFiles:   importFiles(module, bp.TestImportPos, bp.XTestImportPos),
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// importFiles maps each import of ours to the names of the files that import it.
func importFiles(module string, positions ...map[string][]token.Position) map[string][]string {
	out := map[string][]string{}
	for _, pos := range positions {
		for imp, ps := range pos {
			rel, ok := strings.CutPrefix(imp, module+"/")
			if !ok {
				continue
			}
			for _, p := range ps {
				out[rel] = append(out[rel], filepath.Base(p.Filename))
			}
		}
	}
	for imp := range out {
		sort.Strings(out[imp])
		out[imp] = slices.Compact(out[imp])
	}
	return out
}

// ours keeps the imports inside the module, relative to it.
func ours(module string, imports []string) []string {
	var out []string
	for _, imp := range imports {
		if rel, ok := strings.CutPrefix(imp, module+"/"); ok {
			out = append(out, rel)
		} else if imp == module {
			out = append(out, ".")
		}
	}
	return out
}

// moduleRoot walks up from the test's folder to go.mod and reads the module path.
func moduleRoot(t *testing.T) (dir, module string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		f, err := os.Open(filepath.Join(dir, "go.mod"))
		if err == nil {
			defer f.Close()
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if m, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
					return dir, strings.Trim(strings.TrimSpace(m), `"`)
				}
			}
			t.Fatalf("%s/go.mod names no module", dir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}
