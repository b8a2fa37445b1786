package service

import (
	"context"
	"crypto/hmac"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/attache-app/attache/internal/calendar"
	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/i18n"
	"github.com/attache-app/attache/internal/mail"
	"github.com/attache-app/attache/internal/store"
)

// Sending. An invitation's send state moves draft → queued (QueueInvitations, in the
// transaction that inserts its job) → sent, or failed when the server refuses it for
// good or every retry failed; withdrawn when the guest is removed after mail went out.
//
// Every message is an outbound_messages row before it leaves. A DeliverArgs job plans
// in one transaction (what does this guest hold of this item, what should they hold),
// writes the row as pending with its deterministic Message-ID and DTSTAMP, sends outside
// any transaction, and records the outcome in a second one: sent, a retry (temporary
// failure: the row stays pending, River backs off) or failed (with the server's reply).
// The record does not end with the job's context (recordContext): a shutdown or job
// timeout just after the server's acceptance still records it. A job run again after
// the row says sent finds nothing to do; a job re-run after a crash between the
// server's acceptance and the record sends the same Message-ID, Date and DTSTAMP again,
// which receivers recognise as the same message. A guest's iTIP REFRESH is a delivery
// of its own (DeliverArgs.Refresh, planRefresh): the current state again, under a
// Message-ID of that request's own.

// OutboundMessage is the store's, named here for the web layer.
type OutboundMessage = store.OutboundMessage

// SendParams narrows a send to some of the event's invitations. Without ids, every
// invitation not yet sent (draft, failed) is queued; named ids may also re-send an
// undeliverable invitation or re-invite a withdrawn guest.
type SendParams struct {
	InvitationIDs []int64
}

// QueueInvitations queues the event's invitations for sending and returns how many were
// queued. Each moves to queued in the transaction that inserts its job, so a crash can
// never leave one without the other. An event that has ended, is cancelled, completed
// or still a draft is refused with a conflict.
func (s *Service) QueueInvitations(ctx context.Context, eventID int64, p SendParams) (int, error) {
	if s.opt.Mail == nil || s.opt.Mail.Queue == nil {
		return 0, errNoQueue
	}
	queued := 0
	err := s.st.InTx(ctx, func(q *store.Q) error {
		queued = 0
		ev, err := q.GetEvent(eventID)
		if err != nil {
			return err
		}
		if err := s.sendable(ev); err != nil {
			return err
		}
		invs, err := q.EventInvitations(eventID)
		if err != nil {
			return err
		}
		named := map[int64]bool{}
		for _, id := range p.InvitationIDs {
			if !slices.ContainsFunc(invs, func(i *domain.Invitation) bool { return i.ID == id }) {
				return domain.Invalid("invitation_ids", "invitation %d is not an invitation of event %d", id, eventID)
			}
			named[id] = true
		}
		var fresh []*domain.Invitation // first sends, in batches (send_batch.go)
		for _, inv := range invs {
			if len(named) > 0 && !named[inv.ID] {
				continue
			}
			switch inv.SendState {
			case domain.SendDraft, domain.SendFailed:
				fresh = append(fresh, inv)
				continue
			case domain.SendUndeliverable, domain.SendWithdrawn:
				if !named[inv.ID] {
					continue
				}
			default: // queued or sent already
				continue
			}
			if err := q.SetInvitationSendState(inv.ID, domain.SendQueued, "", nil, s.now()); err != nil {
				return err
			}
			if err := s.enqueue(ctx, q, DeliverArgs{InvitationID: inv.ID}, time.Time{}); err != nil {
				return err
			}
			if err := s.audit(ctx, q, "send", "invitation", inv.ID,
				map[string]any{"send_state": inv.SendState}, map[string]any{"send_state": domain.SendQueued}); err != nil {
				return err
			}
			queued++
		}
		if err := s.queueFresh(ctx, q, fresh); err != nil {
			return err
		}
		queued += len(fresh)
		return nil
	})
	return queued, err
}

// sendable refuses to send for an event guests can no longer attend, or that is not yet
// announced: a draft may still be deleted outright, which no guest holding it must see.
func (s *Service) sendable(ev *domain.Event) error {
	switch ev.Status {
	case domain.StatusDraft:
		return domain.Conflict("status", "event %d is a draft: schedule it (status scheduled) before sending invitations", ev.ID)
	case domain.StatusCancelled, domain.StatusCompleted:
		return domain.Conflict("status", "event %d is %s: invitations are no longer sent", ev.ID, ev.Status)
	}
	if !ev.EndsAt.After(s.now()) {
		return domain.Conflict("ends_at", "event %d ended at %s: invitations are no longer sent", ev.ID,
			ev.EndsAt.In(ev.Location()).Format(time.RFC3339))
	}
	return nil
}

