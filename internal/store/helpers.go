package store

import (
	"fmt"
	"strings"
)

// escapeLike escapes LIKE wildcards in user search text so "%" matches a percent sign.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// missing returns the first id of ids absent from table, or 0 when all exist. Services
// call it before an insert so that a bad reference is a 422 naming the field rather than
// a foreign-key error.
func (q *Q) missing(table string, ids []int64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var found []int64
	if err := q.db.Table(table).Where("id IN ?", ids).Pluck("id", &found).Error; err != nil {
		return 0, fmt.Errorf("check %s: %w", table, err)
	}
	have := make(map[int64]bool, len(found))
	for _, id := range found {
		have[id] = true
	}
	for _, id := range ids {
		if !have[id] {
			return id, nil
		}
	}
	return 0, nil
}

// Missing returns the first of ids absent from the named entity's table, or 0; names are
// the API's resource names.
func (q *Q) Missing(entity string, ids ...int64) (int64, error) {
	table, ok := lookupTables[entity]
	if !ok {
		return 0, fmt.Errorf("missing: unknown entity %q", entity)
	}
	return q.missing(table, ids)
}
