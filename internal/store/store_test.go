package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// TestPlanForValues: a transaction can have PostgreSQL plan its statements for their
// values (plan_cache_mode, see Q.PlanForValues); the setting ends with it.
func TestPlanForValues(t *testing.T) {
	st := storetest.Open(t, store.Postgres) // skips without ATTACHE_TEST_POSTGRES_URL
	mode := func(q *store.Q) string {
		v, err := q.Setting("plan_cache_mode")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var before, inside string
	err := st.InTx(context.Background(), func(q *store.Q) error {
		before = mode(q)
		if err := q.PlanForValues(); err != nil {
			return err
		}
		inside = mode(q)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	after := mode(st.Q(context.Background()))
	if before != "auto" || inside != "force_custom_plan" || after != "auto" {
		t.Errorf("plan_cache_mode before, in and after the transaction: %q, %q, %q; want auto, force_custom_plan, auto",
			before, inside, after)
	}
}

// The tables written again after every insert leave room on their pages for the new
// row versions (migration 00007), so that those updates stay on the page.
func TestPostgresLeavesRoomForUpdates(t *testing.T) {
	st := storetest.Open(t, store.Postgres)
	for _, table := range []string{"invitations", "outbound_messages"} {
		var opts string
		if err := st.DB().QueryRow(`SELECT coalesce(array_to_string(reloptions, ','), '') FROM pg_class WHERE relname = $1`, table).Scan(&opts); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(opts, "fillfactor=70") {
			t.Errorf("%s: reloptions %q, want fillfactor=70", table, opts)
		}
	}
}

// TestPostgresKeepsIdleConnections: the pool keeps as many idle connections as it may
// open (database/sql keeps two), so that a busy moment's connections are not closed
// and opened again.
func TestPostgresKeepsIdleConnections(t *testing.T) {
	url := storetest.URL(t, store.Postgres)
	st, err := store.Open(context.Background(), store.Options{URL: url, MaxOpenConns: 6})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conns := make([]interface{ Close() error }, 0, 6)
	for range 6 {
		c, err := st.DB().Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
	if idle := st.DB().Stats().Idle; idle != 6 {
		t.Errorf("%d idle connections kept, want 6", idle)
	}
}
