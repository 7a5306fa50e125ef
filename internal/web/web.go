// Package web assembles the one http.Handler of rathaus: every URL is
// listed in routes.go; this file holds the dependencies and middleware.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/i18n"
	"github.com/rathaus/rathaus/internal/media"
	"github.com/rathaus/rathaus/internal/sortition"
	"github.com/rathaus/rathaus/internal/web/ratelimit"
	"github.com/rathaus/rathaus/internal/web/ui"
)

// Deps is what the web layer needs.
type Deps struct {
	Cases               *casework.Cases
	Auth                *auth.Authenticator
	Blobs               *media.BlobStore
	Limits              media.Limits
	Log                 *slog.Logger
	Now                 func() time.Time
	BaseURL             string // public URL of this installation
	DefaultJurisdiction string // slug used when a request names none
	TrustedProxies      []netip.Prefix
	// PostsPerMinute limits public POSTs per client IP; 0 means 30.
	PostsPerMinute int
	Catalog        *i18n.Catalog
	TileURL        string // map tiles for Leaflet; empty hides the map
	SecureCookies  bool   // HTTPS: Secure cookies with the __Host- prefix
	// OIDC is staff login with OpenID Connect; nil turns it off.
	OIDC *auth.OIDC
	// SurveySecret signs the rating links of the closing mail (at least
	// 32 bytes); empty turns the survey pages /bewertung/ off (404).
	SurveySecret []byte
	// Draws queues sortition draws for the worker of cmd/rathaus; nil
	// makes one without a worker kick (the draws wait for a worker).
	Draws *sortition.Draws
}

// maxBody bounds bodies of routes that do not set their own limit.
const maxBody = 1 << 20

// NewHandler returns the whole web application.
func NewHandler(d Deps) (http.Handler, error) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.PostsPerMinute <= 0 {
		d.PostsPerMinute = 30
	}
	if n := len(d.SurveySecret); n > 0 && n < 32 {
		return nil, fmt.Errorf("web: the survey secret has %d bytes, at least 32 are needed", n)
	}
	if d.Catalog == nil {
		cat, err := i18n.Load()
		if err != nil {
			return nil, err
		}
		d.Catalog = cat
	}
	pages, err := ui.New(ui.Deps{Cases: d.Cases, Auth: d.Auth, Blobs: d.Blobs, Limits: d.Limits, Catalog: d.Catalog, Log: d.Log,
		Now: d.Now, BaseURL: d.BaseURL, DefaultJurisdiction: d.DefaultJurisdiction, TileURL: d.TileURL, SecureCookies: d.SecureCookies,
		OIDC: d.OIDC, SurveySecret: d.SurveySecret, Draws: d.Draws})
	if err != nil {
		return nil, err
	}
	s := &server{Deps: d, ui: pages}
	mux := http.NewServeMux()
	s.routes(mux)

	limiter := ratelimit.New(rate.Limit(float64(d.PostsPerMinute)/60), max(d.PostsPerMinute/3, 5), 10*time.Minute, d.Now)
	limited := limiter.Middleware(func(r *http.Request) string { return ratelimit.ClientIP(r, d.TrustedProxies) }, nil)(recordRoute(mux))

	cop := http.NewCrossOriginProtection()
	// Open311 clients authenticate with an API key, not a cookie, so a
	// cross-site request gains nothing; browsers of other sites may post.
	cop.AddInsecureBypassPattern("POST /open311/v2/")
	return s.recoverer(s.logRequests(securityHeaders(tileOrigin(d.TileURL), cop.Handler(s.loadUser(limited))))), nil
}

type server struct {
	Deps
	ui          *ui.UI
	staffRoutes []StaffRoute
}

type ctxKey int

const (
	requestIDKey ctxKey = iota
	// routeKey carries the *string that recordRoute fills with the matched
	// pattern. Middleware between logRequests and the mux replace the
	// request (WithContext), and the mux sets Pattern only on the request
	// it is given, so logRequests cannot read it from its own.
	routeKey
)

// recordRoute wraps the mux and reports the pattern it matched to
// logRequests.
func recordRoute(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if route, ok := r.Context().Value(routeKey).(*string); ok {
			*route = r.Pattern
		}
	})
}

// RequestID returns the id of the current request, for log lines.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// statusRecorder remembers the status code for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests writes one line per request: id, method, route pattern,
// status, duration. It logs the route pattern, never the query string,
// which can carry api keys, e-mail addresses or tokens.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		route := new(string)
		ctx := context.WithValue(context.WithValue(r.Context(), requestIDKey, id), routeKey, route)
		r = r.WithContext(ctx)
		w.Header().Set("X-Request-Id", id)
		rec := &statusRecorder{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(rec, r)
		if *route == "" {
			*route = "unmatched"
		}
		s.Log.Info("http", "id", id, "method", r.Method, "route", *route, "status", rec.status,
			"bytes", rec.bytes, "ms", float64(time.Since(start).Microseconds())/1000)
	})
}

func (s *server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Log.Error("panic", "id", RequestID(r.Context()), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				http.Error(w, "Interner Fehler", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// tileOrigin returns the scheme and host of the map tile server, which the
// content security policy must allow for images.
func tileOrigin(tileURL string) string {
	u, err := url.Parse(strings.NewReplacer("{", "", "}", "").Replace(tileURL))
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func securityHeaders(tiles string, next http.Handler) http.Handler {
	csp := "default-src 'self'; img-src 'self' data: blob:" + strings.TrimRight(" "+tiles, " ") +
		"; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Content-Security-Policy", csp)
		h.Set("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
		next.ServeHTTP(w, r)
	})
}
