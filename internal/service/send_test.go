package service_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-smtp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/attache-app/attache/internal/calendar"
	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/mail"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// These tests drive the service's sending directly, without workers: jobs go into
// River's table through an insert-only River client, and the tests run the service
// methods the workers would run, under a clock they set. The whole path through running
// workers is tested in internal/jobs.

// riverQueue is an insert-only River client, the service's Enqueuer.
type riverQueue struct{ c *river.Client[*sql.Tx] }

func (r riverQueue) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := r.c.InsertTx(ctx, tx, args, opts)
	return err
}

func newRiverQueue(t *testing.T, st *store.Store) riverQueue {
	t.Helper()
	var (
		c   *river.Client[*sql.Tx]
		err error
	)
	if st.Dialect == store.Postgres {
		c, err = river.NewClient(riverdatabasesql.New(st.DB()), &river.Config{})
	} else {
		c, err = river.NewClient(riversqlite.New(st.DB()), &river.Config{})
	}
	if err != nil {
		t.Fatal(err)
	}
	return riverQueue{c}
}

// smtpPeer is a real SMTP server in the test process that records what it takes.
type smtpPeer struct {
	mu   sync.Mutex
	got  []string
	to   []string
	fail bool // answer 550 to RCPT
}

func (p *smtpPeer) NewSession(*smtp.Conn) (smtp.Session, error) { return &peerSession{p: p}, nil }

func (p *smtpPeer) messages() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got)
}

type peerSession struct {
	p  *smtpPeer
	to string
}

func (s *peerSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *peerSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.p.fail {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
	}
	s.to = to
	return nil
}
func (s *peerSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.p.mu.Lock()
	s.p.got, s.p.to = append(s.p.got, string(b)), append(s.p.to, s.to)
	s.p.mu.Unlock()
	return nil
}
func (s *peerSession) Reset()        {}
func (s *peerSession) Logout() error { return nil }

type silent struct{}

func (silent) Printf(string, ...any) {}
func (silent) Println(...any)        {}

func startPeer(t *testing.T, p *smtpPeer) mail.Transport { return startPeerTLS(t, p, "none") }

