package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/attache-app/attache/internal/app"
	"github.com/attache-app/attache/internal/config"
	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// result is what one run of the command printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// attache runs the command line as the binary would, with stdin as given.
func attache(t *testing.T, stdin io.Reader, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, stdin, &out, &errb)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// useDatabase points the command at a fresh database of the dialect and keeps the
// secret key and the outbox in the test's folder. run reads os.Environ, hence Setenv.
func useDatabase(t *testing.T, d store.Dialect) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("ATTACHE_CONFIG", filepath.Join(dir, "absent.yaml"))
	t.Setenv("ATTACHE_DATABASE_URL", storetest.URL(t, d))
	t.Setenv("ATTACHE_SECURITY_SECRET_KEY_FILE", filepath.Join(dir, "secret.key"))
	t.Setenv("ATTACHE_MAIL_OUTBOX_DIR", filepath.Join(dir, "outbox"))
	t.Setenv("ATTACHE_LOG_LEVEL", "warn")
}

// openApp opens the same database as the commands, to check what they did.
func openApp(t *testing.T) *app.App {
	t.Helper()
	cfg, err := config.Load(os.Getenv("ATTACHE_CONFIG"), os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func mustSucceed(t *testing.T, r result) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit code %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	return r
}

func TestVersion(t *testing.T) {
	r := mustSucceed(t, attache(t, nil, "version"))
	if r.stdout != "attache "+app.Version+"\n" {
		t.Fatalf("version printed %q", r.stdout)
	}
}

func TestInvalidConfigurationIsOneLineNamingTheKey(t *testing.T) {
	useDatabase(t, store.SQLite)
	t.Setenv("ATTACHE_HTTP_ADDR", "no-port-here")
	r := attache(t, nil, "migrate")
	if r.code != 1 {
		t.Fatalf("exit code %d, want 1", r.code)
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "http.addr") {
		t.Fatalf("stderr should be one line naming http.addr, got %q", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
}

func TestUnknownCommand(t *testing.T) {
	useDatabase(t, store.SQLite)
	r := attache(t, nil, "frobnicate")
	if r.code != 2 {
		t.Fatalf("exit code %d, want 2", r.code)
	}
	if !strings.Contains(r.stderr, `"frobnicate"`) || !strings.Contains(r.stderr, "usage:") {
		t.Errorf("stderr should name the command and show the usage: %q", r.stderr)
	}
	if r := attache(t, nil, "migrate", "sideways"); r.code != 2 {
		t.Errorf("migrate sideways: exit code %d, want 2", r.code)
	}
	if r := attache(t, nil, "--no-such-flag"); r.code != 2 {
		t.Errorf("unknown global flag: exit code %d, want 2", r.code)
	}
}

func TestMigrateAndStatus(t *testing.T) {
	useDatabase(t, store.SQLite)
	checkMigrate(t)
}

func checkMigrate(t *testing.T) {
	t.Helper()
	r := mustSucceed(t, attache(t, nil, "migrate"))
	m := regexp.MustCompile(`applied (\d+) migration\(s\)`).FindStringSubmatch(r.stdout)
	if m == nil || m[1] == "0" {
		t.Fatalf("first migrate printed %q", r.stdout)
	}
	applied := m[1]
	r = mustSucceed(t, attache(t, nil, "migrate", "up"))
	if !strings.Contains(r.stdout, "applied 0 migration(s)") {
		t.Errorf("second migrate printed %q", r.stdout)
	}
	r = mustSucceed(t, attache(t, nil, "migrate", "status"))
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^00001\s+applied\s+\S+schema\.sql$`),
		regexp.MustCompile(`(?m)^00002\s+applied\s+river queue tables$`),
	} {
		if !want.MatchString(r.stdout) {
			t.Errorf("migrate status does not match %s:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "pending") {
		t.Errorf("migrate status lists a pending migration:\n%s", r.stdout)
	}
	if n := strings.Count(r.stdout, " applied "); fmt.Sprint(n) != applied {
		t.Errorf("the first migrate applied %s, but status lists %d:\n%s", applied, n, r.stdout)
	}
}

func TestMigrateStatusOnEmptyDatabase(t *testing.T) {
	useDatabase(t, store.SQLite)
	r := mustSucceed(t, attache(t, nil, "migrate", "status"))
	if !regexp.MustCompile(`(?m)^00001\s+pending`).MatchString(r.stdout) {
		t.Errorf("status before migrate:\n%s", r.stdout)
	}
}

func TestUserAddWithPipedPassword(t *testing.T) {
	useDatabase(t, store.SQLite)
	checkUserAddPiped(t)
}

func checkUserAddPiped(t *testing.T) {
	t.Helper()
	// An *os.File pipe, as when a script runs `echo … | attache user add …`.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	if _, err := pw.WriteString("correct horse battery staple\n"); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := mustSucceed(t, attache(t, pr, "user", "add", "--email", "a@x.test", "--role", "admin"))
	if !strings.Contains(r.stdout, "created admin a@x.test") {
		t.Errorf("stdout = %q", r.stdout)
	}
	if strings.Contains(r.stdout, "one-time password") {
		t.Errorf("a piped password must not be replaced by a generated one: %q", r.stdout)
	}
	checkPassword(t, "a@x.test", domain.RoleAdmin, "correct horse battery staple")

	// Any other reader works the same way.
	mustSucceed(t, attache(t, strings.NewReader("another long password\r\n"), "user", "add", "--email", "b@x.test", "--role", "viewer"))
	checkPassword(t, "b@x.test", domain.RoleViewer, "another long password")

	// The same e-mail twice is refused.
	if r := attache(t, strings.NewReader("correct horse battery staple\n"), "user", "add", "--email", "A@x.test", "--role", "admin"); r.code != 1 {
		t.Errorf("duplicate user: exit code %d, want 1 (stderr %q)", r.code, r.stderr)
	}
}

func TestUserAddGeneratesPassword(t *testing.T) {
	useDatabase(t, store.SQLite)
	r := mustSucceed(t, attache(t, strings.NewReader(""), "user", "add", "--email", "o@x.test", "--role", "officer"))
	m := regexp.MustCompile(`one-time password \(shown once\): (\S+)\n`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no one-time password in %q", r.stdout)
	}
	checkPassword(t, "o@x.test", domain.RoleOfficer, m[1])
}

func TestUserAddBadRole(t *testing.T) {
	useDatabase(t, store.SQLite)
	r := attache(t, strings.NewReader("correct horse battery staple\n"), "user", "add", "--email", "a@x.test", "--role", "emperor")
	if r.code != 1 {
		t.Fatalf("exit code %d, want 1", r.code)
	}
	if !strings.Contains(r.stderr, "--role") {
		t.Fatalf("stderr should name --role: %q", r.stderr)
	}
	r = attache(t, strings.NewReader("correct horse battery staple\n"), "user", "add", "--role", "admin")
	if r.code != 1 || !strings.Contains(r.stderr, "--email") {
		t.Fatalf("missing e-mail: exit code %d, stderr %q; want 1 and a line naming --email", r.code, r.stderr)
	}
	r = attache(t, strings.NewReader("short\n"), "user", "add", "--email", "s@x.test", "--role", "admin")
	if r.code != 1 || !strings.Contains(r.stderr, "password") {
		t.Fatalf("short password: exit code %d, stderr %q; want 1 and a line naming the password", r.code, r.stderr)
	}
}

func TestTokenCreate(t *testing.T) {
	useDatabase(t, store.SQLite)
	mustSucceed(t, attache(t, strings.NewReader("correct horse battery staple\n"), "user", "add", "--email", "a@x.test", "--role", "officer"))
	r := mustSucceed(t, attache(t, nil, "token", "create", "--email", "a@x.test", "--name", "ci"))
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	token := lines[len(lines)-1]
	if token == "" || strings.ContainsAny(token, " \t") {
		t.Fatalf("the last line should be the token alone: %q", r.stdout)
	}
	u, err := openApp(t).Service.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatalf("the printed token does not authenticate: %v", err)
	}
	if u.Email != "a@x.test" || u.Role != domain.RoleOfficer {
		t.Errorf("token authenticates %s (%s)", u.Email, u.Role)
	}

	r = attache(t, nil, "token", "create", "--email", "nobody@x.test")
	if r.code != 1 || !strings.Contains(r.stderr, "--email") {
		t.Errorf("token for an unknown officer: exit code %d, stderr %q", r.code, r.stderr)
	}
	if r := attache(t, nil, "token", "create"); r.code != 2 {
		t.Errorf("token create without --email: exit code %d, want 2", r.code)
	}
}

// TestPostgres runs migrate and user add against PostgreSQL when it is available.
func TestPostgres(t *testing.T) {
	useDatabase(t, store.Postgres)
	checkMigrate(t)
	checkUserAddPiped(t)
}

func checkPassword(t *testing.T, email string, role domain.Role, password string) {
	t.Helper()
	u, err := openApp(t).Store.Q(context.Background()).GetUserByEmail(email)
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	if u.Role != role {
		t.Errorf("%s has role %s, want %s", email, u.Role, role)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)); err != nil {
		t.Errorf("%s: the stored hash does not match the password: %v", email, err)
	}
}
