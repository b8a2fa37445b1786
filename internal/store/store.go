// Package store persists the domain with GORM on SQLite (embedded) and PostgreSQL
// (production). Row structs are private to this package so that domain carries no tags;
// every query runs with the caller's context; transactions go through InTx.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	sqlite "github.com/libtnb/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the database family.
type Dialect string

// Dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options configures Open.
type Options struct {
	URL          string // sqlite://PATH or postgres://…
	MaxOpenConns int
	Logger       *slog.Logger
}

// Store holds the database handles. On SQLite, writes (and River) share one connection,
// since SQLite has one writer, and reads use a small pool of their own so that page views
// never wait behind the queue. On PostgreSQL both are the same pool.
type Store struct {
	Dialect Dialect
	w       *gorm.DB
	r       *gorm.DB
	wSQL    *sql.DB
	rSQL    *sql.DB
	log     *slog.Logger
	// writerStmts are statements prepared once on SQLite's writer (see prepare).
	writerStmts preparedStmts
}

// Open connects to the database named by opts.URL. It does not migrate.
func Open(ctx context.Context, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	gcfg := &gorm.Config{
		TranslateError: true,
		Logger:         logger.Discard,
		NowFunc:        func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	s := &Store{log: log}
	switch {
	case strings.HasPrefix(opts.URL, "sqlite://"):
		path := strings.TrimPrefix(opts.URL, "sqlite://")
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create database folder %s: %w", dir, err)
			}
		}
		// busy_timeout lets a reader wait for a checkpoint; _txlock=immediate takes the
		// write lock at BEGIN so two writers never deadlock upgrading a read lock. Times
		// are written as text in the format the files made before have
		// ("2006-01-02 15:04:05.999999999-07:00", which sorts as time does for UTC
		// values), and read back as times only from columns declared DATETIME or the
		// like: _texttotime and _inttotime are off, so that an expression's text stays
		// text.
		dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
			"&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite&_texttotime=0&_inttotime=0"
		w, err := gorm.Open(sqlite.Open(dsn), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		// SQLite spends as long compiling a statement as running a small one, and the
		// driver (modernc.org/sqlite) keeps a statement compiled while database/sql keeps
		// it prepared: on the readers (feeds, pages), gorm's PrepareStmt keeps them per
		// SQL text, a bounded number (lists of ids make texts that differ by their
		// length). Not on the writer: application code writes only in transactions, and
		// database/sql prepares a transaction's statements on it again each time (see
		// prepare for the few kept there). PostgreSQL's driver (pgx) keeps its own per
		// connection.
		rcfg := *gcfg
		rcfg.PrepareStmt, rcfg.PrepareStmtMaxSize, rcfg.PrepareStmtTTL = true, preparedMax, time.Hour
		r, err := gorm.Open(sqlite.Open(dsn+"&_pragma=query_only(1)"), &rcfg)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s for reading: %w", path, err)
		}
		s.Dialect, s.w, s.r = SQLite, w, r
		if s.wSQL, err = w.DB(); err != nil {
			return nil, err
		}
		if s.rSQL, err = r.DB(); err != nil {
			return nil, err
		}
		s.wSQL.SetMaxOpenConns(1)
		s.rSQL.SetMaxOpenConns(4)
		s.rSQL.SetMaxIdleConns(4)
	case strings.HasPrefix(opts.URL, "postgres://"), strings.HasPrefix(opts.URL, "postgresql://"):
		db, err := gorm.Open(postgres.Open(opts.URL), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		s.Dialect, s.w, s.r = Postgres, db, db
		if s.wSQL, err = db.DB(); err != nil {
			return nil, err
		}
		s.rSQL = s.wSQL
		if opts.MaxOpenConns > 0 {
			s.wSQL.SetMaxOpenConns(opts.MaxOpenConns)
		}
		// Keep the connections a busy moment opened (database/sql keeps only 2 idle by
		// default): a new one costs a server process and its statements prepared again,
		// and under load they were closed and opened again all the time. Quiet ones
		// close after a while.
		s.wSQL.SetMaxIdleConns(max(opts.MaxOpenConns, 2))
		s.wSQL.SetConnMaxIdleTime(5 * time.Minute)
	default:
		return nil, fmt.Errorf("database url: want sqlite://PATH or postgres://…")
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.wSQL.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Close releases the connections.
func (s *Store) Close() error {
	err := s.writerStmts.close()
	err = errors.Join(err, s.wSQL.Close())
	if s.rSQL != s.wSQL {
		err = errors.Join(err, s.rSQL.Close())
	}
	return err
}

// DB is the writer's database/sql handle, for River and goose.
func (s *Store) DB() *sql.DB { return s.wSQL }

// Q reads outside a transaction.
func (s *Store) Q(ctx context.Context) *Q { return &Q{db: s.r.WithContext(ctx), dialect: s.Dialect} }

// InTx runs fn in one write transaction: everything fn did is committed together or not
// at all. Errors from fn come back unchanged, so domain errors keep their meaning.
func (s *Store) InTx(ctx context.Context, fn func(q *Q) error) error {
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&Q{db: tx, dialect: s.Dialect})
	})
}

// Q runs queries on a connection or inside a transaction. All methods of the stores
// hang off it, so a service composes them freely inside one InTx.
type Q struct {
	db      *gorm.DB
	dialect Dialect
}

// PlanForValues makes PostgreSQL plan the transaction's remaining statements for the
// values they are given (plan_cache_mode = force_custom_plan, for this transaction
// only). pgx prepares each statement once per connection, and PostgreSQL may then keep
// a generic plan made while a table was small: during a first large mailing the batch
// plan's lookups in outbound_messages, by Message-ID and by invitation, kept the whole-
// table scans chosen while it was empty (4–8 ms a batch at 10,000 rows instead of
// 0.2 ms). Planning every statement of every transaction instead cost a fifth of the
// send path's speed, hence only where those lookups run. Nothing on SQLite.
func (q *Q) PlanForValues() error {
	if q.dialect != Postgres {
		return nil
	}
	return q.db.Exec("SET LOCAL plan_cache_mode = force_custom_plan").Error
}

// SQLTx is the transaction's database/sql handle, for River's InsertTx; nil outside a
// transaction.
func (q *Q) SQLTx() *sql.Tx {
	tx, _ := q.db.Statement.ConnPool.(*sql.Tx)
	return tx
}

// translate maps driver errors to domain errors once, for both dialects. SQLite reports
// an ON DELETE RESTRICT violation as SQLITE_CONSTRAINT_TRIGGER (1811), which gorm's
// translator does not recognise, so it is matched here too.
func translate(err error, what string) error {
	var coded interface{ Code() int }
	switch {
	case err == nil:
		return nil
	case errors.As(err, &coded) && coded.Code() == sqliteConstraintTrigger && strings.Contains(err.Error(), "FOREIGN KEY"):
		return domainConflict("", "%s is still referenced by other records", what)
	case errors.Is(err, gorm.ErrRecordNotFound):
		return domainNotFound(what)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return domainConflict("", "%s already exists", what)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return domainConflict("", "%s is still referenced by other records, or refers to one that does not exist", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}
