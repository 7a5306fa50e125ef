-- +goose Up
-- Exact medians, percentiles and backlog figures without reading a fact per
-- request. Per day and slice, the values they need are kept as sorted lists
-- (delta-encoded varints, see store/valuelist.go); a year of them is a few
-- thousand rows instead of a million facts. Every day-level table has a
-- month-level twin (day = the first of the month, YYYYMM01) summed or
-- merged from the day rows, so a long period reads its whole months from
-- the month tables and only the days at its edges from the day tables.
-- The backlog is read over all days whatever the period, so only its month
-- table is read; the day table is where it is recomputed from.
CREATE TABLE quality_daily_values (
    jurisdiction_id BIGINT NOT NULL,
    day             INTEGER NOT NULL,
    service_code    TEXT NOT NULL,
    department_id   BIGINT NOT NULL,
    channel         TEXT NOT NULL,
    response_secs   BYTEA NOT NULL,  -- first response times of requests submitted on day that had one
    resolution_secs BYTEA NOT NULL,  -- resolution times of requests finally closed on day, duplicates excluded
    PRIMARY KEY (jurisdiction_id, day, service_code, department_id, channel)
);

CREATE TABLE quality_daily_backlog (
    jurisdiction_id BIGINT NOT NULL,
    day             INTEGER NOT NULL, -- submitted on
    service_code    TEXT NOT NULL,
    department_id   BIGINT NOT NULL,
    channel         TEXT NOT NULL,
    open_count      BIGINT NOT NULL,
    open_submitted  BYTEA NOT NULL,   -- submission instants of the open ones (microseconds)
    open_due        BYTEA NOT NULL,   -- due instants of those whose clock runs
    PRIMARY KEY (jurisdiction_id, day, service_code, department_id, channel)
);

CREATE TABLE quality_monthly_values (
    jurisdiction_id BIGINT NOT NULL,
    day             INTEGER NOT NULL,
    service_code    TEXT NOT NULL,
    department_id   BIGINT NOT NULL,
    channel         TEXT NOT NULL,
    response_secs   BYTEA NOT NULL,
    resolution_secs BYTEA NOT NULL,
    PRIMARY KEY (jurisdiction_id, day, service_code, department_id, channel)
);

CREATE TABLE quality_monthly_backlog (
    jurisdiction_id BIGINT NOT NULL,
    day             INTEGER NOT NULL,
    service_code    TEXT NOT NULL,
    department_id   BIGINT NOT NULL,
    channel         TEXT NOT NULL,
    open_count      BIGINT NOT NULL,
    open_submitted  BYTEA NOT NULL,
    open_due        BYTEA NOT NULL,
    PRIMARY KEY (jurisdiction_id, day, service_code, department_id, channel)
);

CREATE TABLE quality_monthly (
    jurisdiction_id BIGINT NOT NULL,
    day             INTEGER NOT NULL,
    service_code    TEXT NOT NULL,
    department_id   BIGINT NOT NULL,
    channel         TEXT NOT NULL,
    volume          BIGINT NOT NULL,
    duplicates      BIGINT NOT NULL,
    forwarded       BIGINT NOT NULL,
    responded       BIGINT NOT NULL,
    response_secs   BIGINT NOT NULL,
    closed          BIGINT NOT NULL,
    resolution_secs BIGINT NOT NULL,
    sla_closed      BIGINT NOT NULL,
    within_sla      BIGINT NOT NULL,
    reopened        BIGINT NOT NULL,
    ratings         BIGINT NOT NULL,
    rating_sum      BIGINT NOT NULL,
    satisfied       BIGINT NOT NULL,
    promoters       BIGINT NOT NULL,
    detractors      BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_id, day, service_code, department_id, channel)
);

-- Backfill: the projector recomputes dirty days, and with them their months.
INSERT INTO quality_dirty_days (jurisdiction_id, day)
SELECT DISTINCT jurisdiction_id, day FROM quality_daily WHERE true
ON CONFLICT DO NOTHING;

-- +goose Down
DROP TABLE quality_monthly;
DROP TABLE quality_monthly_backlog;
DROP TABLE quality_monthly_values;
DROP TABLE quality_daily_backlog;
DROP TABLE quality_daily_values;
