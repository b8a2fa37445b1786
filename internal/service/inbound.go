package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/attache-app/attache/internal/calendar"
	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/mail"
	"github.com/attache-app/attache/internal/store"
)

// Receiving mail (interop.md §4; security.md rows 4 and 13). Every way in (SMTP/LMTP,
// IMAP, stdin, the API) hands the raw message to Intake, which stores it with what it
// made of it, in one transaction with any change it causes:
//
//	applied   an iTIP REPLY from the guest it names (the invitation's answer, channel
//	          email, a history line pointing at the message), a REFRESH (the current
//	          invitation queued to be sent again), a bounce (the invitation undeliverable)
//	ignored   unknown UID, stale SEQUENCE/DTSTAMP, NEEDS-ACTION, an automatic reply,
//	          a message without a calendar object, a reply about a session
//	held      waits for an officer (ApplyInbound, DismissInbound): the sender is not
//	          the attendee, the attendee is not invited, a delegation, a COUNTER, a
//	          calendar object that could not be read, an answer after the deadline
//	rejected  unreadable as mail, or larger than inbound.max_size (Options.MaxInbound)
//
// Decisions: the same Message-ID is processed once, and receiving it again returns
// the first record without storing another row. A reply about a session's UID is
// recorded (ignored, with the invitation named) but changes nothing: a guest's answer
// is the event's, and sessions follow their delegation. A REPLY never creates anything,
// and changes only the invitation of the attendee it names, and only when From, Sender
// or that attendee's SENT-BY is the attendee. The rsvp+<token>@ address a reply was
// sent to narrows the match to its invitation; it does not stand in for the sender
// check, since anyone who saw the invitation knows it.

// MaxInboundRaw caps a received message when Options.MaxInbound (inbound.max_size) is
// not set; a larger one is recorded as rejected with its first KeepRejectedRaw bytes.
const (
	MaxInboundRaw   = 10 << 20
	KeepRejectedRaw = 64 << 10
)

// maxInbound is the configured cap on a received message.
func (s *Service) maxInbound() int {
	if s.opt.MaxInbound > 0 {
		return s.opt.MaxInbound
	}
	return MaxInboundRaw
}

// InboundFilter narrows the list of received messages.
type InboundFilter = store.InboundFilter

// errDuplicateInbound rolls back an intake that lost the race for its Message-ID.
var errDuplicateInbound = errors.New("inbound message already recorded")

// Intake reads one received message, acts on it and records it. The error is only a
// failure to record (the database); bad input is an outcome, never an error.
func (s *Service) Intake(ctx context.Context, raw []byte, source string) (*domain.InboundMessage, error) {
	now := s.now()
	m := &domain.InboundMessage{Source: source, Size: len(raw), ReceivedAt: now, Kind: domain.InboundOther}
	if limit := s.maxInbound(); len(raw) > limit {
		m.Raw = raw[:min(len(raw), KeepRejectedRaw)]
		if rcv, err := mail.ParseMessage(m.Raw); err == nil {
			s.fillHeader(m, rcv)
		}
		m.Outcome, m.Reason = domain.IntakeRejected, fmt.Sprintf("too large: %d bytes, the limit is %d", len(raw), limit)
		return s.recordInbound(ctx, m, nil)
	}
	m.Raw = raw
	rcv, err := mail.ParseMessage(raw)
	if err != nil {
		m.Outcome, m.Reason = domain.IntakeRejected, err.Error()
		return s.recordInbound(ctx, m, nil)
	}
	s.fillHeader(m, rcv)
	if m.MessageID != "" {
		if first, err := s.st.Q(ctx).InboundByMessageID(m.MessageID); err == nil {
			return first, nil
		} else if !errors.Is(err, domain.ErrNotFound) {
			return nil, err
		}
	}
	tokenInv := s.replyTokenInvitation(ctx, rcv.Recipients)
	return s.recordInbound(ctx, m, func(q *store.Q) (func(*store.Q) error, error) {
		return s.classify(ctx, q, m, rcv, tokenInv)
	})
}

