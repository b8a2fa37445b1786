package store_test

import (
	"database/sql"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

// column is one column of a migrated table, as the database describes it.
type column struct {
	Type     string // as declared (SQLite) or information_schema's data_type (PostgreSQL)
	Nullable bool
}

// TestSchemaMatchesModels proves that both dialects' hand-written migrations and the GORM
// models describe the same tables, so that they can not drift apart: every model has its
// table, every field its column of a compatible type and nullability, every column its
// field, and every table (except goose's and River's) a model.
func TestSchemaMatchesModels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		for _, p := range schemaProblems(t, st, store.Models()) {
			t.Error(p)
		}
	})
}

// TestSchemaCheckFindsDrift feeds the checker models that disagree with the migrated
// schema, so that a checker which silently passes everything can not go unnoticed.
func TestSchemaCheckFindsDrift(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		var others []any // every model but the users table's
		for _, m := range store.Models() {
			if tableOf(m) != "users" {
				others = append(others, m)
			}
		}
		drifted := append(append([]any{}, others...), &driftedUser{}, &ghostRow{})
		got := strings.Join(schemaProblems(t, st, drifted), "\n")
		for _, want := range []string{
			"users.role: column type",               // a text column held in an int field
			"users.language: column nullable=false", // *string on a NOT NULL column
			"users.name: column nullable=false",     // sql.NullString on a NOT NULL column
			"users.nickname (field Nickname): no such column",
			"users.password_hash: column has no field",
			"table ghosts does not exist",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("checker did not report %q; it reported:\n%s", want, got)
			}
		}
		if got := strings.Join(schemaProblems(t, st, others), "\n"); !strings.Contains(got, "table users has no model") {
			t.Errorf("checker did not report a table without a model; it reported:\n%s", got)
		}
	})
}

