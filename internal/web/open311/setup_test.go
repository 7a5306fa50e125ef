package open311_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/mapindex"
	"github.com/rathaus/rathaus/internal/media"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/web/open311"
)

// osnabrueck is a rectangle around Osnabrück, 52.20..52.35 N, 7.95..8.15 E.
const osnabrueck = `{"type":"Polygon","coordinates":[[[7.95,52.20],[8.15,52.20],[8.15,52.35],[7.95,52.35],[7.95,52.20]]]}`

// stack is a real Open311 server on a fresh database.
type stack struct {
	srv   *httptest.Server
	base  string // srv.URL + "/open311/v2"
	db    *store.DB
	cases *casework.Cases
	j     *rathaus.Jurisdiction
	staff *rathaus.User
	dept  map[string]*rathaus.Department
}

func newStack(t testing.TB, db *store.DB) *stack {
	t.Helper()
	ctx := context.Background()
	st := &stack{db: db, dept: map[string]*rathaus.Department{}}
	now := time.Now()
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		j := &rathaus.Jurisdiction{Slug: "test", Name: "Stadt Osnabrück", State: "NI", Boundary: json.RawMessage(osnabrueck)}
		if err := tx.CreateJurisdiction(ctx, j, now); err != nil {
			return err
		}
		other := &rathaus.Jurisdiction{Slug: "other", Name: "Stadt Anderswo", State: "NW"}
		if err := tx.CreateJurisdiction(ctx, other, now); err != nil {
			return err
		}
		st.j = j
		for _, d := range []*rathaus.Department{
			{JurisdictionID: j.ID, Code: "tief", Name: "Fachbereich Tiefbau"},
			{JurisdictionID: j.ID, Code: "gruen", Name: "Fachbereich Grünflächen"},
		} {
			if err := tx.CreateDepartment(ctx, d); err != nil {
				return err
			}
			st.dept[d.Code] = d
		}
		services := []*rathaus.Service{
			{JurisdictionID: j.ID, Code: "pothole", Group: "Straße", Name: "Schlagloch", Description: "Schäden in der Fahrbahn",
				Keywords: "straße,loch", Kind: rathaus.KindReport, Audience: "public", ResolutionHours: 16,
				DefaultDepartment: st.dept["tief"].ID, Active: true,
				Attributes: []rathaus.Attribute{
					{Code: "kind", Datatype: rathaus.TypeSingleValueList, Variable: true, Description: "Wo ist der Schaden?", Order: 2,
						Values: []rathaus.AttributeValue{{Key: "road", Name: "Fahrbahn"}, {Key: "walk", Name: "Gehweg"}}},
					{Code: "depth", Datatype: rathaus.TypeNumber, Required: true, Variable: true, Description: "Tiefe in cm", Order: 1},
				}},
			{JurisdictionID: j.ID, Code: "litter", Group: "Sauberkeit", Name: "Wilder Müll", Description: "Abfall im öffentlichen Raum",
				Kind: rathaus.KindReport, Audience: "public", DefaultDepartment: st.dept["gruen"].ID, Active: true},
			{JurisdictionID: j.ID, Code: "laptop", Group: "IT", Name: "Laptop bestellen", Kind: rathaus.KindOrder, Audience: "staff",
				DefaultDepartment: st.dept["tief"].ID, Active: true},
		}
		for _, s := range services {
			if err := tx.CreateService(ctx, s); err != nil {
				return err
			}
		}
		st.staff = &rathaus.User{JurisdictionID: j.ID, Email: "admin@example.org", Name: "Admin", Role: rathaus.RoleAdmin, CreatedAt: now}
		return tx.CreateUser(ctx, st.staff)
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	a := auth.New(db, time.Now)
	if _, err := a.StoreAPIKey(ctx, st.j.ID, "test", "test-key", "test-key", "test"); err != nil {
		t.Fatalf("api key: %v", err)
	}
	other, err := st.jurisdiction(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.StoreAPIKey(ctx, other.ID, "other", "other-key", "other-ke", "test"); err != nil {
		t.Fatalf("api key: %v", err)
	}
	blobs, err := media.NewBlobStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// Map queries go through the map index, warmed while the jurisdictions
	// hold no requests yet: every request the tests submit reaches it
	// through the change feed.
	maps := mapindex.New(db, time.Now, 0)
	for _, id := range []int64{st.j.ID, other.ID} {
		if err := maps.Warm(ctx, id); err != nil {
			t.Fatalf("map index: %v", err)
		}
	}
	st.cases = casework.New(db, time.Now, casework.Config{MapIndex: maps})
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	srv.Start()
	t.Cleanup(srv.Close)
	h := open311.NewHandler(open311.Deps{
		Cases: st.cases, Auth: a, Blobs: blobs, Limits: media.DefaultLimits(), BaseURL: srv.URL, Now: time.Now,
		DefaultJurisdiction: "test",
	})
	mux.Handle("/open311/v2/", http.StripPrefix("/open311/v2", h))
	st.srv, st.base = srv, srv.URL+"/open311/v2"
	return st
}

func (st *stack) jurisdiction(ctx context.Context, slug string) (*rathaus.Jurisdiction, error) {
	var j *rathaus.Jurisdiction
	err := st.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		j, err = tx.Jurisdiction(ctx, slug)
		return err
	})
	return j, err
}

