package service

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/attache-app/attache/internal/mail"
	"github.com/attache-app/attache/internal/store"
)

// Outbound mail goes through River jobs inserted in the transaction of the change that
// causes them (transactional outbox): a change committed always has its job, and a
// change rolled back never leaves one. The jobs are defined here, as plain arguments;
// internal/jobs registers the workers that call back into the service.
//
//	DeliverArgs      one guest, one item (the event or a session): bring the guest's
//	                 calendar entry up to date (invitation, update or cancellation)
//	ChangeArgs       an event or session changed: after the quiet period, a DeliverArgs
//	                 for everyone concerned; unique, so edits in the period add no job
//	RemindArgs       one reminder reserved by the scan
//	ScanRemindersArgs the periodic scan that reserves due reminders

// Queues. Sending has its own, sized to what the mail server accepts at once; fan-outs
// and scans are quick database work.
const (
	QueueMail    = "mail"
	QueueDefault = river.QueueDefault
)

// MaxMailAttempts caps the tries of a message: with exponential backoff the last one is
// about an hour after the first.
const MaxMailAttempts = 8

// uniqueStates are the job states in which a job with the same arguments makes a new
// one redundant. River requires available, pending, running and scheduled; retryable is
// added because a job waiting to retry reads the current state when it runs.
var uniqueStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}

// Enqueuer inserts a job inside the caller's transaction: *sql.Tx is the transaction of
// store.Q.SQLTx, so the job commits or rolls back with the change.
type Enqueuer interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error
}

// CompleteTx marks the running job completed inside tx. A worker that decides, in one
// transaction, that nothing more is to be done completes itself there, so that a change
// committed just after it can queue a fresh job instead of finding this one still
// running and being dropped as a duplicate. ctx is the transaction's: when a send's
// outcome is recorded it outlives the job's own (see recordContext). nil in tests that
// call the service directly.
type CompleteTx func(ctx context.Context, tx *sql.Tx) error

// Attempt says which try of a job this is, so that the last try of a temporary failure
// records the message as failed instead of leaving it pending. RetryAfter is the job
// runner's first backoff: a batch hands a message that failed for now to a job of its
// own that starts that much later; zero means 30 s.
type Attempt struct {
	Number, Max int
	RetryAfter  time.Duration
}

func (a Attempt) final() bool { return a.Max > 0 && a.Number >= a.Max }

func (a Attempt) retryDelay() time.Duration {
	if a.RetryAfter <= 0 {
		return 30 * time.Second
	}
	return a.RetryAfter
}

// DeliverArgs brings one guest's calendar entry for one item up to date. SessionID 0 is
// the event itself. Refresh, when not 0, is the received iTIP REFRESH (its inbound
// message id) that asked for the item again: the job sends the current state even when
// the guest's copy is current, under a Message-ID of that request's own.
//
// InvitationIDs instead makes the job a batch (send_batch.go): the event invitations of
// these guests, sent one after the other by one job, as QueueInvitations queues them.
type DeliverArgs struct {
	InvitationID  int64   `json:"invitation_id,omitempty"`
	SessionID     int64   `json:"session_id,omitempty"`
	Refresh       int64   `json:"refresh,omitempty"`
	InvitationIDs []int64 `json:"invitation_ids,omitempty"`
}

// ordinary is the delivery of the same guest and item that no REFRESH asked for.
func (a DeliverArgs) ordinary() DeliverArgs { a.Refresh = 0; return a }

// Kind names the job.
func (DeliverArgs) Kind() string { return "mail.deliver" }

// InsertOpts: one job per guest and item at a time; it decides what to send when it runs.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMail, MaxAttempts: MaxMailAttempts,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueStates}}
}

// ChangeArgs announces a significant change of an event (SessionID 0) or of one of its
// sessions to everyone concerned, once the quiet period after the first edit is over.
type ChangeArgs struct {
	EventID   int64 `json:"event_id"`
	SessionID int64 `json:"session_id,omitempty"`
}

// Kind names the job.
func (ChangeArgs) Kind() string { return "mail.announce_change" }

// InsertOpts: unique by item, so that further edits within the quiet period add nothing.
func (ChangeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: MaxMailAttempts,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueStates}}
}

