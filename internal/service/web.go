package service

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// The officer web UI's accounts: sign-in with a throttle, sessions kept in the database
// (any instance serves any session), the first-run setup and user administration.

// Sign-in throttle: within signInWindow, an account takes at most signInPerAccount
// failures and a client address signInPerAddress (an office behind one NAT signs in
// from one address, hence the larger number). Counted in the database so that every
// instance sees the same figures.
const (
	signInWindow     = 15 * time.Minute
	signInPerAccount = 5
	signInPerAddress = 30
)

// ErrThrottled refuses a sign-in after too many failures; the page says to wait.
var ErrThrottled = errors.New("too many failed sign-ins")

// dummyHash is compared against when the account does not exist, so that an unknown
// e-mail takes as long as a wrong password and the timing does not reveal accounts. It is
// made at the first sign-in, not at start: a bcrypt hash costs every command and every
// test binary tens of milliseconds.
var dummyHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("attache-no-such-account"), bcrypt.DefaultCost)
	if err != nil {
		panic(fmt.Sprintf("bcrypt of a constant failed: %v", err)) // only for a cost out of range
	}
	return h
})

// SignIn checks an e-mail and password. Unknown accounts, disabled ones and wrong
// passwords are all ErrUnauthorized; past the throttle, ErrThrottled without checking.
func (s *Service) SignIn(ctx context.Context, email, password, address string) (*domain.User, error) {
	email = domain.NormalizeEmail(email)
	now := s.now()
	since := now.Add(-signInWindow)
	byEmail, byAddr, err := s.st.Q(ctx).SignInFailures(email, address, since)
	if err != nil {
		return nil, err
	}
	if byEmail >= signInPerAccount || byAddr >= signInPerAddress {
		return nil, ErrThrottled
	}
	u, err := s.st.Q(ctx).GetUserByEmail(email)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return nil, err
	}
	hash := dummyHash()
	if u != nil && u.PasswordHash != "" {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || u == nil || u.Disabled || u.PasswordHash == "" {
		if err := s.st.InTx(ctx, func(q *store.Q) error { return q.RecordSignInFailure(email, address, now, since) }); err != nil {
			return nil, err
		}
		return nil, domain.ErrUnauthorized
	}
	if byEmail > 0 {
		if err := s.st.InTx(ctx, func(q *store.Q) error { return q.ClearSignInFailures(email) }); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// ActiveUser returns the signed-in user of a session: disabled or deleted accounts are
// ErrUnauthorized, so disabling an account ends its sessions at their next request.
func (s *Service) ActiveUser(ctx context.Context, id int64) (*domain.User, error) {
	u, err := s.st.Q(ctx).GetUser(id)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, domain.ErrUnauthorized
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, domain.ErrUnauthorized
	}
	return u, nil
}

// HasUsers reports whether any account exists (the first-run setup is open until one does).
func (s *Service) HasUsers(ctx context.Context) (bool, error) {
	n, err := s.st.Q(ctx).CountUsers()
	return n > 0, err
}

// CreateFirstAdmin creates the first account, an admin, only while none exists; a second
// attempt (another tab, another instance) is a conflict.
func (s *Service) CreateFirstAdmin(ctx context.Context, u *domain.User, password string) error {
	u.Role = domain.RoleAdmin
	if err := u.Validate(); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	return s.st.InTx(ctx, func(q *store.Q) error {
		if err := q.LockFirstUser(); err != nil {
			return err
		}
		n, err := q.CountUsers()
		if err != nil {
			return err
		}
		if n > 0 {
			return domain.Conflict("email", "the first account has already been created; sign in")
		}
		if err := q.CreateUser(u); err != nil {
			return err
		}
		return s.audit(WithActor(ctx, Actor{Name: u.Email}), q, "create", "user", u.ID, nil, u)
	})
}

// Users lists every account (admin page).
func (s *Service) Users(ctx context.Context) ([]*domain.User, error) {
	return s.st.Q(ctx).ListUsers()
}

// UserUpdate changes an account; nil fields stay as they are.
type UserUpdate struct {
	Name     *string
	Role     *domain.Role
	Language *string
	Disabled *bool
	Password *string
}

// UpdateUser applies an update in one transaction with its audit entry. The last active
// admin can not be demoted or disabled, so the office never locks itself out.
func (s *Service) UpdateUser(ctx context.Context, id int64, up UserUpdate) (*domain.User, error) {
	var out *domain.User
	err := s.st.InTx(ctx, func(q *store.Q) error {
		u, err := q.GetUser(id)
		if err != nil {
			return err
		}
		before := *u
		if up.Name != nil {
			u.Name = *up.Name
		}
		if up.Role != nil {
			u.Role = *up.Role
		}
		if up.Language != nil {
			u.Language = *up.Language
		}
		if up.Disabled != nil {
			u.Disabled = *up.Disabled
		}
		if err := u.Validate(); err != nil {
			return err
		}
		if up.Password != nil {
			if u.PasswordHash, err = hashPassword(*up.Password); err != nil {
				return err
			}
		}
		if before.Role == domain.RoleAdmin && !before.Disabled && (u.Role != domain.RoleAdmin || u.Disabled) {
			users, err := q.ListUsers()
			if err != nil {
				return err
			}
			admins := 0
			for _, o := range users {
				if o.Role == domain.RoleAdmin && !o.Disabled {
					admins++
				}
			}
			if admins <= 1 {
				return domain.Conflict("role", "this is the last active admin; make another user admin first")
			}
		}
		if err := q.UpdateUser(u); err != nil {
			return err
		}
		out = u
		return s.audit(ctx, q, "update", "user", u.ID, &before, u)
	})
	return out, err
}

// hashPassword checks the length rules and hashes with bcrypt (cost 10; bcrypt reads at
// most 72 bytes, so longer passwords are refused rather than silently cut).
func hashPassword(password string) (string, error) {
	if len(password) < 10 {
		return "", domain.Invalid("password", "must be at least 10 characters")
	}
	if len(password) > 72 {
		return "", domain.Invalid("password", "must be at most 72 bytes")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(hash), nil
}

// Web sessions: the cookie's token is stored only as its SHA-256.

func sessionLookup(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// FindWebSession returns a session's data by its cookie token.
func (s *Service) FindWebSession(ctx context.Context, token string) ([]byte, bool, error) {
	return s.st.Q(ctx).FindWebSession(sessionLookup(token), time.Now().UTC())
}

// SaveWebSession stores a session's data until expiry; now and then it also deletes
// expired sessions, so the table does not grow with abandoned ones.
func (s *Service) SaveWebSession(ctx context.Context, token string, data []byte, expiry time.Time) error {
	return s.st.InTx(ctx, func(q *store.Q) error {
		if sessionLookup(token)[0] == 0 { // about one save in 256
			if err := q.DeleteExpiredWebSessions(time.Now().UTC()); err != nil {
				return err
			}
		}
		return q.SaveWebSession(sessionLookup(token), data, expiry)
	})
}

// DeleteWebSession ends a session.
func (s *Service) DeleteWebSession(ctx context.Context, token string) error {
	return s.st.InTx(ctx, func(q *store.Q) error { return q.DeleteWebSession(sessionLookup(token)) })
}
