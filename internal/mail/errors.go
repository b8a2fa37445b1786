package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/emersion/go-smtp"
)

// SendError is a failed delivery attempt. Temporary errors (a 4xx reply, a network
// failure or timeout) are worth retrying; permanent ones (a 5xx reply, a refused
// configuration) are not. Code is the server's reply code, 0 when there was no reply;
// Message is the server's text ("5.1.1 mailbox unavailable") or what went wrong.
type SendError struct {
	Temporary bool
	Code      int
	Message   string

	stage string // the SMTP step that failed, for Error
	err   error  // the underlying error, for errors.Is and errors.As
}

func (e *SendError) Error() string {
	s := "mail: smtp"
	if e.stage != "" {
		s += " " + e.stage
	}
	if e.Code != 0 {
		return fmt.Sprintf("%s: %d %s", s, e.Code, e.Message)
	}
	return s + ": " + e.Message
}

func (e *SendError) Unwrap() error { return e.err }

// IsTemporary reports whether err is worth retrying: a SendError marked temporary, or
// a network error, timeout or cancellation that reached the caller unwrapped. Refused
// messages (ErrInvalid) and other errors are permanent.
func IsTemporary(err error) bool {
	if err == nil {
		return false
	}
	var se *SendError
	if errors.As(err, &se) {
		return se.Temporary
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// IsSetup reports whether err is a refusal met while setting up the connection (TLS,
// STARTTLS, EHLO, AUTH): the transport's configuration or the server's state, not
// anything about the message, which would meet the same refusal on every message.
func IsSetup(err error) bool {
	var se *SendError
	if !errors.As(err, &se) {
		return false
	}
	switch se.stage {
	case "TLS", "STARTTLS", "EHLO", "AUTH":
		return true
	}
	return false
}

// ErrClosed is returned by Send after Close. It is temporary: the job will find an open
// transport when the process comes back.
var ErrClosed = errors.New("mail: transport closed")

// sendError classifies err from one SMTP step. A reply code decides when there is one
// (4xx temporary, anything else permanent); a certificate the client can not verify is a
// configuration problem and permanent; everything else (refused or dropped connections,
// timeouts, EOF) is temporary.
func sendError(stage string, err error) error {
	if err == nil {
		return nil
	}
	var se *SendError
	if errors.As(err, &se) {
		return err
	}
	var reply *smtp.SMTPError
	if errors.As(err, &reply) {
		text := reply.Message
		if c := reply.EnhancedCode; c != smtp.EnhancedCodeNotSet && c != smtp.NoEnhancedCode {
			text = fmt.Sprintf("%d.%d.%d %s", c[0], c[1], c[2], reply.Message)
		}
		return &SendError{Temporary: reply.Code/100 == 4, Code: reply.Code, Message: text, stage: stage, err: err}
	}
	var (
		unknownCA *x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
	)
	if errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &verify) {
		return &SendError{Temporary: false, Message: err.Error(), stage: stage, err: err}
	}
	return &SendError{Temporary: true, Message: err.Error(), stage: stage, err: err}
}

// permanent is a refusal of ours (configuration, server without a needed extension).
func permanent(stage, format string, args ...any) error {
	return &SendError{Temporary: false, Message: fmt.Sprintf(format, args...), stage: stage}
}
