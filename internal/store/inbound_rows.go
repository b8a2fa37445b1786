package store

import "time"

// inboundMessageRow mirrors migrations/*/00005_inbound.sql: one received message.
type inboundMessageRow struct {
	ID           int64 `gorm:"primaryKey"`
	MessageID    string
	Source       string
	FromAddr     string
	Subject      string
	Size         int
	ReceivedAt   time.Time
	Kind         string
	Outcome      string
	Reason       string
	InvitationID *int64
	EventID      *int64
	UID          string `gorm:"column:uid"`
	Sequence     int
	Dtstamp      *time.Time
	Attendee     string
	Partstat     string
	ProposedTo   string
	Proposal     string
	Comment      string
	ResolvedBy   *int64
	ResolvedAt   *time.Time
	Raw          []byte
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (inboundMessageRow) TableName() string { return "inbound_messages" }
