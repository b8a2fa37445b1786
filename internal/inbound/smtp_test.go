package inbound_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/inbound"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// plainMail is a simple non-calendar message: the tests here are about the ways in, the
// intake's own tests cover what it makes of a message.
func plainMail(id string) string {
	return "From: Guest <guest@example.org>\r\n" +
		"To: protocol@attache.test\r\n" +
		"Subject: Thank you\r\n" +
		"Message-ID: <" + id + "@example.org>\r\n" +
		"Date: Tue, 12 Jan 2021 10:00:00 +0300\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"We shall be there.\r\n"
}

func newService(st *store.Store) *service.Service {
	return service.New(st, service.Options{
		SecretKey: []byte("test-secret-key-0123456789abcdef0123456789"),
		BaseURL:   "https://attache.test", UIDDomain: "attache.test",
	}, nil)
}

func listen(t *testing.T, svc *service.Service, opt inbound.SMTPOptions) string {
	t.Helper()
	if opt.Addr == "" {
		opt.Addr = "127.0.0.1:0"
	}
	if opt.Accept == nil {
		opt.Accept = []string{"protocol@attache.test", "@replies.attache.test"}
	}
	if opt.MaxSize == 0 {
		opt.MaxSize = 4096
	}
	srv, err := inbound.ListenSMTP(svc, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return srv.Addr().String()
}

func dial(t *testing.T, addr string, lmtp bool) *smtp.Client {
	t.Helper()
	network := "tcp"
	if strings.HasPrefix(addr, "/") {
		network = "unix"
	}
	conn, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	c := smtp.NewClient(conn)
	if lmtp {
		c = smtp.NewClientLMTP(conn)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Hello("mta.example.org"); err != nil {
		t.Fatal(err)
	}
	return c
}

// send runs one transaction and returns the error of the first refused step.
func send(c *smtp.Client, rcpt, body string) error {
	if err := c.Mail("guest@example.org", nil); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(body)); err != nil {
		return err
	}
	return w.Close()
}

func code(t *testing.T, err error) int {
	t.Helper()
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		t.Fatalf("want an SMTP error, got %v", err)
	}
	return se.Code
}

func inboundRows(t *testing.T, svc *service.Service) []*domain.InboundMessage {
	t.Helper()
	items, _, err := svc.InboundMessages(context.Background(), service.InboundFilter{}, service.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func TestSMTPListener(t *testing.T) {
	for _, lmtp := range []bool{false, true} {
		proto := map[bool]string{false: "smtp", true: "lmtp"}[lmtp]
		t.Run(proto, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				svc := newService(st)
				addr := listen(t, svc, inbound.SMTPOptions{LMTP: lmtp})
				c := dial(t, addr, lmtp)

				// An accepted recipient (also with a +tag, also by domain): 250, recorded.
				if err := send(c, "protocol@attache.test", plainMail("a1")); err != nil {
					t.Fatalf("accepted recipient: %v", err)
				}
				if err := send(c, "Protocol+tok3n@Attache.test", plainMail("a2")); err != nil {
					t.Fatalf("sub-address: %v", err)
				}
				if err := send(c, "anyone@replies.attache.test", plainMail("a3")); err != nil {
					t.Fatalf("accepted domain: %v", err)
				}
				rows := inboundRows(t, svc)
				if len(rows) != 3 {
					t.Fatalf("%d inbound rows, want 3", len(rows))
				}
				for _, m := range rows {
					if m.Source != proto {
						t.Errorf("source %q, want %q", m.Source, proto)
					}
				}

				// Another recipient: 550 at RCPT, nothing recorded.
				if err := c.Reset(); err != nil {
					t.Fatal(err)
				}
				if got := code(t, send(c, "someone@elsewhere.test", plainMail("b"))); got != 550 {
					t.Errorf("other recipient: %d, want 550", got)
				}
				// Oversize: 552, nothing recorded.
				if err := c.Reset(); err != nil {
					t.Fatal(err)
				}
				big := plainMail("c") + strings.Repeat(strings.Repeat("x", 70)+"\r\n", 80)
				if got := code(t, send(c, "protocol@attache.test", big)); got != 552 {
					t.Errorf("oversize: %d, want 552", got)
				}
				if n := len(inboundRows(t, svc)); n != 3 {
					t.Errorf("%d inbound rows after refusals, want 3", n)
				}

				// The intake can not record (database gone): 4xx, so the sender retries.
				c2 := dial(t, addr, lmtp)
				st.Close()
				err := send(c2, "protocol@attache.test", plainMail("d"))
				if got := code(t, err); got < 400 || got > 499 {
					t.Errorf("intake failure: %d, want 4xx", got)
				}
			})
		})
	}
}

func TestSMTPRateLimit(t *testing.T) {
	svc := newService(storetest.Open(t, store.SQLite))
	addr := listen(t, svc, inbound.SMTPOptions{PerMinute: 2})
	c := dial(t, addr, false)
	for i := range 2 {
		if err := send(c, "protocol@attache.test", plainMail("r"+string(rune('0'+i)))); err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
	}
	if got := code(t, send(c, "protocol@attache.test", plainMail("r2"))); got != 421 {
		t.Errorf("third message in a minute: %d, want 421", got)
	}
}

func TestLMTPUnixSocket(t *testing.T) {
	svc := newService(storetest.Open(t, store.SQLite))
	sock := t.TempDir() + "/lmtp.sock"
	addr := listen(t, svc, inbound.SMTPOptions{Addr: sock, LMTP: true})
	if addr != sock {
		t.Fatalf("listening on %s, want %s", addr, sock)
	}
	if err := send(dial(t, sock, true), "protocol@attache.test", plainMail("u")); err != nil {
		t.Fatal(err)
	}
	if rows := inboundRows(t, svc); len(rows) != 1 || rows[0].Source != "lmtp" {
		t.Fatalf("rows %v, want one from lmtp", rows)
	}
}

func TestListenSMTPRefusesOpenRelay(t *testing.T) {
	if _, err := inbound.ListenSMTP(nil, inbound.SMTPOptions{Addr: "127.0.0.1:0"}); err == nil {
		t.Fatal("a listener without accepted recipients started")
	}
}
