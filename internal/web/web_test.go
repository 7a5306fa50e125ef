package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/jpeg"
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
	"github.com/rathaus/rathaus/internal/media"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
	"github.com/rathaus/rathaus/internal/web"
	"github.com/rathaus/rathaus/internal/web/open311/open311test"
)

const boundary = `{"type":"Polygon","coordinates":[[[7.95,52.20],[8.15,52.20],[8.15,52.35],[7.95,52.35],[7.95,52.20]]]}`

// newServer starts the whole web application on a fresh database with
// one jurisdiction, two services and the API key "web-key".
func newServer(t *testing.T, db *store.DB, postsPerMinute int) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	var j rathaus.Jurisdiction
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		j = rathaus.Jurisdiction{Slug: "web", Name: "Webstadt", State: "NI", Boundary: json.RawMessage(boundary)}
		if err := tx.CreateJurisdiction(ctx, &j, now); err != nil {
			return err
		}
		d := &rathaus.Department{JurisdictionID: j.ID, Code: "bau", Name: "Bauhof"}
		if err := tx.CreateDepartment(ctx, d); err != nil {
			return err
		}
		for _, s := range []*rathaus.Service{
			{Code: "pothole", Name: "Schlagloch", Attributes: []rathaus.Attribute{
				{Code: "depth", Datatype: rathaus.TypeNumber, Required: true, Variable: true, Description: "Tiefe in cm", Order: 1},
				{Code: "kind", Datatype: rathaus.TypeSingleValueList, Variable: true, Order: 2, Description: "Wo?",
					Values: []rathaus.AttributeValue{{Key: "road", Name: "Fahrbahn"}, {Key: "walk", Name: "Gehweg"}}},
			}},
			{Code: "litter", Name: "Wilder Müll"},
		} {
			s.JurisdictionID, s.Kind, s.Audience, s.Active, s.DefaultDepartment = j.ID, rathaus.KindReport, "public", true, d.ID
			if err := tx.CreateService(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a := auth.New(db, time.Now)
	if _, err := a.StoreAPIKey(ctx, j.ID, "web", "web-key", "web-key", "test"); err != nil {
		t.Fatal(err)
	}
	blobs, err := media.NewBlobStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	h, err := web.NewHandler(web.Deps{
		Cases: casework.New(db, time.Now, casework.Config{BaseURL: srv.URL}), Auth: a, Blobs: blobs,
		Limits: media.DefaultLimits(), BaseURL: srv.URL, DefaultJurisdiction: "web", PostsPerMinute: postsPerMinute,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	t.Cleanup(srv.Close)
	return srv
}

// TestConformanceThroughWholeHandler runs the Open311 suite against the
// complete application, where /media/{id} is served too.
func TestConformanceThroughWholeHandler(t *testing.T) {
	srv := newServer(t, storetest.Open(t, store.SQLite), 100000)
	open311test.Run(t, open311test.Env{BaseURL: srv.URL + "/open311/v2", APIKey: "web-key", Jurisdiction: "web",
		Inside: [2]float64{52.279, 8.047}, Outside: [2]float64{52.52, 13.405}, Client: srv.Client()})
}

func TestRateLimitOnPublicPosts(t *testing.T) {
	srv := newServer(t, storetest.Open(t, store.SQLite), 30) // burst 10
	form := url.Values{"api_key": {"web-key"}, "service_code": {"litter"}, "address_string": {"Markt 1"}}
	var codes []int
	var retry string
	for range 12 {
		resp, err := srv.Client().PostForm(srv.URL+"/open311/v2/requests.json", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests {
			retry = resp.Header.Get("Retry-After")
		}
	}
	if codes[0] != http.StatusCreated || codes[9] != http.StatusCreated || codes[10] != http.StatusTooManyRequests || codes[11] != http.StatusTooManyRequests {
		t.Fatalf("status codes = %v, want 10×201 then 429", codes)
	}
	if retry == "" || retry == "0" {
		t.Errorf("Retry-After = %q", retry)
	}
	// GETs are not limited.
	resp, err := srv.Client().Get(srv.URL + "/open311/v2/services.json")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET after the limit: %v %v", err, resp.Status)
	}
	resp.Body.Close()
}

func TestSecurityHeadersHealthAndCrossOrigin(t *testing.T) {
	srv := newServer(t, storetest.Open(t, store.SQLite), 1000)
	resp, err := srv.Client().Get(srv.URL + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", err, resp)
	}
	resp.Body.Close()
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "strict-origin-when-cross-origin",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("CSP = %q", resp.Header.Get("Content-Security-Policy"))
	}
	post := func(path string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader("api_key=web-key&service_code=litter&address_string=Markt+1"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", "https://evil.example")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("/healthz"); got != http.StatusForbidden {
		t.Errorf("cross-site POST to a cookie route: %d, want 403", got)
	}
	if got := post("/open311/v2/requests.json"); got != http.StatusCreated {
		t.Errorf("cross-site POST to Open311 (API key, no cookies): %d, want 201", got)
	}
	resp, err = srv.Client().Get(srv.URL + "/media/999")
	if err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown media: %v %v", err, resp.StatusCode)
	}
	resp.Body.Close()
}

func TestUploadedPhotoIsServedReencoded(t *testing.T) {
	srv := newServer(t, storetest.Open(t, store.SQLite), 1000)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"api_key": "web-key", "service_code": "litter", "lat": "52.28", "long": "8.04"} {
		mw.WriteField(k, v)
	}
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	part, _ := mw.CreateFormFile("media", "foto.png")
	png.Encode(part, img)
	mw.Close()
	resp, err := srv.Client().Post(srv.URL+"/open311/v2/requests.json", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST with photo: %s", resp.Status)
	}
	resp, err = srv.Client().Get(srv.URL + "/media/1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("GET /media/1: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width != 40 || cfg.Height != 30 {
		t.Fatalf("served photo: %v %+v", err, cfg)
	}
}

func TestThemeCarriesBrandColours(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	srv := newServer(t, db, 1000)
	get := func() string {
		resp, err := srv.Client().Get(srv.URL + "/theme.css")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if ct := resp.Header.Get("Content-Type"); ct != "text/css; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		return string(b)
	}
	if got := get(); got != "" {
		t.Errorf("theme without settings = %q, want empty", got)
	}
	ctx := context.Background()
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		j, err := tx.Jurisdiction(ctx, "web")
		if err != nil {
			return err
		}
		return tx.SaveSettings(ctx, &store.Settings{JurisdictionID: j.ID, ColorPrimary: "#004b87", ColorSecondary: "#7a1f3d", UpdatedAt: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := ":root { --accent: #004b87; }\nheader.top { border-bottom: 6px solid #7a1f3d; }\n"
	if got := get(); got != want {
		t.Errorf("theme = %q, want %q", got, want)
	}
}

func TestLanguageChoiceIsRemembered(t *testing.T) {
	srv := newServer(t, storetest.Open(t, store.SQLite), 1000)
	resp, err := srv.Client().Get(srv.URL + "/login?lang=pl")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var lang *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "lang" {
			lang = c
		}
	}
	if lang == nil || lang.Value != "pl" {
		t.Fatalf("no lang cookie after ?lang=pl: %v", resp.Cookies())
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/login", nil)
	req.AddCookie(lang)
	resp, err = srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `lang="pl"`) || !strings.Contains(string(body), "Logowanie dla pracowników") {
		t.Errorf("the next page is not Polish:\n%.400s", body)
	}
}
