package http_test

import (
	"context"
	"database/sql"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/attache-app/attache/internal/domain"
	attachehttp "github.com/attache-app/attache/internal/http"
	"github.com/attache-app/attache/internal/service"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// The sending API needs a job queue: eachSendAPI is eachAPI with the service's queue
// wired to an insert-only River client on the same database, so that tests see the
// jobs each request commits (river_job) without workers sending anything. Sending
// itself is tested with running workers in internal/jobs.

// riverQueue adapts River's client to service.Enqueuer.
type riverQueue struct{ c *river.Client[*sql.Tx] }

func (r riverQueue) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := r.c.InsertTx(ctx, tx, args, opts)
	return err
}

func eachSendAPI(t *testing.T, fn func(t *testing.T, e *env)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fn(t, newSendEnv(t, st))
	})
}

func newSendEnv(t *testing.T, st *store.Store) *env {
	t.Helper()
	svc := service.New(st, service.Options{
		SecretKey: []byte("test-secret-key-0123456789abcdef0123456789"),
		BaseURL:   "https://attache.test",
		UIDDomain: "attache.test",
		Mail:      &service.MailOptions{QuietPeriod: time.Minute},
	}, nil)
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
	svc.SetQueue(riverQueue{c})
	srv := httptest.NewServer(attachehttp.New(svc, attachehttp.Options{Ready: func(ctx context.Context) error { return st.Ping(ctx) }}).Echo)
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, st: st, svc: svc, tokens: map[domain.Role]string{}}
	ctx := context.Background()
	for _, r := range []domain.Role{domain.RoleAdmin, domain.RoleOfficer, domain.RoleViewer} {
		email := string(r) + "@attache.test"
		if _, err := svc.CreateUser(ctx, &domain.User{Email: email, Role: r}, "correct horse battery"); err != nil {
			t.Fatalf("create %s: %v", r, err)
		}
		tok, _, err := svc.CreateAPIToken(ctx, email, "test")
		if err != nil {
			t.Fatalf("token for %s: %v", r, err)
		}
		e.tokens[r] = tok
	}
	return e
}

// jobCount counts the jobs of a kind the requests so far committed.
func (e *env) jobCount(kind string) int64 {
	e.t.Helper()
	var n int64
	if err := e.st.Gorm().Raw(`SELECT count(*) FROM river_job WHERE kind = ?`, kind).Scan(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}