// startPeerTLS is startPeer with the transport's mail.smtp.tls set to mode (the peer
// itself offers no TLS).
func startPeerTLS(t *testing.T, p *smtpPeer, mode string) mail.Transport {
	t.Helper()
	srv := smtp.NewServer(p)
	srv.Domain, srv.ErrorLog = "localhost", silent{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	tr, err := mail.NewSMTP(mail.SMTPOptions{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, TLS: mode,
		MaxConnections: 1, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// sendWorld is an event ten days after the test's "now", with an RSVP deadline five days
// after it, one delegation with a bilateral meeting, and two guests.
type sendWorld struct {
	t        *testing.T
	ctx      context.Context
	st       *store.Store
	s        *service.Service
	now      *time.Time
	peer     *smtpPeer
	tr       mail.Transport // to the peer
	event    *domain.Event
	az       *domain.Delegation
	meeting  int64
	guest    *domain.Invitation // AZ head, with the delegation
	observer *domain.Invitation // no delegation
	logs     *logCounter        // what the service logged
}

// logCounter counts the records the service logs, by level and message.
type logCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (c *logCounter) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *logCounter) WithGroup(string) slog.Handler            { return c }

func (c *logCounter) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[r.Level.String()+" "+r.Message]++
	return nil
}

// count is how many records of the level and message were logged.
func (c *logCounter) count(level slog.Level, msg string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[level.String()+" "+msg]
}

func newSendWorld(t *testing.T, st *store.Store) *sendWorld {
	t.Helper()
	now := time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC)
	w := &sendWorld{t: t, st: st, now: &now, peer: &smtpPeer{}, logs: &logCounter{n: map[string]int{}},
		ctx: service.WithActor(context.Background(), service.Actor{Name: "officer@attache.test"})}
	w.s = service.New(st, service.Options{SecretKey: []byte("send-test-secret-0123456789abcdef012345"),
		BaseURL: "https://attache.test", UIDDomain: "attache.test",
		Organizer: calendar.Organizer{Name: "Protocol Office", Email: "protocol@attache.test"},
		Now:       func() time.Time { return *w.now },
		Mail: &service.MailOptions{From: mail.Address{Name: "Protocol Office", Email: "protocol@attache.test"},
			QuietPeriod: time.Minute, DeadlineReminders: []time.Duration{168 * time.Hour, 48 * time.Hour},
			EventReminder: 24 * time.Hour}}, slog.New(w.logs))
	w.s.SetQueue(newRiverQueue(t, st))
	w.tr = startPeer(t, w.peer)
	w.s.SetTransport(w.tr)
	must := w.must
	start := now.Add(10 * 24 * time.Hour)
	deadline := now.Add(5 * 24 * time.Hour)
	var err error
	w.event, err = w.s.CreateEvent(w.ctx, &domain.Event{Title: "Conference", Kind: domain.KindConference,
		Status: domain.StatusScheduled, Timezone: "Europe/Moscow", StartsAt: start, EndsAt: start.Add(6 * time.Hour),
		RSVPDeadline: &deadline})
	must(err)
	org := func(name string) int64 {
		o := &domain.Organization{Name: name}
		must(w.s.CreateOrganization(w.ctx, o))
		return o.ID
	}
	ruOrg, azOrg := org("PGO RU"), org("PGO AZ")
	person := func(name, email string, org int64) *domain.Person {
		p := &domain.Person{FullName: name, Email: email, Language: "en", OrganizationID: &org,
			Names: map[string]domain.PersonName{"ru": {FullName: "Камран Алиев"}}}
		must(w.s.CreatePerson(w.ctx, p))
		return p
	}
	ruHead, azHead := person("Igor Krasnov", "ru@genproc-ru.test", ruOrg), person("Kamran Aliyev", "az@genprosecutor-az.test", azOrg)
	observer := person("Observer", "observer@coe.test", org("CoE"))
	ru := &domain.Delegation{EventID: w.event.ID, OrganizationID: ruOrg, HeadPersonID: &ruHead.ID}
	must(w.s.CreateDelegation(w.ctx, ru))
	w.az = &domain.Delegation{EventID: w.event.ID, OrganizationID: azOrg, HeadPersonID: &azHead.ID}
	must(w.s.CreateDelegation(w.ctx, w.az))
	ss, err := w.s.CreateSession(w.ctx, w.event.ID, &domain.Session{Title: "Bilateral meeting", Kind: domain.SessionBilateral,
		StartsAt: start.Add(time.Hour), EndsAt: start.Add(2 * time.Hour), DelegationIDs: []int64{ru.ID, w.az.ID}})
	must(err)
	w.meeting = ss.ID
	w.guest = &domain.Invitation{EventID: w.event.ID, PersonID: azHead.ID, DelegationID: &w.az.ID, Language: "ru"}
	must(w.s.CreateInvitation(w.ctx, w.guest))
	w.observer = &domain.Invitation{EventID: w.event.ID, PersonID: observer.ID}
	must(w.s.CreateInvitation(w.ctx, w.observer))
	return w
}

func (w *sendWorld) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *sendWorld) count(query string, args ...any) int64 {
	w.t.Helper()
	var n int64
	w.must(w.st.Gorm().Raw(query, args...).Scan(&n).Error)
	return n
}

func (w *sendWorld) jobs(kind string) int64 {
	return w.count(`SELECT count(*) FROM river_job WHERE kind = ?`, kind)
}

// deliveries counts the guests and items the queued mail.deliver jobs are about: one for
// a single delivery, one per guest of a batch.
func (w *sendWorld) deliveries() int {
	w.t.Helper()
	n := 0
	for _, j := range w.deliverJobs() {
		n += max(1, len(j.args.InvitationIDs))
	}
	return n
}

type deliverJob struct {
	id   int64
	args service.DeliverArgs
}