// OutboundMessages lists the mail sent, or to be sent, to an invitation's guest.
func (s *Service) OutboundMessages(ctx context.Context, invitationID int64) ([]*OutboundMessage, error) {
	q := s.st.Q(ctx)
	if id, err := q.Missing("invitation", invitationID); err != nil {
		return nil, err
	} else if id != 0 {
		return nil, domain.NotFound("invitation")
	}
	return q.ListOutbound(invitationID)
}

// want is what a guest should hold of an item.
type want int

const (
	wantNothing   want = iota // leave it: not yet sent, or failed
	wantActive                // the current state, as a REQUEST
	wantCancelled             // a CANCEL, if they ever got a REQUEST
)

// delivery is one planned message: to whom, about what, of which kind and SEQUENCE, and
// what the plan read, so that composing needs no transaction.
type delivery struct {
	args       DeliverArgs
	kind       mail.Kind
	seq        int
	resend     bool // the current state sent again on the guest's request (args.Refresh)
	inv        *domain.Invitation
	person     *domain.Person
	event      *domain.Event
	data       *store.FeedData
	session    *store.FeedSession // nil: the event
	place      string
	shown      store.Shown
	changes    []mail.Change
	delegation int64 // the guest's delegation, 0 when none; looked up only when sessions need it
	pending    bool  // the guest has a pending message about the item already
	row        *store.OutboundMessage
	feedURL    *string // the guest's personal feed link, when the plan read it (a batch)

	// What the plan found: what the guest should hold, the messages they were sent about
	// the item, the latest REQUEST or CANCEL among them and the item's SEQUENCE.
	want    want
	history []*store.OutboundMessage
	last    *store.OutboundMessage
	itemSeq int
}

// Deliver brings one guest's calendar entry for one item (the event, or one session) up
// to date: the invitation if they have none, an update with what changed if theirs is
// out of date, a cancellation if the item, the event or their place in it was
// cancelled. With a.Refresh it answers a guest's REFRESH (planRefresh). It is what the
// mail.deliver job runs; see the top of this file for how a message is recorded before
// and after it leaves. A temporary failure is returned, so that River retries; the last
// attempt and permanent failures are recorded as failed and return nil.
func (s *Service) Deliver(ctx context.Context, a DeliverArgs, at Attempt, complete CompleteTx) error {
	if s.opt.Mail == nil || s.opt.Mail.Transport == nil {
		return errNoTransport
	}
	if len(a.InvitationIDs) > 0 {
		return s.deliverBatch(ctx, a.InvitationIDs, at, complete)
	}
	var p *delivery
	err := s.st.InTx(ctx, func(q *store.Q) error {
		p = nil
		var (
			plan *delivery
			err  error
		)
		if a.Refresh != 0 {
			plan, err = s.planRefresh(ctx, q, a)
		} else {
			plan, err = s.planDelivery(q, a)
		}
		if err != nil {
			return err
		}
		if plan != nil {
			claimed, err := s.claim(q, plan)
			if err != nil {
				return err
			}
			if claimed {
				p = plan
				return nil
			}
		}
		// Nothing to send: done, in the transaction that decided it.
		return completeIn(ctx, q, complete)
	})
	if err != nil || p == nil {
		return err
	}
	msg, err := s.composeDelivery(ctx, p)
	return s.sendHeld(ctx, msg, err, func(sendErr error) error {
		return s.recordDelivery(ctx, p, sendErr, at, complete, batchRecord{})
	})
}

// sendHeld sends msg (unless composing it failed: composeErr) on a leased connection
// and calls record with the outcome before the connection is given back. A connection
// thus carries its next message only after the last one's outcome is committed, so that
// at most one message per connection (mail.smtp.max_connections) is ever accepted by the
// server and not yet recorded, however many mail workers run: those are the only
// messages a killed process can send twice.
func (s *Service) sendHeld(ctx context.Context, msg *mail.Message, composeErr error, record func(sendErr error) error) error {
	if composeErr != nil {
		return record(&composeError{composeErr})
	}
	lease, err := mail.NewLease(ctx, s.opt.Mail.Transport)
	if err != nil {
		return record(err)
	}
	defer lease.Release()
	return record(lease.Send(ctx, msg))
}

// recordTimeout bounds the recording of a send's outcome, which no longer ends with the
// job's context.
const recordTimeout = 10 * time.Second

