package jobs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	gomail "github.com/go-mail/mail/v2"
	"golang.org/x/sync/errgroup"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// BenchmarkRecordFloor is the part of the sending path that points 7 and 8 of the
// outbound issue make every design keep: the baseline's prebuilt go-mail messages, sent
// over as many connections as the path uses by default, each followed by its durable
// record (store.RecordInvitationSent, the statement the path commits for a first
// invitation) before that connection sends another. Nothing is planned, composed,
// encoded or queued, and each record overlaps the next message's whole transfer, which
// the path can not do. So its rate is an upper bound for the path's on the same
// machine, and its ratio to the baseline says how close to the baseline any path that
// records each message before the next can come there:
//
//	ATTACHE_TEST_POSTGRES_URL=… go test -run x -bench 'RecordFloor|BaselineGoMail' -benchtime 10000x ./internal/jobs/
func BenchmarkRecordFloor(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) { recordFloor(b, d, benchConnections) })
	}
}

func recordFloor(b *testing.B, d store.Dialect, connections int) {
	st := benchStore(b, d)
	svc := benchService(st)
	eventID := benchGuests(b, svc, d, b.N)
	records := floorRecords(b, st, eventID)
	msgs := goMailMessages(b, b.N)
	sink := &sinkBackend{}
	host, port := startSink(b, sink)
	senders := make([]gomail.SendCloser, connections)
	for i := range senders {
		dialer := gomail.NewDialer(host, port, "", "")
		dialer.StartTLSPolicy = gomail.NoStartTLS
		var err error
		if senders[i], err = dialer.Dial(); err != nil {
			b.Fatal(err)
		}
		defer senders[i].Close()
	}
	ctx := context.Background()

	b.ResetTimer()
	cpu := processCPU()
	var g errgroup.Group
	for c, s := range senders {
		g.Go(func() error {
			// One recording goroutine per connection, as the path has one per batch.
			toRecord, recorded := make(chan int), make(chan error, 1)
			defer close(toRecord)
			go func() {
				for i := range toRecord {
					done, err := st.RecordInvitationSent(ctx, records[i])
					if err == nil && !done {
						err = fmt.Errorf("invitation %d not recorded", records[i].Invitation.ID)
					}
					recorded <- err
				}
			}()
			recorded <- nil
			for i := c; i < b.N; i += connections {
				if err := gomail.Send(s, msgs[i]); err != nil {
					return err
				}
				// The previous record is committed before this message's record starts
				// (and in the path, before this message may be accepted).
				if err := <-recorded; err != nil {
					return err
				}
				toRecord <- i
			}
			return <-recorded
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	rate := stopAndReport(b, cpu, sink)
	if left := unsent(b, st, eventID); left != 0 {
		b.Fatalf("%d invitations not recorded as sent", left)
	}
	if b.N >= 100 {
		b.ReportMetric(rate/baselineRate(b, b.N, 0), "x-baseline")
	}
}

// floorRecords queues the event's invitations and claims a pending first-invitation
// message for each, as the path's plan does, and returns what recording each as sent
// takes, in invitation order.
func floorRecords(b *testing.B, st *store.Store, eventID int64) []store.InvitationSent {
	b.Helper()
	now := time.Now().UTC()
	var out []store.InvitationSent
	err := st.InTx(context.Background(), func(q *store.Q) error {
		ev, err := q.GetEvent(eventID)
		if err != nil {
			return err
		}
		invs, err := q.EventInvitations(eventID)
		if err != nil {
			return err
		}
		ids := make([]int64, len(invs))
		ms := make([]*store.OutboundMessage, len(invs))
		for i, inv := range invs {
			ids[i], inv.SendState = inv.ID, domain.SendQueued
			ms[i] = &store.OutboundMessage{InvitationID: inv.ID, Kind: store.OutboundInvitation,
				MessageID: fmt.Sprintf("floor-%d@attache.test", inv.ID), Recipient: inv.Email,
				Status: store.OutboundPending, CreatedAt: now, UpdatedAt: now}
		}
		if err := q.SetInvitationsSendState(ids, domain.SendQueued, now); err != nil {
			return err
		}
		rows, _, err := q.EnsureOutboundMany(ms)
		if err != nil {
			return err
		}
		for i, inv := range invs {
			out = append(out, store.InvitationSent{OutboundID: rows[i].ID, Invitation: inv, At: now,
				Event: store.EventMark{Sequence: ev.Sequence, Status: ev.Status}})
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if len(out) != b.N {
		b.Fatalf("%d invitations with a pending message, want %d", len(out), b.N)
	}
	return out
}
