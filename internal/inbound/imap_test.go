package inbound_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/attache-app/attache/internal/inbound"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// imapServer runs an in-memory IMAP server with caps, holding user "attache" with two
// unseen messages in INBOX.
func imapServer(t *testing.T, caps imap.CapSet) (addr string, user *imapmemserver.User) {
	t.Helper()
	mem := imapmemserver.New()
	user = imapmemserver.NewUser("attache", "secret")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"i1", "i2"} {
		if _, err := user.Append("INBOX", strings.NewReader(plainMail(id)), &imap.AppendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		Logger:       discard{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), user
}

type discard struct{}

func (discard) Printf(string, ...any) {}

func count(t *testing.T, user *imapmemserver.User, mailbox string) uint32 {
	t.Helper()
	st, err := user.Status(mailbox, &imap.StatusOptions{NumMessages: true})
	if err != nil {
		t.Fatalf("status %s: %v", mailbox, err)
	}
	return *st.NumMessages
}

func TestIMAPPoller(t *testing.T) {
	servers := map[string]imap.CapSet{
		"move":         {imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}},
		"copy+expunge": {imap.CapIMAP4rev1: {}},
	}
	for name, caps := range servers {
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				ctx := context.Background()
				svc := newService(st)
				addr, user := imapServer(t, caps)
				p := inbound.NewIMAPPoller(svc, svc, inbound.IMAPOptions{Addr: addr, TLS: "none",
					Username: "attache", Password: "secret", Processed: "Attache/Processed"})

				if st.Dialect == store.Postgres {
					// Another instance polling: this one leaves the mailbox alone.
					release, ok, err := svc.TryLock(ctx, service.LockIMAPPoll)
					if err != nil || !ok {
						t.Fatalf("take the lock: %v %v", ok, err)
					}
					if n, err := p.Poll(ctx); err != nil || n != 0 {
						t.Fatalf("poll under another's lock: %d, %v", n, err)
					}
					release()
				}

				n, err := p.Poll(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n != 2 {
					t.Fatalf("recorded %d, want 2", n)
				}
				rows := inboundRows(t, svc)
				if len(rows) != 2 {
					t.Fatalf("%d inbound rows, want 2", len(rows))
				}
				for _, m := range rows {
					if m.Source != "imap" {
						t.Errorf("source %q, want imap", m.Source)
					}
				}
				if got := count(t, user, "INBOX"); got != 0 {
					t.Errorf("INBOX holds %d, want 0", got)
				}
				if got := count(t, user, "Attache/Processed"); got != 2 {
					t.Errorf("processed folder holds %d, want 2", got)
				}

				if n, err := p.Poll(ctx); err != nil || n != 0 {
					t.Fatalf("second poll: recorded %d, %v; want 0", n, err)
				}
				if got := len(inboundRows(t, svc)); got != 2 {
					t.Errorf("%d inbound rows after the second poll, want 2", got)
				}
			})
		})
	}
}

func TestIMAPPollerLeavesMessagesWhenRecordingFails(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	svc := newService(st)
	addr, user := imapServer(t, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}})
	p := inbound.NewIMAPPoller(svc, svc, inbound.IMAPOptions{Addr: addr, TLS: "none", Username: "attache", Password: "secret"})
	st.Close()
	if _, err := p.Poll(context.Background()); err == nil {
		t.Fatal("poll with the database closed reported no error")
	}
	if got := count(t, user, "INBOX"); got != 2 {
		t.Errorf("INBOX holds %d, want both messages still there", got)
	}
}

func TestIMAPPollerWrongPassword(t *testing.T) {
	svc := newService(storetest.Open(t, store.SQLite))
	addr, _ := imapServer(t, imap.CapSet{imap.CapIMAP4rev1: {}})
	p := inbound.NewIMAPPoller(svc, svc, inbound.IMAPOptions{Addr: addr, TLS: "none", Username: "attache", Password: "wrong"})
	if _, err := p.Poll(context.Background()); err == nil || !strings.Contains(err.Error(), "login") {
		t.Fatalf("err %v, want a login failure", err)
	}
}