// recordContext is the context a send's outcome is recorded in: the job's, without its
// cancellation, and bounded by recordTimeout. A shutdown or job timeout that lands just
// after the server accepted a message would otherwise fail the record, and the message
// would go out again on the next try.
func recordContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
}

// composeError marks a failure to build the message, which is retried like a temporary
// failure: most likely the database was briefly unreachable.
type composeError struct{ err error }

func (e *composeError) Error() string { return "compose: " + e.err.Error() }
func (e *composeError) Unwrap() error { return e.err }

// retryable reports whether a send error is worth another try. A refusal while setting
// up the connection (a wrong password, a certificate that does not verify, no STARTTLS)
// is retried like a temporary failure although the server called it permanent: it says
// nothing about the guest or the message, and once an administrator fixes the
// mail.smtp settings the queued invitations go out by themselves instead of all being
// marked failed. Only the last attempt fails them, with the server's reply.
func retryable(err error) bool {
	var ce *composeError
	return errors.As(err, &ce) || mail.IsTemporary(err) || mail.IsSetup(err)
}

// planDelivery decides what the guest of a.InvitationID should be sent about the item,
// or nil when nothing. It reads inside q's transaction and writes nothing.
func (s *Service) planDelivery(q *store.Q, a DeliverArgs) (*delivery, error) {
	p, err := s.readItem(q, a)
	if err != nil || p == nil {
		return nil, err
	}
	if !decide(p) {
		return nil, nil
	}
	if p.person, err = q.GetPerson(p.inv.PersonID); err != nil {
		return nil, err
	}
	return p, nil
}

// planRefresh answers a guest's REFRESH (RFC 5546 §3.2.6) with the item's current
// state: a REQUEST, or the CANCEL of a cancelled item. When the guest's copy is out of
// date, the ordinary delivery is queued: it sends what is missing, with the update's
// wording, and is the one job that may send that message. When it is current, the same
// REQUEST or CANCEL is planned again under a Message-ID of this request's own
// (mail.ResentMessageID), same UID and SEQUENCE, new DTSTAMP. Nothing is sent for a
// guest who should hold nothing, whose invitation is still to go out (its own job sends
// it), or while another message about the item is on its way (it brings the guest up to
// date).
func (s *Service) planRefresh(ctx context.Context, q *store.Q, a DeliverArgs) (*delivery, error) {
	p, err := s.readItem(q, a)
	if err != nil || p == nil || p.inv.SendState == domain.SendQueued {
		return nil, err
	}
	if decide(p) {
		return nil, s.enqueue(ctx, q, a.ordinary(), time.Time{})
	}
	switch {
	case p.last == nil:
		return nil, nil
	case p.want == wantActive && p.last.Kind != store.OutboundCancellation:
		p.kind = mail.KindInvitation
	case p.want == wantCancelled && p.last.Kind == store.OutboundCancellation:
		// The latest copy of a cancelled item is its CANCEL.
		p.kind = mail.KindCancellation
	default:
		return nil, nil
	}
	p.seq, p.resend = max(p.itemSeq, p.last.Sequence), true
	own := s.messageID(p)
	if slices.ContainsFunc(p.history, func(m *store.OutboundMessage) bool {
		return m.Status == store.OutboundPending && m.MessageID != own
	}) {
		return nil, nil
	}
	if p.person, err = q.GetPerson(p.inv.PersonID); err != nil {
		return nil, err
	}
	return p, nil
}

// readItem reads what deciding a delivery needs: the invitation (locked), the event's
// feed data, the item, the guest's delegation when sessions need it, what the guest
// should hold and what they were sent. nil when the invitation or the item is gone.
func (s *Service) readItem(q *store.Q, a DeliverArgs) (*delivery, error) {
	inv, err := q.GetInvitationForUpdate(a.InvitationID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil // a draft deleted after its job was queued
	}
	if err != nil {
		return nil, err
	}
	var sid *int64
	if a.SessionID != 0 {
		sid = &a.SessionID
	}
	history, err := q.OutboundOfItem(inv.ID, sid)
	if err != nil {
		return nil, err
	}
	// A guest who holds the event's invitation can only be sent an update or a
	// cancellation of it, and neither needs the programme: the guest's sessions are
	// queued with the invitation (guestSessions) and read from the event's feed only
	// then. So the event is read alone: in profiles of BenchmarkUpdatePath (SQLite) the
	// read went from about 1.1 to 0.8 ms of a single delivery's 3.6–3.9 ms of CPU.
	var d *store.FeedData
	if last := lastCalendarMessage(history); sid == nil && last != nil && last.Kind != store.OutboundCancellation {
		d, err = q.LoadEventAlone(inv.EventID)
	} else {
		d, err = q.LoadFeed(store.FeedSelection{Scope: store.FeedEvent, TargetID: inv.EventID})
	}
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p, err := s.itemOf(q, a, inv, d, q.ListDelegations)
	if err != nil || p == nil {
		return nil, err
	}
	p.setHistory(history)
	return p, nil
}

