-- +goose Up
-- Sortition draws run from the staff pages (internal/sortition). A draw
-- row holds what may be kept and published: settings, hashes of the
-- inputs, status and the result files. The uploaded pool is personal data
-- and lives in sortition_pools, one row per draw, so that deleting the
-- pool after the draw is deleting one row. AUTOINCREMENT: audit entries
-- name draw ids, so a deleted draw's id must never come back.
CREATE TABLE sortition_draws (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    title           TEXT NOT NULL,
    algorithm       TEXT NOT NULL,
    seats           INTEGER NOT NULL,
    seed            TEXT NOT NULL,                -- '' until the worker makes one
    id_column       TEXT NOT NULL DEFAULT '',
    keep_pool       BOOLEAN NOT NULL DEFAULT FALSE,
    status          TEXT NOT NULL,                -- queued, running, done, failed
    error           TEXT NOT NULL DEFAULT '',
    people_name     TEXT NOT NULL,
    quotas_name     TEXT NOT NULL,
    people_sha256   TEXT NOT NULL,
    quotas_sha256   TEXT NOT NULL,
    already_sha256  TEXT NOT NULL DEFAULT '',
    pool_size       INTEGER NOT NULL,             -- people who can be drawn
    created_by      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    locked_until    BIGINT NOT NULL DEFAULT 0,    -- lease of the worker running it
    started_at      BIGINT NOT NULL DEFAULT 0,
    finished_at     BIGINT NOT NULL DEFAULT 0,
    pool_deleted_at BIGINT NOT NULL DEFAULT 0,
    panel_sha256    TEXT NOT NULL DEFAULT '',
    selected_csv      BLOB,
    probabilities_csv BLOB,
    distribution_csv  BLOB,
    lottery_csv       BLOB,
    report_text       BLOB,
    report_json       BLOB
);
CREATE INDEX sortition_draws_list ON sortition_draws (jurisdiction_id, id);
CREATE INDEX sortition_draws_due ON sortition_draws (status, locked_until);

CREATE TABLE sortition_pools (
    draw_id          BIGINT PRIMARY KEY REFERENCES sortition_draws(id) ON DELETE CASCADE,
    jurisdiction_id  BIGINT NOT NULL,
    people           BLOB NOT NULL,
    quotas           BLOB NOT NULL,
    already_selected BLOB               -- NULL: no replacements
);

-- +goose Down
DROP TABLE sortition_pools;
DROP TABLE sortition_draws;
