package ui

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/quality"
	"github.com/rathaus/rathaus/internal/store"
)

// Surveys per service: the questions in the service administration
// (/staff/admin/services/{id}/survey), the free texts of a department
// (/staff/quality/feedback) and the answers on the staff request page.

// questionRow is one of the five rows of the survey form.
type questionRow struct {
	Position     int
	Kind, Text   string
	Active       bool
	KindErr, Err string
}

type surveyAdminPage struct {
	Service   *rathaus.Service
	Questions []questionRow
	Kinds     []string
	Form      adminForm
}

// AdminSurvey is GET /staff/admin/services/{id}/survey: up to five
// questions asked after the score.
func (u *UI) AdminSurvey(w http.ResponseWriter, r *http.Request) {
	u.renderSurveyAdmin(w, r, http.StatusOK, adminForm{})
}

func (u *UI) renderSurveyAdmin(w http.ResponseWriter, r *http.Request, status int, form adminForm) {
	_, j, err := u.staffContext(r)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	ctx := r.Context()
	var svc *rathaus.Service
	var qs []*store.SurveyQuestion
	err = u.Cases.DB().ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		if svc, err = tx.ServiceByID(ctx, j.ID, pathID(r)); err != nil {
			return err
		}
		qs, err = tx.SurveyQuestions(ctx, j.ID, svc.ID)
		return err
	})
	if err != nil {
		u.Error(w, r, err)
		return
	}
	p := surveyAdminPage{Service: svc, Kinds: quality.QuestionKinds, Form: form}
	for pos := 1; pos <= quality.MaxQuestions; pos++ {
		row := questionRow{Position: pos, Kind: quality.KindScale, Active: true}
		for _, q := range qs {
			if q.Position == pos {
				row.Kind, row.Text, row.Active = q.Kind, q.Text, q.Active
			}
		}
		if form.Failed("survey") {
			n := strconv.Itoa(pos)
			row.Kind, row.Text, row.Active = form.Values.Get("kind"+n), form.Values.Get("text"+n), form.Values.Get("active"+n) != ""
			row.KindErr, row.Err = form.Errors["q"+n+"-kind"], form.Errors["q"+n+"-text"]
		}
		p.Questions = append(p.Questions, row)
	}
	u.Render(w, r, status, "admin_survey", u.Catalog.T(Locale(r), "qa.survey.title", svc.Name), p)
}

// AdminSaveSurvey is POST /staff/admin/services/{id}/survey.
func (u *UI) AdminSaveSurvey(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil || !u.parseAdminForm(w, r) {
		if err != nil {
			u.Error(w, r, err)
		}
		return
	}
	f := r.PostForm
	var qs []store.SurveyQuestion
	for pos := 1; pos <= quality.MaxQuestions; pos++ {
		n := strconv.Itoa(pos)
		qs = append(qs, store.SurveyQuestion{Position: pos, Kind: f.Get("kind" + n), Text: f.Get("text" + n), Active: f.Get("active"+n) != ""})
	}
	id := pathID(r)
	if err := quality.SaveQuestions(r.Context(), u.Cases.DB(), u.Now().UTC().Truncate(time.Microsecond), user, j.ID, id, qs); err != nil {
		if form, status, ok := failed("survey", err, f); ok {
			u.renderSurveyAdmin(w, r, status, form)
			return
		}
		u.Error(w, r, err)
		return
	}
	SetFlash(w, "qa.flash.survey.saved")
	http.Redirect(w, r, "/staff/admin/services/"+strconv.FormatInt(id, 10)+"/survey", http.StatusSeeOther)
}

type feedbackRow struct {
	store.Feedback
	Service, When string
}

type feedbackPage struct {
	Department string
	Rows       []feedbackRow
}

// maxFeedback is how many free texts the department list shows.
const maxFeedback = 100

