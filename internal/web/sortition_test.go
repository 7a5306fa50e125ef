package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/jobs"
	"github.com/rathaus/rathaus/internal/sortition"
	"github.com/rathaus/rathaus/internal/store"
)

// sortitionPool has four women and four men in Windows-1252 with
// semicolons, as German Excel saves it; two seats for each gives
// everyone exactly 1/2.
var sortitionPool = []byte(strings.ReplaceAll("Nr;Name;Geschlecht\r\n1;Anna Müller;w\r\n2;Bernd Bäcker;m\r\n3;Clara Chor;w\r\n4;Dirk Dach;m\r\n"+
	"5;Eva Eck;w\r\n6;Finn Fass;m\r\n7;Gina Gut;w\r\n8;Hans Hof;m\r\n", "ä", "\xe4"))

const sortitionQuotas = "feature;value;min;max\nGeschlecht;w;2;2\nGeschlecht;m;2;2\n"

// sortitionEnv is the staff environment with a handler whose draws wake a
// running draw worker.
type sortitionEnv struct {
	*staffEnv
	h http.Handler
}

func newSortitionEnv(t *testing.T) *sortitionEnv {
	t.Helper()
	e := newStaffEnv(t)
	w := jobs.NewDrawWorker(e.db, time.Now, testLog(t))
	w.Poll = 50 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	d := e.srv.Deps
	d.Draws = sortition.NewDraws(e.db, time.Now, w.Kick)
	h, err := NewHandler(d)
	if err != nil {
		t.Fatal(err)
	}
	return &sortitionEnv{staffEnv: e, h: h}
}

