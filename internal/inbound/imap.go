package inbound

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/attache-app/attache/internal/service"
)

// Locker takes a lock shared by every instance on the database, so that one of them
// polls at a time. *service.Service implements it.
type Locker interface {
	TryLock(ctx context.Context, key int64) (release func(), ok bool, err error)
}

// IMAPOptions configures the poller.
type IMAPOptions struct {
	Addr     string // host:port
	TLS      string // none, starttls or tls
	Username string
	Password string
	Mailbox  string // polled, INBOX by default
	// Processed receives every message once recorded; created when missing. Its
	// hierarchy is written with "/", translated to the server's delimiter.
	Processed string
	Interval  time.Duration
	// MaxSize is the most read of one message; the intake decides about a longer one.
	MaxSize int64
	// Timeout bounds one whole poll (connect, read, move), default 5m.
	Timeout time.Duration
	// TLSConfig overrides the TLS settings (tests); nil verifies the server's name.
	TLSConfig *tls.Config
	Logger    *slog.Logger
}

// IMAPPoller reads unseen messages from a mailbox into the intake and files them away.
type IMAPPoller struct {
	in   Intaker
	lock Locker
	opt  IMAPOptions
	log  *slog.Logger
}

// NewIMAPPoller builds a poller; Run polls until its context ends, Poll polls once.
func NewIMAPPoller(in Intaker, lock Locker, opt IMAPOptions) *IMAPPoller {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Mailbox == "" {
		opt.Mailbox = "INBOX"
	}
	if opt.Processed == "" {
		opt.Processed = "Attache/Processed"
	}
	if opt.Interval <= 0 {
		opt.Interval = time.Minute
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 5 * time.Minute
	}
	if opt.MaxSize <= 0 {
		opt.MaxSize = 10 << 20
	}
	return &IMAPPoller{in: in, lock: lock, opt: opt, log: opt.Logger.With("component", "inbound", "protocol", "imap")}
}

// Run polls at once and then every Interval until ctx ends. Failures are logged and
// retried at the next interval: a message is only filed away once recorded.
func (p *IMAPPoller) Run(ctx context.Context) {
	p.log.Info("imap poller started", "addr", p.opt.Addr, "mailbox", p.opt.Mailbox, "interval", p.opt.Interval)
	t := time.NewTicker(p.opt.Interval)
	defer t.Stop()
	for {
		if n, err := p.Poll(ctx); err != nil && ctx.Err() == nil {
			p.log.Error("imap poll failed", "addr", p.opt.Addr, "recorded", n, "err", err)
		} else if n > 0 {
			p.log.Info("imap poll", "recorded", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Poll reads the unseen messages once, records each and moves what was recorded to the
// processed folder. It does nothing while another instance holds the poll lock. n is the
// number recorded (and moved).
func (p *IMAPPoller) Poll(ctx context.Context) (n int, err error) {
	release, ok, err := p.lock.TryLock(ctx, service.LockIMAPPoll)
	if err != nil {
		return 0, err
	}
	if !ok {
		p.log.Debug("imap poll skipped: another instance is polling")
		return 0, nil
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, p.opt.Timeout)
	defer cancel()
	c, err := p.dial(ctx)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	// The connection's deadline ends a stuck server; cancelling ctx ends it at once.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Login(p.opt.Username, p.opt.Password).Wait(); err != nil {
		return 0, fmt.Errorf("imap login as %q: %w", p.opt.Username, err)
	}
	processed, err := p.ensureFolder(c)
	if err != nil {
		return 0, err
	}
	if _, err := c.Select(p.opt.Mailbox, nil).Wait(); err != nil {
		return 0, fmt.Errorf("imap select %q: %w", p.opt.Mailbox, err)
	}
	found, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen, imap.FlagDeleted}}, nil).Wait()
	if err != nil {
		return 0, fmt.Errorf("imap search: %w", err)
	}
	uids := found.AllUIDs()
	if len(uids) == 0 {
		return 0, c.Logout().Wait()
	}
	recorded, ierr := p.record(ctx, c, uids)
	if len(recorded) > 0 {
		if _, err := c.Move(imap.UIDSetNum(recorded...), processed).Wait(); err != nil {
			// Recorded but not moved: the next poll records them again, which the
			// intake sees as the same Message-ID.
			return len(recorded), errors.Join(ierr, fmt.Errorf("imap move to %q: %w", processed, err))
		}
	}
	if ierr != nil {
		return len(recorded), ierr
	}
	return len(recorded), c.Logout().Wait()
}

