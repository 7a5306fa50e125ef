package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/quality"
	"github.com/rathaus/rathaus/internal/store"
)

// surveyPage is the view model of /bewertung/{token}.
type surveyPage struct {
	Token      string
	Score      int // 0: not rated yet
	Scores     []int
	Comment    string
	Saved      bool   // the rating (and comment) is stored
	ScoreErr   string // message key
	CommentErr string // message key
	NotClosed  bool
	// Questions are the service's own questions, shown once the score is
	// recorded; Answers what was given so far, by question ID.
	Questions []surveyQuestion
}

// surveyQuestion is one question of the service on the survey page.
type surveyQuestion struct {
	ID         int64
	Kind, Text string
	Value      string // the answer as the form holds it: "1".."5", "yes"/"no", or text
	Err        string // message key
}

var surveyScores = []int{1, 2, 3, 4, 5}

// surveys returns the survey engine, or nil when no secret is configured.
func (u *UI) surveys() *quality.Surveys {
	if len(u.SurveySecret) == 0 {
		return nil
	}
	s, err := quality.NewSurveys(u.Cases.DB(), u.SurveySecret, u.Now, nil)
	if err != nil {
		u.Log.Error("ui: surveys", "err", err)
		return nil
	}
	return s
}

// currentRating returns the stored rating of the request, or nil.
func (u *UI) currentRating(ctx context.Context, jurisdictionID, requestID int64) (*store.Rating, error) {
	var rt *store.Rating
	err := u.Cases.DB().ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		rt, err = tx.RatingOf(ctx, jurisdictionID, requestID)
		return err
	})
	if rathaus.KindOf(err) == rathaus.KindNotFound {
		return nil, nil
	}
	return rt, err
}

// SurveyPage is GET /bewertung/{token}?score=N, the link of the closing
// mail: a score 1 to 5 is recorded at once (one click), and the page
// thanks and offers an optional comment. Following the same link again
// changes nothing, so a reload keeps a comment given in the meantime; a
// different score replaces the first one and keeps the comment.
func (u *UI) SurveyPage(w http.ResponseWriter, r *http.Request) {
	sv := u.surveys()
	if sv == nil {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	token := r.PathValue("token")
	id, err := sv.RequestID(token)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	j, err := u.jurisdiction(ctx)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	p := surveyPage{Token: token, Scores: surveyScores}
	cur, err := u.currentRating(ctx, j.ID, id)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	if cur != nil {
		p.Score, p.Comment, p.Saved = cur.Score, cur.Comment, true
	}
	if score, err := strconv.Atoi(r.URL.Query().Get("score")); err == nil && score >= 1 && score <= 5 && (cur == nil || cur.Score != score) {
		if _, err := sv.Rate(ctx, j.ID, token, score, p.Comment); err != nil {
			u.surveyError(w, r, p, err)
			return
		}
		p.Score, p.Saved = score, true
	}
	if err := u.surveyQuestions(r, sv, j.ID, token, &p, nil); err != nil {
		u.Error(w, r, err)
		return
	}
	u.Render(w, r, http.StatusOK, "survey", u.Catalog.T(Locale(r), "quality.survey.title"), p)
}

// SurveyComment is POST /bewertung/{token}: the score (which may be
// changed on the page) and the optional comment.
func (u *UI) SurveyComment(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	sv := u.surveys()
	if sv == nil {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	token := r.PathValue("token")
	if _, err := sv.RequestID(token); err != nil {
		u.Error(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		u.Error(w, r, rathaus.TooLargef("comment", "the form is too large"))
		return
	}
	j, err := u.jurisdiction(ctx)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	p := surveyPage{Token: token, Scores: surveyScores, Comment: r.PostForm.Get("comment")}
	if err := u.surveyQuestions(r, sv, j.ID, token, &p, r.PostForm); err != nil {
		u.Error(w, r, err)
		return
	}
	score, err := strconv.Atoi(r.PostForm.Get("score"))
	if err != nil || score < 1 || score > 5 {
		p.ScoreErr = "quality.survey.score.missing"
		u.Render(w, r, http.StatusUnprocessableEntity, "survey", u.Catalog.T(Locale(r), "quality.survey.title"), p)
		return
	}
	p.Score = score
	answers := map[int64]string{}
	for _, q := range p.Questions {
		answers[q.ID] = q.Value
	}
	// The answers are checked before the score is stored, so that a bad
	// answer changes nothing; Answer checks them again in its transaction.
	for i, q := range p.Questions {
		if _, _, err := quality.ParseAnswer(&store.SurveyQuestion{ID: q.ID, Kind: q.Kind}, q.Value); err != nil {
			p.Questions[i].Err = "qa.answer.invalid." + q.Kind
			u.Render(w, r, http.StatusUnprocessableEntity, "survey", u.Catalog.T(Locale(r), "quality.survey.title"), p)
			return
		}
	}
	if _, err := sv.Rate(ctx, j.ID, token, score, p.Comment); err != nil {
		u.surveyError(w, r, p, err)
		return
	}
	if len(p.Questions) > 0 {
		if err := sv.Answer(ctx, j.ID, token, answers); err != nil {
			u.Error(w, r, err)
			return
		}
	}
	SetFlash(w, "quality.survey.saved")
	http.Redirect(w, r, "/bewertung/"+token+"?score="+strconv.Itoa(score), http.StatusSeeOther)
}

// surveyError shows what went wrong with a rating: a request not closed
// yet (409) or a comment that cannot be stored (422, text kept).
func (u *UI) surveyError(w http.ResponseWriter, r *http.Request, p surveyPage, err error) {
	title := u.Catalog.T(Locale(r), "quality.survey.title")
	var e *rathaus.Error
	switch {
	case rathaus.KindOf(err) == rathaus.KindConflict:
		p.NotClosed, p.Score = true, 0
		u.Render(w, r, http.StatusConflict, "survey", title, p)
	case errors.As(err, &e) && e.Field == "comment":
		p.CommentErr = "quality.survey.comment.invalid"
		if e.Kind == rathaus.KindTooLarge {
			p.CommentErr = "quality.survey.comment.toolong"
		}
		u.Render(w, r, http.StatusUnprocessableEntity, "survey", title, p)
	default:
		u.Error(w, r, err)
	}
}

// surveyQuestions fills p.Questions with the service's active questions
// and the answers given so far, or those of form when it is a POST.
func (u *UI) surveyQuestions(r *http.Request, sv *quality.Surveys, jurisdictionID int64, token string, p *surveyPage, form url.Values) error {
	qn, err := sv.Questions(r.Context(), jurisdictionID, token)
	if err != nil {
		return err
	}
	for _, q := range qn.Questions {
		sq := surveyQuestion{ID: q.ID, Kind: q.Kind, Text: q.Text}
		if form != nil {
			sq.Value = strings.TrimSpace(form.Get("q" + strconv.FormatInt(q.ID, 10)))
		} else if a, ok := qn.Answers[q.ID]; ok {
			switch q.Kind {
			case quality.KindScale:
				sq.Value = strconv.Itoa(a.Value)
			case quality.KindYesNo:
				sq.Value = map[bool]string{true: "yes", false: "no"}[a.Value == 1]
			default:
				sq.Value = a.Text
			}
		}
		p.Questions = append(p.Questions, sq)
	}
	return nil
}

// YesNo are the answers of a yes/no question, in the order shown.
func (surveyPage) YesNo() []string { return []string{"yes", "no"} }
