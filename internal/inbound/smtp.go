// Package inbound receives replies and bounces and hands each raw message to the
// service's intake: an SMTP or LMTP listener and an IMAP poller. Neither parses mail:
// the intake records every message with its outcome, and these only decide whether a
// message is taken at all (recipient, size, rate) and tell the sender the truth: 250
// only once the message is recorded, 4xx when recording failed, so that it is retried.
package inbound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/net/netutil"

	"github.com/attache-app/attache/internal/domain"
)

// Intaker records one raw message; the error means it could not be recorded.
// *service.Service implements it.
type Intaker interface {
	Intake(ctx context.Context, raw []byte, source string) (*domain.InboundMessage, error)
}

// SMTPOptions configures the listener.
type SMTPOptions struct {
	// Addr is host:port, or an absolute path for a unix socket.
	Addr string
	// LMTP speaks LMTP (RFC 2033) instead of SMTP.
	LMTP bool
	// Domain is the name in the greeting.
	Domain string
	// Accept lists the recipients taken: addresses (which also take their +tag
	// sub-addresses) and @domain entries. Required: an open relay is not an option.
	Accept []string
	// MaxSize is the largest message in bytes; larger ones get 552.
	MaxSize int64
	// MaxRecipients per message (default 20); replies have one.
	MaxRecipients int
	// MaxConns is the number of connections served at once (default 50).
	MaxConns int
	// PerMinute is the messages one client address may send per minute (default 60).
	PerMinute int
	// Timeout bounds every read and write (default 1m), so idle or slow clients are cut off.
	Timeout time.Duration
	Logger  *slog.Logger
}

// SMTPServer is a running listener.
type SMTPServer struct {
	srv  *smtp.Server
	ln   net.Listener
	done chan error
}

// ListenSMTP starts the listener; Addr reports where, Shutdown stops it.
func ListenSMTP(in Intaker, opt SMTPOptions) (*SMTPServer, error) {
	if len(opt.Accept) == 0 {
		return nil, errors.New("inbound smtp: no accepted recipients configured")
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.MaxRecipients <= 0 {
		opt.MaxRecipients = 20
	}
	if opt.MaxConns <= 0 {
		opt.MaxConns = 50
	}
	if opt.PerMinute <= 0 {
		opt.PerMinute = 60
	}
	if opt.Timeout <= 0 {
		opt.Timeout = time.Minute
	}
	if opt.Domain == "" {
		opt.Domain = "localhost"
	}
	proto := "smtp"
	if opt.LMTP {
		proto = "lmtp"
	}
	be := &backend{in: in, opt: opt, source: proto, log: opt.Logger.With("component", "inbound", "protocol", proto),
		budget: newBudget(opt.PerMinute, time.Minute)}
	s := smtp.NewServer(be)
	s.LMTP = opt.LMTP
	s.Domain = opt.Domain
	s.MaxRecipients = opt.MaxRecipients
	s.MaxMessageBytes = opt.MaxSize
	s.ReadTimeout, s.WriteTimeout = opt.Timeout, opt.Timeout
	s.ErrorLog = slogPrinter{be.log}
	network := "tcp"
	if strings.HasPrefix(opt.Addr, "/") {
		network = "unix"
		removeStaleSocket(opt.Addr)
	}
	ln, err := net.Listen(network, opt.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (inbound.smtp.addr): %w", opt.Addr, err)
	}
	ss := &SMTPServer{srv: s, ln: ln, done: make(chan error, 1)}
	go func() { ss.done <- s.Serve(netutil.LimitListener(ln, opt.MaxConns)) }()
	be.log.Info("inbound listener started", "addr", ln.Addr().String(), "accept", strings.Join(opt.Accept, ","))
	return ss, nil
}

// removeStaleSocket removes a socket file left by a previous run, which would make the
// listen fail; anything else at that path is left for the listen to complain about.
func removeStaleSocket(path string) {
	if fi, err := os.Stat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		if c, err := net.Dial("unix", path); err == nil {
			c.Close() // somebody is listening: keep it, the listen will fail
			return
		}
		_ = os.Remove(path)
	}
}

// Addr is the address listened on.
func (s *SMTPServer) Addr() net.Addr { return s.ln.Addr() }

// Shutdown stops accepting and waits for the sessions under way to end, within ctx;
// then it closes the rest.
func (s *SMTPServer) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
	}
	if serr := <-s.done; serr != nil && !errors.Is(serr, smtp.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

type backend struct {
	in     Intaker
	opt    SMTPOptions
	source string
	log    *slog.Logger
	budget *budget
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{b: b, client: clientKey(c.Conn().RemoteAddr())}, nil
}

// clientKey is the client's IP (without port): the rate limit is per address.
func clientKey(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	return a.Network() // unix: the local MTA, one budget
}

type session struct {
	b      *backend
	client string
}

var (
	errRate = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Too many messages from your address; try again later"}
	errRecipient = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message: "No such recipient here"}
	errRecord = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Could not record the message; try again later"}
)

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.b.budget.take(s.client) {
		s.b.log.Warn("inbound rate limit reached", "client", s.client)
		return errRate
	}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !accepts(s.b.opt.Accept, to) {
		return errRecipient
	}
	return nil
}

// Data reads the whole message (the server enforces MaxSize with 552) and answers 250
// only once the intake has recorded it.
func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se // 552 when over the size limit
		}
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.b.opt.Timeout)
	defer cancel()
	m, err := s.b.in.Intake(ctx, raw, s.b.source)
	if err != nil {
		s.b.log.Error("inbound message not recorded; the sender will retry", "client", s.client, "size", len(raw), "err", err)
		return errRecord
	}
	s.b.log.Info("inbound message recorded", "id", m.ID, "outcome", m.Outcome, "kind", m.Kind, "size", len(raw))
	return nil
}

func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }

// accepts reports whether rcpt is one of the accepted recipients: an equal address, the
// address with a +tag, or any address at an accepted @domain.
func accepts(accept []string, rcpt string) bool {
	rcpt = strings.ToLower(strings.Trim(rcpt, "<> "))
	local, domain, ok := strings.Cut(rcpt, "@")
	if !ok || local == "" || strings.Contains(domain, "@") {
		return false
	}
	base, _, _ := strings.Cut(local, "+")
	for _, a := range accept {
		switch {
		case strings.HasPrefix(a, "@"):
			if a[1:] == domain {
				return true
			}
		case a == rcpt, a == base+"@"+domain:
			return true
		}
	}
	return false
}

// budget is a per-address message allowance refilled every period: a simple guard
// against one client flooding the intake. It is in memory on purpose: it protects this
// process, not a shared quota.
type budget struct {
	mu     sync.Mutex
	limit  int
	period time.Duration
	now    func() time.Time
	spent  map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newBudget(limit int, period time.Duration) *budget {
	return &budget{limit: limit, period: period, now: time.Now, spent: map[string]*window{}}
}

func (b *budget) take(key string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if len(b.spent) > 10000 { // forget old windows so the map can not grow without bound
		for k, w := range b.spent {
			if now.Sub(w.start) >= b.period {
				delete(b.spent, k)
			}
		}
	}
	w := b.spent[key]
	if w == nil || now.Sub(w.start) >= b.period {
		w = &window{start: now}
		b.spent[key] = w
	}
	if w.n >= b.limit {
		return false
	}
	w.n++
	return true
}

// slogPrinter sends go-smtp's own error log (accept errors, panics) to slog.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Printf(format string, v ...any) { p.log.Warn(fmt.Sprintf(format, v...)) }
func (p slogPrinter) Println(v ...any)               { p.log.Warn(fmt.Sprintln(v...)) }
