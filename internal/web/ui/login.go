package ui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rathaus/rathaus/internal/auth"
)

// SessionCookie is the name of the staff session cookie: with the __Host-
// prefix when served over HTTPS, so it cannot be set by a subdomain.
func (u *UI) SessionCookie() string {
	if u.SecureCookies {
		return "__Host-rathaus_session"
	}
	return "rathaus_session"
}

type loginPage struct {
	Email string
	Next  string
	Error string
}

// safeNext keeps redirects after login on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/staff"
	}
	return next
}

// LoginForm shows the staff login.
func (u *UI) LoginForm(w http.ResponseWriter, r *http.Request) {
	u.Render(w, r, http.StatusOK, "login", u.Catalog.T(Locale(r), "login.title"), loginPage{Next: safeNext(r.URL.Query().Get("next"))})
}

// Login checks the credentials and opens a session.
func (u *UI) Login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		u.Error(w, r, err)
		return
	}
	email, next := strings.TrimSpace(r.PostForm.Get("email")), safeNext(r.PostForm.Get("next"))
	tok, _, err := u.Auth.Login(r.Context(), email, r.PostForm.Get("password"))
	if err != nil {
		page := loginPage{Email: email, Next: next, Error: u.Catalog.T(Locale(r), "login.failed")}
		u.Render(w, r, http.StatusUnauthorized, "login", u.Catalog.T(Locale(r), "login.title"), page)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: u.SessionCookie(), Value: tok, Path: "/", HttpOnly: true, Secure: u.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(auth.SessionTTL.Seconds())})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// Logout ends the session.
func (u *UI) Logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(u.SessionCookie()); err == nil {
		if err := u.Auth.Logout(r.Context(), c.Value); err != nil {
			u.Log.Error("logout", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: u.SessionCookie(), Path: "/", MaxAge: -1, HttpOnly: true, Secure: u.SecureCookies})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// LoginURL is where an anonymous visitor of a staff page is sent.
func LoginURL(r *http.Request) string {
	next := r.URL.Path
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		next += "?" + r.URL.RawQuery
	}
	return "/login?next=" + url.QueryEscape(next)
}
