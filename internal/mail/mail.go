// Package mail composes Attaché's messages and hands them to a transport. A message is
// the invitation's letter (text and HTML in the guest's language) plus its calendar
// object, in the MIME shape calendar clients require (shared/interop.md §1.1):
//
//	multipart/mixed
//	├─ multipart/alternative
//	│  ├─ text/plain; charset=UTF-8
//	│  ├─ text/html; charset=UTF-8
//	│  └─ text/calendar; method=REQUEST; charset=UTF-8   (last)
//	└─ application/ics; name="invite.ics"                (attachment)
//
// Composition uses github.com/go-mail/mail/v2 behind the small types below, so the rest
// of Attaché never sees the library.
package mail

import (
	"context"
	"errors"
	"time"
)

// Address is a mailbox with an optional display name (any script; encoded per RFC 2047).
type Address struct {
	Name  string
	Email string
}

// Message is one e-mail to one recipient.
type Message struct {
	// MessageID is deterministic (invitation, kind, sequence), without angle brackets,
	// so that a retry after a crash sends the identical message.
	MessageID string
	From      Address
	To        Address
	Subject   string
	Date      time.Time
	Text      string
	HTML      string
	// Calendar is the iCalendar object and Method its METHOD (REQUEST or CANCEL); a
	// message without a calendar (a reminder) leaves both empty.
	Calendar []byte
	Method   string

	encoded []byte // Prepare's encoding, which Encode returns
}

// Kind is what a letter is about; it picks the template and the subject.
type Kind string

// Letter kinds.
const (
	KindInvitation       Kind = "invitation"
	KindUpdate           Kind = "update"
	KindCancellation     Kind = "cancellation"
	KindReminderDeadline Kind = "reminder_deadline"
	KindReminderEvent    Kind = "reminder_event"
)

// Letter is what the templates need to write one letter.
type Letter struct {
	Kind       Kind
	Language   string // BCP 47; the templates fall back to English
	Salutation string // the person's form of address in that language, may be empty
	GuestName  string
	Honorific  string
	Title      string // event or session title
	Ordinal    int    // anniversary number, 0 when none
	Parent     string // for a session: its event's title
	Start, End time.Time
	Timezone   string // IANA zone the times are shown in
	Place      string
	RSVPURL    string
	FeedURL    string // webcal:// personal feed, may be empty
	Deadline   *time.Time
	Changes    []Change // for updates: what changed since the last message the guest got
	// Cancelled says why a cancellation is sent; CancelledItem (the item itself was
	// cancelled) when empty.
	Cancelled CancelReason
	Organizer string // the protocol office's name, for the signature
}

// CancelReason is why a guest is sent a cancellation: the letter says what happened, and
// only a cancelled item is called cancelled.
type CancelReason string

// Cancellation reasons.
const (
	// CancelledItem: the event or the session was cancelled.
	CancelledItem CancelReason = "cancelled"
	// CancelledWithdrawn: the guest's invitation was withdrawn; the event goes on. Their
	// links no longer answer, so the letter has none.
	CancelledWithdrawn CancelReason = "withdrawn"
	// CancelledNotTakingPart: the guest's delegation no longer takes part in the session,
	// which goes on.
	CancelledNotTakingPart CancelReason = "not_taking_part"
)

// Change is one changed item of an update: Field is "time", "place" or "status" (Compose
// writes its label in the letter's language); Old and New are already formatted for the
// reader (service formats times with internal/i18n).
type Change struct {
	Field    string
	Old, New string
}

// Transport delivers a message. Errors that are worth retrying (a 4xx reply, a network
// failure) satisfy IsTemporary; others (a 5xx reply) are permanent.
type Transport interface {
	Send(ctx context.Context, m *Message) error
	Close() error
}

// A Lease holds one of a transport's connections for several messages in a row, and
// sends each in two steps, so that the caller can do something between the server
// holding a message and the server accepting it: Attaché records the previous
// message's acceptance there (service/send_batch.go). While a Lease is held no other
// sender uses its connection; at most mail.smtp.max_connections are held at once.
type Lease interface {
	// Stage sends m up to its end (on SMTP the envelope, DATA and the body, without
	// the final "."): the server holds m and has not accepted it. An error means m was
	// not staged; the lease can stage the next message.
	Stage(ctx context.Context, m *Message) error
	// Finish ends the staged message and returns the server's verdict; nil means it
	// was accepted.
	Finish(ctx context.Context) error
	// Send is Stage and Finish at once.
	Send(ctx context.Context, m *Message) error
	// Release gives the connection back. A message staged and not finished is
	// abandoned, and the server discards it. Release may be called more than once.
	Release()
}

// Leaser is a transport that lends its connections (the SMTP transport).
type Leaser interface {
	Lease(ctx context.Context) (Lease, error)
}

// NewLease takes a lease of t, waiting for a free connection. A transport without
// connections to lend (the outbox, a test's) gets a lease whose Stage keeps the message
// and whose Finish sends it with t.Send.
func NewLease(ctx context.Context, t Transport) (Lease, error) {
	if l, ok := t.(Leaser); ok {
		return l.Lease(ctx)
	}
	return &sendLease{t: t}, nil
}

// sendLease is the lease of a transport that sends each message whole.
type sendLease struct {
	t      Transport
	staged *Message
}

func (l *sendLease) Stage(ctx context.Context, m *Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.staged = m
	return nil
}

func (l *sendLease) Finish(ctx context.Context) error {
	m := l.staged
	l.staged = nil
	if m == nil {
		return errors.New("mail: Finish without a staged message")
	}
	return l.t.Send(ctx, m)
}

func (l *sendLease) Send(ctx context.Context, m *Message) error { return l.t.Send(ctx, m) }
func (l *sendLease) Release()                                   { l.staged = nil }
