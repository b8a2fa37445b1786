package store

import (
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/attache-app/attache/internal/domain"
)

// FeedScope is what a subscribed calendar shows.
type FeedScope string

// Feed scopes. Public has no token: it is the one feed anyone may read.
const (
	FeedPerson     FeedScope = "person"     // events a person is invited to and has not declined, their delegations' sessions and the events' open sessions
	FeedDelegation FeedScope = "delegation" // a delegation's event, the sessions it is party to and the event's open sessions
	FeedEvent      FeedScope = "event"      // an event and its whole programme
	FeedOfficer    FeedScope = "officer"    // everything, as every officer role may read every event
	FeedPublic     FeedScope = "public"     // events marked public, with their programme
)

// FeedToken is a stored feed link: its scope and target, never the token. InvitationID
// is set on a person's personal link, which is derived from the invitation (see service).
type FeedToken struct {
	ID           int64      `json:"id"`
	Scope        FeedScope  `json:"scope"`
	PersonID     *int64     `json:"person_id,omitempty"`
	DelegationID *int64     `json:"delegation_id,omitempty"`
	EventID      *int64     `json:"event_id,omitempty"`
	UserID       *int64     `json:"user_id,omitempty"`
	InvitationID *int64     `json:"invitation_id,omitempty"`
	Name         string     `json:"name"`
	CreatedBy    *int64     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	RevokedAt    *time.Time `json:"revoked_at"`
}

// FeedSelection is what a feed shows: a scope and, but for officer and public, its
// target's id.
type FeedSelection struct {
	Scope    FeedScope
	TargetID int64
}

// Selection is the token's feed.
func (t *FeedToken) Selection() FeedSelection {
	sel := FeedSelection{Scope: t.Scope}
	for _, id := range []*int64{t.PersonID, t.DelegationID, t.EventID} {
		if id != nil {
			sel.TargetID = *id
		}
	}
	return sel
}

func feedTokenFromRow(r *feedTokenRow) *FeedToken {
	return &FeedToken{ID: r.ID, Scope: FeedScope(r.Scope), PersonID: r.PersonID, DelegationID: r.DelegationID,
		EventID: r.EventID, UserID: r.UserID, InvitationID: r.InvitationID, Name: r.Name, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.UTC(), RevokedAt: storedInstant(r.RevokedAt)}
}

func feedTokenToRow(t *FeedToken, lookup string) *feedTokenRow {
	return &feedTokenRow{Scope: string(t.Scope), PersonID: t.PersonID, DelegationID: t.DelegationID, EventID: t.EventID,
		UserID: t.UserID, InvitationID: t.InvitationID, Name: t.Name, Lookup: lookup, CreatedBy: t.CreatedBy}
}

// CreateFeedToken stores a feed link under lookup, the hash of its token, and sets ID and
// CreatedAt.
func (q *Q) CreateFeedToken(t *FeedToken, lookup string) error {
	r := feedTokenToRow(t, lookup)
	if err := q.db.Create(r).Error; err != nil {
		return translate(err, "feed token")
	}
	t.ID, t.CreatedAt = r.ID, r.CreatedAt.UTC()
	return nil
}

// EnsureFeedToken stores a derived feed link unless a row with its lookup exists, and
// returns the row as stored (revoked or not). Two requests that show the same personal
// link at once both succeed: the insert does nothing on a lookup already present.
func (q *Q) EnsureFeedToken(t *FeedToken, lookup string) (*FeedToken, error) {
	r := feedTokenToRow(t, lookup)
	if err := q.db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "lookup"}}, DoNothing: true}).
		Create(r).Error; err != nil {
		return nil, translate(err, "feed token")
	}
	var stored feedTokenRow
	if err := q.db.Where("lookup = ?", lookup).First(&stored).Error; err != nil {
		return nil, translate(err, "feed token")
	}
	return feedTokenFromRow(&stored), nil
}

