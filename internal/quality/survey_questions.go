package quality

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/store"
)

// A service may ask up to MaxQuestions short questions after the score.
const MaxQuestions = 5

// Question kinds.
const (
	KindScale = "scale" // 1 to 5
	KindYesNo = "yesno"
	KindText  = "text"
)

// QuestionKinds lists the kinds in the order the form offers them.
var QuestionKinds = []string{KindScale, KindYesNo, KindText}

// maxQuestionText bounds a question's wording.
const maxQuestionText = 300

// SaveQuestions replaces the survey of a service with qs, one per
// position 1..MaxQuestions; a position with an empty text removes its
// question and the answers to it. It is part of the service catalogue,
// so it needs the admin role, and it writes one audit entry.
func SaveQuestions(ctx context.Context, db *store.DB, now time.Time, actor *rathaus.User, jurisdictionID, serviceID int64, qs []store.SurveyQuestion) error {
	if err := rathaus.CanAdminister(actor, jurisdictionID); err != nil {
		return err
	}
	if len(qs) > MaxQuestions {
		return rathaus.Invalidf("questions", "Höchstens %d Fragen.", MaxQuestions)
	}
	for i := range qs {
		q := &qs[i]
		q.Text = strings.TrimSpace(q.Text)
		field := "q" + strconv.Itoa(q.Position)
		if q.Position < 1 || q.Position > MaxQuestions {
			return rathaus.Invalidf(field, "Position 1 bis %d.", MaxQuestions)
		}
		if q.Text == "" {
			continue
		}
		if q.Kind != KindScale && q.Kind != KindYesNo && q.Kind != KindText {
			return rathaus.Invalidf(field+"-kind", "Bitte wählen Sie die Art der Antwort.")
		}
		if n := utf8.RuneCountInString(q.Text); n > maxQuestionText || hasControl(q.Text, false) {
			return rathaus.Invalidf(field+"-text", "Der Text der Frage hat höchstens %d Zeichen in einer Zeile.", maxQuestionText)
		}
	}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		s, err := tx.ServiceByID(ctx, jurisdictionID, serviceID)
		if err != nil {
			return err
		}
		var kept []string
		for _, q := range qs {
			if q.Text == "" {
				if _, err := tx.DeleteSurveyQuestion(ctx, jurisdictionID, serviceID, q.Position); err != nil {
					return err
				}
				continue
			}
			q.JurisdictionID, q.ServiceID = jurisdictionID, serviceID
			if err := tx.SaveSurveyQuestion(ctx, &q); err != nil {
				return err
			}
			kept = append(kept, fmt.Sprintf("%d:%s", q.Position, q.Kind))
		}
		_, err = tx.AppendAudit(ctx, audit.Entry{At: now, JurisdictionID: jurisdictionID, ActorID: actor.ID, ActorName: actor.Email,
			Action: "service.survey.save", Target: "service:" + s.Code,
			Detail: fmt.Sprintf(`{"questions":%q}`, strings.Join(kept, ","))})
		return err
	})
	if err != nil {
		return fmt.Errorf("quality: save survey of service %d: %w", serviceID, err)
	}
	return nil
}

// hasControl reports a control character; newlines count only when
// multiline is false.
func hasControl(s string, multiline bool) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t'))
	}) >= 0
}

// Questionnaire is what the survey page asks about one request: the
// active questions of its service and the answers given so far.
type Questionnaire struct {
	RequestID int64
	Questions []*store.SurveyQuestion
	Answers   map[int64]store.SurveyAnswer
}

