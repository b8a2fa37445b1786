package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/attache-app/attache/internal/calendar"
	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/i18n"
	"github.com/attache-app/attache/internal/store"
)

// Feed links. An issued link's token is 32 random bytes (base64url, 43 characters),
// shown once; a person's personal link is derived like the RSVP link,
// base64url(HMAC-SHA256(secret key, "feed:<invitation id>:<rsvp nonce>")), so it needs
// no storage of its own and dies with the nonce: RotateRSVPToken kills it too, since a
// derived link is checked against the invitation's current nonce on every fetch. Either
// way the database keeps only the token's SHA-256 (feed_tokens.lookup).

// FeedScope, FeedToken and the scopes are the store's, named here so that the web layer
// depends on the service alone.
type (
	FeedScope = store.FeedScope
	FeedToken = store.FeedToken
)

// Feed scopes.
const (
	FeedPerson     = store.FeedPerson
	FeedDelegation = store.FeedDelegation
	FeedEvent      = store.FeedEvent
	FeedOfficer    = store.FeedOfficer
	FeedPublic     = store.FeedPublic
)

const (
	feedTokenLen = 43 // base64url of 32 bytes
	// feedFormat enters every ETag: raise it when the feed's encoding changes, so that
	// clients holding an old body fetch the new one.
	feedFormat = 1
	// feedCacheAge is how long a client may use a feed without asking again.
	feedCacheAge = 5 * time.Minute
)

// ErrFeedRevoked says an invitation's personal feed link was revoked by an officer; it
// matches domain.ErrNotFound.
var ErrFeedRevoked = fmt.Errorf("personal feed link revoked: %w", domain.ErrNotFound)

// FeedTokenParams asks for a feed link: a scope and the id of its target. An officer
// feed belongs to the officer who asks for it and takes no id.
type FeedTokenParams struct {
	Scope        FeedScope
	PersonID     *int64
	DelegationID *int64
	EventID      *int64
	Name         string
}

// IssuedFeedToken is a new feed link. Token, URL and WebcalURL are shown this once.
type IssuedFeedToken struct {
	ID        int64     `json:"id"`
	Scope     FeedScope `json:"scope"`
	Name      string    `json:"name"`
	Token     string    `json:"token"`
	URL       string    `json:"url"`
	WebcalURL string    `json:"webcal_url"`
}

// feedTargets are the fields the scopes with a target need, and the entities they name.
var feedTargets = []struct {
	scope         FeedScope
	field, entity string
	id            func(*FeedTokenParams) *int64
}{
	{FeedPerson, "person_id", "person", func(p *FeedTokenParams) *int64 { return p.PersonID }},
	{FeedDelegation, "delegation_id", "delegation", func(p *FeedTokenParams) *int64 { return p.DelegationID }},
	{FeedEvent, "event_id", "event", func(p *FeedTokenParams) *int64 { return p.EventID }},
}

