package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/media"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
	"github.com/rathaus/rathaus/internal/web"
)

// citizenEnv is the whole application on a fresh database, with a clock
// the test can move, a staff admin and a staff-only service whose requests
// must never show on citizen pages.
type citizenEnv struct {
	t      *testing.T
	srv    *httptest.Server
	client *http.Client
	db     *store.DB
	cases  *casework.Cases
	j      *rathaus.Jurisdiction
	admin  *rathaus.User

	mu  sync.Mutex
	now time.Time
}

func (e *citizenEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *citizenEnv) setClock(t time.Time) {
	e.mu.Lock()
	e.now = t
	e.mu.Unlock()
}

// citizenAttributes covers every datatype the form must render.
var citizenAttributes = []rathaus.Attribute{
	{Code: "depth", Datatype: rathaus.TypeNumber, Required: true, Variable: true, Description: "Tiefe in cm", Order: 1},
	{Code: "where", Datatype: rathaus.TypeSingleValueList, Variable: true, Description: "Wo genau?", Order: 2,
		Values: []rathaus.AttributeValue{{Key: "road", Name: "Fahrbahn"}, {Key: "walk", Name: "Gehweg"}}},
	{Code: "lane", Datatype: rathaus.TypeSingleValueList, Variable: true, Description: "Fahrstreifen", Order: 3,
		Values: []rathaus.AttributeValue{{Key: "1", Name: "Eins"}, {Key: "2", Name: "Zwei"}, {Key: "3", Name: "Drei"},
			{Key: "4", Name: "Vier"}, {Key: "5", Name: "Fünf"}, {Key: "6", Name: "Sechs"}}},
	{Code: "danger", Datatype: rathaus.TypeMultiValueList, Variable: true, Description: "Gefahr für", Order: 4,
		Values: []rathaus.AttributeValue{{Key: "bike", Name: "Radfahrende"}, {Key: "car", Name: "Autos"}}},
	{Code: "sign", Datatype: rathaus.TypeString, Variable: true, Description: "Nächstes Schild", Order: 5},
	{Code: "more", Datatype: rathaus.TypeText, Variable: true, Description: "Weitere Hinweise", Order: 6},
	{Code: "seen", Datatype: rathaus.TypeDatetime, Variable: true, Description: "Zuerst gesehen", Order: 7},
	{Code: "info", Datatype: rathaus.TypeString, Variable: false, Description: "Bei Gefahr rufen Sie 112.", Order: 8},
}

