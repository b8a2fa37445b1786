package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPOptions configure the SMTP transport (config keys mail.smtp.*).
type SMTPOptions struct {
	Host string
	Port int
	// TLS is "none", "starttls" (the default when empty) or "tls" (implicit, port 465).
	TLS                string
	Username, Password string
	// MaxConnections bounds the connections open at once, idle or busy; at least 1.
	MaxConnections int
	// Timeout bounds the dial and each command (and the body's transfer); 30 s when 0.
	Timeout time.Duration
	// HeloName is the name given in EHLO; "localhost" when empty.
	HeloName string
	// TLSConfig replaces the default (the system's roots, ServerName = Host); for tests.
	TLSConfig *tls.Config
}

// idleLimit is how long a connection may wait in the pool; older ones are closed rather
// than checked, since servers drop idle clients after a few minutes (RFC 5321 §4.5.3.2.7
// allows 5).
const idleLimit = time.Minute

// checkAfter is how long a connection may rest in the pool before it is checked with
// NOOP when taken again. One used a moment ago is taken unchecked (a round trip less per
// message while sending many); should it be dead after all, the send fails before the
// server could accept anything and is made again on another connection (see Send).
const checkAfter = 2 * time.Second

// smtpTransport keeps up to MaxConnections connections and lends each to one Send at a
// time. slots holds a token per connection that may exist: a sender takes a token, then
// an idle connection or, when there is none, dials a new one.
type smtpTransport struct {
	o     SMTPOptions
	addr  string
	slots chan struct{}

	mu     sync.Mutex
	idle   []*smtpConn
	closed bool
}

// smtpConn is one authenticated connection.
type smtpConn struct {
	c     *smtp.Client
	raw   net.Conn // the TCP connection under any TLS, for deadlines and for aborting
	dirty bool     // the last transaction failed: RSET before the next one
	since time.Time
	// unchecked: taken from the pool without a NOOP (it was used within checkAfter);
	// a failure before the server could accept the message then dials again.
	unchecked bool
}

