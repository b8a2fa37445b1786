package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
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

// TestSQLiteTimesAsBefore: SQLite keeps times as text in the layout that the files
// made by earlier versions hold, and an expression's text is not read as a time (the
// driver's _time_format, _texttotime; see Open).
func TestSQLiteTimesAsBefore(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	start := time.Date(2022, 1, 12, 7, 30, 0, 123456000, time.UTC)
	ev := &domain.Event{Title: "Commemorative meeting", Kind: domain.KindCommemoration, Status: domain.StatusDraft,
		Timezone: "Europe/Moscow", StartsAt: start, EndsAt: start.Add(4 * time.Hour)}
	if err := st.InTx(ctx, func(q *store.Q) error { return q.CreateEvent(ev) }); err != nil {
		t.Fatal(err)
	}
	var text string
	if err := st.DB().QueryRowContext(ctx, `SELECT starts_at || '' FROM events WHERE id = ?`, ev.ID).Scan(&text); err != nil {
		t.Fatal(err)
	}
	if want := "2022-01-12 07:30:00.123456+00:00"; text != want {
		t.Errorf("starts_at is stored as %q, want %q", text, want)
	}
	got, err := st.Q(ctx).GetEvent(ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.StartsAt.Equal(start) {
		t.Errorf("starts_at read back as %s, want %s", got.StartsAt, start)
	}
}
