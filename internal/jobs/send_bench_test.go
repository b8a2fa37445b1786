package jobs_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	gomail "github.com/go-mail/mail/v2"
	"github.com/riverqueue/river"

	"github.com/attache-app/attache/internal/calendar"
	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/jobs"
	"github.com/attache-app/attache/internal/mail"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// The measure of the sending path: N invitations from the officer's "send"
// (QueueInvitations, what POST /api/v1/events/{id}/invitations/send runs) until every
// one is recorded as sent, through River, the planning and recording transactions,
// composing, encoding and the pooled SMTP transport, against the bare baseline: N
// prebuilt messages over one reused go-mail connection. Both send to a go-smtp sink in
// this process that discards what it reads. Run both in one invocation, so that the
// ratio is measured under the same load (these machines are shared):
//
//	ATTACHE_TEST_POSTGRES_URL=… go test -run x -bench 'SendPath|BaselineGoMail' -benchtime 10000x -count 5 ./internal/jobs/
//
// The path runs as `attache serve` does by default: mail.smtp.max_connections 2 (and
// twice as many mail workers), jobs.workers 4, PostgreSQL with database.max_open_conns 10.

// benchConnections is mail.smtp.max_connections's default.
const benchConnections = 2

func BenchmarkSendPath(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) { sendPath(b, d, benchConnections, 0) })
	}
}

// BenchmarkSlowServer is the path to a server that takes 0.5 ms to answer MAIL, RCPT
// and the end of each message (as a relay across a local network would), against the
// baseline to that same server: there sending waits on round trips more than on the
// processor, and each message's record overlaps the next one's transfer.
//
//	ATTACHE_TEST_POSTGRES_URL=… go test -run x -bench SlowServer -benchtime 3000x ./internal/jobs/
func BenchmarkSlowServer(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) { sendPath(b, d, benchConnections, 500*time.Microsecond) })
	}
}

// BenchmarkMailConnections is the path with more SMTP connections (and twice as many
// mail workers) than the default, to see what raising mail.smtp.max_connections buys; a
// crash may then resend as many messages as there are connections. Its name keeps it
// out of the command:
//
//	ATTACHE_TEST_POSTGRES_URL=… go test -run x -bench 'MailConnections|BaselineGoMail' -benchtime 10000x ./internal/jobs/
func BenchmarkMailConnections(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		for _, n := range []int{4, 8} {
			b.Run(fmt.Sprintf("%s/%d", d, n), func(b *testing.B) { sendPath(b, d, n, 0) })
		}
	}
}

// processCPU is the CPU time this process has used (user and system), for the
// benchmarks' cpu-µs/msg: the whole process, so the in-process SMTP sink is counted on
// both sides; PostgreSQL's own work, in its server processes, is not.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sendPath measures the path on dialect d with the given number of SMTP connections, to
// a sink that waits replyDelay before each reply to MAIL, RCPT and the message's end.
func sendPath(b *testing.B, d store.Dialect, connections int, replyDelay time.Duration) {
	r := startPath(b, d, connections, replyDelay, 0)
	b.ResetTimer()
	cpu := processCPU()
	r.sendAll()
	rate := stopAndReport(b, cpu, r.sink)
	r.report(rate)
}

// pathRig is the sending path of `attache serve` with b.N invited guests of one event,
// its job runner started, sending to an in-process sink.
type pathRig struct {
	b           *testing.B
	st          *store.Store
	svc         *service.Service
	sink        *sinkBackend
	ctx         context.Context
	eventID     int64
	connections int
	replyDelay  time.Duration
}

// startPath sets up the path on dialect d, as `attache serve` runs it by default
// (jobs.workers 4, twice as many mail workers as SMTP connections) with the given
// connections and update quiet period (the default when 0), b.N guests invited.
func startPath(b *testing.B, d store.Dialect, connections int, replyDelay, quiet time.Duration) *pathRig {
	st := benchStore(b, d)
	sink := &sinkBackend{delay: replyDelay}
	host, port := startSink(b, sink)
	tr, err := mail.NewSMTP(mail.SMTPOptions{Host: host, Port: port, TLS: "none",
		MaxConnections: connections, Timeout: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	svc := benchServiceQuiet(st, quiet)
	runner, err := jobs.New(st.DB(), svc, jobs.Options{Postgres: d == store.Postgres, Workers: 4,
		MailWorkers: jobs.MailWorkersPerConnection * connections, JobTimeout: time.Minute, RescueAfter: 2 * time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	svc.SetTransport(tr)
	svc.SetQueue(runner)
	r := &pathRig{b: b, st: st, svc: svc, sink: sink, connections: connections, replyDelay: replyDelay,
		ctx: service.WithActor(context.Background(), service.Actor{Name: "bench"})}
	r.eventID = benchGuests(b, svc, d, b.N)
	if err := runner.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		runner.Stop(sctx)
		tr.Close()
	})
	return r
}

// sendAll sends every guest their invitation (QueueInvitations, what POST
// /api/v1/events/{id}/invitations/send runs) and waits until each is recorded sent.
func (r *pathRig) sendAll() {
	b := r.b
	n, err := r.svc.QueueInvitations(r.ctx, r.eventID, service.SendParams{})
	if err != nil || n != b.N {
		b.Fatalf("queued %d, %v; want %d", n, err, b.N)
	}
	r.waitFor("invitations recorded sent", func() bool {
		return r.sink.delivered.Load() >= int64(b.N) && unsent(b, r.st, r.eventID) == 0
	})
}

// waitFor polls cond every 2 ms for up to 10 minutes.
func (r *pathRig) waitFor(what string, cond func() bool) {
	for deadline := time.Now().Add(10 * time.Minute); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			r.b.Fatalf("%s: not after 10 minutes (%d delivered)", what, r.sink.delivered.Load())
		}
	}
}

