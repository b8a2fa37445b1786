package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/attache-app/attache/migrations"
)

// River's own tables are created by goose migration 2, which runs River's migrator inside
// goose's transaction up to a pinned version. Pinning keeps a River upgrade from changing
// the schema behind goose's back: a newer River with new migrations needs a new goose
// migration, and TestRiverMigrationsPinned fails until it is written.
const (
	riverVersion         = 2
	RiverTargetPostgres  = 8
	RiverTargetSQLite    = 8
	migrationsTableGoose = "goose_db_version"
)

// MigrationState is one migration's version, name and whether it has been applied.
type MigrationState struct {
	Version int64
	Source  string
	Applied bool
}

func (s *Store) provider() (*goose.Provider, error) {
	var (
		dialect goose.Dialect
		sub     string
		opts    []goose.ProviderOption
		target  int
	)
	switch s.Dialect {
	case Postgres:
		dialect, sub, target = goose.DialectPostgres, "postgres", RiverTargetPostgres
		// Several instances may start at once against one database: a session lock makes
		// exactly one of them migrate while the others wait.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	default:
		dialect, sub, target = goose.DialectSQLite3, "sqlite", RiverTargetSQLite
	}
	fsys, err := fs.Sub(migrations.FS, sub)
	if err != nil {
		return nil, err
	}
	// River's PostgreSQL migrations add enum values and then use them, which PostgreSQL
	// refuses inside one transaction: there River runs each of its versions in its own
	// transaction and records it in river_migration, so a crash midway resumes cleanly.
	// SQLite has a single write connection, which goose's transaction holds, so there
	// River migrates inside that transaction.
	up := &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		return s.riverMigrate(ctx, tx, rivermigrate.DirectionUp, target)
	}}
	down := &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		return s.riverMigrate(ctx, tx, rivermigrate.DirectionDown, -1)
	}}
	if s.Dialect == Postgres {
		up = &goose.GoFunc{RunDB: func(ctx context.Context, _ *sql.DB) error {
			return s.riverMigrate(ctx, nil, rivermigrate.DirectionUp, target)
		}}
		down = &goose.GoFunc{RunDB: func(ctx context.Context, _ *sql.DB) error {
			return s.riverMigrate(ctx, nil, rivermigrate.DirectionDown, -1)
		}}
	}
	river := goose.NewGoMigration(riverVersion, up, down)
	opts = append(opts, goose.WithGoMigrations(river), goose.WithDisableGlobalRegistry(true))
	return goose.NewProvider(dialect, s.wSQL, fsys, opts...)
}

func (s *Store) riverMigrate(ctx context.Context, tx *sql.Tx, dir rivermigrate.Direction, target int) error {
	var driver = riversqlite.New(s.wSQL)
	m, err := rivermigrate.New(driver, nil)
	if s.Dialect == Postgres {
		m, err = rivermigrate.New(riverdatabasesql.New(s.wSQL), nil)
	}
	if err == nil {
		opts := &rivermigrate.MigrateOpts{TargetVersion: target}
		if tx != nil {
			_, err = m.MigrateTx(ctx, tx, dir, opts)
		} else {
			_, err = m.Migrate(ctx, dir, opts)
		}
	}
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// Migrate applies every pending migration, River's included, and returns how many ran.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	p, err := s.provider()
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate: %w", err)
	}
	for _, r := range res {
		s.log.Info("migration applied", "version", r.Source.Version, "source", r.Source.Path, "duration", r.Duration)
	}
	return len(res), nil
}

// MigrationStatus lists every migration and whether it is applied.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	p, err := s.provider()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationState, 0, len(st))
	for _, m := range st {
		src := m.Source.Path
		if src == "" {
			src = "river queue tables"
		}
		out = append(out, MigrationState{Version: m.Source.Version, Source: src, Applied: m.State == goose.StateApplied})
	}
	return out, nil
}

// MigrationsCurrent reports whether no migration is pending (for /readyz).
func (s *Store) MigrationsCurrent(ctx context.Context) (bool, error) {
	p, err := s.provider()
	if err != nil {
		return false, err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("check migrations: %w", err)
	}
	return !pending, nil
}
