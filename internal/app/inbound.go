package app

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/attache-app/attache/internal/config"
	"github.com/attache-app/attache/internal/inbound"
)

// StartInbound starts the ways in that are configured: the SMTP/LMTP listener when
// inbound.smtp.addr is set, the IMAP poller when inbound.imap.addr is. stop ends both
// (the listener lets sessions under way finish within ctx); calling it again does nothing.
func (a *App) StartInbound(ctx context.Context) (stop func(ctx context.Context) error, err error) {
	ic := a.Config.Inbound
	var (
		smtpSrv *inbound.SMTPServer
		pollers sync.WaitGroup
		cancel  = func() {}
	)
	if ic.SMTPAddr != "" {
		smtpSrv, err = inbound.ListenSMTP(a.Service, inbound.SMTPOptions{
			Addr: ic.SMTPAddr, LMTP: ic.SMTPLMTP, Domain: hostOf(BaseURL(a.Config.HTTP)),
			Accept: acceptList(ic, a.Config.Mail), MaxSize: ic.MaxSize, Logger: a.Log,
		})
		if err != nil {
			return nil, err
		}
	}
	if ic.IMAPAddr != "" {
		p := inbound.NewIMAPPoller(a.Service, a.Service, inbound.IMAPOptions{
			Addr: ic.IMAPAddr, TLS: ic.IMAPTLS, Username: ic.IMAPUsername, Password: ic.IMAPPassword,
			Mailbox: ic.IMAPMailbox, Processed: ic.IMAPProcessedFolder, Interval: ic.IMAPPollInterval,
			MaxSize: ic.MaxSize, Logger: a.Log,
		})
		var pctx context.Context
		pctx, cancel = context.WithCancel(context.WithoutCancel(ctx))
		pollers.Add(1)
		go func() {
			defer pollers.Done()
			p.Run(pctx)
		}()
	}
	var once sync.Once
	return func(ctx context.Context) error {
		var err error
		once.Do(func() {
			cancel()
			if smtpSrv != nil {
				sctx, done := context.WithTimeout(ctx, 30*time.Second)
				defer done()
				if serr := smtpSrv.Shutdown(sctx); serr != nil && !errors.Is(serr, context.DeadlineExceeded) {
					err = serr
				}
			}
			pollers.Wait()
		})
		return err
	}, nil
}

// acceptList is inbound.smtp.accept, or the domain of mail.organizer when it is empty,
// so that a listener is never an open relay.
func acceptList(ic config.Inbound, m config.Mail) []string {
	if len(ic.SMTPAccept) > 0 {
		return ic.SMTPAccept
	}
	if _, domain, ok := strings.Cut(m.Organizer, "@"); ok && domain != "" {
		return []string{"@" + strings.ToLower(strings.Trim(domain, "> "))}
	}
	return nil
}

// hostOf is the host name of a URL, for the SMTP greeting.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "localhost"
}
