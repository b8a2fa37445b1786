package store

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestPlanForValues: a transaction can have PostgreSQL plan its statements for their
// values (plan_cache_mode, see Q.PlanForValues); the setting ends with it. (Inside the
// package, to read the setting through the transaction; storetest can not be imported
// here, so the server is the one ATTACHE_TEST_POSTGRES_URL names.)
func TestPlanForValues(t *testing.T) {
	url := os.Getenv("ATTACHE_TEST_POSTGRES_URL")
	if url == "" {
		if strings.Contains(os.Getenv("ATTACHE_TEST_REQUIRE"), "postgres") {
			t.Fatal("ATTACHE_TEST_REQUIRE names postgres but ATTACHE_TEST_POSTGRES_URL is empty")
		}
		t.Skip("ATTACHE_TEST_POSTGRES_URL not set")
	}
	st, err := Open(context.Background(), Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	show := func(q *Q) string {
		var mode string
		if err := q.db.Raw("SHOW plan_cache_mode").Scan(&mode).Error; err != nil {
			t.Fatal(err)
		}
		return mode
	}
	var before, inside string
	err = st.InTx(context.Background(), func(q *Q) error {
		before = show(q)
		if err := q.PlanForValues(); err != nil {
			return err
		}
		inside = show(q)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	after := show(&Q{db: st.w, dialect: st.Dialect})
	if before != "auto" || inside != "force_custom_plan" || after != "auto" {
		t.Errorf("plan_cache_mode before, in and after the transaction: %q, %q, %q; want auto, force_custom_plan, auto",
			before, inside, after)
	}
}
