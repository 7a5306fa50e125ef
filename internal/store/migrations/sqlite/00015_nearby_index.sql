-- +goose Up
-- The duplicate lookup (one category within a few hundred metres over
-- the last weeks, also Open311's lat/long/radius with one service_code)
-- reads this index again: a handful of ranges, one per grid cell, hold
-- just that category's requests of the period. Through the R*Tree (00010)
-- the same query visited every category's requests in the box and read
-- each one's row to check its category. PostgreSQL kept the index.
-- Partial, so that only queries that state has_location = TRUE can use
-- it: without statistics for it, SQLite took it for the plain lists
-- (jurisdiction and service known, then a sort of every request) instead
-- of reading requests_submitted in order.
CREATE INDEX requests_nearby ON requests (jurisdiction_id, service_code, cell, submitted_at) WHERE has_location = TRUE;

-- +goose Down
DROP INDEX requests_nearby;
