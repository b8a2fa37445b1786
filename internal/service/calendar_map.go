package service

import (
	"strings"
	"time"

	"github.com/attache-app/attache/internal/calendar"
	"github.com/attache-app/attache/internal/domain"
	"github.com/attache-app/attache/internal/i18n"
	"github.com/attache-app/attache/internal/store"
)

// This file maps Attaché's events and sessions to calendar values. The same UIDs serve
// invitations and feeds, so a client that has both shows one entry (interop.md §3).

// feedRefresh is the REFRESH-INTERVAL feeds ask for; clients may poll less often.
const feedRefresh = time.Hour

// feedCalendar is a feed: PUBLISH, named, and without ATTENDEE or ORGANIZER, since a
// feed link is passed around and an attendee list is personal data (interop.md §3).
// Events come first in order of start, then sessions in order of start.
func feedCalendar(name string, d *store.FeedData) *calendar.Calendar {
	c := &calendar.Calendar{Method: calendar.MethodPublish, Name: name, RefreshInterval: feedRefresh,
		Events: make([]calendar.Event, 0, len(d.Events)+len(d.Sessions))}
	for _, e := range d.Events {
		ev := eventVEvent(e, d.Hosts[e.ID], eventPlace(e, d))
		// Without METHOD semantics a feed's DTSTAMP is its LAST-MODIFIED (RFC 5545
		// §3.8.7.2); it also keeps the body a function of the data, as the ETag assumes.
		ev.Stamp = ev.LastModified
		c.Events = append(c.Events, ev)
	}
	for _, ss := range d.Sessions {
		parent := d.Event(ss.EventID)
		if parent == nil {
			continue // the session's event was deleted between two queries
		}
		ev := sessionVEvent(ss, parent, sessionPlace(ss, parent, d))
		ev.Stamp = ev.LastModified
		c.Events = append(c.Events, ev)
	}
	return c
}

// eventVEvent maps an event. SUMMARY carries the series ordinal ("299th anniversary: …"),
// which is derived and so never typed into the title.
func eventVEvent(e *domain.Event, hosts []string, location string) calendar.Event {
	summary := e.Title
	if e.Ordinal != nil && *e.Ordinal > 0 {
		summary = i18n.Default().Anniversary(*e.Ordinal) + ": " + e.Title
	}
	desc := e.Description
	if len(hosts) > 0 {
		desc = joinParagraphs(desc, "Hosts: "+strings.Join(hosts, ", "))
	}
	return calendar.Event{
		UID: e.UID, Sequence: e.Sequence, Created: e.CreatedAt, LastModified: e.UpdatedAt,
		Summary: summary, Description: desc, Location: location, Categories: []string{string(e.Kind)},
		Start: e.StartsAt, End: e.EndsAt, TZID: e.Timezone, Status: eventStatus(e.Status),
	}
}

// sessionVEvent maps a programme session to a VEVENT of its own, RELATED-TO its event.
// A session shows its event's state: cancelled with a cancelled event, tentative while
// the event is a draft or postponed. So that clients take such a change, its SEQUENCE is
// its own plus its event's: both only ever rise, so the sum rises with either.
func sessionVEvent(ss *store.FeedSession, parent *domain.Event, location string) calendar.Event {
	desc := ss.Agenda
	if len(ss.Parties) > 0 {
		desc = joinParagraphs(desc, "Parties: "+strings.Join(ss.Parties, ", "))
	}
	desc = joinParagraphs(desc, "Part of: "+parent.Title)
	modified := ss.UpdatedAt
	if parent.UpdatedAt.After(modified) {
		modified = parent.UpdatedAt
	}
	return calendar.Event{
		UID: ss.UID, Sequence: ss.Sequence + parent.Sequence, Created: ss.CreatedAt, LastModified: modified,
		Summary: ss.Title, Description: desc, Location: location, Categories: []string{string(ss.Kind)},
		Start: ss.StartsAt, End: ss.EndsAt, TZID: parent.Timezone, Status: sessionStatus(ss.Session, parent),
		RelatedTo: parent.UID,
	}
}

// eventStatus is STATUS: a draft or postponed event is TENTATIVE, a cancelled one
// CANCELLED, anything else (scheduled, completed) CONFIRMED.
func eventStatus(s domain.EventStatus) string {
	switch s {
	case domain.StatusCancelled:
		return "CANCELLED"
	case domain.StatusDraft, domain.StatusPostponed:
		return "TENTATIVE"
	}
	return "CONFIRMED"
}

func sessionStatus(ss *domain.Session, parent *domain.Event) string {
	if ss.Status == domain.SessionCancelled {
		return "CANCELLED"
	}
	return eventStatus(parent.Status)
}

// partStat is an answer as PARTSTAT: the domain names responses after it.
func partStat(r domain.Response) string {
	if r == "" {
		return "NEEDS-ACTION"
	}
	return strings.ToUpper(string(r))
}

// eventPlace is an event's LOCATION: venue and city.
func eventPlace(e *domain.Event, d *store.FeedData) string {
	if e.VenueID == nil {
		return ""
	}
	v := d.Venues[*e.VenueID]
	if v == nil {
		return ""
	}
	return joinNonEmpty(", ", v.Name, v.City)
}

// sessionPlace is a session's LOCATION: room, the room's venue (else the event's) and city.
func sessionPlace(ss *store.FeedSession, parent *domain.Event, d *store.FeedData) string {
	var room string
	var v *domain.Venue
	if ss.RoomID != nil {
		if r := d.Rooms[*ss.RoomID]; r != nil {
			room, v = r.Name, d.Venues[r.VenueID]
		}
	}
	if v == nil && parent.VenueID != nil {
		v = d.Venues[*parent.VenueID]
	}
	if v == nil {
		return room
	}
	return joinNonEmpty(", ", room, v.Name, v.City)
}

func joinNonEmpty(sep string, parts ...string) string {
	out := parts[:0:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

func joinParagraphs(parts ...string) string { return joinNonEmpty("\n\n", parts...) }