// deliverJobs reads the queued mail.deliver jobs, oldest first.
func (w *sendWorld) deliverJobs() []deliverJob {
	w.t.Helper()
	var rows []struct {
		ID   int64
		Args string
	}
	args := "json(args)" // River keeps JSONB on SQLite
	if w.st.Dialect == store.Postgres {
		args = "CAST(args AS TEXT)"
	}
	w.must(w.st.Gorm().Raw(`SELECT id, ` + args + ` AS args FROM river_job WHERE kind = 'mail.deliver' ORDER BY id`).Scan(&rows).Error)
	out := make([]deliverJob, len(rows))
	for i, r := range rows {
		out[i].id = r.ID
		w.must(json.Unmarshal([]byte(r.Args), &out[i].args))
	}
	return out
}

func (w *sendWorld) invitation(id int64) *domain.Invitation {
	w.t.Helper()
	inv, err := w.s.Invitation(w.ctx, id)
	w.must(err)
	return inv
}

// inviteGuest sends the guest their invitation and then their meeting, as the workers
// would.
func (w *sendWorld) inviteGuest() {
	w.t.Helper()
	_, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{InvitationIDs: []int64{w.guest.ID}})
	w.must(err)
	w.deliver(w.guest.ID, 0)
	w.deliver(w.guest.ID, w.meeting)
}

func (w *sendWorld) deliver(inv, session int64) {
	w.t.Helper()
	w.must(w.s.Deliver(w.ctx, service.DeliverArgs{InvitationID: inv, SessionID: session}, service.Attempt{Number: 1, Max: 8}, nil))
}

// failAudit makes every audit entry of action fail inside its transaction, on either
// database: a failure after the job was inserted in the same transaction.
func failAudit(t *testing.T, st *store.Store, action string) {
	t.Helper()
	stmts := []string{`CREATE TRIGGER fail_audit BEFORE INSERT ON audit_entries
		WHEN NEW.action = '` + action + `' BEGIN SELECT RAISE(ABORT, 'audit refused'); END`}
	if st.Dialect == store.Postgres {
		stmts = []string{`CREATE FUNCTION fail_audit() RETURNS trigger AS $$
			BEGIN IF NEW.action = '` + action + `' THEN RAISE EXCEPTION 'audit refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER fail_audit BEFORE INSERT ON audit_entries FOR EACH ROW EXECUTE FUNCTION fail_audit()`}
	}
	for _, s := range stmts {
		if _, err := st.DB().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_, _ = st.DB().Exec(`DROP TRIGGER fail_audit` + map[bool]string{true: " ON audit_entries", false: ""}[st.Dialect == store.Postgres])
	})
}

// TestQueueIsTransactional: queuing moves invitations to queued and inserts one job
// each in one transaction; when the transaction fails after the jobs were inserted,
// neither the states nor the jobs remain.
func TestQueueIsTransactional(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newSendWorld(t, st)
		failAudit(t, st, "send")
		if _, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{}); err == nil || !strings.Contains(err.Error(), "audit refused") {
			t.Fatalf("queue with a failing audit: %v", err)
		}
		if n := w.deliveries(); n != 0 {
			t.Fatalf("%d deliveries left by a rolled-back send", n)
		}
		for _, id := range []int64{w.guest.ID, w.observer.ID} {
			if st := w.invitation(id).SendState; st != domain.SendDraft {
				t.Fatalf("invitation %d is %s after a rolled-back send", id, st)
			}
		}
		_, _ = st.DB().Exec(`DROP TRIGGER fail_audit` + map[bool]string{true: " ON audit_entries", false: ""}[st.Dialect == store.Postgres])

		n, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{})
		if err != nil || n != 2 {
			t.Fatalf("queued %d, %v", n, err)
		}
		if n := w.deliveries(); n != 2 {
			t.Fatalf("%d deliveries queued, want 2", n)
		}
		if w.invitation(w.guest.ID).SendState != domain.SendQueued {
			t.Fatal("not queued")
		}
		if n, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{}); err != nil || n != 0 {
			t.Fatalf("queuing again queued %d, %v; want 0", n, err)
		}
		if _, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{InvitationIDs: []int64{999999}}); !isInvalid(err, "invitation_ids") {
			t.Fatalf("a foreign invitation id: %v", err)
		}
	})
}