// FeedTokenByLookup finds a feed link, revoked or not, by its token's hash.
func (q *Q) FeedTokenByLookup(lookup string) (*FeedToken, error) {
	var r feedTokenRow
	if err := q.db.Where("lookup = ?", lookup).First(&r).Error; err != nil {
		return nil, translate(err, "feed token")
	}
	return feedTokenFromRow(&r), nil
}

// GetFeedToken reads a feed link by id.
func (q *Q) GetFeedToken(id int64) (*FeedToken, error) {
	var r feedTokenRow
	if err := q.db.First(&r, id).Error; err != nil {
		return nil, translate(err, "feed token")
	}
	return feedTokenFromRow(&r), nil
}

// RevokeFeedToken marks a link revoked at now; revoking a revoked link changes nothing.
func (q *Q) RevokeFeedToken(id int64, now time.Time) error {
	res := q.db.Model(&feedTokenRow{}).Where("id = ? AND revoked_at IS NULL", id).UpdateColumn("revoked_at", now.UTC())
	return translate(res.Error, "feed token")
}

// RevokeInvitationFeedTokens revokes an invitation's personal links other than the one
// stored under keep: after the invitation's RSVP nonce changed, the old ones no longer
// verify, and marking them keeps the table truthful.
func (q *Q) RevokeInvitationFeedTokens(invitationID int64, keep string, now time.Time) error {
	err := q.db.Model(&feedTokenRow{}).Where("invitation_id = ? AND lookup <> ? AND revoked_at IS NULL", invitationID, keep).
		UpdateColumn("revoked_at", now.UTC()).Error
	return translate(err, "feed tokens")
}

// FeedLink is a live feed link resolved for serving, in one query: the token's row, the
// RSVP nonce of the invitation a personal link derives from, and the words that name the
// feed.
type FeedLink struct {
	Token *FeedToken
	// InvitationNonce is the current RSVP nonce of Token.InvitationID ("" without one).
	InvitationNonce string
	// Label names the scope's target: the person, "<organization> — <event>" for a
	// delegation, the event's title.
	Label string
}

// feedLinkRow is FeedLinkByLookup's result row; Token is a named field, since GORM can
// not set the fields of an embedded unexported type.
type feedLinkRow struct {
	Token           feedTokenRow `gorm:"embedded"`
	InvitationNonce string
	PersonName      string
	OrgName         string
	DelegationEvent string
	EventTitle      string
}

// FeedLinkByLookup resolves an unrevoked link by its token's hash, with what serving it
// needs, in one query. A link whose officer is disabled is not found.
func (q *Q) FeedLinkByLookup(lookup string) (*FeedLink, error) {
	var rows []feedLinkRow
	err := q.db.Raw(`SELECT ft.*, COALESCE(i.rsvp_nonce, '') AS invitation_nonce,
			COALESCE(p.full_name, '') AS person_name, COALESCE(o.name, '') AS org_name,
			COALESCE(de.title, '') AS delegation_event, COALESCE(e.title, '') AS event_title
		FROM feed_tokens ft
		LEFT JOIN invitations i ON i.id = ft.invitation_id
		LEFT JOIN people p ON p.id = ft.person_id
		LEFT JOIN delegations d ON d.id = ft.delegation_id
		LEFT JOIN organizations o ON o.id = d.organization_id
		LEFT JOIN events de ON de.id = d.event_id
		LEFT JOIN events e ON e.id = ft.event_id
		LEFT JOIN users u ON u.id = ft.user_id
		WHERE ft.lookup = ? AND ft.revoked_at IS NULL
		  AND (ft.user_id IS NULL OR u.disabled = ?)`, lookup, false).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("resolve feed link: %w", err)
	}
	if len(rows) == 0 {
		return nil, domain.NotFound("feed")
	}
	r := &rows[0]
	l := &FeedLink{Token: feedTokenFromRow(&r.Token), InvitationNonce: r.InvitationNonce}
	switch FeedScope(r.Token.Scope) {
	case FeedPerson:
		l.Label = r.PersonName
	case FeedDelegation:
		l.Label = r.OrgName + " — " + r.DelegationEvent
	case FeedEvent:
		l.Label = r.EventTitle
	}
	return l, nil
}

