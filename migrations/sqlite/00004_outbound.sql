-- +goose Up
-- Outbound messages: every mail sent, or about to be sent, to a guest. A row is written
-- before the message leaves (status pending) and marked sent in the transaction that
-- records the server's acceptance, so a job retried after a crash finds it sent and
-- sends nothing. message_id is derived from (invitation, kind, session, sequence), so a
-- retry can only ever repeat the same Message-ID.
--   kind            invitation, update, cancellation (iTIP REQUEST/REQUEST/CANCEL), or
--                   reminder_deadline, reminder_event (no calendar)
--   session_id      the programme session the message is about; NULL for the event
--   sequence        the SEQUENCE the guest was sent (for reminders: the event's)
--   reminder_offset for reminders, how long before the deadline or the event, in
--                   minutes; 0 otherwise. outbound_messages_reminder_once makes each
--                   reminder once per guest whatever restarts happen.
--   status          pending, sent, failed (refused, or retries exhausted) or superseded
--                   (never sent: a later change made it obsolete)
--   shown_*         what a REQUEST or CANCEL showed (instants, zone, place, iCalendar
--                   STATUS), so that the next update can say what changed
-- Deleting an invitation (a draft) or a session (of a draft event) deletes its messages.

CREATE TABLE outbound_messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    invitation_id   INTEGER NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    session_id      INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    sequence        INTEGER NOT NULL DEFAULT 0,
    reminder_offset INTEGER NOT NULL DEFAULT 0,
    message_id      TEXT NOT NULL UNIQUE,
    recipient       TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    shown_starts_at DATETIME,
    shown_ends_at   DATETIME,
    shown_timezone  TEXT NOT NULL DEFAULT '',
    shown_place     TEXT NOT NULL DEFAULT '',
    shown_status    TEXT NOT NULL DEFAULT '',
    sent_at         DATETIME,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    CHECK (kind IN ('invitation', 'update', 'cancellation', 'reminder_deadline', 'reminder_event')),
    CHECK (status IN ('pending', 'sent', 'failed', 'superseded'))
);
CREATE INDEX outbound_messages_invitation_idx ON outbound_messages (invitation_id, session_id, id);
CREATE INDEX outbound_messages_session_id_idx ON outbound_messages (session_id);
CREATE UNIQUE INDEX outbound_messages_reminder_once ON outbound_messages (invitation_id, kind, reminder_offset)
    WHERE kind IN ('reminder_deadline', 'reminder_event');

-- +goose Down
DROP TABLE outbound_messages;
