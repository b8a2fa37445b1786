package store

import (
	"time"

	"github.com/attache-app/attache/internal/domain"
)

// Queries of the officer web UI's administration pages: the directory, a person's and an
// organization's history across events, and the audit log filtered by actor. Each list
// is one query per table, whatever its length.

// OrganizationsByID reads the listed organizations in one query; absent ids are absent
// from the map.
func (q *Q) OrganizationsByID(ids []int64) (map[int64]*domain.Organization, error) {
	out := make(map[int64]*domain.Organization, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []organizationRow
	if err := q.db.Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, translate(err, "organizations")
	}
	for i := range rows {
		out[rows[i].ID] = orgFromRow(&rows[i])
	}
	return out, nil
}

// EventTitles reads the titles of the listed events in one query.
func (q *Q) EventTitles(ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID    int64
		Title string
	}
	if err := q.db.Model(&eventRow{}).Select("id, title").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, translate(err, "event titles")
	}
	for _, r := range rows {
		out[r.ID] = r.Title
	}
	return out, nil
}

// EventRef is an event as a list of someone's history shows it.
type EventRef struct {
	ID       int64
	Title    string
	Status   domain.EventStatus
	Timezone string
	StartsAt time.Time
}

// PersonInvitation is one invitation of a person, with its event and delegation.
type PersonInvitation struct {
	InvitationID int64
	Event        EventRef
	DelegationID *int64
	// Delegation is the name of the delegation's organization ("" without one).
	Delegation  string
	Email       string
	Language    string
	Response    domain.Response
	Channel     domain.Channel
	RespondedAt *time.Time
	SendState   domain.SendState
	SentAt      *time.Time
}

// historyLimit bounds a history list; a person or organization with more is an anomaly
// the page says it cut.
const historyLimit = 500

// PersonInvitations lists every invitation of a person across events, newest event
// first, in one query joining invitations, events and delegations.
func (q *Q) PersonInvitations(personID int64) ([]PersonInvitation, error) {
	var rows []struct {
		InvitationID    int64
		EventID         int64
		Title           string
		Status          string
		Timezone        string
		StartsAt        time.Time
		DelegationID    *int64
		OrgName         *string
		Email           string
		Language        string
		Response        string
		ResponseChannel string
		RespondedAt     *time.Time
		SendState       string
		SentAt          *time.Time
	}
	err := q.db.Table("invitations").
		Select("invitations.id AS invitation_id, events.id AS event_id, events.title, events.status, events.timezone, "+
			"events.starts_at, invitations.delegation_id, organizations.name AS org_name, invitations.email, "+
			"invitations.language, invitations.response, invitations.response_channel, invitations.responded_at, "+
			"invitations.send_state, invitations.sent_at").
		Joins("JOIN events ON events.id = invitations.event_id").
		Joins("LEFT JOIN delegations ON delegations.id = invitations.delegation_id").
		Joins("LEFT JOIN organizations ON organizations.id = delegations.organization_id").
		Where("invitations.person_id = ?", personID).
		Order("events.starts_at DESC, invitations.id DESC").Limit(historyLimit).
		Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "person history")
	}
	out := make([]PersonInvitation, len(rows))
	for i, r := range rows {
		out[i] = PersonInvitation{InvitationID: r.InvitationID,
			Event:        EventRef{ID: r.EventID, Title: r.Title, Status: domain.EventStatus(r.Status), Timezone: r.Timezone, StartsAt: r.StartsAt.UTC()},
			DelegationID: r.DelegationID, Email: r.Email, Language: r.Language, Response: domain.Response(r.Response),
			Channel: domain.Channel(r.ResponseChannel), RespondedAt: storedInstant(r.RespondedAt),
			SendState: domain.SendState(r.SendState), SentAt: storedInstant(r.SentAt)}
		if r.OrgName != nil {
			out[i].Delegation = *r.OrgName
		}
	}
	return out, nil
}

// OrganizationDelegation is one delegation an organization sent to an event.
type OrganizationDelegation struct {
	DelegationID int64
	Event        EventRef
	HeadPersonID *int64
	Head         string // the head's primary full name
	Members      int
}

// OrganizationDelegations lists an organization's delegations, newest event first: one
// query joining delegations, events and the head, members counted in the same query.
func (q *Q) OrganizationDelegations(orgID int64) ([]OrganizationDelegation, error) {
	var rows []struct {
		DelegationID int64
		EventID      int64
		Title        string
		Status       string
		Timezone     string
		StartsAt     time.Time
		HeadPersonID *int64
		Head         *string
		Members      int
	}
	err := q.db.Table("delegations").
		Select("delegations.id AS delegation_id, events.id AS event_id, events.title, events.status, events.timezone, "+
			"events.starts_at, delegations.head_person_id, people.full_name AS head, "+
			"(SELECT COUNT(*) FROM delegation_members WHERE delegation_members.delegation_id = delegations.id) AS members").
		Joins("JOIN events ON events.id = delegations.event_id").
		Joins("LEFT JOIN people ON people.id = delegations.head_person_id").
		Where("delegations.organization_id = ?", orgID).
		Order("events.starts_at DESC, delegations.id DESC").Limit(historyLimit).
		Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "organization delegations")
	}
	out := make([]OrganizationDelegation, len(rows))
	for i, r := range rows {
		out[i] = OrganizationDelegation{DelegationID: r.DelegationID,
			Event:        EventRef{ID: r.EventID, Title: r.Title, Status: domain.EventStatus(r.Status), Timezone: r.Timezone, StartsAt: r.StartsAt.UTC()},
			HeadPersonID: r.HeadPersonID, Members: r.Members}
		if r.Head != nil {
			out[i].Head = *r.Head
		}
	}
	return out, nil
}

// HostedEvents lists the events an organization hosts, newest first.
func (q *Q) HostedEvents(orgID int64) ([]EventRef, error) {
	var rows []struct {
		ID       int64
		Title    string
		Status   string
		Timezone string
		StartsAt time.Time
	}
	err := q.db.Table("event_hosts").
		Select("events.id, events.title, events.status, events.timezone, events.starts_at").
		Joins("JOIN events ON events.id = event_hosts.event_id").
		Where("event_hosts.organization_id = ?", orgID).
		Order("events.starts_at DESC, events.id DESC").Limit(historyLimit).
		Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "hosted events")
	}
	out := make([]EventRef, len(rows))
	for i, r := range rows {
		out[i] = EventRef{ID: r.ID, Title: r.Title, Status: domain.EventStatus(r.Status), Timezone: r.Timezone, StartsAt: r.StartsAt.UTC()}
	}
	return out, nil
}