// ReadGorm is the readers' GORM handle (the writer's on PostgreSQL). Tests and
// benchmarks register callbacks on it to count the queries a read path makes, such as
// serving a feed; application code goes through Q.
func (s *Store) ReadGorm() *gorm.DB { return s.r }

// feedSQL is a feed's selection as SQL: a condition on events e (the events the feed
// lists) and one on sessions s (the sessions it lists), each with its arguments, and the
// extra rows whose change changes the feed (a person's invitations and delegations, the
// rows that name it). An empty sessions lists none: loadFeed then does not look for
// any.
type feedSQL struct {
	events      string
	eventArgs   []any
	sessions    string
	sessionArgs []any
	extra       string
	extraArgs   []any
}

const (
	declined   = "'" + string(domain.ResponseDeclined) + "'"
	withdrawn  = "'" + string(domain.SendWithdrawn) + "'"
	publicOnly = "e.visibility = '" + string(domain.VisibilityPublic) + "' AND e.status <> '" + string(domain.StatusDraft) + "'"
)

// openSession is a session with no parties named: open to every guest of its event.
const openSession = "NOT EXISTS (SELECT 1 FROM session_parties op WHERE op.session_id = s.id)"

func (sel FeedSelection) sql() (feedSQL, error) {
	id := sel.TargetID
	switch sel.Scope {
	case FeedEvent:
		return feedSQL{events: "e.id = ?", eventArgs: []any{id}, sessions: "s.event_id = ?", sessionArgs: []any{id}}, nil
	case FeedDelegation:
		// The sessions the delegation is party to, and its event's open sessions.
		return feedSQL{
			events: "e.id IN (SELECT event_id FROM delegations WHERE id = ?)", eventArgs: []any{id},
			sessions: `(s.id IN (SELECT session_id FROM session_parties WHERE delegation_id = ?)
				OR s.event_id IN (SELECT event_id FROM delegations WHERE id = ?) AND ` + openSession + ")",
			sessionArgs: []any{id, id},
			// The delegation and its organization name the feed.
			extra: `SELECT updated_at, id FROM delegations WHERE id = ?
				UNION ALL SELECT updated_at, id FROM organizations WHERE id IN (SELECT organization_id FROM delegations WHERE id = ?)`,
			extraArgs: []any{id, id},
		}, nil
	case FeedPerson:
		// The sessions of the person's delegations and the open sessions of the events
		// they are invited to; an event they declined, or were withdrawn from (and sent a
		// CANCEL for), stays out with all its sessions.
		return feedSQL{
			events: "e.id IN (SELECT event_id FROM invitations WHERE person_id = ? AND response <> " + declined + " AND send_state <> " + withdrawn + ")", eventArgs: []any{id},
			sessions: `(s.id IN (SELECT sp.session_id FROM session_parties sp
					JOIN delegation_members m ON m.delegation_id = sp.delegation_id WHERE m.person_id = ?)
				OR s.event_id IN (SELECT event_id FROM invitations WHERE person_id = ?) AND ` + openSession + `)
				AND s.event_id NOT IN (SELECT event_id FROM invitations WHERE person_id = ?
					AND (response = ` + declined + ` OR send_state = ` + withdrawn + "))",
			sessionArgs: []any{id, id, id},
			extra: `SELECT updated_at, id FROM invitations WHERE person_id = ?
				UNION ALL SELECT updated_at, id FROM delegations WHERE id IN (SELECT delegation_id FROM delegation_members WHERE person_id = ?)
				UNION ALL SELECT updated_at, id FROM people WHERE id = ?`,
			extraArgs: []any{id, id, id},
		}, nil
	case FeedOfficer:
		return feedSQL{events: "1 = 1", sessions: "1 = 1"}, nil
	case FeedPublic:
		return feedSQL{events: publicOnly, sessions: "s.event_id IN (SELECT e.id FROM events e WHERE " + publicOnly + ")"}, nil
	}
	return feedSQL{}, fmt.Errorf("feed: unknown scope %q", sel.Scope)
}

