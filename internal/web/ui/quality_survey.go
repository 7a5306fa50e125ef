package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"

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
	score, err := strconv.Atoi(r.PostForm.Get("score"))
	if err != nil || score < 1 || score > 5 {
		p.ScoreErr = "quality.survey.score.missing"
		u.Render(w, r, http.StatusUnprocessableEntity, "survey", u.Catalog.T(Locale(r), "quality.survey.title"), p)
		return
	}
	p.Score = score
	if _, err := sv.Rate(ctx, j.ID, token, score, p.Comment); err != nil {
		u.surveyError(w, r, p, err)
		return
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