// fillHeader copies the headers an officer sees in the list.
func (s *Service) fillHeader(m *domain.InboundMessage, rcv *mail.Received) {
	m.MessageID, m.From, m.Subject = rcv.MessageID, rcv.From, clip(rcv.Subject, 500)
	if len(m.MessageID) > 250 {
		m.MessageID = m.MessageID[:250]
	}
}

// recordInbound stores m in one transaction with what decide changes; decide returns
// what to do once m has its id (the history line that points at it).
func (s *Service) recordInbound(ctx context.Context, m *domain.InboundMessage,
	decide func(q *store.Q) (func(*store.Q) error, error)) (*domain.InboundMessage, error) {
	var out *domain.InboundMessage
	err := s.st.InTx(ctx, func(q *store.Q) error {
		var after func(*store.Q) error
		if decide != nil {
			var err error
			if after, err = decide(q); err != nil {
				return err
			}
		}
		cleanInbound(m)
		stored, created, err := q.CreateInbound(m, s.now())
		if err != nil {
			return err
		}
		if !created {
			out = stored
			return errDuplicateInbound
		}
		m.ID, out = stored.ID, stored
		if after != nil {
			return after(q)
		}
		return nil
	})
	if errors.Is(err, errDuplicateInbound) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	if m.Outcome != domain.IntakeApplied {
		s.log.InfoContext(ctx, "inbound message not applied", "id", out.ID, "outcome", out.Outcome, "kind", out.Kind, "reason", out.Reason)
	}
	return out, nil
}

// classify decides what the message is and does what follows inside q.
func (s *Service) classify(ctx context.Context, q *store.Q, m *domain.InboundMessage, rcv *mail.Received,
	tokenInv *domain.Invitation) (func(*store.Q) error, error) {
	if rcv.Report != nil {
		m.Kind = domain.InboundBounce
		return s.intakeBounce(ctx, q, m, rcv.Report)
	}
	if rcv.AutoReply != "" {
		m.Kind, m.Outcome, m.Reason = domain.InboundAutoReply, domain.IntakeIgnored, "automatic reply ("+clip(rcv.AutoReply, 200)+")"
		return nil, nil
	}
	if rcv.Calendar == nil {
		m.Outcome, m.Reason = domain.IntakeIgnored, "no calendar object"
		return nil, nil
	}
	rep, err := calendar.ParseReply(rcv.Calendar)
	if err != nil {
		m.Kind, m.Outcome, m.Reason = domain.InboundReply, domain.IntakeHeld, clip(err.Error(), 500)
		return nil, nil
	}
	m.UID, m.Sequence, m.Comment = clip(rep.UID, 500), rep.Sequence, clip(rep.Comment, 2000)
	stamp := rep.Stamp
	if stamp == nil {
		stamp = rcv.Date
	}
	if stamp == nil {
		now := s.now()
		stamp = &now
	}
	m.Stamp = stamp
	switch rep.Method {
	case calendar.MethodReply:
		m.Kind = domain.InboundReply
	case calendar.MethodCounter:
		m.Kind = domain.InboundCounter
	case calendar.MethodRefresh:
		m.Kind = domain.InboundRefresh
	default:
		method := string(rep.Method)
		if method == "" {
			method = "none"
		}
		m.Outcome, m.Reason = domain.IntakeIgnored, "calendar method "+clip(method, 50)+" is not a reply"
		return nil, nil
	}
	mt, err := s.matchReply(q, m, rcv, rep, tokenInv)
	if err != nil || mt == nil {
		return nil, err
	}
	switch m.Kind {
	case domain.InboundCounter:
		m.Proposal = counterProposal(rep)
		if m.Outcome == "" {
			m.Outcome, m.Reason = domain.IntakeHeld, "proposes a new time"
		}
		return nil, nil
	case domain.InboundRefresh:
		if m.Outcome != "" {
			return nil, nil
		}
		return s.refresh(ctx, q, m, mt.inv, mt.sessionID)
	}
	if m.Outcome != "" {
		return nil, nil
	}
	if mt.sessionID != nil {
		m.Outcome, m.Reason = domain.IntakeIgnored, fmt.Sprintf("answer about session %d: recorded only, the invitation's answer is the event's", *mt.sessionID)
		return nil, nil
	}
	return s.intakeAnswer(ctx, q, m, mt, rep)
}

