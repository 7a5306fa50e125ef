-- +goose Up
-- Map (bbox) queries select by grid cell and time; see casework.List.
CREATE INDEX requests_cells ON requests (jurisdiction_id, cell, submitted_at);

-- +goose Down
DROP INDEX requests_cells;
