package service_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// inboundWorld is sendWorld with fixed UIDs (those of testdata/replies) and both
// invitations sent.
type inboundWorld struct {
	*sendWorld
}

func newInboundWorld(t *testing.T, st *store.Store) *inboundWorld {
	t.Helper()
	w := &inboundWorld{newSendWorld(t, st)}
	w.exec(`UPDATE events SET uid = 'evt-2030-conference@attache.test' WHERE id = ?`, w.event.ID)
	w.exec(`UPDATE sessions SET uid = 'session-bilateral@attache.test' WHERE id = ?`, w.meeting)
	_, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{})
	w.must(err)
	w.deliver(w.guest.ID, 0)
	w.deliver(w.observer.ID, 0)
	return w
}

func (w *inboundWorld) exec(query string, args ...any) {
	w.t.Helper()
	w.must(w.st.Gorm().Exec(query, args...).Error)
}

func (w *inboundWorld) corpus(name string) []byte {
	w.t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "replies", name))
	w.must(err)
	return b
}

// feed runs one corpus message through the intake and checks its outcome and kind.
func (w *inboundWorld) feed(name string, outcome domain.Intake, kind domain.InboundKind, reason string) *domain.InboundMessage {
	w.t.Helper()
	return w.feedRaw(name, w.corpus(name), outcome, kind, reason)
}

func (w *inboundWorld) feedRaw(name string, raw []byte, outcome domain.Intake, kind domain.InboundKind, reason string) *domain.InboundMessage {
	w.t.Helper()
	m, err := w.s.Intake(w.ctx, raw, "test")
	if err != nil {
		w.t.Fatalf("%s: intake error %v", name, err)
	}
	w.t.Logf("%s: %s/%s %q", name, m.Outcome, m.Kind, m.Reason)
	if m.Outcome != outcome || m.Kind != kind || !strings.Contains(m.Reason, reason) {
		w.t.Fatalf("%s: %s/%s %q, want %s/%s containing %q (attendee %q)", name, m.Outcome, m.Kind, m.Reason,
			outcome, kind, reason, m.Attendee)
	}
	return m
}

func (w *inboundWorld) response(id int64) domain.Response {
	w.t.Helper()
	return w.invitation(id).Response
}

func (w *inboundWorld) wantResponse(what string, id int64, want domain.Response) {
	w.t.Helper()
	inv := w.invitation(id)
	if inv.Response != want {
		w.t.Fatalf("%s: invitation %d answered %s, want %s", what, id, inv.Response, want)
	}
	if want != domain.ResponseNeedsAction && inv.ResponseChannel != domain.ChannelEmail {
		w.t.Fatalf("%s: channel %s, want email", what, inv.ResponseChannel)
	}
}

