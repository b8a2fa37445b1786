package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/mail"
	"github.com/attache-app/attache/internal/store"
)

// Sending many invitations at once. QueueInvitations puts the guests whose invitation
// goes out for the first time (drafts, and failed ones sent again) into jobs of up to
// DeliverBatchSize guests (DeliverArgs.InvitationIDs) instead of one job each, because
// most of the cost of a message was per job and per query, not per byte: River inserts,
// fetches and completes one job per batch, and the batch plans its guests in one
// transaction with a few queries (the invitations, locked in id order, the event's feed
// data once, their histories, people and feed links, the pending rows 16 to an
// insert). It then sends them one after the other over one SMTP connection and
// records each message in its own transaction as soon as the server answered, as a
// single delivery does, completing the job with the last one. The batch holds one
// connection (a mail.Lease) from its first message until its last is recorded, and
// sends in two steps: the next message goes out up to its final "." while the previous
// one is being recorded, and the "." only once that record is committed, so the record
// (mostly a wait for the database's commit) overlaps the next message's transfer.
// While nothing changed since the plan, that transaction is short
// (store.RecordInvitationSent: one statement on PostgreSQL); otherwise it is the single
// delivery's, which plans again.
//
// So the messages that may go out twice after a crash are still only those on the wire
// at that moment: at most one per SMTP connection (mail.smtp.max_connections), since a
// sender holds its connection until its message is recorded, whatever the batch size;
// the rest of a killed batch is planned again from the records, and those already
// recorded are skipped. A batch sends only invitations still queued; one that failed
// for now is not retried by the batch, which would hold up the other guests, but
// recorded pending and handed to a delivery job of its own (the ordinary DeliverArgs,
// unique per guest) that starts after the runner's first backoff; one refused for good
// fails the invitation, as alone. Named re-sends (a withdrawn or undeliverable guest)
// and everything after the invitation (sessions, updates, cancellations, REFRESH
// answers) stay single deliveries.

// DeliverBatchSize is the most guests one batch job sends to. A killed batch costs at
// most one duplicate, whatever its size; a larger batch holds its invitations' row locks
// longer while it plans (tens of milliseconds at this size), may not finish within the
// job timeout on a slow server (it then hands the rest on: handOnAfter), and when its
// process dies leaves that many guests waiting for jobs.rescue_after. A smaller one costs
// processor time per message: River's fetching and completing of a job and the plan's
// fixed queries took about 6 ms a batch; 128 instead of 32 cut the path's CPU per message
// by about a fifth (BenchmarkSendPath, SQLite: 0.93–1.06 ms against 1.13–1.26 ms).
const DeliverBatchSize = 128

// handOnAfter is the share of a batch job's time after which it stops taking messages
// and hands the guests it has not sent to to a new batch job, so that a batch slowed
// by its server ends in time instead of being cancelled and retried after a backoff.
const handOnAfter = 0.5

// batchRecord says how recordDelivery ends a batch's message.
type batchRecord struct {
	// handOff hands a temporary failure to a delivery job of its own instead of
	// returning it for River to retry the batch.
	handOff bool
}

// composed is a message composed ahead of its turn, or why it could not be.
type composed struct {
	msg *mail.Message
	err error
}

// batchOutcome is a batch's message to record: how its sending ended, and the job to
// complete with it (the last message's).
type batchOutcome struct {
	p        *delivery
	err      error
	complete CompleteTx
}

