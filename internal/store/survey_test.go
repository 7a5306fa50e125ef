package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

// TestSurveyQuestionsAnswersAndFeedback covers the survey tables on both
// dialects: questions by position, a kind change that drops the old
// answers, counts per question, the free texts of a department and their
// erasure with the request's contact data.
func TestSurveyQuestionsAnswersAndFeedback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j, s := seed(t, db)
		r1 := insertRequest(t, db, j, s, t0, 52.1, 8.1, 0)
		r2 := insertRequest(t, db, j, s, t0.Add(time.Hour), 52.1, 8.1, 0)
		var dept int64
		qs := []*store.SurveyQuestion{
			{Position: 2, Kind: "yesno", Text: "Wurde Ihr Anliegen verstanden?", Active: true},
			{Position: 1, Kind: "scale", Text: "Wie zufrieden sind Sie mit der Dauer?", Active: true},
			{Position: 3, Kind: "text", Text: "Was können wir besser machen?", Active: false},
		}
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			deps, err := tx.Departments(ctx, j.ID)
			if err != nil {
				return err
			}
			dept = deps[0].ID
			for _, r := range []*rathaus.Request{r1, r2} {
				r.DepartmentID, r.State, r.ClosedAt, r.UpdatedAt = dept, rathaus.StateClosed, t0.Add(2*time.Hour), t0.Add(2*time.Hour)
				if err := tx.UpdateRequest(ctx, r); err != nil {
					return err
				}
			}
			for _, q := range qs {
				q.JurisdictionID, q.ServiceID = j.ID, s.ID
				if err := tx.SaveSurveyQuestion(ctx, q); err != nil {
					return err
				}
			}
			at := t0.Add(3 * time.Hour)
			for _, a := range []store.SurveyAnswer{
				{RequestID: r1.ID, QuestionID: qs[1].ID, Value: 4}, {RequestID: r2.ID, QuestionID: qs[1].ID, Value: 1},
				{RequestID: r1.ID, QuestionID: qs[0].ID, Value: 1}, {RequestID: r2.ID, QuestionID: qs[0].ID, Value: 0},
				{RequestID: r1.ID, QuestionID: qs[2].ID, Text: "Schneller antworten"},
			} {
				a.JurisdictionID, a.AnsweredAt = j.ID, at
				if err := tx.SaveSurveyAnswer(ctx, a); err != nil {
					return err
				}
			}
			// A second answer replaces the first.
			if err := tx.SaveSurveyAnswer(ctx, store.SurveyAnswer{RequestID: r2.ID, QuestionID: qs[1].ID, JurisdictionID: j.ID, Value: 2, AnsweredAt: at}); err != nil {
				return err
			}
			return tx.SaveRating(ctx, &store.Rating{RequestID: r2.ID, JurisdictionID: j.ID, Score: 2, Comment: "Zu langsam",
				CreatedAt: at.Add(time.Minute), UpdatedAt: at.Add(time.Minute)})
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.ReadTx(ctx, func(tx *store.Tx) error {
			got, err := tx.SurveyQuestions(ctx, j.ID, s.ID)
			if err != nil {
				return err
			}
			if len(got) != 3 || got[0].Position != 1 || got[0].Kind != "scale" || got[1].Kind != "yesno" || got[2].Active {
				t.Errorf("questions = %+v %+v %+v, want scale, yesno, inactive text by position", got[0], got[1], got[2])
			}
			stats, err := tx.SurveyQuestionStats(ctx, j.ID, s.ID, t0, t0.Add(24*time.Hour))
			if err != nil {
				return err
			}
			if st := stats[qs[1].ID]; st.Answers != 2 || st.Sum != 6 {
				t.Errorf("scale stats = %+v, want 2 answers summing to 6", st)
			}
			if st := stats[qs[0].ID]; st.Answers != 2 || st.Sum != 1 {
				t.Errorf("yes/no stats = %+v, want 2 answers, 1 yes", st)
			}
			if none, err := tx.SurveyQuestionStats(ctx, j.ID, s.ID, t0.Add(24*time.Hour), t0.Add(48*time.Hour)); err != nil || len(none) != 0 {
				t.Errorf("stats of the next day = %v %v, want none", none, err)
			}
			fb, err := tx.DepartmentFeedback(ctx, j.ID, dept, 10)
			if err != nil {
				return err
			}
			if len(fb) != 2 || fb[0].Text != "Zu langsam" || fb[0].Question != "" || fb[0].Number != r2.Number ||
				fb[1].Text != "Schneller antworten" || fb[1].Question != "Was können wir besser machen?" {
				t.Errorf("feedback = %+v, want the comment first, then the text answer", fb)
			}
			if other, err := tx.DepartmentFeedback(ctx, j.ID, dept+1000, 10); err != nil || len(other) != 0 {
				t.Errorf("feedback of another department = %v %v", other, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// Changing a question's kind drops its answers; retention blanks
		// the free texts and keeps the figures.
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			q := *qs[0]
			q.Kind = "scale"
			if err := tx.SaveSurveyQuestion(ctx, &q); err != nil {
				return err
			}
			if q.ID != qs[0].ID {
				t.Errorf("question kept position but got ID %d, want %d", q.ID, qs[0].ID)
			}
			n, err := tx.EraseExpiredContacts(ctx, t0.Add(48*time.Hour))
			if n != 2 {
				t.Errorf("erased %d requests, want 2", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.ReadTx(ctx, func(tx *store.Tx) error {
			a1, err := tx.SurveyAnswersOf(ctx, j.ID, r1.ID)
			if err != nil {
				return err
			}
			if _, ok := a1[qs[0].ID]; ok {
				t.Errorf("the answer to the changed question survived: %+v", a1)
			}
			if a1[qs[1].ID].Value != 4 || a1[qs[2].ID].Text != "" || len(a1) != 2 {
				t.Errorf("answers after erasure = %+v, want the score 4 and a blanked text", a1)
			}
			rt, err := tx.RatingOf(ctx, j.ID, r2.ID)
			if err != nil {
				return err
			}
			if rt.Comment != "" || rt.Score != 2 {
				t.Errorf("rating after erasure = %+v, want score 2 without comment", rt)
			}
			fb, err := tx.DepartmentFeedback(ctx, j.ID, dept, 10)
			if len(fb) != 0 {
				t.Errorf("feedback after erasure = %+v", fb)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestDeleteQualityTargetAndManualValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j, _ := seed(t, db)
		tg := &store.QualityTarget{JurisdictionID: j.ID, Indicator: "within_sla_share", Threshold: 0.8, Direction: "higher_is_better", WindowDays: 7, CreatedAt: t0}
		m := &store.ManualIndicator{JurisdictionID: j.ID, Code: "wait", Name: "Wartezeit", Unit: "min", Direction: "lower_is_better"}
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateQualityTarget(ctx, tg); err != nil {
				return err
			}
			if _, err := tx.RecordQualityAlert(ctx, tg.ID, 20260302, 0.5, t0); err != nil {
				return err
			}
			if err := tx.UpsertManualIndicator(ctx, m); err != nil {
				return err
			}
			for _, v := range []store.ManualValue{{IndicatorID: m.ID, Period: "2026-03", Value: 12.5, UpdatedAt: t0}, {IndicatorID: m.ID, SliceKey: "pothole", Period: "2026", Value: 9, UpdatedAt: t0}} {
				if err := tx.UpsertManualValue(ctx, v); err != nil {
					return err
				}
			}
			if err := tx.DeleteQualityTarget(ctx, j.ID+1, tg.ID); rathaus.KindOf(err) != rathaus.KindNotFound {
				t.Errorf("delete in another jurisdiction: %v, want not found", err)
			}
			return tx.DeleteQualityTarget(ctx, j.ID, tg.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.ReadTx(ctx, func(tx *store.Tx) error {
			ts, err := tx.QualityTargets(ctx, j.ID)
			if err != nil || len(ts) != 0 {
				t.Errorf("targets after delete = %v %v", ts, err)
			}
			vals, err := tx.JurisdictionManualValues(ctx, j.ID)
			if err != nil {
				return err
			}
			if len(vals) != 2 || vals[0].Period != "2026" || vals[0].SliceKey != "pothole" || vals[1].Value != 12.5 {
				t.Errorf("values = %+v", vals)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
