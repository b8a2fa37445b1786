package app_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // a plain database/sql connection to the SQLite file

	"github.com/attache-app/attache/internal/app"
	"github.com/attache-app/attache/internal/config"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// newConfig loads the defaults with the database at dbURL, the secret key file in a
// temporary folder and any further ATTACHE_* settings.
func newConfig(t *testing.T, dbURL string, env ...string) *config.Config {
	t.Helper()
	env = append([]string{
		"ATTACHE_DATABASE_URL=" + dbURL,
		"ATTACHE_SECURITY_SECRET_KEY_FILE=" + filepath.Join(t.TempDir(), "secret.key"),
		"ATTACHE_MAIL_OUTBOX_DIR=" + filepath.Join(t.TempDir(), "outbox"),
	}, env...)
	cfg, err := config.Load("", env)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func open(t *testing.T, cfg *config.Config) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("app.Open: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func get(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// TestServe starts the real server (migrating on start, the default), checks health and
// readiness, and shuts it down by cancelling the context, as SIGTERM does.
func TestServe(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			addr := freeAddr(t)
			a := open(t, newConfig(t, storetest.URL(t, d), "ATTACHE_HTTP_ADDR="+addr, "ATTACHE_HTTP_SHUTDOWN_TIMEOUT=5s"))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- a.Serve(ctx) }()

			base := "http://" + addr
			waitUp(t, base+"/healthz", done)
			if code := get(t, base+"/healthz"); code != http.StatusOK {
				t.Errorf("/healthz = %d, want 200", code)
			}
			if code := get(t, base+"/readyz"); code != http.StatusOK {
				t.Errorf("/readyz = %d, want 200 (Serve migrates first)", code)
			}

			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Serve returned %v after cancel, want nil", err)
				}
			case <-time.After(15 * time.Second):
				t.Fatal("Serve did not return after its context was cancelled")
			}
			if _, err := http.Get(base + "/healthz"); err == nil {
				t.Error("the server still answers after shutdown")
			}
		})
	}
}

// waitUp polls url until the server answers, failing early if Serve returned.
func waitUp(t *testing.T, url string, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("Serve returned before answering: %v", err)
		default:
		}
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not answer within 30s", url)
}

// TestServeListenError: an address in use is an error naming http.addr, not a hang.
func TestServeListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a := open(t, newConfig(t, storetest.URL(t, store.SQLite), "ATTACHE_HTTP_ADDR="+ln.Addr().String()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = a.Serve(ctx)
	if err == nil || !strings.Contains(err.Error(), "http.addr") {
		t.Fatalf("Serve on a busy port: %v, want an error naming http.addr", err)
	}
}

// TestReadyzWaitsForMigrations: with auto-migration off, an instance on an unmigrated
// database is alive but not ready, and becomes ready once the migrations are applied.
func TestReadyzWaitsForMigrations(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			a := open(t, newConfig(t, storetest.URL(t, d), "ATTACHE_DATABASE_AUTO_MIGRATE=false"))
			srv := httptest.NewServer(a.Handler().Echo)
			defer srv.Close()
			if code := get(t, srv.URL+"/healthz"); code != http.StatusOK {
				t.Errorf("/healthz = %d, want 200", code)
			}
			if code := get(t, srv.URL+"/readyz"); code != http.StatusServiceUnavailable {
				t.Errorf("/readyz on an unmigrated database = %d, want 503", code)
			}
			if err := a.EnsureMigrated(context.Background()); err == nil || !strings.Contains(err.Error(), "attache migrate") {
				t.Errorf("EnsureMigrated with auto_migrate off: %v, want an error telling to run `attache migrate`", err)
			}
			if _, err := a.Store.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			if code := get(t, srv.URL+"/readyz"); code != http.StatusOK {
				t.Errorf("/readyz after migrate = %d, want 200", code)
			}
			if err := a.EnsureMigrated(context.Background()); err != nil {
				t.Errorf("EnsureMigrated after migrate: %v", err)
			}
		})
	}
}

// TestReadyzDatabaseDown: a database that stops answering makes the instance not ready.
func TestReadyzDatabaseDown(t *testing.T) {
	a, err := app.Open(context.Background(), newConfig(t, storetest.URL(t, store.SQLite)), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler().Echo)
	defer srv.Close()
	if code := get(t, srv.URL+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz = %d, want 200", code)
	}
	a.Close()
	if code := get(t, srv.URL+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database closed = %d, want 503", code)
	}
}

// TestSQLiteFile: the embedded database is a file in WAL mode, and the store's
// connections enforce foreign keys and wait for locks instead of failing at once.
func TestSQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "attache.db")
	a := open(t, newConfig(t, "sqlite://"+path))
	if err := a.EnsureMigrated(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}

	plain, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	var mode string
	if err := plain.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}

	var fk, busy int
	if err := a.Store.DB().QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if fk != 1 {
		t.Errorf("foreign_keys = %d on the store's connection, want 1", fk)
	}
	if err := a.Store.DB().QueryRow("PRAGMA busy_timeout").Scan(&busy); err != nil {
		t.Fatal(err)
	}
	if busy <= 0 {
		t.Errorf("busy_timeout = %d, want a wait", busy)
	}
	// Foreign keys are enforced, not only declared: a room in no venue is refused.
	_, err = a.Store.DB().Exec(`INSERT INTO rooms (venue_id, name, capacity, created_at, updated_at) VALUES (424242, 'Hall', 0, ?, ?)`, time.Now(), time.Now())
	if err == nil {
		t.Error("a row referring to a missing venue was stored: foreign keys are off")
	}
}

// TestSecretKeyFile: with no key configured, the first start writes one (mode 0600) and
// later starts read the same one.
func TestSecretKeyFile(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "keys", "secret.key")
	cfg := newConfig(t, storetest.URL(t, store.SQLite), "ATTACHE_SECURITY_SECRET_KEY_FILE="+keyFile)
	open(t, cfg)
	st, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("secret key file not written: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("secret key file mode %v, want 0600", st.Mode().Perm())
	}
	first, _ := os.ReadFile(keyFile)
	if len(strings.TrimSpace(string(first))) < 32 {
		t.Fatalf("generated key %q is too short", first)
	}
	open(t, cfg)
	again, _ := os.ReadFile(keyFile)
	if string(first) != string(again) {
		t.Error("a second start replaced the secret key")
	}

	// A key file too short to be safe stops the start, naming the setting.
	if err := os.WriteFile(keyFile, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != "security.secret_key_file" {
		t.Fatalf("short key file: %v, want a config error naming security.secret_key_file", err)
	}
}

// TestSessionCookieSecureWithHTTPS: an https http.base_url makes the officers' session
// cookie Secure; the plain-http default does not (it would never come back).
func TestSessionCookieSecureWithHTTPS(t *testing.T) {
	for _, base := range []string{"https://attache.example.org", ""} {
		a := open(t, newConfig(t, storetest.URL(t, store.SQLite), "ATTACHE_HTTP_BASE_URL="+base))
		if _, err := a.Store.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(a.Handler().Echo)
		res, err := http.Get(srv.URL + "/login")
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var secure, found bool
		for _, c := range res.Cookies() {
			if c.Name == "attache_session" {
				found, secure = true, c.Secure
			}
		}
		if !found || secure != (base != "") {
			t.Fatalf("base URL %q: session cookie found=%v Secure=%v", base, found, secure)
		}
	}
}
