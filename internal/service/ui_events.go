package service

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/mail"
	"github.com/attache-app/attache/internal/store"
)

// The officers' event pages: the list, the event page with everything it shows read in
// a fixed number of queries, the manual reminder, the progress of a batch of mail, and
// the event's feed link.

// EventList lists events with their answers so far, one page at a time.
func (s *Service) EventList(ctx context.Context, f EventFilter, p Page) ([]EventSummary, string, error) {
	if err := checkEventFilter(f); err != nil {
		return nil, "", err
	}
	if err := domain.Line("q", f.Text, false, 200); err != nil {
		return nil, "", err
	}
	q := s.st.Q(ctx)
	events, next, err := q.ListEvents(f, p)
	if err != nil {
		return nil, "", err
	}
	sums, err := s.summaries(q, events)
	return sums, next, err
}

// EventView is everything the event page shows, read in a fixed number of queries
// whatever the size of the programme and the guest list.
type EventView struct {
	Event       *domain.Event
	Venue       *domain.Venue // nil without a venue
	Hosts       []*domain.Organization
	Sessions    []*domain.Session
	Rooms       map[int64]*domain.Room
	Delegations []*domain.Delegation
	// Organizations holds the hosts, the delegations' and the guests' organizations.
	Organizations map[int64]*domain.Organization
	// People holds the delegations' members and the invited guests.
	People      map[int64]*domain.Person
	Invitations []*domain.Invitation
	// LastSent is when each invitation's guest was last sent a message.
	LastSent map[int64]time.Time
	Tally    Tally
	// Feed is the event's feed link, nil until an officer made one.
	Feed *EventFeedLink
}

// EventPage reads an event and what its page shows.
func (s *Service) EventPage(ctx context.Context, id int64) (*EventView, error) {
	q := s.st.Q(ctx)
	ev, err := q.GetEvent(id)
	if err != nil {
		return nil, err
	}
	v := &EventView{Event: ev}
	if ev.VenueID != nil {
		if v.Venue, err = q.GetVenue(*ev.VenueID); err != nil && !errors.Is(err, domain.ErrNotFound) {
			return nil, err
		}
	}
	if v.Sessions, err = q.ListSessions(id); err != nil {
		return nil, err
	}
	if v.Delegations, err = q.ListDelegations(id); err != nil {
		return nil, err
	}
	if v.Invitations, err = q.EventInvitations(id); err != nil {
		return nil, err
	}
	var roomIDs, personIDs []int64
	orgIDs := slices.Clone(ev.HostOrganizationIDs)
	for _, ss := range v.Sessions {
		if ss.RoomID != nil {
			roomIDs = append(roomIDs, *ss.RoomID)
		}
	}
	for _, d := range v.Delegations {
		orgIDs = append(orgIDs, d.OrganizationID)
		if d.HeadPersonID != nil {
			personIDs = append(personIDs, *d.HeadPersonID)
		}
		for _, m := range d.Members {
			personIDs = append(personIDs, m.PersonID)
		}
	}
	for _, inv := range v.Invitations {
		personIDs = append(personIDs, inv.PersonID)
		s.withRSVPURL(inv)
	}
	if v.Rooms, err = q.RoomsByID(eventPageIDs(roomIDs)); err != nil {
		return nil, err
	}
	if v.People, err = q.GetPeople(eventPageIDs(personIDs)); err != nil {
		return nil, err
	}
	for _, p := range v.People {
		if p.OrganizationID != nil {
			orgIDs = append(orgIDs, *p.OrganizationID)
		}
	}
	if v.Organizations, err = q.OrganizationsByID(eventPageIDs(orgIDs)); err != nil {
		return nil, err
	}
	for _, oid := range ev.HostOrganizationIDs {
		if o := v.Organizations[oid]; o != nil {
			v.Hosts = append(v.Hosts, o)
		}
	}
	if v.LastSent, err = q.LastSent(id); err != nil {
		return nil, err
	}
	tallies, err := q.InvitationTallies([]int64{id})
	if err != nil {
		return nil, err
	}
	if t := tallies[id]; t != nil {
		v.Tally = *t
	}
	if v.Feed, err = s.eventFeedLink(q, id); err != nil && !errors.Is(err, errShortSecret) {
		return nil, err
	}
	return v, nil
}

