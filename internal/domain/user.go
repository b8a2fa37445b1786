package domain

import (
	"strings"
	"time"
)

// Role is an officer's set of rights.
type Role string

// Roles: admin manages users and settings, officer plans and sends, viewer reads.
const (
	RoleAdmin   Role = "admin"
	RoleOfficer Role = "officer"
	RoleViewer  Role = "viewer"
)

// Permission is what a route needs.
type Permission int

// Permissions in increasing order of power.
const (
	PermRead Permission = iota
	PermWrite
	PermAdmin
)

// Allows reports whether the role grants the permission.
func (r Role) Allows(p Permission) bool {
	switch r {
	case RoleAdmin:
		return true
	case RoleOfficer:
		return p <= PermWrite
	case RoleViewer:
		return p == PermRead
	}
	return false
}

// User is an officer account.
type User struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         Role      `json:"role"`
	Language     string    `json:"language"` // interface language; "" follows the browser
	PasswordHash string    `json:"-"`
	Disabled     bool      `json:"disabled"`
	CreatedAt    time.Time `json:"created_at"`
}

// Validate checks the user's fields.
func (u *User) Validate() error {
	u.Email = NormalizeEmail(u.Email)
	u.Name = strings.TrimSpace(u.Name)
	// An empty language means "as my browser asks" (Accept-Language).
	return First(
		Email("email", u.Email, true),
		Line("name", u.Name, false, 200),
		OneOf("role", u.Role, RoleAdmin, RoleOfficer, RoleViewer),
		OneOf("language", u.Language, "", "en", "ru"),
	)
}

// APIToken is a bearer credential of a user; only its hash is stored.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Hash       []byte     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// AuditEntry records who did what to which entity, with its state before and after as JSON.
type AuditEntry struct {
	ID         int64     `json:"id"`
	ActorID    *int64    `json:"actor_id"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	EntityType string    `json:"entity_type"`
	EntityID   int64     `json:"entity_id"`
	Before     string    `json:"before,omitempty"`
	After      string    `json:"after,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}