// upload posts the draw form as user with files (field -> content).
func (e *sortitionEnv) upload(user string, fields map[string]string, files map[string][]byte) *httptest.ResponseRecorder {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for k, data := range files {
		fw, err := mw.CreateFormFile(k, k+".csv")
		if err != nil {
			e.t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, "http://web.test/staff/sortition", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(&http.Cookie{Name: "rathaus_session", Value: e.cookies[user]})
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *sortitionEnv) get(user, path string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(http.MethodGet, "http://web.test"+path, nil)
	r.AddCookie(&http.Cookie{Name: "rathaus_session", Value: e.cookies[user]})
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *sortitionEnv) post(user, path string, form url.Values) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(http.MethodPost, "http://web.test"+path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: "rathaus_session", Value: e.cookies[user]})
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// waitDone polls the draw page (as a browser following the meta refresh
// would) until the draw is no longer waiting or running.
func (e *sortitionEnv) waitDone(path string) string {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		w := e.get("lead", path)
		if w.Code != http.StatusOK {
			e.t.Fatalf("GET %s: %d", path, w.Code)
		}
		body := w.Body.String()
		if !strings.Contains(body, `http-equiv="refresh"`) {
			return body
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("draw %s still running after 60 s", path)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *sortitionEnv) draws() []*store.SortitionDraw {
	e.t.Helper()
	var ds []*store.SortitionDraw
	if err := e.db.ReadTx(context.Background(), func(tx *store.Tx) error {
		var err error
		ds, err = tx.SortitionDraws(context.Background(), e.j.ID, 100)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return ds
}

func (e *sortitionEnv) hasPool(id int64) bool {
	e.t.Helper()
	err := e.db.ReadTx(context.Background(), func(tx *store.Tx) error {
		_, err := tx.SortitionPool(context.Background(), e.j.ID, id)
		return err
	})
	if err != nil && rathaus.KindOf(err) != rathaus.KindNotFound {
		e.t.Fatal(err)
	}
	return err == nil
}

func (e *sortitionEnv) auditActions() []string {
	e.t.Helper()
	var out []string
	if err := e.db.AuditEntries(context.Background(), func(a audit.Entry) error {
		if strings.HasPrefix(a.Action, "sortition.") {
			out = append(out, a.Action+" "+a.Target)
			for _, name := range []string{"Anna", "Bernd", "Hof", "Müller"} {
				if strings.Contains(a.Detail, name) {
					e.t.Errorf("audit entry %s names %s: %s", a.Action, name, a.Detail)
				}
			}
		}
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}

var drawPathRe = regexp.MustCompile(`^/staff/sortition/(\d+)$`)

func TestSortitionPagesDrawAndDownload(t *testing.T) {
	e := newSortitionEnv(t)
	if w := e.get("lead", "/staff/sortition"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="draws-empty"`) {
		t.Fatalf("empty list: %d", w.Code)
	}
	w := e.upload("lead", map[string]string{"title": "Beschäftigtenrat 2027", "seats": "4", "algorithm": "leximin", "seed": "4 2 6 1", "id_column": "Nr"},
		map[string][]byte{"people": sortitionPool, "quotas": []byte(sortitionQuotas)})
	loc := w.Header().Get("Location")
	m := drawPathRe.FindStringSubmatch(loc)
	if w.Code != http.StatusSeeOther || m == nil {
		t.Fatalf("upload: %d %q\n%s", w.Code, loc, w.Body.String())
	}
	page := e.waitDone(loc)
	sum := sha256.Sum256(sortitionPool)
	for _, want := range []string{"fertig", `<dd id="fair-min">0,5000</dd>`, `<dd id="fair-gini">0,0000</dd>`, `<dd id="fair-geomean">0,5000</dd>`,
		`<code id="draw-seed">4 2 6 1</code>`, hex.EncodeToString(sum[:]), "Ausgeloste Personen (4)", "<th scope=\"col\">Name</th>", `<dd id="draw-pool">gelöscht`} {
		if !strings.Contains(page, want) {
			t.Errorf("draw page lacks %q", want)
		}
	}
	if strings.Contains(page, `id="delete-pool"`) {
		t.Error("draw page offers to delete a pool that is gone")
	}

	// The downloads: everyone has exactly 1/2, the panel meets the quotas.
	w = e.get("lead", loc+"/files/probabilities.csv")
	if w.Code != http.StatusOK || w.Header().Get("Content-Disposition") != `attachment; filename="auslosung-`+m[1]+`-probabilities.csv"` {
		t.Fatalf("probabilities.csv: %d %q", w.Code, w.Header().Get("Content-Disposition"))
	}
	probs, err := csv.NewReader(w.Body).ReadAll()
	if err != nil || len(probs) != 9 {
		t.Fatalf("probabilities.csv: %v %v", probs, err)
	}
	for i, r := range probs[1:] {
		if r[0] != []string{"1", "2", "3", "4", "5", "6", "7", "8"}[i] || r[1] != "0.5" {
			t.Errorf("probabilities.csv row %d = %v, want id %d with 0.5", i+1, r, i+1)
		}
	}
	w = e.get("lead", loc+"/files/selected.csv")
	sel, err := csv.NewReader(w.Body).ReadAll()
	if err != nil || len(sel) != 5 || strings.Join(sel[0], ",") != "Nr,Name,Geschlecht" {
		t.Fatalf("selected.csv: %v %v", sel, err)
	}
	count := map[string]int{}
	for _, r := range sel[1:] {
		count[r[2]]++
		if !strings.Contains(page, "<td>"+r[1]+"</td>") {
			t.Errorf("panel on the page lacks %s", r[1])
		}
	}
	if count["w"] != 2 || count["m"] != 2 {
		t.Errorf("panel seats %v, quotas say 2 and 2", count)
	}
	// The Windows-1252 pool comes back as UTF-8 with the names intact.
	names := map[string]bool{"Anna Müller": true, "Bernd Bäcker": true, "Clara Chor": true, "Dirk Dach": true, "Eva Eck": true,
		"Finn Fass": true, "Gina Gut": true, "Hans Hof": true}
	for _, r := range sel[1:] {
		if !names[r[1]] {
			t.Errorf("selected.csv has the name %q, not one of the pool", r[1])
		}
	}
	w = e.get("lead", loc+"/files/report.json")
	var rep sortition.Report
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Seed != "4 2 6 1" || rep.PeopleSHA256 != hex.EncodeToString(sum[:]) || rep.PeopleFile != "people.csv" || !rep.PoolDeleted ||
		len(rep.Selected) != 4 || rep.Seats != 4 || rep.PoolSize != 8 {
		t.Errorf("report.json = %+v", rep)
	}
	if w := e.get("lead", loc+"/files/report.txt"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Startwert (Seed):   4 2 6 1") ||
		w.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("report.txt: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	for _, name := range []string{"nosuch.csv", "..%2Fsecret"} {
		if w := e.get("lead", loc+"/files/"+name); w.Code != http.StatusNotFound {
			t.Errorf("file %s: %d, want 404", name, w.Code)
		}
	}
	ds := e.draws()
	if len(ds) != 1 || e.hasPool(ds[0].ID) || ds[0].Status != store.DrawDone {
		t.Fatalf("after the draw: %+v (the pool must be gone)", ds)
	}

	// A kept pool stays until it is deleted on purpose.
	w = e.upload("lead", map[string]string{"title": "Mit Pool", "seats": "4", "algorithm": "legacy", "keep_pool": "1"},
		map[string][]byte{"people": sortitionPool, "quotas": []byte(sortitionQuotas)})
	keptLoc := w.Header().Get("Location")
	page = e.waitDone(keptLoc)
	kept := e.draws()[0]
	if !e.hasPool(kept.ID) || !strings.Contains(page, `id="delete-pool"`) || !strings.Contains(page, `<dd id="draw-pool">aufbewahrt`) {
		t.Fatalf("kept pool: in the database %v, offered for deletion %v", e.hasPool(kept.ID), strings.Contains(page, `id="delete-pool"`))
	}
	if len(kept.Seed) != 32 {
		t.Errorf("empty seed became %q, want 32 random hex digits", kept.Seed)
	}
	if w := e.post("caseworker", keptLoc+"/delete-pool", url.Values{}); w.Code != http.StatusForbidden || !e.hasPool(kept.ID) {
		t.Errorf("caseworker deletes the pool: %d", w.Code)
	}
	if w := e.post("lead", keptLoc+"/delete-pool", url.Values{}); w.Code != http.StatusSeeOther || e.hasPool(kept.ID) {
		t.Errorf("delete pool: %d, pool still there %v", w.Code, e.hasPool(kept.ID))
	}
	if w := e.post("lead", keptLoc+"/delete-pool", url.Values{}); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("delete pool twice: %d, want 422", w.Code)
	}

	// Deleting a draw needs the tick box.
	if w := e.post("lead", keptLoc+"/delete", url.Values{}); w.Code != http.StatusUnprocessableEntity || len(e.draws()) != 2 {
		t.Errorf("delete without confirmation: %d, %d draws", w.Code, len(e.draws()))
	}
	if w := e.post("lead", keptLoc+"/delete", url.Values{"confirm": {"1"}}); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/staff/sortition" {
		t.Errorf("delete: %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := e.get("lead", keptLoc); w.Code != http.StatusNotFound {
		t.Errorf("deleted draw page: %d", w.Code)
	}
	if w := e.get("lead", "/staff/sortition"); !strings.Contains(w.Body.String(), "Beschäftigtenrat 2027") || strings.Contains(w.Body.String(), "Mit Pool") {
		t.Errorf("list after deleting: %s", w.Body.String())
	}
	first := "sortition_draw:" + m[1]
	second := "sortition_draw:" + strings.TrimPrefix(keptLoc, "/staff/sortition/")
	want := []string{"sortition.queue " + first, "sortition.draw " + first, "sortition.queue " + second, "sortition.draw " + second,
		"sortition.pool_delete " + second, "sortition.delete " + second}
	if got := e.auditActions(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSortitionFormErrorsChangeNothing(t *testing.T) {
	e := newSortitionEnv(t)
	good := map[string]string{"title": "Rat", "seats": "4", "algorithm": "leximin"}
	with := func(k, v string) map[string]string {
		f := map[string]string{}
		for a, b := range good {
			f[a] = b
		}
		f[k] = v
		return f
	}
	files := map[string][]byte{"people": sortitionPool, "quotas": []byte(sortitionQuotas)}
	tests := []struct {
		name   string
		fields map[string]string
		files  map[string][]byte
		status int
		field  string // the input marked invalid
		msg    string
	}{
		{"min above max", good, map[string][]byte{"people": sortitionPool, "quotas": []byte("feature;value;min;max\nGeschlecht;w;3;2\nGeschlecht;m;2;2\n")},
			http.StatusUnprocessableEntity, "quotas", "Zeile 2: Quote Geschlecht=w hat Minimum 3 größer als Maximum 2"},
		{"quota the pool cannot meet", good, map[string][]byte{"people": sortitionPool, "quotas": []byte("feature;value;min;max\nGeschlecht;w;0;1\nGeschlecht;m;0;2\n")},
			http.StatusUnprocessableEntity, "quotas", "Höchstens 3 Sitze belegbar"},
		{"value missing in the quotas", good, map[string][]byte{"people": append(append([]byte{}, sortitionPool...), "9;Ida Igel;d\r\n"...), "quotas": []byte(sortitionQuotas)},
			http.StatusUnprocessableEntity, "people", "Zeile 10 (Kennung 9): Wert &#34;d&#34; in Spalte &#34;Geschlecht&#34; fehlt in den Quoten"},
		{"no quotas file", good, map[string][]byte{"people": sortitionPool}, http.StatusUnprocessableEntity, "quotas", "Bitte die Quotendatei hochladen."},
		{"seats not a number", with("seats", "vier"), files, http.StatusUnprocessableEntity, "seats", "ganze Zahl"},
		{"more seats than people", with("seats", "9"), files, http.StatusUnprocessableEntity, "seats", "9 Sitze, aber nur 8 Personen"},
		{"no title", with("title", ""), files, http.StatusUnprocessableEntity, "title", "Bitte einen Titel angeben."},
		{"unknown id column", with("id_column", "Personalnummer"), files, http.StatusUnprocessableEntity, "people", "Personalnummer"},
		{"file too large", good, map[string][]byte{"people": bytes.Repeat([]byte("x"), 9<<20), "quotas": []byte(sortitionQuotas)},
			http.StatusUnprocessableEntity, "people", "größer als 8 MB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.upload("lead", tt.fields, tt.files)
			body := w.Body.String()
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if !strings.Contains(body, `id="draw-`+tt.field+`" name="`+tt.field+`"`) ||
				!regexp.MustCompile(`id="draw-`+tt.field+`"[^>]*aria-invalid="true"`).MatchString(body) {
				t.Errorf("field %s not marked invalid", tt.field)
			}
			if !strings.Contains(body, tt.msg) {
				t.Errorf("page lacks %q:\n%s", tt.msg, body)
			}
			if !strings.Contains(body, `value="`+tt.fields["title"]+`"`) {
				t.Error("the title typed is not kept")
			}
		})
	}
	// A body over the limit of the whole form is cut off by the server.
	big := bytes.Repeat([]byte("x"), 9<<20)
	w := e.upload("lead", good, map[string][]byte{"people": big, "quotas": big, "already_selected": big})
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), `<p class="error" id="draw-form">Eine Datei ist größer als 8 MB.</p>`) {
		t.Errorf("oversized body: %d", w.Code)
	}
	if ds := e.draws(); len(ds) != 0 {
		t.Errorf("%d draws after bad input", len(ds))
	}
	if a := e.auditActions(); len(a) != 0 {
		t.Errorf("audit entries after bad input: %v", a)
	}
}

// TestSortitionQueuedPage: without a worker the draw waits; its page
// refreshes itself, says the pool goes after the draw and offers no
// deletion yet (the worker still needs the pool).
func TestSortitionQueuedPage(t *testing.T) {
	se := newStaffEnv(t)
	e := &sortitionEnv{staffEnv: se, h: se.h} // the plain handler: no worker runs
	w := e.upload("admin", map[string]string{"title": "Wartet", "seats": "4", "algorithm": "legacy", "seed": "x"},
		map[string][]byte{"people": sortitionPool, "quotas": []byte(sortitionQuotas)})
	loc := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther || !drawPathRe.MatchString(loc) {
		t.Fatalf("upload as admin: %d %q", w.Code, loc)
	}
	page := e.get("admin", loc).Body.String()
	for _, want := range []string{`<meta http-equiv="refresh" content="3">`, "wartet", `<dd id="draw-pool">wird nach der Auslosung gelöscht</dd>`,
		`<code id="draw-seed">x</code>`} {
		if !strings.Contains(page, want) {
			t.Errorf("queued page lacks %q", want)
		}
	}
	for _, unwanted := range []string{`id="delete-pool"`, `id="delete-draw"`, `id="draw-files"`} {
		if strings.Contains(page, unwanted) {
			t.Errorf("queued page has %s", unwanted)
		}
	}
	if w := e.post("admin", loc+"/delete-pool", url.Values{}); w.Code != http.StatusUnprocessableEntity || !e.hasPool(e.draws()[0].ID) {
		t.Errorf("deleting the pool of a waiting draw: %d", w.Code)
	}
	if w := e.get("admin", loc+"/files/selected.csv"); w.Code != http.StatusNotFound {
		t.Errorf("selected.csv of a waiting draw: %d, want 404", w.Code)
	}
	if w := e.get("admin", "/staff/sortition?lang=en"); !strings.Contains(w.Body.String(), "deleted after the draw") || !strings.Contains(w.Body.String(), ">waiting<") {
		t.Errorf("English list lacks the pool and status words")
	}
	if !strings.Contains(page, `action="`+loc+`/cancel"`) {
		t.Error("queued page offers no way to stop the draw")
	}
	if w := e.post("viewer", loc+"/cancel", url.Values{}); w.Code != http.StatusForbidden || e.draws()[0].Status != store.DrawQueued {
		t.Errorf("viewer stops the draw: %d", w.Code)
	}
	if w := e.post("admin", loc+"/cancel", url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("cancel: %d", w.Code)
	}
	d := e.draws()[0]
	if d.Status != store.DrawFailed || e.hasPool(d.ID) || d.Error != "Von Hand abgebrochen." {
		t.Errorf("after stopping: %+v, pool there %v", d, e.hasPool(d.ID))
	}
	page = e.get("admin", loc).Body.String()
	if strings.Contains(page, `http-equiv="refresh"`) || !strings.Contains(page, "Von Hand abgebrochen.") || strings.Contains(page, `/cancel"`) {
		t.Error("stopped draw page still refreshes, lacks the reason or offers to stop again")
	}
	if w := e.post("admin", loc+"/cancel", url.Values{}); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("stopping twice: %d, want 422", w.Code)
	}
	if got := e.auditActions(); len(got) != 2 || !strings.HasPrefix(got[1], "sortition.cancel ") {
		t.Errorf("audit after stopping: %v", got)
	}
}