// TestCancelIsTransactional: a cancellation whose transaction fails leaves the event as
// it was and no CANCEL queued.
func TestCancelIsTransactional(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newSendWorld(t, st)
		_, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{})
		w.must(err)
		w.deliver(w.observer.ID, 0)
		failAudit(t, st, "cancel")
		if _, err := w.s.CancelEvent(w.ctx, w.event.ID); err == nil {
			t.Fatal("cancel with a failing audit succeeded")
		}
		ev, err := w.s.Event(w.ctx, w.event.ID)
		w.must(err)
		if ev.Status != domain.StatusScheduled || w.deliveries() != 2 {
			t.Fatalf("after a rolled-back cancel: status %s, %d deliveries", ev.Status, w.deliveries())
		}
	})
}

func isInvalid(err error, field string) bool {
	var ve *domain.ValidationError
	return errors.As(err, &ve) && ve.Field == field
}

func isConflict(err error, field string) bool {
	var ce *domain.ConflictError
	return errors.As(err, &ce) && ce.Field == field
}

// TestDeliverOnceAndSessions: the invitation goes once, with the Message-ID of its
// outbound row, and queues the guest's meeting; delivering again after the row says sent
// sends nothing.
func TestDeliverOnceAndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newSendWorld(t, st)
		_, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{})
		w.must(err)
		w.deliver(w.guest.ID, 0)
		got := w.peer.messages()
		if len(got) != 1 {
			t.Fatalf("%d messages, want 1", len(got))
		}
		msgs, err := w.s.OutboundMessages(w.ctx, w.guest.ID)
		w.must(err)
		if len(msgs) != 1 || msgs[0].Status != store.OutboundSent || msgs[0].Kind != "invitation" || msgs[0].Attempts != 1 ||
			!strings.Contains(got[0], "Message-ID: <"+msgs[0].MessageID+">") {
			t.Fatalf("outbound row %+v for message\n%s", msgs, got[0])
		}
		inv := w.invitation(w.guest.ID)
		if inv.SendState != domain.SendSent || inv.SentAt == nil || !inv.SentAt.Equal(*w.now) {
			t.Fatalf("send state %s at %v", inv.SendState, inv.SentAt)
		}
		// Its meeting was queued in the transaction that recorded the invitation.
		if n := w.count(`SELECT count(*) FROM river_job WHERE kind = 'mail.deliver' AND CAST(args->>'session_id' AS INTEGER) = ?`, w.meeting); n != 1 {
			t.Fatalf("%d jobs for the guest's meeting, want 1", n)
		}

		w.deliver(w.guest.ID, 0) // the job run again: the row says sent
		if n := len(w.peer.messages()); n != 1 {
			t.Fatalf("a re-run sent again: %d messages", n)
		}
		w.deliver(w.guest.ID, w.meeting)
		w.deliver(w.guest.ID, w.meeting)
		w.deliver(w.observer.ID, w.meeting) // not a party: nothing
		if n := len(w.peer.messages()); n != 2 {
			t.Fatalf("%d messages after the meeting, want 2", n)
		}
		meeting, method := calendarOf(t, w.peer.messages()[1])
		for _, want := range []string{"METHOD:REQUEST", "RELATED-TO;RELTYPE=PARENT:" + w.event.UID, "mailto:az@genprosecutor-az.test"} {
			if !strings.Contains(meeting, want) || method != "REQUEST" {
				t.Errorf("meeting invitation (method %s) lacks %q:\n%s", method, want, meeting)
			}
		}
		if w.peer.to[1] != "az@genprosecutor-az.test" {
			t.Errorf("meeting sent to %s", w.peer.to[1])
		}
	})
}

