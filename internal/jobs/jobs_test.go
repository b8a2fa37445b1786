package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-message"
	"github.com/emersion/go-smtp"

	"github.com/attache-app/attache/internal/calendar"
	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/jobs"
	"github.com/attache-app/attache/internal/mail"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// These tests run the whole path with a real River client on each database: the
// service queues in its transactions, the workers send through a real transport (the
// file outbox, or an SMTP server in the test process), and what arrives is parsed back.

var testSecret = []byte("test-secret-key-0123456789abcdef0123456789")

// world is a visit in small: host RU, guests AZ and AM with a bilateral meeting each,
// an open plenary, and an observer without a delegation.
type world struct {
	t          *testing.T
	ctx        context.Context
	st         *store.Store
	svc        *service.Service
	runner     *jobs.Client
	outbox     string
	event      *domain.Event
	ru, az, am *domain.Delegation
	ruAZ, ruAM int64
	azHead     *domain.Invitation
	amHead     *domain.Invitation
	observer   *domain.Invitation
}

type worldOptions struct {
	transport     mail.Transport // nil: the file outbox
	quiet         time.Duration
	eventReminder time.Duration // with a reminder scan every 100 ms
	jobTimeout    time.Duration // zero: the runner's default
}

func newWorld(t *testing.T, st *store.Store, o worldOptions) *world {
	t.Helper()
	if o.quiet == 0 {
		o.quiet = 2 * time.Second
	}
	w := &world{t: t, st: st, ctx: service.WithActor(context.Background(), service.Actor{Name: "officer@attache.test"})}
	w.svc = service.New(st, service.Options{SecretKey: testSecret, BaseURL: "https://attache.test", UIDDomain: "attache.test",
		Organizer: calendar.Organizer{Name: "Protocol Office", Email: "rsvp+{token}@attache.test"},
		Mail: &service.MailOptions{From: mail.Address{Name: "Protocol Office", Email: "protocol@attache.test"},
			QuietPeriod: o.quiet, EventReminder: o.eventReminder}}, nil)
	tr := o.transport
	if tr == nil {
		w.outbox = t.TempDir()
		var err error
		if tr, err = mail.NewFile(w.outbox); err != nil {
			t.Fatal(err)
		}
	}
	runner, err := jobs.New(st.DB(), w.svc, jobs.Options{Postgres: st.Dialect == store.Postgres, MailWorkers: 4,
		FetchPollInterval: 50 * time.Millisecond, RetryBase: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond,
		ReminderScanInterval: scanEvery(o.eventReminder), JobTimeout: o.jobTimeout, TestOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	w.svc.SetTransport(tr)
	w.svc.SetQueue(runner)
	w.runner = runner
	if err := runner.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := runner.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
		tr.Close()
	})
	w.build()
	return w
}

func scanEvery(reminder time.Duration) time.Duration {
	if reminder == 0 {
		return 0
	}
	return 100 * time.Millisecond
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) build() {
	ctx := w.ctx
	venue := &domain.Venue{Name: "Prosecutor General's Office", City: "Moscow", Timezone: "Europe/Moscow"}
	w.must(w.svc.CreateVenue(ctx, venue))
	room := &domain.Room{Name: "Collegium hall"}
	w.must(w.svc.CreateRoom(ctx, venue.ID, room))
	start := time.Now().UTC().Truncate(time.Hour).Add(10 * 24 * time.Hour)
	var err error
	w.event, err = w.svc.CreateEvent(ctx, &domain.Event{Title: "Commemorative meeting", Kind: domain.KindCommemoration,
		Status: domain.StatusScheduled, Timezone: "Europe/Moscow", StartsAt: start, EndsAt: start.Add(8 * time.Hour), VenueID: &venue.ID})
	w.must(err)
	org := func(name string) int64 {
		o := &domain.Organization{Name: name}
		w.must(w.svc.CreateOrganization(ctx, o))
		return o.ID
	}
	person := func(name, email, lang string, org int64) *domain.Person {
		p := &domain.Person{FullName: name, Email: email, Language: lang, OrganizationID: &org}
		w.must(w.svc.CreatePerson(ctx, p))
		return p
	}
	ruOrg, azOrg, amOrg := org("PGO RU"), org("PGO AZ"), org("PGO AM")
	ruHead := person("Igor Krasnov", "ru@genproc-ru.test", "ru", ruOrg)
	azHead := person("Kamran Aliyev", "az@genprosecutor-az.test", "ru", azOrg)
	amHead := person("Artur Davtyan", "am@prosecutor-am.test", "en", amOrg)
	observer := person("Observer", "observer@coe.test", "en", org("CoE"))
	delegation := func(org int64, head *domain.Person) *domain.Delegation {
		d := &domain.Delegation{EventID: w.event.ID, OrganizationID: org, HeadPersonID: &head.ID}
		w.must(w.svc.CreateDelegation(ctx, d))
		return d
	}
	w.ru, w.az, w.am = delegation(ruOrg, ruHead), delegation(azOrg, azHead), delegation(amOrg, amHead)
	w.ruAZ = w.session("Bilateral meeting Russia – Azerbaijan", domain.SessionBilateral, 1, 2, w.ru, w.az)
	w.ruAM = w.session("Bilateral meeting Russia – Armenia", domain.SessionBilateral, 2, 3, w.ru, w.am)
	w.session("Plenary", domain.SessionPlenary, 4, 5)
	w.azHead = w.invite(azHead, w.az)
	w.amHead = w.invite(amHead, w.am)
	w.observer = w.invite(observer, nil)
}