// Questions returns the questionnaire of the request the token names.
func (s *Surveys) Questions(ctx context.Context, jurisdictionID int64, token string) (*Questionnaire, error) {
	id, err := s.RequestID(token)
	if err != nil {
		return nil, err
	}
	qn := &Questionnaire{RequestID: id}
	err = s.db.ReadTx(ctx, func(tx *store.Tx) error {
		r, err := tx.Request(ctx, jurisdictionID, id)
		if err != nil {
			return err
		}
		all, err := tx.SurveyQuestions(ctx, jurisdictionID, r.ServiceID)
		if err != nil {
			return err
		}
		for _, q := range all {
			if q.Active {
				qn.Questions = append(qn.Questions, q)
			}
		}
		qn.Answers, err = tx.SurveyAnswersOf(ctx, jurisdictionID, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("quality: survey questions of request %d: %w", id, err)
	}
	return qn, nil
}

// ParseAnswer checks the form value of an answer to q: "1".."5" for a
// scale, "yes" or "no", or a text of at most MaxComment characters. An
// empty value is no answer (ok false).
func ParseAnswer(q *store.SurveyQuestion, raw string) (a store.SurveyAnswer, ok bool, err error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return a, false, nil
	}
	field := "q" + strconv.FormatInt(q.ID, 10)
	a.QuestionID = q.ID
	switch q.Kind {
	case KindScale:
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 5 {
			return a, false, rathaus.Invalidf(field, "must be 1 to 5")
		}
		a.Value = n
	case KindYesNo:
		switch raw {
		case "yes":
			a.Value = 1
		case "no":
			a.Value = 0
		default:
			return a, false, rathaus.Invalidf(field, "must be yes or no")
		}
	default:
		if !utf8.ValidString(raw) || hasControl(raw, true) {
			return a, false, rathaus.Invalidf(field, "contains a control character")
		}
		if n := utf8.RuneCountInString(raw); n > MaxComment {
			return a, false, rathaus.TooLargef(field, "has %d characters, at most %d are allowed", n, MaxComment)
		}
		a.Text = raw
	}
	return a, true, nil
}

// Answer stores the answers of the survey page for the request the token
// names, by question ID; an empty value removes an earlier answer. The
// request must be rated already (the score comes first), and all answers
// are checked before any is stored.
func (s *Surveys) Answer(ctx context.Context, jurisdictionID int64, token string, form map[int64]string) error {
	id, err := s.RequestID(token)
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	err = s.db.WriteTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.RatingOf(ctx, jurisdictionID, id); err != nil {
			if rathaus.KindOf(err) == rathaus.KindNotFound {
				return rathaus.Invalidf("score", "give a score first")
			}
			return err
		}
		r, err := tx.Request(ctx, jurisdictionID, id)
		if err != nil {
			return err
		}
		qs, err := tx.SurveyQuestions(ctx, jurisdictionID, r.ServiceID)
		if err != nil {
			return err
		}
		type change struct {
			q   *store.SurveyQuestion
			a   store.SurveyAnswer
			set bool
		}
		var changes []change
		for _, q := range qs {
			if !q.Active {
				continue
			}
			a, ok, err := ParseAnswer(q, form[q.ID])
			if err != nil {
				return err
			}
			changes = append(changes, change{q, a, ok})
		}
		for _, c := range changes {
			if !c.set {
				if err := tx.DeleteSurveyAnswer(ctx, jurisdictionID, id, c.q.ID); err != nil {
					return err
				}
				continue
			}
			c.a.RequestID, c.a.JurisdictionID, c.a.AnsweredAt = id, jurisdictionID, now
			if err := tx.SaveSurveyAnswer(ctx, c.a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("quality: answer survey of request %d: %w", id, err)
	}
	return nil
}

// QuestionFigure is one question's answers in a period: the count and the
// mean score (scale) or the share of yeses (yes/no).
type QuestionFigure struct {
	Question *store.SurveyQuestion
	Answers  int64
	Mean     *float64 // scale: 1..5; yes/no: share of yes 0..1; text: nil
}

// QuestionFigures sums the answers to a service's questions given from
// the local date from to the local date to (inclusive).
func QuestionFigures(ctx context.Context, db *store.DB, jurisdictionID int64, serviceCode string, from, to time.Time) ([]QuestionFigure, error) {
	e, err := loadEnv(ctx, db, jurisdictionID)
	if err != nil {
		return nil, err
	}
	svc := e.services[serviceCode]
	if svc == nil {
		return nil, nil
	}
	loc := e.cal.Location()
	start := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	end := time.Date(to.Year(), to.Month(), to.Day()+1, 0, 0, 0, 0, loc)
	var out []QuestionFigure
	err = db.ReadTx(ctx, func(tx *store.Tx) error {
		qs, err := tx.SurveyQuestions(ctx, jurisdictionID, svc.ID)
		if err != nil || len(qs) == 0 {
			return err
		}
		stats, err := tx.SurveyQuestionStats(ctx, jurisdictionID, svc.ID, start, end)
		if err != nil {
			return err
		}
		for _, q := range qs {
			st := stats[q.ID]
			f := QuestionFigure{Question: q, Answers: st.Answers}
			if st.Answers > 0 && q.Kind != KindText {
				m := float64(st.Sum) / float64(st.Answers)
				f.Mean = &m
			}
			out = append(out, f)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("quality: question figures of %s: %w", serviceCode, err)
	}
	return out, nil
}
