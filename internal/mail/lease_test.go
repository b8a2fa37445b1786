package mail

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// numbered is the test invitation with a Message-ID of its own.
func numbered(n int64) *Message {
	m := invitation()
	m.MessageID = MessageID(n, KindInvitation, 0, 0, "attache.test")
	return m
}

// waitFor polls cond until it holds, failing the test after five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// leaseOfOne is a lease of an SMTP transport of one connection to a test server.
func leaseOfOne(t *testing.T) (*backend, Transport, Lease) {
	t.Helper()
	b := &backend{}
	tr := smtpTo(t, startServer(t, b, "none"), "none", SMTPOptions{MaxConnections: 1})
	l, err := NewLease(context.Background(), tr)
	if err != nil {
		t.Fatal(err)
	}
	return b, tr, l
}

// TestSMTPLeaseStagedNotAccepted: a staged message is in the server's hands without
// being accepted, and one abandoned by Release is dropped with its connection, never
// accepted; the slot is free again.
func TestSMTPLeaseStagedNotAccepted(t *testing.T) {
	b, tr, l := leaseOfOne(t)
	if err := l.Stage(context.Background(), numbered(1)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the server to read the staged message", func() bool { return b.dataStarted.Load() == 1 })
	if n := b.delivered.Load(); n != 0 {
		t.Fatalf("%d messages accepted before Finish, want 0", n)
	}
	l.Release()
	waitFor(t, "the server to see the connection end inside DATA", func() bool { return b.dataAborted.Load() == 1 })
	if err := tr.Send(context.Background(), numbered(2)); err != nil {
		t.Fatalf("Send after an abandoned lease = %v", err)
	}
	got := b.messages()
	if len(got) != 1 || !containsID(got[0].Data, numbered(2).MessageID) {
		t.Fatalf("server accepted %d messages, want only the second", len(got))
	}
	if s := b.sessions.Load(); s != 2 {
		t.Errorf("%d connections, want 2 (the abandoned one closed)", s)
	}
}

// TestSMTPLeaseKeepsConnection: one lease sends message after message on one
// connection, in order; a refusal in between (550 at RCPT) is that message's permanent
// failure and the next goes out on the same connection after RSET.
func TestSMTPLeaseKeepsConnection(t *testing.T) {
	b, _, l := leaseOfOne(t)
	ctx := context.Background()
	defer l.Release()
	for n := int64(1); n <= 4; n++ {
		b.fail550.Store(n == 3)
		err := l.Stage(ctx, numbered(n))
		if n == 3 {
			var se *SendError
			if !errors.As(err, &se) || se.Code != 550 || IsTemporary(err) {
				t.Fatalf("Stage of message 3 = %v, want the permanent 550", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Stage %d = %v", n, err)
		}
		if err := l.Finish(ctx); err != nil {
			t.Fatalf("Finish %d = %v", n, err)
		}
	}
	got := b.messages()
	if len(got) != 3 {
		t.Fatalf("%d messages accepted, want 3", len(got))
	}
	for i, n := range []int64{1, 2, 4} {
		if !containsID(got[i].Data, numbered(n).MessageID) {
			t.Errorf("message %d accepted is not number %d", i+1, n)
		}
	}
	if s := b.sessions.Load(); s != 1 {
		t.Errorf("%d connections, want 1", s)
	}
}

// TestSMTPLeaseHoldsSlot: a lease holds one of MaxConnections until Release; no other
// sender gets a connection meanwhile.
func TestSMTPLeaseHoldsSlot(t *testing.T) {
	_, tr, l := leaseOfOne(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := tr.Send(ctx, numbered(1)); err == nil || !IsTemporary(err) {
		t.Fatalf("Send while the only connection is leased = %v, want a temporary error", err)
	}
	l.Release()
	l.Release() // harmless
	if err := tr.Send(context.Background(), numbered(2)); err != nil {
		t.Fatalf("Send after Release = %v", err)
	}
}

// TestFileLease: the outbox's lease writes the message at Finish; one staged and
// released writes nothing.
func TestFileLease(t *testing.T) {
	dir := t.TempDir()
	tr, err := NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l, err := NewLease(ctx, tr)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Stage(ctx, numbered(1)); err != nil {
		t.Fatal(err)
	}
	if err := l.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Stage(ctx, numbered(2)); err != nil {
		t.Fatal(err)
	}
	l.Release()
	if err := l.Finish(ctx); err == nil {
		t.Error("Finish after Release sent the abandoned message")
	}
	for n, want := range map[int64]bool{1: true, 2: false} {
		_, err := os.Stat(filepath.Join(dir, FileName(numbered(n).MessageID)))
		if got := err == nil; got != want {
			t.Errorf("message %d in the outbox: %v, want %v", n, got, want)
		}
	}
}

// containsID reports whether a raw message carries the Message-ID id.
func containsID(raw []byte, id string) bool {
	return strings.Contains(string(raw), "Message-ID: <"+id+">")
}
