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

// duringSend is a transport that runs a change once, right after the first message to
// one address left: between the delivery's plan and its record, when a delivery queued
// by the change finds the job still running and is not added.
type duringSend struct {
	mail.Transport
	to     string
	once   sync.Once
	change func()
}

func (d *duringSend) Send(ctx context.Context, m *mail.Message) error {
	err := d.Transport.Send(ctx, m)
	if err == nil && m.To.Email == d.to {
		d.once.Do(d.change)
	}
	return err
}

// TestChangeWhileSending: a guest withdrawn, or an event cancelled, while the guest's
// invitation is on its way still gets the CANCEL, from the delivery's record noticing
// the change and queuing itself again.
func TestChangeWhileSending(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(w *world) error
	}{
		{"withdrawn", func(w *world) error { return w.svc.DeleteInvitation(w.ctx, w.observer.ID) }},
		{"cancelled", func(w *world) error { _, err := w.svc.CancelEvent(w.ctx, w.event.ID); return err }},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				outbox := t.TempDir()
				file, err := mail.NewFile(outbox)
				if err != nil {
					t.Fatal(err)
				}
				var w *world
				changed := make(chan error, 1)
				tr := &duringSend{Transport: file, to: "observer@coe.test", change: func() { changed <- c.change(w) }}
				w = newWorld(t, st, worldOptions{transport: tr})
				w.outbox = outbox
				if _, err := w.svc.QueueInvitations(w.ctx, w.event.ID, service.SendParams{InvitationIDs: []int64{w.observer.ID}}); err != nil {
					t.Fatal(err)
				}
				select {
				case err := <-changed:
					if err != nil {
						t.Fatal(err)
					}
				case <-time.After(20 * time.Second):
					t.Fatal("the invitation was never sent")
				}
				waitFor(t, "the CANCEL", 20*time.Second, func() bool {
					return len(pick(w.outboxLetters(), "observer@", w.event.UID, "CANCEL")) == 1
				})
				w.idle(20 * time.Second)
				ls := w.outboxLetters()
				if len(ls) != 2 || len(pick(ls, "observer@", w.event.UID, "REQUEST")) != 1 {
					t.Fatalf("%d letters, want the REQUEST and the CANCEL to the observer", len(ls))
				}
				if c.name == "withdrawn" {
					if got := w.invitation(w.observer.ID).SendState; got != domain.SendWithdrawn {
						t.Errorf("send_state = %s, want withdrawn", got)
					}
				}
			})
		})
	}
}
