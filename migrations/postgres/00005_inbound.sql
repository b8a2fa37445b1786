-- +goose Up
-- Inbound messages: every message received by any way in (SMTP/LMTP, IMAP, stdin, the
-- API), stored raw with what the intake made of it (internal/service/inbound.go).
--   message_id   the Message-ID without angle brackets; '' when the message had none.
--                Unique when not empty: the same message received twice (IMAP re-poll,
--                a relay retrying) is processed once, the second intake returning the
--                first record.
--   kind         reply, counter, refresh, delegated, bounce, autoreply, other
--   outcome      applied, ignored, held (waits for an officer), rejected (unreadable or
--                too large), dismissed (an officer set a held message aside)
--   reason       why, in words for the officer; for an applied reply, its comment
--   uid, sequence, dtstamp  what the calendar object said; dtstamp is the effective
--                stamp (DTSTAMP, else Date:, else receive time) that orders replies of
--                the same SEQUENCE: the newest applied one per invitation wins
--   attendee, partstat, proposed_to, proposal, comment  what the reply said, for review
--   raw          the message as received, only the first 64 KiB when over the size cap
-- Deleting an invitation or event keeps the message (set null); nothing cascades into
-- the guest's data from here.

CREATE TABLE inbound_messages (
    id            BIGSERIAL PRIMARY KEY,
    message_id    TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',
    from_addr     TEXT NOT NULL DEFAULT '',
    subject       TEXT NOT NULL DEFAULT '',
    size          INTEGER NOT NULL DEFAULT 0,
    received_at   TIMESTAMPTZ NOT NULL,
    kind          TEXT NOT NULL DEFAULT 'other',
    outcome       TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    invitation_id BIGINT REFERENCES invitations (id) ON DELETE SET NULL,
    event_id      BIGINT REFERENCES events (id) ON DELETE SET NULL,
    uid           TEXT NOT NULL DEFAULT '',
    sequence      INTEGER NOT NULL DEFAULT 0,
    dtstamp       TIMESTAMPTZ,
    attendee      TEXT NOT NULL DEFAULT '',
    partstat      TEXT NOT NULL DEFAULT '',
    proposed_to   TEXT NOT NULL DEFAULT '',
    proposal      TEXT NOT NULL DEFAULT '',
    comment       TEXT NOT NULL DEFAULT '',
    resolved_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    resolved_at   TIMESTAMPTZ,
    raw           BYTEA NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    CHECK (kind IN ('reply', 'counter', 'refresh', 'delegated', 'bounce', 'autoreply', 'other')),
    CHECK (outcome IN ('applied', 'ignored', 'held', 'rejected', 'dismissed'))
);
CREATE UNIQUE INDEX inbound_messages_message_id_once ON inbound_messages (message_id) WHERE message_id <> '';
CREATE INDEX inbound_messages_outcome_idx ON inbound_messages (outcome, id);
CREATE INDEX inbound_messages_invitation_idx ON inbound_messages (invitation_id, outcome);
CREATE INDEX inbound_messages_event_id_idx ON inbound_messages (event_id);
CREATE INDEX inbound_messages_resolved_by_idx ON inbound_messages (resolved_by);

-- +goose Down
DROP TABLE inbound_messages;