// report checks the connections the sink saw and reports the ratio of rate to the
// baseline's, measured now for the same number of messages under the same load: the
// ratio of the pair is steadier than the ratio of two separate runs.
func (r *pathRig) report(rate float64) {
	b := r.b
	// Connections at once: an idle one the sink dropped after its read timeout may
	// have been replaced.
	if got := r.sink.maxOpen.Load(); got > int64(r.connections) {
		b.Fatalf("%d SMTP connections at once, want at most %d", got, r.connections)
	}
	if b.N >= 100 {
		b.ReportMetric(rate/baselineRate(b, b.N, r.replyDelay), "x-baseline")
	}
}

// BenchmarkUpdatePath is the path of an update: b.N guests hold their invitation (sent
// before the timer starts), the officer moves the event by an hour, and the benchmark
// runs until every guest's update (a REQUEST with the new SEQUENCE) is recorded sent.
// Updates go out one River job per guest, unlike first invitations, which go in batches.
// The quiet period is a millisecond instead of two minutes, so that only sending is
// timed:
//
//	ATTACHE_TEST_POSTGRES_URL=… go test -run x -bench 'UpdatePath|SendPath' -benchtime 2000x ./internal/jobs/
func BenchmarkUpdatePath(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			r := startPath(b, d, benchConnections, 0, time.Millisecond)
			r.sendAll()
			r.sink.delivered.Store(0)
			b.ResetTimer()
			cpu := processCPU()
			if _, err := r.svc.UpdateEvent(r.ctx, r.eventID, func(e *domain.Event) error {
				e.StartsAt, e.EndsAt = e.StartsAt.Add(time.Hour), e.EndsAt.Add(time.Hour)
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			r.waitFor("updates recorded sent", func() bool {
				return r.sink.delivered.Load() >= int64(b.N) && sentOfKind(b, r.st, "update") == int64(b.N)
			})
			rate := stopAndReport(b, cpu, r.sink)
			r.report(rate)
		})
	}
}

// sentOfKind counts the messages of a kind recorded sent.
func sentOfKind(b *testing.B, st *store.Store, kind string) int64 {
	b.Helper()
	var n int64
	if err := st.Gorm().Raw(`SELECT count(*) FROM outbound_messages WHERE kind = ? AND status = 'sent'`, kind).Scan(&n).Error; err != nil {
		b.Fatal(err)
	}
	return n
}

// stopAndReport stops b's timer and reports the rate and the CPU time per message
// since cpu, after checking that the sink received b.N messages; it returns the rate.
func stopAndReport(b *testing.B, cpu time.Duration, sink *sinkBackend) float64 {
	b.Helper()
	b.StopTimer()
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/msg")
	if got := sink.delivered.Load(); got != int64(b.N) {
		b.Fatalf("sink received %d of %d", got, b.N)
	}
	return rate
}

// BenchmarkBaselineGoMail is the bare baseline: b.N prebuilt go-mail messages of the
// size and shape the path sends (an invitation with its calendar), over one reused
// go-mail connection to the same kind of sink.
func BenchmarkBaselineGoMail(b *testing.B) {
	rate, cpu := sendBaseline(b, b.N, true, 0)
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/msg")
}

// baselineRate sends n prebuilt messages as BenchmarkBaselineGoMail does and returns
// its rate, leaving the caller's benchmark timer alone.
func baselineRate(b *testing.B, n int, replyDelay time.Duration) float64 {
	rate, _ := sendBaseline(b, n, false, replyDelay)
	return rate
}