// NewSMTP returns a transport that sends through an SMTP submission server, reusing up to
// o.MaxConnections connections. It dials lazily, so a server that is down at start
// delays mail without stopping Attaché. Credentials are sent only over TLS, or to a
// loopback address.
func NewSMTP(o SMTPOptions) (Transport, error) {
	if o.Host == "" || o.Port <= 0 || o.Port > 65535 {
		return nil, fmt.Errorf("mail: smtp: host and port required (got %q, %d)", o.Host, o.Port)
	}
	switch o.TLS {
	case "":
		o.TLS = "starttls"
	case "none", "starttls", "tls":
	default:
		return nil, fmt.Errorf("mail: smtp: tls must be none, starttls or tls, not %q", o.TLS)
	}
	if o.TLS == "none" && o.Username != "" && !isLoopback(o.Host) {
		return nil, fmt.Errorf("mail: smtp: refusing to send the password to %s without TLS", o.Host)
	}
	if o.MaxConnections < 1 {
		o.MaxConnections = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.HeloName == "" {
		o.HeloName = "localhost"
	}
	return &smtpTransport{o: o, addr: net.JoinHostPort(o.Host, strconv.Itoa(o.Port)),
		slots: make(chan struct{}, o.MaxConnections)}, nil
}

// Send delivers m on a pooled connection: a lease of one message.
func (t *smtpTransport) Send(ctx context.Context, m *Message) error {
	l, err := t.Lease(ctx)
	if err != nil {
		return err
	}
	defer l.Release()
	return l.Send(ctx, m)
}

// Lease waits for one of the MaxConnections slots and holds it until Release; the
// connection is taken from the pool (or dialled) at the first Stage.
func (t *smtpTransport) Lease(ctx context.Context) (Lease, error) {
	select {
	case t.slots <- struct{}{}:
		return &smtpLease{t: t}, nil
	case <-ctx.Done():
		return nil, sendError("wait", ctx.Err())
	}
}

// smtpLease is one slot of the transport, with the connection it holds between
// messages (nil before the first and after one that had to be dropped) and the
// DATA of a staged message.
type smtpLease struct {
	t      *smtpTransport
	pc     *smtpConn
	staged *smtp.DataCommand
	done   bool
}

// Stage sends MAIL FROM, RCPT TO, DATA and the body. A connection that failed on the
// network (or whose work was cancelled) is dropped, one that got an error reply is kept
// and reset before the next message. A connection that turns out dead at MAIL FROM
// after it was taken unchecked (the pool's, or this lease's own after its last
// message), before the server could have accepted anything, is replaced and the
// message staged on the new one.
func (l *smtpLease) Stage(ctx context.Context, m *Message) error {
	if l.done || l.staged != nil {
		return errors.New("mail: smtp: Stage on a released lease or over a staged message")
	}
	data, err := m.Encode()
	if err != nil {
		return err
	}
	from, to := m.Envelope()
	for {
		if err := l.connect(ctx); err != nil {
			return err
		}
		pc := l.pc
		// Cancelling ctx aborts whatever the connection is doing.
		stop := context.AfterFunc(ctx, func() { pc.raw.Close() })
		dc, err := pc.stage(from, to, data, l.t.o.Timeout)
		cancelled := !stop()
		if err == nil && !cancelled {
			l.staged = dc
			return nil
		}
		if cancelled {
			// Report the cancellation rather than the closed connection it caused.
			err = sendError("send", ctx.Err())
		}
		if pc.unchecked && !cancelled && staleAtMail(err) {
			// What a NOOP would have found: the server had dropped the connection.
			l.drop()
			continue
		}
		l.settle(err, cancelled)
		return err
	}
}

// Finish sends the staged message's final "." and returns the server's verdict.
func (l *smtpLease) Finish(ctx context.Context) error {
	if l.staged == nil {
		return errors.New("mail: smtp: Finish without a staged message")
	}
	pc, dc := l.pc, l.staged
	l.staged = nil
	stop := context.AfterFunc(ctx, func() { pc.raw.Close() })
	// The rest of the body and the "." (go-smtp then bounds the wait for the reply).
	pc.raw.SetDeadline(time.Now().Add(l.t.o.Timeout))
	err := sendError("DATA", dc.Close())
	cancelled := !stop()
	if cancelled && err != nil {
		// A message the server accepted before the cancellation stays sent.
		err = sendError("send", ctx.Err())
	}
	l.settle(err, cancelled)
	return err
}

// Send stages m and finishes it at once.
func (l *smtpLease) Send(ctx context.Context, m *Message) error {
	if err := l.Stage(ctx, m); err != nil {
		return err
	}
	return l.Finish(ctx)
}

// Release returns the connection to the pool and the slot to the transport. A message
// still staged is abandoned: its connection is closed without the final ".", so the
// server discards it (RFC 5321 §4.1.1.4).
func (l *smtpLease) Release() {
	if l.done {
		return
	}
	l.done = true
	if l.staged != nil {
		l.staged = nil
		l.drop()
	}
	if l.pc != nil {
		l.t.put(l.pc)
		l.pc = nil
	}
	<-l.t.slots
}

// connect makes sure the lease holds a connection ready for a new message: its own,
// reset after a failed transaction, or one from the pool.
func (l *smtpLease) connect(ctx context.Context) error {
	if pc := l.pc; pc != nil && pc.dirty {
		if err := pc.check(ctx); err != nil {
			l.drop()
		} else {
			pc.dirty = false
		}
	}
	if l.pc != nil {
		return nil
	}
	pc, err := l.t.get(ctx)
	if err != nil {
		return err
	}
	l.pc = pc
	return nil
}

// settle keeps the connection for the lease's next message after a transaction that
// ended in a reply (reset first when it was an error), and drops it when it can not be
// trusted: a network error, a 421 (the server is closing), a cancelled send.
func (l *smtpLease) settle(err error, cancelled bool) {
	var se *SendError
	keep := !cancelled && (err == nil || errors.As(err, &se) && se.Code != 0 && se.Code != 421)
	if !keep {
		l.drop()
		return
	}
	// Used a moment ago: the next message takes it without a NOOP, as from the pool.
	l.pc.dirty, l.pc.unchecked = err != nil, true
}

// drop closes the lease's connection.
func (l *smtpLease) drop() {
	if l.pc != nil {
		l.pc.raw.Close()
		l.pc = nil
	}
}

// staleAtMail reports whether err is MAIL FROM failing on a connection the server no
// longer serves (a network error, or 421 closing): nothing of the message was sent yet.
func staleAtMail(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.stage == "MAIL FROM" && (se.Code == 0 || se.Code == 421)
}

// get takes a healthy idle connection, checking it with NOOP (RSET after a failed
// transaction; no NOOP when it was used within checkAfter) and closing those that fail
// or waited too long, or dials a new one.
// The caller holds a slot.
func (t *smtpTransport) get(ctx context.Context) (*smtpConn, error) {
	for {
		t.mu.Lock()
		if t.closed {
			t.mu.Unlock()
			return nil, &SendError{Temporary: true, Message: "transport closed", err: ErrClosed}
		}
		var pc *smtpConn
		if n := len(t.idle); n > 0 {
			pc, t.idle = t.idle[n-1], t.idle[:n-1]
		}
		t.mu.Unlock()
		if pc == nil {
			return t.dial(ctx)
		}
		rested := time.Since(pc.since)
		if rested > idleLimit {
			pc.quit()
			continue
		}
		pc.unchecked = !pc.dirty && rested <= checkAfter
		if pc.unchecked {
			return pc, nil
		}
		if err := pc.check(ctx); err != nil {
			pc.raw.Close()
			continue
		}
		pc.dirty = false
		return pc, nil
	}
}

// put returns a lease's connection to the pool, or says QUIT when the transport is
// closed.
func (t *smtpTransport) put(pc *smtpConn) {
	t.mu.Lock()
	if !t.closed {
		pc.since = time.Now()
		t.idle = append(t.idle, pc)
		t.mu.Unlock()
		return
	}
	t.mu.Unlock()
	pc.quit()
}

// Close says QUIT on every idle connection and makes later sends fail with ErrClosed;
// connections busy in a Send are closed when it ends.
func (t *smtpTransport) Close() error {
	t.mu.Lock()
	idle := t.idle
	t.idle, t.closed = nil, true
	t.mu.Unlock()
	for _, pc := range idle {
		pc.quit()
	}
	return nil
}

// dial connects, says EHLO, starts TLS as configured and authenticates.
func (t *smtpTransport) dial(ctx context.Context) (*smtpConn, error) {
	o := t.o
	d := net.Dialer{Timeout: o.Timeout}
	raw, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return nil, sendError("dial", err)
	}
	// The greeting and the commands before STARTTLS run on go-smtp's default timeouts
	// (5 minutes), so the whole setup is bounded by Timeout too; ctx can cancel it.
	watch := time.AfterFunc(o.Timeout, func() { raw.Close() })
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	pc, err := t.setup(raw)
	if !watch.Stop() {
		err = sendError("dial", fmt.Errorf("no ready connection to %s within %s", t.addr, o.Timeout))
	}
	if !stop() {
		err = sendError("dial", ctx.Err())
	}
	if err != nil {
		raw.Close()
		return nil, err
	}
	return pc, nil
}

