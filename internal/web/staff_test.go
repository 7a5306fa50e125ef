package web

import (
	"bytes"
	"context"
	"image"
	"log/slog"
	"image/color"
	"image/jpeg"
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
