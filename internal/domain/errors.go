// Package domain holds Attaché's entities and the rules that need no I/O: validation,
// state transitions and conflict rules. It imports nothing of ours.
package domain

import (
	"errors"
	"fmt"
)

// Sentinel errors that the HTTP layer maps to status codes in one place.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrForbidden    = errors.New("forbidden")
	ErrUnauthorized = errors.New("unauthorized")
)

// ValidationError says which field is wrong and why, in words fit for the client.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }

// Invalid builds a ValidationError.
func Invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// ConflictError is an ErrConflict with a message for the client, such as the room and
// session that already hold a slot.
type ConflictError struct {
	Field   string
	Message string
}

func (e *ConflictError) Error() string { return e.Message }

// Unwrap lets errors.Is(err, ErrConflict) match.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// Conflict builds a ConflictError.
func Conflict(field, format string, args ...any) error {
	return &ConflictError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound wraps ErrNotFound with the kind of thing that is missing.
func NotFound(what string) error { return fmt.Errorf("%s %w", what, ErrNotFound) }