// itemOf starts the delivery of a's item to inv's guest from the event's feed data d:
// what the guest is shown, the item's SEQUENCE, their delegation (from delegations, when
// sessions need it) and what they should hold. nil when the item is gone.
func (s *Service) itemOf(q *store.Q, a DeliverArgs, inv *domain.Invitation, d *store.FeedData,
	delegations func(eventID int64) ([]*domain.Delegation, error)) (*delivery, error) {
	ev := d.Event(inv.EventID)
	if ev == nil {
		return nil, nil
	}
	p := &delivery{args: a, inv: inv, event: ev, data: d}
	p.itemSeq = ev.Sequence
	if a.SessionID != 0 {
		i := slices.IndexFunc(d.Sessions, func(fs *store.FeedSession) bool { return fs.ID == a.SessionID })
		if i < 0 {
			return nil, nil // deleted with its draft event
		}
		p.session = d.Sessions[i]
		p.place = sessionPlace(p.session, ev, d)
		p.shown = store.Shown{StartsAt: p.session.StartsAt, EndsAt: p.session.EndsAt, Timezone: ev.Timezone,
			Place: p.place, Status: sessionShownStatus(p.session.Session, ev)}
		p.itemSeq = p.session.Sequence + ev.Sequence // as sessionVEvent writes it
	} else {
		p.place = eventPlace(ev, d)
		p.shown = store.Shown{StartsAt: ev.StartsAt, EndsAt: ev.EndsAt, Timezone: ev.Timezone, Place: p.place,
			Status: string(ev.Status)}
	}
	// The guest's delegation places them in sessions; an event without sessions that
	// have parties needs no lookup.
	if a.SessionID != 0 || slices.ContainsFunc(d.Sessions, func(fs *store.FeedSession) bool { return len(fs.DelegationIDs) > 0 }) {
		if inv.DelegationID != nil {
			p.delegation = *inv.DelegationID
		} else {
			ds, err := delegations(inv.EventID)
			if err != nil {
				return nil, err
			}
			p.delegation = guestDelegationIn(inv, ds)
		}
	}
	var err error
	if p.want, err = wanted(q, p); err != nil {
		return nil, err
	}
	return p, nil
}

// setHistory keeps the guest's messages about the item, oldest first.
func (p *delivery) setHistory(history []*store.OutboundMessage) {
	p.history = history
	p.pending = slices.ContainsFunc(history, func(m *store.OutboundMessage) bool { return m.Status == store.OutboundPending })
	p.last = lastCalendarMessage(history)
}

// decide sets the kind, SEQUENCE and changes of the message the guest lacks, and reports
// whether there is one.
func decide(p *delivery) bool {
	w, last, itemSeq := p.want, p.last, p.itemSeq
	switch {
	case w == wantActive && (last == nil || last.Kind == store.OutboundCancellation):
		p.kind, p.seq = mail.KindInvitation, itemSeq
		if last != nil {
			p.seq = max(itemSeq, last.Sequence+1) // a re-invitation must outrank the CANCEL
		}
	case w == wantActive:
		p.changes = changesBetween(i18n.Match(p.inv.Language), last.Shown, p.shown)
		if len(p.changes) == 0 {
			return false
		}
		p.kind, p.seq = mail.KindUpdate, max(itemSeq, last.Sequence+1)
	case w == wantCancelled && last != nil && last.Kind != store.OutboundCancellation:
		p.kind, p.seq = mail.KindCancellation, max(itemSeq, last.Sequence+1)
		p.shown.Status = string(domain.StatusCancelled)
	default:
		return false
	}
	return true
}