// sendBaseline builds n go-mail messages (not timed), sends them over one connection and
// returns the rate and the CPU time the sending took; with timer, only the sending runs
// on b's timer.
func sendBaseline(b *testing.B, n int, timer bool, replyDelay time.Duration) (float64, time.Duration) {
	b.Helper()
	sink := &sinkBackend{delay: replyDelay}
	host, port := startSink(b, sink)
	msgs := goMailMessages(b, n)
	d := gomail.NewDialer(host, port, "", "")
	d.StartTLSPolicy = gomail.NoStartTLS
	s, err := d.Dial()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if timer {
		b.ResetTimer()
	}
	start, cpu := time.Now(), processCPU()
	for _, g := range msgs {
		if err := gomail.Send(s, g); err != nil {
			b.Fatal(err)
		}
	}
	rate, cpu := float64(n)/time.Since(start).Seconds(), processCPU()-cpu
	if timer {
		b.StopTimer()
	}
	if got := sink.delivered.Load(); got != int64(n) {
		b.Fatalf("sink received %d of %d", got, n)
	}
	if got := sink.sessions.Load(); got != 1 {
		b.Fatalf("%d connections, want 1", got)
	}
	return rate, cpu
}

// goMailMessages builds n go-mail messages in the shape of mail.Message.Encode's (text,
// HTML and calendar alternatives and the invite.ics attachment, all base64), each to
// its own guest with its own Message-ID, from an invitation the service composed.
func goMailMessages(b *testing.B, n int) []*gomail.Message {
	b.Helper()
	m := sampleInvitation(b)
	out := make([]*gomail.Message, n)
	for i := range out {
		g := gomail.NewMessage(gomail.SetEncoding(gomail.Base64))
		g.SetDateHeader("Date", m.Date)
		g.SetAddressHeader("From", m.From.Email, m.From.Name)
		g.SetAddressHeader("To", fmt.Sprintf("guest%05d@example.test", i), m.To.Name)
		g.SetHeader("Subject", m.Subject)
		g.SetHeader("Message-ID", fmt.Sprintf("<inv-%d-invitation-0@attache.test>", i+1))
		g.SetHeader("MIME-Version", "1.0")
		g.SetBody("text/plain", crlf.Replace(m.Text))
		g.AddAlternative("text/html", crlf.Replace(m.HTML))
		g.AddAlternative("text/calendar; method="+m.Method, string(m.Calendar))
		g.AttachReader("invite.ics", bytes.NewReader(m.Calendar), gomail.SetHeader(map[string][]string{
			"Content-Type": {`application/ics; name="invite.ics"`},
		}))
		out[i] = g
	}
	return out
}

// crlf writes line breaks as CRLF, as Encode does before base64.
var crlf = strings.NewReplacer("\r\n", "\r\n", "\n", "\r\n")

// sampleInvitation is one invitation as the service composes it for the path, caught
// by a transport that keeps it.
func sampleInvitation(b *testing.B) *mail.Message {
	b.Helper()
	st := storetest.Open(b, store.SQLite)
	svc := benchService(st)
	keep := &keepTransport{}
	svc.SetTransport(keep)
	svc.SetQueue(discardQueue{})
	ctx := service.WithActor(context.Background(), service.Actor{Name: "bench"})
	eventID := benchGuests(b, svc, store.SQLite, 1)
	if _, err := svc.QueueInvitations(ctx, eventID, service.SendParams{}); err != nil {
		b.Fatal(err)
	}
	invs, _, err := svc.Invitations(ctx, service.InvitationFilter{EventID: eventID}, store.Page{Limit: 1})
	if err != nil || len(invs) != 1 {
		b.Fatalf("invitations: %v, %v", invs, err)
	}
	if err := svc.Deliver(ctx, service.DeliverArgs{InvitationID: invs[0].ID}, service.Attempt{Number: 1, Max: 8}, nil); err != nil {
		b.Fatal(err)
	}
	if keep.m == nil {
		b.Fatal("the service sent nothing")
	}
	return keep.m
}

type keepTransport struct{ m *mail.Message }

func (k *keepTransport) Send(_ context.Context, m *mail.Message) error { k.m = m; return nil }
func (k *keepTransport) Close() error                                  { return nil }

type discardQueue struct{}

func (discardQueue) InsertTx(context.Context, *sql.Tx, river.JobArgs, *river.InsertOpts) error {
	return nil
}

// benchStore opens a fresh database of dialect d as `attache serve` does by default
// (database.max_open_conns 10), migrated; PostgreSQL is skipped without
// ATTACHE_TEST_POSTGRES_URL.
func benchStore(b *testing.B, d store.Dialect) *store.Store {
	b.Helper()
	st, err := store.Open(context.Background(), store.Options{URL: storetest.URL(b, d), MaxOpenConns: 10})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return st
}

// benchService is the service as app.Open builds it with the default settings.
func benchService(st *store.Store) *service.Service { return benchServiceQuiet(st, 0) }

