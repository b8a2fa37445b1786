package store

import (
	"strings"

	"github.com/attache-app/attache/internal/domain"
)

// AddAudit appends an audit entry; call it inside the transaction of the change.
func (q *Q) AddAudit(a *domain.AuditEntry) error {
	r := &auditEntryRow{ActorID: a.ActorID, Actor: a.Actor, Action: a.Action, EntityType: a.EntityType,
		EntityID: a.EntityID, Before: a.Before, After: a.After, CreatedAt: a.CreatedAt}
	if err := q.db.Create(r).Error; err != nil {
		return translate(err, "audit entry")
	}
	a.ID = r.ID
	return nil
}

// AuditFilter narrows ListAudit: the entity type and id, and the actor (a substring of
// the actor's name, e.g. their e-mail, in any letter case); zero fields match all.
type AuditFilter struct {
	EntityType string
	EntityID   int64
	Actor      string
}

// ListAudit returns audit entries, newest first.
func (q *Q) ListAudit(f AuditFilter, p Page) ([]*domain.AuditEntry, string, error) {
	db := q.db.Order("id DESC").Limit(p.Size() + 1)
	if p.Cursor != "" {
		c, err := DecodeCursor(p.Cursor, 1)
		if err != nil {
			return nil, "", err
		}
		db = db.Where("id < ?", c[0])
	}
	if f.EntityType != "" {
		db = db.Where("entity_type = ?", f.EntityType)
	}
	if f.EntityID != 0 {
		db = db.Where("entity_id = ?", f.EntityID)
	}
	if a := strings.TrimSpace(f.Actor); a != "" {
		cond, args := likeAnyCase([]string{"actor"}, a)
		db = db.Where(cond, args...)
	}
	var rows []auditEntryRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, "", translate(err, "audit entries")
	}
	rows, next := trim(rows, p, func(r auditEntryRow) []int64 { return []int64{r.ID} })
	out := make([]*domain.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = &domain.AuditEntry{ID: r.ID, ActorID: r.ActorID, Actor: r.Actor, Action: r.Action,
			EntityType: r.EntityType, EntityID: r.EntityID, Before: r.Before, After: r.After, CreatedAt: r.CreatedAt}
	}
	return out, next, nil
}