// session adds a programme item from hour from to hour to of the event's first day.
func (w *world) session(title string, kind domain.SessionKind, from, to int, parties ...*domain.Delegation) int64 {
	w.t.Helper()
	ss := &domain.Session{Title: title, Kind: kind, StartsAt: w.event.StartsAt.Add(time.Duration(from) * time.Hour),
		EndsAt: w.event.StartsAt.Add(time.Duration(to) * time.Hour)}
	for _, d := range parties {
		ss.DelegationIDs = append(ss.DelegationIDs, d.ID)
	}
	out, err := w.svc.CreateSession(w.ctx, w.event.ID, ss)
	w.must(err)
	return out.ID
}

func (w *world) invite(p *domain.Person, d *domain.Delegation) *domain.Invitation {
	w.t.Helper()
	inv := &domain.Invitation{EventID: w.event.ID, PersonID: p.ID}
	if d != nil {
		inv.DelegationID = &d.ID
	}
	w.must(w.svc.CreateInvitation(w.ctx, inv))
	return inv
}

func (w *world) invitation(id int64) *domain.Invitation {
	w.t.Helper()
	inv, err := w.svc.Invitation(w.ctx, id)
	w.must(err)
	return inv
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// idle waits until no job is left to run or waiting to.
func (w *world) idle(timeout time.Duration) {
	w.t.Helper()
	waitFor(w.t, "the queue to drain", timeout, func() bool {
		var n int64
		w.must(w.st.Gorm().Raw(`SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending')`).Scan(&n).Error)
		return n == 0
	})
}

// letter is one message as the recipient sees it.
type letter struct {
	To, Subject, MessageID string
	Method                 string // of the text/calendar part's Content-Type
	Text                   string
	Event                  *ical.Component // the VEVENT, nil without a calendar
}

func (l letter) prop(name string) string {
	if l.Event == nil {
		return ""
	}
	if p := l.Event.Props.Get(name); p != nil {
		return p.Value
	}
	return ""
}

// parseLetter reads a raw message back with go-message and go-ical.
func parseLetter(t *testing.T, raw []byte) letter {
	t.Helper()
	m, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	l := letter{To: m.Header.Get("To"), Subject: m.Header.Get("Subject"), MessageID: m.Header.Get("Message-Id")}
	if dec, err := (&mailHeader{m.Header}).subject(); err == nil {
		l.Subject = dec
	}
	err = m.Walk(func(_ []int, e *message.Entity, err error) error {
		if err != nil {
			return err
		}
		ct, params, _ := e.Header.ContentType()
		if strings.HasPrefix(ct, "multipart/") {
			return nil // Walk reads the parts; reading the body here would consume them
		}
		disp, _, _ := e.Header.ContentDisposition()
		body, err := io.ReadAll(e.Body)
		if err != nil {
			return err
		}
		switch {
		case ct == "text/plain":
			l.Text = string(body)
		case ct == "text/calendar" && disp != "attachment":
			l.Method = params["method"]
			cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
			if err != nil {
				return fmt.Errorf("decode calendar: %w\n%s", err, body)
			}
			for _, c := range cal.Children {
				if c.Name == ical.CompEvent {
					l.Event = c
				}
			}
			if p := cal.Props.Get(ical.PropMethod); p == nil || !strings.EqualFold(p.Value, l.Method) {
				return fmt.Errorf("METHOD %v differs from the part's method=%s", p, l.Method)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk message: %v", err)
	}
	return l
}

type mailHeader struct{ message.Header }

func (h *mailHeader) subject() (string, error) { return h.Text("Subject") }

// outboxLetters reads every .eml in the file transport's folder.
func (w *world) outboxLetters() []letter {
	w.t.Helper()
	files, err := filepath.Glob(filepath.Join(w.outbox, "*.eml"))
	w.must(err)
	sort.Strings(files)
	out := make([]letter, 0, len(files))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		w.must(err)
		out = append(out, parseLetter(w.t, raw))
	}
	return out
}

// attendee returns the VEVENT's one ATTENDEE's address and parameters.
func attendee(t *testing.T, l letter) (string, ical.Params) {
	t.Helper()
	props := l.Event.Props.Values(ical.PropAttendee)
	if len(props) != 1 {
		t.Fatalf("%s: %d ATTENDEE lines, want 1", l.MessageID, len(props))
	}
	return strings.TrimPrefix(strings.ToLower(props[0].Value), "mailto:"), props[0].Params
}

// pick returns the letters to addr about uid with the given method.
func pick(ls []letter, to, uid, method string) []letter {
	var out []letter
	for _, l := range ls {
		if strings.Contains(l.To, to) && l.prop(ical.PropUID) == uid && strings.EqualFold(l.Method, method) {
			out = append(out, l)
		}
	}
	return out
}

func (w *world) sessionUID(id int64) string {
	w.t.Helper()
	ss, err := w.svc.Session(w.ctx, w.event.ID, id)
	w.must(err)
	return ss.UID
}

// TestSendUpdateCancelEndToEnd walks one event through River on each database: the
// invitations with each guest's sessions, a session added later, one update for two
// quick edits, a guest withdrawn and the event cancelled.
func TestSendUpdateCancelEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st, worldOptions{})
		n, err := w.svc.QueueInvitations(w.ctx, w.event.ID, service.SendParams{})
		if err != nil || n != 3 {
			t.Fatalf("queued %d, %v; want 3", n, err)
		}
		waitFor(t, "invitations sent", 20*time.Second, func() bool {
			for _, id := range []int64{w.azHead.ID, w.amHead.ID, w.observer.ID} {
				if w.invitation(id).SendState != domain.SendSent {
					return false
				}
			}
			return true
		})
		w.idle(20 * time.Second)
		ls := w.outboxLetters()
		if len(ls) != 5 { // three event invitations, one bilateral meeting each for AZ and AM
			t.Fatalf("%d letters after sending, want 5", len(ls))
		}
		for _, who := range []string{"az@genprosecutor-az.test", "am@prosecutor-am.test", "observer@coe.test"} {
			got := pick(ls, who, w.event.UID, "REQUEST")
			if len(got) != 1 {
				t.Fatalf("%s got %d invitations to the event", who, len(got))
			}
			l := got[0]
			addr, params := attendee(t, l)
			if addr != who || params.Get("PARTSTAT") != "NEEDS-ACTION" || params.Get("RSVP") != "TRUE" {
				t.Errorf("%s: ATTENDEE %s %v", who, addr, params)
			}
			if l.prop(ical.PropSequence) != "0" {
				t.Errorf("%s: SEQUENCE %q, want 0", who, l.prop(ical.PropSequence))
			}
			org := l.Event.Props.Get(ical.PropOrganizer)
			if org == nil || !strings.HasPrefix(strings.ToLower(org.Value), "mailto:rsvp+") {
				t.Errorf("%s: ORGANIZER %v, want the per-invitation reply address", who, org)
			}
			token := strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(org.Value), "mailto:rsvp+"), "@attache.test")
			if inv, err := w.svc.InvitationByReplyToken(w.ctx, token); err != nil || inv.Email != who {
				t.Errorf("%s: reply token %q resolves to %v, %v", who, token, inv, err)
			}
		}
		if got := pick(ls, "az@", w.sessionUID(w.ruAZ), "REQUEST"); len(got) != 1 {
			t.Errorf("AZ head got %d invitations to the RU–AZ meeting, want 1", len(got))
		}
		if got := pick(ls, "am@", w.sessionUID(w.ruAM), "REQUEST"); len(got) != 1 {
			t.Errorf("AM head got %d invitations to the RU–AM meeting, want 1", len(got))
		}
		for _, l := range ls {
			if l.prop(ical.PropUID) != w.event.UID && (strings.Contains(l.To, "observer@") ||
				l.prop(ical.PropUID) == w.sessionUID(w.ruAM) && !strings.Contains(l.To, "am@")) {
				t.Errorf("session letter to a guest whose delegation is not a party: %s %s", l.To, l.Subject)
			}
		}
		msgs, err := w.svc.OutboundMessages(w.ctx, w.azHead.ID)
		w.must(err)
		if len(msgs) != 2 || msgs[0].Status != store.OutboundSent || !slices.ContainsFunc(ls, func(l letter) bool {
			return strings.Trim(l.MessageID, "<>") == msgs[0].MessageID
		}) {
			t.Errorf("outbound history of the AZ head = %+v", msgs)
		}

		// A session added after the invitations went out reaches its parties' guests.
		signing := w.session("Signing Russia – Azerbaijan", domain.SessionSigning, 5, 6, w.ru, w.az)
		waitFor(t, "the new session sent", 20*time.Second, func() bool {
			return len(pick(w.outboxLetters(), "az@", w.sessionUID(signing), "REQUEST")) == 1
		})
		w.idle(20 * time.Second)
		if n := len(w.outboxLetters()); n != 6 {
			t.Fatalf("%d letters after adding a session, want 6", n)
		}

		// Two quick edits of the event and one of a session: one update per guest and
		// item, the event's with SEQUENCE raised twice.
		for _, h := range []int{9, 10} {
			_, err := w.svc.UpdateEvent(w.ctx, w.event.ID, func(e *domain.Event) error {
				e.EndsAt = e.StartsAt.Add(time.Duration(h) * time.Hour)
				return nil
			})
			w.must(err)
		}
		_, err = w.svc.UpdateSession(w.ctx, w.event.ID, signing, func(ss *domain.Session) error {
			ss.StartsAt, ss.EndsAt = ss.StartsAt.Add(time.Hour), ss.EndsAt.Add(time.Hour)
			return nil
		})
		w.must(err)
		waitFor(t, "the updates", 30*time.Second, func() bool { return len(w.outboxLetters()) == 10 })
		w.idle(20 * time.Second)
		ls = w.outboxLetters()
		if len(ls) != 10 {
			t.Fatalf("%d letters after three edits, want 10 (one update each, and the session's)", len(ls))
		}
		if got := pick(ls, "az@", w.sessionUID(signing), "REQUEST"); len(got) != 2 {
			t.Errorf("the moved session: %d REQUESTs to its guest, want 2", len(got))
		}
		for _, who := range []string{"az@", "am@", "observer@"} {
			got := pick(ls, who, w.event.UID, "REQUEST")
			sort.Slice(got, func(i, j int) bool { return got[i].prop(ical.PropSequence) < got[j].prop(ical.PropSequence) })
			if len(got) != 2 || got[1].prop(ical.PropSequence) != "2" {
				t.Fatalf("%s: event REQUESTs %d, last SEQUENCE %q; want 2 and 2", who, len(got), got[len(got)-1].prop(ical.PropSequence))
			}
			moscow, _ := time.LoadLocation("Europe/Moscow")
			oldEnd, newEnd := w.event.EndsAt.In(moscow).Format("15:04"), w.event.StartsAt.Add(10*time.Hour).In(moscow).Format("15:04")
			if !strings.Contains(got[1].Text, oldEnd) || !strings.Contains(got[1].Text, newEnd) {
				t.Errorf("%s: the update does not say what changed:\n%s", who, got[1].Text)
			}
		}

		// Withdrawing the AM head cancels what they hold, and nothing else.
		w.must(w.svc.DeleteInvitation(w.ctx, w.amHead.ID))
		waitFor(t, "the withdrawal", 20*time.Second, func() bool { return len(w.outboxLetters()) == 12 })
		w.idle(20 * time.Second)
		ls = w.outboxLetters()
		if len(pick(ls, "am@", w.event.UID, "CANCEL")) != 1 || len(pick(ls, "am@", w.sessionUID(w.ruAM), "CANCEL")) != 1 || len(ls) != 12 {
			t.Fatalf("withdrawal: %d letters, CANCELs to AM: event %d, session %d", len(ls),
				len(pick(ls, "am@", w.event.UID, "CANCEL")), len(pick(ls, "am@", w.sessionUID(w.ruAM), "CANCEL")))
		}
		if st := w.invitation(w.amHead.ID).SendState; st != domain.SendWithdrawn {
			t.Errorf("withdrawn invitation's send_state = %s", st)
		}

		// Cancelling the event: a CANCEL to everyone still holding it, and for their sessions.
		if _, err := w.svc.CancelEvent(w.ctx, w.event.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the cancellation", 20*time.Second, func() bool { return len(w.outboxLetters()) == 16 })
		w.idle(20 * time.Second)
		ls = w.outboxLetters()
		if len(ls) != 16 {
			t.Fatalf("%d letters after cancelling, want 16", len(ls))
		}
		for _, c := range []struct{ who, uid string }{
			{"az@", w.event.UID}, {"az@", w.sessionUID(w.ruAZ)}, {"az@", w.sessionUID(signing)}, {"observer@", w.event.UID},
		} {
			got := pick(ls, c.who, c.uid, "CANCEL")
			if len(got) != 1 {
				t.Errorf("%s got %d CANCELs of %s", c.who, len(got), c.uid)
				continue
			}
			if got[0].prop(ical.PropStatus) != "CANCELLED" {
				t.Errorf("CANCEL without STATUS:CANCELLED: %s", got[0].prop(ical.PropStatus))
			}
		}
		if got := pick(ls, "am@", w.event.UID, "CANCEL"); len(got) != 1 {
			t.Errorf("the withdrawn guest got %d event CANCELs, want the one of the withdrawal", len(got))
		}
	})
}

