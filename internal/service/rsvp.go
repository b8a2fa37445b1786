package service

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// RSVPClosed says why a delegate's link no longer takes answers.
type RSVPClosed string

// Reasons a link takes no answers; RSVPOpen means it does.
const (
	RSVPOpen            RSVPClosed = ""
	RSVPClosedCancelled RSVPClosed = "cancelled"
	RSVPClosedCompleted RSVPClosed = "completed"
	RSVPClosedDeadline  RSVPClosed = "deadline"
)

// RSVPView is everything the delegate's page shows, read through their secret link and
// nothing beyond their own invitation.
type RSVPView struct {
	Invitation *domain.Invitation
	Person     *domain.Person
	// Name is the person as written in the invitation's language.
	Name  domain.PersonName
	Event *domain.Event
	// Hosts are the event's host organizations in order.
	Hosts []*domain.Organization
	// Venue is nil when the event has none yet.
	Venue *domain.Venue
	// Delegation is the delegate's: the invitation's, else the event's delegation that
	// counts the person as a member; nil when there is none. DelegationOrg is its body.
	Delegation    *domain.Delegation
	DelegationOrg *domain.Organization
	// Sessions is the programme that concerns the delegate, by start: the sessions in
	// which their delegation is a party, and those with no parties named (open to all);
	// every session when they belong to no delegation.
	Sessions []*domain.Session
	// Rooms names the sessions' rooms by id.
	Rooms map[int64]string
	// Location is the event's timezone, in which the page shows every time. The viewer's
	// own zone is only known to their browser (see web/static/rsvp.js).
	Location *time.Location
	// Deadline is the invitation's, else the event's RSVP deadline; nil when none.
	Deadline *time.Time
	// Closed says why answers are refused, RSVPOpen when they are taken.
	Closed RSVPClosed
	// MaxCompanions is the room the invitation's delegation leaves for companions beside
	// its members; negative when there is no limit (no delegation, or no size limit).
	MaxCompanions int
	// FormToken is the answer form's hidden field, which RecordRSVP requires.
	FormToken string
	// Note is the delegate's own note, when their last answer came through the link; an
	// officer's note on the invitation is internal and never shown to the guest.
	Note string
}

// DeadlinePassed reports whether answers are closed because the deadline passed.
func (v *RSVPView) DeadlinePassed() bool { return v.Closed == RSVPClosedDeadline }

// RSVPAnswer is what a delegate sends from their page.
type RSVPAnswer struct {
	// Response is accepted, tentative or declined.
	Response domain.Response
	// Companions are the names of accompanying members; blank entries are dropped.
	Companions []string
	// Note is free text for the protocol office.
	Note string
	// FormToken is the hidden field of the page the answer was sent from.
	FormToken string
}

// RSVPView reads the delegate's page through their link. Unknown, revoked and malformed
// tokens give domain.ErrNotFound alike. It changes nothing: mail scanners open links.
func (s *Service) RSVPView(ctx context.Context, token string) (*RSVPView, error) {
	inv, err := s.InvitationByRSVPToken(ctx, token)
	if err != nil {
		return nil, err
	}
	q := s.st.Q(ctx)
	v := &RSVPView{Invitation: inv, MaxCompanions: -1, Rooms: map[int64]string{}, FormToken: s.rsvpFormToken(inv)}
	if v.Person, err = q.GetPerson(inv.PersonID); err != nil {
		return nil, fmt.Errorf("rsvp page of invitation %d: %w", inv.ID, err)
	}
	v.Name = v.Person.NameIn(inv.Language)
	if v.Event, err = q.GetEvent(inv.EventID); err != nil {
		return nil, fmt.Errorf("rsvp page of invitation %d: %w", inv.ID, err)
	}
	v.Location = v.Event.Location()
	if err := s.rsvpPlace(q, v); err != nil {
		return nil, fmt.Errorf("rsvp page of invitation %d: %w", inv.ID, err)
	}
	if err := rsvpProgramme(q, v); err != nil {
		return nil, fmt.Errorf("rsvp page of invitation %d: %w", inv.ID, err)
	}
	v.Deadline = rsvpDeadline(inv, v.Event)
	v.Closed = rsvpClosed(v.Event, v.Deadline, s.now())
	if inv.ResponseChannel == domain.ChannelLink {
		v.Note = inv.Note
	}
	return v, nil
}

