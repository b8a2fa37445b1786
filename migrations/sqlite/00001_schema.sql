-- +goose Up
-- The planning model: organizations, people, venues, events and their programme,
-- delegations, invitations with their answer history, outcomes, officers and audit.
-- Times are DATETIME text (UTC) and always written as UTC instants; each event keeps its IANA zone.

CREATE TABLE organizations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    short_name   TEXT NOT NULL DEFAULT '',
    country_code TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL DEFAULT 'state_body',
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);

CREATE TABLE people (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER REFERENCES organizations (id) ON DELETE RESTRICT,
    full_name       TEXT NOT NULL,
    honorific       TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    language        TEXT NOT NULL DEFAULT 'en',
    phone           TEXT NOT NULL DEFAULT '',
    notes           TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX people_organization_id_idx ON people (organization_id);
CREATE INDEX people_email_idx ON people (email);

CREATE TABLE person_names (
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    language  TEXT NOT NULL,
    full_name TEXT NOT NULL,
    honorific TEXT NOT NULL DEFAULT '',
    address   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (person_id, language)
);

CREATE TABLE venues (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    address    TEXT NOT NULL DEFAULT '',
    city       TEXT NOT NULL DEFAULT '',
    timezone   TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE rooms (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    venue_id   INTEGER NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    capacity   INTEGER NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX rooms_venue_id_idx ON rooms (venue_id);

CREATE TABLE series (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    founded_on    DATETIME NOT NULL,
    timezone      TEXT NOT NULL,
    default_kind  TEXT NOT NULL DEFAULT 'commemoration',
    default_title TEXT NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    uid           TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL,
    visibility    TEXT NOT NULL DEFAULT 'private',
    timezone      TEXT NOT NULL,
    starts_at     DATETIME NOT NULL,
    ends_at       DATETIME NOT NULL,
    sequence      INTEGER NOT NULL DEFAULT 0,
    venue_id      INTEGER REFERENCES venues (id) ON DELETE RESTRICT,
    rsvp_deadline DATETIME,
    series_id     INTEGER REFERENCES series (id) ON DELETE RESTRICT,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX events_starts_at_id_idx ON events (starts_at, id);
CREATE INDEX events_series_id_idx ON events (series_id);

CREATE TABLE event_hosts (
    event_id        INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    position        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, organization_id)
);

CREATE TABLE delegations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
    head_person_id  INTEGER REFERENCES people (id) ON DELETE RESTRICT,
    size_limit      INTEGER NOT NULL DEFAULT 0,
    arrival_at      DATETIME,
    departure_at    DATETIME,
    accommodation   TEXT NOT NULL DEFAULT '',
    liaison_officer TEXT NOT NULL DEFAULT '',
    precedence      INTEGER NOT NULL DEFAULT 0,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    UNIQUE (event_id, organization_id)
);

CREATE TABLE delegation_members (
    delegation_id INTEGER NOT NULL REFERENCES delegations (id) ON DELETE CASCADE,
    person_id     INTEGER NOT NULL REFERENCES people (id) ON DELETE RESTRICT,
    role          TEXT NOT NULL,
    position      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (delegation_id, person_id)
);
CREATE INDEX delegation_members_person_id_idx ON delegation_members (person_id);

CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    uid        TEXT NOT NULL UNIQUE,
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'scheduled',
    room_id    INTEGER REFERENCES rooms (id) ON DELETE RESTRICT,
    starts_at  DATETIME NOT NULL,
    ends_at    DATETIME NOT NULL,
    agenda     TEXT NOT NULL DEFAULT '',
    sequence   INTEGER NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX sessions_event_id_idx ON sessions (event_id, starts_at);
CREATE INDEX sessions_room_id_idx ON sessions (room_id, starts_at);

CREATE TABLE session_parties (
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    delegation_id INTEGER NOT NULL REFERENCES delegations (id) ON DELETE CASCADE,
    PRIMARY KEY (session_id, delegation_id)
);
CREATE INDEX session_parties_delegation_id_idx ON session_parties (delegation_id);

CREATE TABLE invitations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id         INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    person_id        INTEGER NOT NULL REFERENCES people (id) ON DELETE RESTRICT,
    delegation_id    INTEGER REFERENCES delegations (id) ON DELETE SET NULL,
    email            TEXT NOT NULL,
    language         TEXT NOT NULL,
    response         TEXT NOT NULL DEFAULT 'needs-action',
    response_channel TEXT NOT NULL DEFAULT '',
    responded_at     DATETIME,
    companions       TEXT NOT NULL DEFAULT '[]',
    note             TEXT NOT NULL DEFAULT '',
    send_state       TEXT NOT NULL DEFAULT 'draft',
    last_error       TEXT NOT NULL DEFAULT '',
    sent_at          DATETIME,
    deadline         DATETIME,
    rsvp_nonce       TEXT NOT NULL,
    rsvp_lookup      TEXT NOT NULL UNIQUE,
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL,
    UNIQUE (event_id, person_id)
);
CREATE INDEX invitations_person_id_idx ON invitations (person_id);
CREATE INDEX invitations_delegation_id_idx ON invitations (delegation_id);

CREATE TABLE responses (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    invitation_id      INTEGER NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    response           TEXT NOT NULL,
    channel            TEXT NOT NULL,
    actor              TEXT NOT NULL DEFAULT '',
    note               TEXT NOT NULL DEFAULT '',
    companions         TEXT NOT NULL DEFAULT '[]',
    inbound_message_id INTEGER,
    created_at         DATETIME NOT NULL
);
CREATE INDEX responses_invitation_id_idx ON responses (invitation_id, id);

CREATE TABLE outcomes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    reference  TEXT NOT NULL DEFAULT '',
    person_id  INTEGER REFERENCES people (id) ON DELETE SET NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX outcomes_session_id_idx ON outcomes (session_id);

CREATE TABLE outcome_parties (
    outcome_id    INTEGER NOT NULL REFERENCES outcomes (id) ON DELETE CASCADE,
    delegation_id INTEGER NOT NULL REFERENCES delegations (id) ON DELETE CASCADE,
    PRIMARY KEY (outcome_id, delegation_id)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    language      TEXT NOT NULL DEFAULT 'en',
    password_hash TEXT NOT NULL DEFAULT '',
    disabled      BOOLEAN NOT NULL DEFAULT 0,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    hash         BLOB NOT NULL UNIQUE,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME,
    revoked_at   DATETIME
);

CREATE TABLE audit_entries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id    INTEGER,
    actor       TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   INTEGER NOT NULL,
    before      TEXT NOT NULL DEFAULT '',
    after       TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL
);
CREATE INDEX audit_entries_entity_idx ON audit_entries (entity_type, entity_id, id);

-- +goose Down
DROP TABLE audit_entries;
DROP TABLE api_tokens;
DROP TABLE users;
DROP TABLE outcome_parties;
DROP TABLE outcomes;
DROP TABLE responses;
DROP TABLE invitations;
DROP TABLE session_parties;
DROP TABLE sessions;
DROP TABLE delegation_members;
DROP TABLE delegations;
DROP TABLE event_hosts;
DROP TABLE events;
DROP TABLE series;
DROP TABLE rooms;
DROP TABLE venues;
DROP TABLE person_names;
DROP TABLE people;
DROP TABLE organizations;