// with is the common table expressions every feed query starts with: fe, the events
// listed; fs, the sessions listed; fa, fe and the events of the sessions in fs, whose
// zone, status and sequence the sessions take.
func (f feedSQL) with() (string, []any) {
	sessions := f.sessions
	if sessions == "" {
		sessions = "1 = 0"
	}
	return "WITH fe AS (SELECT e.id FROM events e WHERE " + f.events + "), " +
			"fs AS (SELECT s.id, s.event_id, s.room_id FROM sessions s WHERE " + sessions + "), " +
			"fa AS (SELECT id FROM fe UNION SELECT event_id FROM fs) ",
		append(append([]any{}, f.eventArgs...), f.sessionArgs...)
}

// FeedStamp sums up everything a feed is built from: the newest updated_at, the number
// of rows and the sum of their ids, over the events and sessions it shows and every row
// whose words or times it prints (venues, rooms, series, organizations, party
// delegations, and a person's invitations and delegations). A change to any of them
// moves the newest time; a row leaving or joining moves the count or the sum.
type FeedStamp struct {
	Updated time.Time // zero for an empty feed
	Rows    int64
	IDSum   int64
}

type feedStampRow struct {
	Updated  *string
	RowCount int64
	IDSum    int64
}

// FeedStamp computes the stamp of a feed in one query, without loading the feed.
func (q *Q) FeedStamp(sel FeedSelection) (FeedStamp, error) {
	f, err := sel.sql()
	if err != nil {
		return FeedStamp{}, err
	}
	with, args := f.with()
	union := `SELECT updated_at, id FROM events WHERE id IN (SELECT id FROM fa)
		UNION ALL SELECT updated_at, id FROM sessions WHERE id IN (SELECT id FROM fs)
		UNION ALL SELECT updated_at, id FROM rooms WHERE id IN (SELECT room_id FROM fs)
		UNION ALL SELECT updated_at, id FROM venues WHERE id IN (SELECT venue_id FROM events WHERE id IN (SELECT id FROM fa))
			OR id IN (SELECT venue_id FROM rooms WHERE id IN (SELECT room_id FROM fs))
		UNION ALL SELECT updated_at, id FROM series WHERE id IN (SELECT series_id FROM events WHERE id IN (SELECT id FROM fa))
		UNION ALL SELECT updated_at, id FROM delegations WHERE id IN (SELECT delegation_id FROM session_parties WHERE session_id IN (SELECT id FROM fs))
		UNION ALL SELECT updated_at, id FROM organizations
			WHERE id IN (SELECT organization_id FROM event_hosts WHERE event_id IN (SELECT id FROM fa))
			OR id IN (SELECT d.organization_id FROM session_parties sp JOIN delegations d ON d.id = sp.delegation_id
				WHERE sp.session_id IN (SELECT id FROM fs))`
	if f.extra != "" {
		union += "\n\t\tUNION ALL " + f.extra
		args = append(args, f.extraArgs...)
	}
	// Text on both dialects: SQLite returns an aggregate of DATETIME as its stored text.
	maxAt := "MAX(t.updated_at)"
	if q.dialect == Postgres {
		maxAt = "to_char(MAX(t.updated_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
	}
	var rows []feedStampRow
	err = q.db.Raw(with+"SELECT "+maxAt+" AS updated, COUNT(*) AS row_count, COALESCE(SUM(t.id), 0) AS id_sum FROM ("+
		union+") t", args...).Scan(&rows).Error
	if err != nil {
		return FeedStamp{}, fmt.Errorf("stamp %s feed: %w", sel.Scope, err)
	}
	if len(rows) == 0 {
		return FeedStamp{}, nil
	}
	st := FeedStamp{Rows: rows[0].RowCount, IDSum: rows[0].IDSum}
	if rows[0].Updated != nil {
		if st.Updated, err = parseStoredTime(*rows[0].Updated); err != nil {
			return FeedStamp{}, fmt.Errorf("stamp %s feed: %w", sel.Scope, err)
		}
	}
	return st, nil
}

