package store

import (
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Signed-in sessions of the officer web UI and the sign-in throttle's failures.

type webSessionRow struct {
	Lookup    []byte `gorm:"primaryKey"`
	Data      []byte
	ExpiresAt time.Time
}

func (webSessionRow) TableName() string { return "web_sessions" }

type signInFailureRow struct {
	ID      int64 `gorm:"primaryKey"`
	Email   string
	Address string
	At      time.Time
}

func (signInFailureRow) TableName() string { return "sign_in_failures" }

// FindWebSession returns the data of the unexpired session with this lookup hash.
func (q *Q) FindWebSession(lookup []byte, now time.Time) ([]byte, bool, error) {
	var r webSessionRow
	err := q.db.Where("lookup = ? AND expires_at > ?", lookup, now).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, translate(err, "web session")
	}
	return r.Data, true, nil
}

// SaveWebSession inserts or replaces a session.
func (q *Q) SaveWebSession(lookup, data []byte, expires time.Time) error {
	r := &webSessionRow{Lookup: lookup, Data: data, ExpiresAt: expires.UTC()}
	err := q.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "lookup"}},
		DoUpdates: clause.AssignmentColumns([]string{"data", "expires_at"}),
	}).Create(r).Error
	return translate(err, "web session")
}

// DeleteWebSession removes a session (sign-out, token renewal).
func (q *Q) DeleteWebSession(lookup []byte) error {
	return translate(q.db.Where("lookup = ?", lookup).Delete(&webSessionRow{}).Error, "web session")
}

// DeleteExpiredWebSessions removes sessions that expired before now.
func (q *Q) DeleteExpiredWebSessions(now time.Time) error {
	return translate(q.db.Where("expires_at <= ?", now).Delete(&webSessionRow{}).Error, "web sessions")
}

// RecordSignInFailure notes a failed sign-in and forgets failures older than since.
func (q *Q) RecordSignInFailure(email, address string, at, since time.Time) error {
	if err := q.db.Where("at < ?", since).Delete(&signInFailureRow{}).Error; err != nil {
		return translate(err, "sign-in failures")
	}
	return translate(q.db.Create(&signInFailureRow{Email: email, Address: address, At: at.UTC()}).Error, "sign-in failure")
}

// SignInFailures counts failures since a moment for the account and for the address.
func (q *Q) SignInFailures(email, address string, since time.Time) (byEmail, byAddress int64, err error) {
	if err := q.db.Model(&signInFailureRow{}).Where("email = ? AND at >= ?", email, since).Count(&byEmail).Error; err != nil {
		return 0, 0, translate(err, "sign-in failures")
	}
	if err := q.db.Model(&signInFailureRow{}).Where("address = ? AND at >= ?", address, since).Count(&byAddress).Error; err != nil {
		return 0, 0, translate(err, "sign-in failures")
	}
	return byEmail, byAddress, nil
}

// ClearSignInFailures forgets an account's failures after it signed in.
func (q *Q) ClearSignInFailures(email string) error {
	return translate(q.db.Where("email = ?", email).Delete(&signInFailureRow{}).Error, "sign-in failures")
}
