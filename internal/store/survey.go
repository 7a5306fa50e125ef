package store

import (
	"context"
	"fmt"
	"time"
)

// SurveyQuestion is one question of a service's short survey, asked on
// the survey page after the one-click score.
type SurveyQuestion struct {
	ID             int64
	JurisdictionID int64
	ServiceID      int64
	Position       int    // 1..5
	Kind           string // "scale" (1-5), "yesno" or "text"
	Text           string
	Active         bool
}

const questionCols = `id, jurisdiction_id, service_id, position, kind, text, active`

func scanQuestions(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}) ([]*SurveyQuestion, error) {
	var out []*SurveyQuestion
	for rows.Next() {
		var q SurveyQuestion
		if err := rows.Scan(&q.ID, &q.JurisdictionID, &q.ServiceID, &q.Position, &q.Kind, &q.Text, &q.Active); err != nil {
			return nil, err
		}
		out = append(out, &q)
	}
	return out, rows.Err()
}

// SurveyQuestions lists a service's questions by position.
func (tx *Tx) SurveyQuestions(ctx context.Context, jurisdictionID, serviceID int64) ([]*SurveyQuestion, error) {
	rows, err := tx.query(ctx, `SELECT `+questionCols+` FROM survey_questions
		WHERE jurisdiction_id = $1 AND service_id = $2 ORDER BY position`, jurisdictionID, serviceID)
	if err != nil {
		return nil, fmt.Errorf("store: survey questions of service %d: %w", serviceID, err)
	}
	defer rows.Close()
	out, err := scanQuestions(rows)
	if err != nil {
		return nil, fmt.Errorf("store: survey questions of service %d: %w", serviceID, err)
	}
	return out, nil
}

// SaveSurveyQuestion creates or updates the question at q.Position of its
// service and sets q.ID. A changed kind makes it another question: the
// answers given to the old one are deleted, since a yes would otherwise
// read as a score of 1.
func (tx *Tx) SaveSurveyQuestion(ctx context.Context, q *SurveyQuestion) error {
	var oldID int64
	var oldKind string
	err := tx.queryRow(ctx, `SELECT id, kind FROM survey_questions WHERE jurisdiction_id = $1 AND service_id = $2 AND position = $3`,
		q.JurisdictionID, q.ServiceID, q.Position).Scan(&oldID, &oldKind)
	if err == nil && oldKind != q.Kind {
		if _, err := tx.exec(ctx, `DELETE FROM survey_answers WHERE question_id = $1`, oldID); err != nil {
			return fmt.Errorf("store: drop answers of question %d: %w", oldID, err)
		}
	}
	id, err := tx.insertID(ctx, `INSERT INTO survey_questions (jurisdiction_id, service_id, position, kind, text, active)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (service_id, position) DO UPDATE SET kind = excluded.kind, text = excluded.text, active = excluded.active
		RETURNING id`, q.JurisdictionID, q.ServiceID, q.Position, q.Kind, q.Text, q.Active)
	if err != nil {
		return fmt.Errorf("store: save survey question %d of service %d: %w", q.Position, q.ServiceID, err)
	}
	q.ID = id
	return nil
}

