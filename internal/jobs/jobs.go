// Package jobs runs Attaché's background work on River: sending invitations, updates,
// cancellations and reminders, and the periodic reminder scan. Workers are thin: each
// calls one service method, which owns the transactions and the rules (see
// internal/service/send.go). The client is generic over *sql.Tx for both databases
// (riverdatabasesql on PostgreSQL, riversqlite on SQLite), so that the service inserts
// jobs in its own transactions (store.Q.SQLTx) and a change and its job commit together.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/attache-app/attache/internal/service"
)

// MailWorkersPerConnection is how many mail workers `attache serve` runs for each SMTP
// connection (mail.smtp.max_connections): while one sends on it, the other plans its
// next job. A worker holds its connection until its message is recorded (a batch, until
// its last: service/send_batch.go), so a process killed mid-send still leaves at most
// one message per connection accepted by the server and not recorded, the only ones
// that can go out twice.
const MailWorkersPerConnection = 2

// Options configure the job runner.
type Options struct {
	// Postgres selects River's database/sql driver for PostgreSQL; otherwise the SQLite
	// driver, which must be given the store's single writer connection (store.DB), so
	// that River and the service's write transactions take turns on it.
	Postgres bool
	// Workers run fan-outs and scans (the default queue); MailWorkers send (the mail
	// queue). Senders share the transport's connections (mail.Lease), so more workers
	// than connections plan while others send. Zero means 4 and 2.
	Workers, MailWorkers int
	// FetchPollInterval is how often idle queues look for new jobs; 200 ms when zero.
	// There is no LISTEN/NOTIFY: polling is enough at our volumes and works on both
	// databases and behind connection poolers.
	FetchPollInterval time.Duration
	// RetryBase is the wait after a first failure; each further failure doubles it, up
	// to RetryMax. Zero means 30 s and 1 h: eight attempts span about an hour.
	RetryBase, RetryMax time.Duration
	// ReminderScanInterval is how often the leader scans for due reminders; zero turns
	// the periodic scan off.
	ReminderScanInterval time.Duration
	// JobTimeout bounds one job; zero means 2 minutes.
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before the leader puts it back in
	// the queue, for the jobs of a process that died; it must exceed JobTimeout, so that
	// a job still at work is never run twice at once. Zero means twice JobTimeout.
	RescueAfter time.Duration
	// Logger receives River's logs; nil discards them.
	Logger *slog.Logger
	// TestOnly skips River's start-up jitter, for tests.
	TestOnly bool
}

// Client runs the workers and inserts jobs. It satisfies service.Enqueuer.
type Client struct {
	river *river.Client[*sql.Tx]
}

// New builds the River client over db with the service's workers. It does not start.
func New(db *sql.DB, svc *service.Service, o Options) (*Client, error) {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.MailWorkers <= 0 {
		o.MailWorkers = 2
	}
	if o.FetchPollInterval <= 0 {
		o.FetchPollInterval = 200 * time.Millisecond
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 30 * time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = time.Hour
	}
	if o.JobTimeout <= 0 {
		o.JobTimeout = 2 * time.Minute
	}
	if o.RescueAfter <= 0 {
		o.RescueAfter = 2 * o.JobTimeout
	}
	if o.RescueAfter <= o.JobTimeout {
		return nil, fmt.Errorf("job queue: rescue after %s must exceed the job timeout %s", o.RescueAfter, o.JobTimeout)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &deliverWorker{svc: svc, retryAfter: o.RetryBase})
	river.AddWorker(workers, &announceWorker{svc: svc})
	river.AddWorker(workers, &remindWorker{svc: svc})
	river.AddWorker(workers, &scanWorker{svc: svc})
	cfg := &river.Config{
		Queues: map[string]river.QueueConfig{
			service.QueueDefault: {MaxWorkers: o.Workers},
			service.QueueMail:    {MaxWorkers: o.MailWorkers},
		},
		Workers: workers,
		// A worker that finishes fetches its next job at once: River fetches no more
		// jobs than there are free workers, so a longer cooldown caps each queue at
		// MaxWorkers jobs per cooldown (50 ms held sending to 40 messages a second).
		FetchCooldown:     min(time.Millisecond, o.FetchPollInterval),
		FetchPollInterval: o.FetchPollInterval,
		PollOnly:          true,
		MaxAttempts:       service.MaxMailAttempts,
		RetryPolicy:       &backoff{base: o.RetryBase, max: o.RetryMax},
		JobTimeout:        o.JobTimeout,
		// River's default is an hour; the rescuer (on the leader) looks every 30 s.
		RescueStuckJobsAfter: o.RescueAfter,
		Logger:               o.Logger,
		TestOnly:             o.TestOnly,
	}
	if o.ReminderScanInterval > 0 {
		cfg.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(o.ReminderScanInterval),
			func() (river.JobArgs, *river.InsertOpts) { return service.ScanRemindersArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true, ID: "scan_reminders"})}
	}
	var (
		rc  *river.Client[*sql.Tx]
		err error
	)
	if o.Postgres {
		rc, err = river.NewClient(riverdatabasesql.New(db), cfg)
	} else {
		rc, err = river.NewClient(riversqlite.New(db), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return &Client{river: rc}, nil
}

// Start runs the workers until Stop.
func (c *Client) Start(ctx context.Context) error {
	if err := c.river.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	return nil
}

// Stop lets running jobs finish until ctx ends, then cancels them (they are retried on
// the next start) and waits for the workers to return.
func (c *Client) Stop(ctx context.Context) error {
	err := c.river.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		hard, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = c.river.StopAndCancel(hard)
	}
	if err != nil {
		return fmt.Errorf("stop job queue: %w", err)
	}
	return nil
}

// InsertTx inserts a job in the caller's transaction (service.Enqueuer).
func (c *Client) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := c.river.InsertTx(ctx, tx, args, opts)
	return err
}

// Insert inserts a job on its own, for administrative use and tests.
func (c *Client) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := c.river.Insert(ctx, args, opts)
	return err
}

// backoff is exponential: base after the first failure, doubling, at most max. The wait
// counts from the start of the failed attempt: a quick failure (a 4xx reply) waits about
// all of it, while a job rescued from a process that died, which began at least
// RescueAfter ago, waits only what is left, if anything, of a pause meant for the mail
// server.
type backoff struct{ base, max time.Duration }

// NextRetry implements river.ClientRetryPolicy.
func (b *backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := b.base
	for i := 0; i < len(job.Errors) && d < b.max; i++ { // Errors holds the earlier failures
		d *= 2
	}
	from := time.Now()
	if job.AttemptedAt != nil && job.AttemptedAt.Before(from) {
		from = *job.AttemptedAt
	}
	return from.Add(min(d, b.max))
}
