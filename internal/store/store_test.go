package store_test

import (
	"context"
	"testing"

	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

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
