-- +goose Up
-- No query orders or filters requests by updated_at (the update feed reads
-- events), and every index costs each insert.
DROP INDEX requests_updated;

-- +goose Down
CREATE INDEX requests_updated ON requests (jurisdiction_id, updated_at);