// rsvpPlace fills the hosts and the venue.
func (s *Service) rsvpPlace(q *store.Q, v *RSVPView) error {
	for _, id := range v.Event.HostOrganizationIDs {
		o, err := q.GetOrganization(id)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		v.Hosts = append(v.Hosts, o)
	}
	if v.Event.VenueID != nil {
		venue, err := q.GetVenue(*v.Event.VenueID)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		v.Venue = venue
	}
	return nil
}

// rsvpProgramme fills the delegation, the companion limit, the sessions that concern the
// delegate and their rooms.
func rsvpProgramme(q *store.Q, v *RSVPView) error {
	delegations, err := q.ListDelegations(v.Event.ID)
	if err != nil {
		return err
	}
	for _, d := range delegations {
		if v.Invitation.DelegationID != nil && d.ID == *v.Invitation.DelegationID {
			v.Delegation = d
			// The same room checkInvitation allows, so the page never offers more.
			if d.SizeLimit > 0 {
				v.MaxCompanions = max(d.SizeLimit-len(d.Members), 0)
			}
			break
		}
		if v.Invitation.DelegationID == nil && v.Delegation == nil && d.HasMember(v.Person.ID) {
			v.Delegation = d
		}
	}
	if v.Delegation != nil {
		org, err := q.GetOrganization(v.Delegation.OrganizationID)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return err
		}
		v.DelegationOrg = org
	}
	sessions, err := q.ListSessions(v.Event.ID)
	if err != nil {
		return err
	}
	for _, ss := range sessions {
		if v.Delegation != nil && len(ss.DelegationIDs) > 0 && !slices.Contains(ss.DelegationIDs, v.Delegation.ID) {
			continue
		}
		v.Sessions = append(v.Sessions, ss)
		if ss.RoomID == nil {
			continue
		}
		if _, done := v.Rooms[*ss.RoomID]; done {
			continue
		}
		room, err := q.GetRoom(*ss.RoomID)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		v.Rooms[room.ID] = room.Name
	}
	return nil
}

// rsvpDeadline is the invitation's own deadline, else the event's.
func rsvpDeadline(inv *domain.Invitation, ev *domain.Event) *time.Time {
	if inv.Deadline != nil {
		return inv.Deadline
	}
	return ev.RSVPDeadline
}

// rsvpClosed says whether a link still takes answers at now. A cancelled event takes
// none, nor one that took place; after the deadline only an officer records a change
// (through the API), since the office has already planned with the answers it had.
func rsvpClosed(ev *domain.Event, deadline *time.Time, now time.Time) RSVPClosed {
	switch {
	case ev.Status == domain.StatusCancelled:
		return RSVPClosedCancelled
	case ev.Status == domain.StatusCompleted:
		return RSVPClosedCompleted
	case deadline != nil && now.After(*deadline):
		return RSVPClosedDeadline
	}
	return RSVPOpen
}

// rsvpFormToken is the answer form's hidden field: an HMAC of the invitation and its
// current nonce, apart from the link's own token by its prefix. A POST without it (a
// scanner, a crafted link) records nothing; rotating the link changes it too.
func (s *Service) rsvpFormToken(inv *domain.Invitation) string {
	return base64.RawURLEncoding.EncodeToString(s.mac("rsvp-form", strconv.FormatInt(inv.ID, 10), inv.RSVPNonce))
}

