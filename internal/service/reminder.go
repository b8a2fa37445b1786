package service

import (
	"context"
	"errors"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/mail"
	"github.com/attache-app/attache/internal/store"
)

// Reminders. A periodic scan (mail.scan_reminders, every few minutes on whichever
// process leads River) finds the guests due a reminder and reserves each reminder as an
// outbound row before queuing its job, in one transaction. The row's unique key
// (invitation, kind, offset; outbound_messages_reminder_once) is what guarantees that a
// guest never gets the same reminder twice, whatever restarts, overlapping scans or
// several processes do: a second reservation finds the row and queues nothing.
//
//   - deadline reminders go, at each offset before the RSVP deadline (the invitation's,
//     else the event's), to guests who have not answered; when several offsets are
//     due at once (the server was down) only the one nearest the deadline goes, and an
//     offset already passed when the invitation went out is skipped;
//   - the event reminder goes, at its offset before the event, to guests who accepted.
//
// Only invitations that were sent, of scheduled events yet to start, are reminded; the
// job checks again before sending, and a reminder no longer due is superseded.

// dueReminder is one reminder the scan found due.
type dueReminder struct {
	kind   mail.Kind
	offset int // minutes
}

// ScanReminders reserves and queues the reminders due now and returns how many it
// queued.
func (s *Service) ScanReminders(ctx context.Context) (int, error) {
	mo := s.opt.Mail
	if mo == nil || len(mo.DeadlineReminders) == 0 && mo.EventReminder <= 0 {
		return 0, nil
	}
	now := s.now()
	queued := 0
	err := s.st.InTx(ctx, func(q *store.Q) error {
		queued = 0
		cands, err := q.ReminderCandidates(now)
		if err != nil {
			return err
		}
		for _, c := range cands {
			for _, r := range dueReminders(c, mo.DeadlineReminders, mo.EventReminder, now) {
				inv := c.Invitation
				row, created, err := q.EnsureOutbound(&store.OutboundMessage{InvitationID: inv.ID, Kind: string(r.kind),
					Sequence: c.Event.Sequence, ReminderOffset: r.offset,
					MessageID: mail.MessageID(inv.ID, r.kind, 0, r.offset, s.messageDomain()), Recipient: inv.Email,
					Status: store.OutboundPending, CreatedAt: now, UpdatedAt: now})
				if err != nil {
					return err
				}
				if !created {
					continue
				}
				if err := s.enqueue(ctx, q, RemindArgs{OutboundID: row.ID}, time.Time{}); err != nil {
					return err
				}
				queued++
			}
		}
		return nil
	})
	return queued, err
}

// dueReminders are the reminders of one candidate due at now and not yet recorded.
func dueReminders(c store.ReminderCandidate, deadlineOffsets []time.Duration, eventOffset time.Duration, now time.Time) []dueReminder {
	inv, ev := c.Invitation, c.Event
	if inv.SentAt == nil || ev == nil {
		return nil
	}
	var out []dueReminder
	deadline := inv.Deadline
	if deadline == nil {
		deadline = ev.RSVPDeadline
	}
	if inv.Response == domain.ResponseNeedsAction && deadline != nil && now.Before(*deadline) {
		best := time.Duration(-1)
		for _, o := range deadlineOffsets {
			at := deadline.Add(-o)
			if o > 0 && !now.Before(at) && !inv.SentAt.After(at) && (best < 0 || o < best) {
				best = o
			}
		}
		if best > 0 {
			m := minutes(best)
			covered := false
			for _, o := range deadlineOffsets {
				if minutes(o) <= m && c.Recorded[store.ReminderKey(store.OutboundReminderDeadline, minutes(o))] {
					covered = true // this one, or one nearer the deadline, went already
				}
			}
			if !covered {
				out = append(out, dueReminder{mail.KindReminderDeadline, m})
			}
		}
	}
	if inv.Response == domain.ResponseAccepted && eventOffset > 0 {
		at := ev.StartsAt.Add(-eventOffset)
		m := minutes(eventOffset)
		if !now.Before(at) && !inv.SentAt.After(at) && !c.Recorded[store.ReminderKey(store.OutboundReminderEvent, m)] {
			out = append(out, dueReminder{mail.KindReminderEvent, m})
		}
	}
	return out
}

func minutes(d time.Duration) int { return int(d / time.Minute) }

