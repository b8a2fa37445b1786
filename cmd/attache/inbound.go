package main

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/attache-app/attache/internal/app"
	"github.com/attache-app/attache/internal/service"
)

// Exit codes of `attache inbound`, from sysexits.h, which MTAs read: on 75 Postfix,
// Exim and sendmail keep the message and retry; on any other failure they bounce it.
const (
	exitDataErr  = 65 // the input is not a message we can take: bounce
	exitTempFail = 75 // could not record it now: retry later
)

// exitError carries the exit code for a failure that an MTA must tell apart.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func tempFail(err error) error { return &exitError{code: exitTempFail, err: err} }

// inboundCmd reads one raw message on stdin (an MTA's pipe delivery) and hands it to
// the intake. It succeeds once the message is recorded, whatever the outcome, and prints
// the outcome and its reason on one line.
func inboundCmd(ctx context.Context, a *app.App, stdin io.Reader, stdout io.Writer) error {
	if err := a.EnsureMigrated(ctx); err != nil {
		return tempFail(err)
	}
	limit := a.Config.Inbound.MaxSize
	raw, err := io.ReadAll(io.LimitReader(stdin, limit+1))
	if err != nil {
		return tempFail(fmt.Errorf("read the message from stdin: %w", err))
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return &exitError{code: exitDataErr, err: fmt.Errorf("inbound: no message on stdin")}
	}
	if int64(len(raw)) > limit {
		return &exitError{code: exitDataErr, err: fmt.Errorf("inbound: the message is larger than inbound.max_size (%d bytes)", limit)}
	}
	m, err := a.Service.Intake(service.WithActor(ctx, service.Actor{Name: "attache inbound"}), raw, "stdin")
	if err != nil {
		return tempFail(fmt.Errorf("inbound: the message was not recorded: %w", err))
	}
	line := fmt.Sprintf("%s (inbound message %d, %s)", m.Outcome, m.ID, m.Kind)
	if m.Reason != "" {
		line += ": " + m.Reason
	}
	fmt.Fprintln(stdout, line)
	return nil
}
