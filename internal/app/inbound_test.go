package app_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attache-app/attache/internal/domain"
)

// TestInboundMaxSize: inbound.max_size reaches the intake, whichever way a message came
// in: a message over it is rejected, the limit named in the reason.
func TestInboundMaxSize(t *testing.T) {
	cfg := newConfig(t, "sqlite://"+filepath.Join(t.TempDir(), "attache.db"), "ATTACHE_INBOUND_MAX_SIZE=2048")
	a := open(t, cfg)
	ctx := context.Background()
	if err := a.EnsureMigrated(ctx); err != nil {
		t.Fatal(err)
	}
	raw := []byte("From: guest@example.test\r\nTo: protocol@attache.test\r\nSubject: hello\r\n" +
		"Message-ID: <big-1@example.test>\r\n\r\n" + string(bytes.Repeat([]byte("x"), 3000)) + "\r\n")
	m, err := a.Service.Intake(ctx, raw, "test")
	if err != nil {
		t.Fatal(err)
	}
	if m.Outcome != domain.IntakeRejected || !strings.Contains(m.Reason, "the limit is 2048") {
		t.Fatalf("a %d-byte message with inbound.max_size 2048: %s %q", len(raw), m.Outcome, m.Reason)
	}
}
