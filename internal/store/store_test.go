package store_test

import (
	"context"
	"testing"

	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// TestPostgresPlansEachStatement: Attaché's PostgreSQL sessions plan every statement
// for its values (plan_cache_mode, see postgresDSN), unless the database URL says
// otherwise; and the pool keeps more than database/sql's two idle connections.
func TestPostgresPlansEachStatement(t *testing.T) {
	base := storetest.URL(t, store.Postgres) // skips without ATTACHE_TEST_POSTGRES_URL
	for _, c := range []struct{ url, want string }{
		{base, "force_custom_plan"},
		{base + "&plan_cache_mode=auto", "auto"},
	} {
		st, err := store.Open(context.Background(), store.Options{URL: c.url, MaxOpenConns: 6})
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := st.Gorm().Raw("SHOW plan_cache_mode").Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("plan_cache_mode = %q, want %q (url %s)", got, c.want, c.url)
		}
		// Six connections at once, then all idle: all kept.
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
		st.Close()
	}
}
