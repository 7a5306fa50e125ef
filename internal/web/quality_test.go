package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/media"
	"github.com/rathaus/rathaus/internal/quality"
	"github.com/rathaus/rathaus/internal/store"
)

// newQualityEnv is the staff environment with two more pothole reports
// (three in all, one litter report), projected into the quality tables.
func newQualityEnv(t *testing.T) *staffEnv {
	t.Helper()
	e := newStaffEnv(t)
	ctx := context.Background()
	for _, d := range []string{"Loch in der Lindenstraße", "Loch am Bahnhof"} {
		if _, err := e.cases.Submit(ctx, e.j, casework.Submission{ServiceCode: "pothole", Address: "Lindenstraße 2",
			Description: d, Channel: rathaus.ChannelWeb}); err != nil {
			t.Fatal(err)
		}
	}
	e.project()
	return e
}

// project catches the quality projection up with the event history.
func (e *staffEnv) project() {
	e.t.Helper()
	if _, err := quality.NewProjector(e.db, time.Now, nil).CatchUp(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func berlinZone(t *testing.T) *time.Location {
	t.Helper()
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// cellRe finds a transparency row: its label and its volume cell.
var cellRe = regexp.MustCompile(`<tr data-key="([a-z]+)">\s*<th scope="row">([^<]+)</th>\s*<td class="num volume">(\d+)</td>`)

func TestTransparency(t *testing.T) {
	e := newQualityEnv(t)
	w := e.do("", http.MethodGet, "/transparenz", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /transparenz: %d", w.Code)
	}
	body := w.Body.String()
	got := map[string]string{}
	for _, m := range cellRe.FindAllStringSubmatch(body, -1) {
		got[m[1]] = m[2] + "=" + m[3]
	}
	want := map[string]string{"pothole": "Schlagloch=3", "litter": "Wilder Müll=1"}
	if len(got) != len(want) || got["pothole"] != want["pothole"] || got["litter"] != want["litter"] {
		t.Errorf("service rows = %v, want %v", got, want)
	}
	if a, b := strings.Index(body, ">Schlagloch<"), strings.Index(body, ">Wilder Müll<"); a < 0 || b < a {
		t.Errorf("services are not sorted by name (Schlagloch at %d, Wilder Müll at %d)", a, b)
	}
	for _, s := range []string{"<h1>Transparenzbericht</h1>", `<caption>Kennzahlen je Leistung`, `<th scope="col">Monat</th>`,
		`href="/transparenz/daten.csv"`, `href="/transparenz/daten.json"`, "k. A."} {
		if !strings.Contains(body, s) {
			t.Errorf("/transparenz lacks %q", s)
		}
	}
	// The month series covers twelve months; this month has the four requests.
	months := regexp.MustCompile(`<tr>\s*<th scope="row">(\d{4}-\d{2})</th>\s*<td class="num">(\d+)</td>`).FindAllStringSubmatch(body, -1)
	if len(months) != 12 {
		t.Fatalf("month rows: %d, want 12", len(months))
	}
	thisMonth := time.Now().In(berlinZone(t)).Format("2006-01")
	if last := months[11]; last[1] != thisMonth || last[2] != "4" {
		t.Errorf("last month row = %v, want this month with 4 requests", last[1:])
	}
	// No personal data on the public page.
	for _, s := range []string{"melder@example.org", "Mia", "Markt 1", "Tiefes Loch"} {
		if strings.Contains(body, s) {
			t.Errorf("/transparenz shows personal data %q", s)
		}
	}
	if w := e.do("", http.MethodGet, "/transparenz?lang=en", nil); !strings.Contains(w.Body.String(), "<h1>Transparency report</h1>") {
		t.Errorf("English page lacks its heading")
	}
}

func TestTransparencyDownloads(t *testing.T) {
	e := newQualityEnv(t)
	w := e.do("", http.MethodGet, "/transparenz/daten.csv", nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(w.Header().Get("Content-Disposition"), `attachment; filename="transparenz-`) {
		t.Fatalf("csv: %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"))
	}
	recs, err := csv.NewReader(w.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || !slices.Equal(recs[0], quality.Columns) {
		t.Fatalf("csv = %q, want header quality.Columns and two rows", recs)
	}
	if recs[1][0] != "litter" || recs[1][2] != "1" || recs[2][0] != "pothole" || recs[2][2] != "3" {
		t.Errorf("csv rows = %q", recs[1:])
	}

	w = e.do("", http.MethodGet, "/transparenz/daten.json", nil)
	var rows []quality.Row
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment;") {
		t.Fatalf("json: %d %q", w.Code, w.Header().Get("Content-Disposition"))
	}
	if err := json.Unmarshal(w.Body.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1].Key != "pothole" || rows[1].Volume != 3 || rows[1].Backlog != 3 {
		t.Errorf("json rows = %+v", rows)
	}
}

func TestQualityDashboard(t *testing.T) {
	e := newQualityEnv(t)
	ctx := context.Background()
	// Two targets on pothole: the backlog of now (3) misses "at most 1",
	// yesterday's volume (0) meets "at most 5".
	err := e.db.WriteTx(ctx, func(tx *store.Tx) error {
		for _, tg := range []*store.QualityTarget{
			{Indicator: "backlog", By: "service", SliceKey: "pothole", Threshold: 1, Direction: quality.LowerIsBetter, WindowDays: 1},
			{Indicator: "volume", By: "service", SliceKey: "pothole", Threshold: 5, Direction: quality.LowerIsBetter, WindowDays: 1},
		} {
			tg.JurisdictionID, tg.CreatedAt = e.j.ID, time.Now()
			if err := tx.CreateQualityTarget(ctx, tg); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		who  string
		code int
	}{{"", http.StatusSeeOther}, {"caseworker", http.StatusForbidden}, {"lead", http.StatusOK}, {"admin", http.StatusOK}} {
		if w := e.do(c.who, http.MethodGet, "/staff/quality", nil); w.Code != c.code {
			t.Errorf("GET /staff/quality as %q: %d, want %d", c.who, w.Code, c.code)
		}
	}

	body := e.do("lead", http.MethodGet, "/staff/quality", nil).Body.String()
	row := regexp.MustCompile(`(?s)<tr data-key="pothole">.*?</tr>`).FindString(body)
	for _, s := range []string{`href="/staff/quality?by=service&amp;period=30&amp;service=pothole"`, "Ziel verfehlt</span> Offene Meldungen: 3,0",
		"Ziel erreicht</span> Eingänge: 0,0"} {
		if !strings.Contains(row, s) {
			t.Errorf("pothole row lacks %q:\n%s", s, row)
		}
	}
	for _, s := range []string{`href="/staff?overdue=1&amp;dept=all"`, `href="/staff/quality.csv?by=service&amp;period=30"`, `<option value="365">`} {
		if !strings.Contains(body, s) {
			t.Errorf("dashboard lacks %q", s)
		}
	}
	if strings.Contains(body, `id="quality-overdue"`) {
		t.Errorf("the overview lists overdue requests (only a drill-down does)")
	}

	// Drill-down: one row and the week series of the last 90 days (the
	// volume chart's table).
	body = e.do("lead", http.MethodGet, "/staff/quality?period=90&by=service&service=pothole", nil).Body.String()
	if n := strings.Count(body, `<tr data-key=`); n != 1 {
		t.Errorf("drill-down rows: %d, want 1", n)
	}
	volumeTable := body[strings.Index(body, `id="table-volume"`):]
	volumeTable = volumeTable[:strings.Index(volumeTable, "</table>")]
	weeks := regexp.MustCompile(`<tr>\s*<th scope="row">(\d{4}-W\d{2})</th>\s*<td class="num">(\d+)</td>`).FindAllStringSubmatch(volumeTable, -1)
	if len(weeks) < 13 || len(weeks) > 15 || weeks[len(weeks)-1][2] != "3" {
		t.Errorf("week rows = %v, want 13 to 15 weeks, the last with 3 requests", weeks)
	}
	if !strings.Contains(body, "<h1>Qualität der Bearbeitung – Schlagloch</h1>") {
		t.Errorf("drill-down heading missing")
	}

	// By channel: web has the three potholes, phone the litter report.
	w := e.do("lead", http.MethodGet, "/staff/quality.csv?by=channel&period=365", nil)
	recs, err := csv.NewReader(w.Body).ReadAll()
	if err != nil || w.Code != http.StatusOK {
		t.Fatalf("csv: %d %v", w.Code, err)
	}
	got := map[string]string{}
	for _, r := range recs[1:] {
		got[r[0]] = r[2]
	}
	if !slices.Equal(recs[0], quality.Columns) || len(got) != 2 || got["web"] != "3" || got["phone"] != "1" {
		t.Errorf("channel csv = %q", recs)
	}
	if w := e.do("caseworker", http.MethodGet, "/staff/quality.json", nil); w.Code != http.StatusForbidden {
		t.Errorf("json as caseworker: %d", w.Code)
	}
}

func TestMetrics(t *testing.T) {
	e := newQualityEnv(t)
	for _, c := range []struct {
		name, remote, forwarded string
		code                    int
	}{
		{"ipv4 loopback", "127.0.0.1:5123", "", http.StatusOK},
		{"other loopback", "127.8.9.10:5123", "", http.StatusOK},
		{"ipv6 loopback", "[::1]:5123", "", http.StatusOK},
		{"lan", "192.168.1.20:5123", "", http.StatusForbidden},
		{"public ipv6", "[2001:db8::1]:443", "", http.StatusForbidden},
		{"through a local proxy", "127.0.0.1:5123", "203.0.113.9", http.StatusForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://web.test/metrics", nil)
			r.RemoteAddr = c.remote
			if c.forwarded != "" {
				r.Header.Set("X-Forwarded-For", c.forwarded)
			}
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, r)
			if w.Code != c.code {
				t.Fatalf("status %d, want %d", w.Code, c.code)
			}
			if c.code != http.StatusOK {
				if strings.Contains(w.Body.String(), "rathaus_") {
					t.Errorf("a refused request got metrics")
				}
				return
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/openmetrics-text; version=1.0.0; charset=utf-8" {
				t.Errorf("content type %q", ct)
			}
			body := w.Body.String()
			for _, s := range []string{"rathaus_requests_submitted{service=\"pothole\"} 3\n", "rathaus_requests_backlog{service=\"litter\"} 1\n"} {
				if !strings.Contains(body, s) {
					t.Errorf("metrics lack %q:\n%s", s, body)
				}
			}
			if !strings.HasSuffix(body, "# EOF\n") {
				t.Errorf("metrics do not end with # EOF")
			}
		})
	}
}

// withSurveys replaces e's handler with one that has a survey secret and
// returns the survey engine that signs the same links.
func (e *staffEnv) withSurveys(secret []byte) *quality.Surveys {
	e.t.Helper()
	h, err := NewHandler(Deps{Cases: e.cases, Auth: auth.New(e.db, time.Now), Blobs: e.blobs, Limits: media.DefaultLimits(),
		BaseURL: "http://web.test", DefaultJurisdiction: "web", PostsPerMinute: 100000, Log: testLog(e.t), SurveySecret: secret})
	if err != nil {
		e.t.Fatal(err)
	}
	e.h = h
	if secret == nil {
		return nil
	}
	sv, err := quality.NewSurveys(e.db, secret, time.Now, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return sv
}

func (e *staffEnv) rating(id int64) *store.Rating {
	e.t.Helper()
	var rt *store.Rating
	err := e.db.ReadTx(context.Background(), func(tx *store.Tx) error {
		var err error
		rt, err = tx.RatingOf(context.Background(), e.j.ID, id)
		return err
	})
	if rathaus.KindOf(err) == rathaus.KindNotFound {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return rt
}

func TestSurvey(t *testing.T) {
	e := newStaffEnv(t)
	ctx := context.Background()
	sv := e.withSurveys([]byte("0123456789abcdef0123456789abcdef-test"))
	if _, err := e.cases.Close(ctx, e.j, e.users["caseworker"], e.req.ID, "fixed", "Das Loch ist geflickt."); err != nil {
		t.Fatal(err)
	}
	tok := sv.Token(e.req.ID)

	// One click records the score.
	w := e.do("", http.MethodGet, "/bewertung/"+tok+"?score=4", nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "<h1>Vielen Dank für Ihre Bewertung</h1>") {
		t.Fatalf("rating link: %d\n%s", w.Code, w.Body.String())
	}
	if rt := e.rating(e.req.ID); rt == nil || rt.Score != 4 || rt.Comment != "" {
		t.Fatalf("rating after the click = %+v, want score 4", rt)
	}
	if !strings.Contains(w.Body.String(), `id="s-score-4" name="score" value="4" checked`) {
		t.Errorf("the clicked score is not preselected")
	}

	// The comment form: PRG to the page, score changed, comment stored.
	w = e.do("", http.MethodPost, "/bewertung/"+tok, url.Values{"score": {"5"}, "comment": {"Schnell und freundlich."}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/bewertung/"+tok+"?score=5" {
		t.Fatalf("comment: %d %q", w.Code, w.Header().Get("Location"))
	}
	if rt := e.rating(e.req.ID); rt == nil || rt.Score != 5 || rt.Comment != "Schnell und freundlich." {
		t.Fatalf("rating after the comment = %+v", rt)
	}
	// Following the redirect (or the mail link again) keeps the comment.
	w = e.do("", http.MethodGet, "/bewertung/"+tok+"?score=5", nil)
	if rt := e.rating(e.req.ID); rt.Comment != "Schnell und freundlich." || !strings.Contains(w.Body.String(), "Schnell und freundlich.</textarea>") {
		t.Errorf("reload lost the comment: %+v", rt)
	}
	// Another score from the mail replaces the score, keeps the comment.
	e.do("", http.MethodGet, "/bewertung/"+tok+"?score=2", nil)
	if rt := e.rating(e.req.ID); rt.Score != 2 || rt.Comment != "Schnell und freundlich." {
		t.Errorf("second click = %+v, want score 2 with the comment", rt)
	}

	// Errors: missing score and an overlong comment keep the text (422).
	w = e.do("", http.MethodPost, "/bewertung/"+tok, url.Values{"comment": {"ohne Note"}})
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="s-score-err"`) || !strings.Contains(w.Body.String(), "ohne Note</textarea>") {
		t.Errorf("missing score: %d", w.Code)
	}
	w = e.do("", http.MethodPost, "/bewertung/"+tok, url.Values{"score": {"3"}, "comment": {strings.Repeat("x", quality.MaxComment+1)}})
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="s-comment-err"`) || !strings.Contains(w.Body.String(), `aria-invalid="true"`) {
		t.Errorf("long comment: %d", w.Code)
	}
	if rt := e.rating(e.req.ID); rt.Score != 2 {
		t.Errorf("a rejected form changed the rating: %+v", rt)
	}

	// An open request cannot be rated; a forged token is not found.
	w = e.do("", http.MethodGet, "/bewertung/"+sv.Token(e.original.ID)+"?score=5", nil)
	if w.Code != http.StatusConflict || e.rating(e.original.ID) != nil {
		t.Errorf("open request: %d, rating %+v", w.Code, e.rating(e.original.ID))
	}
	forged := strconv.FormatInt(e.original.ID, 36) + tok[strings.Index(tok, "."):]
	if w := e.do("", http.MethodGet, "/bewertung/"+forged+"?score=1", nil); w.Code != http.StatusNotFound {
		t.Errorf("forged token: %d, want 404", w.Code)
	}

	// The rating reaches the published figures once projected.
	e.project()
	recs, err := csv.NewReader(e.do("", http.MethodGet, "/transparenz/daten.csv", nil).Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range recs[1:] {
		if r[0] == "pothole" {
			found = true
			if r[18] != "1" || r[14] != "0.0000" {
				t.Errorf("pothole ratings=%s csat=%s, want 1 rating, csat 0 (score 2)", r[18], r[14])
			}
		}
	}
	if !found {
		t.Errorf("no pothole row in %q", recs)
	}
}

func TestSurveyDisabled(t *testing.T) {
	e := newStaffEnv(t)
	e.withSurveys(nil)
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if w := e.do("", m, "/bewertung/1.abc?score=5", url.Values{"score": {"5"}}); w.Code != http.StatusNotFound {
			t.Errorf("%s without a secret: %d, want 404", m, w.Code)
		}
	}
	if _, err := NewHandler(Deps{Cases: e.cases, Auth: auth.New(e.db, time.Now), DefaultJurisdiction: "web", SurveySecret: []byte("short")}); err == nil {
		t.Errorf("a 5-byte survey secret was accepted")
	}
}