func (t *smtpTransport) setup(raw net.Conn) (*smtpConn, error) {
	o := t.o
	cfg := o.TLSConfig
	if cfg == nil {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if cfg.ServerName == "" {
		cfg = cfg.Clone()
		cfg.ServerName = o.Host
	}
	var (
		c   *smtp.Client
		err error
	)
	switch o.TLS {
	case "tls":
		tc := tls.Client(raw, cfg)
		raw.SetDeadline(time.Now().Add(o.Timeout))
		if err := tc.Handshake(); err != nil {
			return nil, sendError("TLS", err)
		}
		raw.SetDeadline(time.Time{})
		c = smtp.NewClient(tc)
	case "starttls":
		// go-smtp has no StartTLS method on a client: this says EHLO localhost before
		// STARTTLS, and EHLO HeloName after it.
		c, err = smtp.NewClientStartTLS(raw, cfg)
		if err != nil {
			if err.Error() == "smtp: server doesn't support STARTTLS" {
				return nil, permanent("STARTTLS", "%s offers no STARTTLS", t.addr)
			}
			return nil, sendError("STARTTLS", err)
		}
	default:
		c = smtp.NewClient(raw)
	}
	c.CommandTimeout, c.SubmissionTimeout = o.Timeout, o.Timeout
	if err := c.Hello(o.HeloName); err != nil {
		return nil, sendError("EHLO", err)
	}
	if o.Username != "" {
		if err := t.auth(c); err != nil {
			return nil, err
		}
	}
	return &smtpConn{c: c, raw: raw}, nil
}

// auth logs in with PLAIN, or LOGIN when the server offers only that.
func (t *smtpTransport) auth(c *smtp.Client) error {
	o := t.o
	if _, isTLS := c.TLSConnectionState(); !isTLS && !isLoopback(o.Host) {
		return permanent("AUTH", "refusing to send the password to %s without TLS", t.addr)
	}
	var a sasl.Client
	switch {
	case c.SupportsAuth("PLAIN"):
		a = sasl.NewPlainClient("", o.Username, o.Password)
	case c.SupportsAuth("LOGIN"):
		a = sasl.NewLoginClient(o.Username, o.Password)
	default:
		return permanent("AUTH", "%s offers neither AUTH PLAIN nor AUTH LOGIN", t.addr)
	}
	return sendError("AUTH", c.Auth(a))
}

// check proves an idle connection alive before it is reused: NOOP after a completed
// transaction, RSET after a failed one (which also clears the server's state).
func (pc *smtpConn) check(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { pc.raw.Close() })
	defer stop()
	if pc.dirty {
		return pc.c.Reset()
	}
	return pc.c.Noop()
}

// stage runs one transaction up to the end of the body, which the caller ends with the
// returned command's Close (the final "."). go-smtp bounds each command by its
// CommandTimeout; the body's transfer gets a deadline of its own.
func (pc *smtpConn) stage(from string, to []string, data []byte, timeout time.Duration) (*smtp.DataCommand, error) {
	// SIZE lets the server refuse an oversized message before the transfer.
	if err := pc.c.Mail(from, &smtp.MailOptions{Size: int64(len(data))}); err != nil {
		return nil, sendError("MAIL FROM", err)
	}
	for _, rcpt := range to {
		if err := pc.c.Rcpt(rcpt, nil); err != nil {
			return nil, sendError("RCPT TO", err)
		}
	}
	w, err := pc.c.Data()
	if err != nil {
		return nil, sendError("DATA", err)
	}
	pc.raw.SetDeadline(time.Now().Add(timeout))
	defer pc.raw.SetDeadline(time.Time{})
	if _, err := w.Write(data); err != nil {
		return nil, sendError("DATA", err)
	}
	return w, nil
}

// quit says goodbye politely (within the command timeout) and closes the connection.
func (pc *smtpConn) quit() {
	if err := pc.c.Quit(); err != nil {
		pc.raw.Close()
	}
}

// isLoopback reports whether host is this machine, where a password in clear text
// never crosses a network.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