// CreateFeedToken issues a feed link. The target must exist; an officer feed is the
// caller's own, so that no officer hands out another's.
func (s *Service) CreateFeedToken(ctx context.Context, p FeedTokenParams) (*IssuedFeedToken, error) {
	p.Name = strings.TrimSpace(p.Name)
	if err := domain.First(
		domain.OneOf("scope", p.Scope, FeedPerson, FeedDelegation, FeedEvent, FeedOfficer),
		domain.Line("name", p.Name, false, 100),
	); err != nil {
		return nil, err
	}
	t := &FeedToken{Scope: p.Scope, Name: p.Name, CreatedBy: ActorFrom(ctx).UserID}
	for _, ft := range feedTargets {
		id := ft.id(&p)
		switch {
		case ft.scope != p.Scope && id != nil:
			return nil, domain.Invalid(ft.field, "does not belong to a %s feed", p.Scope)
		case ft.scope == p.Scope && (id == nil || *id < 1):
			return nil, domain.Invalid(ft.field, "is required for a %s feed", p.Scope)
		}
	}
	t.PersonID, t.DelegationID, t.EventID = p.PersonID, p.DelegationID, p.EventID
	if p.Scope == FeedOfficer {
		if t.UserID = ActorFrom(ctx).UserID; t.UserID == nil {
			return nil, domain.Invalid("scope", "an officer feed belongs to a signed-in officer")
		}
	}
	token := randomString(32)
	err := s.st.InTx(ctx, func(q *store.Q) error {
		for _, ft := range feedTargets {
			if ft.scope == p.Scope {
				if err := requireExists(q, ft.field, ft.entity, *ft.id(&p)); err != nil {
					return err
				}
			}
		}
		if err := q.CreateFeedToken(t, tokenLookup(token)); err != nil {
			return err
		}
		return s.audit(ctx, q, "create", "feed_token", t.ID, nil, t)
	})
	if err != nil {
		return nil, err
	}
	url, webcal := s.feedURLs(token)
	return &IssuedFeedToken{ID: t.ID, Scope: t.Scope, Name: t.Name, Token: token, URL: url, WebcalURL: webcal}, nil
}

// RevokeFeedToken stops a feed link at once: its feed then answers 404, like a link that
// never existed. Revoking a revoked link changes nothing.
func (s *Service) RevokeFeedToken(ctx context.Context, id int64) error {
	return s.st.InTx(ctx, func(q *store.Q) error {
		t, err := q.GetFeedToken(id)
		if err != nil {
			return err
		}
		if t.RevokedAt != nil {
			return nil
		}
		if err := q.RevokeFeedToken(id, s.now()); err != nil {
			return err
		}
		after, err := q.GetFeedToken(id)
		if err != nil {
			return err
		}
		return s.audit(ctx, q, "revoke", "feed_token", id, t, after)
	})
}

// PersonalFeedURL is the guest's own feed (scope person) for the RSVP page: derived from
// the invitation like its RSVP link; its hash was recorded when the link was issued, so
// showing it never writes. A link an officer revoked gives ErrFeedRevoked; a new
// RSVP nonce (RotateRSVPToken) gives a new link, and the old one stops verifying.
func (s *Service) PersonalFeedURL(ctx context.Context, inv *domain.Invitation) (httpsURL, webcalURL string, err error) {
	if len(s.opt.SecretKey) < minSecretKey {
		return "", "", errShortSecret
	}
	if inv == nil || inv.ID == 0 || inv.PersonID == 0 || inv.RSVPNonce == "" {
		return "", "", errors.New("personal feed link: the invitation is not loaded from the store")
	}
	token := s.personalFeedToken(inv.ID, inv.RSVPNonce)
	t, err := s.st.Q(ctx).FeedTokenByLookup(tokenLookup(token))
	if errors.Is(err, domain.ErrNotFound) {
		// Every RSVP link is issued together with its feed row (issuePersonalFeed), so a
		// missing row means the link was rotated away: nothing to show.
		return "", "", ErrFeedRevoked
	}
	if err != nil {
		return "", "", fmt.Errorf("personal feed link of invitation %d: %w", inv.ID, err)
	}
	if t.RevokedAt != nil {
		return "", "", ErrFeedRevoked
	}
	httpsURL, webcalURL = s.feedURLs(token)
	return httpsURL, webcalURL, nil
}

// issuePersonalFeed records the feed row of the personal link derived from the
// invitation's current RSVP nonce and revokes the rows of earlier nonces. It runs in the
// transaction that issues the RSVP link, so that showing the link later (on a GET page,
// in an invitation's DESCRIPTION) never writes.
func (s *Service) issuePersonalFeed(q *store.Q, inv *domain.Invitation) error {
	lookup := tokenLookup(s.personalFeedToken(inv.ID, inv.RSVPNonce))
	personID, invID := inv.PersonID, inv.ID
	if _, err := q.EnsureFeedToken(&FeedToken{Scope: FeedPerson, PersonID: &personID, InvitationID: &invID,
		Name: "personal link"}, lookup); err != nil {
		return fmt.Errorf("personal feed of invitation %d: %w", invID, err)
	}
	return q.RevokeInvitationFeedTokens(invID, lookup, s.now())
}

