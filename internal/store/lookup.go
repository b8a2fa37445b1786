package store

import (
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// lookupTables are the tables FindID may read, by entity name, so that callers never
// pass a table name of their own making.
var lookupTables = map[string]string{
	"organization": "organizations", "person": "people", "venue": "venues", "room": "rooms",
	"series": "series", "event": "events", "session": "sessions", "delegation": "delegations",
	"invitation": "invitations", "outcome": "outcomes", "user": "users",
}

// FindID returns the id of the first row of entity whose columns equal the given values
// (lowest id first), or 0 when there is none. Idempotent loaders (attache demo) use it
// to find what they created before by its natural key.
func (q *Q) FindID(entity string, where map[string]any) (int64, error) {
	table, ok := lookupTables[entity]
	if !ok {
		return 0, fmt.Errorf("find %s: unknown entity", entity)
	}
	var ids []int64
	err := q.db.Table(table).Where(where).Order("id").Limit(1).Pluck("id", &ids).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, fmt.Errorf("find %s: %w", entity, err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}
