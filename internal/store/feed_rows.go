package store

import "time"

// feedTokenRow mirrors migrations/*/00003_feed_tokens.sql. Lookup is the hex SHA-256 of
// the token; the token itself is never stored.
type feedTokenRow struct {
	ID           int64 `gorm:"primaryKey"`
	Scope        string
	PersonID     *int64
	DelegationID *int64
	EventID      *int64
	UserID       *int64
	InvitationID *int64
	Name         string
	Lookup       string
	CreatedBy    *int64
	CreatedAt    time.Time
	RevokedAt    *time.Time
}

func (feedTokenRow) TableName() string { return "feed_tokens" }
