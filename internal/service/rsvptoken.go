package service

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// An RSVP token is base64url(HMAC-SHA256(secret key, "rsvp:<invitation id>:<nonce>")):
// 32 bytes, 43 characters. The database holds only the nonce and the token's SHA-256
// (rsvp_lookup), so a leaked copy of it opens no invitation, while an officer can still
// be shown the link again. A new nonce revokes the old link.
const (
	rsvpTokenLen  = 43
	rsvpNonceSize = 16
	minSecretKey  = 32
)

// errShortSecret stops the service from issuing links that anyone could forge.
var errShortSecret = errors.New("security.secret_key is shorter than 32 bytes: refusing to issue RSVP links")

// mac is HMAC-SHA256 under the secret key of "purpose:part:part…". Every token derived
// from the key goes through it; the purpose keeps tokens made from the same id and nonce
// (the RSVP link, its form, the personal feed, the reply address) apart.
func (s *Service) mac(purpose string, parts ...string) []byte {
	m := hmac.New(sha256.New, s.opt.SecretKey)
	m.Write([]byte(purpose))
	for _, p := range parts {
		m.Write([]byte(":" + p))
	}
	return m.Sum(nil)
}

// rsvpToken derives the token of an invitation from its id and nonce under the secret key.
func (s *Service) rsvpToken(id int64, nonce string) string {
	return base64.RawURLEncoding.EncodeToString(s.mac("rsvp", strconv.FormatInt(id, 10), nonce))
}

// tokenLookup is what the database keeps of a token (an RSVP or a feed link): enough to
// find its row with an index lookup, useless as a link.
func tokenLookup(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newRSVPNonce returns 16 random bytes in hex.
func newRSVPNonce() string {
	b := make([]byte, rsvpNonceSize)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the OS has no entropy: nothing is safe to do
	}
	return hex.EncodeToString(b)
}

// issueRSVP gives a stored invitation a new nonce and stores the new token's lookup hash,
// inside the caller's transaction. Any earlier link of the invitation stops working.
func (s *Service) issueRSVP(q *store.Q, inv *domain.Invitation) error {
	if len(s.opt.SecretKey) < minSecretKey {
		return errShortSecret
	}
	nonce := newRSVPNonce()
	if err := q.SetInvitationRSVP(inv.ID, nonce, tokenLookup(s.rsvpToken(inv.ID, nonce))); err != nil {
		return fmt.Errorf("issue rsvp link for invitation %d: %w", inv.ID, err)
	}
	inv.RSVPNonce = nonce
	return s.issuePersonalFeed(q, inv)
}

// withRSVPURL fills the link an officer may copy into a message. It is derived on every
// read and never stored.
func (s *Service) withRSVPURL(inv *domain.Invitation) *domain.Invitation {
	inv.RSVPURL = ""
	if inv.RSVPNonce != "" && len(s.opt.SecretKey) >= minSecretKey {
		inv.RSVPURL = strings.TrimRight(s.opt.BaseURL, "/") + "/rsvp/" + s.rsvpToken(inv.ID, inv.RSVPNonce)
	}
	return inv
}

// InvitationByRSVPToken resolves a delegate's link. The token's hash finds the row; the
// HMAC is then recomputed and compared in constant time, so that a row whose lookup was
// planted by someone without the secret key authenticates nothing. Unknown, revoked and
// malformed tokens, and the links of withdrawn invitations, all give domain.ErrNotFound,
// so that callers answer them alike.
func (s *Service) InvitationByRSVPToken(ctx context.Context, token string) (*domain.Invitation, error) {
	if len(token) != rsvpTokenLen || len(s.opt.SecretKey) < minSecretKey {
		return nil, domain.ErrNotFound
	}
	if raw, err := base64.RawURLEncoding.DecodeString(token); err != nil || len(raw) != sha256.Size {
		return nil, domain.ErrNotFound
	}
	inv, err := s.st.Q(ctx).InvitationByRSVPLookup(tokenLookup(token))
	if errors.Is(err, domain.ErrNotFound) {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("resolve rsvp link: %w", err)
	}
	if !hmac.Equal([]byte(s.rsvpToken(inv.ID, inv.RSVPNonce)), []byte(token)) {
		return nil, domain.ErrNotFound
	}
	// A withdrawn guest was sent a CANCEL: their link answers like a revoked one until an
	// officer invites them again.
	if inv.SendState == domain.SendWithdrawn {
		return nil, domain.ErrNotFound
	}
	return s.withRSVPURL(inv), nil
}

// RotateRSVPToken gives an invitation a new link and kills the old one, for when a link
// was forwarded to the wrong person. The audit entry records that it happened, never the link.
func (s *Service) RotateRSVPToken(ctx context.Context, id int64) (*domain.Invitation, error) {
	var out *domain.Invitation
	err := s.st.InTx(ctx, func(q *store.Q) error {
		inv, err := q.GetInvitationForUpdate(id)
		if err != nil {
			return err
		}
		if err := s.issueRSVP(q, inv); err != nil {
			return err
		}
		if out, err = q.GetInvitation(id); err != nil {
			return err
		}
		return s.audit(ctx, q, "rotate_rsvp_token", "invitation", id, nil, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.withRSVPURL(out), nil
}
