-- +goose Up
-- Map (bbox) and radius queries read an R*Tree over longitude, latitude
-- and submission time: a box over a period is one index scan, where the
-- grid cells (00005) found every match of the box at any time. Units are
-- chosen so that one index unit is small against any query: 1e-7 degrees
-- (about 1 cm) and seconds since 2000-01-01 UTC, which also makes a
-- kilometre and a day about the same size, so nodes are not stretched in
-- one dimension. Times past 2068 are clamped to the int32 range, which
-- keeps results right (the store filters the rows exactly) and only makes
-- such queries read more. Requests without a location are not indexed.
CREATE VIRTUAL TABLE requests_space USING rtree_i32(request_id, min_lon, max_lon, min_lat, max_lat, min_t, max_t);

INSERT INTO requests_space (request_id, min_lon, max_lon, min_lat, max_lat, min_t, max_t)
SELECT id, CAST(round(lon * 1e7) AS INTEGER), CAST(round(lon * 1e7) AS INTEGER),
       CAST(round(lat * 1e7) AS INTEGER), CAST(round(lat * 1e7) AS INTEGER),
       max(-2147483648, min(2147483647, submitted_at / 1000000 - 946684800)),
       max(-2147483648, min(2147483647, submitted_at / 1000000 - 946684800))
FROM requests WHERE has_location;

-- Triggers keep the index right on every path that writes requests
-- (casework, the bulk loader, imports), so no Go code can forget it.
-- +goose StatementBegin
CREATE TRIGGER requests_space_insert AFTER INSERT ON requests WHEN NEW.has_location
BEGIN
    INSERT INTO requests_space (request_id, min_lon, max_lon, min_lat, max_lat, min_t, max_t)
    VALUES (NEW.id, CAST(round(NEW.lon * 1e7) AS INTEGER), CAST(round(NEW.lon * 1e7) AS INTEGER),
            CAST(round(NEW.lat * 1e7) AS INTEGER), CAST(round(NEW.lat * 1e7) AS INTEGER),
            max(-2147483648, min(2147483647, NEW.submitted_at / 1000000 - 946684800)),
            max(-2147483648, min(2147483647, NEW.submitted_at / 1000000 - 946684800)));
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER requests_space_update AFTER UPDATE OF has_location, lat, lon, submitted_at ON requests
BEGIN
    DELETE FROM requests_space WHERE request_id = OLD.id;
    INSERT INTO requests_space (request_id, min_lon, max_lon, min_lat, max_lat, min_t, max_t)
    SELECT NEW.id, CAST(round(NEW.lon * 1e7) AS INTEGER), CAST(round(NEW.lon * 1e7) AS INTEGER),
           CAST(round(NEW.lat * 1e7) AS INTEGER), CAST(round(NEW.lat * 1e7) AS INTEGER),
           max(-2147483648, min(2147483647, NEW.submitted_at / 1000000 - 946684800)),
           max(-2147483648, min(2147483647, NEW.submitted_at / 1000000 - 946684800))
    WHERE NEW.has_location;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER requests_space_delete AFTER DELETE ON requests
BEGIN
    DELETE FROM requests_space WHERE request_id = OLD.id;
END;
-- +goose StatementEnd

-- The R*Tree answers every box and radius query, so the two cell indexes
-- have no reader left on SQLite; each cost every insert a write at a
-- random place. (The cell column stays: PostgreSQL reads it.)
DROP INDEX requests_cells;
DROP INDEX requests_nearby;

-- The due-date sort of the inbox orders by an expression (requests
-- without a target last), which no index can serve: EXPLAIN QUERY PLAN
-- shows these two only as the source of a full sort, which a scan of the
-- table does as well. The overdue filter reads requests_state_due and
-- requests_inbox. Each was one more write per submission.
DROP INDEX requests_due;
DROP INDEX requests_due_department;

-- +goose Down
CREATE INDEX requests_due_department ON requests (jurisdiction_id, department_id, resolution_due);
CREATE INDEX requests_due ON requests (jurisdiction_id, resolution_due);
CREATE INDEX requests_nearby ON requests (jurisdiction_id, service_code, cell, submitted_at);
CREATE INDEX requests_cells ON requests (jurisdiction_id, cell, submitted_at);
DROP TRIGGER requests_space_delete;
DROP TRIGGER requests_space_update;
DROP TRIGGER requests_space_insert;
DROP TABLE requests_space;
