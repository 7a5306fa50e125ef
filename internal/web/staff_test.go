package web

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/media"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
	"github.com/rathaus/rathaus/internal/web/ui"
)

// staffEnv is a whole application on SQLite with two departments, one
// user per role (lead and caseworker in "bau"), a second caseworker in
// "gruen", a request in "bau" with one photo, and a session per user.
type staffEnv struct {
	t        *testing.T
	db       *store.DB
	cases    *casework.Cases
	blobs    *media.BlobStore
	h        http.Handler
	srv      *server // for the registered staff routes
	j        *rathaus.Jurisdiction
	bau      *rathaus.Department
	gruen    *rathaus.Department
	users    map[string]*rathaus.User // by role name, plus "other" (caseworker of gruen)
	cookies  map[string]string
	req      *rathaus.Request
	mediaID  int64
	original *rathaus.Request // a second open request in bau
}

const testPassword = "richtig-langes-passwort"

func newStaffEnv(t *testing.T) *staffEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	e := &staffEnv{t: t, db: db, users: map[string]*rathaus.User{}, cookies: map[string]string{}}
	now := time.Now()
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		j := &rathaus.Jurisdiction{Slug: "web", Name: "Webstadt", State: "NI"}
		if err := tx.CreateJurisdiction(ctx, j, now); err != nil {
			return err
		}
		e.j = j
		e.bau = &rathaus.Department{JurisdictionID: j.ID, Code: "bau", Name: "Bauhof"}
		e.gruen = &rathaus.Department{JurisdictionID: j.ID, Code: "gruen", Name: "Grünflächen"}
		for _, d := range []*rathaus.Department{e.bau, e.gruen} {
			if err := tx.CreateDepartment(ctx, d); err != nil {
				return err
			}
		}
		for _, s := range []*rathaus.Service{{Code: "pothole", Name: "Schlagloch", ResolutionHours: 8}, {Code: "litter", Name: "Wilder Müll", ResolutionHours: 40}} {
			s.JurisdictionID, s.Kind, s.Audience, s.Active, s.DefaultDepartment, s.RetentionDays = j.ID, rathaus.KindReport, "public", true, e.bau.ID, 365
			if err := tx.CreateService(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// One hash for all users: argon2id is slow on purpose.
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		for _, u := range []*rathaus.User{
			{Name: "Ada Admin", Email: "admin@web.test", Role: rathaus.RoleAdmin},
			{Name: "Lena Lead", Email: "lead@web.test", Role: rathaus.RoleLead, DepartmentID: e.bau.ID},
			{Name: "Carl Case", Email: "caseworker@web.test", Role: rathaus.RoleCaseworker, DepartmentID: e.bau.ID},
			{Name: "Vera View", Email: "viewer@web.test", Role: rathaus.RoleViewer, DepartmentID: e.bau.ID},
			{Name: "Otto Other", Email: "other@web.test", Role: rathaus.RoleCaseworker, DepartmentID: e.gruen.ID},
		} {
			u.JurisdictionID, u.PasswordHash, u.CreatedAt = e.j.ID, hash, now
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
			e.users[strings.TrimSuffix(u.Email, "@web.test")] = u
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a := auth.New(db, time.Now)
	for name, u := range e.users {
		tok, _, err := a.Login(ctx, u.Email, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		e.cookies[name] = tok
	}
	if e.blobs, err = media.NewBlobStore(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	e.cases = casework.New(db, time.Now, casework.Config{BaseURL: "http://web.test"})
	key, err := e.blobs.Put(ctx, testJPEG(t, 64, 48))
	if err != nil {
		t.Fatal(err)
	}
	e.req, err = e.cases.Submit(ctx, e.j, casework.Submission{ServiceCode: "pothole", HasLocation: true, Lat: 52.28, Lon: 8.04,
		Address: "Markt 1", Description: "Tiefes Loch vor der Bäckerei", Channel: rathaus.ChannelWeb,
		Contact: rathaus.Contact{Email: "melder@example.org", FirstName: "Mia"},
		Photos:  []casework.Photo{{BlobKey: key, ContentType: "image/jpeg", Width: 64, Height: 48}}})
	if err != nil {
		t.Fatal(err)
	}
	e.original, err = e.cases.Submit(ctx, e.j, casework.Submission{ServiceCode: "litter", Address: "Am Wall 3",
		Description: "Sperrmüll am Wall", Channel: rathaus.ChannelPhone})
	if err != nil {
		t.Fatal(err)
	}
	det, err := e.cases.Details(ctx, e.req.ID)
	if err != nil || len(det.Media[e.req.ID]) != 1 {
		t.Fatalf("photo of the request: %v %v", err, det.Media)
	}
	e.mediaID = det.Media[e.req.ID][0].ID
	d := Deps{Cases: e.cases, Auth: a, Blobs: e.blobs, Limits: media.DefaultLimits(), BaseURL: "http://web.test",
		DefaultJurisdiction: "web", PostsPerMinute: 100000, Log: testLog(t)}
	if e.h, err = NewHandler(d); err != nil {
		t.Fatal(err)
	}
	// A second server value only to read the registered staff routes;
	// NewHandler wraps its server in middleware.
	pages, err := ui.New(ui.Deps{Cases: e.cases, Auth: a, Blobs: e.blobs, DefaultJurisdiction: "web"})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = &server{Deps: d, ui: pages}
	e.srv.routes(http.NewServeMux())
	return e
}

// do sends a request as user (empty: anonymous) and returns the recorder.
func (e *staffEnv) do(user, method, path string, form url.Values) *httptest.ResponseRecorder {
	e.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	r := httptest.NewRequest(method, "http://web.test"+path, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		r.AddCookie(&http.Cookie{Name: "rathaus_session", Value: e.cookies[user]})
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// request reloads a request from the database.
func (e *staffEnv) request(id int64) *rathaus.Request {
	e.t.Helper()
	r, err := e.cases.Get(context.Background(), e.j, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *staffEnv) events(id int64) []*rathaus.Event {
	e.t.Helper()
	d, err := e.cases.Details(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return d.Events[id]
}

// testJPEG is a checkerboard of 4-pixel squares: a blur turns it grey.
func testJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{20, 20, 20, 255}
			if (x/4+y/4)%2 == 0 {
				c = color.RGBA{235, 235, 235, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testLog writes error lines of the handler into the test log.
func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func TestStaffInboxFiltersAndCounts(t *testing.T) {
	e := newStaffEnv(t)
	// The lead sees bau by default: both requests are new and in bau.
	w := e.do("lead", "GET", "/staff", nil)
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, e.req.Number) || !strings.Contains(body, e.original.Number) {
		t.Fatalf("inbox: %d, numbers missing", w.Code)
	}
	if !strings.Contains(body, `<span class="n">2</span> Neu`) {
		t.Errorf("count of new requests missing")
	}
	tests := []struct {
		query      string
		want, dont []string
	}{
		{"service=litter", []string{e.original.Number}, []string{e.req.Number}},
		{"q=b%C3%A4ckerei", []string{e.req.Number}, []string{e.original.Number}},
		{"q=WALL", []string{e.original.Number}, []string{e.req.Number}},
		{"state=closed", nil, []string{e.req.Number, e.original.Number}},
		{"age=older", nil, []string{e.req.Number, e.original.Number}},
		{"age=today", []string{e.req.Number, e.original.Number}, nil},
		{"dept=" + fmt.Sprint(e.gruen.ID), nil, []string{e.req.Number, e.original.Number}},
	}
	for _, tt := range tests {
		body := e.do("lead", "GET", "/staff?"+tt.query, nil).Body.String()
		table := body
		if i := strings.Index(body, `id="inbox"`); i >= 0 {
			table = body[i:]
		} else {
			table = ""
		}
		for _, n := range tt.want {
			if !strings.Contains(table, n) {
				t.Errorf("%s: %s missing", tt.query, n)
			}
		}
		for _, n := range tt.dont {
			if strings.Contains(table, n) {
				t.Errorf("%s: %s listed", tt.query, n)
			}
		}
	}
	w = e.do("viewer", "GET", "/staff?q="+e.req.Number, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != fmt.Sprintf("/staff/requests/%d", e.req.ID) {
		t.Errorf("number search: %d %q", w.Code, w.Header().Get("Location"))
	}
}

func TestStaffActions(t *testing.T) {
	e := newStaffEnv(t)
	id := e.req.ID
	path := fmt.Sprintf("/staff/requests/%d/", id)
	post := func(user, action string, form url.Values) *httptest.ResponseRecorder {
		t.Helper()
		return e.do(user, "POST", path+action, form)
	}
	ok := func(action string, form url.Values) {
		t.Helper()
		w := post("caseworker", action, form)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != strings.TrimSuffix(path, "/") {
			t.Fatalf("%s: %d %q %s", action, w.Code, w.Header().Get("Location"), w.Body.String())
		}
		if !strings.Contains(w.Header().Get("Set-Cookie"), "flash=staff.flash."+action) {
			t.Errorf("%s: no flash cookie: %q", action, w.Header().Get("Set-Cookie"))
		}
	}
	ok("accept", url.Values{})
	if r := e.request(id); r.State != rathaus.StateAccepted {
		t.Fatalf("after accept: %s", r.State)
	}
	ok("assign", url.Values{"assignee": {fmt.Sprint(e.users["caseworker"].ID)}})
	ok("state", url.Values{"state": {"in_progress"}})
	ok("reply", url.Values{"text": {"Wir reparieren das Loch."}})
	ok("note", url.Values{"text": {"Kolonne 3 informiert"}})
	ok("publish", url.Values{"public": {"0"}})
	r := e.request(id)
	if r.AssigneeID != e.users["caseworker"].ID || r.State != rathaus.StateInProgress || r.StatusNotes != "Wir reparieren das Loch." || r.Public {
		t.Fatalf("request after actions: %+v", r)
	}
	// Validation error: the page comes back with 422 and the typed text.
	w := post("caseworker", "forward", url.Values{"department": {fmt.Sprint(e.gruen.ID)}, "reason": {"   "}})
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="forward-err"`) {
		t.Errorf("forward without reason: %d", w.Code)
	}
	// A caseworker of another department may look but not act.
	if w := e.do("other", "POST", path+"note", url.Values{"text": {"fremd"}}); w.Code != http.StatusForbidden {
		t.Errorf("note by another department: %d, want 403", w.Code)
	}
	ok("close", url.Values{"resolution": {"fixed"}, "message": {"Erledigt."}})
	w = post("caseworker", "close", url.Values{"resolution": {"fixed"}})
	if w.Code != http.StatusConflict {
		t.Errorf("closing twice: %d, want 409", w.Code)
	}
	ok("reopen", url.Values{"reason": {"Loch ist wieder da"}})
	ok("forward", url.Values{"department": {fmt.Sprint(e.gruen.ID)}, "reason": {"Grünstreifen"}})
	if r := e.request(id); r.DepartmentID != e.gruen.ID || r.State != rathaus.StateInProgress {
		t.Fatalf("after forward: %+v", r)
	}
	var types []string
	for _, ev := range e.events(id) {
		types = append(types, string(ev.Type))
	}
	want := "accepted assigned state_changed replied noted closed reopened forwarded"
	if got := strings.Join(types[len(types)-8:], " "); got != want {
		t.Errorf("history = %s, want it to end with %s", strings.Join(types, " "), want)
	}
	page := e.do("viewer", "GET", strings.TrimSuffix(path, "/"), nil).Body.String()
	for _, s := range []string{"Kolonne 3 informiert", "melder@example.org", "Carl Case", "intern"} {
		if !strings.Contains(page, s) {
			t.Errorf("request page lacks %q", s)
		}
	}
	// Merge the other request into this one by number.
	w = e.do("admin", "POST", fmt.Sprintf("/staff/requests/%d/merge", e.original.ID), url.Values{"original": {e.req.Number}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("merge: %d", w.Code)
	}
	if o := e.request(e.original.ID); o.DuplicateOf != id || o.State != rathaus.StateClosed {
		t.Errorf("merged request: %+v", o)
	}
}

func TestStaffBlurAndMediaPublish(t *testing.T) {
	e := newStaffEnv(t)
	before := e.photo(t, "viewer")
	w := e.do("caseworker", "POST", fmt.Sprintf("/staff/requests/%d/media/%d/blur", e.req.ID, e.mediaID),
		url.Values{"x": {"0"}, "y": {"0"}, "w": {"50"}, "h": {"100"}, "unit": {"percent"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("blur: %d %s", w.Code, w.Body.String())
	}
	after := e.photo(t, "viewer")
	diff := func(x0, x1 int) float64 {
		var sum, n float64
		for y := range 48 {
			for x := x0; x < x1; x++ {
				a, _, _, _ := before.At(x, y).RGBA()
				b, _, _, _ := after.At(x, y).RGBA()
				sum += math.Abs(float64(a>>8) - float64(b>>8))
				n++
			}
		}
		return sum / n
	}
	if in := diff(0, 32); in < 40 {
		t.Errorf("mean change inside the region = %.1f, want a strong blur", in)
	}
	if out := diff(36, 64); out > 6 {
		t.Errorf("mean change outside the region = %.1f, want only re-encoding noise", out)
	}
	w = e.do("caseworker", "POST", fmt.Sprintf("/staff/requests/%d/media/%d/publish", e.req.ID, e.mediaID), url.Values{"public": {"0"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("hide photo: %d", w.Code)
	}
	if w := e.do("", "GET", fmt.Sprintf("/media/%d", e.mediaID), nil); w.Code != http.StatusNotFound {
		t.Errorf("hidden photo on the public route: %d", w.Code)
	}
	if w := e.do("viewer", "GET", fmt.Sprintf("/staff/media/%d", e.mediaID), nil); w.Code != http.StatusOK {
		t.Errorf("hidden photo on the staff route: %d", w.Code)
	}
}

func (e *staffEnv) photo(t *testing.T, user string) image.Image {
	t.Helper()
	w := e.do(user, "GET", fmt.Sprintf("/staff/media/%d", e.mediaID), nil)
	img, err := jpeg.Decode(w.Body)
	if err != nil {
		t.Fatalf("photo: %d %v", w.Code, err)
	}
	return img
}

func TestAdminFormsValidateAndAudit(t *testing.T) {
	e := newStaffEnv(t)
	tests := []struct {
		path     string
		form     url.Values
		wantText string // the error and the kept value
		keep     string
	}{
		{"/staff/admin/routing", url.Values{"position": {"1"}, "department": {fmt.Sprint(e.bau.ID)}, "area": {`{"type":"Polygon"}`}},
			"GeoJSON", `{&#34;type&#34;:&#34;Polygon&#34;}`},
		{"/staff/admin/settings", url.Values{"name": {"Neustadt"}, "state": {"NI"}, "color_primary": {"#ffff00"}},
			"Kontrast", `value="#ffff00"`},
		{"/staff/admin/users", url.Values{"name": {"Neu Person"}, "email": {"neu@web.test"}, "role": {"caseworker"}, "password": {"kurz"}},
			"mindestens 12 Zeichen", `value="neu@web.test"`},
	}
	for _, tt := range tests {
		w := e.do("admin", "POST", tt.path, tt.form)
		body := w.Body.String()
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, tt.wantText) || !strings.Contains(body, tt.keep) ||
			!strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("%s: %d, want 422 with %q and %q", tt.path, w.Code, tt.wantText, tt.keep)
		}
	}
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{"/staff/admin/departments", url.Values{"code": {"ordnung"}, "name": {"Ordnungsamt"}, "email": {"ordnung@web.test"}}},
		{"/staff/admin/routing", url.Values{"position": {"1"}, "service": {"litter"}, "department": {fmt.Sprint(e.gruen.ID)},
			"area": {`{"type":"Polygon","coordinates":[[[8,52],[8.1,52],[8.1,52.5],[8,52.5],[8,52]]]}`}}},
		{"/staff/admin/settings", url.Values{"name": {"Neustadt"}, "state": {"NW"}, "color_primary": {"#00508c"}}},
		{"/staff/admin/users", url.Values{"name": {"Neu Person"}, "email": {"neu@web.test"}, "role": {"caseworker"}, "password": {testPassword}}},
	} {
		if w := e.do("admin", "POST", step.path, step.form); w.Code != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", step.path, w.Code, w.Body.String())
		}
	}
	w := e.do("admin", "POST", "/staff/admin/apikeys", url.Values{"name": {"App"}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="new-key"`) {
		t.Fatalf("api key: %d", w.Code)
	}
	entries, err := e.cases.RecentAudit(context.Background(), e.j, 50)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, a := range entries {
		got[a.Action] = true
	}
	for _, want := range []string{"department.create", "routing.create", "settings.update", "user.create", "apikey.create"} {
		if !got[want] {
			t.Errorf("audit entry %s missing (have %v)", want, got)
		}
	}
	j, err := e.cases.Jurisdiction(context.Background(), "web")
	if err != nil || j.Name != "Neustadt" || j.State != "NW" {
		t.Errorf("jurisdiction after settings: %+v %v", j, err)
	}
}

// TestAccessLogNamesTheRoute checks that the access log names the matched
// route for staff requests too, whose session middleware replaces the
// request before the mux sees it, and never the query string.
func TestAccessLogNamesTheRoute(t *testing.T) {
	e := newStaffEnv(t)
	var buf bytes.Buffer
	d := e.srv.Deps
	d.Log = slog.New(slog.NewTextHandler(&buf, nil))
	var err error
	if e.h, err = NewHandler(d); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ user, path, route string }{
		{"admin", "/staff?q=melder@example.org", `route="GET /staff"`},
		{"admin", fmt.Sprintf("/staff/requests/%d", e.req.ID), `route="GET /staff/requests/{id}"`},
		{"", "/gibt-es-nicht", "route=unmatched"},
	} {
		buf.Reset()
		e.do(tc.user, http.MethodGet, tc.path, nil)
		line := buf.String()
		if !strings.Contains(line, tc.route) || strings.Contains(line, "melder@") {
			t.Errorf("GET %s logged %q, want %s and no query", tc.path, line, tc.route)
		}
	}
}