// benchServiceQuiet is benchService with the update quiet period given (the default
// two minutes when 0).
func benchServiceQuiet(st *store.Store, quiet time.Duration) *service.Service {
	if quiet == 0 {
		quiet = 2 * time.Minute
	}
	return service.New(st, service.Options{SecretKey: testSecret, BaseURL: "https://attache.test", UIDDomain: "attache.test",
		Organizer: calendar.Organizer{Name: "Protocol Office", Email: "protocol@attache.test"},
		Mail: &service.MailOptions{From: mail.Address{Name: "Protocol Office", Email: "protocol@attache.test"},
			QuietPeriod: quiet}}, nil)
}

// benchGuests creates a scheduled event and n invited people, half of them writing in
// Russian; on PostgreSQL eight at a time.
func benchGuests(b *testing.B, svc *service.Service, d store.Dialect, n int) int64 {
	b.Helper()
	ctx := service.WithActor(context.Background(), service.Actor{Name: "bench"})
	org := &domain.Organization{Name: "Guests"}
	if err := svc.CreateOrganization(ctx, org); err != nil {
		b.Fatal(err)
	}
	venue := &domain.Venue{Name: "Prosecutor General's Office", City: "Moscow", Timezone: "Europe/Moscow"}
	if err := svc.CreateVenue(ctx, venue); err != nil {
		b.Fatal(err)
	}
	start := time.Now().UTC().Truncate(time.Hour).Add(10 * 24 * time.Hour)
	ev, err := svc.CreateEvent(ctx, &domain.Event{Title: "Commemorative meeting", Kind: domain.KindCommemoration,
		Status: domain.StatusScheduled, Timezone: "Europe/Moscow", StartsAt: start, EndsAt: start.Add(8 * time.Hour), VenueID: &venue.ID})
	if err != nil {
		b.Fatal(err)
	}
	parallel := 1
	if d == store.Postgres {
		parallel = 8
	}
	var (
		wg       sync.WaitGroup
		slots    = make(chan struct{}, parallel)
		firstErr atomic.Value
	)
	for i := range n {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			p := &domain.Person{FullName: fmt.Sprintf("Guest %05d", i), Email: fmt.Sprintf("guest%05d@example.test", i),
				Language: []string{"en", "ru"}[i%2], OrganizationID: &org.ID}
			err := svc.CreatePerson(ctx, p)
			if err == nil {
				err = svc.CreateInvitation(ctx, &domain.Invitation{EventID: ev.ID, PersonID: p.ID})
			}
			if err != nil {
				firstErr.CompareAndSwap(nil, err)
			}
		})
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		b.Fatal(err)
	}
	return ev.ID
}

// unsent counts the event's invitations not yet recorded as sent.
func unsent(b *testing.B, st *store.Store, eventID int64) int64 {
	b.Helper()
	var n int64
	if err := st.Gorm().Raw(`SELECT count(*) FROM invitations WHERE event_id = ? AND send_state <> 'sent'`, eventID).Scan(&n).Error; err != nil {
		b.Fatal(err)
	}
	return n
}

// sinkBackend reads and discards every message, counting connections and messages.
type sinkBackend struct {
	delay               time.Duration // before each reply to MAIL, RCPT and the data
	sessions, delivered atomic.Int64
	open, maxOpen       atomic.Int64 // connections open now, and at most
}

func (s *sinkBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	s.sessions.Add(1)
	n := s.open.Add(1)
	for m := s.maxOpen.Load(); n > m && !s.maxOpen.CompareAndSwap(m, n); m = s.maxOpen.Load() {
	}
	return sinkSession{s}, nil
}

type sinkSession struct{ s *sinkBackend }

func (s sinkSession) Mail(string, *smtp.MailOptions) error { s.wait(); return nil }
func (s sinkSession) Rcpt(string, *smtp.RcptOptions) error { s.wait(); return nil }
func (s sinkSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.wait()
	s.s.delivered.Add(1)
	return nil
}

// wait holds a reply back for the backend's delay.
func (s sinkSession) wait() {
	if s.s.delay > 0 {
		time.Sleep(s.s.delay)
	}
}
func (sinkSession) Reset()          {}
func (s sinkSession) Logout() error { s.s.open.Add(-1); return nil }

// startSink runs a sink on 127.0.0.1 until the benchmark ends.
func startSink(b *testing.B, backend smtp.Backend) (string, int) {
	b.Helper()
	s := smtp.NewServer(backend)
	s.Domain, s.ErrorLog = "localhost", quietLog{}
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.MaxMessageBytes = 10 << 20
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.Serve(l)
	b.Cleanup(func() { s.Close() })
	return "127.0.0.1", l.Addr().(*net.TCPAddr).Port
}