// deliverBatch sends the event invitations of ids that are still queued (the batch job).
func (s *Service) deliverBatch(ctx context.Context, ids []int64, at Attempt, complete CompleteTx) error {
	var plans []*delivery
	err := s.st.InTx(ctx, func(q *store.Q) error {
		var err error
		if plans, err = s.planBatch(q, ids); err != nil || len(plans) > 0 {
			return err
		}
		// Nothing to send: done, in the transaction that decided it.
		return completeIn(ctx, q, complete)
	})
	if err != nil || len(plans) == 0 {
		return err
	}
	// The next message is composed and encoded while one is sent and recorded: that
	// needs neither the connection nor the database, and the worker mostly waits on both.
	cctx, stop := context.WithCancel(ctx)
	defer stop()
	next := make(chan composed, 1)
	go func() {
		defer close(next)
		for _, p := range plans {
			msg, err := s.composeDelivery(cctx, p)
			if err == nil {
				msg.Prepare()
			}
			select {
			case next <- composed{msg, err}:
			case <-cctx.Done():
				return
			}
		}
	}()
	// Past handOnAfter of the job's time, the rest goes to a new job (handOn).
	var stopAt time.Time
	if deadline, ok := ctx.Deadline(); ok {
		stopAt = time.Now().Add(time.Duration(float64(time.Until(deadline)) * handOnAfter))
	}
	// One connection for the whole batch, held until its last message is recorded.
	lease, err := mail.NewLease(ctx, s.opt.Mail.Transport)
	if err != nil {
		// No free connection within the job's time: the next try plans the batch again.
		return fmt.Errorf("batch of %d messages: %w", len(plans), err)
	}
	defer lease.Release()
	// One goroutine records the batch's messages, each while the next one is staged:
	// one for the batch rather than one per message, whose stack would grow again
	// through the database driver's deep calls every time (3 % of the path's CPU).
	toRecord, recorded := make(chan batchOutcome), make(chan error, 1)
	defer close(toRecord)
	go func() {
		for o := range toRecord {
			recorded <- s.recordDelivery(ctx, o.p, o.err, at, o.complete, batchRecord{handOff: true})
		}
	}()
	recording := false // a record is under way
	waitRecord := func() error {
		if !recording {
			return nil
		}
		recording = false
		return <-recorded
	}
	for i, p := range plans {
		if i > 0 && !stopAt.IsZero() && time.Now().After(stopAt) {
			if err := waitRecord(); err != nil {
				return err
			}
			return s.handOn(ctx, plans[i:], complete)
		}
		c, ok := <-next
		if err := ctx.Err(); err != nil || !ok {
			if err := waitRecord(); err != nil {
				return err
			}
			// Shutting down, or out of time: the next try plans the rest again.
			return fmt.Errorf("batch stopped after %d of %d messages: %w", i, len(plans), ctx.Err())
		}
		err := c.err
		if err == nil {
			err = lease.Stage(ctx, c.msg)
		} else {
			err = &composeError{err}
		}
		// The previous message is recorded before this one can be accepted: a message
		// the server accepted and we did not record is one per connection at most. When
		// that record fails, the staged message is abandoned with the connection.
		if err := waitRecord(); err != nil {
			return err
		}
		if err == nil {
			err = lease.Finish(ctx)
		}
		var done CompleteTx // the job is complete with its last message
		if i == len(plans)-1 {
			done = complete
		}
		toRecord <- batchOutcome{p, err, done}
		recording = true
	}
	return waitRecord()
}

// handOn queues a new batch job for the guests of rest, which this batch did not send
// to, and completes this job, in one transaction. Their messages stay claimed as
// pending; the new job plans them again and takes them over, as the next try of a
// stopped batch would.
func (s *Service) handOn(ctx context.Context, rest []*delivery, complete CompleteTx) error {
	ids := make([]int64, len(rest))
	for i, p := range rest {
		ids[i] = p.inv.ID
	}
	ctx, cancel := recordContext(ctx)
	defer cancel()
	return s.st.InTx(ctx, func(q *store.Q) error {
		if err := s.enqueue(ctx, q, DeliverArgs{InvitationIDs: ids}, time.Time{}); err != nil {
			return err
		}
		return completeIn(ctx, q, complete)
	})
}

// planBatch plans the event invitation of each of ids whose invitation is still queued
// and claims their messages as pending, in a few queries; see the top of this file. It
// returns the claimed deliveries in id order.
func (s *Service) planBatch(q *store.Q, ids []int64) ([]*delivery, error) {
	if err := q.PlanForValues(); err != nil {
		return nil, err
	}
	invs, err := q.LockInvitations(ids)
	if err != nil {
		return nil, err
	}
	invs = slices.DeleteFunc(invs, func(inv *domain.Invitation) bool { return inv.SendState != domain.SendQueued })
	if len(invs) == 0 {
		return nil, nil
	}
	queued := make([]int64, len(invs))
	for i, inv := range invs {
		queued[i] = inv.ID
	}
	histories, err := q.OutboundOfInvitations(queued)
	if err != nil {
		return nil, err
	}
	feeds := map[int64]*store.FeedData{}
	delegations := map[int64][]*domain.Delegation{}
	eventDelegations := func(eventID int64) ([]*domain.Delegation, error) {
		if ds, ok := delegations[eventID]; ok {
			return ds, nil
		}
		ds, err := q.ListDelegations(eventID)
		delegations[eventID] = ds
		return ds, err
	}
	var plans []*delivery
	for _, inv := range invs {
		d := feeds[inv.EventID]
		if d == nil {
			if d, err = q.LoadFeed(store.FeedSelection{Scope: store.FeedEvent, TargetID: inv.EventID}); err != nil {
				return nil, err
			}
			feeds[inv.EventID] = d
		}
		p, err := s.itemOf(q, DeliverArgs{InvitationID: inv.ID}, inv, d, eventDelegations)
		if err != nil {
			return nil, err
		}
		if p == nil {
			continue
		}
		p.setHistory(slices.DeleteFunc(histories[inv.ID], func(m *store.OutboundMessage) bool { return m.SessionID != nil }))
		if decide(p) {
			plans = append(plans, p)
		}
	}
	if err := s.readGuests(q, plans); err != nil {
		return nil, err
	}
	return s.claimMany(q, plans)
}