// reminder is a reserved reminder with what composing it needs.
type reminder struct {
	row    *store.OutboundMessage
	inv    *domain.Invitation
	person *domain.Person
	event  *domain.Event
	data   *store.FeedData
}

// Remind sends one reserved reminder (the mail.remind job). A reminder no longer due
// (the guest answered, was withdrawn, the event moved on) is superseded instead. Errors
// are handled as for Deliver.
func (s *Service) Remind(ctx context.Context, a RemindArgs, at Attempt) error {
	if s.opt.Mail == nil || s.opt.Mail.Transport == nil {
		return errNoTransport
	}
	var r *reminder
	err := s.st.InTx(ctx, func(q *store.Q) error {
		var err error
		r, err = s.planReminder(q, a.OutboundID)
		return err
	})
	if err != nil || r == nil {
		return err
	}
	msg, err := s.composeReminder(ctx, r)
	return s.sendHeld(ctx, msg, err, func(sendErr error) error {
		retry := sendErr != nil && retryable(sendErr) && !at.final()
		rctx, cancel := recordContext(ctx)
		defer cancel()
		err := s.st.InTx(rctx, func(q *store.Q) error {
			if _, err := q.GetInvitationForUpdate(r.inv.ID); err != nil { // lock order: invitation first
				return err
			}
			if err := s.recordOutcome(q, r.row.ID, sendErr, retry); err != nil || sendErr == nil {
				return err
			}
			return q.SetInvitationLastError(r.inv.ID, r.row.Kind+": "+errorText(sendErr), s.now())
		})
		if err != nil {
			return err
		}
		s.logSetupRefusal(ctx, r.row.MessageID, sendErr, !retry)
		switch {
		case retry:
			return sendErr
		case sendErr != nil:
			s.log.WarnContext(ctx, "reminder not delivered", "message_id", r.row.MessageID, "err", sendErr)
		}
		return nil
	})
}

// planReminder reads a reserved reminder and checks it is still due; nil when it is not
// (or was sent already).
func (s *Service) planReminder(q *store.Q, id int64) (*reminder, error) {
	row, err := q.GetOutbound(id)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil
	}
	if err != nil || row.Status != store.OutboundPending || !row.IsReminder() {
		return nil, err
	}
	inv, err := q.GetInvitationForUpdate(row.InvitationID)
	if err != nil {
		return nil, err
	}
	d, err := q.LoadFeed(store.FeedSelection{Scope: store.FeedEvent, TargetID: inv.EventID})
	if err != nil {
		return nil, err
	}
	ev := d.Event(inv.EventID)
	now := s.now()
	due := ev != nil && inv.SendState == domain.SendSent && ev.Status == domain.StatusScheduled && ev.StartsAt.After(now)
	if due && row.Kind == store.OutboundReminderDeadline {
		deadline := inv.Deadline
		if deadline == nil {
			deadline = ev.RSVPDeadline
		}
		due = inv.Response == domain.ResponseNeedsAction && deadline != nil && deadline.After(now)
	}
	if due && row.Kind == store.OutboundReminderEvent {
		due = inv.Response == domain.ResponseAccepted
	}
	if !due {
		row.Status, row.UpdatedAt = store.OutboundSuperseded, now
		return nil, q.UpdateOutbound(row)
	}
	person, err := q.GetPerson(inv.PersonID)
	if err != nil {
		return nil, err
	}
	return &reminder{row: row, inv: inv, person: person, event: ev, data: d}, nil
}

// composeReminder writes a reminder: the letter alone, with the RSVP and feed links.
func (s *Service) composeReminder(ctx context.Context, r *reminder) (*mail.Message, error) {
	inv := *r.inv
	s.withRSVPURL(&inv)
	name := r.person.NameIn(inv.Language)
	ev := r.event
	l := s.letter(mail.Kind(r.row.Kind), &inv, name, ev, s.feedURLOf(ctx, &inv, nil))
	l.Title, l.Start, l.End, l.Place = ev.Title, ev.StartsAt, ev.EndsAt, eventPlace(ev, r.data)
	if ev.Ordinal != nil {
		l.Ordinal = *ev.Ordinal
	}
	subject, text, html, err := mail.Compose(l)
	if err != nil {
		return nil, err
	}
	return &mail.Message{MessageID: r.row.MessageID, From: s.opt.Mail.From,
		To: mail.Address{Name: name.FullName, Email: inv.Email}, Subject: subject, Date: r.row.CreatedAt,
		Text: text, HTML: html}, nil
}