// wanted says what the guest should hold of the planned item. A withdrawn guest, a
// cancelled event or session, and a session their delegation no longer takes part in
// are cancelled; otherwise the item is sent once the invitation is queued or sent, a
// session only after the event's own invitation reached the guest.
func wanted(q *store.Q, p *delivery) (want, error) {
	inv, ev, ss := p.inv, p.event, p.session
	if inv.SendState == domain.SendWithdrawn || ev.Status == domain.StatusCancelled {
		return wantCancelled, nil
	}
	if ss != nil && (ss.Status == domain.SessionCancelled || p.delegation == 0 || !slices.Contains(ss.DelegationIDs, p.delegation)) {
		return wantCancelled, nil
	}
	if inv.SendState != domain.SendQueued && inv.SendState != domain.SendSent || ev.Status == domain.StatusDraft {
		return wantNothing, nil
	}
	if ss != nil {
		history, err := q.OutboundOfItem(inv.ID, nil)
		if err != nil {
			return wantNothing, err
		}
		if last := lastCalendarMessage(history); last == nil || last.Kind == store.OutboundCancellation {
			return wantNothing, nil
		}
	}
	return wantActive, nil
}

// cancelReason says why the guest of p is sent a cancellation (see wanted): the event
// or session was cancelled, or else the guest was withdrawn, or their delegation left
// the session.
func cancelReason(p *delivery) mail.CancelReason {
	switch {
	case p.event.Status == domain.StatusCancelled:
		return mail.CancelledItem
	case p.inv.SendState == domain.SendWithdrawn:
		return mail.CancelledWithdrawn
	case p.session != nil && p.session.Status != domain.SessionCancelled:
		return mail.CancelledNotTakingPart
	}
	return mail.CancelledItem
}

// lastCalendarMessage is the latest REQUEST or CANCEL the guest was sent about an item.
func lastCalendarMessage(history []*store.OutboundMessage) *store.OutboundMessage {
	for i := len(history) - 1; i >= 0; i-- {
		m := history[i]
		if m.Status == store.OutboundSent && !m.IsReminder() {
			return m
		}
	}
	return nil
}

// sessionShownStatus is a session's status as its guests see it: its own when
// cancelled, else its event's.
func sessionShownStatus(ss *domain.Session, ev *domain.Event) string {
	if ss.Status == domain.SessionCancelled {
		return string(domain.StatusCancelled)
	}
	return string(ev.Status)
}