// TestFiftyInvitations sends 50 invitations through the file transport: River and the
// service's own write transactions share SQLite's single writer without deadlock.
func TestFiftyInvitations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st, worldOptions{})
		orgID := int64(0)
		{
			o := &domain.Organization{Name: "Guests"}
			w.must(w.svc.CreateOrganization(w.ctx, o))
			orgID = o.ID
		}
		ids := []int64{}
		for i := range 50 {
			p := &domain.Person{FullName: fmt.Sprintf("Guest %02d", i), Email: fmt.Sprintf("guest%02d@example.org", i), Language: "en", OrganizationID: &orgID}
			w.must(w.svc.CreatePerson(w.ctx, p))
			ids = append(ids, w.invite(p, nil).ID)
		}
		n, err := w.svc.QueueInvitations(w.ctx, w.event.ID, service.SendParams{InvitationIDs: ids})
		if err != nil || n != 50 {
			t.Fatalf("queued %d, %v", n, err)
		}
		waitFor(t, "50 letters", 60*time.Second, func() bool { return len(w.outboxLetters()) == 50 })
		w.idle(30 * time.Second)
		for _, id := range ids {
			if inv := w.invitation(id); inv.SendState != domain.SendSent || inv.SentAt == nil {
				t.Errorf("invitation %d: %s", id, inv.SendState)
			}
		}
		for _, l := range w.outboxLetters() {
			if l.Method != "REQUEST" || l.prop(ical.PropUID) != w.event.UID {
				t.Errorf("letter %s: method %s UID %s", l.MessageID, l.Method, l.prop(ical.PropUID))
			}
		}
	})
}

