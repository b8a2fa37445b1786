package service

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/store"
)

// InvitationFilter narrows Invitations; it is the store's, named here so that handlers
// need not import the store (the front layer reaches it only through the service).
type InvitationFilter = store.InvitationFilter

// CreateInvitation invites a person to an event. E-mail and language default to the
// person's, so that an officer only names who is invited. The invitation starts as a
// draft with its own RSVP link; a response given at creation (an answer taken by phone
// before the mail went out) is recorded in the history like any officer's answer.
func (s *Service) CreateInvitation(ctx context.Context, inv *domain.Invitation) error {
	if inv.PersonID == 0 {
		return domain.Invalid("person_id", "is required")
	}
	inv.SendState, inv.LastError, inv.SentAt = domain.SendDraft, "", nil
	err := s.st.InTx(ctx, func(q *store.Q) error {
		if err := eventMustExist(q, inv.EventID); err != nil {
			return err
		}
		p, err := q.GetPerson(inv.PersonID)
		if errors.Is(err, domain.ErrNotFound) {
			return domain.Invalid("person_id", "person %d does not exist", inv.PersonID)
		}
		if err != nil {
			return err
		}
		if inv.Email == "" {
			inv.Email = p.Email
		}
		if inv.Language == "" {
			inv.Language = p.Language
		}
		if err := s.checkInvitation(q, inv); err != nil {
			return err
		}
		answered := inv.Answered()
		if answered {
			s.stampOfficerAnswer(inv)
		}
		// rsvp_lookup is unique and its value needs the id: hold the place with a random
		// value that is no token's hash, then issue the link in the same transaction.
		if err := q.CreateInvitation(inv, "pending:"+newRSVPNonce()); err != nil {
			return err
		}
		if err := s.issueRSVP(q, inv); err != nil {
			return err
		}
		stored, err := q.GetInvitation(inv.ID)
		if err != nil {
			return err
		}
		*inv = *stored
		if answered {
			if err := s.addOfficerAnswer(ctx, q, inv); err != nil {
				return err
			}
		}
		return s.audit(ctx, q, "create", "invitation", inv.ID, nil, auditedInvitation(inv))
	})
	if err != nil {
		return err
	}
	s.withRSVPURL(inv)
	return nil
}

// Invitation reads one invitation with its RSVP link.
func (s *Service) Invitation(ctx context.Context, id int64) (*domain.Invitation, error) {
	inv, err := s.st.Q(ctx).GetInvitation(id)
	if err != nil {
		return nil, err
	}
	return s.withRSVPURL(inv), nil
}

// Invitations lists an event's invitations (f.EventID is required) with their links.
func (s *Service) Invitations(ctx context.Context, f InvitationFilter, p store.Page) ([]*domain.Invitation, string, error) {
	// A misspelt filter would silently list nothing; name it instead.
	if f.Response != "" {
		if err := domain.OneOf("response", f.Response, domain.ResponseNeedsAction, domain.ResponseAccepted,
			domain.ResponseDeclined, domain.ResponseTentative, domain.ResponseDelegated); err != nil {
			return nil, "", err
		}
	}
	if f.SendState != "" {
		if err := domain.OneOf("send_state", f.SendState, domain.SendStates()...); err != nil {
			return nil, "", err
		}
	}
	q := s.st.Q(ctx)
	if err := eventMustExist(q, f.EventID); err != nil {
		return nil, "", err
	}
	items, next, err := q.ListInvitations(f, p)
	if err != nil {
		return nil, "", err
	}
	for _, inv := range items {
		s.withRSVPURL(inv)
	}
	return items, next, nil
}

// InvitationUpdate is an officer's change to an invitation.
type InvitationUpdate struct {
	// Apply changes the fields the officer sent.
	Apply func(*domain.Invitation) error
	// Answer says the officer records the guest's answer (the change names a response):
	// the invitation is stamped with channel officer and the answer joins the history.
	Answer bool
}

// UpdateInvitation applies an officer's change. The event, the person and the send state
// can not change here: the send state moves only with sending, and another person needs
// an invitation of their own (with its own link and history).
func (s *Service) UpdateInvitation(ctx context.Context, id int64, u InvitationUpdate) (*domain.Invitation, error) {
	var out *domain.Invitation
	err := s.st.InTx(ctx, func(q *store.Q) error {
		inv, err := q.GetInvitationForUpdate(id)
		if err != nil {
			return err
		}
		before := *inv
		before.Companions = slices.Clone(inv.Companions)
		if err := u.Apply(inv); err != nil {
			return err
		}
		if err := unchangedInvitationKeys(&before, inv); err != nil {
			return err
		}
		if err := s.checkInvitation(q, inv); err != nil {
			return err
		}
		if u.Answer {
			s.stampOfficerAnswer(inv)
		}
		if err := q.UpdateInvitation(inv); err != nil {
			return err
		}
		if u.Answer {
			if err := s.addOfficerAnswer(ctx, q, inv); err != nil {
				return err
			}
		}
		if out, err = q.GetInvitation(id); err != nil {
			return err
		}
		return s.audit(ctx, q, "update", "invitation", id, auditedInvitation(&before), auditedInvitation(out))
	})
	if err != nil {
		return nil, err
	}
	return s.withRSVPURL(out), nil
}

