package store

import "time"

// Row structs mirror the tables of migrations/*/00001_schema.sql one to one. They are the
// GORM models; TestSchemaMatchesModels compares them with both migrated dialects.

type organizationRow struct {
	ID          int64 `gorm:"primaryKey"`
	Name        string
	ShortName   string
	CountryCode string
	Kind        string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (organizationRow) TableName() string { return "organizations" }

type personRow struct {
	ID             int64 `gorm:"primaryKey"`
	OrganizationID *int64
	FullName       string
	Honorific      string
	Email          string
	Language       string
	Phone          string
	Notes          string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (personRow) TableName() string { return "people" }

type personNameRow struct {
	PersonID  int64  `gorm:"primaryKey;autoIncrement:false"`
	Language  string `gorm:"primaryKey"`
	FullName  string
	Honorific string
	Address   string
}

func (personNameRow) TableName() string { return "person_names" }

type venueRow struct {
	ID        int64 `gorm:"primaryKey"`
	Name      string
	Address   string
	City      string
	Timezone  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (venueRow) TableName() string { return "venues" }

type roomRow struct {
	ID        int64 `gorm:"primaryKey"`
	VenueID   int64
	Name      string
	Capacity  int
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (roomRow) TableName() string { return "rooms" }

type seriesRow struct {
	ID           int64 `gorm:"primaryKey"`
	Name         string
	FoundedOn    time.Time
	Timezone     string
	DefaultKind  string
	DefaultTitle string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (seriesRow) TableName() string { return "series" }

type eventRow struct {
	ID           int64 `gorm:"primaryKey"`
	UID          string
	Title        string
	Description  string
	Kind         string
	Status       string
	Visibility   string
	Timezone     string
	StartsAt     time.Time
	EndsAt       time.Time
	Sequence     int
	VenueID      *int64
	RSVPDeadline *time.Time `gorm:"column:rsvp_deadline"`
	SeriesID     *int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (eventRow) TableName() string { return "events" }

type eventHostRow struct {
	EventID        int64 `gorm:"primaryKey;autoIncrement:false"`
	OrganizationID int64 `gorm:"primaryKey;autoIncrement:false"`
	Position       int
}

func (eventHostRow) TableName() string { return "event_hosts" }

type delegationRow struct {
	ID             int64 `gorm:"primaryKey"`
	EventID        int64
	OrganizationID int64
	HeadPersonID   *int64
	SizeLimit      int
	ArrivalAt      *time.Time
	DepartureAt    *time.Time
	Accommodation  string
	LiaisonOfficer string
	Precedence     int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (delegationRow) TableName() string { return "delegations" }

type delegationMemberRow struct {
	DelegationID int64 `gorm:"primaryKey;autoIncrement:false"`
	PersonID     int64 `gorm:"primaryKey;autoIncrement:false"`
	Role         string
	Position     int
}

func (delegationMemberRow) TableName() string { return "delegation_members" }

type sessionRow struct {
	ID        int64 `gorm:"primaryKey"`
	UID       string
	EventID   int64
	Title     string
	Kind      string
	Status    string
	RoomID    *int64
	StartsAt  time.Time
	EndsAt    time.Time
	Agenda    string
	Sequence  int
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (sessionRow) TableName() string { return "sessions" }

type sessionPartyRow struct {
	SessionID    int64 `gorm:"primaryKey;autoIncrement:false"`
	DelegationID int64 `gorm:"primaryKey;autoIncrement:false"`
}

func (sessionPartyRow) TableName() string { return "session_parties" }

type invitationRow struct {
	ID              int64 `gorm:"primaryKey"`
	EventID         int64
	PersonID        int64
	DelegationID    *int64
	Email           string
	Language        string
	Response        string
	ResponseChannel string
	RespondedAt     *time.Time
	Companions      string // JSON array of names
	Note            string
	SendState       string
	LastError       string
	SentAt          *time.Time
	Deadline        *time.Time
	RSVPNonce       string `gorm:"column:rsvp_nonce"`
	RSVPLookup      string `gorm:"column:rsvp_lookup"`
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (invitationRow) TableName() string { return "invitations" }

type responseRow struct {
	ID               int64 `gorm:"primaryKey"`
	InvitationID     int64
	Response         string
	Channel          string
	Actor            string
	Note             string
	Companions       string
	InboundMessageID *int64
	CreatedAt        time.Time
}

func (responseRow) TableName() string { return "responses" }

type outcomeRow struct {
	ID        int64 `gorm:"primaryKey"`
	SessionID int64
	Kind      string
	Title     string
	Reference string
	PersonID  *int64
	CreatedAt time.Time
}

func (outcomeRow) TableName() string { return "outcomes" }

type outcomePartyRow struct {
	OutcomeID    int64 `gorm:"primaryKey;autoIncrement:false"`
	DelegationID int64 `gorm:"primaryKey;autoIncrement:false"`
}

func (outcomePartyRow) TableName() string { return "outcome_parties" }

type userRow struct {
	ID           int64 `gorm:"primaryKey"`
	Email        string
	Name         string
	Role         string
	Language     string
	PasswordHash string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (userRow) TableName() string { return "users" }

type apiTokenRow struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     int64
	Name       string
	Hash       []byte
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func (apiTokenRow) TableName() string { return "api_tokens" }

type auditEntryRow struct {
	ID         int64 `gorm:"primaryKey"`
	ActorID    *int64
	Actor      string
	Action     string
	EntityType string
	EntityID   int64
	Before     string
	After      string
	CreatedAt  time.Time
}

func (auditEntryRow) TableName() string { return "audit_entries" }

// Models lists every GORM model, for the schema test.
func Models() []any {
	return []any{
		&organizationRow{}, &personRow{}, &personNameRow{}, &venueRow{}, &roomRow{}, &seriesRow{},
		&eventRow{}, &eventHostRow{}, &delegationRow{}, &delegationMemberRow{}, &sessionRow{},
		&sessionPartyRow{}, &invitationRow{}, &responseRow{}, &outcomeRow{}, &outcomePartyRow{},
		&userRow{}, &apiTokenRow{}, &auditEntryRow{},
		&feedTokenRow{},
		&outboundMessageRow{},
		&inboundMessageRow{},
		&webSessionRow{}, &signInFailureRow{},
	}
}
