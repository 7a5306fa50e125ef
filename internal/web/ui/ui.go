// Package ui renders the server-side pages of rathaus: html/template with
// embedded templates and static files, one typed view model per page. Pages
// work without JavaScript; scripts only add the map.
package ui

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/i18n"
	"github.com/rathaus/rathaus/internal/media"
	"github.com/rathaus/rathaus/internal/sortition"
)

//go:embed all:templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps is what the pages need.
type Deps struct {
	Cases               *casework.Cases
	Auth                *auth.Authenticator
	Blobs               *media.BlobStore
	Limits              media.Limits
	Catalog             *i18n.Catalog
	Log                 *slog.Logger
	Now                 func() time.Time
	BaseURL             string
	DefaultJurisdiction string
	// TileURL is the map tile template for Leaflet, e.g.
	// "https://tile.openstreetmap.org/{z}/{x}/{y}.png"; empty hides the map.
	TileURL string
	// SecureCookies sets the Secure flag and the __Host- prefix (HTTPS).
	SecureCookies bool
	// OIDC enables staff login with an OpenID Connect provider; nil
	// hides it (login_oidc.go).
	OIDC *auth.OIDC
	// SurveySecret signs the rating links; empty turns the survey pages
	// off (quality_survey.go).
	SurveySecret []byte
	// Draws queues and shows sortition draws (sortition.go).
	Draws *sortition.Draws
}

// UI holds the parsed templates and the page handlers.
type UI struct {
	Deps
	pages map[string]*template.Template
}

// New parses every page template with the layout.
func New(d Deps) (*UI, error) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Draws == nil && d.Cases != nil {
		// Without a worker the draws stay queued; serve passes one that
		// kicks its worker.
		d.Draws = sortition.NewDraws(d.Cases.DB(), d.Now, nil)
	}
	u := &UI{Deps: d, pages: map[string]*template.Template{}}
	layout, err := fs.ReadFile(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	partials, _ := fs.Glob(templateFS, "templates/_*.html")
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t := template.New("layout").Funcs(u.funcs())
		if _, err := t.Parse(string(layout)); err != nil {
			return nil, fmt.Errorf("ui: layout: %w", err)
		}
		for _, part := range partials {
			if _, err := t.ParseFS(templateFS, part); err != nil {
				return nil, fmt.Errorf("ui: %s: %w", part, err)
			}
		}
		if _, err := t.ParseFS(templateFS, p); err != nil {
			return nil, fmt.Errorf("ui: %s: %w", p, err)
		}
		u.pages[name] = t
	}
	return u, nil
}

// Static serves the embedded static files (CSS, scripts, vendored
// libraries) under /static/.
func (u *UI) Static() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	fileServer := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	})
}

// Page is the view model every template gets: the page's own data plus
// what the layout needs.
type Page struct {
	Title        string
	Locale       string
	User         *rathaus.User
	Jurisdiction *rathaus.Jurisdiction
	Path         string
	Flash        string
	TileURL      string
	HasLogo      bool
	Data         any
	cat          *i18n.Catalog
}

// T translates a key in the page's locale (used as {{$.T "key"}}).
func (p *Page) T(key string, args ...any) string { return p.cat.T(p.Locale, key, args...) }

func (u *UI) funcs() template.FuncMap {
	return template.FuncMap{
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(berlin).Format("02.01.2006 15:04")
		},
		"isodate": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(berlin).Format(time.RFC3339)
		},
		"statekey": func(s rathaus.State) string { return "state." + string(s) },
		"add":      func(a, b int) int { return a + b },
		"oidc":     func() bool { return u.OIDC != nil },
	}
}

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return l
}()

// Locale picks the request's locale: ?lang=, the lang cookie, then
// Accept-Language.
func Locale(r *http.Request) string {
	choice := r.URL.Query().Get("lang")
	if choice == "" {
		if c, err := r.Cookie("lang"); err == nil {
			choice = c.Value
		}
	}
	return i18n.Negotiate(choice, r.Header.Get("Accept-Language"))
}

// Render renders page with data into a buffer, then writes it, so a
// template error never sends half a page.
func (u *UI) Render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) {
	t, ok := u.pages[page]
	if !ok {
		u.Log.Error("ui: unknown page", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	p := &Page{Title: title, Locale: Locale(r), User: auth.UserFrom(r.Context()), Path: r.URL.Path, TileURL: u.TileURL, Data: data, cat: u.Catalog}
	if j, err := u.jurisdiction(r.Context()); err == nil {
		p.Jurisdiction = j
		if s, err := u.Cases.Settings(r.Context(), j); err == nil {
			p.HasLogo = s.LogoKey != ""
		}
	}
	// The language form submits to the page's own address; after a POST
	// that address may accept only POST, so it points home instead.
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		p.Path = "/"
	}
	// An explicit choice (?lang=) is remembered for the next pages.
	if l := r.URL.Query().Get("lang"); l != "" && l == p.Locale {
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	}
	if c, err := r.Cookie("flash"); err == nil {
		p.Flash = c.Value
		http.SetCookie(w, &http.Cookie{Name: "flash", Path: "/", MaxAge: -1})
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		u.Log.Error("ui: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// SetFlash stores a one-time message shown on the next page. Only message
// keys go in it, never user input.
func SetFlash(w http.ResponseWriter, key string) {
	http.SetCookie(w, &http.Cookie{Name: "flash", Value: key, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func (u *UI) jurisdiction(ctx context.Context) (*rathaus.Jurisdiction, error) {
	return u.Cases.Jurisdiction(ctx, u.DefaultJurisdiction)
}

// Error renders an error page for err with the status its kind implies.
func (u *UI) Error(w http.ResponseWriter, r *http.Request, err error) {
	status, key := http.StatusInternalServerError, "error.internal"
	switch rathaus.KindOf(err) {
	case rathaus.KindNotFound:
		status, key = http.StatusNotFound, "error.notfound"
	case rathaus.KindForbidden, rathaus.KindUnauthorized:
		status, key = http.StatusForbidden, "error.forbidden"
	case rathaus.KindInvalid, rathaus.KindConflict, rathaus.KindTooLarge:
		status, key = http.StatusBadRequest, ""
	default:
		u.Log.Error("ui: request failed", "route", r.Pattern, "err", err)
	}
	msg := ""
	if key == "" {
		msg = err.Error()
	}
	u.Render(w, r, status, "error", "Fehler", errorPage{Key: key, Message: msg})
}

type errorPage struct {
	Key     string
	Message string
}
