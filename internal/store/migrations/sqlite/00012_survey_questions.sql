-- +goose Up
-- Short surveys per service (internal/quality): up to five questions a
-- citizen answers after the one-click score. Free-text answers are
-- personal data and are blanked with the request's contact data when its
-- retention ends (EraseExpiredContacts).
CREATE TABLE survey_questions (
    id              INTEGER PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    service_id      BIGINT NOT NULL REFERENCES services(id),
    position        INTEGER NOT NULL,             -- 1..5, the order on the page
    kind            TEXT NOT NULL,                -- scale, yesno, text
    text            TEXT NOT NULL,
    active          INTEGER NOT NULL DEFAULT 1,
    UNIQUE (service_id, position)
);

CREATE TABLE survey_answers (
    request_id      BIGINT NOT NULL REFERENCES requests(id),
    question_id     BIGINT NOT NULL REFERENCES survey_questions(id),
    jurisdiction_id BIGINT NOT NULL,
    value           INTEGER NOT NULL DEFAULT 0,   -- scale 1..5; yes/no 1/0; text 0
    text            TEXT NOT NULL DEFAULT '',
    answered_at     BIGINT NOT NULL,
    PRIMARY KEY (request_id, question_id)
);
CREATE INDEX survey_answers_question ON survey_answers (question_id, answered_at);

-- +goose Down
DROP TABLE survey_answers;
DROP TABLE survey_questions;
