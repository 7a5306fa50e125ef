package web

import (
	"io"
	"net/http"
	"strconv"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/web/open311"
)

// routes lists every URL of rathaus.
func (s *server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.ui.Home)
	mux.HandleFunc("GET /healthz", s.health)
	mux.HandleFunc("GET /metrics", s.ui.Metrics) // loopback only: internal/web/ui/quality_metrics.go
	mux.HandleFunc("GET /media/{id}", s.photo)
	mux.Handle("GET /static/", http.StripPrefix("/static/", s.ui.Static()))
	mux.HandleFunc("GET /theme.css", s.ui.Theme)
	mux.HandleFunc("GET /logo", s.ui.Logo)
	mux.HandleFunc("GET /login", s.ui.LoginForm)
	mux.HandleFunc("POST /login", s.ui.Login)
	mux.HandleFunc("GET /login/oidc", s.ui.OIDCStart)             // internal/web/ui/login_oidc.go
	mux.HandleFunc("GET /login/oidc/callback", s.ui.OIDCCallback) // the redirect URI registered at the provider
	mux.HandleFunc("POST /logout", s.ui.Logout)

	// Citizen pages (no account needed).
	mux.HandleFunc("GET /melden", s.ui.ReportForm)
	mux.HandleFunc("POST /melden", s.ui.ReportPost)
	mux.HandleFunc("GET /melden/danke/{token}", s.ui.ReportDone)
	mux.HandleFunc("GET /meldungen", s.ui.Reports)
	mux.HandleFunc("GET /meldungen/{id}", s.ui.RequestPage)
	mux.HandleFunc("GET /s/{token}", s.ui.StatusPage)
	mux.HandleFunc("POST /s/{token}/reopen", s.ui.Reopen)
	mux.HandleFunc("GET /bestaetigen/{token}", s.ui.Confirm)
	mux.HandleFunc("GET /bewertung/{token}", s.ui.SurveyPage) // 404 without a survey secret: internal/web/ui/quality_survey.go
	mux.HandleFunc("POST /bewertung/{token}", s.ui.SurveyComment)
	mux.HandleFunc("GET /transparenz", s.ui.Transparency)                      // internal/web/ui/quality_transparency.go
	mux.HandleFunc("GET /transparenz/daten.csv", s.ui.TransparencyData("csv")) // no personal data: aggregates only
	mux.HandleFunc("GET /transparenz/daten.json", s.ui.TransparencyData("json"))

	// Staff pages: every one is registered with s.staff and a minimum role.
	s.staffPages(mux) // internal/web/staff_routes.go

	mux.Handle("/open311/v2/", http.StripPrefix("/open311/v2", open311.NewHandler(open311.Deps{
		Cases: s.Cases, Auth: s.Auth, Blobs: s.Blobs, Limits: s.Limits, Log: s.Log, BaseURL: s.BaseURL,
		Now: s.Now, DefaultJurisdiction: s.DefaultJurisdiction,
	})))
}

func (s *server) health(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := s.Cases.DB().Ping(r.Context()); err != nil {
		s.Log.Error("health: database", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n")
}

// photo serves a published photo of a request of the default jurisdiction.
func (s *server) photo(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		http.NotFound(w, r)
		return
	}
	j, err := s.Cases.Jurisdiction(r.Context(), s.DefaultJurisdiction)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.Cases.Photo(r.Context(), j, id, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := s.Blobs.Open(m.BlobKey)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", m.ContentType)
	w.Header().Set("Cache-Control", "public, max-age=86400, immutable")
	io.Copy(w, f)
}

// fail maps a domain error to a plain-text answer.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := http.StatusInternalServerError, "Interner Fehler"
	switch rathaus.KindOf(err) {
	case rathaus.KindNotFound:
		code, msg = http.StatusNotFound, "Nicht gefunden"
	case rathaus.KindInvalid:
		code, msg = http.StatusBadRequest, err.Error()
	case rathaus.KindForbidden, rathaus.KindUnauthorized:
		code, msg = http.StatusForbidden, "Keine Berechtigung"
	default:
		s.Log.Error("request failed", "id", RequestID(r.Context()), "route", r.Pattern, "err", err)
	}
	http.Error(w, msg, code)
}