// TestRefusedIsFailedAndSentAgain: a 550 fails the invitation with the server's reply;
// queuing it again sends the same message (same Message-ID) once the server takes it.
func TestRefusedIsFailedAndSentAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newSendWorld(t, st)
		w.peer.fail = true
		_, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{InvitationIDs: []int64{w.observer.ID}})
		w.must(err)
		w.deliver(w.observer.ID, 0)
		inv := w.invitation(w.observer.ID)
		if inv.SendState != domain.SendFailed || !strings.Contains(inv.LastError, "550 5.1.1 mailbox unavailable") {
			t.Fatalf("after a 550: %s %q", inv.SendState, inv.LastError)
		}
		w.peer.fail = false
		n, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{})
		if err != nil || n != 2 {
			t.Fatalf("queued %d, %v: the failed invitation and the draft", n, err)
		}
		w.deliver(w.observer.ID, 0)
		msgs, err := w.s.OutboundMessages(w.ctx, w.observer.ID)
		w.must(err)
		if len(msgs) != 1 || msgs[0].Status != store.OutboundSent || msgs[0].Attempts != 2 {
			t.Fatalf("outbound rows %+v: want the one message, sent on its second attempt", msgs)
		}
		if inv := w.invitation(w.observer.ID); inv.SendState != domain.SendSent || inv.LastError != "" {
			t.Fatalf("after sending again: %s %q", inv.SendState, inv.LastError)
		}
	})
}

// TestSendRefusedForEndedOrDraftEvent: sending needs a scheduled event that has not ended.
func TestSendRefusedForEndedOrDraftEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newSendWorld(t, st)
		later := w.event.EndsAt.Add(time.Minute)
		w.now = &later
		if _, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{}); !isConflict(err, "ends_at") {
			t.Fatalf("an ended event: %v", err)
		}
		earlier := w.event.StartsAt.Add(-48 * time.Hour)
		w.now = &earlier
		_, err := w.s.UpdateEvent(w.ctx, w.event.ID, func(e *domain.Event) error { e.Status = domain.StatusDraft; return nil })
		w.must(err)
		if _, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{}); !isConflict(err, "status") {
			t.Fatalf("a draft: %v", err)
		}
		_, err = w.s.UpdateEvent(w.ctx, w.event.ID, func(e *domain.Event) error { e.Status = domain.StatusScheduled; return nil })
		w.must(err)
		_, err = w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{})
		w.must(err)
		if _, err := w.s.UpdateEvent(w.ctx, w.event.ID, func(e *domain.Event) error { e.Status = domain.StatusDraft; return nil }); !isConflict(err, "status") {
			t.Fatalf("back to draft after sending: %v", err)
		}
		if w.deliveries() != 2 {
			t.Fatalf("%d deliveries queued", w.deliveries())
		}
	})
}

// TestUpdateWaitsForQuietPeriod: a significant change queues one announcement for after
// the quiet period, and a second change within it adds none; a cosmetic change nothing.
// The delivery then says what changed, in the guest's language.
func TestUpdateWaitsForQuietPeriod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newSendWorld(t, st)
		_, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{InvitationIDs: []int64{w.guest.ID}})
		w.must(err)
		w.deliver(w.guest.ID, 0)
		_, err = w.s.UpdateEvent(w.ctx, w.event.ID, func(e *domain.Event) error { e.Title = "Conference of prosecutors"; return nil })
		w.must(err)
		if n := w.jobs("mail.announce_change"); n != 0 {
			t.Fatalf("a cosmetic edit queued %d announcements", n)
		}
		for _, h := range []int{7, 8} {
			_, err = w.s.UpdateEvent(w.ctx, w.event.ID, func(e *domain.Event) error {
				e.EndsAt = e.StartsAt.Add(time.Duration(h) * time.Hour)
				return nil
			})
			w.must(err)
		}
		if n := w.count(`SELECT count(*) FROM river_job WHERE kind = 'mail.announce_change' AND state = 'scheduled'`); n != 1 {
			t.Fatalf("%d scheduled announcements after two edits, want 1", n)
		}
		w.must(w.s.AnnounceChange(w.ctx, service.ChangeArgs{EventID: w.event.ID}, nil))
		w.deliver(w.guest.ID, 0)
		got := w.peer.messages()
		if len(got) != 2 {
			t.Fatalf("%d messages, want the invitation and one update", len(got))
		}
		update, _ := calendarOf(t, got[1])
		if !strings.Contains(update, "SEQUENCE:2") || !strings.Contains(got[1], "Message-ID: <inv-"+itoa(w.guest.ID)+"-update-2@attache.test>") {
			t.Errorf("update without SEQUENCE 2 or its Message-ID:\n%s", update)
		}
		w.deliver(w.guest.ID, 0)
		if len(w.peer.messages()) != 2 {
			t.Error("the same update went twice")
		}
	})
}