// smtpBackend is the SMTP peer: it records messages and refuses on request.
type smtpBackend struct {
	fail451 atomic.Int32 // answer 451 to this many DATA commands
	fail550 atomic.Bool  // answer 550 to every RCPT
	mu      sync.Mutex
	got     [][]byte
}

func (b *smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{b: b}, nil }

func (b *smtpBackend) messages() [][]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.got)
}

type smtpSession struct{ b *smtpBackend }

func (s *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *smtpSession) Rcpt(string, *smtp.RcptOptions) error {
	if s.b.fail550.Load() {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
	}
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if v := s.b.fail451.Load(); v > 0 && s.b.fail451.CompareAndSwap(v, v-1) {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "greylisted, try again later"}
	}
	s.b.mu.Lock()
	s.b.got = append(s.b.got, data)
	s.b.mu.Unlock()
	return nil
}
func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }

type quietLog struct{}

func (quietLog) Printf(string, ...any) {}
func (quietLog) Println(...any)        {}

// startSMTP runs b on 127.0.0.1 until the test ends and returns a transport to it.
func startSMTP(t *testing.T, b *smtpBackend) mail.Transport {
	t.Helper()
	s := smtp.NewServer(b)
	s.Domain, s.ErrorLog = "localhost", quietLog{}
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	tr, err := mail.NewSMTP(mail.SMTPOptions{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, TLS: "none",
		MaxConnections: 2, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestSMTPRetryAndRefusal: a 451 is retried with backoff until the message is taken; a
// 550 marks the invitation failed with the server's reply, without retrying.
func TestSMTPRetryAndRefusal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		b := &smtpBackend{}
		b.fail451.Store(2)
		w := newWorld(t, st, worldOptions{transport: startSMTP(t, b)})
		if _, err := w.svc.QueueInvitations(w.ctx, w.event.ID, service.SendParams{InvitationIDs: []int64{w.observer.ID}}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the invitation sent after greylisting", 20*time.Second, func() bool {
			return w.invitation(w.observer.ID).SendState == domain.SendSent
		})
		msgs, err := w.svc.OutboundMessages(w.ctx, w.observer.ID)
		w.must(err)
		if len(msgs) != 1 || msgs[0].Attempts != 3 || msgs[0].Status != store.OutboundSent || msgs[0].LastError != "" {
			t.Fatalf("after two 451s: %+v", msgs[0])
		}
		if got := b.messages(); len(got) != 1 || parseLetter(t, got[0]).Method != "REQUEST" {
			t.Fatalf("server got %d messages", len(got))
		}
		if inv := w.invitation(w.observer.ID); inv.LastError != "" {
			t.Errorf("last_error after success = %q", inv.LastError)
		}
		// The same job again, as after a crash: the row says sent, nothing goes.
		w.must(w.runner.Insert(w.ctx, service.DeliverArgs{InvitationID: w.observer.ID}, nil))
		w.idle(20 * time.Second)
		if got := b.messages(); len(got) != 1 {
			t.Fatalf("a re-run job sent again: %d messages", len(got))
		}

		b.fail550.Store(true)
		if _, err := w.svc.QueueInvitations(w.ctx, w.event.ID, service.SendParams{InvitationIDs: []int64{w.amHead.ID}}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the refusal recorded", 20*time.Second, func() bool {
			return w.invitation(w.amHead.ID).SendState == domain.SendFailed
		})
		inv := w.invitation(w.amHead.ID)
		if !strings.Contains(inv.LastError, "550") || !strings.Contains(inv.LastError, "mailbox unavailable") {
			t.Errorf("last_error = %q, want the server's reply", inv.LastError)
		}
		msgs, err = w.svc.OutboundMessages(w.ctx, w.amHead.ID)
		w.must(err)
		if len(msgs) != 1 || msgs[0].Status != store.OutboundFailed || msgs[0].Attempts != 1 {
			t.Errorf("after a 550: %+v", msgs)
		}
		w.idle(20 * time.Second)
		if len(b.messages()) != 1 {
			t.Errorf("server got %d messages, want 1", len(b.messages()))
		}
	})
}

