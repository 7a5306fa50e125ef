-- +goose Up
-- Per day and slice, the values that medians, percentiles and the backlog
-- need, as sorted lists (delta-encoded varints, see store/valuelist.go):
-- first response and resolution times in business seconds, and for the
-- requests submitted that day that are still open, their submission and
-- due instants. Reading a year of these rows costs a few thousand rows
-- instead of a million facts, and the figures stay exact.
CREATE TABLE quality_daily_values (
    jurisdiction_id BIGINT NOT NULL,
    day             INTEGER NOT NULL,
    service_code    TEXT NOT NULL,
    department_id   BIGINT NOT NULL,
    channel         TEXT NOT NULL,
    response_secs   BLOB NOT NULL,  -- requests submitted on day with a first response
    resolution_secs BLOB NOT NULL,  -- requests finally closed on day, duplicates excluded
    open_count      BIGINT NOT NULL, -- requests submitted on day and open now
    open_submitted  BLOB NOT NULL,  -- their submission instants (microseconds)
    open_due        BLOB NOT NULL,  -- the due instants of those whose clock runs
    PRIMARY KEY (jurisdiction_id, day, service_code, department_id, channel)
);
-- The backlog reads every day with open requests, whatever the period.
CREATE INDEX quality_daily_values_open ON quality_daily_values (jurisdiction_id, day) WHERE open_count > 0;

-- Backfill: the projector recomputes dirty days, which now include these rows.
INSERT INTO quality_dirty_days (jurisdiction_id, day)
SELECT DISTINCT jurisdiction_id, day FROM quality_daily WHERE true -- "WHERE" lets SQLite parse the ON CONFLICT
ON CONFLICT DO NOTHING;

-- +goose Down
DROP TABLE quality_daily_values;
