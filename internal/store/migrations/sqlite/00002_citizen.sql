-- +goose Up
-- Citizens who follow a report of someone else ("Das ist auch mein
-- Problem") instead of filing a duplicate. They get the reporter's mails
-- once confirmed_at is set (double opt-in). token is the subscriber's own
-- secret, e.g. for an unsubscribe link.
CREATE TABLE request_subscribers (
    id              INTEGER PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    request_id      BIGINT NOT NULL REFERENCES requests(id),
    email           TEXT NOT NULL,
    confirmed_at    BIGINT NOT NULL DEFAULT 0,
    token           TEXT NOT NULL UNIQUE,
    created_at      BIGINT NOT NULL,
    UNIQUE (request_id, email)
);
CREATE INDEX request_subscribers_request ON request_subscribers (jurisdiction_id, request_id);

-- Pending and done e-mail confirmations (double opt-in) of reporters and
-- subscribers. Only the SHA-256 of the link secret is stored, so a copy of
-- the database cannot confirm addresses.
CREATE TABLE email_confirmations (
    id              INTEGER PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    token_hash      TEXT NOT NULL UNIQUE,
    request_id      BIGINT NOT NULL REFERENCES requests(id),
    email           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    confirmed_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX email_confirmations_request ON email_confirmations (request_id);

-- +goose Down
DROP TABLE email_confirmations;
DROP TABLE request_subscribers;
