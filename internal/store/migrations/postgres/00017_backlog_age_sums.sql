-- +goose Up
-- Two sums per day and slice give the mean age of the backlog at the end
-- of any period (count × end − sum of submission instants, over the
-- requests open then): the submission instants (seconds since 1970) of
-- the requests submitted on the day, and of those finally closed on it,
-- merged duplicates left out in both, as in the backlog series.
ALTER TABLE quality_daily ADD COLUMN submitted_secs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE quality_daily ADD COLUMN closed_submitted_secs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE quality_monthly ADD COLUMN submitted_secs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE quality_monthly ADD COLUMN closed_submitted_secs BIGINT NOT NULL DEFAULT 0;

-- Backfill: the projector recomputes dirty days, and with them their months.
INSERT INTO quality_dirty_days (jurisdiction_id, day)
SELECT DISTINCT jurisdiction_id, day FROM quality_daily WHERE true
ON CONFLICT DO NOTHING;

-- +goose Down
ALTER TABLE quality_monthly DROP COLUMN closed_submitted_secs;
ALTER TABLE quality_monthly DROP COLUMN submitted_secs;
ALTER TABLE quality_daily DROP COLUMN closed_submitted_secs;
ALTER TABLE quality_daily DROP COLUMN submitted_secs;
