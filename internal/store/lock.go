package store

import (
	"context"
	"database/sql/driver"
	"fmt"
)

// TryLock takes a session-level PostgreSQL advisory lock on key without waiting, on a
// connection of its own that stays open until release is called, so that a job which
// must run on one instance at a time (the IMAP poll) does, when several instances share
// the database. ok is false when another session holds it. On SQLite there is one
// process per database, so the lock is always granted. release is safe to call once;
// it is nil when ok is false.
func (s *Store) TryLock(ctx context.Context, key int64) (release func(), ok bool, err error) {
	if s.Dialect != Postgres {
		return func() {}, true, nil
	}
	conn, err := s.wSQL.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock %d: %w", key, err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
		conn.Close()
		return nil, false, fmt.Errorf("lock %d: %w", key, err)
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	return func() {
		// Unlocking on the same connection frees it for the pool; should that fail, the
		// connection is closed (discarded), which ends the session and its lock.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key); err != nil {
			s.log.Warn("advisory unlock failed; the connection is dropped", "key", key, "err", err)
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, true, nil
}
