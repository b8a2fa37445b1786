-- +goose Up
-- Feed tokens: the secret links behind subscribed calendars (GET /feeds/{token}.ics).
-- Only the token's SHA-256 is kept (lookup), so a leaked database opens no feed. A row
-- names one scope and exactly the target that scope needs; invitation_id marks the
-- personal link derived from an invitation (HMAC of its id and RSVP nonce), inserted the
-- first time it is shown. Targets cascade: deleting what a feed shows deletes its links.

CREATE TABLE feed_tokens (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    scope         TEXT NOT NULL,
    person_id     INTEGER REFERENCES people (id) ON DELETE CASCADE,
    delegation_id INTEGER REFERENCES delegations (id) ON DELETE CASCADE,
    event_id      INTEGER REFERENCES events (id) ON DELETE CASCADE,
    user_id       INTEGER REFERENCES users (id) ON DELETE CASCADE,
    invitation_id INTEGER REFERENCES invitations (id) ON DELETE CASCADE,
    name          TEXT NOT NULL DEFAULT '',
    lookup        TEXT NOT NULL UNIQUE,
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    DATETIME NOT NULL,
    revoked_at    DATETIME,
    CHECK (scope IN ('person', 'delegation', 'event', 'officer')),
    CHECK ((person_id IS NOT NULL) = (scope = 'person')),
    CHECK ((delegation_id IS NOT NULL) = (scope = 'delegation')),
    CHECK ((event_id IS NOT NULL) = (scope = 'event')),
    CHECK ((user_id IS NOT NULL) = (scope = 'officer')),
    CHECK (invitation_id IS NULL OR scope = 'person')
);
CREATE INDEX feed_tokens_person_id_idx ON feed_tokens (person_id);
CREATE INDEX feed_tokens_delegation_id_idx ON feed_tokens (delegation_id);
CREATE INDEX feed_tokens_event_id_idx ON feed_tokens (event_id);
CREATE INDEX feed_tokens_user_id_idx ON feed_tokens (user_id);
CREATE INDEX feed_tokens_invitation_id_idx ON feed_tokens (invitation_id);

-- +goose Down
DROP TABLE feed_tokens;