func newCitizenEnv(t *testing.T) *citizenEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	e := &citizenEnv{t: t, db: db, now: time.Now().UTC()}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		e.j = &rathaus.Jurisdiction{Slug: "web", Name: "Webstadt", State: "NI", Boundary: json.RawMessage(boundary)}
		if err := tx.CreateJurisdiction(ctx, e.j, e.now); err != nil {
			return err
		}
		d := &rathaus.Department{JurisdictionID: e.j.ID, Code: "bau", Name: "Bauhof"}
		if err := tx.CreateDepartment(ctx, d); err != nil {
			return err
		}
		for _, s := range []*rathaus.Service{
			{Code: "pothole", Group: "Straßen und Wege", Name: "Schlagloch", Keywords: "loch straße", Attributes: citizenAttributes, Kind: rathaus.KindReport, Audience: "public"},
			{Code: "litter", Group: "Sauberkeit", Name: "Wilder Müll", Kind: rathaus.KindReport, Audience: "public"},
			{Code: "laptop", Group: "IT", Name: "Notebook bestellen", Kind: rathaus.KindOrder, Audience: "staff"},
		} {
			s.JurisdictionID, s.Active, s.DefaultDepartment = e.j.ID, true, d.ID
			if err := tx.CreateService(ctx, s); err != nil {
				return err
			}
		}
		e.admin = &rathaus.User{JurisdictionID: e.j.ID, Email: "admin@web.example", Name: "Ada", Role: rathaus.RoleAdmin}
		return tx.CreateUser(ctx, e.admin)
	})
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := media.NewBlobStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewUnstartedServer(nil)
	e.srv.Start()
	e.cases = casework.New(db, e.clock, casework.Config{BaseURL: e.srv.URL})
	h, err := web.NewHandler(web.Deps{
		Cases: e.cases, Auth: auth.New(db, time.Now), Blobs: blobs, Limits: media.DefaultLimits(), BaseURL: e.srv.URL,
		DefaultJurisdiction: "web", PostsPerMinute: 100000, Now: e.clock, TileURL: "https://tile.example/{z}/{x}/{y}.png",
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Config.Handler = h
	t.Cleanup(e.srv.Close)
	jar, _ := cookiejar.New(nil)
	e.client = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

// do sends a request and returns status, Location and body.
func (e *citizenEnv) do(req *http.Request) (int, string, string) {
	e.t.Helper()
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func (e *citizenEnv) get(path string) (int, string, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	return e.do(req)
}

func (e *citizenEnv) postForm(path string, form url.Values) (int, string, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req)
}

// postMultipart posts form with one PNG per name in photos.
func (e *citizenEnv) postMultipart(path string, form url.Values, photos ...string) (int, string, string) {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, name := range photos {
		img := image.NewRGBA(image.Rect(0, 0, 32, 24))
		for i := range img.Pix {
			img.Pix[i] = 180
		}
		part, _ := mw.CreateFormFile("media", name)
		png.Encode(part, img)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return e.do(req)
}

// submit files a report through casework directly.
func (e *citizenEnv) submit(code string, lat, lon float64, desc string) *rathaus.Request {
	e.t.Helper()
	sub := casework.Submission{ServiceCode: code, HasLocation: true, Lat: lat, Lon: lon, Description: desc,
		Contact: rathaus.Contact{Email: "secret.reporter@example.org"}, Channel: rathaus.ChannelOpen311}
	if code == "pothole" {
		sub.Attributes = map[string][]string{"depth": {"7"}}
	}
	r, err := e.cases.Submit(context.Background(), e.j, sub)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *citizenEnv) request(id int64) *rathaus.Request {
	e.t.Helper()
	r, err := e.cases.Get(context.Background(), e.j, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *citizenEnv) outbox() []*store.OutboxItem {
	e.t.Helper()
	var items []*store.OutboxItem
	if err := e.db.ReadTx(context.Background(), func(tx *store.Tx) error {
		var err error
		items, err = tx.OutboxItems(context.Background(), 100)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return items
}

var (
	h1Tag      = regexp.MustCompile(`(?i)<h1[\s>]`)
	inputTag   = regexp.MustCompile(`(?is)<(input|select|textarea)\b([^>]*)>`)
	attrValue  = regexp.MustCompile(`(?is)\b(type|id)="([^"]*)"`)
	confirmURL = regexp.MustCompile(`/bestaetigen/([A-Za-z0-9_-]+)`)
)

// checkPage asserts the basics every citizen page must meet: one h1, a
// label for every form control, and no reporter address anywhere.
func checkPage(t *testing.T, path, body string) {
	t.Helper()
	if n := len(h1Tag.FindAllString(body, -1)); n != 1 {
		t.Errorf("%s: %d h1 elements, want 1", path, n)
	}
	for _, m := range inputTag.FindAllStringSubmatch(body, -1) {
		attrs := map[string]string{}
		for _, a := range attrValue.FindAllStringSubmatch(m[2], -1) {
			attrs[strings.ToLower(a[1])] = a[2]
		}
		if typ := attrs["type"]; typ == "hidden" || typ == "submit" || typ == "button" {
			continue
		}
		id := attrs["id"]
		if id == "" || !strings.Contains(body, `for="`+id+`"`) {
			t.Errorf("%s: %s without a label: %s", path, m[1], m[0])
		}
	}
	if strings.Contains(body, "secret.reporter@example.org") || strings.Contains(body, "follower@example.org") || strings.Contains(body, "anna@example.org") {
		t.Errorf("%s shows an e-mail address of a citizen", path)
	}
}

func TestCitizenCategoryListAndSearch(t *testing.T) {
	e := newCitizenEnv(t)
	tests := []struct {
		path       string
		want, deny []string
	}{
		{"/melden", []string{`id="svc-pothole"`, `id="svc-litter"`, "<legend>Straßen und Wege</legend>", `id="q"`}, []string{"svc-laptop"}},
		{"/melden?q=LOCH", []string{`id="svc-pothole"`}, []string{`id="svc-litter"`, "svc-laptop"}},
		{"/melden?q=notebook", []string{"Keine Kategorie passt", `id="svc-pothole"`, `id="svc-litter"`}, []string{"svc-laptop"}},
	}
	for _, tt := range tests {
		status, _, body := e.get(tt.path)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", tt.path, status)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q", tt.path, w)
			}
		}
		for _, d := range tt.deny {
			if strings.Contains(body, d) {
				t.Errorf("GET %s shows %q", tt.path, d)
			}
		}
		checkPage(t, tt.path, body)
	}
	if status, _, _ := e.get("/melden?service=laptop"); status != http.StatusNotFound {
		t.Errorf("form of a staff service: %d, want 404", status)
	}
}

func TestCitizenFormRendersEveryAttributeType(t *testing.T) {
	e := newCitizenEnv(t)
	status, _, body := e.get("/melden?service=pothole")
	if status != http.StatusOK {
		t.Fatalf("GET form: %d", status)
	}
	for _, want := range []string{
		`id="attr-depth" name="attribute[depth]"`, `type="number"`, `aria-required="true"`, "(Pflichtfeld)",
		`type="radio" id="attr-where-0" name="attribute[where]" value="road"`,
		`<select id="attr-lane" name="attribute[lane]"`, `<option value="6">Sechs</option>`,
		`type="checkbox" id="attr-danger-1" name="attribute[danger]" value="car"`,
		`id="attr-sign" name="attribute[sign]"`, `<textarea id="attr-more" name="attribute[more]"`,
		`type="datetime-local"`, `<p class="hint">Bei Gefahr rufen Sie 112.</p>`,
		`id="lat" name="lat"`, `id="long" name="long"`, `id="address_string"`, `id="report-map"`, `id="locate"`,
		`type="file" id="media" name="media" multiple accept="image/*"`, `id="email"`, `enctype="multipart/form-data"`,
		`Meldung absenden`, `value="check"`, `/static/vendor/leaflet/leaflet.js`, `/static/citizen.js`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("form lacks %q", want)
		}
	}
	if strings.Contains(body, "attribute[info]\"") {
		t.Error("an informational attribute got an input")
	}
	checkPage(t, "/melden?service=pothole", body)
	for _, static := range []string{"/static/citizen.js", "/static/citizen.css", "/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/images/marker-icon.png"} {
		if status, _, _ := e.get(static); status != http.StatusOK {
			t.Errorf("GET %s: %d", static, status)
		}
	}
}

var doneLink = regexp.MustCompile(`^/melden/danke/([A-Za-z0-9_-]+)(\?mail=1)?$`)

func TestCitizenSubmit(t *testing.T) {
	e := newCitizenEnv(t)
	year := e.clock().In(time.FixedZone("CET", 3600)).Year()
	tests := []struct {
		name       string
		form       url.Values
		photos     []string
		wantNumber string
		check      func(t *testing.T, r *rathaus.Request, media int)
	}{
		{"address only, no JavaScript", url.Values{"service": {"litter"}, "address_string": {"Markt 1"}, "description": {"Sperrmüll am Brunnen"},
			"lat": {""}, "long": {""}, "action": {"submit"}}, nil, fmt.Sprintf("%d-000001", year),
			func(t *testing.T, r *rathaus.Request, media int) {
				if r.HasLocation || r.Address != "Markt 1" || r.Description != "Sperrmüll am Brunnen" || r.Channel != rathaus.ChannelWeb || media != 0 {
					t.Errorf("request = %+v, %d photos", r, media)
				}
			}},
		{"position and a photo", url.Values{"service": {"pothole"}, "lat": {"52.2799"}, "long": {"8.0472"}, "description": {"Loch"},
			"attribute[depth]": {"12"}, "attribute[where]": {"road"}, "attribute[danger]": {"bike", "car"},
			"attribute[seen]": {"2026-03-02T09:00"}, "attribute[lane]": {""}, "action": {"submit"}}, []string{"loch.png"}, fmt.Sprintf("%d-000002", year),
			func(t *testing.T, r *rathaus.Request, media int) {
				if !r.HasLocation || r.Lat != 52.2799 || r.Lon != 8.0472 || media != 1 {
					t.Errorf("request = %+v, %d photos", r, media)
				}
				want := map[string]string{"depth": "12", "where": "road", "danger": "bike,car", "seen": "2026-03-02T09:00:00+01:00"}
				for k, v := range want {
					if r.Attributes[k] != v {
						t.Errorf("attribute %s = %q, want %q", k, r.Attributes[k], v)
					}
				}
				if _, ok := r.Attributes["lane"]; ok {
					t.Error("an empty select was stored")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var status int
			var loc string
			if tt.photos == nil {
				status, loc, _ = e.postForm("/melden", tt.form)
			} else {
				status, loc, _ = e.postMultipart("/melden?service="+tt.form.Get("service"), tt.form, tt.photos...)
			}
			m := doneLink.FindStringSubmatch(loc)
			if status != http.StatusSeeOther || m == nil || m[2] != "" {
				t.Fatalf("POST: %d to %q, want 303 to the thanks page without ?mail=1", status, loc)
			}
			status, _, body := e.get(loc)
			if status != http.StatusOK {
				t.Fatalf("GET %s: %d", loc, status)
			}
			statusURL := e.srv.URL + "/s/" + m[1]
			for _, want := range []string{`<p class="bignum" id="request-number">` + tt.wantNumber + `</p>`,
				`<a id="status-link" href="` + statusURL + `">` + statusURL + `</a>`, "Lesezeichen"} {
				if !strings.Contains(body, want) {
					t.Errorf("thanks page lacks %q", want)
				}
			}
			if strings.Contains(body, `id="mail-sent"`) {
				t.Error("thanks page speaks of a mail that was not sent")
			}
			checkPage(t, loc, body)
			r, err := e.cases.ByToken(context.Background(), e.j, m[1])
			if err != nil {
				t.Fatal(err)
			}
			d, err := e.cases.Details(context.Background(), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.Number != tt.wantNumber {
				t.Errorf("number = %s, want %s", r.Number, tt.wantNumber)
			}
			tt.check(t, r, len(d.Media[r.ID]))
		})
	}
}

func TestCitizenValidationKeepsInput(t *testing.T) {
	e := newCitizenEnv(t)
	tests := []struct {
		name       string
		form       url.Values
		photos     []string
		wantStatus int
		want       []string
	}{
		{"nothing located, bad number and address", url.Values{"service": {"pothole"}, "description": {"Tiefes Loch <vor> dem Haus"},
			"attribute[depth]": {"tief"}, "attribute[sign]": {"Stop"}, "attribute[danger]": {"car"}, "email": {"kein-at"}},
			nil, http.StatusUnprocessableEntity, []string{
				`id="error-summary"`, `href="#location"`, `href="#attr-depth"`, `href="#email"`,
				`<p class="error" id="location-err">`, `id="address_string" name="address_string" value=""`,
				`id="attr-depth" name="attribute[depth]" value="tief"`, `aria-describedby="attr-depth-err" aria-invalid="true"`,
				`<p class="error" id="attr-depth-err">Bitte geben Sie eine Zahl ein.</p>`,
				`value="Stop"`, `value="car" checked`, `value="kein-at"`, `email-err" aria-invalid="true"`,
				"Tiefes Loch &lt;vor&gt; dem Haus"}},
		{"required answer missing", url.Values{"service": {"pothole"}, "address_string": {"Markt 2"}},
			nil, http.StatusUnprocessableEntity, []string{`href="#attr-depth"`, "Bitte beantworten Sie diese Frage.", `value="Markt 2"`}},
		{"markup in the description, caught by casework", url.Values{"service": {"litter"}, "address_string": {"Markt 3"}, "description": {"<b>Müll</b>"}},
			nil, http.StatusUnprocessableEntity, []string{`href="#description"`, `<p class="error" id="description-err">`,
				`description-err" aria-invalid="true"`, "&lt;b&gt;Müll&lt;/b&gt;"}},
		{"only one coordinate, with a photo", url.Values{"service": {"litter"}, "lat": {"52.28"}, "address_string": {"Markt 4"}},
			[]string{"a.png"}, http.StatusUnprocessableEntity, []string{`href="#location"`, `id="photos-lost"`, `value="52.28"`}},
		{"outside the town", url.Values{"service": {"litter"}, "lat": {"52.52"}, "long": {"13.40"}},
			nil, http.StatusUnprocessableEntity, []string{"nicht in unserem Gebiet", `id="lat" name="lat" value="52.52"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var status int
			var body string
			if tt.photos != nil {
				status, _, body = e.postMultipart("/melden?service="+tt.form.Get("service"), tt.form, tt.photos...)
			} else {
				status, _, body = e.postForm("/melden", tt.form)
			}
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d", status, tt.wantStatus)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			checkPage(t, tt.name, body)
		})
	}
	var n int
	if err := e.db.ReadTx(context.Background(), func(tx *store.Tx) error {
		rs, err := tx.Requests(context.Background(), store.RequestFilter{JurisdictionID: e.j.ID})
		n = len(rs)
		return err
	}); err != nil || n != 0 {
		t.Errorf("%d requests stored after invalid posts (%v), want 0", n, err)
	}
}

func TestCitizenNearbyAndSubscribe(t *testing.T) {
	e := newCitizenEnv(t)
	near := e.submit("pothole", 52.2800, 8.0470, "Großes Loch vor der Bäckerei")
	far := e.submit("pothole", 52.2900, 8.0470, "Loch weit weg")           // about 1.1 km north
	other := e.submit("litter", 52.2801, 8.0471, "Müll, andere Kategorie") // same place, other service
	closed := e.submit("pothole", 52.2800, 8.0471, "Schon erledigt")
	if _, err := e.cases.Close(context.Background(), e.j, e.admin, closed.ID, "fixed", "Repariert."); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"service": {"pothole"}, "lat": {"52.2801"}, "long": {"8.0472"}, "description": {"Loch"}, "action": {"check"}}
	status, _, body := e.postForm("/melden", form)
	if status != http.StatusOK {
		t.Fatalf("check: %d", status)
	}
	if !strings.Contains(body, `name="subscribe" value="`+fmt.Sprint(near.ID)+`"`) || !strings.Contains(body, near.Number) ||
		!strings.Contains(body, "Das ist auch mein Problem") || !strings.Contains(body, "Großes Loch vor der Bäckerei") {
		t.Errorf("the open report nearby is not offered")
	}
	for _, r := range []*rathaus.Request{far, other, closed} {
		if strings.Contains(body, `name="subscribe" value="`+fmt.Sprint(r.ID)+`"`) {
			t.Errorf("report %s (%s) offered as a duplicate", r.Number, r.Description)
		}
	}
	if !strings.Contains(body, `value="Loch"`) && !strings.Contains(body, ">Loch</textarea>") {
		t.Error("the check lost the description")
	}
	checkPage(t, "check", body)

	// Following needs an address.
	form.Del("action")
	form.Set("subscribe", fmt.Sprint(near.ID))
	status, _, body = e.postForm("/melden", form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `<p class="error" id="email-err">`) {
		t.Fatalf("subscribe without address: %d", status)
	}
	before := len(e.outbox())
	form.Set("email", "follower@example.org")
	status, loc, _ := e.postForm("/melden", form)
	if status != http.StatusSeeOther || loc != fmt.Sprintf("/meldungen/%d", near.ID) {
		t.Fatalf("subscribe: %d to %q", status, loc)
	}
	status, _, body = e.get(loc)
	if status != http.StatusOK || !strings.Contains(body, "Bitte bestätigen Sie Ihre E-Mail-Adresse") {
		t.Errorf("report page after subscribing: %d, flash missing", status)
	}
	checkPage(t, loc, body)
	items := e.outbox()
	if len(items) != before+1 || !strings.HasPrefix(items[0].DedupeKey, "confirm:") || !strings.Contains(items[0].Payload, "follower@example.org") {
		t.Fatalf("outbox after subscribing: %d items, newest %+v", len(items), items[0])
	}
	if n := requestCount(t, e); n != 4 {
		t.Errorf("%d requests, want 4: subscribing must not file a duplicate", n)
	}
	m := confirmURL.FindStringSubmatch(items[0].Payload)
	status, _, body = e.get(m[0])
	if status != http.StatusOK || !strings.Contains(body, near.Number) || !strings.Contains(body, "Sie erhalten ab jetzt E-Mails") {
		t.Fatalf("confirm subscription: %d", status)
	}
	var subs []*store.Subscriber
	if err := e.db.ReadTx(context.Background(), func(tx *store.Tx) error {
		var err error
		subs, err = tx.Subscribers(context.Background(), e.j.ID, near.ID, true)
		return err
	}); err != nil || len(subs) != 1 || subs[0].Email != "follower@example.org" {
		t.Errorf("confirmed subscribers = %v, %v", subs, err)
	}
	if got := e.request(near.ID).Reporter.Email; got != "secret.reporter@example.org" {
		t.Errorf("reporter address changed to %q", got)
	}
}

func requestCount(t *testing.T, e *citizenEnv) int {
	t.Helper()
	var n int
	if err := e.db.ReadTx(context.Background(), func(tx *store.Tx) error {
		rs, err := tx.Requests(context.Background(), store.RequestFilter{JurisdictionID: e.j.ID})
		n = len(rs)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCitizenEmailConfirmation(t *testing.T) {
	e := newCitizenEnv(t)
	status, loc, _ := e.postForm("/melden", url.Values{"service": {"litter"}, "address_string": {"Markt 5"}, "email": {"anna@example.org"}})
	m := doneLink.FindStringSubmatch(loc)
	if status != http.StatusSeeOther || m == nil || m[2] != "?mail=1" {
		t.Fatalf("POST: %d to %q", status, loc)
	}
	if _, _, body := e.get(loc); !strings.Contains(body, `id="mail-sent"`) {
		t.Error("thanks page does not ask to confirm the address")
	}
	r, err := e.cases.ByToken(context.Background(), e.j, m[1])
	if err != nil {
		t.Fatal(err)
	}
	if r.Reporter.Email != "" {
		t.Errorf("reporter address stored before confirmation: %q", r.Reporter.Email)
	}
	items := e.outbox()
	if len(items) != 1 || items[0].Kind != "mail" || !strings.HasPrefix(items[0].DedupeKey, "confirm:") {
		t.Fatalf("outbox = %+v, want exactly one confirmation mail", items)
	}
	var p casework.MailPayload
	if err := json.Unmarshal([]byte(items[0].Payload), &p); err != nil || p.Message.To != "anna@example.org" {
		t.Fatalf("confirmation mail = %+v, %v", p, err)
	}
	link := confirmURL.FindStringSubmatch(p.Message.Text)
	if link == nil || !strings.Contains(p.Message.Text, e.srv.URL+link[0]) {
		t.Fatalf("no absolute confirmation link in:\n%s", p.Message.Text)
	}
	if status, _, _ := e.get("/bestaetigen/unknown-token"); status != http.StatusNotFound {
		t.Errorf("unknown token: %d, want 404", status)
	}
	status, _, body := e.get(link[0])
	if status != http.StatusOK || !strings.Contains(body, "Ihre E-Mail-Adresse ist bestätigt") || !strings.Contains(body, r.Number) {
		t.Fatalf("confirm: %d", status)
	}
	checkPage(t, "confirm", body)
	if got := e.request(r.ID).Reporter.Email; got != "anna@example.org" {
		t.Errorf("reporter address after confirmation = %q", got)
	}
	items = e.outbox()
	if len(items) != 2 || !strings.HasPrefix(items[0].DedupeKey, "mail:event:") || !strings.Contains(items[0].Payload, "anna@example.org") {
		t.Errorf("outbox after confirmation = %+v, want the receipt", items)
	}
	if _, _, body = e.get(link[0]); !strings.Contains(body, "bereits bestätigt") {
		t.Error("a second click does not say the address is confirmed already")
	}
	if len(e.outbox()) != 2 {
		t.Error("a second click mailed again")
	}
}

func TestCitizenStatusPageAndReopen(t *testing.T) {
	e := newCitizenEnv(t)
	r := e.submit("pothole", 52.28, 8.05, "Loch am Rathaus")
	statusPath := "/s/" + r.Token
	status, _, body := e.get(statusPath)
	if status != http.StatusOK || !strings.Contains(body, r.Number) || strings.Contains(body, `id="reason"`) {
		t.Fatalf("status page of an open report: %d, reopen form shown: %v", status, strings.Contains(body, `id="reason"`))
	}
	checkPage(t, statusPath, body)
	status, _, _ = e.postForm(statusPath+"/reopen", url.Values{"reason": {"Immer noch da"}})
	if status != http.StatusConflict {
		t.Errorf("reopen of an open report: %d, want 409", status)
	}
	if _, err := e.cases.Reply(context.Background(), e.j, e.admin, r.ID, "Wir schauen uns das an."); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cases.Close(context.Background(), e.j, e.admin, r.ID, "fixed", "Das Loch ist geflickt."); err != nil {
		t.Fatal(err)
	}
	status, _, body = e.get(statusPath)
	for _, want := range []string{"Nicht behoben?", `<textarea id="reason" name="reason"`, "Wir schauen uns das an.", "Das Loch ist geflickt.", "Erledigt"} {
		if !strings.Contains(body, want) {
			t.Errorf("status page of a closed report lacks %q", want)
		}
	}
	checkPage(t, statusPath, body)
	status, _, body = e.postForm(statusPath+"/reopen", url.Values{"reason": {"  "}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `<p class="error" id="reason-err">`) || !strings.Contains(body, `href="#reason"`) {
		t.Errorf("empty reason: %d", status)
	}
	status, loc, _ := e.postForm(statusPath+"/reopen", url.Values{"reason": {"Das Loch ist wieder da."}})
	if status != http.StatusSeeOther || loc != statusPath {
		t.Fatalf("reopen: %d to %q", status, loc)
	}
	if got := e.request(r.ID); got.State != rathaus.StateInProgress {
		t.Errorf("state after reopening = %s", got.State)
	}
	_, _, body = e.get(statusPath)
	if !strings.Contains(body, "Ihre Meldung ist wieder geöffnet") || !strings.Contains(body, "Das Loch ist wieder da.") || strings.Contains(body, `id="reason"`) {
		t.Error("status page after reopening lacks the flash or the reason, or still offers reopening")
	}
	// The public page names the reopening but not the citizen's words.
	_, _, body = e.get(fmt.Sprintf("/meldungen/%d", r.ID))
	if !strings.Contains(body, "Wieder geöffnet") || strings.Contains(body, "Das Loch ist wieder da.") || strings.Contains(body, r.Token) {
		t.Error("public page shows the private reopen reason or the status token")
	}
	for _, path := range []string{"/s/not-a-token", "/melden/danke/not-a-token", "/meldungen/99999", "/meldungen/abc"} {
		if status, _, body := e.get(path); status != http.StatusNotFound || !strings.Contains(body, "<h1>") {
			t.Errorf("GET %s: %d, want a 404 page", path, status)
		}
	}
}

func TestCitizenListFiltersAndPaging(t *testing.T) {
	e := newCitizenEnv(t)
	start := e.clock()
	e.setClock(start.Add(-60 * 24 * time.Hour))
	old := e.submit("pothole", 52.27, 8.04, "Altes Loch")
	e.setClock(start)
	fresh := e.submit("pothole", 52.28, 8.05, "Neues Loch")
	closed := e.submit("litter", 52.28, 8.05, "Müll")
	if _, err := e.cases.Close(context.Background(), e.j, e.admin, closed.ID, "fixed", ""); err != nil {
		t.Fatal(err)
	}
	staff, err := e.cases.Submit(context.Background(), e.j, casework.Submission{ServiceCode: "laptop", Address: "Raum 101", Channel: rathaus.ChannelPhone})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query      string
		want, deny []*rathaus.Request
	}{
		{"", []*rathaus.Request{old, fresh, closed}, []*rathaus.Request{staff}},
		{"?service=pothole", []*rathaus.Request{old, fresh}, []*rathaus.Request{closed, staff}},
		{"?status=closed", []*rathaus.Request{closed}, []*rathaus.Request{old, fresh}},
		{"?status=open&period=30", []*rathaus.Request{fresh}, []*rathaus.Request{old, closed}},
		{"?period=90", []*rathaus.Request{old, fresh, closed}, nil},
		{"?service=laptop", []*rathaus.Request{old, fresh, closed}, []*rathaus.Request{staff}}, // unknown filter values are ignored
	}
	for _, tt := range tests {
		status, _, body := e.get("/meldungen" + tt.query)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", tt.query, status)
		}
		for _, r := range tt.want {
			if !strings.Contains(body, fmt.Sprintf(`data-href="/meldungen/%d"`, r.ID)) {
				t.Errorf("GET /meldungen%s lacks %s (%s)", tt.query, r.Number, r.Description)
			}
		}
		for _, r := range tt.deny {
			if strings.Contains(body, fmt.Sprintf(`/meldungen/%d"`, r.ID)) {
				t.Errorf("GET /meldungen%s shows %s (%s)", tt.query, r.Number, r.Description)
			}
		}
		checkPage(t, "/meldungen"+tt.query, body)
	}
	if status, _, _ := e.get(fmt.Sprintf("/meldungen/%d", staff.ID)); status != http.StatusNotFound {
		t.Errorf("public page of a staff order: %d, want 404", status)
	}
	_, _, body := e.get(fmt.Sprintf("/meldungen/%d", fresh.ID))
	for _, want := range []string{"Neues Loch", `id="request-map"`, `data-lat="52.280000"`, "Meldung eingegangen", "Schlagloch"} {
		if !strings.Contains(body, want) {
			t.Errorf("report page lacks %q", want)
		}
	}
	checkPage(t, "report page", body)
	_, _, body = e.get("/")
	if !strings.Contains(body, `href="/melden"`) || !strings.Contains(body, fresh.Number) || strings.Contains(body, staff.Number) {
		t.Error("home page lacks the report link or the latest reports, or shows a staff order")
	}
	checkPage(t, "/", body)

	// Paging: 50 a page.
	for i := range 50 {
		e.submit("litter", 52.28, 8.05, fmt.Sprintf("Müll %d", i))
	}
	_, _, body = e.get("/meldungen")
	if n := strings.Count(body, `data-href="/meldungen/`); n != 50 || !strings.Contains(body, `href="/meldungen?page=2" rel="next"`) {
		t.Errorf("page 1: %d reports, next link %v", n, strings.Contains(body, "page=2"))
	}
	_, _, body = e.get("/meldungen?page=2")
	if n := strings.Count(body, `data-href="/meldungen/`); n != 3 || !strings.Contains(body, `rel="prev"`) || strings.Contains(body, `rel="next"`) {
		t.Errorf("page 2: %d reports, want 3 with a link back only", n)
	}
}