// storedTimeLayouts are the forms a timestamp comes back in as text: the SQLite driver's
// (with or without fraction and offset) and the ISO form FeedStamp asks PostgreSQL for.
var storedTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

func parseStoredTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range storedTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unreadable timestamp %q", s)
}

// FeedSession is a session as a feed shows it: with its times of change and the names
// of its party organizations in order of precedence.
type FeedSession struct {
	*domain.Session
	CreatedAt time.Time
	UpdatedAt time.Time
	Parties   []string
}

// FeedData is everything a feed prints, loaded in a fixed number of queries whatever its
// size. Events holds the events the feed lists, in order of start; Parents the events
// of listed sessions that the feed does not list itself (a delegate's session of an
// event they were not invited to), for their zone and status.
type FeedData struct {
	Events   []*domain.Event
	Parents  map[int64]*domain.Event
	Sessions []*FeedSession
	Hosts    map[int64][]string // event id → host organizations' names, in order
	Venues   map[int64]*domain.Venue
	Rooms    map[int64]*domain.Room
	byID     map[int64]*domain.Event
}

// Event returns a listed or parent event by id, or nil.
func (d *FeedData) Event(id int64) *domain.Event { return d.byID[id] }

// feedEventRow is an events row and whether the feed lists it. The row is a named
// field: GORM can not set the fields of an embedded unexported type.
type feedEventRow struct {
	Event  eventRow `gorm:"embedded"`
	Listed int
}

type feedNameRow struct {
	OwnerID      int64
	DelegationID int64
	Name         string
}

// LoadFeed reads a feed's content in at most seven queries (events, sessions, party
// names, host names, series, rooms, venues), each taking the feed's selection as a
// subquery, so that the count never depends on how many events, sessions or parties
// there are. A query whose answer is known to be empty is skipped.
func (q *Q) LoadFeed(sel FeedSelection) (*FeedData, error) {
	f, err := sel.sql()
	if err != nil {
		return nil, err
	}
	return q.loadFeed(f, string(sel.Scope)+" feed")
}

// LoadEventAlone reads one event as LoadFeed would, without its programme: the event of
// an invitation's calendar object, with its hosts' names, venue and ordinal.
func (q *Q) LoadEventAlone(eventID int64) (*FeedData, error) {
	d, err := q.loadFeed(feedSQL{events: "e.id = ?", eventArgs: []any{eventID}}, "event")
	if err != nil {
		return nil, err
	}
	if len(d.Events) == 0 {
		return nil, domain.NotFound("event")
	}
	return d, nil
}