// claim writes the planned message as pending, or takes over the row of the same
// Message-ID (a failed try being made again), and supersedes older pending messages
// about the item. It returns false when that Message-ID was already sent.
func (s *Service) claim(q *store.Q, p *delivery) (bool, error) {
	now := s.now()
	var sid *int64
	if p.session != nil {
		sid = &p.args.SessionID
	}
	shown := p.shown
	row, created, err := q.EnsureOutbound(&store.OutboundMessage{InvitationID: p.inv.ID, SessionID: sid,
		Kind: string(p.kind), Sequence: p.seq, MessageID: s.messageID(p),
		Recipient: p.inv.Email, Status: store.OutboundPending, Shown: &shown, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		return false, err
	}
	if row.Status == store.OutboundSent {
		return false, nil
	}
	if !created {
		row.Status, row.Recipient, row.Shown, row.UpdatedAt = store.OutboundPending, p.inv.Email, &shown, now
		if err := q.UpdateOutbound(row); err != nil {
			return false, err
		}
	}
	if p.pending {
		if err := q.SupersedeOutbound(p.inv.ID, sid, row.ID, now); err != nil {
			return false, err
		}
	}
	p.row = row
	return true, nil
}

// messageID is the planned message's Message-ID: derived from the guest, kind, item and
// SEQUENCE, and for a resend from the request too.
func (s *Service) messageID(p *delivery) string {
	if p.resend {
		return mail.ResentMessageID(p.inv.ID, p.kind, p.args.SessionID, p.seq, p.args.Refresh, s.messageDomain())
	}
	return mail.MessageID(p.inv.ID, p.kind, p.args.SessionID, p.seq, s.messageDomain())
}

// recordDelivery records the outcome of a send (see the top of this file) and what
// follows from it: the invitation's send state, the guest's sessions once the event's
// invitation went out, and another delivery when the item changed while this one was
// on its way. The job is completed in the same transaction, unless a temporary failure
// is returned for River to retry; a batch's message (batch.handOff) is never retried
// by its own job, whose other guests it would hold up, but handed to a job of its own
// (see send_batch.go).
func (s *Service) recordDelivery(ctx context.Context, p *delivery, sendErr error, at Attempt, complete CompleteTx, batch batchRecord) error {
	temporary := sendErr != nil && retryable(sendErr)
	handOff := temporary && batch.handOff
	retry := temporary && !handOff && !at.final()
	ctx, cancel := recordContext(ctx)
	defer cancel()
	if sendErr == nil && complete == nil && p.firstInvitation() && len(guestSessions(p)) == 0 {
		// The common case of a batch: nothing follows from this message but its record,
		// as long as nothing changed since the plan (recordInvitationSent).
		if done, err := s.recordInvitationSent(ctx, p); err != nil || done {
			return err
		}
	}
	err := s.st.InTx(ctx, func(q *store.Q) error {
		// Lock order, as everywhere: the invitation, then its messages and jobs.
		inv, mark, err := q.LockInvitationWithEvent(p.inv.ID)
		if err != nil {
			return err
		}
		if err := s.recordOutcome(q, p.row.ID, sendErr, retry || handOff); err != nil {
			return err
		}
		if !retry {
			// Done with this job before queuing another for the same guest and item.
			if err := completeIn(ctx, q, complete); err != nil {
				return err
			}
		}
		now := s.now()
		eventInvitation := p.kind == mail.KindInvitation && p.session == nil && !p.resend
		switch {
		case sendErr == nil && eventInvitation:
			if inv.SendState != domain.SendWithdrawn {
				if err := q.SetInvitationSendState(inv.ID, domain.SendSent, "", &now, now); err != nil {
					return err
				}
			}
			if err := s.enqueueGuestSessions(ctx, q, p); err != nil {
				return err
			}
		case sendErr == nil:
		case eventInvitation && !retry && !handOff && inv.SendState == domain.SendQueued:
			if err := q.SetInvitationSendState(inv.ID, domain.SendFailed, errorText(sendErr), nil, now); err != nil {
				return err
			}
		default:
			msg := errorText(sendErr)
			switch {
			case p.resend:
				msg = "refresh: " + msg
			case !eventInvitation:
				msg = string(p.kind) + ": " + msg
			}
			if err := q.SetInvitationLastError(inv.ID, msg, now); err != nil {
				return err
			}
		}
		if handOff {
			return s.enqueue(ctx, q, p.args.ordinary(), now.Add(at.retryDelay()))
		}
		if sendErr != nil {
			return nil
		}
		// The item may have changed while the message was on its way, and a delivery
		// queued by that change found this job running and added none.
		if changed, err := s.changedSincePlan(q, p, inv, mark); err != nil || !changed {
			return err
		}
		again, err := s.planDelivery(q, p.args.ordinary())
		if err != nil || again == nil {
			return err
		}
		return s.enqueue(ctx, q, p.args.ordinary(), time.Time{})
	})
	if err != nil {
		return err
	}
	s.logSetupRefusal(ctx, p.row.MessageID, sendErr, !retry && !handOff)
	if retry {
		return sendErr
	}
	if sendErr != nil && !handOff {
		s.log.WarnContext(ctx, "message not delivered", "message_id", p.row.MessageID, "err", sendErr)
	}
	return nil
}

// logSetupRefusal logs a refused connection setup (TLS, STARTTLS, EHLO, AUTH) as an
// error for the administrator, whatever the message: every message will meet it until
// the mail.smtp settings (or the server) are fixed. final says the message was given up.
func (s *Service) logSetupRefusal(ctx context.Context, messageID string, sendErr error, final bool) {
	if mail.IsSetup(sendErr) {
		s.log.ErrorContext(ctx, "the mail server refused the connection: check the mail.smtp settings",
			"message_id", messageID, "final", final, "err", sendErr)
	}
}

// recordInvitationSent records a guest's first invitation sent (the message and the
// invitation) in one short transaction of its own, which is all recordDelivery's would
// do for it when the job is not completed with it, no sessions are to be queued and
// nothing changed since the plan: the store compares the invitation and its event under
// the invitation's lock with what the plan read, as changedSincePlan does. False, with
// nothing written, when something changed; recordDelivery then takes the long way.
func (s *Service) recordInvitationSent(ctx context.Context, p *delivery) (bool, error) {
	return s.st.RecordInvitationSent(ctx, store.InvitationSent{OutboundID: p.row.ID, Invitation: p.inv,
		Event: store.EventMark{Sequence: p.event.Sequence, Status: p.event.Status}, At: s.now()})
}

// firstInvitation reports whether p is a guest's event invitation going out while the
// invitation is queued: what sets the invitation sent.
func (p *delivery) firstInvitation() bool {
	return p.kind == mail.KindInvitation && p.session == nil && !p.resend && p.inv.SendState == domain.SendQueued
}

// changedSincePlan reports whether anything that decides what the guest is sent changed
// since p was planned, so that recordDelivery plans again only then instead of after
// every message. Every change that sends guests something marks itself there: the
// services raise the SEQUENCE of the event or session, or change its status, or the
// session's parties, or the invitation (withdrawn, another address or language). inv is
// the invitation as locked for the record, before the record changed it, and ev its
// event's mark as read with it.
func (s *Service) changedSincePlan(q *store.Q, p *delivery, inv *domain.Invitation, ev store.EventMark) (bool, error) {
	was := p.inv
	if inv.SendState != was.SendState || inv.Email != was.Email || inv.Language != was.Language ||
		!sameID(inv.DelegationID, was.DelegationID) || inv.EventID != p.event.ID {
		return true, nil
	}
	if ev.Sequence != p.event.Sequence || ev.Status != p.event.Status {
		return true, nil
	}
	if p.session == nil {
		return false, nil
	}
	ss, err := q.GetSession(p.session.ID)
	if errors.Is(err, domain.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	parties := slices.Sorted(slices.Values(p.session.DelegationIDs))
	return ss.Sequence != p.session.Sequence || ss.Status != p.session.Status ||
		!slices.Equal(slices.Sorted(slices.Values(ss.DelegationIDs)), parties), nil
}

func sameID(a, b *int64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

// recordOutcome updates the outbound row: sent, still pending with the error of this
// try, or failed; one attempt more either way.
func (s *Service) recordOutcome(q *store.Q, id int64, sendErr error, retry bool) error {
	now := s.now()
	switch {
	case sendErr == nil:
		return q.RecordOutbound(id, store.OutboundSent, "", &now, now)
	case retry:
		return q.RecordOutbound(id, "", errorText(sendErr), nil, now)
	default:
		return q.RecordOutbound(id, store.OutboundFailed, errorText(sendErr), nil, now)
	}
}

// enqueueGuestSessions queues the sessions the guest's delegation takes part in, once
// the event's invitation reached them: each stands in their calendar at its own time.
func (s *Service) enqueueGuestSessions(ctx context.Context, q *store.Q, p *delivery) error {
	for _, id := range guestSessions(p) {
		if err := s.enqueue(ctx, q, DeliverArgs{InvitationID: p.inv.ID, SessionID: id}, time.Time{}); err != nil {
			return err
		}
	}
	return nil
}

// guestSessions are the scheduled sessions of p's event that the guest's delegation
// takes part in, as the plan read them.
func guestSessions(p *delivery) []int64 {
	if p.delegation == 0 {
		return nil
	}
	var ids []int64
	for _, ss := range p.data.Sessions {
		if ss.Status == domain.SessionScheduled && slices.Contains(ss.DelegationIDs, p.delegation) {
			ids = append(ids, ss.ID)
		}
	}
	return ids
}

// errorText is what officers see of a failure: the server's reply when there was one.
func errorText(err error) string {
	var se *mail.SendError
	if errors.As(err, &se) && se.Code != 0 {
		return fmt.Sprintf("%d %s", se.Code, se.Message)
	}
	return err.Error()
}

// composeDelivery builds the message a delivery planned: the letter in the guest's
// language and the calendar object, dated by the outbound row so that a retry repeats it.
func (s *Service) composeDelivery(ctx context.Context, p *delivery) (*mail.Message, error) {
	inv := *p.inv
	s.withRSVPURL(&inv)
	name := p.person.NameIn(inv.Language)
	ev := p.event
	letter := s.letter(p.kind, &inv, name, ev, s.feedURLOf(ctx, &inv, p.feedURL))
	var vev calendar.Event
	if p.session == nil {
		letter.Title, letter.Start, letter.End, letter.Place = ev.Title, ev.StartsAt, ev.EndsAt, p.place
		if ev.Ordinal != nil {
			letter.Ordinal = *ev.Ordinal
		}
		vev = eventVEvent(ev, p.data.Hosts[ev.ID], p.place)
	} else {
		ss := p.session
		letter.Title, letter.Parent, letter.Start, letter.End, letter.Place = ss.Title, ev.Title, ss.StartsAt, ss.EndsAt, p.place
		vev = sessionVEvent(ss, ev, p.place)
	}
	letter.Changes = p.changes
	if p.kind == mail.KindCancellation {
		letter.Deadline, letter.Cancelled = nil, cancelReason(p)
	}
	subject, text, html, err := mail.Compose(letter)
	if err != nil {
		return nil, err
	}

	stamp := p.row.CreatedAt
	vev.Sequence, vev.Stamp = p.seq, stamp
	method, partStatus, rsvp := calendar.MethodRequest, partStat(inv.Response), true
	switch p.kind {
	case mail.KindUpdate:
		// A significant change asks the guest to confirm again (RFC 5546 §3.2.2.1).
		partStatus = "NEEDS-ACTION"
	case mail.KindCancellation:
		method, rsvp = calendar.MethodCancel, false
	}
	if method == calendar.MethodRequest {
		l := i18n.Match(inv.Language)
		vev.URL = inv.RSVPURL
		if inv.RSVPURL != "" {
			vev.Description = joinParagraphs(vev.Description, l.T("ics.reply", inv.RSVPURL))
		}
		if letter.FeedURL != "" {
			vev.Description = joinParagraphs(vev.Description, l.T("ics.subscribe", letter.FeedURL))
		}
	}
	org := s.organizerFor(&inv)
	vev.Organizer = &org
	vev.Attendees = []calendar.Attendee{{Name: name.FullName, Email: inv.Email, Role: "REQ-PARTICIPANT",
		PartStat: partStatus, RSVP: rsvp}}
	c := &calendar.Calendar{Method: method, Events: []calendar.Event{vev}}
	body, err := calendar.Encode(c, stamp)
	if err != nil {
		return nil, fmt.Errorf("encode %s of invitation %d: %w", p.kind, inv.ID, err)
	}
	return &mail.Message{MessageID: p.row.MessageID, From: s.opt.Mail.From,
		To: mail.Address{Name: name.FullName, Email: inv.Email}, Subject: subject, Date: stamp,
		Text: text, HTML: html, Calendar: body, Method: string(method)}, nil
}

// letter starts the letter to an invitation's guest: who they are, their links (inv
// carries its RSVP link; feed is the webcal link of their personal feed) and the
// deadline.
func (s *Service) letter(kind mail.Kind, inv *domain.Invitation, name domain.PersonName, ev *domain.Event, feed string) mail.Letter {
	l := mail.Letter{Kind: kind, Language: inv.Language, Salutation: name.Address, GuestName: name.FullName,
		Honorific: name.Honorific, Timezone: ev.Timezone, RSVPURL: inv.RSVPURL, Organizer: s.opt.Organizer.Name,
		Deadline: inv.Deadline, FeedURL: feed}
	if l.Deadline == nil {
		l.Deadline = ev.RSVPDeadline
	}
	return l
}

// messageDomain is the right-hand side of Message-IDs: the sender's domain.
func (s *Service) messageDomain() string {
	if s.opt.Mail != nil {
		if _, d, ok := strings.Cut(s.opt.Mail.From.Email, "@"); ok && d != "" {
			return d
		}
	}
	return s.opt.UIDDomain
}

// organizerFor is the ORGANIZER of a message to an invitation's guest: mail.organizer
// with "{token}" replaced by the invitation's reply token, so that a reply carries its
// invitation in the address it is sent to.
func (s *Service) organizerFor(inv *domain.Invitation) calendar.Organizer {
	if !strings.Contains(s.opt.Organizer.Email, "{token}") || len(s.opt.SecretKey) < minSecretKey || inv.RSVPNonce == "" {
		return s.organizer()
	}
	org := s.opt.Organizer
	org.Email = strings.ReplaceAll(org.Email, "{token}", s.replyToken(inv.ID, inv.RSVPNonce))
	return org
}

// replyTokenEncoding is lower-case base32: mail systems may change the case of a local
// part, and this survives it.
var replyTokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// replyToken identifies an invitation in a reply address: "<id>-<mac>", the mac being the
// first 16 bytes of HMAC-SHA256(secret key, "reply:<id>:<rsvp nonce>") in base32. It is
// not the RSVP token: knowing a reply address opens no RSVP page, and a new RSVP nonce
// (RotateRSVPToken) retires it with the link.
func (s *Service) replyToken(id int64, nonce string) string {
	return strconv.FormatInt(id, 10) + "-" + replyTokenEncoding.EncodeToString(s.mac("reply", strconv.FormatInt(id, 10), nonce)[:16])
}

// InvitationByReplyToken resolves the token of a reply address (the part that replaced
// "{token}" in mail.organizer). Unknown, forged and retired tokens give
// domain.ErrNotFound.
func (s *Service) InvitationByReplyToken(ctx context.Context, token string) (*domain.Invitation, error) {
	idText, _, ok := strings.Cut(strings.ToLower(strings.TrimSpace(token)), "-")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || id < 1 || len(s.opt.SecretKey) < minSecretKey {
		return nil, domain.ErrNotFound
	}
	inv, err := s.st.Q(ctx).GetInvitation(id)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(s.replyToken(inv.ID, inv.RSVPNonce)), []byte(strings.ToLower(strings.TrimSpace(token)))) {
		return nil, domain.ErrNotFound
	}
	return s.withRSVPURL(inv), nil
}
