package app

import (
	"context"
	"fmt"

	"github.com/attache-app/attache/internal/jobs"
	"github.com/attache-app/attache/internal/mail"
	"github.com/attache-app/attache/internal/store"
)

// StartJobs opens the mail transport chosen by mail.transport, builds the job runner on
// the store's writer (on SQLite its single connection, shared with the service's write
// transactions), wires both into the service and starts the workers. Call it after the
// migrations; stop must be called before the store closes: it lets running jobs finish
// within ctx, then closes the transport.
func (a *App) StartJobs(ctx context.Context) (stop func(ctx context.Context) error, err error) {
	tr, err := a.transport()
	if err != nil {
		return nil, err
	}
	mc := a.Config.Mail
	mailWorkers := a.Config.Jobs.Workers
	if mc.Transport == "smtp" {
		mailWorkers = jobs.MailWorkersPerConnection * mc.SMTPMaxConnections
	}
	jobTimeout := a.Config.Jobs.RescueAfter / 2
	if mc.Transport == "smtp" && jobTimeout < 2*mc.SMTPTimeout {
		a.Log.Warn("jobs.rescue_after is less than four times mail.smtp.timeout: a slow send is cancelled before the server times out",
			"rescue_after", a.Config.Jobs.RescueAfter, "smtp_timeout", mc.SMTPTimeout)
	}
	runner, err := jobs.New(a.Store.DB(), a.Service, jobs.Options{
		Postgres:             a.Store.Dialect == store.Postgres,
		Workers:              a.Config.Jobs.Workers,
		MailWorkers:          mailWorkers,
		ReminderScanInterval: mc.ReminderScanInterval,
		// A job is cancelled well before it could be rescued, so that a slow job is
		// never run twice at once.
		JobTimeout:  jobTimeout,
		RescueAfter: a.Config.Jobs.RescueAfter,
		Logger:      a.Log.With("component", "jobs"),
	})
	if err != nil {
		tr.Close()
		return nil, err
	}
	a.Service.SetTransport(tr)
	a.Service.SetQueue(runner)
	// The workers stop when stop is called, not when ctx ends, so that requests still
	// being answered during shutdown find the queue working.
	if err := runner.Start(context.WithoutCancel(ctx)); err != nil {
		tr.Close()
		return nil, err
	}
	a.Log.Info("job queue started", "transport", mc.Transport, "mail_workers", mailWorkers)
	return func(ctx context.Context) error {
		err := runner.Stop(ctx)
		if cerr := tr.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close mail transport: %w", cerr)
		}
		return err
	}, nil
}

// transport opens the configured mail transport.
func (a *App) transport() (mail.Transport, error) {
	mc := a.Config.Mail
	if mc.Transport == "smtp" {
		return mail.NewSMTP(mail.SMTPOptions{Host: mc.SMTPHost, Port: mc.SMTPPort, TLS: mc.SMTPTLS,
			Username: mc.SMTPUsername, Password: mc.SMTPPassword, MaxConnections: mc.SMTPMaxConnections,
			Timeout: mc.SMTPTimeout})
	}
	return mail.NewFile(mc.OutboxDir)
}
