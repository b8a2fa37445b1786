package service

import "context"

// Lock keys for work that must run on one instance at a time. They are arbitrary but
// fixed: every instance must use the same number for the same work.
const (
	// LockIMAPPoll serialises the IMAP poll across instances sharing a database.
	LockIMAPPoll int64 = 0x61747463_696d6170 // "attc" "imap"
)

// TryLock takes the lock named by key without waiting (a PostgreSQL advisory lock; on
// SQLite always granted, as there is one process). Callers outside the service (the
// IMAP poller) use it instead of the store, keeping the layers one-way.
func (s *Service) TryLock(ctx context.Context, key int64) (release func(), ok bool, err error) {
	return s.st.TryLock(ctx, key)
}