// TestRemindersThroughRiver: the periodic scan runs again and again, and the guest who
// accepted gets the event reminder once.
func TestRemindersThroughRiver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		// The reminder is due ten days before the event, which is now.
		w := newWorld(t, st, worldOptions{eventReminder: 10 * 24 * time.Hour})
		_, err := w.svc.QueueInvitations(w.ctx, w.event.ID, service.SendParams{InvitationIDs: []int64{w.observer.ID, w.amHead.ID}})
		w.must(err)
		waitFor(t, "invitations sent", 20*time.Second, func() bool { return w.invitation(w.observer.ID).SendState == domain.SendSent })
		// As if the invitations had gone out a day before the reminder was due.
		w.must(st.Gorm().Exec(`UPDATE invitations SET sent_at = ?`, time.Now().UTC().Add(-11*24*time.Hour)).Error)
		_, err = w.svc.UpdateInvitation(w.ctx, w.observer.ID, service.InvitationUpdate{Answer: true,
			Apply: func(i *domain.Invitation) error { i.Response = domain.ResponseAccepted; return nil }})
		w.must(err)
		waitFor(t, "the reminder", 20*time.Second, func() bool {
			for _, l := range w.outboxLetters() {
				if l.Event == nil && strings.Contains(l.To, "observer@") {
					return true
				}
			}
			return false
		})
		time.Sleep(time.Second) // ten more scans
		reminders := 0
		for _, l := range w.outboxLetters() {
			if l.Event == nil {
				reminders++
			}
		}
		if reminders != 1 {
			t.Fatalf("%d reminders, want 1 (to the guest who accepted, once)", reminders)
		}
	})
}