// RecordRSVP records a delegate's answer sent from their page: the invitation's response,
// companions and note, channel link, and a line in the answer history with an audit
// entry, all in one transaction under the invitation's row lock. It refuses a missing or
// wrong form token (domain.ErrForbidden), answers other than accepted, tentative and
// declined, companions beyond the delegation's room, and any answer once the link is
// closed (a domain.ConflictError naming "deadline" or "status"). A declined answer keeps
// no companions: nobody comes.
func (s *Service) RecordRSVP(ctx context.Context, token string, a RSVPAnswer) (*domain.Invitation, error) {
	found, err := s.InvitationByRSVPToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if a.FormToken == "" || !hmac.Equal([]byte(a.FormToken), []byte(s.rsvpFormToken(found))) {
		return nil, fmt.Errorf("rsvp form token: %w", domain.ErrForbidden)
	}
	actor := found.Email
	if actor == "" {
		actor = "delegate"
	}
	ctx = WithActor(ctx, Actor{Name: actor})
	var out *domain.Invitation
	err = s.st.InTx(ctx, func(q *store.Q) error {
		inv, err := q.GetInvitationForUpdate(found.ID)
		if err != nil {
			return err
		}
		if inv.RSVPNonce != found.RSVPNonce { // the link was revoked a moment ago
			return domain.ErrNotFound
		}
		ev, err := q.GetEvent(inv.EventID)
		if err != nil {
			return err
		}
		deadline := rsvpDeadline(inv, ev)
		if err := rsvpRefusal(rsvpClosed(ev, deadline, s.now()), ev, deadline); err != nil {
			return err
		}
		// needs-action and delegated are not a guest's answer to send from a form.
		if err := domain.OneOf("response", a.Response, domain.ResponseAccepted, domain.ResponseTentative, domain.ResponseDeclined); err != nil {
			return err
		}
		before := *inv
		before.Companions = slices.Clone(inv.Companions)
		s.applyRSVP(inv, a)
		if err := s.checkInvitation(q, inv); err != nil {
			return err
		}
		if err := q.UpdateInvitation(inv); err != nil {
			return err
		}
		e := &domain.ResponseEntry{InvitationID: inv.ID, Response: inv.Response, Channel: domain.ChannelLink,
			Actor: actor, Note: inv.Note, Companions: slices.Clone(inv.Companions), CreatedAt: *inv.RespondedAt}
		if err := q.AddResponse(e); err != nil {
			return fmt.Errorf("record answer of invitation %d: %w", inv.ID, err)
		}
		if out, err = q.GetInvitation(inv.ID); err != nil {
			return err
		}
		return s.audit(ctx, q, "rsvp", "invitation", inv.ID, auditedInvitation(&before), auditedInvitation(out))
	})
	if err != nil {
		return nil, err
	}
	return s.withRSVPURL(out), nil
}

// applyRSVP writes the answer into the invitation, stamped as given through the link now.
func (s *Service) applyRSVP(inv *domain.Invitation, a RSVPAnswer) {
	companions := []string{}
	if a.Response != domain.ResponseDeclined {
		for _, c := range a.Companions {
			if c = strings.TrimSpace(c); c != "" {
				companions = append(companions, c)
			}
		}
	}
	now := s.now()
	inv.Response, inv.Companions, inv.Note = a.Response, companions, strings.TrimSpace(a.Note)
	inv.ResponseChannel, inv.RespondedAt = domain.ChannelLink, &now
}

// rsvpRefusal turns a closed link into the error RecordRSVP returns.
func rsvpRefusal(closed RSVPClosed, ev *domain.Event, deadline *time.Time) error {
	switch closed {
	case RSVPClosedCancelled:
		return domain.Conflict("status", "the event is cancelled: answers are closed")
	case RSVPClosedCompleted:
		return domain.Conflict("status", "the event has taken place: answers are closed")
	case RSVPClosedDeadline:
		return domain.Conflict("deadline", "the deadline for answers passed at %s; an officer can still record a change",
			deadline.In(ev.Location()).Format(time.RFC3339))
	}
	return nil
}
