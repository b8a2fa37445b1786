// Package calendar turns Attaché's meetings into iCalendar (RFC 5545) objects that
// Outlook, Gmail, Apple Calendar and Thunderbird accept: invitations (METHOD:REQUEST),
// cancellations (METHOD:CANCEL) and subscription feeds (METHOD:PUBLISH). It knows nothing
// of the database: the service maps its domain objects to the plain values below.
// The rules it follows are in shared/interop.md.
package calendar

import "time"

// Method is the iTIP method of a calendar object (RFC 5546).
type Method string

// Methods.
const (
	MethodRequest Method = "REQUEST"
	MethodCancel  Method = "CANCEL"
	MethodPublish Method = "PUBLISH"
)

// Organizer is the ORGANIZER: the mailbox whose replies Attaché reads. SentBy is set
// when the message is sent from another address than the organizer's.
type Organizer struct {
	Name   string
	Email  string
	SentBy string
}

// Attendee is one ATTENDEE line.
type Attendee struct {
	Name     string
	Email    string
	Role     string // REQ-PARTICIPANT (default), OPT-PARTICIPANT, NON-PARTICIPANT, CHAIR
	PartStat string // NEEDS-ACTION (default), ACCEPTED, DECLINED, TENTATIVE, DELEGATED
	RSVP     bool
}

// Event is one VEVENT: an event or one programme session of it.
type Event struct {
	UID          string
	Sequence     int
	Stamp        time.Time // DTSTAMP; zero means "now"
	Created      time.Time
	LastModified time.Time
	Summary      string
	Description  string
	Location     string
	URL          string
	Categories   []string
	Start, End   time.Time
	// TZID is the IANA zone the times are written in (with a VTIMEZONE); empty writes UTC.
	TZID      string
	Status    string // CONFIRMED, TENTATIVE or CANCELLED
	Organizer *Organizer
	Attendees []Attendee
	// RelatedTo is the UID of the event a session belongs to (RELATED-TO;RELTYPE=PARENT).
	RelatedTo string
}

// Calendar is one VCALENDAR: a message's object or a feed.
type Calendar struct {
	Method Method
	// Name titles a feed (NAME, X-WR-CALNAME); RefreshInterval sets REFRESH-INTERVAL and
	// X-PUBLISHED-TTL. Both are for feeds only.
	Name            string
	RefreshInterval time.Duration
	Events          []Event
}

// The encoder lives in encode.go:
//
//	func Encode(c *Calendar, now time.Time) ([]byte, error)
//
// returns the object with CRLF line ends, lines folded at 75 octets without splitting a
// UTF-8 sequence, one VTIMEZONE per TZID used, and DTSTAMP = now where an event has none.
//
//	func (c *Calendar) ContentType() string
//
// is "text/calendar; method=REQUEST; charset=UTF-8" for messages and
// "text/calendar; charset=utf-8" for feeds.
