package jobs

import (
	"context"
	"database/sql"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/attache-app/attache/internal/service"
)

// deliverWorker sends one guest the current state of one item, or a batch of guests
// their invitation.
type deliverWorker struct {
	river.WorkerDefaults[service.DeliverArgs]
	svc *service.Service
	// retryAfter is the runner's first backoff, after which a batch's message that
	// failed for now is tried again by a job of its own.
	retryAfter time.Duration
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[service.DeliverArgs]) error {
	at := attempt(job.JobRow.Attempt, job.JobRow.MaxAttempts)
	at.RetryAfter = w.retryAfter
	return w.svc.Deliver(ctx, job.Args, at, completer(job))
}

// announceWorker fans a change out to everyone concerned, after the quiet period.
type announceWorker struct {
	river.WorkerDefaults[service.ChangeArgs]
	svc *service.Service
}

func (w *announceWorker) Work(ctx context.Context, job *river.Job[service.ChangeArgs]) error {
	return w.svc.AnnounceChange(ctx, job.Args, completer(job))
}

// remindWorker sends one reserved reminder.
type remindWorker struct {
	river.WorkerDefaults[service.RemindArgs]
	svc *service.Service
}

func (w *remindWorker) Work(ctx context.Context, job *river.Job[service.RemindArgs]) error {
	return w.svc.Remind(ctx, job.Args, attempt(job.JobRow.Attempt, job.JobRow.MaxAttempts))
}

// scanWorker reserves the reminders that are due.
type scanWorker struct {
	river.WorkerDefaults[service.ScanRemindersArgs]
	svc *service.Service
}

func (w *scanWorker) Work(ctx context.Context, _ *river.Job[service.ScanRemindersArgs]) error {
	_, err := w.svc.ScanReminders(ctx)
	return err
}

func attempt(n, maxAttempts int) service.Attempt { return service.Attempt{Number: n, Max: maxAttempts} }

// completer completes the running job inside the service's transaction, with the
// transaction's context (which carries the job's values, River's client among them).
// The driver type only satisfies JobCompleteTx's signature: the work is done by the
// client found in ctx, whichever database it drives, since both drivers use *sql.Tx.
func completer[T river.JobArgs](job *river.Job[T]) service.CompleteTx {
	return func(ctx context.Context, tx *sql.Tx) error {
		_, err := river.JobCompleteTx[*riverdatabasesql.Driver, *sql.Tx, T](ctx, tx, job)
		return err
	}
}
