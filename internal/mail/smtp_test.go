package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpTo opens the SMTP transport on srv with o's other fields, closed at the end.
func smtpTo(t testing.TB, srv server, mode string, o SMTPOptions) Transport {
	t.Helper()
	o.Host, o.Port, o.TLS, o.TLSConfig = srv.host, srv.port, mode, srv.tls
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	tr, err := NewSMTP(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// TestSMTPInvitation sends the Cyrillic REQUEST through each TLS mode and reads what
// the server received with go-message and go-ical.
func TestSMTPInvitation(t *testing.T) {
	for _, mode := range []string{"none", "starttls", "tls"} {
		t.Run(mode, func(t *testing.T) {
			b := &backend{}
			tr := smtpTo(t, startServer(t, b, mode), mode, SMTPOptions{HeloName: "attache.test"})
			m := invitation()
			if err := tr.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			got := b.messages()
			if len(got) != 1 {
				t.Fatalf("server received %d messages", len(got))
			}
			from, to := m.Envelope()
			if got[0].From != from || fmt.Sprint(got[0].To) != fmt.Sprint(to) {
				t.Errorf("envelope %s → %v, want %s → %v", got[0].From, got[0].To, from, to)
			}
			checkInvitation(t, got[0].Data, m)
		})
	}
}

func TestSMTPRefusesHeaderInjection(t *testing.T) {
	b := &backend{}
	tr := smtpTo(t, startServer(t, b, "none"), "none", SMTPOptions{})
	for _, spoil := range []func(m *Message){
		func(m *Message) { m.Subject += "\r\nBcc: x@evil.test" },
		func(m *Message) { m.To.Name += "\r\nBcc: x@evil.test" },
	} {
		m := invitation()
		spoil(m)
		err := tr.Send(context.Background(), m)
		if !errors.Is(err, ErrInvalid) || IsTemporary(err) {
			t.Errorf("Send = %v, want a permanent ErrInvalid", err)
		}
	}
	if n, s := len(b.messages()), b.sessions.Load(); n != 0 || s != 0 {
		t.Errorf("server saw %d sessions and %d messages; the message must stop before SMTP", s, n)
	}
}

func TestSMTPTemporaryThenSuccess(t *testing.T) {
	b := &backend{}
	b.fail451.Store(1)
	tr := smtpTo(t, startServer(t, b, "none"), "none", SMTPOptions{})
	err := tr.Send(context.Background(), invitation())
	var se *SendError
	if !IsTemporary(err) || !errors.As(err, &se) || se.Code != 451 || !strings.Contains(se.Message, "greylisted") {
		t.Fatalf("first Send = %v, want a temporary 451", err)
	}
	if err := tr.Send(context.Background(), invitation()); err != nil {
		t.Fatalf("second Send = %v", err)
	}
	if n, s := len(b.messages()), b.sessions.Load(); n != 1 || s != 1 {
		t.Errorf("%d messages on %d connections, want 1 on 1 (RSET and reuse after a 4xx)", n, s)
	}
}

func TestSMTPPermanent(t *testing.T) {
	b := &backend{}
	b.fail550.Store(true)
	tr := smtpTo(t, startServer(t, b, "none"), "none", SMTPOptions{})
	for range 2 { // the connection stays usable after a refusal
		err := tr.Send(context.Background(), invitation())
		var se *SendError
		if err == nil || IsTemporary(err) || !errors.As(err, &se) || se.Code != 550 || IsSetup(err) {
			t.Fatalf("Send = %v, want a permanent 550 about the message", err)
		}
		if !strings.Contains(err.Error(), "550 5.1.1 mailbox unavailable") || se.Message != "5.1.1 mailbox unavailable" {
			t.Errorf("error %q (message %q) lacks the server's text", err, se.Message)
		}
	}
	if s := b.sessions.Load(); s != 1 {
		t.Errorf("%d connections, want 1", s)
	}
}

func TestSMTPDroppedDuringData(t *testing.T) {
	b := &backend{}
	b.drop.Store(1)
	tr := smtpTo(t, startServer(t, b, "none"), "none", SMTPOptions{MaxConnections: 1})
	err := tr.Send(context.Background(), invitation())
	if err == nil || !IsTemporary(err) {
		t.Fatalf("Send = %v, want a temporary error", err)
	}
	if err := tr.Send(context.Background(), invitation()); err != nil {
		t.Fatalf("Send after the drop = %v", err)
	}
	if n, s := len(b.messages()), b.sessions.Load(); n != 1 || s != 2 {
		t.Errorf("%d messages on %d connections, want 1 on a second connection", n, s)
	}
}

// TestSMTPServerHungUp: the server closes the connection right after accepting a
// message. The next send takes the connection without a NOOP (it was used a moment
// ago), finds it dead at MAIL FROM, before anything of the message left, and sends on
// a new connection without the caller noticing.
func TestSMTPServerHungUp(t *testing.T) {
	b := &backend{}
	b.hangUp.Store(1)
	tr := smtpTo(t, startServer(t, b, "none"), "none", SMTPOptions{MaxConnections: 1})
	for i := range 2 {
		m := invitation()
		m.MessageID = MessageID(int64(i+1), KindInvitation, 0, 0, "attache.test")
		if err := tr.Send(context.Background(), m); err != nil {
			t.Fatalf("Send %d = %v", i+1, err)
		}
	}
	if n, s := len(b.messages()), b.sessions.Load(); n != 2 || s != 2 {
		t.Errorf("%d messages on %d connections, want 2 on 2", n, s)
	}
}

// TestSMTPClosingAtMail: a 421 to MAIL FROM on a reused connection (the server is
// closing it) is not the message's failure: it goes out on a new connection.
func TestSMTPClosingAtMail(t *testing.T) {
	b := &backend{}
	tr := smtpTo(t, startServer(t, b, "none"), "none", SMTPOptions{MaxConnections: 1})
	if err := tr.Send(context.Background(), invitation()); err != nil {
		t.Fatal(err)
	}
	b.fail421.Store(1)
	m := invitation()
	m.MessageID = MessageID(2, KindInvitation, 0, 0, "attache.test")
	if err := tr.Send(context.Background(), m); err != nil {
		t.Fatalf("Send after 421 = %v", err)
	}
	if n, s := len(b.messages()), b.sessions.Load(); n != 2 || s != 2 {
		t.Errorf("%d messages on %d connections, want 2 on 2", n, s)
	}
}

// TestSMTPServerGone: when the server hung up and can not be reached again, the send
// fails as temporary.
func TestSMTPServerGone(t *testing.T) {
	b := &backend{}
	b.hangUp.Store(1)
	srv := startServer(t, b, "none")
	tr := smtpTo(t, srv, "none", SMTPOptions{MaxConnections: 1, Timeout: time.Second})
	if err := tr.Send(context.Background(), invitation()); err != nil {
		t.Fatal(err)
	}
	b.refuse.Store(true)
	err := tr.Send(context.Background(), invitation())
	if err == nil || !IsTemporary(err) {
		t.Fatalf("Send = %v, want a temporary error", err)
	}
	if n := len(b.messages()); n != 1 {
		t.Errorf("%d messages delivered, want 1", n)
	}
}

func TestSMTPReusesConnections(t *testing.T) {
	b := &backend{delay: 5 * time.Millisecond}
	tr := smtpTo(t, startServer(t, b, "none"), "none", SMTPOptions{MaxConnections: 2})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for g := range 5 {
		wg.Go(func() {
			for i := range 4 {
				m := invitation()
				m.MessageID = MessageID(int64(10*g+i), KindInvitation, 0, 0, "attache.test")
				errs <- tr.Send(context.Background(), m)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(b.messages()); n != 20 {
		t.Errorf("%d messages delivered, want 20", n)
	}
	if s := b.sessions.Load(); s > 2 {
		t.Errorf("%d connections opened, want at most 2", s)
	}
	if c := b.maxConcurrent(); c != 2 {
		t.Errorf("at most %d messages in DATA at once, want 2 (two connections in parallel)", c)
	}
}

func TestSMTPAuth(t *testing.T) {
	for _, mech := range []string{"PLAIN", "LOGIN"} {
		t.Run(mech, func(t *testing.T) {
			b := &backend{user: "attache", pass: "s3cret", mechs: []string{mech}}
			srv := startServer(t, b, "none")
			tr := smtpTo(t, srv, "none", SMTPOptions{Username: "attache", Password: "s3cret"})
			if err := tr.Send(context.Background(), invitation()); err != nil {
				t.Fatalf("Send with the right password = %v", err)
			}
			wrong := smtpTo(t, srv, "none", SMTPOptions{Username: "attache", Password: "guess"})
			err := wrong.Send(context.Background(), invitation())
			var se *SendError
			if err == nil || IsTemporary(err) || !errors.As(err, &se) || se.Code != 535 || !IsSetup(err) {
				t.Fatalf("Send with a wrong password = %v, want a permanent 535 setting up the connection", err)
			}
			anonymous := smtpTo(t, srv, "none", SMTPOptions{})
			if err := anonymous.Send(context.Background(), invitation()); err == nil || IsTemporary(err) {
				t.Fatalf("Send without AUTH = %v, want a permanent refusal", err)
			}
			if n := len(b.messages()); n != 1 {
				t.Errorf("%d messages delivered, want 1", n)
			}
		})
	}
}

func TestSMTPAuthOverTLS(t *testing.T) {
	b := &backend{user: "attache", pass: "s3cret"}
	tr := smtpTo(t, startServer(t, b, "starttls"), "starttls", SMTPOptions{Username: "attache", Password: "s3cret"})
	if err := tr.Send(context.Background(), invitation()); err != nil {
		t.Fatal(err)
	}
}

func TestSMTPUntrustedCertificate(t *testing.T) {
	b := &backend{}
	srv := startServer(t, b, "tls")
	srv.tls = nil // the system roots do not know the test certificate
	err := smtpTo(t, srv, "tls", SMTPOptions{}).Send(context.Background(), invitation())
	if err == nil || IsTemporary(err) || !IsSetup(err) {
		t.Fatalf("Send = %v, want a permanent certificate error setting up the connection", err)
	}
}

func TestSMTPNoStartTLS(t *testing.T) {
	b := &backend{}
	srv := startServer(t, b, "none")
	err := smtpTo(t, srv, "starttls", SMTPOptions{}).Send(context.Background(), invitation())
	if err == nil || IsTemporary(err) || !strings.Contains(err.Error(), "STARTTLS") || !IsSetup(err) {
		t.Fatalf("Send = %v, want a permanent error naming STARTTLS, setting up the connection", err)
	}
	if len(b.messages()) != 0 {
		t.Error("a message went out in clear text")
	}
}

func TestNewSMTPRefusesPasswordInClear(t *testing.T) {
	_, err := NewSMTP(SMTPOptions{Host: "smtp.attache.test", Port: 587, TLS: "none", Username: "u", Password: "p"})
	if err == nil {
		t.Fatal("NewSMTP accepts a password over a plain connection to another host")
	}
	for _, o := range []SMTPOptions{{Port: 25}, {Host: "h", Port: 0}, {Host: "h", Port: 25, TLS: "ssl"}} {
		if _, err := NewSMTP(o); err == nil {
			t.Errorf("NewSMTP(%+v) accepted", o)
		}
	}
}

func TestSMTPUnreachable(t *testing.T) {
	srv := startServer(t, &backend{}, "none")
	tr := smtpTo(t, srv, "none", SMTPOptions{})
	srv.port = 1 // nothing listens there
	tr2 := smtpTo(t, srv, "none", SMTPOptions{Timeout: time.Second})
	if err := tr2.Send(context.Background(), invitation()); !IsTemporary(err) {
		t.Errorf("Send to a closed port = %v, want temporary", err)
	}
	tr.Close()
	if err := tr.Send(context.Background(), invitation()); !errors.Is(err, ErrClosed) || !IsTemporary(err) {
		t.Errorf("Send after Close = %v, want a temporary ErrClosed", err)
	}
}

func TestSMTPCancelled(t *testing.T) {
	b := &backend{delay: 2 * time.Second}
	tr := smtpTo(t, startServer(t, b, "none"), "none", SMTPOptions{MaxConnections: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := tr.Send(ctx, invitation())
	if !IsTemporary(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send = %v, want a temporary deadline error", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Send returned after %s, not at the context's deadline", d)
	}
}

func TestIsTemporary(t *testing.T) {
	if IsTemporary(nil) || IsTemporary(errors.New("x")) || IsTemporary(ErrInvalid) {
		t.Error("nil, plain and invalid errors are not temporary")
	}
	if !IsTemporary(fmt.Errorf("job: %w", &SendError{Temporary: true, Code: 421})) {
		t.Error("a wrapped temporary SendError is temporary")
	}
	if !IsTemporary(context.DeadlineExceeded) {
		t.Error("a deadline is temporary")
	}
}
