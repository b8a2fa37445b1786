package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/mail"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// cancelAfter cancels the job's context once the server has taken n messages, as a
// shutdown in the middle of a batch would.
type cancelAfter struct {
	mail.Transport
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Send(ctx context.Context, m *mail.Message) error {
	err := c.Transport.Send(ctx, m)
	if c.n--; c.n == 0 {
		c.cancel()
	}
	return err
}

// addGuests invites n more people to the world's event, as drafts without a delegation.
func (w *sendWorld) addGuests(n int) []int64 {
	w.t.Helper()
	var ids []int64
	for i := range n {
		p := &domain.Person{FullName: fmt.Sprintf("Guest %d", i), Email: fmt.Sprintf("guest%d@example.test", i), Language: "en"}
		w.must(w.s.CreatePerson(w.ctx, p))
		inv := &domain.Invitation{EventID: w.event.ID, PersonID: p.ID}
		w.must(w.s.CreateInvitation(w.ctx, inv))
		ids = append(ids, inv.ID)
	}
	return ids
}

// distinctMessageIDs counts the different Message-IDs among raw messages.
func distinctMessageIDs(raws []string) int {
	seen := map[string]bool{}
	for _, raw := range raws {
		for _, line := range strings.Split(raw, "\r\n") {
			if id, ok := strings.CutPrefix(line, "Message-ID: "); ok {
				seen[id] = true
			}
		}
	}
	return len(seen)
}

// TestBatchSendsEachOnce: first invitations are queued as one batch job; a batch stopped
// midway records what the server took, and its next try sends only the rest; a message
// that fails for now is handed to a delivery job of its own, which sends it.
func TestBatchSendsEachOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newSendWorld(t, st)
		// More guests than the store writes in one insert (16), so that the batch's
		// pending rows and audit entries take several.
		ids := append([]int64{w.guest.ID, w.observer.ID}, w.addGuests(18)...)
		total := len(ids)
		n, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{})
		if err != nil || n != total {
			t.Fatalf("queued %d, %v", n, err)
		}
		jobs := w.deliverJobs()
		if len(jobs) != 1 || !slices.Equal(jobs[0].args.InvitationIDs, ids) {
			t.Fatalf("jobs %+v, want one batch of %v", jobs, ids)
		}
		if a := w.count(`SELECT count(*) FROM audit_entries WHERE action = 'send'`); a != int64(total) {
			t.Fatalf("%d audit entries, want one per invitation", a)
		}
		batch := jobs[0].args

		// Stopped after two messages: both are recorded, the rest still queued.
		ctx, cancel := context.WithCancel(w.ctx)
		w.s.SetTransport(&cancelAfter{Transport: w.tr, n: 2, cancel: cancel})
		if err := w.s.Deliver(ctx, batch, service.Attempt{Number: 1, Max: 8}, nil); err == nil {
			t.Fatal("a batch stopped midway reported success")
		}
		sent := w.count(`SELECT count(*) FROM invitations WHERE send_state = 'sent'`)
		if len(w.peer.messages()) != 2 || sent != 2 {
			t.Fatalf("stopped after 2 messages: %d received, %d recorded sent", len(w.peer.messages()), sent)
		}

		// The next try: the third message fails for now and is handed on.
		tr := &flaky{Transport: w.tr, fail: 1}
		w.s.SetTransport(tr)
		w.must(w.s.Deliver(w.ctx, batch, service.Attempt{Number: 2, Max: 8}, nil))
		if len(w.peer.messages()) != total-1 {
			t.Fatalf("%d messages after the second try, want %d", len(w.peer.messages()), total-1)
		}
		var handed []deliverJob // the guest's meeting is queued too, once their invitation went
		for _, j := range w.deliverJobs()[1:] {
			if j.args.SessionID == 0 {
				handed = append(handed, j)
			}
		}
		if len(handed) != 1 || handed[0].args.InvitationID != ids[2] || len(handed[0].args.InvitationIDs) != 0 {
			t.Fatalf("handed on: %+v, want a delivery of invitation %d", handed, ids[2])
		}
		if inv := w.invitation(ids[2]); inv.SendState != domain.SendQueued || !strings.Contains(inv.LastError, "451") {
			t.Fatalf("the message that failed for now: invitation %s %q", inv.SendState, inv.LastError)
		}
		w.must(w.s.Deliver(w.ctx, handed[0].args, service.Attempt{Number: 1, Max: 8}, nil))

		// Each guest got their invitation once, and a further try of the batch sends nothing.
		w.must(w.s.Deliver(w.ctx, batch, service.Attempt{Number: 3, Max: 8}, nil))
		if got, ids := len(w.peer.messages()), distinctMessageIDs(w.peer.messages()); got != total || ids != total {
			t.Fatalf("%d messages, %d Message-IDs; want %d and %d", got, ids, total, total)
		}
		for _, id := range ids {
			inv := w.invitation(id)
			msgs, err := w.s.OutboundMessages(w.ctx, id)
			w.must(err)
			if inv.SendState != domain.SendSent || inv.LastError != "" || len(msgs) != 1 || msgs[0].Status != store.OutboundSent {
				t.Errorf("invitation %d: %s %q, messages %+v", id, inv.SendState, inv.LastError, msgs)
			}
		}
		if m, _ := w.s.OutboundMessages(w.ctx, ids[2]); m[0].Attempts != 2 {
			t.Errorf("the handed-on message took %d attempts, want 2", m[0].Attempts)
		}
	})
}

