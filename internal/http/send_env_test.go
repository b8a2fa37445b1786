package http_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

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
	return serveEnv(t, st, svc)
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
