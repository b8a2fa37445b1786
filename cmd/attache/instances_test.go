package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/attache-app/attache/internal/app"
	"github.com/attache-app/attache/internal/config"
	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// TestInstancesShareSending runs two `attache serve` processes on one PostgreSQL, sends
// 2,000 invitations through a real SMTP server in the test process, kills one process
// with SIGKILL mid-batch and restarts it. Nothing may be lost, and only what was in
// flight at the kill (the server said 250, the record never committed) may arrive twice:
// at most as many messages as the killed process had connections, each byte for byte
// the first copy, so that mail clients fold it by its Message-ID. River's rescuer
// (jobs.rescue_after) gives the killed process's running jobs back to the queue, on
// whichever process holds the leadership after the kill.
func TestInstancesShareSending(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two processes")
	}
	const (
		guests   = 2000
		killAt   = 500
		maxConns = 2
	)
	dbURL := storetest.URL(t, store.Postgres) // skips without PostgreSQL, unless required
	started := time.Now()
	bin := buildBinary(t)
	sink := &recorder{delay: 3 * time.Millisecond, byID: map[string][]byte{}}
	smtpPort := sink.start(t)

	secret := "instances-test-secret-0123456789abcdef"
	eventID := prepareGuests(t, dbURL, secret, guests)
	check := openStore(t, dbURL)
	t.Logf("prepared %d invitations in %v", guests, time.Since(started).Round(time.Millisecond))

	work := t.TempDir()
	env := func(name string) []string {
		return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + work,
			"ATTACHE_DATABASE_URL=" + dbURL,
			"ATTACHE_HTTP_BASE_URL=https://attache.test", // one public address behind both
			"ATTACHE_MAIL_TRANSPORT=smtp", "ATTACHE_MAIL_SMTP_HOST=127.0.0.1",
			fmt.Sprintf("ATTACHE_MAIL_SMTP_PORT=%d", smtpPort), "ATTACHE_MAIL_SMTP_TLS=none",
			fmt.Sprintf("ATTACHE_MAIL_SMTP_MAX_CONNECTIONS=%d", maxConns), "ATTACHE_MAIL_SMTP_TIMEOUT=2s",
			"ATTACHE_SECURITY_SECRET_KEY=" + secret,
			"ATTACHE_SECURITY_SECRET_KEY_FILE=" + filepath.Join(work, name, "secret.key"),
			"ATTACHE_MAIL_OUTBOX_DIR=" + filepath.Join(work, name, "outbox"),
			"ATTACHE_JOBS_RESCUE_AFTER=8s"}
	}
	a := startInstance(t, bin, "a", work, env("a"))
	b := startInstance(t, bin, "b", work, env("b"))

	cli := func(args ...string) string {
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = work, env("cli")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("attache %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	cli("user", "add", "--email", "officer@attache.test", "--role", "officer")
	lines := strings.Split(strings.TrimSpace(cli("token", "create", "--email", "officer@attache.test")), "\n")
	token := strings.TrimSpace(lines[len(lines)-1])

	sendStart := time.Now()
	queued := postSend(t, a.addr, token, eventID)
	if queued != guests {
		t.Fatalf("queued %d, want %d", queued, guests)
	}
	t.Logf("POST …/invitations/send answered in %v", time.Since(sendStart).Round(time.Millisecond))

	// The kill must find process A mid-transaction, which a random moment often misses
	// (a message is on the wire for a small part of its job): after killAt messages the
	// server takes each DATA but holds its reply until all four connections wait for
	// one. Then A dies with the server holding two of its messages, which the server
	// goes on to accept: the worst case, two resends. A hold that does not fill within a
	// second is let go and tried again, so that no sender's timeout (mail.smtp.timeout,
	// the job timeout) ever fires.
	waitUntil(t, fmt.Sprintf("%d messages at the SMTP server", killAt), time.Minute, func() bool { return sink.total() >= killAt })
	leaderBefore := leader(t, check)
	var heldAtKill []string // the Message-IDs on the wire at the kill
	for try := 1; ; try++ {
		sink.hold()
		full := false
		for deadline := time.Now().Add(time.Second); !full && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			full = sink.holding() == 2*maxConns
		}
		if full {
			a.kill(t)
			heldAtKill = sink.release()
			break
		}
		sink.release()
		if try == 20 {
			t.Fatalf("the two processes never had all %d connections in DATA at once", 2*maxConns)
		}
		time.Sleep(100 * time.Millisecond)
	}
	killedAt, receivedAtKill := time.Now(), sink.total()
	a = startInstance(t, bin, "a", work, env("a"))

	sent := func() int64 {
		var n int64
		if err := check.Gorm().Raw(`SELECT count(*) FROM invitations WHERE event_id = ? AND send_state = 'sent'`, eventID).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitUntil(t, "every invitation sent", 3*time.Minute, func() bool { return sent() == guests })
	sendTime, recovery := time.Since(sendStart), time.Since(killedAt)

	total, distinct, resent := sink.counts()
	t.Logf("SMTP server: %d messages received, %d distinct Message-IDs, %d resent %v; %d received at the kill, with %v on the wire",
		total, distinct, total-distinct, resent, receivedAtKill, heldAtKill)
	t.Logf("sending took %v, of which %v after the kill (killed at %s); the whole test %v",
		sendTime.Round(time.Millisecond), recovery.Round(time.Millisecond), killedAt.UTC().Format("15:04:05.000"),
		time.Since(started).Round(time.Millisecond))
	if distinct != guests {
		t.Errorf("%d distinct Message-IDs received, want %d: mail was lost", distinct, guests)
	}
	if total-guests > maxConns {
		t.Errorf("%d messages sent twice, more than the %d connections of the killed process: %v", total-guests, maxConns, resent)
	}
	for _, id := range resent {
		if !slices.Contains(heldAtKill, id) {
			t.Errorf("%s was sent twice but was not on the wire at the kill (%v)", id, heldAtKill)
		}
	}
	if diff := sink.differing(); len(diff) > 0 {
		t.Errorf("resent messages differ from their first copy: %v", diff)
	}

	var left []struct {
		State string
		N     int64
	}
	if err := check.Gorm().Raw(`SELECT state, count(*) AS n FROM river_job WHERE kind = 'mail.deliver'
		AND state IN ('running', 'available', 'retryable', 'scheduled', 'pending') GROUP BY state`).Scan(&left).Error; err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("mail.deliver jobs left in the queue: %+v", left)
	}
	var statuses []struct {
		Status string
		N      int64
	}
	if err := check.Gorm().Raw(`SELECT status, count(*) AS n FROM outbound_messages GROUP BY status`).Scan(&statuses).Error; err != nil {
		t.Fatal(err)
	}
	if len(statuses) != 1 || statuses[0].Status != "sent" || statuses[0].N != guests {
		t.Errorf("outbound_messages by status = %+v, want %d sent and nothing else", statuses, guests)
	}
	// The jobs process A held were rescued, whichever process led River after the kill:
	// as many as its mail workers at most, two per connection (jobs.MailWorkersPerConnection;
	// cmd does not import internal/jobs).
	var rescued []struct {
		Killed string
		N      int64
	}
	if err := check.Gorm().Raw(`SELECT attempted_by[1] AS killed, count(*) AS n FROM river_job WHERE kind = 'mail.deliver'
		AND errors::text LIKE '%Stuck job rescued%' GROUP BY 1`).Scan(&rescued).Error; err != nil {
		t.Fatal(err)
	}
	if workers := int64(2 * maxConns); len(rescued) != 1 || rescued[0].N == 0 || rescued[0].N > workers {
		t.Fatalf("rescued jobs by the process that first ran them: %+v; want one process, at most %d", rescued, workers)
	}
	after := leader(t, check)
	t.Logf("%d jobs of the killed process (River client %s) rescued; River leader before the kill: %s; after: %s",
		rescued[0].N, rescued[0].Killed, leaderBefore, after)
	if leaderBefore.ID == rescued[0].Killed && (after.ID == leaderBefore.ID || !after.ElectedAt.After(killedAt)) {
		t.Errorf("the killed process led River, and no other process was elected after it: %s", after)
	}

	a.stop(t)
	b.stop(t)
}

