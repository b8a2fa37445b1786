-- +goose Up
-- The officer web UI. web_sessions holds signed-in sessions in the database, so any
-- instance serves any session; the cookie's token is kept only as its SHA-256 (lookup),
-- so a leaked database signs nobody in. sign_in_failures counts failed sign-ins per
-- account and per client address for the throttle; rows older than the window are
-- deleted as new ones come.

CREATE TABLE web_sessions (
    lookup     BYTEA NOT NULL PRIMARY KEY,
    data       BYTEA NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX web_sessions_expires_at_idx ON web_sessions (expires_at);

CREATE TABLE sign_in_failures (
    id      BIGSERIAL PRIMARY KEY,
    email   TEXT NOT NULL,
    address TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX sign_in_failures_email_idx ON sign_in_failures (email, at);
CREATE INDEX sign_in_failures_address_idx ON sign_in_failures (address, at);

-- +goose Down
DROP TABLE sign_in_failures;
DROP TABLE web_sessions;
