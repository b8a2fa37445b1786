package service

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/i18n"
	"github.com/attache-app/attache/internal/mail"
	"github.com/attache-app/attache/internal/store"
)

// Updates and cancellations. A significant change of an event or session (time, place,
// status: the services raise its SEQUENCE) queues a ChangeArgs job for after the quiet
// period; River's uniqueness keeps further edits in the period from adding another, so
// they go out as one update. When it runs it queues a delivery for every guest
// concerned, and each delivery compares what the guest was last sent (the outbound
// row's shown_* columns) with the item as it is then, and writes the lines of what
// changed. Cancellations (of the event, of a session, of one guest's invitation) do not
// wait: their deliveries are queued in the transaction of the cancellation.

// eventChanged queues what guests must be told after an event changed from before to
// after, inside the change's transaction. Cosmetic edits (SEQUENCE unchanged) send
// nothing; neither does completing an event.
func (s *Service) eventChanged(ctx context.Context, q *store.Q, before, after *domain.Event) error {
	if after.Sequence == before.Sequence || after.Status == domain.StatusCompleted {
		return nil
	}
	items, err := q.MailedItems(after.ID, nil)
	if err != nil || len(items) == 0 {
		return err
	}
	if after.Status == domain.StatusCancelled {
		return s.deliverNow(ctx, q, items)
	}
	return s.enqueue(ctx, q, ChangeArgs{EventID: after.ID}, s.now().Add(s.quietPeriod()))
}

// sessionChanged queues what guests must be told after a session was added, changed
// (before not nil) or cancelled, inside the change's transaction. A new session, or new
// parties, reach the guests of its delegations who hold the event's invitation; a
// cancelled session reaches those who were sent it at once.
func (s *Service) sessionChanged(ctx context.Context, q *store.Q, before, after *domain.Session) error {
	switch {
	case before == nil && (after.Status != domain.SessionScheduled || len(after.DelegationIDs) == 0):
		return nil // an open or cancelled session is no one's invitation
	case before != nil && !sessionMoved(before, after) && slices.Equal(before.DelegationIDs, after.DelegationIDs):
		return nil
	}
	if after.Status == domain.SessionCancelled && (before == nil || before.Status != domain.SessionCancelled) {
		sid := after.ID
		items, err := q.MailedItems(after.EventID, &sid)
		if err != nil {
			return err
		}
		return s.deliverNow(ctx, q, items)
	}
	mailed, err := q.EventMailed(after.EventID)
	if err != nil || !mailed {
		return err
	}
	return s.enqueue(ctx, q, ChangeArgs{EventID: after.EventID, SessionID: after.ID}, s.now().Add(s.quietPeriod()))
}

// withdrawn queues the cancellation of everything a withdrawn guest was sent.
func (s *Service) withdrawn(ctx context.Context, q *store.Q, inv *domain.Invitation) error {
	items, err := q.MailedItems(inv.EventID, nil)
	if err != nil {
		return err
	}
	items = slices.DeleteFunc(items, func(it store.MailedItem) bool { return it.InvitationID != inv.ID })
	return s.deliverNow(ctx, q, items)
}

// deliverNow queues a delivery for each guest and item.
func (s *Service) deliverNow(ctx context.Context, q *store.Q, items []store.MailedItem) error {
	for _, it := range items {
		a := DeliverArgs{InvitationID: it.InvitationID}
		if it.SessionID != nil {
			a.SessionID = *it.SessionID
		}
		if err := s.enqueue(ctx, q, a, time.Time{}); err != nil {
			return err
		}
	}
	return nil
}

// AnnounceChange is what the mail.announce_change job runs once the quiet period is
// over: a delivery for everyone who was sent the item (for an event: the event and its
// sessions) and, for a session, for the guests of its delegations who hold the event's
// invitation but not yet the session. It completes its job in the same transaction, so
// an edit committed after it queues a new announcement rather than being absorbed.
func (s *Service) AnnounceChange(ctx context.Context, a ChangeArgs, complete CompleteTx) error {
	return s.st.InTx(ctx, func(q *store.Q) error {
		if err := completeIn(ctx, q, complete); err != nil {
			return err
		}
		var only *int64
		if a.SessionID != 0 {
			only = &a.SessionID
		}
		items, err := q.MailedItems(a.EventID, only)
		if err != nil {
			return err
		}
		if a.SessionID != 0 {
			more, err := s.sessionNewcomers(q, a, items)
			if err != nil {
				return err
			}
			items = append(items, more...)
		}
		return s.deliverNow(ctx, q, items)
	})
}

