-- +goose Up
-- PostgreSQL leaves room on the pages of invitations and outbound_messages for their
-- updates (fillfactor); SQLite has no such setting. This version exists so that both
-- dialects count the same migrations.
SELECT 1;

-- +goose Down
SELECT 1;
