package service

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
	"github.com/attache-app/attache/internal/store/storetest"
)

var testSecret = []byte("rsvp-test-secret-0123456789abcdef0123456789")

func TestRSVPTokenDerivation(t *testing.T) {
	s := &Service{opt: Options{SecretKey: testSecret}}
	other := &Service{opt: Options{SecretKey: []byte("another-secret-0123456789abcdef0123456789")}}
	base := s.rsvpToken(7, "00112233445566778899aabbccddeeff")
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(base) {
		t.Fatalf("token %q is not 43 base64url characters", base)
	}
	if again := s.rsvpToken(7, "00112233445566778899aabbccddeeff"); again != base {
		t.Fatal("the same id and nonce gave another token")
	}
	tests := []struct {
		name  string
		token string
	}{
		{"other id", s.rsvpToken(8, "00112233445566778899aabbccddeeff")},
		{"other nonce", s.rsvpToken(7, "ffeeddccbbaa99887766554433221100")},
		{"other key", other.rsvpToken(7, "00112233445566778899aabbccddeeff")},
		// "rsvp:7:1…" and "rsvp:71:…" must not collide although they share a prefix.
		{"id digits moved into the nonce", s.rsvpToken(71, "0112233445566778899aabbccddeeff")},
	}
	for _, tt := range tests {
		if tt.token == base {
			t.Errorf("%s: same token", tt.name)
		}
	}
	lookup := tokenLookup(base)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(lookup) || strings.Contains(lookup, base) {
		t.Fatalf("lookup %q is not a hex SHA-256 apart from the token", lookup)
	}
	if n := newRSVPNonce(); !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(n) || n == newRSVPNonce() {
		t.Fatalf("nonce %q is not 16 fresh random bytes in hex", n)
	}
}

func TestRSVPTokenLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := WithActor(context.Background(), Actor{Name: "officer@attache.test"})
		s := New(st, Options{SecretKey: testSecret, BaseURL: "https://attache.test/"}, nil)
		inv := rsvpFixture(t, s)

		token, ok := strings.CutPrefix(inv.RSVPURL, "https://attache.test/rsvp/")
		if !ok || len(token) != rsvpTokenLen {
			t.Fatalf("rsvp_url = %q", inv.RSVPURL)
		}
		got, err := s.InvitationByRSVPToken(ctx, token)
		if err != nil || got.ID != inv.ID || got.RSVPURL != inv.RSVPURL {
			t.Fatalf("InvitationByRSVPToken = %+v, %v", got, err)
		}

		// Malformed and forged tokens are all simply not found.
		flipped := []byte(token)
		flipped[10] ^= 1
		for name, bad := range map[string]string{
			"empty": "", "short": token[:42], "long": token + "A", "not base64url": token[:42] + "+",
			"one character changed": string(flipped), "the lookup hash": tokenLookup(token), "the url": inv.RSVPURL,
		} {
			if _, err := s.InvitationByRSVPToken(ctx, bad); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("%s: err = %v, want ErrNotFound", name, err)
			}
		}

		// A row whose lookup matches but whose HMAC does not (written by someone without the
		// key) authenticates nothing.
		planted := s.rsvpToken(inv.ID, "planted")
		forger := New(st, Options{SecretKey: []byte("forger-secret-0123456789abcdef0123456789")}, nil)
		if err := st.InTx(ctx, func(q *store.Q) error {
			return q.SetInvitationRSVP(inv.ID, "planted", tokenLookup(forger.rsvpToken(inv.ID, "planted")))
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.InvitationByRSVPToken(ctx, forger.rsvpToken(inv.ID, "planted")); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("a token made with another key: err = %v", err)
		}
		if _, err := s.InvitationByRSVPToken(ctx, planted); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("a token whose lookup is not stored: err = %v", err)
		}

		// Rotation kills the old link and issues a working new one.
		rotated, err := s.RotateRSVPToken(ctx, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		newToken := strings.TrimPrefix(rotated.RSVPURL, "https://attache.test/rsvp/")
		if newToken == token {
			t.Fatal("rotation kept the token")
		}
		if _, err := s.InvitationByRSVPToken(ctx, token); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("old token after rotation: err = %v", err)
		}
		if got, err := s.InvitationByRSVPToken(ctx, newToken); err != nil || got.ID != inv.ID {
			t.Fatalf("new token: %v, %v", got, err)
		}
		if _, err := s.RotateRSVPToken(ctx, inv.ID+1000); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("rotating a missing invitation: err = %v", err)
		}
	})
}

func TestRSVPRefusesShortSecret(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	s := New(st, Options{SecretKey: []byte("too short"), BaseURL: "https://attache.test"}, nil)
	ctx := context.Background()
	e, p := rsvpEventAndPerson(t, s)
	err := s.CreateInvitation(ctx, &domain.Invitation{EventID: e, PersonID: p})
	if !errors.Is(err, errShortSecret) {
		t.Fatalf("CreateInvitation with a short key: err = %v", err)
	}
	items, _, err := s.Invitations(ctx, store.InvitationFilter{EventID: e}, store.Page{})
	if err != nil || len(items) != 0 {
		t.Fatalf("a refused invitation was stored: %v, %v", items, err)
	}
}

// rsvpFixture creates an event, a person and their invitation.
func rsvpFixture(t *testing.T, s *Service) *domain.Invitation {
	t.Helper()
	e, p := rsvpEventAndPerson(t, s)
	inv := &domain.Invitation{EventID: e, PersonID: p}
	if err := s.CreateInvitation(context.Background(), inv); err != nil {
		t.Fatalf("create invitation: %v", err)
	}
	return inv
}

func rsvpEventAndPerson(t *testing.T, s *Service) (eventID, personID int64) {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2021, 1, 12, 8, 0, 0, 0, time.UTC)
	e, err := s.CreateEvent(ctx, &domain.Event{Title: "299th anniversary of the Prosecution Service", Kind: domain.KindCommemoration,
		Timezone: "Europe/Moscow", StartsAt: start, EndsAt: start.Add(3 * time.Hour)})
	if err != nil {
		t.Fatalf("create event: %v", err)
	}
	p := &domain.Person{FullName: "Kamran Aliyev", Email: "guest@prosecutor-az.test", Language: "az"}
	if err := s.CreatePerson(ctx, p); err != nil {
		t.Fatalf("create person: %v", err)
	}
	return e.ID, p.ID
}
