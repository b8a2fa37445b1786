package service_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/mail"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// runDeliveries runs every queued mail.deliver job as its worker would, until none is
// left, and removes each once run (as River would complete it). It returns how many ran.
func (w *sendWorld) runDeliveries() int {
	w.t.Helper()
	ran := 0
	for range 20 {
		jobs := w.deliverJobs()
		if len(jobs) == 0 {
			return ran
		}
		for _, j := range jobs {
			w.must(w.s.Deliver(w.ctx, j.args, service.Attempt{Number: 1, Max: 8}, nil))
			w.must(w.st.Gorm().Exec(`DELETE FROM river_job WHERE id = ?`, j.id).Error)
			ran++
		}
	}
	w.t.Fatal("deliveries keep queuing deliveries")
	return ran
}

// refreshFrom is the corpus REFRESH from the observer, asking about SEQUENCE seq, under
// its own Message-ID.
func (w *inboundWorld) refreshFrom(messageID string, seq int) []byte {
	w.t.Helper()
	raw := w.corpus("refresh.eml")
	raw = bytes.Replace(raw, []byte("<refresh-0015@coe.test>"), []byte("<"+messageID+">"), 1)
	return bytes.Replace(raw, []byte("SEQUENCE:0"), []byte(fmt.Sprintf("SEQUENCE:%d", seq)), 1)
}

// refreshAnswered takes the observer's REFRESH about SEQUENCE 1 under messageID, runs
// the one delivery it queues and checks that it sent one message to to.
func (w *inboundWorld) refreshAnswered(messageID, to string) *domain.InboundMessage {
	w.t.Helper()
	before := w.countTo(to)
	m := w.feedRaw("refresh", w.refreshFrom(messageID, 1), domain.IntakeApplied, domain.InboundRefresh, "queued")
	if n := w.runDeliveries(); n != 1 {
		w.t.Fatalf("the REFRESH ran %d deliveries, want 1", n)
	}
	if n := w.countTo(to); n != before+1 {
		w.t.Fatalf("%d messages after the REFRESH, want %d", n, before+1)
	}
	return m
}

// lastTo is the last message the peer took for one address, with its Message-ID and
// calendar.
func (w *sendWorld) lastTo(to string) (raw, messageID, cal, method string) {
	w.t.Helper()
	w.peer.mu.Lock()
	for i := len(w.peer.to) - 1; i >= 0 && raw == ""; i-- {
		if w.peer.to[i] == to {
			raw = w.peer.got[i]
		}
	}
	w.peer.mu.Unlock()
	if raw == "" {
		w.t.Fatalf("no message to %s", to)
	}
	for _, line := range strings.Split(raw, "\r\n") {
		if v, ok := strings.CutPrefix(line, "Message-ID: "); ok {
			messageID = strings.Trim(v, "<>")
		}
	}
	cal, method = calendarOf(w.t, raw)
	return raw, messageID, cal, method
}

// countTo counts the messages the peer took for one address.
func (w *sendWorld) countTo(to string) int {
	w.peer.mu.Lock()
	defer w.peer.mu.Unlock()
	n := 0
	for _, r := range w.peer.to {
		if r == to {
			n++
		}
	}
	return n
}

// flaky fails the next fail sends with a temporary error, as a 451 would.
type flaky struct {
	mail.Transport
	fail int
}

func (f *flaky) Send(ctx context.Context, m *mail.Message) error {
	if f.fail > 0 {
		f.fail--
		return &mail.SendError{Temporary: true, Code: 451, Message: "4.7.1 try again later"}
	}
	return f.Transport.Send(ctx, m)
}