// readGuests loads what composing the planned messages reads: each guest's person and
// personal feed link, in two queries whatever their number.
func (s *Service) readGuests(q *store.Q, plans []*delivery) error {
	personIDs := make([]int64, 0, len(plans))
	lookups := make([]string, 0, len(plans))
	tokens := make([]string, len(plans))
	for i, p := range plans {
		personIDs = append(personIDs, p.inv.PersonID)
		if len(s.opt.SecretKey) >= minSecretKey && p.inv.RSVPNonce != "" {
			tokens[i] = s.personalFeedToken(p.inv.ID, p.inv.RSVPNonce)
			lookups = append(lookups, tokenLookup(tokens[i]))
		}
	}
	people, err := q.GetPeople(personIDs)
	if err != nil {
		return err
	}
	live, err := q.LiveFeedLookups(lookups)
	if err != nil {
		return err
	}
	for i, p := range plans {
		if p.person = people[p.inv.PersonID]; p.person == nil {
			return fmt.Errorf("invitation %d: %w", p.inv.ID, domain.NotFound("person"))
		}
		feed := ""
		if tokens[i] != "" && live[tokenLookup(tokens[i])] {
			_, feed = s.feedURLs(tokens[i])
		}
		p.feedURL = &feed
	}
	return nil
}

// claimMany is claim for many planned messages at once: the pending rows in a few
// inserts, rows of a try before taken over one by one. Messages already sent are dropped.
func (s *Service) claimMany(q *store.Q, plans []*delivery) ([]*delivery, error) {
	now := s.now()
	ms := make([]*store.OutboundMessage, len(plans))
	for i, p := range plans {
		shown := p.shown
		ms[i] = &store.OutboundMessage{InvitationID: p.inv.ID, Kind: string(p.kind), Sequence: p.seq,
			MessageID: s.messageID(p), Recipient: p.inv.Email, Status: store.OutboundPending, Shown: &shown,
			CreatedAt: now, UpdatedAt: now}
	}
	rows, created, err := q.EnsureOutboundMany(ms)
	if err != nil {
		return nil, err
	}
	claimed := plans[:0]
	for i, p := range plans {
		row := rows[i]
		if row.Status == store.OutboundSent {
			continue
		}
		if !created[i] {
			shown := p.shown
			row.Status, row.Recipient, row.Shown, row.UpdatedAt = store.OutboundPending, p.inv.Email, &shown, now
			if err := q.UpdateOutbound(row); err != nil {
				return nil, err
			}
		}
		if p.pending {
			if err := q.SupersedeOutbound(p.inv.ID, nil, row.ID, now); err != nil {
				return nil, err
			}
		}
		p.row = row
		claimed = append(claimed, p)
	}
	return claimed, nil
}

// queueFresh queues the invitations whose invitation goes out for the first time, in
// batches: their send state moves to queued and an audit entry each is written, in a
// few statements per batch, in q's transaction.
func (s *Service) queueFresh(ctx context.Context, q *store.Q, invs []*domain.Invitation) error {
	now := s.now()
	for batch := range slices.Chunk(invs, DeliverBatchSize) {
		ids := make([]int64, len(batch))
		entries := make([]*domain.AuditEntry, len(batch))
		for i, inv := range batch {
			ids[i] = inv.ID
			e, err := s.auditEntry(ctx, "send", "invitation", inv.ID,
				map[string]any{"send_state": inv.SendState}, map[string]any{"send_state": domain.SendQueued})
			if err != nil {
				return err
			}
			entries[i] = e
		}
		if err := q.SetInvitationsSendState(ids, domain.SendQueued, now); err != nil {
			return err
		}
		if err := s.enqueue(ctx, q, DeliverArgs{InvitationIDs: ids}, time.Time{}); err != nil {
			return err
		}
		if err := q.AddAudits(entries); err != nil {
			return err
		}
	}
	return nil
}

// feedURLOf is the webcal link of the guest's personal feed for a letter: the one the
// plan read, else read now; empty when the link was rotated away.
func (s *Service) feedURLOf(ctx context.Context, inv *domain.Invitation, known *string) string {
	if known != nil {
		return *known
	}
	if _, webcal, err := s.PersonalFeedURL(ctx, inv); err == nil {
		return webcal
	}
	return ""
}
