package store

import "time"

// outboundMessageRow mirrors migrations/*/00004_outbound.sql: one mail to one guest.
type outboundMessageRow struct {
	ID             int64 `gorm:"primaryKey"`
	InvitationID   int64
	SessionID      *int64
	Kind           string
	Sequence       int
	ReminderOffset int
	MessageID      string
	Recipient      string
	Status         string
	Attempts       int
	LastError      string
	ShownStartsAt  *time.Time
	ShownEndsAt    *time.Time
	ShownTimezone  string
	ShownPlace     string
	ShownStatus    string
	SentAt         *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (outboundMessageRow) TableName() string { return "outbound_messages" }
