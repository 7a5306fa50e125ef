-- +goose Up
-- Staff inbox: the unfiltered "all departments" view sorts by state and
-- time without the department column; the due-date sort and the overdue
-- filter need resolution_due in the index, per department and overall.
CREATE INDEX requests_inbox_state ON requests (jurisdiction_id, state, submitted_at);
CREATE INDEX requests_due_department ON requests (jurisdiction_id, department_id, resolution_due);
CREATE INDEX requests_due ON requests (jurisdiction_id, resolution_due);
-- Photos are re-pointed to blurred blobs; the old blob may be deleted only
-- when no other photo shares it.
CREATE INDEX media_blob ON media (blob_key);

-- Branding of a jurisdiction; the name, Bundesland, boundary and base URL
-- stay in jurisdictions, which casework reads for routing.
CREATE TABLE jurisdiction_settings (
    jurisdiction_id   BIGINT PRIMARY KEY REFERENCES jurisdictions(id),
    logo_key          TEXT NOT NULL DEFAULT '',
    logo_content_type TEXT NOT NULL DEFAULT '',
    color_primary     TEXT NOT NULL DEFAULT '',
    color_secondary   TEXT NOT NULL DEFAULT '',
    updated_at        BIGINT NOT NULL
);

-- +goose Down
DROP TABLE jurisdiction_settings;
DROP INDEX media_blob;
DROP INDEX requests_due;
DROP INDEX requests_due_department;
DROP INDEX requests_inbox_state;
