package main

import (
	"context"
	"strings"
	"testing"

	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

const pipedMail = "From: Guest <guest@example.org>\r\nTo: protocol@attache.test\r\nSubject: Thank you\r\n" +
	"Message-ID: <piped-1@example.org>\r\nDate: Tue, 05 Jan 2021 10:00:00 +0300\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nWe shall be there.\r\n"

func TestInboundCommand(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			useDatabase(t, d)
			r := mustSucceed(t, attache(t, strings.NewReader(pipedMail), "inbound"))
			if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "inbound message") {
				t.Errorf("stdout %q, want one line with the outcome", r.stdout)
			}
			items, _, err := openApp(t).Service.InboundMessages(context.Background(), service.InboundFilter{}, service.Page{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 || items[0].Source != "stdin" || !strings.HasPrefix(r.stdout, string(items[0].Outcome)) {
				t.Fatalf("recorded %+v for output %q", items, r.stdout)
			}

			// Nothing to record: a failure the MTA bounces (EX_DATAERR), not retries.
			r = attache(t, strings.NewReader(" \r\n"), "inbound")
			if r.code != exitDataErr || !strings.Contains(r.stderr, "no message") {
				t.Errorf("empty stdin: exit %d, stderr %q", r.code, r.stderr)
			}
			t.Setenv("ATTACHE_INBOUND_MAX_SIZE", "100")
			r = attache(t, strings.NewReader(pipedMail), "inbound")
			if r.code != exitDataErr || !strings.Contains(r.stderr, "inbound.max_size") {
				t.Errorf("oversize: exit %d, stderr %q", r.code, r.stderr)
			}
		})
	}
}

// A database that does not answer is a temporary failure: the MTA keeps the message.
func TestInboundCommandDatabaseDown(t *testing.T) {
	useDatabase(t, store.SQLite)
	t.Setenv("ATTACHE_DATABASE_URL", "postgres://attache@127.0.0.1:1/attache?sslmode=disable&connect_timeout=2")
	r := attache(t, strings.NewReader(pipedMail), "inbound")
	if r.code != exitTempFail {
		t.Fatalf("exit %d, want %d (EX_TEMPFAIL); stderr %q", r.code, exitTempFail, r.stderr)
	}
}