// record fetches the messages one at a time (BODY.PEEK, so a failure leaves them
// unseen) and hands each to the intake. It stops at the first message that could not
// be recorded: the database is likely down, and the rest wait for the next poll.
func (p *IMAPPoller) record(ctx context.Context, c *imapclient.Client, uids []imap.UID) ([]imap.UID, error) {
	var recorded []imap.UID
	for _, uid := range uids {
		bufs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, RFC822Size: true,
			BodySection: []*imap.FetchItemBodySection{{Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: p.opt.MaxSize + 1}}},
		}).Collect()
		if err != nil {
			return recorded, fmt.Errorf("imap fetch %d: %w", uid, err)
		}
		if len(bufs) == 0 || len(bufs[0].BodySection) == 0 {
			continue // expunged meanwhile by another client
		}
		raw := bufs[0].BodySection[0].Bytes
		if bufs[0].RFC822Size > p.opt.MaxSize {
			p.log.Warn("imap message larger than inbound.max_size; the intake gets its beginning", "uid", uid, "size", bufs[0].RFC822Size)
		}
		m, err := p.in.Intake(ctx, raw, "imap")
		if err != nil {
			return recorded, fmt.Errorf("record imap message %d: %w", uid, err)
		}
		p.log.Info("inbound message recorded", "id", m.ID, "outcome", m.Outcome, "kind", m.Kind, "uid", uid)
		recorded = append(recorded, uid)
	}
	return recorded, nil
}

// ensureFolder creates the processed folder when it is missing and returns its name
// with the server's hierarchy delimiter.
func (p *IMAPPoller) ensureFolder(c *imapclient.Client) (string, error) {
	name := p.opt.Processed
	if root, err := c.List("", "", nil).Collect(); err == nil && len(root) > 0 && root[0].Delim != 0 && root[0].Delim != '/' {
		name = strings.ReplaceAll(name, "/", string(root[0].Delim))
	}
	have, err := c.List("", name, nil).Collect()
	if err != nil {
		return "", fmt.Errorf("imap list %q: %w", name, err)
	}
	if len(have) > 0 {
		return name, nil
	}
	if err := c.Create(name, nil).Wait(); err != nil {
		return "", fmt.Errorf("imap create %q (inbound.imap.processed_folder): %w", name, err)
	}
	p.log.Info("created imap folder", "folder", name)
	return name, nil
}

// dial connects as inbound.imap.tls says, with the whole poll's deadline on the socket.
func (p *IMAPPoller) dial(ctx context.Context) (*imapclient.Client, error) {
	d := net.Dialer{Timeout: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", p.opt.Addr)
	if err != nil {
		return nil, fmt.Errorf("imap connect %s: %w", p.opt.Addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	tc := p.opt.TLSConfig
	if tc == nil {
		host, _, _ := net.SplitHostPort(p.opt.Addr)
		tc = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	opts := &imapclient.Options{TLSConfig: tc}
	var c *imapclient.Client
	switch p.opt.TLS {
	case "tls":
		tconn := tls.Client(conn, tc)
		if err := tconn.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("imap tls %s: %w", p.opt.Addr, err)
		}
		c = imapclient.New(tconn, opts)
	case "starttls":
		if c, err = imapclient.NewStartTLS(conn, opts); err != nil {
			return nil, fmt.Errorf("imap starttls %s: %w", p.opt.Addr, err)
		}
	default:
		c = imapclient.New(conn, opts)
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, fmt.Errorf("imap greeting from %s: %w", p.opt.Addr, err)
	}
	return c, nil
}