// answer is a finished HTTP exchange.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (st *stack) do(t testing.TB, req *http.Request) answer {
	t.Helper()
	res, err := st.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: res.StatusCode, header: res.Header, body: b}
}

func (st *stack) get(t testing.TB, path string, q url.Values) answer {
	t.Helper()
	u := st.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st.do(t, req)
}

func (st *stack) post(t testing.TB, path, contentType string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, st.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return st.do(t, req)
}

func (st *stack) postForm(t testing.TB, format string, form url.Values) answer {
	t.Helper()
	return st.post(t, "/requests."+format, "application/x-www-form-urlencoded", []byte(form.Encode()))
}

// validForm is a complete pothole report inside the boundary.
func validForm() url.Values {
	return url.Values{
		"api_key": {"test-key"}, "jurisdiction_id": {"test"}, "service_code": {"pothole"},
		"lat": {"52.2790"}, "long": {"8.0472"}, "attribute[depth]": {"7"}, "attribute[kind]": {"road"},
		"description": {"Tiefes Loch vor Hausnummer 12"}, "email": {"erika@example.org"}, "first_name": {"Erika"},
		"last_name": {"Mustermann"}, "phone": {"+49 541 123456"}, "device_id": {"dev-4711"}, "account_id": {"acc-99"},
		"address_string": {"Rathausplatz 1, 49074 Osnabrück"},
	}
}

// with returns a copy of f with the given changes; an empty value deletes.
func with(f url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return out
}

// multipartBody builds a multipart body with form fields and media files.
func multipartBody(t testing.TB, form url.Values, files ...[]byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, f := range files {
		pw, err := w.CreateFormFile("media", "foto"+string(rune('a'+i))+".png")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pw.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

func pngImage(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(x), G: uint8(y), B: 90, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// wireRequest is the JSON form of a request as a client decodes it.
type wireRequest struct {
	ServiceRequestID  string   `json:"service_request_id"`
	Token             string   `json:"token"`
	ServiceNotice     string   `json:"service_notice"`
	AccountID         string   `json:"account_id"`
	Status            string   `json:"status"`
	StatusNotes       string   `json:"status_notes"`
	ServiceName       string   `json:"service_name"`
	ServiceCode       string   `json:"service_code"`
	Description       string   `json:"description"`
	AgencyResponsible string   `json:"agency_responsible"`
	RequestedDatetime string   `json:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime"`
	ExpectedDatetime  string   `json:"expected_datetime"`
	Address           string   `json:"address"`
	Lat               *float64 `json:"lat"`
	Long              *float64 `json:"long"`
	MediaURL          string   `json:"media_url"`
	Extended          *struct {
		DetailedStatus string `json:"detailed_status"`
		StatusHistory  []struct {
			Status          string `json:"status"`
			DetailedStatus  string `json:"detailed_status"`
			UpdatedDatetime string `json:"updated_datetime"`
			Description     string `json:"description"`
		} `json:"status_history"`
		MediaURLs []string `json:"media_urls"`
	} `json:"extended_attributes"`
}

func decodeJSON[T any](t testing.TB, a answer) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("decode %s: %v", a.body, err)
	}
	return v
}

// mustCreate posts form as JSON and returns the created request.
func (st *stack) mustCreate(t testing.TB, form url.Values) wireRequest {
	t.Helper()
	a := st.postForm(t, "json", form)
	if a.status != http.StatusCreated {
		t.Fatalf("POST: status %d: %s", a.status, a.body)
	}
	rs := decodeJSON[[]wireRequest](t, a)
	if len(rs) != 1 {
		t.Fatalf("POST: %d answers: %s", len(rs), a.body)
	}
	return rs[0]
}

func contains(s, sub string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(sub)) }
