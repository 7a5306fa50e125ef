-- +goose Up
-- version counts the changes of a request's row and of its photos (the
-- store raises it with each), so that a cache of a request's public
-- representation knows from one small column whether it is still right,
-- also across app nodes. Existing rows start at 0.
ALTER TABLE requests ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE requests DROP COLUMN version;