// eventPageIDs sorts ids and drops repeats.
func eventPageIDs(ids []int64) []int64 {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// ToldGuest is an invitation with its person, for the previews of a change.
type ToldGuest struct {
	Invitation *domain.Invitation
	Person     *domain.Person
}

// ToldOfChange lists the guests who will hear of a cancellation or a new time: those
// who were sent a calendar message about the event or one of its sessions and are not
// withdrawn (a withdrawn guest was sent a CANCEL already). Guests whose invitation is
// queued but not yet sent are not listed: their invitation will carry the event as it
// then stands.
func (s *Service) ToldOfChange(ctx context.Context, eventID int64) ([]ToldGuest, error) {
	q := s.st.Q(ctx)
	if err := eventMustExist(q, eventID); err != nil {
		return nil, err
	}
	ids, err := q.MailedInvitationIDs(eventID)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	invs, err := q.EventInvitations(eventID)
	if err != nil {
		return nil, err
	}
	var personIDs []int64
	var told []*domain.Invitation
	for _, inv := range invs {
		if _, ok := slices.BinarySearch(ids, inv.ID); ok && inv.SendState != domain.SendWithdrawn {
			told = append(told, inv)
			personIDs = append(personIDs, inv.PersonID)
		}
	}
	people, err := q.GetPeople(personIDs)
	if err != nil {
		return nil, err
	}
	out := make([]ToldGuest, 0, len(told))
	for _, inv := range told {
		p := people[inv.PersonID]
		if p == nil {
			p = &domain.Person{ID: inv.PersonID}
		}
		out = append(out, ToldGuest{Invitation: inv, Person: p})
	}
	return out, nil
}

// MailReady reports whether outbound mail can be queued (the job queue is wired), so
// that pages can say so instead of offering a button that fails.
func (s *Service) MailReady() bool { return s.opt.Mail != nil && s.opt.Mail.Queue != nil }

// SendUnsent queues every invitation of the event not yet sent (QueueInvitations with no
// ids) and returns how many it queued and when the batch started, for its progress.
func (s *Service) SendUnsent(ctx context.Context, eventID int64) (int, time.Time, error) {
	since := s.now()
	n, err := s.QueueInvitations(ctx, eventID, SendParams{})
	return n, since, err
}

// manualReminderOffset is the reminder_offset of a reminder an officer sends by hand.
// The scan's reminders sit at their configured offsets before the deadline, always
// positive (dueReminders skips anything else), so 0 is free: a manual reminder is a
// deadline reminder like theirs, sent by the same job and recorded in the same table,
// and outbound_messages_reminder_once (invitation, kind, offset) keeps the rule that a
// guest never gets the same reminder twice. It follows that a guest can be reminded by
// hand once; pressing the button again reminds only the guests not yet reminded (for
// instance those invited since). A second manual round would need a kind of its own,
// which the schema's CHECK on kind does not allow without a migration; the scheduled
// reminders still go at their offsets.
const manualReminderOffset = 0

// RemindResult counts what a manual reminder did.
type RemindResult struct {
	Queued int // reminders reserved and queued now
	Since  time.Time
	// Already counts guests who were reminded by hand before (each guest at most once).
	Already int
	// NoDeadline counts guests without an RSVP deadline to come: a deadline reminder
	// asks for an answer before it, and the reminder job drops one without a deadline.
	NoDeadline int
}

// RemindUnanswered reminds now, by hand, every guest of the event who was sent the
// invitation and has not answered: each reminder is reserved as an outbound row and
// its mail.remind job queued in one transaction, as the periodic scan does (reminder.go),
// and the job checks again before sending. Only a scheduled event yet to start can be
// reminded of.
func (s *Service) RemindUnanswered(ctx context.Context, eventID int64) (RemindResult, error) {
	if !s.MailReady() {
		return RemindResult{}, errNoQueue
	}
	now := s.now()
	var res RemindResult
	err := s.st.InTx(ctx, func(q *store.Q) error {
		res = RemindResult{Since: now}
		ev, err := q.GetEvent(eventID)
		if err != nil {
			return err
		}
		if ev.Status != domain.StatusScheduled {
			return domain.Conflict("status", "event %d is %s: reminders go only for a scheduled event", ev.ID, ev.Status)
		}
		if !ev.StartsAt.After(now) {
			return domain.Conflict("starts_at", "event %d has started: reminders are no longer sent", ev.ID)
		}
		invs, err := q.EventInvitations(eventID)
		if err != nil {
			return err
		}
		for _, inv := range invs {
			if inv.SendState != domain.SendSent || inv.Response != domain.ResponseNeedsAction {
				continue
			}
			deadline := inv.Deadline
			if deadline == nil {
				deadline = ev.RSVPDeadline
			}
			if deadline == nil || !deadline.After(now) {
				res.NoDeadline++
				continue
			}
			row, created, err := q.EnsureOutbound(&store.OutboundMessage{InvitationID: inv.ID,
				Kind: string(mail.KindReminderDeadline), Sequence: ev.Sequence, ReminderOffset: manualReminderOffset,
				MessageID: mail.MessageID(inv.ID, mail.KindReminderDeadline, 0, manualReminderOffset, s.messageDomain()),
				Recipient: inv.Email, Status: store.OutboundPending, CreatedAt: now, UpdatedAt: now})
			if err != nil {
				return err
			}
			if !created {
				res.Already++
				continue
			}
			if err := s.enqueue(ctx, q, RemindArgs{OutboundID: row.ID}, time.Time{}); err != nil {
				return err
			}
			res.Queued++
		}
		if res.Queued == 0 {
			return nil
		}
		return s.audit(ctx, q, "remind", "event", eventID, nil, map[string]any{"reminders_queued": res.Queued})
	})
	return res, err
}

// MailProgress is how far a batch of mail has gone: Done left (or, for reminders, is no
// longer needed), Failed was refused or bounced, the rest is on its way.
type MailProgress struct {
	Total    int  `json:"total"`
	Done     int  `json:"done"`
	Failed   int  `json:"failed"`
	Finished bool `json:"finished"`
}

// Batch kinds for BatchProgress.
const (
	BatchSend   = "send"
	BatchRemind = "remind"
)

// BatchProgress follows a batch started at since, in one grouped query: for a send, the
// invitations' send states (queued is on its way; sent is done; failed and
// undeliverable failed); for reminders, the reminders' outbound rows (pending on its
// way; sent, or superseded because no longer due, done; failed failed).
func (s *Service) BatchProgress(ctx context.Context, eventID int64, kind string, since time.Time) (MailProgress, error) {
	q := s.st.Q(ctx)
	if err := eventMustExist(q, eventID); err != nil {
		return MailProgress{}, err
	}
	var p MailProgress
	switch kind {
	case BatchSend:
		n, err := q.CountInvitationsSince(eventID, since)
		if err != nil {
			return MailProgress{}, err
		}
		p.Done = n[domain.SendSent]
		p.Failed = n[domain.SendFailed] + n[domain.SendUndeliverable]
		p.Total = p.Done + p.Failed + n[domain.SendQueued]
	case BatchRemind:
		n, err := q.CountRemindersSince(eventID, since)
		if err != nil {
			return MailProgress{}, err
		}
		p.Done = n[store.OutboundSent] + n[store.OutboundSuperseded]
		p.Failed = n[store.OutboundFailed]
		p.Total = p.Done + p.Failed + n[store.OutboundPending]
	default:
		return MailProgress{}, domain.Invalid("batch", "must be %s or %s", BatchSend, BatchRemind)
	}
	p.Finished = p.Done+p.Failed >= p.Total
	return p, nil
}

// Event feed links. An event's feed link for officers is an event-scope feed token
// whose token is derived, not random: base64url(HMAC-SHA256(secret key,
// "event-feed:<feed token id>")). The database keeps only its SHA-256 like any feed
// token's, yet the event page can show the link again at any time, which an officer
// expects of a link they copy into calendars and hand to colleagues; a random token
// (POST /api/v1/feed-tokens) is shown once and would need a new link each time the page
// was left. The id in the derivation makes each issued link distinct, so revoking one
// (DELETE /api/v1/feed-tokens/{id}, or "new link" on the page) kills it for good and
// the next one differs. Links issued through the API stay random and are not shown.

// EventFeedLink is an event's feed link as the event page shows it.
type EventFeedLink struct {
	ID        int64
	URL       string
	WebcalURL string
	CreatedAt time.Time
}

// eventFeedToken derives the token of event-scope feed link id.
func (s *Service) eventFeedToken(id int64) string {
	return base64.RawURLEncoding.EncodeToString(s.mac("event-feed", strconv.FormatInt(id, 10)))
}

// eventFeedLink finds the newest unrevoked derived link of the event; nil when none.
func (s *Service) eventFeedLink(q *store.Q, eventID int64) (*EventFeedLink, error) {
	if len(s.opt.SecretKey) < minSecretKey {
		return nil, errShortSecret
	}
	rows, err := q.EventFeedTokens(eventID)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		token := s.eventFeedToken(r.ID)
		if hmac.Equal([]byte(tokenLookup(token)), []byte(r.Lookup)) {
			u, webcal := s.feedURLs(token)
			return &EventFeedLink{ID: r.ID, URL: u, WebcalURL: webcal, CreatedAt: r.CreatedAt}, nil
		}
	}
	return nil, nil
}