// Feed is a feed resolved from its link, with the validators that let a client skip the
// download; Build makes its body.
type Feed struct {
	// ETag is weak (W/"…"): it is computed from the data the feed is built from, not
	// from its bytes, so it promises the same content, not the same octets.
	ETag string
	// LastModified is the newest change among the feed's rows; zero for an empty feed.
	LastModified time.Time
	// MaxAge is how long a client may keep the feed without asking again.
	MaxAge time.Duration
	sel    store.FeedSelection
	name   string
}

// OpenFeed resolves a feed link and computes its validators in two queries, without
// building it. Unknown, revoked and malformed tokens, and a personal link whose
// invitation has a new RSVP nonce, all give domain.ErrNotFound and nothing else.
func (s *Service) OpenFeed(ctx context.Context, token string) (*Feed, error) {
	if len(token) != feedTokenLen {
		return nil, domain.ErrNotFound
	}
	if raw, err := base64.RawURLEncoding.DecodeString(token); err != nil || len(raw) != 32 {
		return nil, domain.ErrNotFound
	}
	q := s.st.Q(ctx)
	link, err := q.FeedLinkByLookup(tokenLookup(token))
	if errors.Is(err, domain.ErrNotFound) {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if id := link.Token.InvitationID; id != nil {
		// A derived link lives only while it is the HMAC of the invitation's current nonce.
		if len(s.opt.SecretKey) < minSecretKey || link.InvitationNonce == "" ||
			!hmac.Equal([]byte(s.personalFeedToken(*id, link.InvitationNonce)), []byte(token)) {
			return nil, domain.ErrNotFound
		}
	}
	label := link.Label
	if link.Token.Scope == FeedOfficer {
		label = "all events"
	}
	return s.openFeed(q, link.Token.Selection(), label)
}

// OpenPublicFeed is OpenFeed for /feeds/public.ics: the events marked public (drafts
// excluded) with their programme.
func (s *Service) OpenPublicFeed(ctx context.Context) (*Feed, error) {
	return s.openFeed(s.st.Q(ctx), store.FeedSelection{Scope: FeedPublic}, "public events")
}

func (s *Service) openFeed(q *store.Q, sel store.FeedSelection, label string) (*Feed, error) {
	st, err := q.FeedStamp(sel)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d|%s|%d|%s|%d|%d|%s", feedFormat, sel.Scope, sel.TargetID,
		st.Updated.UTC().Format(time.RFC3339Nano), st.Rows, st.IDSum, label)))
	return &Feed{ETag: `W/"` + hex.EncodeToString(sum[:12]) + `"`, LastModified: st.Updated, MaxAge: feedCacheAge,
		sel: sel, name: "Attaché — " + label}, nil
}

// NotModified reports whether a client's If-None-Match names the feed's ETag. Matching
// is weak (RFC 9110 §13.1.2): W/ prefixes are ignored on both sides.
func (f *Feed) NotModified(ifNoneMatch string) bool {
	if ifNoneMatch == "" {
		return false
	}
	if strings.TrimSpace(ifNoneMatch) == "*" {
		return true
	}
	want := strings.TrimPrefix(f.ETag, "W/")
	for _, tag := range strings.Split(ifNoneMatch, ",") {
		if strings.TrimPrefix(strings.TrimSpace(tag), "W/") == want {
			return true
		}
	}
	return false
}

