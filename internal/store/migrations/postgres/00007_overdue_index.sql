-- +goose Up
-- The inbox's overdue count and filter: open states, due before now.
CREATE INDEX requests_state_due ON requests (jurisdiction_id, state, resolution_due);

-- +goose Down
DROP INDEX requests_state_due;
