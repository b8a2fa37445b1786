package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// apiTokenPrefix marks Attaché API tokens so that secret scanners and people recognise them.
const apiTokenPrefix = "att_"

// CreateUser creates an officer. An empty password generates one, returned once.
func (s *Service) CreateUser(ctx context.Context, u *domain.User, password string) (generated string, err error) {
	if err := u.Validate(); err != nil {
		return "", err
	}
	if password == "" {
		generated = randomString(18)
		password = generated
	}
	hash, err := hashPassword(password)
	if err != nil {
		return "", err
	}
	u.PasswordHash = hash
	err = s.st.InTx(ctx, func(q *store.Q) error {
		if err := q.CreateUser(u); err != nil {
			return err
		}
		return s.audit(ctx, q, "create", "user", u.ID, nil, u)
	})
	if err != nil {
		return "", err
	}
	return generated, nil
}

// CreateAPIToken issues a bearer token for the officer with this e-mail. The token is
// returned once; only its SHA-256 is stored.
func (s *Service) CreateAPIToken(ctx context.Context, email, name string) (string, *domain.APIToken, error) {
	if err := domain.Line("name", name, false, 100); err != nil {
		return "", nil, err
	}
	token := apiTokenPrefix + randomString(32)
	sum := sha256.Sum256([]byte(token))
	t := &domain.APIToken{Name: name, Hash: sum[:]}
	err := s.st.InTx(ctx, func(q *store.Q) error {
		u, err := q.GetUserByEmail(domain.NormalizeEmail(email))
		if errors.Is(err, domain.ErrNotFound) {
			return domain.Invalid("email", "no officer with e-mail %s", email)
		}
		if err != nil {
			return err
		}
		t.UserID = u.ID
		if err := q.CreateAPIToken(t); err != nil {
			return err
		}
		return s.audit(ctx, q, "create", "api_token", t.ID, nil, map[string]any{"user_id": u.ID, "name": name})
	})
	if err != nil {
		return "", nil, err
	}
	return token, t, nil
}

// Authenticate returns the officer owning a bearer token. Lookup is by the token's hash,
// so the comparison never touches the secret itself; unknown, revoked and malformed
// tokens all give ErrUnauthorized.
func (s *Service) Authenticate(ctx context.Context, token string) (*domain.User, error) {
	if !strings.HasPrefix(token, apiTokenPrefix) || len(token) > 200 {
		return nil, domain.ErrUnauthorized
	}
	sum := sha256.Sum256([]byte(token))
	q := s.st.Q(ctx)
	u, t, err := q.UserByTokenHash(sum[:])
	if errors.Is(err, domain.ErrNotFound) {
		return nil, domain.ErrUnauthorized
	}
	if err != nil {
		return nil, err
	}
	// Record use at most once a minute, so that reads stay reads (SQLite has one writer).
	if now := s.now(); t.LastUsedAt == nil || t.LastUsedAt.Before(now.Add(-time.Minute)) {
		if err := s.st.InTx(ctx, func(q *store.Q) error { return q.TouchAPIToken(t.ID, now) }); err != nil {
			s.log.WarnContext(ctx, "record token use", "token_id", t.ID, "err", err)
		}
	}
	return u, nil
}

// randomString returns n random bytes, base64url-encoded.
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the OS has no entropy: nothing is safe to do
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