// buildBinary builds cmd/attache into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "attache")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// prepareGuests migrates the database and creates, through the service, a scheduled
// event ten days ahead and one invitation for each of n people. It returns the event.
func prepareGuests(t *testing.T, dbURL, secret string, n int) int64 {
	t.Helper()
	cfg, err := config.Load("", []string{"ATTACHE_DATABASE_URL=" + dbURL, "ATTACHE_SECURITY_SECRET_KEY=" + secret,
		"ATTACHE_HTTP_BASE_URL=https://attache.test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := service.WithActor(context.Background(), service.Actor{Name: "instances test"})
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := a.Service
	org := &domain.Organization{Name: "Guests"}
	if err := svc.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC().Truncate(time.Hour).Add(10 * 24 * time.Hour)
	ev, err := svc.CreateEvent(ctx, &domain.Event{Title: "Reception", Kind: domain.KindCeremony, Status: domain.StatusScheduled,
		Timezone: "Europe/Moscow", StartsAt: start, EndsAt: start.Add(3 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	// Eight at a time: PostgreSQL takes them in parallel, which keeps this to seconds.
	var (
		wg    sync.WaitGroup
		slots = make(chan struct{}, 8)
		errs  = make(chan error, n)
	)
	for i := range n {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			p := &domain.Person{FullName: fmt.Sprintf("Guest %04d", i), Email: fmt.Sprintf("guest%04d@example.test", i),
				Language: []string{"en", "ru"}[i%2], OrganizationID: &org.ID}
			err := svc.CreatePerson(ctx, p)
			if err == nil {
				err = svc.CreateInvitation(ctx, &domain.Invitation{EventID: ev.ID, PersonID: p.ID})
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	return ev.ID
}

// openStore opens the database for the test's own checks.
func openStore(t *testing.T, dbURL string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Options{URL: dbURL, MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// instance is one running `attache serve`.
type instance struct {
	name, addr string
	cmd        *exec.Cmd
	logs       *syncBuffer
	done       chan error
}

// startInstance starts `attache serve` on a free port and waits for /readyz.
func startInstance(t *testing.T, bin, name, work string, env []string) *instance {
	t.Helper()
	in := &instance{name: name, addr: freeAddr(t), logs: &syncBuffer{}, done: make(chan error, 1)}
	in.cmd = exec.Command(bin, "serve")
	in.cmd.Dir, in.cmd.Env = work, append(env, "ATTACHE_HTTP_ADDR="+in.addr)
	in.cmd.Stdout, in.cmd.Stderr = in.logs, in.logs
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { in.done <- in.cmd.Wait() }()
	t.Cleanup(func() {
		_ = in.cmd.Process.Kill()
		if t.Failed() {
			t.Logf("logs of instance %s (pid %d):\n%s", in.name, in.cmd.Process.Pid, in.logs.String())
		}
	})
	waitUntil(t, "instance "+name+" ready", 30*time.Second, func() bool {
		select {
		case err := <-in.done:
			t.Fatalf("instance %s exited: %v\n%s", name, err, in.logs.String())
		default:
		}
		res, err := http.Get("http://" + in.addr + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	return in
}

// kill ends the process at once, as a crash or the OOM killer would.
func (in *instance) kill(t *testing.T) {
	t.Helper()
	if err := in.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-in.done
}

// stop asks the process to finish (SIGTERM) and expects a clean exit.
func (in *instance) stop(t *testing.T) {
	t.Helper()
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-in.done:
		if err != nil {
			t.Errorf("instance %s: exit after SIGTERM: %v", in.name, err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("instance %s: no exit within 30s of SIGTERM", in.name)
	}
}

// riverLeader is the row of river_leader: which River client leads, since when.
type riverLeader struct {
	ID        string
	ElectedAt time.Time
}

func (l riverLeader) String() string {
	return fmt.Sprintf("%s, elected at %s", l.ID, l.ElectedAt.UTC().Format("15:04:05.000"))
}

// leader reads River's leader.
func leader(t *testing.T, st *store.Store) riverLeader {
	t.Helper()
	var l riverLeader
	if err := st.Gorm().Raw(`SELECT leader_id AS id, elected_at FROM river_leader LIMIT 1`).Scan(&l).Error; err != nil {
		t.Fatal(err)
	}
	return l
}

// postSend asks an instance to send every invitation of the event.
func postSend(t *testing.T, addr, token string, eventID int64) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("http://%s/api/v1/events/%d/invitations/send", addr, eventID), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var out struct {
		Queued int `json:"queued"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal(body, &out) != nil {
		t.Fatalf("send: %s %s", res.Status, body)
	}
	return out.Queued
}

// waitUntil polls cond every 50 ms until it holds, or fails the test after timeout.
func waitUntil(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

// syncBuffer collects a process's output; exec writes it from its own goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// recorder is the SMTP peer: it keeps every message's bytes under its Message-ID and
// counts the copies. Each DATA takes delay, so that the batch lasts long enough to be
// interrupted.
type recorder struct {
	delay time.Duration
	n     atomic.Int64

	gate    sync.Mutex
	held    chan struct{} // while not nil, DATA replies wait until it is closed
	heldIDs []string      // the Message-IDs of the replies held
	waiting atomic.Int32

	mu      sync.Mutex
	byID    map[string][]byte // the first copy
	copies  map[string]int
	differs []string // Message-IDs whose later copy was not the first's bytes
}

func (r *recorder) start(t *testing.T) int {
	t.Helper()
	r.copies = map[string]int{}
	s := smtp.NewServer(r)
	s.Domain, s.ErrorLog = "localhost", quietLog{}
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.MaxMessageBytes = 10 << 20
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

// hold makes later DATA commands wait for release before they are answered.
func (r *recorder) hold() {
	r.gate.Lock()
	defer r.gate.Unlock()
	r.held = make(chan struct{})
}

// holding is the number of DATA replies held.
func (r *recorder) holding() int { return int(r.waiting.Load()) }

// release answers the held DATA commands, stops holding and returns the Message-IDs
// that were held.
func (r *recorder) release() []string {
	r.gate.Lock()
	defer r.gate.Unlock()
	close(r.held)
	ids := r.heldIDs
	r.held, r.heldIDs = nil, nil
	return ids
}

// wait blocks the reply to message id while replies are held.
func (r *recorder) wait(id string) {
	r.gate.Lock()
	held := r.held
	if held != nil {
		r.heldIDs = append(r.heldIDs, id)
		r.waiting.Add(1)
	}
	r.gate.Unlock()
	if held != nil {
		<-held
		r.waiting.Add(-1)
	}
}

func (r *recorder) NewSession(*smtp.Conn) (smtp.Session, error) { return &recordSession{r: r}, nil }

func (r *recorder) total() int64 { return r.n.Load() }

// counts are the messages received, the distinct Message-IDs and those received more
// than once.
func (r *recorder) counts() (total, distinct int, resent []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, n := range r.copies {
		total += n
		if n > 1 {
			resent = append(resent, id)
		}
	}
	return total, len(r.copies), resent
}

func (r *recorder) differing() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.differs...)
}

// messageIDPattern finds the Message-ID field of a message's header.
var messageIDPattern = regexp.MustCompile(`(?im)^Message-Id:\s*<([^>]+)>`)

type recordSession struct{ r *recorder }

func (s *recordSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *recordSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *recordSession) Data(rd io.Reader) error {
	data, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	time.Sleep(s.r.delay)
	head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	m := messageIDPattern.FindSubmatch(head)
	if m == nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "no Message-ID"}
	}
	id := string(m[1])
	r := s.r
	r.wait(id)
	r.mu.Lock()
	if first, ok := r.byID[id]; !ok {
		r.byID[id] = data
	} else if !bytes.Equal(first, data) {
		r.differs = append(r.differs, id)
	}
	r.copies[id]++
	r.mu.Unlock()
	r.n.Add(1)
	return nil
}
func (s *recordSession) Reset()        {}
func (s *recordSession) Logout() error { return nil }

type quietLog struct{}

func (quietLog) Printf(string, ...any) {}
func (quietLog) Println(...any)        {}
