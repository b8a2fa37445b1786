package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// TestRecordInvitationSent: the short record of a first invitation sets both the
// message and the invitation sent when the invitation and its event are as planned, and
// otherwise changes neither, so that the caller's long way (which plans again) sees them
// as they were; never the invitation without its message.
func TestRecordInvitationSent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		db := st.Gorm()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		var eventID int64
		must(db.Raw(`INSERT INTO events (uid, title, kind, status, timezone, starts_at, ends_at, sequence, created_at, updated_at)
			VALUES ('record@attache.test', 'Commemorative meeting', 'commemoration', 'scheduled', 'Europe/Moscow', ?, ?, 2, ?, ?)
			RETURNING id`, now.Add(48*time.Hour), now.Add(50*time.Hour), now, now).Scan(&eventID).Error)
		// planned makes a queued invitation with a pending message and returns what its
		// record is planned from.
		n := 0
		planned := func() store.InvitationSent {
			t.Helper()
			n++
			var personID, invID, msgID int64
			must(db.Raw(`INSERT INTO people (full_name, email, created_at, updated_at) VALUES ('Guest', 'guest@example.test', ?, ?)
				RETURNING id`, now, now).Scan(&personID).Error)
			must(db.Raw(`INSERT INTO invitations (event_id, person_id, email, language, send_state, rsvp_nonce, rsvp_lookup, created_at, updated_at)
				VALUES (?, ?, ?, 'ru', 'queued', 'nonce', ?, ?, ?) RETURNING id`,
				eventID, personID, fmt.Sprintf("guest%d@example.test", n), fmt.Sprintf("lookup-%d", n), now, now).Scan(&invID).Error)
			must(db.Raw(`INSERT INTO outbound_messages (invitation_id, kind, sequence, message_id, recipient, status, attempts, last_error,
					shown_timezone, shown_place, shown_status, created_at, updated_at)
				VALUES (?, 'invitation', 2, ?, 'guest@example.test', 'pending', 0, '', '', '', '', ?, ?) RETURNING id`,
				invID, fmt.Sprintf("<record-%d@attache.test>", n), now, now).Scan(&msgID).Error)
			return store.InvitationSent{OutboundID: msgID, At: now.Add(time.Minute),
				Invitation: &domain.Invitation{ID: invID, EventID: eventID, Email: fmt.Sprintf("guest%d@example.test", n),
					Language: "ru", SendState: domain.SendQueued},
				Event: store.EventMark{Sequence: 2, Status: domain.StatusScheduled}}
		}
		// state reads the invitation's send state and its message's status and attempts.
		state := func(r store.InvitationSent) string {
			t.Helper()
			var row struct {
				SendState string
				Status    string
				Attempts  int
				Sent      bool
			}
			must(db.Raw(`SELECT i.send_state, o.status, o.attempts, i.sent_at IS NOT NULL AND o.sent_at IS NOT NULL AS sent
				FROM invitations i JOIN outbound_messages o ON o.invitation_id = i.id WHERE o.id = ?`, r.OutboundID).Scan(&row).Error)
			return fmt.Sprintf("%s/%s/%d/%v", row.SendState, row.Status, row.Attempts, row.Sent)
		}
		record := func(r store.InvitationSent, want bool) {
			t.Helper()
			done, err := st.RecordInvitationSent(ctx, r)
			must(err)
			if done != want {
				t.Fatalf("recorded %v, want %v", done, want)
			}
		}

		r := planned()
		record(r, true)
		if got := state(r); got != "sent/sent/1/true" {
			t.Fatalf("as planned: %s, want both sent, one attempt", got)
		}
		record(r, false) // no longer queued
		if got := state(r); got != "sent/sent/1/true" {
			t.Fatalf("recorded twice: %s", got)
		}

		r = planned()
		must(db.Exec(`UPDATE invitations SET email = 'other@example.test' WHERE id = ?`, r.Invitation.ID).Error)
		record(r, false)
		if got := state(r); got != "queued/pending/0/false" {
			t.Fatalf("address changed since the plan: %s, want nothing recorded", got)
		}

		r = planned()
		must(db.Exec(`UPDATE events SET sequence = 3 WHERE id = ?`, eventID).Error)
		record(r, false)
		if got := state(r); got != "queued/pending/0/false" {
			t.Fatalf("event changed since the plan: %s, want nothing recorded", got)
		}
		must(db.Exec(`UPDATE events SET sequence = 2 WHERE id = ?`, eventID).Error)

		// The message is not the invitation's (taken over since): the invitation, whose
		// update matches, must not be set sent without it.
		r, other := planned(), planned()
		r.OutboundID = other.OutboundID
		record(r, false)
		if got := state(other); got != "queued/pending/0/false" {
			t.Fatalf("message of another invitation: %s, want nothing recorded", got)
		}
		var sendState string
		must(db.Raw(`SELECT send_state FROM invitations WHERE id = ?`, r.Invitation.ID).Scan(&sendState).Error)
		if sendState != "queued" {
			t.Fatalf("invitation without its message recorded: send state %s, want queued", sendState)
		}
	})
}
