// Package storetest hands tests a migrated database: SQLite always, PostgreSQL when
// ATTACHE_TEST_POSTGRES_URL is set (each test in a database of its own, dropped after).
// ATTACHE_TEST_REQUIRE=postgres turns the PostgreSQL skip into a failure, as in CI.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the admin connection that creates test databases

	"github.com/attache-app/attache/internal/store"
)

// Required reports whether ATTACHE_TEST_REQUIRE names what (postgres, browser).
func Required(what string) bool {
	for _, r := range strings.Split(os.Getenv("ATTACHE_TEST_REQUIRE"), ",") {
		if strings.TrimSpace(r) == what {
			return true
		}
	}
	return false
}

// Dialects are the databases this run tests against.
func Dialects(t testing.TB) []store.Dialect {
	ds := []store.Dialect{store.SQLite}
	if os.Getenv("ATTACHE_TEST_POSTGRES_URL") != "" {
		ds = append(ds, store.Postgres)
	} else if Required("postgres") {
		t.Fatal("ATTACHE_TEST_REQUIRE=postgres but ATTACHE_TEST_POSTGRES_URL is not set")
	}
	return ds
}

// Each runs fn as a subtest on every dialect, each with a fresh migrated store.
func Each(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, d := range Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a fresh migrated store of the given dialect, closed when the test ends.
func Open(t testing.TB, d store.Dialect) *store.Store {
	t.Helper()
	st := OpenEmpty(t, d)
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return st
}

// URL returns a database URL for a fresh, empty database of the dialect, removed when the
// test ends. Tests that run the binary or app.Open use it.
func URL(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.SQLite {
		return "sqlite://" + filepath.Join(t.TempDir(), "attache.db")
	}
	admin := os.Getenv("ATTACHE_TEST_POSTGRES_URL")
	if admin == "" {
		if Required("postgres") {
			t.Fatal("ATTACHE_TEST_REQUIRE=postgres but ATTACHE_TEST_POSTGRES_URL is not set")
		}
		t.Skip("ATTACHE_TEST_POSTGRES_URL not set")
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "attache_test_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("connect to %s: %v", admin, err)
	}
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		db.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		db.Close()
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse ATTACHE_TEST_POSTGRES_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// OpenEmpty returns a store on a fresh, unmigrated database.
func OpenEmpty(t testing.TB, d store.Dialect) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{URL: URL(t, d)})
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