// driftedUser disagrees with the users table in every way the checker looks for.
type driftedUser struct {
	ID        int64 `gorm:"primaryKey"`
	Email     string
	Name      sql.NullString
	Role      int
	Language  *string
	Disabled  bool
	Nickname  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (driftedUser) TableName() string { return "users" }

// ghostRow is a model whose table no migration creates.
type ghostRow struct {
	ID int64 `gorm:"primaryKey"`
}

func (ghostRow) TableName() string { return "ghosts" }

func tableOf(m any) string {
	if tn, ok := m.(interface{ TableName() string }); ok {
		return tn.TableName()
	}
	return ""
}

// schemaProblems compares models with the migrated database of st and describes every
// disagreement.
func schemaProblems(t *testing.T, st *store.Store, models []any) []string {
	t.Helper()
	db := st.Gorm()
	tables := listTables(t, st)
	modelled := map[string]bool{}
	cache := &sync.Map{}
	var out []string
	for _, m := range models {
		sch, err := schema.Parse(m, cache, db.NamingStrategy)
		if err != nil {
			t.Fatalf("parse model %T: %v", m, err)
		}
		if modelled[sch.Table] {
			out = append(out, fmt.Sprintf("two models map to table %s", sch.Table))
		}
		modelled[sch.Table] = true
		if !tables[sch.Table] {
			out = append(out, fmt.Sprintf("model %s: table %s does not exist after migration", sch.Name, sch.Table))
			continue
		}
		out = append(out, tableProblems(t, st, sch)...)
	}
	names := make([]string, 0, len(tables))
	for name := range tables {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if name == "goose_db_version" || strings.HasPrefix(name, "river_") {
			continue
		}
		if !modelled[name] {
			out = append(out, fmt.Sprintf("table %s has no model in store.Models()", name))
		}
	}
	return out
}

func tableProblems(t *testing.T, st *store.Store, sch *schema.Schema) []string {
	t.Helper()
	var out []string
	cols := listColumns(t, st, sch.Table)
	seen := map[string]bool{}
	for _, f := range sch.Fields {
		if f.DBName == "" {
			continue // gorm:"-"
		}
		seen[f.DBName] = true
		c, ok := cols[f.DBName]
		if !ok {
			out = append(out, fmt.Sprintf("%s.%s (field %s): no such column", sch.Table, f.DBName, f.Name))
			continue
		}
		want := goFamily(f.FieldType)
		got := dbFamily(st.Dialect, c.Type)
		if want == "" {
			out = append(out, fmt.Sprintf("%s.%s: field %s has Go type %s, which the schema test does not know", sch.Table, f.DBName, f.Name, f.FieldType))
		} else if got != want {
			out = append(out, fmt.Sprintf("%s.%s: column type %q (%s) does not hold field %s of Go type %s (%s)",
				sch.Table, f.DBName, c.Type, orUnknown(got), f.Name, f.FieldType, want))
		}
		if nullable := goNullable(f.FieldType); c.Nullable != nullable {
			out = append(out, fmt.Sprintf("%s.%s: column nullable=%v but field %s is %s (pointer fields are NULL-able, others NOT NULL)",
				sch.Table, f.DBName, c.Nullable, f.Name, f.FieldType))
		}
	}
	names := make([]string, 0, len(cols))
	for name := range cols {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !seen[name] {
			out = append(out, fmt.Sprintf("%s.%s: column has no field in model %s", sch.Table, name, sch.Name))
		}
	}
	return out
}

// listTables returns every base table of the migrated database.
func listTables(t *testing.T, st *store.Store) map[string]bool {
	t.Helper()
	q := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	if st.Dialect == store.SQLite {
		q = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	}
	var names []string
	if err := st.Gorm().Raw(q).Scan(&names).Error; err != nil {
		t.Fatalf("list tables: %v", err)
	}
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out
}

// listColumns describes a table's columns. In SQLite a single INTEGER PRIMARY KEY is the
// rowid, which can never be NULL even though PRAGMA table_info reports notnull=0.
func listColumns(t *testing.T, st *store.Store, table string) map[string]column {
	t.Helper()
	out := map[string]column{}
	if st.Dialect == store.SQLite {
		type info struct {
			Name    string
			Type    string
			NotNull bool `gorm:"column:notnull"`
			PK      int  `gorm:"column:pk"`
		}
		var rows []info
		if err := st.Gorm().Raw(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, table).Scan(&rows).Error; err != nil {
			t.Fatalf("describe %s: %v", table, err)
		}
		pks := 0
		for _, r := range rows {
			if r.PK > 0 {
				pks++
			}
		}
		for _, r := range rows {
			rowid := r.PK > 0 && pks == 1 && strings.EqualFold(r.Type, "INTEGER")
			out[r.Name] = column{Type: r.Type, Nullable: !r.NotNull && !rowid}
		}
		return out
	}
	type info struct {
		ColumnName string
		DataType   string
		IsNullable string
	}
	var rows []info
	err := st.Gorm().Raw(`SELECT column_name, data_type, is_nullable FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = ?`, table).Scan(&rows).Error
	if err != nil {
		t.Fatalf("describe %s: %v", table, err)
	}
	for _, r := range rows {
		out[r.ColumnName] = column{Type: r.DataType, Nullable: r.IsNullable == "YES"}
	}
	return out
}

var (
	timeType  = reflect.TypeOf(time.Time{})
	bytesType = reflect.TypeOf([]byte(nil))
)

// goFamily names the kind of column a Go field needs: integer, text, time, bool or bytes.
func goFamily(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType, t == reflect.TypeOf(sql.NullTime{}):
		return "time"
	case t == bytesType:
		return "bytes"
	case t == reflect.TypeOf(sql.NullString{}):
		return "text"
	case t == reflect.TypeOf(sql.NullInt64{}), t == reflect.TypeOf(sql.NullInt32{}):
		return "integer"
	case t == reflect.TypeOf(sql.NullBool{}):
		return "bool"
	case t == reflect.TypeOf(gorm.DeletedAt{}):
		return "time"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "bool"
	}
	return ""
}

// goNullable: a pointer or a sql.Null* / gorm.DeletedAt field may hold NULL; nothing else
// can, so its column must be NOT NULL.
func goNullable(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		return true
	}
	return (t.PkgPath() == "database/sql" && strings.HasPrefix(t.Name(), "Null")) || t == reflect.TypeOf(gorm.DeletedAt{})
}

// dbFamily maps a column's declared type to the same families. Times on PostgreSQL must
// be timestamptz: a timestamp without time zone would silently drop the instant's zone.
func dbFamily(d store.Dialect, typ string) string {
	typ = strings.ToLower(strings.TrimSpace(typ))
	if i := strings.IndexByte(typ, '('); i >= 0 {
		typ = strings.TrimSpace(typ[:i])
	}
	if d == store.SQLite {
		switch typ {
		case "integer", "int", "bigint", "smallint":
			return "integer"
		case "text", "varchar":
			return "text"
		case "datetime", "timestamp":
			return "time"
		case "boolean", "bool":
			return "bool"
		case "blob":
			return "bytes"
		}
		return ""
	}
	switch typ {
	case "bigint", "integer", "smallint":
		return "integer"
	case "text", "character varying":
		return "text"
	case "timestamp with time zone":
		return "time"
	case "boolean":
		return "bool"
	case "bytea":
		return "bytes"
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown family"
	}
	return s
}
