-- +goose Up
-- The heat map's counts per grid cell (geo.Cell), per day and slice of the
-- requests submitted that day with a location, and per month merged from
-- the days, as sorted (cell, count) pairs (store/valuelist.go). A year's
-- heat map then reads a few thousand rows instead of every request.
CREATE TABLE quality_daily_cells (
    jurisdiction_id BIGINT NOT NULL,
    day             INTEGER NOT NULL,
    service_code    TEXT NOT NULL,
    department_id   BIGINT NOT NULL,
    channel         TEXT NOT NULL,
    cells           BYTEA NOT NULL,
    PRIMARY KEY (jurisdiction_id, day, service_code, department_id, channel)
);

CREATE TABLE quality_monthly_cells (
    jurisdiction_id BIGINT NOT NULL,
    day             INTEGER NOT NULL, -- the first of the month
    service_code    TEXT NOT NULL,
    department_id   BIGINT NOT NULL,
    channel         TEXT NOT NULL,
    cells           BYTEA NOT NULL,
    PRIMARY KEY (jurisdiction_id, day, service_code, department_id, channel)
);

-- The dashboard's overdue list: open requests whose running clock ran out,
-- longest overdue first, from the facts (the same the "overdue now" figure
-- counts), a range of this index instead of a sort of the backlog.
CREATE INDEX request_facts_due ON request_facts (jurisdiction_id, open, due_at);

-- Backfill: the projector recomputes dirty days, and with them their months.
INSERT INTO quality_dirty_days (jurisdiction_id, day)
SELECT DISTINCT jurisdiction_id, day FROM quality_daily WHERE true
ON CONFLICT DO NOTHING;

-- +goose Down
DROP INDEX request_facts_due;
DROP TABLE quality_monthly_cells;
DROP TABLE quality_daily_cells;
