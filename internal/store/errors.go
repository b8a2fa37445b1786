package store

import "github.com/attache-app/attache/internal/domain"

func domainNotFound(what string) error { return domain.NotFound(what) }

func domainConflict(field, format string, args ...any) error {
	return domain.Conflict(field, format, args...)
}