// sessionNewcomers are the guests of a session's delegations who were sent the event's
// invitation and are not among have.
func (s *Service) sessionNewcomers(q *store.Q, a ChangeArgs, have []store.MailedItem) ([]store.MailedItem, error) {
	ss, err := q.GetSession(a.SessionID)
	if err != nil || ss.Status != domain.SessionScheduled || len(ss.DelegationIDs) == 0 {
		return nil, ignoreNotFound(err)
	}
	zero := int64(0)
	invited, err := q.MailedItems(a.EventID, &zero)
	if err != nil || len(invited) == 0 {
		return nil, err
	}
	invs, err := q.EventInvitations(a.EventID)
	if err != nil {
		return nil, err
	}
	ds, err := q.ListDelegations(a.EventID)
	if err != nil {
		return nil, err
	}
	var out []store.MailedItem
	for _, inv := range invs {
		if !slices.ContainsFunc(invited, func(it store.MailedItem) bool { return it.InvitationID == inv.ID }) ||
			slices.ContainsFunc(have, func(it store.MailedItem) bool { return it.InvitationID == inv.ID }) {
			continue
		}
		if slices.Contains(ss.DelegationIDs, guestDelegationIn(inv, ds)) {
			sid := ss.ID
			out = append(out, store.MailedItem{InvitationID: inv.ID, SessionID: &sid})
		}
	}
	return out, nil
}

// guestDelegationIn is the delegation a guest comes with: the invitation's, else the one
// of ds (the event's delegations) that counts the person as a member, as the RSVP page
// reads it; 0 when none.
func guestDelegationIn(inv *domain.Invitation, ds []*domain.Delegation) int64 {
	if inv.DelegationID != nil {
		return *inv.DelegationID
	}
	for _, d := range ds {
		if d.HasMember(inv.PersonID) {
			return d.ID
		}
	}
	return 0
}

// ignoreNotFound treats a row deleted meanwhile as nothing to do.
func ignoreNotFound(err error) error {
	if errors.Is(err, domain.ErrNotFound) {
		return nil
	}
	return err
}

// changesBetween lists what differs between what a guest was shown and the item now,
// in the reader's words: time (in the event's zone, with the zone), place and status.
func changesBetween(l *i18n.Locale, was *store.Shown, now store.Shown) []mail.Change {
	if was == nil {
		return nil
	}
	var out []mail.Change
	if !was.StartsAt.Equal(now.StartsAt) || !was.EndsAt.Equal(now.EndsAt) || was.Timezone != now.Timezone {
		out = append(out, mail.Change{Field: "time", Old: shownTime(l, was), New: shownTime(l, &now)})
	}
	if was.Place != now.Place {
		out = append(out, mail.Change{Field: "place", Old: was.Place, New: now.Place})
	}
	if was.Status != now.Status {
		out = append(out, mail.Change{Field: "status", Old: statusWord(l, was.Status), New: statusWord(l, now.Status)})
	}
	return out
}

// shownTime writes an interval in its zone: "12 January 2021, 10:00–11:30, Europe/Moscow (UTC+3)".
func shownTime(l *i18n.Locale, sh *store.Shown) string {
	loc := domain.ZoneOr(sh.Timezone, time.UTC)
	start := sh.StartsAt.In(loc)
	return l.Span(start, sh.EndsAt.In(loc)) + ", " + i18n.Zone(start)
}

// statusWord names an event status for the reader: the catalogue's "mail.status.<status>"
// when it has one, else the status itself.
func statusWord(l *i18n.Locale, status string) string {
	if key := "mail.status." + status; l.Has(key) {
		return l.T(key)
	}
	return status
}