// IssueEventFeedLink makes the event's feed link, or returns the one it has; with renew,
// the links it has are revoked first and a new one is made (a link that leaked).
func (s *Service) IssueEventFeedLink(ctx context.Context, eventID int64, renew bool) (*EventFeedLink, error) {
	if len(s.opt.SecretKey) < minSecretKey {
		return nil, errShortSecret
	}
	var out *EventFeedLink
	err := s.st.InTx(ctx, func(q *store.Q) error {
		if err := eventMustExist(q, eventID); err != nil {
			return err
		}
		have, err := s.eventFeedLink(q, eventID)
		if err != nil {
			return err
		}
		if have != nil && !renew {
			out = have
			return nil
		}
		for have != nil {
			before, err := q.GetFeedToken(have.ID)
			if err != nil {
				return err
			}
			if err := q.RevokeFeedToken(have.ID, s.now()); err != nil {
				return err
			}
			after, err := q.GetFeedToken(have.ID)
			if err != nil {
				return err
			}
			if err := s.audit(ctx, q, "revoke", "feed_token", have.ID, before, after); err != nil {
				return err
			}
			if have, err = s.eventFeedLink(q, eventID); err != nil {
				return err
			}
		}
		id := eventID
		t := &FeedToken{Scope: FeedEvent, EventID: &id, Name: "event page link", CreatedBy: ActorFrom(ctx).UserID}
		// lookup is unique and the token needs the id: hold the place with a value that
		// is no token's hash, then store the real hash in the same transaction.
		if err := q.CreateFeedToken(t, "pending:"+randomString(16)); err != nil {
			return err
		}
		token := s.eventFeedToken(t.ID)
		if err := q.SetFeedTokenLookup(t.ID, tokenLookup(token)); err != nil {
			return err
		}
		if err := s.audit(ctx, q, "create", "feed_token", t.ID, nil, t); err != nil {
			return err
		}
		u, webcal := s.feedURLs(token)
		out = &EventFeedLink{ID: t.ID, URL: u, WebcalURL: webcal, CreatedAt: t.CreatedAt}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("feed link of event %d: %w", eventID, err)
	}
	return out, nil
}