// TestRemindersOncePerGuest: two scans, and a scan after a restart, reserve each
// reminder once; the database refuses a second reservation of the same reminder.
func TestRemindersOncePerGuest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newSendWorld(t, st)
		_, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{})
		w.must(err)
		w.deliver(w.guest.ID, 0)
		w.deliver(w.observer.ID, 0)
		_, err = w.s.UpdateInvitation(w.ctx, w.observer.ID, service.InvitationUpdate{Answer: true,
			Apply: func(i *domain.Invitation) error { i.Response = domain.ResponseAccepted; return nil }})
		w.must(err)

		// Three days on, the deadline is two days away: the guest who has not answered is due.
		at := w.now.Add(3*24*time.Hour + time.Hour)
		w.now = &at
		for range 2 {
			if _, err := w.s.ScanReminders(w.ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := w.jobs("mail.remind"); n != 1 {
			t.Fatalf("%d reminder jobs after two scans, want 1", n)
		}
		var id int64
		w.must(w.st.Gorm().Raw(`SELECT id FROM outbound_messages WHERE kind = 'reminder_deadline'`).Scan(&id).Error)
		w.must(w.s.Remind(w.ctx, service.RemindArgs{OutboundID: id}, service.Attempt{Number: 1, Max: 8}))
		w.must(w.s.Remind(w.ctx, service.RemindArgs{OutboundID: id}, service.Attempt{Number: 1, Max: 8}))
		got := w.peer.messages()
		if cal, _ := calendarOf(t, got[len(got)-1]); len(got) != 3 || cal != "" || w.peer.to[2] != "az@genprosecutor-az.test" {
			t.Fatalf("%d messages; the reminder to %s", len(got), w.peer.to[len(w.peer.to)-1])
		}

		// The day before the event, the guest who accepted is reminded, once.
		at = w.event.StartsAt.Add(-23 * time.Hour)
		w.now = &at
		for range 2 {
			if _, err := w.s.ScanReminders(w.ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := w.jobs("mail.remind"); n != 2 {
			t.Fatalf("%d reminder jobs, want 2", n)
		}
		if n := w.count(`SELECT count(*) FROM outbound_messages WHERE kind = 'reminder_event' AND invitation_id = ?`, w.observer.ID); n != 1 {
			t.Fatalf("%d event reminders for the guest who accepted", n)
		}

		// Even a reservation that skips the scan's bookkeeping can not add the same reminder.
		var row struct {
			Kind           string
			ReminderOffset int
		}
		w.must(w.st.Gorm().Raw(`SELECT kind, reminder_offset FROM outbound_messages WHERE id = ?`, id).Scan(&row).Error)
		err = w.st.InTx(w.ctx, func(q *store.Q) error {
			_, created, err := q.EnsureOutbound(&store.OutboundMessage{InvitationID: w.guest.ID, Kind: row.Kind,
				ReminderOffset: row.ReminderOffset, MessageID: "another-id@attache.test", Status: store.OutboundPending,
				CreatedAt: at, UpdatedAt: at})
			if created {
				return errors.New("a second reservation of the same reminder was stored")
			}
			return err
		})
		w.must(err)
	})
}

// TestWithdrawAndDeleteDraft: a draft is deleted; a sent invitation is withdrawn and
// its guest alone is sent a CANCEL of what they hold.
func TestWithdrawAndDeleteDraft(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newSendWorld(t, st)
		w.inviteGuest()
		w.must(w.s.DeleteInvitation(w.ctx, w.observer.ID))
		if _, err := w.s.Invitation(w.ctx, w.observer.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("draft not deleted: %v", err)
		}
		w.must(w.st.Gorm().Exec(`DELETE FROM river_job`).Error) // as if the workers had run them
		w.must(w.s.DeleteInvitation(w.ctx, w.guest.ID))
		if inv := w.invitation(w.guest.ID); inv.SendState != domain.SendWithdrawn {
			t.Fatalf("send_state %s", inv.SendState)
		}
		w.deliver(w.guest.ID, 0)
		w.deliver(w.guest.ID, w.meeting)
		got := w.peer.messages()
		if len(got) != 4 {
			t.Fatalf("%d messages after withdrawing; want two CANCELs", len(got))
		}
		for _, raw := range got[2:] {
			if cal, method := calendarOf(t, raw); method != "CANCEL" || !strings.Contains(cal, "STATUS:CANCELLED") {
				t.Errorf("withdrawal sent %s:\n%s", method, cal)
			}
			// The event goes on: the letter (in the guest's Russian) says the invitation
			// was withdrawn, not that anything was cancelled.
			if subject := subjectOf(t, raw); !strings.HasPrefix(subject, "Приглашение отозвано: ") {
				t.Errorf("withdrawal's subject %q", subject)
			}
		}
		if n := w.jobs("mail.deliver"); n != 2 {
			t.Errorf("withdrawing queued %d deliveries, want the event's and the meeting's", n)
		}
		w.must(w.s.DeleteInvitation(w.ctx, w.guest.ID)) // again: nothing changes
		// Named in a send, the withdrawn guest is invited again with a higher SEQUENCE.
		if n, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{InvitationIDs: []int64{w.guest.ID}}); err != nil || n != 1 {
			t.Fatalf("re-invite: %d, %v", n, err)
		}
		w.deliver(w.guest.ID, 0)
		got = w.peer.messages()
		if cal, method := calendarOf(t, got[len(got)-1]); len(got) != 5 || method != "REQUEST" || !strings.Contains(cal, "SEQUENCE:2") {
			t.Fatalf("re-invitation: %d messages, last (%s):\n%s", len(got), method, cal)
		}
	})
}

