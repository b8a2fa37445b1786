-- +goose Up
-- Only the messages about a programme session have a session_id; the index on it now
-- holds just those, so inserting an event's invitations (most messages) no longer adds
-- an entry for NULL. Lookups by session (session_id = ?, and the cascade when a session
-- is deleted) still use it.
DROP INDEX outbound_messages_session_id_idx;
CREATE INDEX outbound_messages_session_id_idx ON outbound_messages (session_id) WHERE session_id IS NOT NULL;

-- +goose Down
DROP INDEX outbound_messages_session_id_idx;
CREATE INDEX outbound_messages_session_id_idx ON outbound_messages (session_id);
