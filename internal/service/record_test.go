package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/mail"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// cancelAfterSend cancels the job's context once the server has taken the message, as a
// shutdown or the job's timeout landing at that moment would.
type cancelAfterSend struct {
	mail.Transport
	cancel context.CancelFunc
}

func (c *cancelAfterSend) Send(ctx context.Context, m *mail.Message) error {
	err := c.Transport.Send(ctx, m)
	c.cancel()
	return err
}

// TestRecordOutlivesCancelledJob: a message the server accepted is recorded as sent even
// when the job's context ends right after, so that no later try sends it again; the
// same for a reminder.
func TestRecordOutlivesCancelledJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newSendWorld(t, st)
		_, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{InvitationIDs: []int64{w.guest.ID}})
		w.must(err)
		ctx, cancel := context.WithCancel(w.ctx)
		w.s.SetTransport(&cancelAfterSend{Transport: w.tr, cancel: cancel})
		if err := w.s.Deliver(ctx, service.DeliverArgs{InvitationID: w.guest.ID}, service.Attempt{Number: 1, Max: 8}, nil); err != nil {
			t.Fatalf("deliver cancelled after the server's acceptance: %v", err)
		}
		msgs, err := w.s.OutboundMessages(w.ctx, w.guest.ID)
		w.must(err)
		if len(msgs) != 1 || msgs[0].Status != store.OutboundSent || msgs[0].Attempts != 1 {
			t.Fatalf("outbound rows %+v: want the invitation recorded sent", msgs)
		}
		if inv := w.invitation(w.guest.ID); inv.SendState != domain.SendSent {
			t.Fatalf("send state %s, want sent", inv.SendState)
		}
		w.s.SetTransport(w.tr)
		w.deliver(w.guest.ID, 0) // the job again: nothing to send
		if n := len(w.peer.messages()); n != 1 {
			t.Fatalf("%d messages, want 1", n)
		}

		// Three days on, the deadline reminder is due.
		at := w.now.Add(3*24*time.Hour + time.Hour)
		w.now = &at
		if _, err := w.s.ScanReminders(w.ctx); err != nil {
			t.Fatal(err)
		}
		var id int64
		w.must(w.st.Gorm().Raw(`SELECT id FROM outbound_messages WHERE kind = 'reminder_deadline'`).Scan(&id).Error)
		ctx, cancel = context.WithCancel(w.ctx)
		w.s.SetTransport(&cancelAfterSend{Transport: w.tr, cancel: cancel})
		if err := w.s.Remind(ctx, service.RemindArgs{OutboundID: id}, service.Attempt{Number: 1, Max: 8}); err != nil {
			t.Fatalf("remind cancelled after the server's acceptance: %v", err)
		}
		var status string
		w.must(w.st.Gorm().Raw(`SELECT status FROM outbound_messages WHERE id = ?`, id).Scan(&status).Error)
		if status != string(store.OutboundSent) || len(w.peer.messages()) != 2 {
			t.Fatalf("reminder %s after %d messages, want sent after 2", status, len(w.peer.messages()))
		}
	})
}