// TestIntakeCorpus feeds the reply corpus (testdata/replies/README.md) through the
// intake in order, on both databases.
func TestIntakeCorpus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newInboundWorld(t, st)
		g, o := w.guest.ID, w.observer.ID

		gm := w.feed("gmail-accepted.eml", domain.IntakeApplied, domain.InboundReply, "accepted")
		w.wantResponse("gmail", g, domain.ResponseAccepted)
		if gm.InvitationID == nil || *gm.InvitationID != g || gm.Comment != "Will be there with one aide" || gm.MessageID != "CAgmail-0001@mail.gmail.com" {
			t.Fatalf("gmail record %+v", gm)
		}
		again, err := w.s.Intake(w.ctx, w.corpus("gmail-accepted.eml"), "imap")
		w.must(err)
		if again.ID != gm.ID || w.count(`SELECT count(*) FROM inbound_messages WHERE message_id = ?`, gm.MessageID) != 1 {
			t.Fatalf("duplicate Message-ID recorded again: %d vs %d", again.ID, gm.ID)
		}
		hist, _, err := w.s.Responses(w.ctx, g, service.Page{})
		w.must(err)
		last := hist[len(hist)-1]
		if last.Channel != domain.ChannelEmail || last.InboundMessageID == nil || *last.InboundMessageID != gm.ID ||
			last.Response != domain.ResponseAccepted || last.Actor != "az@genprosecutor-az.test" {
			t.Fatalf("history %+v", last)
		}

		w.feed("apple-declined.eml", domain.IntakeApplied, domain.InboundReply, "declined")
		w.wantResponse("apple", g, domain.ResponseDeclined)
		w.feed("latin1-accepted.eml", domain.IntakeApplied, domain.InboundReply, "accepted")
		w.wantResponse("latin1", g, domain.ResponseAccepted)
		w.feed("rfc5546-tentative.eml", domain.IntakeApplied, domain.InboundReply, "tentative")
		w.wantResponse("rfc5546", g, domain.ResponseTentative)
		w.feed("stale-dtstamp.eml", domain.IntakeIgnored, domain.InboundReply, "stale")
		w.wantResponse("stale dtstamp", g, domain.ResponseTentative)

		out := w.feed("outlook-tentative.eml", domain.IntakeApplied, domain.InboundReply, "tentative")
		w.wantResponse("outlook", o, domain.ResponseTentative)
		if out.Comment != "I may be late." || out.Attendee != "observer@coe.test" {
			t.Fatalf("outlook record %+v", out)
		}
		w.feed("bom-accepted.eml", domain.IntakeApplied, domain.InboundReply, "accepted")
		w.wantResponse("bom", o, domain.ResponseAccepted)
		w.feed("thunderbird-declined.eml", domain.IntakeApplied, domain.InboundReply, "declined")
		w.wantResponse("thunderbird", o, domain.ResponseDeclined)

		spoof := w.feed("spoofed-from.eml", domain.IntakeHeld, domain.InboundReply, "sender does not match attendee")
		w.wantResponse("spoofed", g, domain.ResponseTentative)
		other := w.feed("other-attendee.eml", domain.IntakeHeld, domain.InboundReply, "sender does not match attendee")
		w.wantResponse("other attendee", g, domain.ResponseTentative)
		w.wantResponse("other attendee (sender's own)", o, domain.ResponseDeclined)
		if other.InvitationID == nil || *other.InvitationID != g {
			t.Fatalf("other-attendee names invitation %v, want %d", other.InvitationID, g)
		}
		w.feed("uninvited.eml", domain.IntakeHeld, domain.InboundReply, "not invited")
		if n := w.count(`SELECT count(*) FROM invitations WHERE lower(email) = 'crasher@elsewhere.test'`); n != 0 {
			t.Fatal("a reply created an invitation")
		}
		w.feed("unknown-uid.eml", domain.IntakeIgnored, domain.InboundReply, "unknown UID")

		counter := w.feed("counter.eml", domain.IntakeHeld, domain.InboundCounter, "new time")
		// 11:00 Moscow (Russian Standard Time) is 08:00 UTC.
		if !strings.Contains(counter.Proposal, "start 2030-01-12T08:00:00Z") || !strings.Contains(counter.Proposal, "end 2030-01-12T14:00:00Z") ||
			!strings.Contains(counter.Proposal, "two hours later") {
			t.Fatalf("counter proposal %q", counter.Proposal)
		}
		deleg := w.feed("delegated.eml", domain.IntakeHeld, domain.InboundDelegated, "delegates")
		if deleg.ProposedTo != "deputy@genprosecutor-az.test" {
			t.Fatalf("delegated proposed_to %q", deleg.ProposedTo)
		}
		w.feed("session-reply.eml", domain.IntakeIgnored, domain.InboundReply, "session")
		w.wantResponse("session reply", g, domain.ResponseTentative)

		w.exec(`DELETE FROM river_job`)
		w.feed("refresh.eml", domain.IntakeApplied, domain.InboundRefresh, "queued")
		if n := w.jobs("mail.deliver"); n != 1 {
			t.Fatalf("refresh queued %d deliveries, want 1", n)
		}

		w.feed("out-of-office.eml", domain.IntakeIgnored, domain.InboundAutoReply, "automatic reply")
		w.feed("garbage.eml", domain.IntakeRejected, domain.InboundOther, "unreadable")
		w.feed("go-ical-panic.eml", domain.IntakeHeld, domain.InboundReply, "malformed")

		msgs, err := w.s.OutboundMessages(w.ctx, o)
		w.must(err)
		bounce := bytes.ReplaceAll(w.corpus("bounce.eml"), []byte("{{ORIGINAL_MESSAGE_ID}}"), []byte(msgs[0].MessageID))
		b := w.feedRaw("bounce.eml", bounce, domain.IntakeApplied, domain.InboundBounce, "User unknown")
		inv := w.invitation(o)
		if inv.SendState != domain.SendUndeliverable || !strings.Contains(inv.LastError, "550 5.1.1") || b.InvitationID == nil || *b.InvitationID != o {
			t.Fatalf("after bounce: %s %q, record %+v", inv.SendState, inv.LastError, b)
		}

		// The guest was last sent SEQUENCE 1: a reply to 0 is stale.
		w.exec(`UPDATE outbound_messages SET sequence = 1 WHERE invitation_id = ?`, g)
		w.feed("stale-sequence.eml", domain.IntakeIgnored, domain.InboundReply, "stale")
		w.wantResponse("stale sequence", g, domain.ResponseTentative)

		// An officer applies the spoofed reply (they checked by phone), dismisses the
		// other, can not apply a COUNTER, and accepts the delegation.
		applied, err := w.s.ApplyInbound(w.ctx, spoof.ID)
		w.must(err)
		if applied.Outcome != domain.IntakeApplied || applied.ResolvedAt == nil {
			t.Fatalf("applied %+v", applied)
		}
		w.wantResponse("applied spoof", g, domain.ResponseDeclined)
		hist, _, err = w.s.Responses(w.ctx, g, service.Page{})
		w.must(err)
		if last := hist[len(hist)-1]; last.InboundMessageID == nil || *last.InboundMessageID != spoof.ID || last.Actor != "officer@attache.test" {
			t.Fatalf("history after apply %+v", last)
		}
		if _, err := w.s.ApplyInbound(w.ctx, spoof.ID); !isConflict(err, "outcome") {
			t.Fatalf("applying twice: %v", err)
		}
		d, err := w.s.DismissInbound(w.ctx, other.ID, "sent by the wrong guest")
		w.must(err)
		if d.Outcome != domain.IntakeDismissed || !strings.Contains(d.Reason, "wrong guest") {
			t.Fatalf("dismissed %+v", d)
		}
		w.wantResponse("dismissed", g, domain.ResponseDeclined)
		if _, err := w.s.ApplyInbound(w.ctx, counter.ID); !isConflict(err, "kind") {
			t.Fatalf("applying a counter: %v", err)
		}
		if _, err := w.s.ApplyInbound(w.ctx, deleg.ID); err != nil {
			t.Fatal(err)
		}
		w.wantResponse("delegation applied", g, domain.ResponseDelegated)

		held, _, err := w.s.InboundMessages(w.ctx, service.InboundFilter{Outcome: domain.IntakeHeld}, service.Page{})
		w.must(err)
		for _, m := range held {
			if m.Outcome != domain.IntakeHeld || m.Raw != nil {
				t.Fatalf("held list item %+v", m)
			}
		}
		if len(held) != 3 { // uninvited, counter, go-ical panic
			t.Fatalf("%d held, want 3", len(held))
		}
		page1, next, err := w.s.InboundMessages(w.ctx, service.InboundFilter{EventID: w.event.ID}, service.Page{Limit: 2})
		w.must(err)
		page2, _, err := w.s.InboundMessages(w.ctx, service.InboundFilter{EventID: w.event.ID}, service.Page{Limit: 2, Cursor: next})
		w.must(err)
		if len(page1) != 2 || len(page2) != 2 || page1[0].ID <= page1[1].ID || page1[1].ID <= page2[0].ID {
			t.Fatalf("pages %d %d", len(page1), len(page2))
		}
		one, err := w.s.InboundMessage(w.ctx, gm.ID)
		w.must(err)
		if !bytes.Equal(one.Raw, w.corpus("gmail-accepted.eml")) {
			t.Fatal("raw not kept")
		}
	})
}