// DeleteInvitation removes a draft invitation, which no mail has announced. Any other is
// withdrawn instead: the guest is sent a CANCEL for the event and every session they
// were sent, and the invitation stays as withdrawn with its answers and mail history
// (naming it in a new send re-invites the guest). Withdrawing a withdrawn invitation
// changes nothing.
func (s *Service) DeleteInvitation(ctx context.Context, id int64) error {
	return s.st.InTx(ctx, func(q *store.Q) error {
		inv, err := q.GetInvitationForUpdate(id)
		if err != nil {
			return err
		}
		switch inv.SendState {
		case domain.SendDraft:
			if err := q.DeleteInvitation(id); err != nil {
				return err
			}
			return s.audit(ctx, q, "delete", "invitation", id, auditedInvitation(inv), nil)
		case domain.SendWithdrawn:
			return nil
		}
		if err := q.SetInvitationSendState(id, domain.SendWithdrawn, "", nil, s.now()); err != nil {
			return err
		}
		after, err := q.GetInvitation(id)
		if err != nil {
			return err
		}
		if err := s.withdrawn(ctx, q, after); err != nil {
			return err
		}
		return s.audit(ctx, q, "withdraw", "invitation", id, auditedInvitation(inv), auditedInvitation(after))
	})
}

// Responses lists an invitation's answer history, oldest first.
func (s *Service) Responses(ctx context.Context, invitationID int64, p store.Page) ([]*domain.ResponseEntry, string, error) {
	q := s.st.Q(ctx)
	id, err := q.Missing("invitation", invitationID)
	if err != nil {
		return nil, "", err
	}
	if id != 0 {
		return nil, "", domain.NotFound("invitation")
	}
	return q.ListResponses(invitationID, p)
}

// checkInvitation normalizes and validates inv against its delegation: the delegation
// must be of the same event and count the person among its members, and the companions
// must fit in the room its size limit leaves beside the members. Without a delegation,
// or with a delegation without a size limit, companions are not limited in number.
func (s *Service) checkInvitation(q *store.Q, inv *domain.Invitation) error {
	inv.Normalize()
	room := -1
	if inv.DelegationID != nil {
		d, err := q.GetDelegation(*inv.DelegationID)
		if errors.Is(err, domain.ErrNotFound) {
			return domain.Invalid("delegation_id", "delegation %d does not exist", *inv.DelegationID)
		}
		if err != nil {
			return err
		}
		if d.EventID != inv.EventID {
			return domain.Invalid("delegation_id", "delegation %d belongs to another event", d.ID)
		}
		if !d.HasMember(inv.PersonID) {
			return domain.Invalid("delegation_id", "person %d is not a member of delegation %d", inv.PersonID, d.ID)
		}
		if d.SizeLimit > 0 {
			room = max(d.SizeLimit-len(d.Members), 0)
		}
	}
	return inv.Validate(room)
}

// unchangedInvitationKeys refuses changes to what identifies an invitation or follows
// its mail.
func unchangedInvitationKeys(before, after *domain.Invitation) error {
	switch {
	case after.ID != before.ID, after.EventID != before.EventID:
		return domain.Invalid("event_id", "can not change")
	case after.PersonID != before.PersonID:
		return domain.Invalid("person_id", "can not change; invite the other person with an invitation of their own")
	case after.SendState != before.SendState:
		return domain.Invalid("send_state", "moves with sending and can not be set")
	}
	return nil
}

// stampOfficerAnswer marks the invitation's current response as taken by an officer now.
func (s *Service) stampOfficerAnswer(inv *domain.Invitation) {
	now := s.now()
	inv.ResponseChannel, inv.RespondedAt = domain.ChannelOfficer, &now
}

// addOfficerAnswer appends the invitation's answer, as it now stands, to its history
// with the officer as actor.
func (s *Service) addOfficerAnswer(ctx context.Context, q *store.Q, inv *domain.Invitation) error {
	e := &domain.ResponseEntry{InvitationID: inv.ID, Response: inv.Response, Channel: domain.ChannelOfficer,
		Actor: ActorFrom(ctx).Name, Note: inv.Note, Companions: slices.Clone(inv.Companions), CreatedAt: *inv.RespondedAt}
	if err := q.AddResponse(e); err != nil {
		return fmt.Errorf("record answer of invitation %d: %w", inv.ID, err)
	}
	return nil
}

// auditedInvitation is the copy of an invitation the audit trail keeps: without its link,
// since the audit table must not hold a working token either.
func auditedInvitation(inv *domain.Invitation) *domain.Invitation {
	c := *inv
	c.RSVPURL, c.RSVPNonce = "", ""
	return &c
}
