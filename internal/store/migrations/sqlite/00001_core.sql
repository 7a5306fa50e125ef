-- +goose Up
CREATE TABLE jurisdictions (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    state      TEXT NOT NULL,
    boundary   TEXT NOT NULL DEFAULT '',
    base_url   TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE departments (
    id              INTEGER PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    code            TEXT NOT NULL,
    name            TEXT NOT NULL,
    email           TEXT NOT NULL DEFAULT '',
    UNIQUE (jurisdiction_id, code)
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    email           TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL,
    department_id   BIGINT NOT NULL DEFAULT 0,
    password_hash   TEXT NOT NULL DEFAULT '',
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_keys (
    id              INTEGER PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    name            TEXT NOT NULL,
    prefix          TEXT NOT NULL,
    key_hash        TEXT NOT NULL UNIQUE,
    created_at      BIGINT NOT NULL,
    revoked_at      BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE services (
    id                    INTEGER PRIMARY KEY,
    jurisdiction_id       BIGINT NOT NULL REFERENCES jurisdictions(id),
    code                  TEXT NOT NULL,
    grp                   TEXT NOT NULL DEFAULT '',
    name                  TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    keywords              TEXT NOT NULL DEFAULT '',
    kind                  TEXT NOT NULL,
    audience              TEXT NOT NULL DEFAULT 'public',
    attributes            TEXT NOT NULL DEFAULT '[]',
    response_hours        INTEGER NOT NULL DEFAULT 0,
    resolution_hours      INTEGER NOT NULL DEFAULT 0,
    retention_days        INTEGER NOT NULL DEFAULT 365,
    default_department_id BIGINT NOT NULL DEFAULT 0,
    active                BOOLEAN NOT NULL DEFAULT TRUE,
    UNIQUE (jurisdiction_id, code)
);

CREATE TABLE routing_rules (
    id              INTEGER PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    position        INTEGER NOT NULL,
    service_code    TEXT NOT NULL DEFAULT '',
    area            TEXT NOT NULL DEFAULT '',
    department_id   BIGINT NOT NULL REFERENCES departments(id)
);
CREATE INDEX routing_rules_order ON routing_rules (jurisdiction_id, position);

CREATE TABLE request_counters (
    jurisdiction_id BIGINT NOT NULL,
    year            INTEGER NOT NULL,
    last            BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_id, year)
);

CREATE TABLE requests (
    id              INTEGER PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    number          TEXT NOT NULL,
    token           TEXT NOT NULL UNIQUE,
    service_id      BIGINT NOT NULL REFERENCES services(id),
    service_code    TEXT NOT NULL,
    state           TEXT NOT NULL,
    priority        INTEGER NOT NULL DEFAULT 0,
    has_location    BOOLEAN NOT NULL DEFAULT FALSE,
    lat             DOUBLE PRECISION NOT NULL DEFAULT 0,
    lon             DOUBLE PRECISION NOT NULL DEFAULT 0,
    cell            BIGINT NOT NULL DEFAULT 0,
    address         TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    attributes      TEXT NOT NULL DEFAULT '{}',
    channel         TEXT NOT NULL,
    reporter_email  TEXT NOT NULL DEFAULT '',
    reporter_first  TEXT NOT NULL DEFAULT '',
    reporter_last   TEXT NOT NULL DEFAULT '',
    reporter_phone  TEXT NOT NULL DEFAULT '',
    device_id       TEXT NOT NULL DEFAULT '',
    account_id      TEXT NOT NULL DEFAULT '',
    media_url       TEXT NOT NULL DEFAULT '',
    department_id   BIGINT NOT NULL DEFAULT 0,
    assignee_id     BIGINT NOT NULL DEFAULT 0,
    duplicate_of    BIGINT NOT NULL DEFAULT 0,
    public          BOOLEAN NOT NULL DEFAULT TRUE,
    submitted_at    BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    response_due    BIGINT NOT NULL DEFAULT 0,
    resolution_due  BIGINT NOT NULL DEFAULT 0,
    closed_at       BIGINT NOT NULL DEFAULT 0,
    resolution      TEXT NOT NULL DEFAULT '',
    status_notes    TEXT NOT NULL DEFAULT '',
    erased_at       BIGINT NOT NULL DEFAULT 0,
    UNIQUE (jurisdiction_id, number)
);
CREATE INDEX requests_submitted ON requests (jurisdiction_id, submitted_at);
CREATE INDEX requests_updated ON requests (jurisdiction_id, updated_at);
CREATE INDEX requests_nearby ON requests (jurisdiction_id, service_code, cell, submitted_at);
CREATE INDEX requests_inbox ON requests (jurisdiction_id, department_id, state, submitted_at);

CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL,
    request_id      BIGINT NOT NULL REFERENCES requests(id),
    type            TEXT NOT NULL,
    at              BIGINT NOT NULL,
    actor_id        BIGINT NOT NULL DEFAULT 0,
    public          BOOLEAN NOT NULL DEFAULT FALSE,
    from_state      TEXT NOT NULL DEFAULT '',
    to_state        TEXT NOT NULL DEFAULT '',
    department_id   BIGINT NOT NULL DEFAULT 0,
    body            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_request ON events (request_id, id);
CREATE INDEX events_time ON events (jurisdiction_id, at);

CREATE TABLE media (
    id              INTEGER PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL,
    request_id      BIGINT NOT NULL REFERENCES requests(id),
    blob_key        TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    width           INTEGER NOT NULL,
    height          INTEGER NOT NULL,
    public          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      BIGINT NOT NULL
);
CREATE INDEX media_request ON media (request_id);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL DEFAULT 0,
    kind            TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL UNIQUE,
    payload         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    delivered_at    BIGINT NOT NULL DEFAULT 0,
    failed_at       BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (delivered_at, failed_at, next_attempt_at);

CREATE TABLE audit_log (
    seq             BIGINT PRIMARY KEY,
    at              BIGINT NOT NULL,
    jurisdiction_id BIGINT NOT NULL,
    actor_id        BIGINT NOT NULL,
    actor_name      TEXT NOT NULL,
    action          TEXT NOT NULL,
    target          TEXT NOT NULL,
    detail          TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE outbox;
DROP TABLE media;
DROP TABLE events;
DROP TABLE requests;
DROP TABLE request_counters;
DROP TABLE routing_rules;
DROP TABLE services;
DROP TABLE api_keys;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE departments;
DROP TABLE jurisdictions;