// DeleteSurveyQuestion removes the question at a position of a service
// together with its answers. It reports whether there was one.
func (tx *Tx) DeleteSurveyQuestion(ctx context.Context, jurisdictionID, serviceID int64, position int) (bool, error) {
	if _, err := tx.exec(ctx, `DELETE FROM survey_answers WHERE question_id IN (SELECT id FROM survey_questions
		WHERE jurisdiction_id = $1 AND service_id = $2 AND position = $3)`, jurisdictionID, serviceID, position); err != nil {
		return false, fmt.Errorf("store: delete answers of question %d: %w", position, err)
	}
	res, err := tx.exec(ctx, `DELETE FROM survey_questions WHERE jurisdiction_id = $1 AND service_id = $2 AND position = $3`,
		jurisdictionID, serviceID, position)
	if err != nil {
		return false, fmt.Errorf("store: delete question %d of service %d: %w", position, serviceID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: delete question %d of service %d: %w", position, serviceID, err)
	}
	return n > 0, nil
}

// SurveyAnswer is a citizen's answer to one question about one request.
type SurveyAnswer struct {
	RequestID      int64
	QuestionID     int64
	JurisdictionID int64
	Value          int    // scale 1..5; yes/no 1/0; text 0
	Text           string // text questions only
	AnsweredAt     time.Time
}

// SaveSurveyAnswer stores an answer, replacing an earlier one to the same
// question.
func (tx *Tx) SaveSurveyAnswer(ctx context.Context, a SurveyAnswer) error {
	_, err := tx.exec(ctx, `INSERT INTO survey_answers (request_id, question_id, jurisdiction_id, value, text, answered_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (request_id, question_id) DO UPDATE SET value = excluded.value, text = excluded.text, answered_at = excluded.answered_at`,
		a.RequestID, a.QuestionID, a.JurisdictionID, a.Value, a.Text, micros(a.AnsweredAt))
	if err != nil {
		return fmt.Errorf("store: save answer of request %d: %w", a.RequestID, err)
	}
	return nil
}

// DeleteSurveyAnswer removes an answer (the citizen emptied the field).
func (tx *Tx) DeleteSurveyAnswer(ctx context.Context, jurisdictionID, requestID, questionID int64) error {
	_, err := tx.exec(ctx, `DELETE FROM survey_answers WHERE jurisdiction_id = $1 AND request_id = $2 AND question_id = $3`,
		jurisdictionID, requestID, questionID)
	if err != nil {
		return fmt.Errorf("store: delete answer of request %d: %w", requestID, err)
	}
	return nil
}

// SurveyAnswersOf lists the answers about a request, by question ID.
func (tx *Tx) SurveyAnswersOf(ctx context.Context, jurisdictionID, requestID int64) (map[int64]SurveyAnswer, error) {
	rows, err := tx.query(ctx, `SELECT request_id, question_id, jurisdiction_id, value, text, answered_at FROM survey_answers
		WHERE jurisdiction_id = $1 AND request_id = $2`, jurisdictionID, requestID)
	if err != nil {
		return nil, fmt.Errorf("store: answers of request %d: %w", requestID, err)
	}
	defer rows.Close()
	out := map[int64]SurveyAnswer{}
	for rows.Next() {
		var a SurveyAnswer
		var at int64
		if err := rows.Scan(&a.RequestID, &a.QuestionID, &a.JurisdictionID, &a.Value, &a.Text, &at); err != nil {
			return nil, fmt.Errorf("store: answers of request %d: %w", requestID, err)
		}
		a.AnsweredAt = fromMicros(at)
		out[a.QuestionID] = a
	}
	return out, rows.Err()
}

// QuestionStat sums the answers to one question in a period.
type QuestionStat struct {
	QuestionID int64
	Answers    int64
	Sum        int64 // of the values: scores, or the yeses
}

// SurveyQuestionStats counts the answers per question of a service given
// in [from, to).
func (tx *Tx) SurveyQuestionStats(ctx context.Context, jurisdictionID, serviceID int64, from, to time.Time) (map[int64]QuestionStat, error) {
	rows, err := tx.query(ctx, `SELECT q.id, COUNT(*), COALESCE(SUM(a.value), 0) FROM survey_questions q
		JOIN survey_answers a ON a.question_id = q.id
		WHERE q.jurisdiction_id = $1 AND q.service_id = $2 AND a.answered_at >= $3 AND a.answered_at < $4
		GROUP BY q.id`, jurisdictionID, serviceID, micros(from), micros(to))
	if err != nil {
		return nil, fmt.Errorf("store: answer counts of service %d: %w", serviceID, err)
	}
	defer rows.Close()
	out := map[int64]QuestionStat{}
	for rows.Next() {
		var s QuestionStat
		if err := rows.Scan(&s.QuestionID, &s.Answers, &s.Sum); err != nil {
			return nil, fmt.Errorf("store: answer counts of service %d: %w", serviceID, err)
		}
		out[s.QuestionID] = s
	}
	return out, rows.Err()
}

// Feedback is one free text from a survey: the comment of a rating or the
// answer to a text question. It carries no name or contact data.
type Feedback struct {
	RequestID int64
	Number    string
	ServiceID int64
	Question  string // "" for the rating's comment
	Text      string
	At        time.Time
}

// DepartmentFeedback lists the latest free texts about requests that a
// department has now, newest first.
func (tx *Tx) DepartmentFeedback(ctx context.Context, jurisdictionID, departmentID int64, limit int) ([]Feedback, error) {
	rows, err := tx.query(ctx, `SELECT f.request_id, r.number, r.service_id, f.question, f.text, f.at FROM (
			SELECT request_id, '' AS question, comment AS text, updated_at AS at FROM ratings
			WHERE jurisdiction_id = $1 AND comment <> ''
			UNION ALL
			SELECT a.request_id, q.text AS question, a.text, a.answered_at AS at FROM survey_answers a
			JOIN survey_questions q ON q.id = a.question_id
			WHERE a.jurisdiction_id = $1 AND a.text <> ''
		) f JOIN requests r ON r.id = f.request_id
		WHERE r.jurisdiction_id = $1 AND r.department_id = $2
		ORDER BY f.at DESC, f.request_id DESC LIMIT $3`, jurisdictionID, departmentID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: feedback of department %d: %w", departmentID, err)
	}
	defer rows.Close()
	var out []Feedback
	for rows.Next() {
		var f Feedback
		var at int64
		if err := rows.Scan(&f.RequestID, &f.Number, &f.ServiceID, &f.Question, &f.Text, &at); err != nil {
			return nil, fmt.Errorf("store: feedback of department %d: %w", departmentID, err)
		}
		f.At = fromMicros(at)
		out = append(out, f)
	}
	return out, rows.Err()
}
