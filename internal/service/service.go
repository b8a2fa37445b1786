// Package service holds Attaché's use cases. It is the only layer that combines the
// store with mail and calendar, owns transactions, and writes the audit trail: every
// change and its audit entry commit together.
package service

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/attache-app/attache/internal/calendar"
	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// Options are the settings the services need, and nothing more of the configuration.
type Options struct {
	// SecretKey derives RSVP tokens (HMAC); at least 32 bytes.
	SecretKey []byte
	// BaseURL is the public URL used in links, without a trailing slash.
	BaseURL string
	// UIDDomain is the right-hand side of generated iCalendar UIDs.
	UIDDomain string
	// Organizer is the ORGANIZER of invitations (mail.organizer, named as mail.from).
	Organizer calendar.Organizer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Mail configures outbound mail (queue.go); nil until SetQueue or SetTransport.
	Mail *MailOptions
	// MaxInbound is the largest received message the intake reads, in bytes
	// (inbound.max_size); 0 means MaxInboundRaw.
	MaxInbound int
}

// Service is the set of use cases over one store.
type Service struct {
	st  *store.Store
	opt Options
	log *slog.Logger
}

// New builds the services.
func New(st *store.Store, opt Options, log *slog.Logger) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.UIDDomain == "" {
		opt.UIDDomain = "attache.invalid"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{st: st, opt: opt, log: log}
}

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Second) }

// Page and the list filters are the store's types, re-exported so that the HTTP layer
// depends on the service alone (design.md's one-way arrows: http → service → store).
type (
	Page               = store.Page
	AuditFilter        = store.AuditFilter
	OrganizationFilter = store.OrganizationFilter
)

// Actor is who performs a change, for the audit trail and response history.
type Actor struct {
	UserID *int64
	Name   string
}

type actorKey struct{}

// WithActor returns a context that carries the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the context's actor, or "system".
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Name: "system"}
}

// audit appends an audit entry inside the caller's transaction. before and after are
// marshalled to JSON; nil leaves the side empty (creation, deletion).
func (s *Service) audit(ctx context.Context, q *store.Q, action, entity string, id int64, before, after any) error {
	e, err := s.auditEntry(ctx, action, entity, id, before, after)
	if err != nil {
		return err
	}
	return q.AddAudit(e)
}

// auditEntry builds the entry audit appends, for callers that append many at once.
func (s *Service) auditEntry(ctx context.Context, action, entity string, id int64, before, after any) (*domain.AuditEntry, error) {
	a := ActorFrom(ctx)
	e := &domain.AuditEntry{ActorID: a.UserID, Actor: a.Name, Action: action, EntityType: entity, EntityID: id, CreatedAt: s.now()}
	if before != nil {
		b, err := json.Marshal(before)
		if err != nil {
			return nil, fmt.Errorf("audit %s %d: %w", entity, id, err)
		}
		e.Before = string(b)
	}
	if after != nil {
		b, err := json.Marshal(after)
		if err != nil {
			return nil, fmt.Errorf("audit %s %d: %w", entity, id, err)
		}
		e.After = string(b)
	}
	return e, nil
}

// requireExists turns a dangling reference into a validation error naming the field.
func requireExists(q *store.Q, field, entity string, ids ...int64) error {
	id, err := q.Missing(entity, ids...)
	if err != nil {
		return err
	}
	if id != 0 {
		return domain.Invalid(field, "%s %d does not exist", entity, id)
	}
	return nil
}

// Audit lists the audit trail, newest first.
func (s *Service) Audit(ctx context.Context, f store.AuditFilter, p store.Page) ([]*domain.AuditEntry, string, error) {
	return s.st.Q(ctx).ListAudit(f, p)
}