// unfold undoes iCalendar line folding (and CRLF), so tests can look for whole lines.
func unfold(s string) string {
	return strings.NewReplacer("\r\n ", "", "\r\n\t", "", "\n ", "").Replace(s)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestSetupRefusalRetried: a mail server that refuses the connection's setup (here it
// offers no STARTTLS, which mail.smtp.tls requires) fails no invitation before the
// last attempt: the invitation stays queued with the reason in last_error, and goes out
// once the transport is fixed; on the last attempt it fails with that reason.
func TestSetupRefusalRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newSendWorld(t, st)
		_, err := w.s.QueueInvitations(w.ctx, w.event.ID, service.SendParams{InvitationIDs: []int64{w.guest.ID, w.observer.ID}})
		w.must(err)
		good := w.tr
		w.s.SetTransport(startPeerTLS(t, w.peer, "starttls"))
		for _, id := range []int64{w.guest.ID, w.observer.ID} {
			err := w.s.Deliver(w.ctx, service.DeliverArgs{InvitationID: id}, service.Attempt{Number: 1, Max: 8}, nil)
			if err == nil {
				t.Fatalf("invitation %d: no error to retry", id)
			}
			inv := w.invitation(id)
			if inv.SendState != domain.SendQueued || !strings.Contains(inv.LastError, "STARTTLS") {
				t.Fatalf("invitation %d after a refused setup: %s, %q", id, inv.SendState, inv.LastError)
			}
		}
		if n := w.logs.count(slog.LevelError, refusedSetup); n != 2 {
			t.Errorf("%d errors logged for two refused setups, want 2", n)
		}
		// Fixed: the next attempt sends.
		w.s.SetTransport(good)
		w.must(w.s.Deliver(w.ctx, service.DeliverArgs{InvitationID: w.guest.ID}, service.Attempt{Number: 2, Max: 8}, nil))
		if inv := w.invitation(w.guest.ID); inv.SendState != domain.SendSent {
			t.Fatalf("after the fix: %s", inv.SendState)
		}
		// Not fixed by the last attempt: failed, with the reason.
		w.s.SetTransport(startPeerTLS(t, w.peer, "starttls"))
		w.must(w.s.Deliver(w.ctx, service.DeliverArgs{InvitationID: w.observer.ID}, service.Attempt{Number: 8, Max: 8}, nil))
		if inv := w.invitation(w.observer.ID); inv.SendState != domain.SendFailed || !strings.Contains(inv.LastError, "STARTTLS") {
			t.Fatalf("after the last attempt: %s, %q", inv.SendState, inv.LastError)
		}
		if n := len(w.peer.messages()); n != 1 {
			t.Errorf("%d messages delivered, want the guest's invitation", n)
		}

		// A reminder meets the same refusal, and says so in the log as well.
		at := w.now.Add(3*24*time.Hour + time.Hour) // the first deadline reminder is due
		w.now = &at
		_, err = w.s.ScanReminders(w.ctx)
		w.must(err)
		var reminder int64
		w.must(w.st.Gorm().Raw(`SELECT id FROM outbound_messages WHERE kind = 'reminder_deadline' AND invitation_id = ?`,
			w.guest.ID).Scan(&reminder).Error)
		if reminder == 0 {
			t.Fatal("no deadline reminder reserved for the guest")
		}
		if err := w.s.Remind(w.ctx, service.RemindArgs{OutboundID: reminder}, service.Attempt{Number: 1, Max: 8}); err == nil {
			t.Fatal("reminder: no error to retry")
		}
		if n := w.logs.count(slog.LevelError, refusedSetup); n != 4 {
			t.Errorf("%d setup errors logged after the reminder's, want 4", n)
		}
	})
}