func (q *Q) loadFeed(f feedSQL, what string) (*FeedData, error) {
	with, args := f.with()
	fail := func(part string, err error) error { return fmt.Errorf("load %s %s: %w", what, part, err) }
	d := &FeedData{Parents: map[int64]*domain.Event{}, Hosts: map[int64][]string{},
		Venues: map[int64]*domain.Venue{}, Rooms: map[int64]*domain.Room{}, byID: map[int64]*domain.Event{}}

	var evRows []feedEventRow
	if err := q.db.Raw(with+`SELECT e.*, CASE WHEN e.id IN (SELECT id FROM fe) THEN 1 ELSE 0 END AS listed
		FROM events e WHERE e.id IN (SELECT id FROM fa) ORDER BY e.starts_at, e.id`, args...).Scan(&evRows).Error; err != nil {
		return nil, fail("events", err)
	}
	seriesSeen := map[int64]bool{}
	var seriesIDs []int64
	for i := range evRows {
		e := eventFromRow(&evRows[i].Event)
		d.byID[e.ID] = e
		if evRows[i].Listed == 1 {
			d.Events = append(d.Events, e)
		} else {
			d.Parents[e.ID] = e
		}
		if e.SeriesID != nil && !seriesSeen[*e.SeriesID] {
			seriesSeen[*e.SeriesID] = true
			seriesIDs = append(seriesIDs, *e.SeriesID)
		}
	}

	var ssRows []sessionRow
	if f.sessions != "" { // a query fewer for an event alone (BenchmarkLoadEventAlone)
		if err := q.db.Raw(with+`SELECT s.* FROM sessions s WHERE s.id IN (SELECT id FROM fs) ORDER BY s.starts_at, s.id`,
			args...).Scan(&ssRows).Error; err != nil {
			return nil, fail("sessions", err)
		}
	}
	byID := make(map[int64]*FeedSession, len(ssRows))
	for i := range ssRows {
		fs := &FeedSession{Session: sessionFromRow(&ssRows[i]), CreatedAt: ssRows[i].CreatedAt.UTC(),
			UpdatedAt: ssRows[i].UpdatedAt.UTC(), Parties: []string{}}
		d.Sessions = append(d.Sessions, fs)
		byID[fs.ID] = fs
	}

	if len(ssRows) > 0 {
		var parties []feedNameRow
		if err := q.db.Raw(with+`SELECT sp.session_id AS owner_id, sp.delegation_id, o.name
			FROM session_parties sp JOIN delegations d ON d.id = sp.delegation_id
			JOIN organizations o ON o.id = d.organization_id
			WHERE sp.session_id IN (SELECT id FROM fs) ORDER BY sp.session_id, d.precedence, d.id`, args...).
			Scan(&parties).Error; err != nil {
			return nil, fail("session parties", err)
		}
		for _, p := range parties {
			if s := byID[p.OwnerID]; s != nil {
				s.Parties = append(s.Parties, p.Name)
				s.DelegationIDs = append(s.DelegationIDs, p.DelegationID)
			}
		}
	}

	if len(evRows) > 0 {
		var hosts []feedNameRow
		if err := q.db.Raw(with+`SELECT h.event_id AS owner_id, o.name FROM event_hosts h
			JOIN organizations o ON o.id = h.organization_id
			WHERE h.event_id IN (SELECT id FROM fa) ORDER BY h.event_id, h.position`, args...).Scan(&hosts).Error; err != nil {
			return nil, fail("hosts", err)
		}
		for _, h := range hosts {
			d.Hosts[h.OwnerID] = append(d.Hosts[h.OwnerID], h.Name)
		}
	}

	series, err := q.seriesByID(seriesIDs)
	if err != nil {
		return nil, fail("series", err)
	}
	for _, e := range d.byID {
		if e.SeriesID == nil {
			continue
		}
		if sr := series[*e.SeriesID]; sr != nil {
			n := sr.OrdinalFor(e.StartsAt)
			e.Ordinal = &n
		}
	}

	if err := q.loadFeedPlaces(d, with, args); err != nil {
		return nil, fail("places", err)
	}
	return d, nil
}

// loadFeedPlaces reads the rooms of the feed's sessions and the venues of its events and
// rooms, one query each.
func (q *Q) loadFeedPlaces(d *FeedData, with string, args []any) error {
	hasRoom, hasVenue := false, false
	for _, s := range d.Sessions {
		hasRoom = hasRoom || s.RoomID != nil
	}
	for _, e := range d.byID {
		hasVenue = hasVenue || e.VenueID != nil
	}
	if hasRoom {
		var rooms []roomRow
		if err := q.db.Raw(with+`SELECT * FROM rooms WHERE id IN (SELECT room_id FROM fs)`, args...).Scan(&rooms).Error; err != nil {
			return err
		}
		for i := range rooms {
			d.Rooms[rooms[i].ID] = roomFromRow(&rooms[i])
		}
	}
	if !hasRoom && !hasVenue {
		return nil
	}
	var venues []venueRow
	if err := q.db.Raw(with+`SELECT * FROM venues WHERE id IN (SELECT venue_id FROM events WHERE id IN (SELECT id FROM fa))
		OR id IN (SELECT venue_id FROM rooms WHERE id IN (SELECT room_id FROM fs))`, args...).Scan(&venues).Error; err != nil {
		return err
	}
	for i := range venues {
		d.Venues[venues[i].ID] = venueFromRow(&venues[i])
	}
	return nil
}
