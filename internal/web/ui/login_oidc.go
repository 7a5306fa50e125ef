package ui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"golang.org/x/oauth2"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
)

// oidcFlowTTL bounds how long a visitor may spend at the provider between
// leaving rathaus and coming back.
const oidcFlowTTL = 10 * time.Minute

// oidcFlow is what rathaus remembers about one login attempt, in a
// short-lived HttpOnly cookie: random values compared on return, so the
// cookie needs no signature. Only this browser knows them; an attacker who
// starts a login elsewhere cannot make it finish here (state), replay a
// token (nonce) or redeem an intercepted code (PKCE verifier).
type oidcFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"r"`
	Started  int64  `json:"t"` // Unix seconds
}

func (u *UI) oidcCookie() string {
	if u.SecureCookies {
		return "__Host-rathaus_oidc"
	}
	return "rathaus_oidc"
}

func randomValue() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// OIDCStart sends the visitor to the provider (GET /login/oidc?next=).
func (u *UI) OIDCStart(w http.ResponseWriter, r *http.Request) {
	if u.OIDC == nil {
		u.Error(w, r, rathaus.NotFoundf("login with OpenID Connect is not configured"))
		return
	}
	f := oidcFlow{State: randomValue(), Nonce: randomValue(), Verifier: oauth2.GenerateVerifier(),
		Next: safeNext(r.URL.Query().Get("next")), Started: u.Now().Unix()}
	target, err := u.OIDC.AuthCodeURL(r.Context(), f.State, f.Nonce, f.Verifier)
	if err != nil {
		u.oidcFail(w, r, f.Next, err)
		return
	}
	val, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: u.oidcCookie(), Value: base64.RawURLEncoding.EncodeToString(val), Path: "/",
		HttpOnly: true, Secure: u.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(oidcFlowTTL.Seconds())})
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// OIDCCallback finishes the login when the provider sends the visitor back
// (GET /login/oidc/callback?code=&state=).
func (u *UI) OIDCCallback(w http.ResponseWriter, r *http.Request) {
	if u.OIDC == nil {
		u.Error(w, r, rathaus.NotFoundf("login with OpenID Connect is not configured"))
		return
	}
	// The flow cookie is good for one attempt, whatever happens next.
	http.SetCookie(w, &http.Cookie{Name: u.oidcCookie(), Path: "/", MaxAge: -1, HttpOnly: true, Secure: u.SecureCookies, SameSite: http.SameSiteLaxMode})
	f, ok := u.readFlow(r)
	if !ok {
		u.oidcFail(w, r, "/staff", errOIDCFlow)
		return
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		u.oidcFail(w, r, f.Next, errOIDCState)
		return
	}
	if e := q.Get("error"); e != "" {
		u.oidcFail(w, r, f.Next, &providerError{code: e})
		return
	}
	if q.Get("code") == "" {
		u.oidcFail(w, r, f.Next, errOIDCState)
		return
	}
	id, err := u.OIDC.Exchange(r.Context(), q.Get("code"), f.Verifier, f.Nonce)
	if err != nil {
		u.oidcFail(w, r, f.Next, err)
		return
	}
	j, err := u.jurisdiction(r.Context())
	if err != nil {
		u.Error(w, r, err)
		return
	}
	user, err := u.Auth.OIDCUser(r.Context(), j.ID, id)
	if err != nil {
		u.oidcFail(w, r, f.Next, err)
		return
	}
	if claimed := id.ClaimedRoles(); len(claimed) > 0 && !slices.Contains(claimed, user.Role) {
		// Roles are kept in rathaus; say so once per login so that an
		// administrator can align the two. The user id is not personal
		// data in the sense of the log policy (the audit log has it too).
		u.Log.Warn("oidc: role claim differs from the rathaus role; the rathaus role applies",
			"route", r.Pattern, "user_id", user.ID, "role", user.Role, "claimed", claimed)
	}
	tok, err := u.Auth.LoginUser(r.Context(), user, "oidc")
	if err != nil {
		u.Error(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: u.SessionCookie(), Value: tok, Path: "/", HttpOnly: true, Secure: u.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(auth.SessionTTL.Seconds())})
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
}

// readFlow returns the flow cookie if it is well-formed and recent.
func (u *UI) readFlow(r *http.Request) (oidcFlow, bool) {
	var f oidcFlow
	c, err := r.Cookie(u.oidcCookie())
	if err != nil || len(c.Value) > 1024 {
		return f, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || json.Unmarshal(raw, &f) != nil || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return f, false
	}
	age := u.Now().Sub(time.Unix(f.Started, 0))
	if age < -time.Minute || age > oidcFlowTTL {
		return f, false
	}
	f.Next = safeNext(f.Next)
	return f, true
}

var (
	errOIDCFlow  = errors.New("oidc: flow cookie missing, malformed or expired")
	errOIDCState = errors.New("oidc: state does not match the flow cookie, or no code")
)

// providerError is an error the provider sent back instead of a code,
// e.g. access_denied when the user cancels.
type providerError struct{ code string }

func (e *providerError) Error() string {
	code := e.code
	if len(code) > 40 {
		code = code[:40]
	}
	return "oidc: the provider answered error=" + code
}

// oidcFail shows the login page with a message for err. The log line has
// the cause but no personal data: the errors of package auth never carry
// the e-mail address.
func (u *UI) oidcFail(w http.ResponseWriter, r *http.Request, next string, err error) {
	status, key := http.StatusUnauthorized, "oidc.refused"
	var pe *providerError
	switch {
	case errors.Is(err, errOIDCFlow):
		status, key = http.StatusBadRequest, "oidc.expired"
	case errors.Is(err, errOIDCState):
		status, key = http.StatusBadRequest, "oidc.state"
	case errors.As(err, &pe):
		key = "oidc.cancelled"
	case errors.Is(err, auth.ErrOIDCUnavailable):
		status, key = http.StatusBadGateway, "oidc.unavailable"
	case errors.Is(err, auth.ErrOIDCEmailUnverified):
		key = "oidc.unverified"
	case errors.Is(err, auth.ErrOIDCUnknownUser):
		key = "oidc.unknown"
	case errors.Is(err, auth.ErrOIDCRefused):
	default:
		u.Error(w, r, err)
		return
	}
	u.Log.Warn("oidc: login failed", "route", r.Pattern, "status", status, "err", err)
	loc := Locale(r)
	u.Render(w, r, status, "login", u.Catalog.T(loc, "login.title"), loginPage{Next: next, Error: u.Catalog.T(loc, key)})
}