// BuildFeed builds a feed's body in a fixed number of queries, whatever its size, and
// returns it with its content type.
func (s *Service) BuildFeed(ctx context.Context, f *Feed) ([]byte, string, error) {
	d, err := s.st.Q(ctx).LoadFeed(f.sel)
	if err != nil {
		return nil, "", err
	}
	c := feedCalendar(f.name, d)
	// The body depends on the data alone: events carry their own DTSTAMP, and "now" is
	// the feed's last change.
	now := f.LastModified
	if now.IsZero() {
		now = time.Unix(0, 0).UTC()
	}
	body, err := calendar.Encode(c, now)
	if err != nil {
		return nil, "", fmt.Errorf("encode %s feed: %w", f.sel.Scope, err)
	}
	return body, c.ContentType(), nil
}

// InvitationICS is an invitation as a calendar object for its guest (METHOD:REQUEST):
// the event with the guest as the one ATTENDEE, named in the invitation's language, with
// their current answer, and the RSVP link in DESCRIPTION and URL. It returns the object
// and its content type.
func (s *Service) InvitationICS(ctx context.Context, invitationID int64) ([]byte, string, error) {
	q := s.st.Q(ctx)
	inv, err := q.GetInvitation(invitationID)
	if err != nil {
		return nil, "", err
	}
	s.withRSVPURL(inv)
	d, err := q.LoadEventAlone(inv.EventID)
	if err != nil {
		return nil, "", err
	}
	people, err := q.GetPeople([]int64{inv.PersonID})
	if err != nil {
		return nil, "", err
	}
	e := d.Events[0]
	ev := eventVEvent(e, d.Hosts[e.ID], eventPlace(e, d))
	ev.URL = inv.RSVPURL
	l := i18n.Match(inv.Language)
	if inv.RSVPURL != "" {
		ev.Description = joinParagraphs(ev.Description, l.T("ics.reply", inv.RSVPURL))
	}
	if _, webcal, err := s.PersonalFeedURL(ctx, inv); err == nil {
		ev.Description = joinParagraphs(ev.Description, l.T("ics.subscribe", webcal))
	}
	org := s.organizer()
	ev.Organizer = &org
	name := ""
	if p := people[inv.PersonID]; p != nil {
		name = p.NameIn(inv.Language).FullName
	}
	ev.Attendees = []calendar.Attendee{{Name: name, Email: inv.Email, Role: "REQ-PARTICIPANT",
		PartStat: partStat(inv.Response), RSVP: true}}
	c := &calendar.Calendar{Method: calendar.MethodRequest, Events: []calendar.Event{ev}}
	body, err := calendar.Encode(c, s.now())
	if err != nil {
		return nil, "", fmt.Errorf("encode invitation %d: %w", invitationID, err)
	}
	return body, c.ContentType(), nil
}

// organizer is the configured ORGANIZER. "{token}" in the address (the per-invitation
// reply address of mail.organizer) is dropped here, leaving the plain mailbox: replies
// to a downloaded file are matched by UID and attendee. Without configuration the
// mailbox is protocol@ the UID domain, as config.yaml's default is.
func (s *Service) organizer() calendar.Organizer {
	org := s.opt.Organizer
	org.Email = strings.ReplaceAll(strings.ReplaceAll(org.Email, "+{token}", ""), "{token}", "")
	if org.Email == "" || strings.HasPrefix(org.Email, "@") {
		org.Email = "protocol@" + s.opt.UIDDomain
	}
	return org
}

// personalFeedToken derives an invitation's personal feed token; the "feed:" prefix keeps
// it apart from the RSVP token made from the same id and nonce.
func (s *Service) personalFeedToken(invitationID int64, nonce string) string {
	return base64.RawURLEncoding.EncodeToString(s.mac("feed", strconv.FormatInt(invitationID, 10), nonce))
}

// feedURLs are a token's https and webcal addresses; webcal:// is the same URL, which
// calendar apps open as a subscription.
func (s *Service) feedURLs(token string) (string, string) {
	u := strings.TrimRight(s.opt.BaseURL, "/") + "/feeds/" + token + ".ics"
	webcal := u
	if i := strings.Index(u, "://"); i >= 0 {
		webcal = "webcal" + u[i:]
	}
	return u, webcal
}
