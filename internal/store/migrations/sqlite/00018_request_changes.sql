-- +goose Up
-- A change feed of requests for the map index of each app node
-- (internal/mapindex): every insert of a request and every raise of its
-- version (the store raises it with each change of the row or its photos,
-- 00016) stamps the row with the next value of one counter. SQLite has a
-- single writer, so the stamps grow in commit order and a reader that has
-- seen every stamp up to N has seen every change up to N. Rows from
-- before this migration keep 0: a node loads them whole at its start.
CREATE TABLE request_clock (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO request_clock (id, seq) VALUES (1, 0);

ALTER TABLE requests ADD COLUMN changed_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX requests_changed ON requests (jurisdiction_id, changed_seq);

-- Triggers, as for the R*Tree (00010), so that no write path can forget
-- the stamp. Setting changed_seq fires neither trigger again. An insert
-- that already carries a stamp (store.InsertRequest sets the counter's
-- next value) only advances the counter: every row a transaction stamps
-- lies above the counter as its readers saw it before, and at most at the
-- counter as it commits. Others (the bulk loader) are stamped here.
-- +goose StatementBegin
CREATE TRIGGER requests_changed_insert AFTER INSERT ON requests
BEGIN
    UPDATE request_clock SET seq = seq + 1;
    UPDATE requests SET changed_seq = (SELECT seq FROM request_clock) WHERE id = NEW.id AND NEW.changed_seq = 0;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER requests_changed_update AFTER UPDATE OF version ON requests
BEGIN
    UPDATE request_clock SET seq = seq + 1;
    UPDATE requests SET changed_seq = (SELECT seq FROM request_clock) WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER requests_changed_update;
DROP TRIGGER requests_changed_insert;
DROP INDEX requests_changed;
ALTER TABLE requests DROP COLUMN changed_seq;
DROP TABLE request_clock;
