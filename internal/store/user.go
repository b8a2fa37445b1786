package store

import (
	"time"

	"github.com/attache-app/attache/internal/domain"
)

func userFromRow(r *userRow) *domain.User {
	return &domain.User{ID: r.ID, Email: r.Email, Name: r.Name, Role: domain.Role(r.Role), Language: r.Language,
		PasswordHash: r.PasswordHash, Disabled: r.Disabled, CreatedAt: r.CreatedAt}
}

// CreateUser inserts u; a second user with the same e-mail is a conflict.
func (q *Q) CreateUser(u *domain.User) error {
	r := &userRow{Email: u.Email, Name: u.Name, Role: string(u.Role), Language: u.Language, PasswordHash: u.PasswordHash, Disabled: u.Disabled}
	if err := q.db.Create(r).Error; err != nil {
		return translate(err, "user "+u.Email)
	}
	u.ID, u.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// GetUser reads a user by id.
func (q *Q) GetUser(id int64) (*domain.User, error) {
	var r userRow
	if err := q.db.First(&r, id).Error; err != nil {
		return nil, translate(err, "user")
	}
	return userFromRow(&r), nil
}

// GetUserByEmail reads a user by (normalized) e-mail.
func (q *Q) GetUserByEmail(email string) (*domain.User, error) {
	var r userRow
	if err := q.db.Where("email = ?", email).First(&r).Error; err != nil {
		return nil, translate(err, "user")
	}
	return userFromRow(&r), nil
}

// CountUsers counts officer accounts (the first-run setup needs "none yet").
func (q *Q) CountUsers() (int64, error) {
	var n int64
	err := q.db.Model(&userRow{}).Count(&n).Error
	return n, translate(err, "users")
}

// CreateAPIToken stores a token's hash.
func (q *Q) CreateAPIToken(t *domain.APIToken) error {
	r := &apiTokenRow{UserID: t.UserID, Name: t.Name, Hash: t.Hash}
	if err := q.db.Create(r).Error; err != nil {
		return translate(err, "api token")
	}
	t.ID, t.CreatedAt = r.ID, r.CreatedAt
	return nil
}

// UserByTokenHash finds the active user owning the unrevoked token with this hash.
func (q *Q) UserByTokenHash(hash []byte) (*domain.User, *domain.APIToken, error) {
	var t apiTokenRow
	if err := q.db.Where("hash = ? AND revoked_at IS NULL", hash).First(&t).Error; err != nil {
		return nil, nil, translate(err, "api token")
	}
	u, err := q.GetUser(t.UserID)
	if err != nil {
		return nil, nil, err
	}
	if u.Disabled {
		return nil, nil, domain.NotFound("api token")
	}
	return u, &domain.APIToken{ID: t.ID, UserID: t.UserID, Name: t.Name, Hash: t.Hash, CreatedAt: t.CreatedAt,
		LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}, nil
}

// TouchAPIToken records when a token was last used, at most once a minute per token so
// that reads do not turn into writes.
func (q *Q) TouchAPIToken(id int64, now time.Time) error {
	err := q.db.Model(&apiTokenRow{}).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", id, now.Add(-time.Minute)).
		UpdateColumn("last_used_at", now).Error
	return translate(err, "api token")
}

// APITokenHashes returns every stored token hash, for the leaked-database test.
func (q *Q) APITokenHashes() ([][]byte, error) {
	var hs [][]byte
	err := q.db.Model(&apiTokenRow{}).Pluck("hash", &hs).Error
	return hs, translate(err, "api tokens")
}

// ListUsers lists every officer account by e-mail.
func (q *Q) ListUsers() ([]*domain.User, error) {
	var rows []userRow
	if err := q.db.Order("email").Find(&rows).Error; err != nil {
		return nil, translate(err, "users")
	}
	out := make([]*domain.User, len(rows))
	for i := range rows {
		out[i] = userFromRow(&rows[i])
	}
	return out, nil
}

// UpdateUser writes a user's name, role, language, disabled flag and password hash.
func (q *Q) UpdateUser(u *domain.User) error {
	err := q.db.Model(&userRow{ID: u.ID}).Select("name", "role", "language", "disabled", "password_hash", "updated_at").
		Updates(&userRow{Name: u.Name, Role: string(u.Role), Language: u.Language, Disabled: u.Disabled, PasswordHash: u.PasswordHash}).Error
	return translate(err, "user "+u.Email)
}

// LockFirstUser serialises the first-run setup across instances: inside a transaction,
// a second caller waits until the first commits and then sees its user. (SQLite's
// transactions already take the one write lock at BEGIN.)
func (q *Q) LockFirstUser() error {
	if q.dialect != Postgres {
		return nil
	}
	return translate(q.db.Exec("SELECT pg_advisory_xact_lock(?)", firstUserLockKey).Error, "first-user lock")
}

// firstUserLockKey is the advisory lock of the first-run setup ("attc" "user").
const firstUserLockKey int64 = 0x61747463_75736572
