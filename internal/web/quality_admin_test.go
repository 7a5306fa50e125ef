package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rathaus/rathaus/internal/store"
)

func (e *staffEnv) targets() []*store.QualityTarget {
	e.t.Helper()
	var ts []*store.QualityTarget
	if err := e.db.ReadTx(context.Background(), func(tx *store.Tx) error {
		var err error
		ts, err = tx.QualityTargets(context.Background(), e.j.ID)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return ts
}

// auditActions lists the actions of the latest audit entries, newest first.
func (e *staffEnv) auditActions() []string {
	e.t.Helper()
	entries, err := e.cases.RecentAudit(context.Background(), e.j, 50)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, a := range entries {
		out = append(out, a.Action)
	}
	return out
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

func TestQualityTargetsPage(t *testing.T) {
	e := newQualityEnv(t)
	// A backlog target for the whole town: four requests are open (the
	// backlog is always that of now), which misses "at most 2".
	w := e.do("lead", http.MethodPost, "/staff/quality/targets", url.Values{"indicator": {"backlog"}, "slice": {""},
		"threshold": {"2"}, "direction": {"lower_is_better"}, "window_days": {"1"}, "department": {"0"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("create volume target: %d\n%s", w.Code, w.Body.String())
	}
	w = e.do("lead", http.MethodPost, "/staff/quality/targets", url.Values{"indicator": {"within_sla_share"}, "slice": {"service:pothole"},
		"threshold": {"82,5"}, "direction": {"higher_is_better"}, "window_days": {"7"}, "department": {strconv.FormatInt(e.bau.ID, 10)}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("create share target: %d\n%s", w.Code, w.Body.String())
	}
	ts := e.targets()
	if len(ts) != 2 || ts[0].Threshold != 2 || ts[1].Threshold != 0.825 || ts[1].By != "service" || ts[1].SliceKey != "pothole" || ts[1].DepartmentID != e.bau.ID || ts[1].WindowDays != 7 {
		t.Fatalf("stored targets = %+v %+v, want the share as 0.825 for pothole", ts[0], ts[1])
	}
	body := e.do("lead", http.MethodGet, "/staff/quality/targets", nil).Body.String()
	row0 := rowOf(t, body, `<tr data-id="`+strconv.FormatInt(ts[0].ID, 10)+`">`)
	for _, want := range []string{"Gesamte Stadt", "≤ 2,0", `target-missed">Ziel verfehlt</span> 4,0`, "letzte 1 Tage"} {
		if !strings.Contains(row0, want) {
			t.Errorf("volume target row lacks %q:\n%s", want, row0)
		}
	}
	row1 := rowOf(t, body, `<tr data-id="`+strconv.FormatInt(ts[1].ID, 10)+`">`)
	for _, want := range []string{"Leistung: Schlagloch", "≥ 82,5\u00a0%", "Bauhof", "keine Daten", "letzte 7 Tage"} {
		if !strings.Contains(row1, want) {
			t.Errorf("share target row lacks %q:\n%s", want, row1)
		}
	}

	// Bad input: a field error, nothing stored.
	for _, tc := range []struct {
		name, field string
		form        url.Values
	}{
		{"threshold not a number", "threshold", url.Values{"indicator": {"csat"}, "threshold": {"viel"}, "direction": {"higher_is_better"}, "window_days": {"7"}}},
		{"share over 100 percent", "threshold", url.Values{"indicator": {"csat"}, "threshold": {"120"}, "direction": {"higher_is_better"}, "window_days": {"7"}}},
		{"negative hours", "threshold", url.Values{"indicator": {"median_resolution_hours"}, "threshold": {"-2"}, "direction": {"lower_is_better"}, "window_days": {"7"}}},
		{"unknown service", "slice", url.Values{"indicator": {"csat"}, "slice": {"service:nosuch"}, "threshold": {"80"}, "direction": {"higher_is_better"}, "window_days": {"7"}}},
		{"window too long", "window_days", url.Values{"indicator": {"csat"}, "threshold": {"80"}, "direction": {"higher_is_better"}, "window_days": {"400"}}},
	} {
		w := e.do("lead", http.MethodPost, "/staff/quality/targets", tc.form)
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="target-`+tc.field+`-err"`) ||
			!strings.Contains(w.Body.String(), `href="#target-`+tc.field+`"`) {
			t.Errorf("%s: %d, want 422 with an error at %s", tc.name, w.Code, tc.field)
		}
		if n := len(e.targets()); n != 2 {
			t.Errorf("%s: %d targets stored, want still 2", tc.name, n)
		}
	}

	w = e.do("lead", http.MethodPost, "/staff/quality/targets", url.Values{"indicator": {"csat"}, "threshold": {"120"}, "direction": {"higher_is_better"}, "window_days": {"7"}})
	if !strings.Contains(w.Body.String(), `<p class="error" id="target-threshold-err">Ein Anteil liegt zwischen 0 und 100 Prozent.</p>`) {
		t.Errorf("the threshold error does not say the range in German")
	}

	// Delete, with one audit entry per change.
	if w := e.do("lead", http.MethodPost, "/staff/quality/targets/"+strconv.FormatInt(ts[0].ID, 10)+"/delete", url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("delete: %d", w.Code)
	}
	if left := e.targets(); len(left) != 1 || left[0].ID != ts[1].ID {
		t.Errorf("targets after delete = %+v", left)
	}
	acts := e.auditActions()
	if count(acts, "quality.target.create") != 2 || count(acts, "quality.target.delete") != 1 {
		t.Errorf("audit actions = %v, want 2 creates and 1 delete", acts)
	}
}

// rowOf returns the table row starting with start.
func rowOf(t *testing.T, body, start string) string {
	t.Helper()
	i := strings.Index(body, start)
	if i < 0 {
		t.Fatalf("no row %s in\n%s", start, body)
	}
	j := strings.Index(body[i:], "</tr>")
	return body[i : i+j]
}

// upload posts a file as multipart/form-data as user.
func (e *staffEnv) upload(user, path, field, name, content string) *httptest.ResponseRecorder {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write([]byte(content))
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, "http://web.test"+path, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(&http.Cookie{Name: "rathaus_session", Value: e.cookies[user]})
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *staffEnv) manualValues() []store.ManualValue {
	e.t.Helper()
	var vals []store.ManualValue
	if err := e.db.ReadTx(context.Background(), func(tx *store.Tx) error {
		var err error
		vals, err = tx.JurisdictionManualValues(context.Background(), e.j.ID)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return vals
}

func TestQualityIndicatorsPage(t *testing.T) {
	e := newStaffEnv(t)
	w := e.do("lead", http.MethodPost, "/staff/quality/indicators", url.Values{"code": {"wait_counter"}, "name": {"Wartezeit Bürgerbüro"},
		"unit": {"min"}, "target": {"15"}, "direction": {"lower_is_better"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("define: %d\n%s", w.Code, w.Body.String())
	}
	body := e.do("lead", http.MethodGet, "/staff/quality/indicators", nil).Body.String()
	id := between(t, body, `<option value="`, `">Wartezeit Bürgerbüro</option>`)
	w = e.do("lead", http.MethodPost, "/staff/quality/indicators/values", url.Values{"indicator": {id}, "slice": {""}, "period": {"2026-03"}, "value": {"12,5"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("value: %d\n%s", w.Code, w.Body.String())
	}
	w = e.do("lead", http.MethodPost, "/staff/quality/indicators/values", url.Values{"indicator": {id}, "slice": {"pothole"}, "period": {"2026-Q1"}, "value": {"20"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("value of a service: %d", w.Code)
	}
	// Bad values: field errors, nothing stored.
	for field, form := range map[string]url.Values{
		"period": {"indicator": {id}, "period": {"März 2026"}, "value": {"3"}},
		"value":  {"indicator": {id}, "period": {"2026-04"}, "value": {"drei"}},
	} {
		w := e.do("lead", http.MethodPost, "/staff/quality/indicators/values", form)
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="val-`+field+`-err"`) {
			t.Errorf("bad %s: %d, want 422 with an error at val-%s", field, w.Code, field)
		}
	}
	vals := e.manualValues()
	if len(vals) != 2 || vals[0].Value != 12.5 || vals[0].Period != "2026-03" || vals[1].SliceKey != "pothole" {
		t.Fatalf("values = %+v", vals)
	}
	// The latest value is March (its period ends with the quarter's and
	// it was entered first, so the quarter wins), 20 min misses "≤ 15".
	body = e.do("lead", http.MethodGet, "/staff/quality/indicators", nil).Body.String()
	row := rowOf(t, body, `<tr data-code="wait_counter">`)
	for _, want := range []string{"Wartezeit Bürgerbüro (min)", "≤ 15", `<td class="latest">20 min</td><td>2026-Q1</td><td>Schlagloch</td>`, "Ziel verfehlt", `<td class="num">2</td>`} {
		if !strings.Contains(row, want) {
			t.Errorf("indicator row lacks %q:\n%s", want, row)
		}
	}
	// The dashboard shows it too.
	if dash := e.do("lead", http.MethodGet, "/staff/quality", nil).Body.String(); !strings.Contains(rowOf(t, dash, `<tr data-code="wait_counter">`), "20 min") {
		t.Errorf("dashboard lacks the manual indicator")
	}

	// A bad CSV file names line and column and imports nothing.
	bad := "indicator;slice;period;value\nwait_counter;;2026-04;11,5\nwait_counter;;2026-05;elf\n"
	w = e.upload("lead", "/staff/quality/indicators/import", "file", "werte.csv", bad)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "Zeile 3, Spalte 4: value &#34;elf&#34; is not a number. Es wurde nichts importiert.") {
		t.Fatalf("bad CSV: %d\n%s", w.Code, w.Body.String())
	}
	if n := len(e.manualValues()); n != 2 {
		t.Errorf("a refused file stored values: %d, want 2", n)
	}
	w = e.upload("lead", "/staff/quality/indicators/import", "file", "werte.csv", strings.Replace(bad, "elf", "11", 1))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("good CSV: %d\n%s", w.Code, w.Body.String())
	}
	if vals := e.manualValues(); len(vals) != 4 || vals[1].Period != "2026-04" || vals[1].Value != 11.5 || vals[2].Value != 11 {
		t.Errorf("after import = %+v", vals)
	}
	// A file over the upload limit is refused before it is read.
	w = e.upload("lead", "/staff/quality/indicators/import", "file", "gross.csv", "indicator;slice;period;value\n"+strings.Repeat("wait_counter;;2026-06;1\n", 400_000))
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), `id="csv-file-err"`) {
		t.Errorf("oversized upload: %d, want 413 with the error at the file field", w.Code)
	}
	if n := len(e.manualValues()); n != 4 {
		t.Errorf("an oversized file changed the values: %d, want 4", n)
	}
	acts := e.auditActions()
	if count(acts, "quality.indicator.save") != 1 || count(acts, "quality.value.save") != 2 || count(acts, "quality.import") != 1 {
		t.Errorf("audit actions = %v", acts)
	}
}

func between(t *testing.T, s, before, after string) string {
	t.Helper()
	j := strings.Index(s, after)
	if j < 0 {
		t.Fatalf("no %q in\n%s", after, s)
	}
	i := strings.LastIndex(s[:j], before)
	if i < 0 {
		t.Fatalf("no %q before %q", before, after)
	}
	return s[i+len(before) : j]
}

func TestServiceSurveyQuestions(t *testing.T) {
	e := newStaffEnv(t)
	ctx := context.Background()
	sv := e.withSurveys([]byte("0123456789abcdef0123456789abcdef-test"))
	var svcID int64
	if err := e.db.ReadTx(ctx, func(tx *store.Tx) error {
		s, err := tx.Service(ctx, e.j.ID, "pothole")
		svcID = s.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	path := "/staff/admin/services/" + strconv.FormatInt(svcID, 10) + "/survey"
	form := url.Values{"text1": {"Wie zufrieden sind Sie mit der Dauer?"}, "kind1": {"scale"}, "active1": {"1"},
		"text2": {"Wurde das Loch dauerhaft geflickt?"}, "kind2": {"yesno"}, "active2": {"1"},
		"text3": {"Was sollen wir besser machen?"}, "kind3": {"text"}, "active3": {"1"},
		"text4": {"Alte Frage"}, "kind4": {"scale"}}
	if w := e.do("admin", http.MethodPost, path, form); w.Code != http.StatusSeeOther {
		t.Fatalf("save questions: %d\n%s", w.Code, w.Body.String())
	}
	bad := url.Values{"text1": {"Frage"}, "kind1": {"multiple"}}
	if w := e.do("admin", http.MethodPost, path, bad); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `href="#survey-q1-kind"`) {
		t.Errorf("bad kind: %d", w.Code)
	}
	if _, err := e.cases.Close(ctx, e.j, e.users["caseworker"], e.req.ID, "fixed", "Geflickt."); err != nil {
		t.Fatal(err)
	}
	tok := sv.Token(e.req.ID)
	page := e.do("", http.MethodGet, "/bewertung/"+tok+"?score=4", nil).Body.String()
	if !strings.Contains(page, "<legend>Wie zufrieden sind Sie mit der Dauer?</legend>") || !strings.Contains(page, "Was sollen wir besser machen?</label>") ||
		strings.Contains(page, "Alte Frage") {
		t.Fatalf("survey page lacks the active questions (or shows the inactive one):\n%s", page)
	}
	ids := questionIDs(t, page)
	if len(ids) != 3 {
		t.Fatalf("question fields = %v, want 3", ids)
	}
	// A bad answer changes nothing, not even the score.
	w := e.do("", http.MethodPost, "/bewertung/"+tok, url.Values{"score": {"2"}, ids[0]: {"7"}})
	if w.Code != http.StatusUnprocessableEntity || e.rating(e.req.ID).Score != 4 {
		t.Errorf("bad answer: %d, score %d", w.Code, e.rating(e.req.ID).Score)
	}
	w = e.do("", http.MethodPost, "/bewertung/"+tok, url.Values{"score": {"5"}, "comment": {"Danke!"}, ids[0]: {"3"}, ids[1]: {"yes"},
		ids[2]: {"Bitte früher Bescheid geben."}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("answers: %d\n%s", w.Code, w.Body.String())
	}
	// The page shows them again.
	page = e.do("", http.MethodGet, "/bewertung/"+tok+"?score=5", nil).Body.String()
	if !strings.Contains(page, `name="`+ids[0]+`" value="3" checked`) || !strings.Contains(page, `value="yes" checked`) || !strings.Contains(page, "Bitte früher Bescheid geben.</textarea>") {
		t.Errorf("survey page does not show the answers given")
	}

	// The staff request page of the department shows score, comment and
	// answers; no contact data next to them.
	req := e.do("lead", http.MethodGet, "/staff/requests/"+strconv.FormatInt(e.req.ID, 10), nil).Body.String()
	sec := sectionOf(t, req, `<section aria-labelledby="survey-h"`)
	for _, want := range []string{"Note: 5 – sehr zufrieden", "Danke!", "<dt>Wie zufrieden sind Sie mit der Dauer?</dt><dd class=\"pre\">3 – teils, teils</dd>", "<dd class=\"pre\">Ja</dd>", "Bitte früher Bescheid geben."} {
		if !strings.Contains(sec, want) {
			t.Errorf("request page survey section lacks %q:\n%s", want, sec)
		}
	}
	if strings.Contains(sec, "melder@example.org") || strings.Contains(sec, "Mia") {
		t.Errorf("contact data next to the survey texts:\n%s", sec)
	}

	// The dashboard drill-down counts the answers per question.
	e.project()
	dash := e.do("lead", http.MethodGet, "/staff/quality?by=service&service=pothole", nil).Body.String()
	tbl := sectionOf(t, dash, `<section aria-labelledby="questions-h"`)
	for _, want := range []string{
		`<th scope="row">Wie zufrieden sind Sie mit der Dauer?</th><td>Skala 1 bis 5</td><td class="num">1</td><td class="num">3,0</td>`,
		`<th scope="row">Wurde das Loch dauerhaft geflickt?</th><td>Ja oder nein</td><td class="num">1</td><td class="num">100,0` + "\u00a0%",
		`<th scope="row">Was sollen wir besser machen?</th><td>Freitext</td><td class="num">1</td><td class="num">–</td>`,
	} {
		if !strings.Contains(tbl, want) {
			t.Errorf("question table lacks %q:\n%s", want, tbl)
		}
	}
	// The department drill-down links to its free texts.
	dept := strconv.FormatInt(e.bau.ID, 10)
	dash = e.do("lead", http.MethodGet, "/staff/quality?by=department&department="+dept, nil).Body.String()
	if !strings.Contains(dash, `href="/staff/quality/feedback?department=`+dept+`" id="q-feedback"`) {
		t.Errorf("department drill-down lacks the feedback link")
	}
	fb := e.do("lead", http.MethodGet, "/staff/quality/feedback?department="+dept, nil).Body.String()
	if !strings.Contains(fb, "Bitte früher Bescheid geben.") || !strings.Contains(fb, "Danke!") || !strings.Contains(fb, e.req.Number) || strings.Contains(fb, "melder@example.org") {
		t.Errorf("feedback page:\n%s", fb)
	}
	if fb := e.do("lead", http.MethodGet, "/staff/quality/feedback?department="+strconv.FormatInt(e.gruen.ID, 10), nil).Body.String(); strings.Contains(fb, "Danke!") {
		t.Errorf("another department sees the feedback")
	}
	if acts := e.auditActions(); count(acts, "service.survey.save") != 1 {
		t.Errorf("audit actions = %v, want one survey save", acts)
	}
}

// sectionOf returns the section of body starting with start.
func sectionOf(t *testing.T, body, start string) string {
	t.Helper()
	i := strings.Index(body, start)
	if i < 0 {
		t.Fatalf("no %s in\n%s", start, body)
	}
	j := strings.Index(body[i:], "</section>")
	return body[i : i+j]
}

// questionIDs returns the form names of the survey questions, in order.
func questionIDs(t *testing.T, page string) []string {
	t.Helper()
	var out []string
	seen := map[string]bool{}
	for rest := page; ; {
		i := strings.Index(rest, `name="q`)
		if i < 0 {
			return out
		}
		rest = rest[i+len(`name="`):]
		name := rest[:strings.Index(rest, `"`)]
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
}