// matched is the invitation a reply was matched to.
type matched struct {
	inv       *domain.Invitation
	event     *domain.Event
	sessionID *int64
	att       *calendar.ReplyAttendee
}

// matchReply finds the item by UID and the invitation of the attendee the reply names,
// and checks who sent it. It sets m's outcome when the reply can not be applied as is
// (held or ignored), and returns nil when there is nothing to match at all.
func (s *Service) matchReply(q *store.Q, m *domain.InboundMessage, rcv *mail.Received, rep *calendar.Reply,
	tokenInv *domain.Invitation) (*matched, error) {
	item, err := q.ItemByUID(rep.UID)
	if errors.Is(err, domain.ErrNotFound) {
		m.Outcome, m.Reason = domain.IntakeIgnored, "unknown UID"
		if len(rep.Attendees) > 0 {
			m.Attendee, m.PartStat = clip(rep.Attendees[0].Email, 320), clip(rep.Attendees[0].PartStat, 50)
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m.EventID = &item.EventID
	if len(rep.Attendees) == 0 {
		m.Outcome, m.Reason = domain.IntakeHeld, "the reply names no attendee"
		return nil, nil
	}
	senders := []string{rcv.From, rcv.Sender}
	type candidate struct {
		att       *calendar.ReplyAttendee
		inv       *domain.Invitation
		authentic bool
	}
	var best *candidate
	for i := range rep.Attendees {
		a := &rep.Attendees[i]
		if a.Email == "" {
			continue
		}
		inv, err := q.InvitationByEventEmail(item.EventID, a.Email)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return nil, err
		}
		if tokenInv != nil && inv != nil && inv.ID != tokenInv.ID {
			inv = nil // the reply address names another guest's invitation
		}
		c := &candidate{att: a, inv: inv,
			authentic: slices.Contains(senders, a.Email) || (a.SentBy != "" && a.SentBy == rcv.From)}
		switch {
		case best == nil:
			best = c
		case c.inv != nil && c.authentic && !(best.inv != nil && best.authentic):
			best = c
		case c.inv != nil && best.inv == nil:
			best = c
		}
	}
	if best == nil {
		m.Outcome, m.Reason = domain.IntakeHeld, "the reply names no attendee"
		return nil, nil
	}
	m.Attendee, m.PartStat = clip(best.att.Email, 320), clip(best.att.PartStat, 50)
	if best.att.Comment != "" && m.Comment == "" {
		m.Comment = clip(best.att.Comment, 2000)
	}
	if best.inv == nil {
		m.Outcome, m.Reason = domain.IntakeHeld, "not invited: "+m.Attendee+" is not a guest of this event"
		if tokenInv != nil {
			m.Reason = "not invited: " + m.Attendee + " is not the guest of the reply address it was sent to"
		}
		return &matched{att: best.att, sessionID: item.SessionID}, nil
	}
	m.InvitationID = &best.inv.ID
	ev, err := q.GetEvent(item.EventID)
	if err != nil {
		return nil, err
	}
	mt := &matched{inv: best.inv, event: ev, sessionID: item.SessionID, att: best.att}
	if !best.authentic {
		m.Outcome, m.Reason = domain.IntakeHeld, "sender does not match attendee: from "+clip(rcv.From, 320)+", attendee "+m.Attendee
		return mt, nil
	}
	if best.inv.SendState == domain.SendWithdrawn {
		m.Outcome, m.Reason = domain.IntakeHeld, "the invitation was withdrawn"
		return mt, nil
	}
	return mt, s.checkStale(q, m, mt, rep)
}

// checkStale ignores a reply to an older SEQUENCE than the guest was last sent for the
// item, and one of the same SEQUENCE not newer than the last applied (RFC 5546 §2.1.5).
func (s *Service) checkStale(q *store.Q, m *domain.InboundMessage, mt *matched, rep *calendar.Reply) error {
	history, err := q.OutboundOfItem(mt.inv.ID, mt.sessionID)
	if err != nil {
		return err
	}
	sent := -1
	for _, o := range history {
		if o.Status == store.OutboundSent && !o.IsReminder() {
			sent = max(sent, o.Sequence)
		}
	}
	if rep.Sequence < sent {
		m.Outcome, m.Reason = domain.IntakeIgnored, fmt.Sprintf("stale: SEQUENCE %d, the guest was last sent %d", rep.Sequence, sent)
		return nil
	}
	if m.Kind != domain.InboundReply {
		return nil
	}
	last, err := q.LastAppliedStamp(mt.inv.ID, m.UID, rep.Sequence)
	if err != nil {
		return err
	}
	if last != nil && !m.Stamp.After(*last) {
		m.Outcome, m.Reason = domain.IntakeIgnored, "stale: not newer than the reply applied last (DTSTAMP "+last.Format(time.RFC3339)+")"
	}
	return nil
}

// intakeAnswer applies an authentic REPLY's PARTSTAT, or holds or ignores it.
func (s *Service) intakeAnswer(ctx context.Context, q *store.Q, m *domain.InboundMessage, mt *matched,
	rep *calendar.Reply) (func(*store.Q) error, error) {
	switch mt.att.PartStat {
	case "ACCEPTED", "DECLINED", "TENTATIVE":
	case "DELEGATED":
		m.Kind, m.Outcome, m.ProposedTo = domain.InboundDelegated, domain.IntakeHeld, clip(mt.att.DelegatedTo, 320)
		m.Reason = "delegates to " + m.ProposedTo
		if m.ProposedTo == "" {
			m.Reason = "delegates, naming nobody (no DELEGATED-TO)"
		}
		return nil, nil
	default:
		ps := mt.att.PartStat
		if ps == "" {
			ps = "none"
		}
		m.Outcome, m.Reason = domain.IntakeIgnored, "no answer (PARTSTAT "+clip(ps, 50)+")"
		return nil, nil
	}
	deadline := rsvpDeadline(mt.inv, mt.event)
	if closed := rsvpClosed(mt.event, deadline, s.now()); closed != RSVPOpen {
		m.Outcome, m.Reason = domain.IntakeHeld, "answers are closed ("+string(closed)+"): an officer decides"
		return nil, nil
	}
	m.Outcome = domain.IntakeApplied
	m.Reason = "answer " + strings.ToLower(mt.att.PartStat)
	response := domain.Response(strings.ToLower(mt.att.PartStat))
	actor := m.Attendee
	return func(q *store.Q) error {
		return s.answerByEmail(WithActor(ctx, Actor{Name: actor}), q, m, mt.inv.ID, response)
	}, nil
}

// answerByEmail records an answer received by e-mail: the invitation's response,
// channel email, a history line pointing at the message, and the audit entry. A decline
// keeps no companions, as through the link.
func (s *Service) answerByEmail(ctx context.Context, q *store.Q, m *domain.InboundMessage, invitationID int64, r domain.Response) error {
	inv, err := q.GetInvitationForUpdate(invitationID)
	if err != nil {
		return err
	}
	before := *inv
	now := s.now()
	inv.Response, inv.ResponseChannel, inv.RespondedAt = r, domain.ChannelEmail, &now
	if r == domain.ResponseDeclined {
		inv.Companions = []string{}
	}
	if err := q.UpdateInvitation(inv); err != nil {
		return err
	}
	note := m.Comment
	if m.ProposedTo != "" {
		note = strings.TrimSpace("delegated to " + m.ProposedTo + "\n" + note)
	}
	id := m.ID
	e := &domain.ResponseEntry{InvitationID: inv.ID, Response: r, Channel: domain.ChannelEmail, Actor: ActorFrom(ctx).Name,
		Note: note, Companions: slices.Clone(inv.Companions), InboundMessageID: &id, CreatedAt: now}
	if err := q.AddResponse(e); err != nil {
		return fmt.Errorf("record answer of invitation %d: %w", inv.ID, err)
	}
	after, err := q.GetInvitation(inv.ID)
	if err != nil {
		return err
	}
	return s.audit(ctx, q, "email_reply", "invitation", inv.ID, auditedInvitation(&before), auditedInvitation(after))
}

// refresh queues the current state of the item to be sent to the guest again (Deliver
// with DeliverArgs.Refresh): the same UID and SEQUENCE as their copy under a Message-ID
// of this request's own, or what they lack when their copy is out of date. The job is
// queued once the message has its id, which names the request: the intake records a
// Message-ID once, so a REFRESH received twice is answered once, and two REFRESHes twice.
func (s *Service) refresh(ctx context.Context, q *store.Q, m *domain.InboundMessage, inv *domain.Invitation, sessionID *int64) (func(*store.Q) error, error) {
	if s.opt.Mail == nil || s.opt.Mail.Queue == nil {
		m.Outcome, m.Reason = domain.IntakeHeld, "asks for the invitation again, but outbound mail is not configured"
		return nil, nil
	}
	m.Outcome, m.Reason = domain.IntakeApplied, "the current invitation is queued to be sent again"
	return func(q *store.Q) error {
		if err := s.enqueue(ctx, q, refreshArgs(inv.ID, sessionID, m.ID), time.Time{}); err != nil {
			return err
		}
		return s.audit(ctx, q, "refresh", "invitation", inv.ID, nil, map[string]any{"inbound_message_id": m.ID})
	}, nil
}

// refreshArgs is the delivery that answers the REFRESH recorded as inbound message id.
func refreshArgs(invitationID int64, sessionID *int64, id int64) DeliverArgs {
	a := DeliverArgs{InvitationID: invitationID, Refresh: id}
	if sessionID != nil {
		a.SessionID = *sessionID
	}
	return a
}

// intakeBounce marks the invitation whose message came back as undeliverable, found by
// the returned message's Message-ID, else by the failed recipient's address.
func (s *Service) intakeBounce(ctx context.Context, q *store.Q, m *domain.InboundMessage, r *mail.DeliveryReport) (func(*store.Q) error, error) {
	m.Attendee = clip(r.FinalRecipient, 320)
	if !r.Failed() {
		m.Outcome, m.Reason = domain.IntakeIgnored, "delivery report without a failure (action "+clip(r.Action, 50)+")"
		return nil, nil
	}
	out, err := q.OutboundByMessageID(r.OriginalIDs...)
	if errors.Is(err, domain.ErrNotFound) && r.FinalRecipient != "" {
		out, err = q.LastOutboundTo(r.FinalRecipient)
	}
	if errors.Is(err, domain.ErrNotFound) {
		m.Outcome, m.Reason = domain.IntakeIgnored, "bounce of a message we did not send"
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	inv, err := q.GetInvitationForUpdate(out.InvitationID)
	if err != nil {
		return nil, err
	}
	m.InvitationID, m.EventID = &inv.ID, &inv.EventID
	diag := r.Diagnostic
	if diag == "" {
		diag = "bounced: status " + r.Status
	}
	diag = clip(diag, 1000)
	m.Outcome, m.Reason = domain.IntakeApplied, "undeliverable: "+diag
	now := s.now()
	out.Status, out.LastError, out.UpdatedAt = store.OutboundFailed, diag, now
	if err := q.UpdateOutbound(out); err != nil {
		return nil, err
	}
	if inv.SendState != domain.SendWithdrawn {
		if err := q.SetInvitationSendState(inv.ID, domain.SendUndeliverable, diag, nil, now); err != nil {
			return nil, err
		}
	}
	return func(q *store.Q) error {
		return s.audit(ctx, q, "bounce", "invitation", inv.ID, map[string]any{"send_state": inv.SendState},
			map[string]any{"send_state": domain.SendUndeliverable, "last_error": diag, "inbound_message_id": m.ID})
	}, nil
}

// counterProposal writes a COUNTER's proposed time in UTC and its comment.
func counterProposal(rep *calendar.Reply) string {
	var parts []string
	if rep.Start != nil {
		parts = append(parts, "start "+rep.Start.Format(time.RFC3339))
	}
	if rep.End != nil {
		parts = append(parts, "end "+rep.End.Format(time.RFC3339))
	}
	if rep.TimeProblem != "" {
		parts = append(parts, "time unreadable: "+rep.TimeProblem)
	}
	if rep.Comment != "" {
		parts = append(parts, "comment: "+rep.Comment)
	}
	return clip(strings.Join(parts, "; "), 2000)
}

// replyTokenInvitation is the invitation of the first rsvp+<token>@ recipient (the
// shape of mail.organizer with "{token}"), nil when none resolves.
func (s *Service) replyTokenInvitation(ctx context.Context, recipients []string) *domain.Invitation {
	prefix, suffix, ok := strings.Cut(strings.ToLower(s.opt.Organizer.Email), "{token}")
	if !ok {
		return nil
	}
	for _, r := range recipients {
		if len(r) <= len(prefix)+len(suffix) || !strings.HasPrefix(r, prefix) || !strings.HasSuffix(r, suffix) {
			continue
		}
		token := r[len(prefix) : len(r)-len(suffix)]
		if inv, err := s.InvitationByReplyToken(ctx, token); err == nil {
			return inv
		}
	}
	return nil
}

// InboundMessages lists received messages, newest first, without their raw bytes.
func (s *Service) InboundMessages(ctx context.Context, f InboundFilter, p Page) ([]*domain.InboundMessage, string, error) {
	return s.st.Q(ctx).ListInbound(f, p)
}

// InboundMessage reads one received message with its raw bytes.
func (s *Service) InboundMessage(ctx context.Context, id int64) (*domain.InboundMessage, error) {
	return s.st.Q(ctx).GetInbound(id)
}

// ApplyInbound is an officer's decision to act on a held message as if it had passed
// the checks: a reply's answer is recorded (channel email, the officer as actor), a
// delegation marks the delegator's invitation delegated and notes the delegate in the
// history (the delegate's own invitation is added as any guest is, through the
// invitations API), a REFRESH queues the current invitation to be sent again. A
// COUNTER is not applied: the officer changes the event's time and dismisses it.
// Replies naming nobody invited are matched again by the attendee's address, so that
// inviting the person first and then applying works.
func (s *Service) ApplyInbound(ctx context.Context, id int64) (*domain.InboundMessage, error) {
	var out *domain.InboundMessage
	err := s.st.InTx(ctx, func(q *store.Q) error {
		m, err := q.GetInboundForUpdate(id)
		if err != nil {
			return err
		}
		if m.Outcome != domain.IntakeHeld {
			return domain.Conflict("outcome", "message %d is %s: only a held message can be applied", id, m.Outcome)
		}
		if m.Kind == domain.InboundCounter {
			return domain.Conflict("kind", "a proposed new time is applied by changing the event; then dismiss message %d", id)
		}
		if m.InvitationID == nil && m.EventID != nil && m.Attendee != "" {
			inv, err := q.InvitationByEventEmail(*m.EventID, m.Attendee)
			if err != nil && !errors.Is(err, domain.ErrNotFound) {
				return err
			}
			if inv != nil {
				m.InvitationID = &inv.ID
			}
		}
		if m.InvitationID == nil {
			return domain.Conflict("invitation_id", "message %d matches no invitation: invite %q first, or dismiss it", id, m.Attendee)
		}
		switch m.Kind {
		case domain.InboundRefresh:
			var sessionID *int64
			if item, err := q.ItemByUID(m.UID); err == nil {
				sessionID = item.SessionID
			} else if !errors.Is(err, domain.ErrNotFound) {
				return err
			}
			if err := s.enqueue(ctx, q, refreshArgs(*m.InvitationID, sessionID, m.ID), time.Time{}); err != nil {
				return err
			}
		case domain.InboundDelegated:
			if err := s.answerByEmail(ctx, q, m, *m.InvitationID, domain.ResponseDelegated); err != nil {
				return err
			}
		default:
			var r domain.Response
			switch m.PartStat {
			case "ACCEPTED", "DECLINED", "TENTATIVE":
				r = domain.Response(strings.ToLower(m.PartStat))
			default:
				return domain.Conflict("partstat", "message %d carries no answer (PARTSTAT %q): dismiss it", id, m.PartStat)
			}
			if err := s.answerByEmail(ctx, q, m, *m.InvitationID, r); err != nil {
				return err
			}
		}
		return s.resolveInbound(ctx, q, m, domain.IntakeApplied, "applied by an officer (was: "+m.Reason+")", &out)
	})
	return out, err
}

// DismissInbound sets a held message aside with the officer's reason.
func (s *Service) DismissInbound(ctx context.Context, id int64, reason string) (*domain.InboundMessage, error) {
	reason = strings.TrimSpace(reason)
	if err := domain.Text("reason", reason, 1000); err != nil {
		return nil, err
	}
	var out *domain.InboundMessage
	err := s.st.InTx(ctx, func(q *store.Q) error {
		m, err := q.GetInboundForUpdate(id)
		if err != nil {
			return err
		}
		if m.Outcome != domain.IntakeHeld {
			return domain.Conflict("outcome", "message %d is %s: only a held message can be dismissed", id, m.Outcome)
		}
		text := "dismissed"
		if reason != "" {
			text += ": " + reason
		}
		return s.resolveInbound(ctx, q, m, domain.IntakeDismissed, text+" (was: "+m.Reason+")", &out)
	})
	return out, err
}

// resolveInbound records an officer's decision on m, with its audit entry.
func (s *Service) resolveInbound(ctx context.Context, q *store.Q, m *domain.InboundMessage, outcome domain.Intake,
	reason string, out **domain.InboundMessage) error {
	before := map[string]any{"outcome": m.Outcome, "reason": m.Reason}
	now := s.now()
	m.Outcome, m.Reason, m.ResolvedBy, m.ResolvedAt = outcome, clip(reason, 2000), ActorFrom(ctx).UserID, &now
	if err := q.UpdateInbound(m, now); err != nil {
		return err
	}
	stored, err := q.GetInbound(m.ID)
	if err != nil {
		return err
	}
	*out = stored
	return s.audit(ctx, q, string(outcome), "inbound_message", m.ID, before,
		map[string]any{"outcome": stored.Outcome, "reason": stored.Reason, "invitation_id": stored.InvitationID})
}

// cleanInbound makes every text field storable: valid UTF-8 without NUL (PostgreSQL
// refuses both), whatever the message carried.
func cleanInbound(m *domain.InboundMessage) {
	for _, f := range []*string{&m.MessageID, &m.Source, &m.From, &m.Subject, &m.Reason, &m.UID, &m.Attendee,
		&m.PartStat, &m.ProposedTo, &m.Proposal, &m.Comment} {
		*f = strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\n' || r == 0x7f {
				return ' '
			}
			return r
		}, strings.ToValidUTF8(*f, "\uFFFD"))
	}
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
