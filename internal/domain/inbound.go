package domain

import "time"

// Intake is what the intake did with a received message.
type Intake string

// Intake outcomes. Held messages wait for an officer, who applies or dismisses them.
const (
	IntakeApplied   Intake = "applied"
	IntakeIgnored   Intake = "ignored"
	IntakeHeld      Intake = "held"
	IntakeRejected  Intake = "rejected"
	IntakeDismissed Intake = "dismissed"
)

// InboundKind is what a received message turned out to be.
type InboundKind string

// Inbound kinds.
const (
	InboundReply     InboundKind = "reply"     // iTIP REPLY
	InboundCounter   InboundKind = "counter"   // iTIP COUNTER: a proposed new time
	InboundRefresh   InboundKind = "refresh"   // iTIP REFRESH: send the current invitation again
	InboundDelegated InboundKind = "delegated" // a REPLY delegating to someone else
	InboundBounce    InboundKind = "bounce"    // delivery-status notification
	InboundAutoReply InboundKind = "autoreply" // out of office and the like
	InboundOther     InboundKind = "other"     // not a calendar message
)

// InboundMessage is one message received by any way in (SMTP, IMAP, stdin, API), with
// what the intake made of it. Raw keeps the bytes (size-capped) for review and replay.
type InboundMessage struct {
	ID           int64       `json:"id"`
	MessageID    string      `json:"message_id"`
	Source       string      `json:"source"` // smtp, lmtp, imap, stdin, api, upload
	From         string      `json:"from"`
	Subject      string      `json:"subject"`
	Size         int         `json:"size"`
	ReceivedAt   time.Time   `json:"received_at"`
	Kind         InboundKind `json:"kind"`
	Outcome      Intake      `json:"outcome"`
	Reason       string      `json:"reason"`
	InvitationID *int64      `json:"invitation_id"`
	EventID      *int64      `json:"event_id"`
	// Attendee and PartStat are what the reply said, for an officer judging a held one.
	Attendee   string `json:"attendee"`
	PartStat   string `json:"partstat"`
	ProposedTo string `json:"proposed_to,omitempty"` // DELEGATED-TO address
	Proposal   string `json:"proposal,omitempty"`    // COUNTER: proposed start/end, comment
	// UID and Sequence are the calendar object's; Stamp orders replies of one SEQUENCE
	// (DTSTAMP, else the Date header, else the receive time).
	UID      string     `json:"uid,omitempty"`
	Sequence int        `json:"sequence"`
	Stamp    *time.Time `json:"dtstamp,omitempty"`
	// Comment is the guest's COMMENT or X-RESPONSE-COMMENT, kept with no state change.
	Comment    string     `json:"comment,omitempty"`
	ResolvedBy *int64     `json:"resolved_by"`
	ResolvedAt *time.Time `json:"resolved_at"`
	Raw        []byte     `json:"-"`
}