// slowServer takes delay over each message, as a server that scans what it receives.
type slowServer struct {
	mail.Transport
	delay time.Duration
}

func (s *slowServer) Send(ctx context.Context, m *mail.Message) error {
	time.Sleep(s.delay)
	return s.Transport.Send(ctx, m)
}

// TestBatchHandsOn: a batch slowed by its server stops taking messages at half its
// job's time, completes, and hands the guests it did not reach to a new batch job,
// which sends each of them once.
func TestBatchHandsOn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newSendWorld(t, st)
		ids := append([]int64{w.guest.ID, w.observer.ID}, w.addGuests(3)...)
		_, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{})
		w.must(err)
		batch := w.deliverJobs()[0]
		w.s.SetTransport(&slowServer{Transport: w.tr, delay: 60 * time.Millisecond})
		// Half of 250 ms: two or three of the five messages.
		ctx, cancel := context.WithTimeout(w.ctx, 250*time.Millisecond)
		defer cancel()
		if err := w.s.Deliver(ctx, batch.args, service.Attempt{Number: 1, Max: 8}, nil); err != nil {
			t.Fatalf("a batch that ran out of time failed: %v", err)
		}
		sent := len(w.peer.messages())
		if sent == 0 || sent == 5 {
			t.Fatalf("%d messages before the batch handed on, want some of the 5", sent)
		}
		var next []deliverJob
		for _, j := range w.deliverJobs() {
			if j.id != batch.id && len(j.args.InvitationIDs) > 0 {
				next = append(next, j)
			}
		}
		if len(next) != 1 || !slices.Equal(next[0].args.InvitationIDs, ids[sent:]) {
			t.Fatalf("handed on %+v, want one batch of %v", next, ids[sent:])
		}
		w.s.SetTransport(w.tr)
		w.must(w.s.Deliver(w.ctx, next[0].args, service.Attempt{Number: 1, Max: 8}, nil))
		if got, ids := len(w.peer.messages()), distinctMessageIDs(w.peer.messages()); got != 5 || ids != 5 {
			t.Fatalf("%d messages, %d Message-IDs; want 5 and 5", got, ids)
		}
		for _, id := range ids {
			if inv := w.invitation(id); inv.SendState != domain.SendSent {
				t.Errorf("invitation %d: %s", id, inv.SendState)
			}
		}
	})
}

// TestBatchRecordFailsBeforeNext: when the record of a batch's message fails (here a
// trigger refuses the observer's), the next message, already staged at the server, is
// never accepted: the batch drops its connection before the final ".". So the only
// message the server took and the records lack is the observer's, which the batch's
// next try sends again, identical; every other guest gets one message.
func TestBatchRecordFailsBeforeNext(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	w := newSendWorld(t, st)
	ids := append([]int64{w.guest.ID, w.observer.ID}, w.addGuests(3)...)
	_, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{})
	w.must(err)
	batch := w.deliverJobs()[0].args
	w.must(st.Gorm().Exec(fmt.Sprintf(`CREATE TRIGGER refuse_record BEFORE UPDATE OF status ON outbound_messages
		WHEN NEW.status = 'sent' AND OLD.invitation_id = %d BEGIN SELECT RAISE(ABORT, 'record refused'); END`, w.observer.ID)).Error)
	if err := w.s.Deliver(w.ctx, batch, service.Attempt{Number: 1, Max: 8}, nil); err == nil || !strings.Contains(err.Error(), "record refused") {
		t.Fatalf("batch with a failing record: %v", err)
	}
	if got := len(w.peer.messages()); got != 2 {
		t.Fatalf("the server took %d messages, want the guest's and the observer's only", got)
	}
	w.must(st.Gorm().Exec(`DROP TRIGGER refuse_record`).Error)
	w.must(w.s.Deliver(w.ctx, batch, service.Attempt{Number: 2, Max: 8}, nil))
	if got, distinct := len(w.peer.messages()), distinctMessageIDs(w.peer.messages()); got != 6 || distinct != 5 {
		t.Fatalf("%d messages with %d Message-IDs, want 6 with 5 (the observer's twice)", got, distinct)
	}
	for _, id := range ids {
		if inv := w.invitation(id); inv.SendState != domain.SendSent {
			t.Errorf("invitation %d: %s", id, inv.SendState)
		}
	}
}