// TestRefreshResendsCurrentInvitation: an iTIP REFRESH from a guest whose copy is current
// sends the current invitation again, same UID and SEQUENCE, under a Message-ID of its
// own; the same REFRESH received twice is answered once, two REFRESHes twice, and a
// retried job repeats its Message-ID. A guest whose copy is out of date gets the update.
func TestRefreshResendsCurrentInvitation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newInboundWorld(t, st)
		w.exec(`DELETE FROM river_job`) // the guest's meeting: not this test's
		o := w.observer.ID
		observer := "observer@coe.test"
		// One significant change first, so that the current SEQUENCE is 1.
		_, err := w.s.UpdateEvent(w.ctx, w.event.ID, func(e *domain.Event) error {
			e.EndsAt = e.EndsAt.Add(time.Hour)
			return nil
		})
		w.must(err)
		w.must(w.s.AnnounceChange(w.ctx, service.ChangeArgs{EventID: w.event.ID}, nil))
		w.runDeliveries()
		_, updateID, cal, _ := w.lastTo(observer)
		if !strings.Contains(cal, "SEQUENCE:1") {
			t.Fatalf("the update is not SEQUENCE 1:\n%s", cal)
		}
		sentAt := w.invitation(o).SentAt
		before := w.countTo(observer)

		first := w.refreshAnswered("refresh-1@coe.test", observer)
		_, resentID, cal, method := w.lastTo(observer)
		wantID := fmt.Sprintf("inv-%d-invitation-1-r%d@attache.test", o, first.ID)
		if method != "REQUEST" || !strings.Contains(cal, "SEQUENCE:1") || !strings.Contains(cal, "UID:evt-2030-conference@attache.test") ||
			resentID != wantID || resentID == updateID {
			t.Fatalf("resent %s with Message-ID %q (want %q, the update's was %q):\n%s", method, resentID, wantID, updateID, cal)
		}
		if inv := w.invitation(o); inv.SendState != domain.SendSent || !inv.SentAt.Equal(*sentAt) {
			t.Fatalf("after the resend: %s, sent at %v (was %v)", inv.SendState, inv.SentAt, sentAt)
		}

		// The same REFRESH again is the same record, and queues nothing.
		again, err := w.s.Intake(w.ctx, w.refreshFrom("refresh-1@coe.test", 1), "imap")
		w.must(err)
		if again.ID != first.ID || w.jobs("mail.deliver") != 0 {
			t.Fatalf("the same REFRESH again: record %d (first %d), %d jobs", again.ID, first.ID, w.jobs("mail.deliver"))
		}
		// Its job run once more, as after a crash, finds the message sent.
		w.deliver(o, 0)
		w.must(w.s.Deliver(w.ctx, service.DeliverArgs{InvitationID: o, Refresh: first.ID}, service.Attempt{Number: 2, Max: 8}, nil))
		if n := w.countTo(observer); n != before+1 {
			t.Fatalf("a re-run resent: %d messages, want %d", n, before+1)
		}

		// Another REFRESH is answered again, under its own Message-ID; a temporary failure
		// is retried under the same one.
		tr := &flaky{fail: 1}
		tr.Transport = w.tr
		w.s.SetTransport(tr)
		second := w.feedRaw("refresh", w.refreshFrom("refresh-2@coe.test", 1), domain.IntakeApplied, domain.InboundRefresh, "queued")
		a := service.DeliverArgs{InvitationID: o, Refresh: second.ID}
		if err := w.s.Deliver(w.ctx, a, service.Attempt{Number: 1, Max: 8}, nil); !mail.IsTemporary(err) {
			t.Fatalf("first try: %v, want the temporary failure", err)
		}
		w.must(w.s.Deliver(w.ctx, a, service.Attempt{Number: 2, Max: 8}, nil))
		_, secondID, cal, _ := w.lastTo(observer)
		wantID = fmt.Sprintf("inv-%d-invitation-1-r%d@attache.test", o, second.ID)
		if secondID != wantID || secondID == resentID || !strings.Contains(cal, "SEQUENCE:1") {
			t.Fatalf("second resend: Message-ID %q, want %q:\n%s", secondID, wantID, cal)
		}
		msgs, err := w.s.OutboundMessages(w.ctx, o)
		w.must(err)
		if m := msgs[len(msgs)-1]; m.MessageID != wantID || m.Status != store.OutboundSent || m.Attempts != 2 {
			t.Fatalf("the retried resend's row: %+v", m)
		}
		if n := w.countTo(observer); n != before+2 {
			t.Fatalf("%d messages after two REFRESHes, want %d", n, before+2)
		}
		w.exec(`DELETE FROM river_job`) // the second REFRESH's job, run by hand above

		// A guest whose copy is out of date is sent the update, which the REFRESH brings
		// forward; the quiet period's own delivery then finds nothing to send.
		_, err = w.s.UpdateEvent(w.ctx, w.event.ID, func(e *domain.Event) error {
			e.EndsAt = e.EndsAt.Add(time.Hour)
			return nil
		})
		w.must(err)
		w.feedRaw("refresh", w.refreshFrom("refresh-3@coe.test", 1), domain.IntakeApplied, domain.InboundRefresh, "queued")
		if n := w.runDeliveries(); n != 2 {
			t.Fatalf("%d deliveries, want the REFRESH's and the update it queued", n)
		}
		_, id, cal, method := w.lastTo(observer)
		if method != "REQUEST" || !strings.Contains(cal, "SEQUENCE:2") || id != fmt.Sprintf("inv-%d-update-2@attache.test", o) {
			t.Fatalf("out-of-date copy: %s %q:\n%s", method, id, cal)
		}
		w.must(w.s.AnnounceChange(w.ctx, service.ChangeArgs{EventID: w.event.ID}, nil))
		w.runDeliveries()
		if n := w.countTo(observer); n != before+3 {
			t.Fatalf("%d messages, want %d", n, before+3)
		}
	})
}

// TestRefreshAfterCancellation: a REFRESH about a cancelled event is answered with its
// CANCEL again (the latest copy, RFC 5546 §3.2.6), same UID and SEQUENCE, under the
// request's own Message-ID.
func TestRefreshAfterCancellation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newInboundWorld(t, st)
		w.exec(`DELETE FROM river_job`)
		o, observer := w.observer.ID, "observer@coe.test"
		_, err := w.s.CancelEvent(w.ctx, w.event.ID)
		w.must(err)
		w.runDeliveries()
		_, cancelID, cancelCal, method := w.lastTo(observer)
		if method != "CANCEL" || !strings.Contains(cancelCal, "SEQUENCE:1") {
			t.Fatalf("the cancellation: %s\n%s", method, cancelCal)
		}
		req := w.refreshAnswered("refresh-9@coe.test", observer)
		_, id, cal, method := w.lastTo(observer)
		want := fmt.Sprintf("inv-%d-cancellation-1-r%d@attache.test", o, req.ID)
		if method != "CANCEL" || id != want || id == cancelID || !strings.Contains(cal, "SEQUENCE:1") ||
			!strings.Contains(cal, "UID:evt-2030-conference@attache.test") || !strings.Contains(cal, "STATUS:CANCELLED") {
			t.Fatalf("answer: %s %q (want %q):\n%s", method, id, want, cal)
		}
	})
}