// TestIntakeTooLarge: a message over the cap is rejected and only its start is kept.
func TestIntakeTooLarge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newInboundWorld(t, st)
		raw := append(w.corpus("gmail-accepted.eml"), bytes.Repeat([]byte("x"), service.MaxInboundRaw)...)
		m := w.feedRaw("huge", raw, domain.IntakeRejected, domain.InboundOther, "too large")
		if len(m.Raw) != service.KeepRejectedRaw || m.Size != len(raw) {
			t.Fatalf("kept %d of %d bytes", len(m.Raw), m.Size)
		}
		w.wantResponse("huge", w.guest.ID, domain.ResponseNeedsAction)
	})
}

// TestIntakeConfiguredLimit: inbound.max_size (Options.MaxInbound) replaces the default
// cap: a message over a smaller limit is rejected, one under it is read.
func TestIntakeConfiguredLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newInboundWorld(t, st)
		raw := w.corpus("gmail-accepted.eml")
		limited := service.New(st, service.Options{MaxInbound: len(raw) + 100}, nil)
		big := append(bytes.Clone(raw), bytes.Repeat([]byte("x"), 200)...)
		m, err := limited.Intake(w.ctx, big, "test")
		w.must(err)
		if m.Outcome != domain.IntakeRejected || !strings.Contains(m.Reason, "the limit is "+strconv.Itoa(len(raw)+100)) ||
			m.MessageID != "CAgmail-0001@mail.gmail.com" || len(m.Raw) != len(big) {
			t.Fatalf("over the configured limit: %s %q, id %q, kept %d bytes", m.Outcome, m.Reason, m.MessageID, len(m.Raw))
		}
		ok, err := limited.Intake(w.ctx, bytes.Replace(raw, []byte("CAgmail-0001"), []byte("CAgmail-0002"), 1), "test")
		w.must(err)
		if ok.Outcome == domain.IntakeRejected {
			t.Fatalf("under the configured limit: %s %q", ok.Outcome, ok.Reason)
		}
	})
}