// changeAfter runs change once, right after the server took the message to one address:
// between a batch message's plan and its record.
type changeAfter struct {
	mail.Transport
	to     string
	change func() error
	err    error
	done   bool
}

func (c *changeAfter) Send(ctx context.Context, m *mail.Message) error {
	err := c.Transport.Send(ctx, m)
	if err == nil && m.To.Email == c.to && !c.done {
		c.done, c.err = true, c.change()
	}
	return err
}

// TestBatchRecordNoticesChange: a batch message is recorded in a short transaction of
// its own only while its guest and event are as planned. A guest withdrawn, or an event
// moved, while the message was on its way is noticed by the record, as for a single
// delivery: the withdrawn guest stays withdrawn, and each guest whose plan is out of date
// gets a delivery that sends what is missing.
func TestBatchRecordNoticesChange(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(w *sendWorld) error
	}{
		{"withdrawn", func(w *sendWorld) error { return w.s.DeleteInvitation(w.ctx, w.observer.ID) }},
		{"moved", func(w *sendWorld) error {
			_, err := w.s.UpdateEvent(w.ctx, w.event.ID, func(ev *domain.Event) error {
				ev.StartsAt, ev.EndsAt = ev.StartsAt.Add(time.Hour), ev.EndsAt.Add(time.Hour)
				return nil
			})
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				w := newSendWorld(t, st)
				ids := []int64{w.observer.ID}
				for i := range 2 {
					p := &domain.Person{FullName: fmt.Sprintf("Guest %d", i), Email: fmt.Sprintf("guest%d@example.test", i), Language: "en"}
					w.must(w.s.CreatePerson(w.ctx, p))
					inv := &domain.Invitation{EventID: w.event.ID, PersonID: p.ID}
					w.must(w.s.CreateInvitation(w.ctx, inv))
					ids = append(ids, inv.ID)
				}
				if _, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{InvitationIDs: ids}); err != nil {
					t.Fatal(err)
				}
				jobs := w.deliverJobs()
				if len(jobs) != 1 || !slices.Equal(jobs[0].args.InvitationIDs, ids) {
					t.Fatalf("jobs %+v, want one batch of %v", jobs, ids)
				}
				tr := &changeAfter{Transport: w.tr, to: "observer@coe.test", change: func() error { return c.change(w) }}
				w.s.SetTransport(tr)
				w.must(w.s.Deliver(w.ctx, jobs[0].args, service.Attempt{Number: 1, Max: 8}, nil))
				w.must(tr.err)
				if n := len(w.peer.messages()); n != 3 {
					t.Fatalf("%d messages, want 3", n)
				}
				for _, id := range ids {
					msgs, err := w.s.OutboundMessages(w.ctx, id)
					w.must(err)
					if len(msgs) != 1 || msgs[0].Status != store.OutboundSent {
						t.Errorf("invitation %d: messages %+v, want one sent", id, msgs)
					}
				}
				queued := map[int64]bool{}
				for _, j := range w.deliverJobs()[1:] {
					if j.args.SessionID == 0 && len(j.args.InvitationIDs) == 0 {
						queued[j.args.InvitationID] = true
					}
				}
				switch c.name {
				case "withdrawn":
					if got := w.invitation(w.observer.ID).SendState; got != domain.SendWithdrawn {
						t.Errorf("observer: send_state %s, want withdrawn", got)
					}
					if !queued[w.observer.ID] {
						t.Errorf("no delivery queued for the withdrawn observer's CANCEL")
					}
					for _, id := range ids[1:] {
						if got := w.invitation(id).SendState; got != domain.SendSent {
							t.Errorf("invitation %d: send_state %s, want sent", id, got)
						}
					}
				case "moved":
					for _, id := range ids {
						if got := w.invitation(id).SendState; got != domain.SendSent {
							t.Errorf("invitation %d: send_state %s, want sent", id, got)
						}
						// Every guest's record noticed the move.
						if !queued[id] {
							t.Errorf("invitation %d: no delivery queued for the update", id)
						}
					}
				}
			})
		})
	}
}
