-- +goose Up
-- A change feed of requests for the map index of each app node
-- (internal/mapindex): every insert of a request and every raise of its
-- version (the store raises it with each change of the row or its photos,
-- 00016) stamps the row with the ID of the writing transaction. IDs are
-- handed out at the first write, not at commit, so a reader cannot take
-- "the largest stamp seen" as its mark; it takes its snapshot's xmax and
-- the transactions the snapshot sees running (store.ChangeMark): every
-- other transaction below xmax has ended, and the next read takes the
-- running ones again and everything from xmax on. Rows from before this
-- migration keep NULL (no table rewrite): a node loads them whole at its
-- start, and the trigger stamps them when they change.
ALTER TABLE requests ADD COLUMN changed_xid xid8;
ALTER TABLE requests ALTER COLUMN changed_xid SET DEFAULT pg_current_xact_id();
CREATE INDEX requests_changed ON requests (jurisdiction_id, changed_xid);

-- +goose StatementBegin
CREATE FUNCTION requests_stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_xid := pg_current_xact_id();
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER requests_changed_update BEFORE UPDATE OF version ON requests
    FOR EACH ROW EXECUTE FUNCTION requests_stamp_change();

-- +goose Down
DROP TRIGGER requests_changed_update ON requests;
DROP FUNCTION requests_stamp_change();
DROP INDEX requests_changed;
ALTER TABLE requests DROP COLUMN changed_xid;
