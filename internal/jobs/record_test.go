package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/mail"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// holdAfterSend keeps the first message to one address from returning until the job's
// context ends: the server has accepted it, and the job's time runs out before the send
// is recorded.
type holdAfterSend struct {
	mail.Transport
	to   string
	once sync.Once
}

func (h *holdAfterSend) Send(ctx context.Context, m *mail.Message) error {
	err := h.Transport.Send(ctx, m)
	if err == nil && m.To.Email == h.to {
		h.once.Do(func() { <-ctx.Done() })
	}
	return err
}

// TestRecordAfterJobTimeout: a job whose time runs out just after the server accepted its
// message still records it as sent (and completes), so the message does not go twice.
func TestRecordAfterJobTimeout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		b := &smtpBackend{}
		tr := &holdAfterSend{Transport: startSMTP(t, b), to: "observer@coe.test"}
		w := newWorld(t, st, worldOptions{transport: tr, jobTimeout: time.Second})
		if _, err := w.svc.QueueInvitations(w.ctx, w.event.ID, service.SendParams{InvitationIDs: []int64{w.observer.ID}}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the invitation recorded", 20*time.Second, func() bool {
			return w.invitation(w.observer.ID).SendState == domain.SendSent
		})
		w.idle(20 * time.Second)
		time.Sleep(200 * time.Millisecond) // several retry periods, had the job failed
		if got := b.messages(); len(got) != 1 {
			t.Fatalf("the server got %d messages, want 1", len(got))
		}
		msgs, err := w.svc.OutboundMessages(w.ctx, w.observer.ID)
		w.must(err)
		if len(msgs) != 1 || msgs[0].Status != store.OutboundSent || msgs[0].Attempts != 1 {
			t.Fatalf("outbound rows %+v: want one, sent on its first attempt", msgs)
		}
	})
}