// refusedSetup is what the service logs, as an error, for a refused connection setup.
const refusedSetup = "the mail server refused the connection: check the mail.smtp settings"

// subjectOf returns a raw message's decoded Subject.
func subjectOf(t *testing.T, raw string) string {
	t.Helper()
	m, err := message.Read(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := m.Header.Text("Subject")
	if err != nil {
		t.Fatal(err)
	}
	return subject
}

// TestCancelSaysWhy: a guest whose delegation is taken off a meeting that goes on is
// sent a CANCEL of it whose letter says so; a cancelled meeting is called cancelled.
func TestCancelSaysWhy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newSendWorld(t, st)
		w.inviteGuest()
		// Another delegation takes the guest's place at the bilateral meeting.
		kz := &domain.Organization{Name: "PGO KZ"}
		w.must(w.s.CreateOrganization(w.ctx, kz))
		other := &domain.Delegation{EventID: w.event.ID, OrganizationID: kz.ID}
		w.must(w.s.CreateDelegation(w.ctx, other))
		_, err := w.s.UpdateSession(w.ctx, w.event.ID, w.meeting, func(ss *domain.Session) error {
			i := slices.Index(ss.DelegationIDs, w.az.ID)
			ss.DelegationIDs[i] = other.ID
			return nil
		})
		w.must(err)
		w.deliver(w.guest.ID, w.meeting)
		got := w.peer.messages()
		if len(got) != 3 {
			t.Fatalf("%d messages, want the invitation, the meeting and its CANCEL", len(got))
		}
		if _, method := calendarOf(t, got[2]); method != "CANCEL" {
			t.Fatalf("taken off the meeting: sent %s", method)
		}
		if subject := subjectOf(t, got[2]); subject != "Изменение программы: Bilateral meeting" {
			t.Errorf("subject %q, want the change of programme", subject)
		}
		_, err = w.s.CancelEvent(w.ctx, w.event.ID)
		w.must(err)
		w.deliver(w.guest.ID, 0)
		got = w.peer.messages()
		if subject := subjectOf(t, got[len(got)-1]); subject != "Отмена: Conference" {
			t.Errorf("subject %q, want the cancellation", subject)
		}
	})
}

// calendarOf returns a raw message's inline calendar object, decoded and unfolded, and
// the method of its part; empty when it has none.
func calendarOf(t *testing.T, raw string) (cal, method string) {
	t.Helper()
	m, err := message.Read(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	err = m.Walk(func(_ []int, e *message.Entity, err error) error {
		if err != nil {
			return err
		}
		ct, params, _ := e.Header.ContentType()
		if disp, _, _ := e.Header.ContentDisposition(); ct != "text/calendar" || disp == "attachment" {
			return nil
		}
		b, err := io.ReadAll(e.Body)
		cal, method = unfold(string(b)), params["method"]
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return cal, method
}
