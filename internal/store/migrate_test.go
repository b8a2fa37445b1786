package store_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

func TestMigrateTwiceIsNoOp(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			st := storetest.OpenEmpty(t, d)
			n, err := st.Migrate(ctx)
			if err != nil {
				t.Fatalf("first migrate: %v", err)
			}
			if n < 2 {
				t.Fatalf("first migrate applied %d migrations, want at least 2 (schema and River's tables)", n)
			}
			n, err = st.Migrate(ctx)
			if err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			if n != 0 {
				t.Fatalf("second migrate applied %d migrations, want 0", n)
			}
		})
	}
}

func TestMigrationStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		states, err := st.MigrationStatus(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		applied := map[int64]bool{}
		for _, s := range states {
			if !s.Applied {
				t.Errorf("migration %d (%s) is pending after migrate", s.Version, s.Source)
			}
			applied[s.Version] = s.Applied
		}
		for _, v := range []int64{1, 2} {
			if !applied[v] {
				t.Errorf("version %d is not listed as applied: %+v", v, states)
			}
		}
	})
}

func TestMigrationsCurrent(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			st := storetest.OpenEmpty(t, d)
			ok, err := st.MigrationsCurrent(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				t.Fatal("an empty database reports its migrations current")
			}
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if ok, err = st.MigrationsCurrent(ctx); err != nil || !ok {
				t.Fatalf("after migrate: current=%v err=%v", ok, err)
			}
		})
	}
}

// TestRiverMigrationsPinned fails when the River in go.mod ships migrations beyond the
// versions goose migration 2 applies. A River upgrade must come with a new goose
// migration that takes River's tables to its new version (and a raised pin), so that
// the schema never changes behind goose's back.
func TestRiverMigrationsPinned(t *testing.T) {
	latest := func(t *testing.T, versions []rivermigrate.Migration) int {
		t.Helper()
		if len(versions) == 0 {
			t.Fatal("River reports no migrations")
		}
		return versions[len(versions)-1].Version
	}
	pg, err := rivermigrate.New(riverdatabasesql.New(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := latest(t, pg.AllVersions()); got != store.RiverTargetPostgres {
		t.Errorf("River's PostgreSQL driver ships migrations up to version %d, but RiverTargetPostgres is %d: "+
			"write a goose migration that runs River's migrator to %d and raise the pin", got, store.RiverTargetPostgres, got)
	}
	lite, err := rivermigrate.New(riversqlite.New((*sql.DB)(nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := latest(t, lite.AllVersions()); got != store.RiverTargetSQLite {
		t.Errorf("River's SQLite driver ships migrations up to version %d, but RiverTargetSQLite is %d: "+
			"write a goose migration that runs River's migrator to %d and raise the pin", got, store.RiverTargetSQLite, got)
	}
}

// TestRiverTablesMigrated checks that migrate creates River's queue tables at the pinned
// version, so that the job queue works on a freshly migrated database.
func TestRiverTablesMigrated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		db := st.Gorm()
		for _, table := range []string{"river_job", "river_migration", "river_queue", "river_leader"} {
			if !db.Migrator().HasTable(table) {
				t.Errorf("table %s is missing after migrate", table)
			}
		}
		var version int
		if err := db.Raw(`SELECT max(version) FROM river_migration WHERE line = 'main'`).Scan(&version).Error; err != nil {
			t.Fatal(err)
		}
		want := store.RiverTargetSQLite
		if st.Dialect == store.Postgres {
			want = store.RiverTargetPostgres
		}
		if version != want {
			t.Errorf("River's tables are at version %d, want the pinned %d", version, want)
		}
	})
}
