-- +goose Up
-- Quality monitoring (internal/quality). request_facts holds one row per
-- request, derived from its events by a projector; quality_daily sums the
-- facts per local day and slice. Both can be rebuilt from the events at
-- any time, so they are caches of the history, not a second truth.
CREATE TABLE request_facts (
    request_id          BIGINT PRIMARY KEY,
    jurisdiction_id     BIGINT NOT NULL,
    service_code        TEXT NOT NULL,
    department_id       BIGINT NOT NULL,
    channel             TEXT NOT NULL,
    submitted_at        BIGINT NOT NULL,
    submitted_day       INTEGER NOT NULL,             -- local date as YYYYMMDD
    first_response_secs BIGINT NOT NULL DEFAULT -1,   -- business seconds; -1 = none yet
    closed_at           BIGINT NOT NULL DEFAULT 0,
    closed_day          INTEGER NOT NULL DEFAULT 0,   -- 0 = open
    resolution_secs     BIGINT NOT NULL DEFAULT -1,   -- business seconds, clock paused while waiting; -1 = open
    sla_secs            BIGINT NOT NULL DEFAULT 0,    -- resolution target; 0 = none
    within_sla          INTEGER NOT NULL DEFAULT 0,
    due_at              BIGINT NOT NULL DEFAULT 0,    -- open and running: when the target runs out; 0 = none or paused
    open                INTEGER NOT NULL,
    waiting             INTEGER NOT NULL DEFAULT 0,
    reopened            INTEGER NOT NULL DEFAULT 0,
    duplicate           INTEGER NOT NULL DEFAULT 0,
    forwarded           INTEGER NOT NULL DEFAULT 0,
    rating              INTEGER NOT NULL DEFAULT 0,   -- latest survey score 1..5; 0 = none
    last_event_id       BIGINT NOT NULL
);
-- Covering indexes: the percentile queries read only the index.
CREATE INDEX request_facts_submitted ON request_facts (jurisdiction_id, submitted_day, service_code, department_id, channel, first_response_secs);
CREATE INDEX request_facts_closed ON request_facts (jurisdiction_id, closed_day, service_code, department_id, channel, duplicate, resolution_secs);
CREATE INDEX request_facts_open ON request_facts (jurisdiction_id, open, service_code, department_id, channel, submitted_at, due_at);

CREATE TABLE quality_daily (
    jurisdiction_id BIGINT NOT NULL,
    day             INTEGER NOT NULL,
    service_code    TEXT NOT NULL,
    department_id   BIGINT NOT NULL,
    channel         TEXT NOT NULL,
    volume          BIGINT NOT NULL,  -- submitted on day
    duplicates      BIGINT NOT NULL,  -- of those, merged into another request
    forwarded       BIGINT NOT NULL,  -- of those, forwarded at least once
    responded       BIGINT NOT NULL,  -- of those, with a first response
    response_secs   BIGINT NOT NULL,  -- sum of their first response times
    closed          BIGINT NOT NULL,  -- finally closed on day, duplicates excluded
    resolution_secs BIGINT NOT NULL,  -- sum of their resolution times
    sla_closed      BIGINT NOT NULL,  -- closed with a resolution target
    within_sla      BIGINT NOT NULL,  -- of those, within the target
    reopened        BIGINT NOT NULL,  -- closed ones that were reopened at some point
    ratings         BIGINT NOT NULL,  -- closed on day (duplicates included) with a rating
    rating_sum      BIGINT NOT NULL,
    satisfied       BIGINT NOT NULL,  -- rating 4 or 5
    promoters       BIGINT NOT NULL,  -- rating 5
    detractors      BIGINT NOT NULL,  -- rating 1 to 3
    PRIMARY KEY (jurisdiction_id, day, service_code, department_id, channel)
);

-- Days whose rollup rows are out of date: the projector marks them in the
-- transaction that changes facts and recomputes them at the end of each
-- catch-up, so a burst touching many days (a rebuild) recomputes each day
-- once, and a crash in between leaves them marked, not wrong.
CREATE TABLE quality_dirty_days (
    jurisdiction_id BIGINT NOT NULL,
    day             INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction_id, day)
);

CREATE TABLE quality_checkpoint (
    name          TEXT PRIMARY KEY,
    last_event_id BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE ratings (
    request_id      BIGINT PRIMARY KEY REFERENCES requests(id),
    jurisdiction_id BIGINT NOT NULL,
    score           INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment         TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE quality_indicators (
    id              INTEGER PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL,
    code            TEXT NOT NULL,
    name            TEXT NOT NULL,
    unit            TEXT NOT NULL DEFAULT '',
    target          DOUBLE PRECISION,
    direction       TEXT NOT NULL,
    UNIQUE (jurisdiction_id, code)
);

CREATE TABLE quality_values (
    indicator_id BIGINT NOT NULL REFERENCES quality_indicators(id),
    slice_key    TEXT NOT NULL,
    period       TEXT NOT NULL,
    value        DOUBLE PRECISION NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (indicator_id, slice_key, period)
);

CREATE TABLE quality_targets (
    id              INTEGER PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL,
    indicator       TEXT NOT NULL,
    by_dim          TEXT NOT NULL DEFAULT '',
    slice_key       TEXT NOT NULL DEFAULT '',
    threshold       DOUBLE PRECISION NOT NULL,
    direction       TEXT NOT NULL,
    window_days     INTEGER NOT NULL,
    department_id   BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL
);

CREATE TABLE quality_alerts (
    target_id    BIGINT NOT NULL REFERENCES quality_targets(id),
    window_start INTEGER NOT NULL,
    value        DOUBLE PRECISION NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (target_id, window_start)
);

-- +goose Down
DROP TABLE quality_alerts;
DROP TABLE quality_targets;
DROP TABLE quality_values;
DROP TABLE quality_indicators;
DROP TABLE ratings;
DROP TABLE quality_checkpoint;
DROP TABLE quality_dirty_days;
DROP TABLE quality_daily;
DROP TABLE request_facts;
