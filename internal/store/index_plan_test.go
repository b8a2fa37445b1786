package store_test

import (
	"strings"
	"testing"

	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// TestSessionIndexUsed: the partial index on outbound_messages.session_id (migration 8:
// only the messages about a session have one) still serves the lookups by session, both
// a query's session_id = ? and the cascade when a session is deleted, on both databases.
// SQLite's plan of the session's delete shows the cascade's search of the messages;
// PostgreSQL runs the cascade from a trigger, whose statement is explained instead. It
// is told to avoid whole-table scans, which it rightly prefers on an empty table, so
// that the plan shows whether the index can serve.
func TestSessionIndexUsed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		db := st.Gorm()
		const index = "outbound_messages_session_id_idx"
		queries := map[string]string{
			"lookup":  `SELECT id FROM outbound_messages WHERE session_id = 7`,
			"cascade": `DELETE FROM sessions WHERE id = 7`,
		}
		if st.Dialect == store.Postgres {
			// The form PostgreSQL's foreign-key trigger runs for ON DELETE CASCADE.
			queries["cascade"] = `DELETE FROM ONLY outbound_messages WHERE 7 OPERATOR(pg_catalog.=) session_id`
		}
		for name, q := range queries {
			var plan []string
			switch st.Dialect {
			case store.SQLite:
				var rows []struct {
					ID, Parent, Notused int
					Detail              string
				}
				if err := db.Raw(`EXPLAIN QUERY PLAN ` + q).Scan(&rows).Error; err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				for _, r := range rows {
					plan = append(plan, r.Detail)
				}
			case store.Postgres:
				tx := db.Begin()
				if err := tx.Exec(`SET LOCAL enable_seqscan = off`).Error; err != nil {
					t.Fatal(err)
				}
				err := tx.Raw(`EXPLAIN ` + q).Scan(&plan).Error
				tx.Rollback()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			if !strings.Contains(strings.Join(plan, "\n"), index) {
				t.Errorf("%s does not use %s:\n%s", name, index, strings.Join(plan, "\n"))
			}
		}
	})
}
