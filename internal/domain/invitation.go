package domain

import (
	"strings"
	"time"

	"golang.org/x/text/language"
)

// Response is a guest's answer, named as iCalendar's PARTSTAT in lower case.
type Response string

// Responses.
const (
	ResponseNeedsAction Response = "needs-action"
	ResponseAccepted    Response = "accepted"
	ResponseDeclined    Response = "declined"
	ResponseTentative   Response = "tentative"
	ResponseDelegated   Response = "delegated"
)

// SendState follows an invitation's mail: draft → queued → sent, or failed (the server
// refused it, or it could not be delivered after every retry) or undeliverable (a bounce
// came back). Queuing again moves failed and undeliverable back to queued. Withdrawn
// means the guest was removed after mail went out: they were sent a cancellation and
// the invitation stays, with its history, instead of being deleted; naming it in a new
// send re-invites them.
type SendState string

// Send states.
const (
	SendDraft         SendState = "draft"
	SendQueued        SendState = "queued"
	SendSent          SendState = "sent"
	SendFailed        SendState = "failed"
	SendUndeliverable SendState = "undeliverable"
	SendWithdrawn     SendState = "withdrawn"
)

// SendStates lists every send state, for validation and filters.
func SendStates() []SendState {
	return []SendState{SendDraft, SendQueued, SendSent, SendFailed, SendUndeliverable, SendWithdrawn}
}

// Channel is how a response reached us.
type Channel string

// Channels.
const (
	ChannelLink    Channel = "link"
	ChannelEmail   Channel = "email"
	ChannelOfficer Channel = "officer"
)

// Invitation is one person invited to one event, optionally as part of a delegation.
// The RSVP token is never stored: it is derived from the id and RSVPNonce under the
// secret key (see service), so a leaked database holds no working link.
type Invitation struct {
	ID              int64      `json:"id"`
	EventID         int64      `json:"event_id"`
	PersonID        int64      `json:"person_id"`
	DelegationID    *int64     `json:"delegation_id"`
	Email           string     `json:"email"`
	Language        string     `json:"language"`
	Response        Response   `json:"response"`
	ResponseChannel Channel    `json:"response_channel"`
	RespondedAt     *time.Time `json:"responded_at"`
	Companions      []string   `json:"companions"`
	Note            string     `json:"note"`
	SendState       SendState  `json:"send_state"`
	LastError       string     `json:"last_error"`
	SentAt          *time.Time `json:"sent_at"`
	Deadline        *time.Time `json:"deadline"`
	RSVPNonce       string     `json:"-"`
	RSVPURL         string     `json:"rsvp_url"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// Normalize fills defaults, canonicalises the language tag, as Person does, so that
// "EN-gb" and "en-GB" pick the same mail template, and keeps the deadline in UTC.
func (i *Invitation) Normalize() {
	i.Email = NormalizeEmail(i.Email)
	if t, err := language.Parse(i.Language); err == nil {
		i.Language = t.String()
	}
	if i.Response == "" {
		i.Response = ResponseNeedsAction
	}
	if i.SendState == "" {
		i.SendState = SendDraft
	}
	if i.Companions == nil {
		i.Companions = []string{}
	}
	for k, c := range i.Companions {
		i.Companions[k] = strings.TrimSpace(c)
	}
	i.Deadline = instantUTC(i.Deadline)
}

// instantUTC returns the instant in UTC, as every time is stored and returned.
func instantUTC(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Validate checks the invitation's fields. maxCompanions is the room left in the guest's
// delegation (negative: no limit).
func (i *Invitation) Validate(maxCompanions int) error {
	if i.PersonID == 0 {
		return Invalid("person_id", "is required")
	}
	if err := First(
		Email("email", i.Email, true),
		OneOf("response", i.Response, ResponseNeedsAction, ResponseAccepted, ResponseDeclined, ResponseTentative, ResponseDelegated),
		OneOf("send_state", i.SendState, SendStates()...),
		Text("note", i.Note, 2000),
	); err != nil {
		return err
	}
	if _, err := Language("language", i.Language); err != nil {
		return err
	}
	for k, c := range i.Companions {
		if err := Line("companions", c, true, 200); err != nil {
			return Invalid("companions", "companion %d: %s", k+1, err.(*ValidationError).Message)
		}
	}
	if maxCompanions >= 0 && len(i.Companions) > maxCompanions {
		return Invalid("companions", "at most %d accompanying members may be named", maxCompanions)
	}
	return nil
}

// Answered reports whether the guest has given an answer.
func (i *Invitation) Answered() bool { return i.Response != ResponseNeedsAction }

// ResponseEntry is one line of the append-only history of answers.
type ResponseEntry struct {
	ID               int64     `json:"id"`
	InvitationID     int64     `json:"invitation_id"`
	Response         Response  `json:"response"`
	Channel          Channel   `json:"channel"`
	Actor            string    `json:"actor"`
	Note             string    `json:"note"`
	Companions       []string  `json:"companions"`
	InboundMessageID *int64    `json:"inbound_message_id"`
	CreatedAt        time.Time `json:"created_at"`
}

// OutcomeKind is what a meeting produced.
type OutcomeKind string

// Outcome kinds.
const (
	OutcomeAgreement OutcomeKind = "agreement_signed"
	OutcomeAward     OutcomeKind = "award_presented"
	OutcomeStatement OutcomeKind = "statement"
)

// Outcome records a result against a session: a programme signed, an award presented.
type Outcome struct {
	ID            int64       `json:"id"`
	SessionID     int64       `json:"session_id"`
	Kind          OutcomeKind `json:"kind"`
	Title         string      `json:"title"`
	Reference     string      `json:"reference"`
	DelegationIDs []int64     `json:"delegation_ids"`
	PersonID      *int64      `json:"person_id"`
}

// Validate checks the outcome's fields.
func (o *Outcome) Validate() error {
	if o.DelegationIDs == nil {
		o.DelegationIDs = []int64{}
	}
	return First(
		OneOf("kind", o.Kind, OutcomeAgreement, OutcomeAward, OutcomeStatement),
		Line("title", o.Title, true, 500),
		Line("reference", o.Reference, false, 200),
	)
}