// QualityFeedback is GET /staff/quality/feedback?department=ID: the
// latest survey comments and free-text answers about the department's
// requests, with the request number and no name or contact.
func (u *UI) QualityFeedback(w http.ResponseWriter, r *http.Request) {
	j, names, ok := u.jurisdictionNames(w, r)
	if !ok {
		return
	}
	dept, _ := strconv.ParseInt(r.URL.Query().Get("department"), 10, 64)
	p := feedbackPage{Department: names.Departments[dept]}
	if p.Department == "" {
		u.Error(w, r, rathaus.NotFoundf("department %d", dept))
		return
	}
	ctx := r.Context()
	var fb []store.Feedback
	if err := u.Cases.DB().ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		fb, err = tx.DepartmentFeedback(ctx, j.ID, dept, maxFeedback)
		return err
	}); err != nil {
		u.Error(w, r, err)
		return
	}
	svcName := map[int64]string{}
	for _, s := range names.services {
		svcName[s.ID] = s.Name
	}
	for _, f := range fb {
		p.Rows = append(p.Rows, feedbackRow{Feedback: f, Service: svcName[f.ServiceID], When: f.At.In(berlin).Format("02.01.2006 15:04")})
	}
	u.Render(w, r, http.StatusOK, "quality_feedback", u.Catalog.T(Locale(r), "qa.feedback.title", p.Department), p)
}

// answerView is one survey answer on the staff request page.
type answerView struct {
	Question, Answer string
}

// requestSurvey is the rating section of the staff request page.
type requestSurvey struct {
	Score   int
	Comment string
	Answers []answerView
}

// requestSurveyOf loads the rating and answers of a request for its
// staff page; nil when it has not been rated.
func (u *UI) requestSurveyOf(r *http.Request, req *rathaus.Request) (*requestSurvey, error) {
	ctx, loc := r.Context(), Locale(r)
	var out *requestSurvey
	err := u.Cases.DB().ReadTx(ctx, func(tx *store.Tx) error {
		rt, err := tx.RatingOf(ctx, req.JurisdictionID, req.ID)
		if rathaus.KindOf(err) == rathaus.KindNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		out = &requestSurvey{Score: rt.Score, Comment: rt.Comment}
		qs, err := tx.SurveyQuestions(ctx, req.JurisdictionID, req.ServiceID)
		if err != nil {
			return err
		}
		answers, err := tx.SurveyAnswersOf(ctx, req.JurisdictionID, req.ID)
		if err != nil {
			return err
		}
		for _, q := range qs {
			a, ok := answers[q.ID]
			if !ok {
				continue
			}
			v := answerView{Question: q.Text, Answer: a.Text}
			switch q.Kind {
			case quality.KindScale:
				v.Answer = u.Catalog.T(loc, "quality.survey.score."+strconv.Itoa(a.Value))
			case quality.KindYesNo:
				v.Answer = u.Catalog.T(loc, map[bool]string{true: "qa.yes", false: "qa.no"}[a.Value == 1])
			}
			if v.Answer != "" {
				out.Answers = append(out.Answers, v)
			}
		}
		return nil
	})
	return out, err
}

// questionView is one survey question's answers on the dashboard.
type questionView struct {
	Text, Kind string
	Answers    int64
	Mean       string // "3,5" for a scale, "62,5 %" yes for yes/no, "" for text
}

// surveyDrill adds the survey figures of a drilled service and the link
// to the free texts of a drilled department.
func (u *UI) surveyDrill(r *http.Request, j *rathaus.Jurisdiction, s quality.Slice, d *qualityDashboard) error {
	loc := Locale(r)
	if s.DepartmentID != 0 {
		d.FeedbackURL = "/staff/quality/feedback?department=" + strconv.FormatInt(s.DepartmentID, 10)
	}
	if s.ServiceCode == "" {
		return nil
	}
	figs, err := quality.QuestionFigures(r.Context(), u.Cases.DB(), j.ID, s.ServiceCode, s.From, s.To)
	if err != nil {
		return err
	}
	for _, f := range figs {
		v := questionView{Text: f.Question.Text, Kind: f.Question.Kind, Answers: f.Answers}
		if f.Mean != nil {
			if f.Question.Kind == quality.KindYesNo {
				v.Mean = percent(loc, f.Mean)
			} else {
				v.Mean = decimal(loc, f.Mean, 1, 1)
			}
		}
		d.Questions = append(d.Questions, v)
	}
	return nil
}

// manualDrill adds the manual indicators to the dashboard overview.
func (u *UI) manualDrill(r *http.Request, j *rathaus.Jurisdiction, d *qualityDashboard) error {
	names, err := u.names(r.Context(), j)
	if err != nil {
		return err
	}
	d.Manual, err = u.manualRows(r, j, names)
	return err
}