// RemindArgs sends one reminder, reserved as an outbound message by the scan.
type RemindArgs struct {
	OutboundID int64 `json:"outbound_id"`
}

// Kind names the job.
func (RemindArgs) Kind() string { return "mail.remind" }

// InsertOpts: the reservation is unique in the database; the job is too, for tidiness.
func (RemindArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMail, MaxAttempts: MaxMailAttempts,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueStates}}
}

// ScanRemindersArgs is the periodic scan for due reminders.
type ScanRemindersArgs struct{}

// Kind names the job.
func (ScanRemindersArgs) Kind() string { return "mail.scan_reminders" }

// InsertOpts: one scan at a time across every process.
func (ScanRemindersArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 3,
		UniqueOpts: river.UniqueOpts{ByState: uniqueStates}}
}

// MailOptions configure outbound mail (Options.Mail). The app sets Queue and Transport
// when it starts the workers (SetQueue, SetTransport); until then nothing can be sent,
// and changes that would need a message fail rather than be silently lost.
type MailOptions struct {
	// From is the From header of every message (mail.from).
	From mail.Address
	// Transport delivers messages (mail.transport).
	Transport mail.Transport
	// Queue inserts jobs in the caller's transaction.
	Queue Enqueuer
	// QuietPeriod is how long after an edit its update waits, so that several edits
	// go out as one (mail.update_quiet_period).
	QuietPeriod time.Duration
	// DeadlineReminders are the offsets before the RSVP deadline at which guests who
	// have not answered are reminded (mail.reminders.deadline_offsets).
	DeadlineReminders []time.Duration
	// EventReminder is the offset before the event at which guests who accepted are
	// reminded; 0 sends none (mail.reminders.event_offset).
	EventReminder time.Duration
}

var (
	errNoQueue     = errors.New("outbound mail is not configured: no job queue (start `attache serve`)")
	errNoTransport = errors.New("outbound mail is not configured: no transport")
)

// mailOpts returns the mail settings, creating empty ones on first use so that the
// setters work on a service built without them.
func (s *Service) mailOpts() *MailOptions {
	if s.opt.Mail == nil {
		s.opt.Mail = &MailOptions{}
	}
	return s.opt.Mail
}

// SetQueue wires the job queue. Call it before serving requests.
func (s *Service) SetQueue(e Enqueuer) { s.mailOpts().Queue = e }

// SetTransport wires the mail transport. Call it before the workers start.
func (s *Service) SetTransport(t mail.Transport) { s.mailOpts().Transport = t }

// quietPeriod is the configured quiet period; two minutes when unset.
func (s *Service) quietPeriod() time.Duration {
	if s.opt.Mail == nil || s.opt.Mail.QuietPeriod <= 0 {
		return 2 * time.Minute
	}
	return s.opt.Mail.QuietPeriod
}

// jobArgs are job arguments that carry their own insert options.
type jobArgs interface {
	river.JobArgs
	InsertOpts() river.InsertOpts
}

// enqueue inserts a job in q's transaction, to run at once or, when at is not zero, at
// that time.
func (s *Service) enqueue(ctx context.Context, q *store.Q, args jobArgs, at time.Time) error {
	if s.opt.Mail == nil || s.opt.Mail.Queue == nil {
		return errNoQueue
	}
	tx := q.SQLTx()
	if tx == nil {
		return errors.New("enqueue: not inside a transaction")
	}
	opts := args.InsertOpts()
	if !at.IsZero() {
		opts.ScheduledAt = at
	}
	if err := s.opt.Mail.Queue.InsertTx(ctx, tx, args, &opts); err != nil {
		return err
	}
	return nil
}

// completeIn completes the running job inside q's transaction, when there is one.
func completeIn(ctx context.Context, q *store.Q, complete CompleteTx) error {
	if complete == nil {
		return nil
	}
	tx := q.SQLTx()
	if tx == nil {
		return errors.New("complete job: not inside a transaction")
	}
	if err := complete(ctx, tx); err != nil {
		return fmt.Errorf("complete job: %w", err)
	}
	return nil
}
