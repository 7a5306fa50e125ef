package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/store"
)

// Errors of the OpenID Connect login. The web layer picks the message and
// status from them; their texts never carry personal data, so they may be
// logged as they are.
var (
	// ErrOIDCUnavailable: the provider could not be reached or answered
	// with a server error (discovery, token endpoint).
	ErrOIDCUnavailable = errors.New("oidc: provider unavailable")
	// ErrOIDCRefused: the provider refused the code exchange, or the ID
	// token failed verification (signature, issuer, audience, expiry,
	// nonce).
	ErrOIDCRefused = errors.New("oidc: login refused")
	// ErrOIDCEmailUnverified: the ID token has no e-mail address, or the
	// provider does not vouch for it (email_verified is not true).
	ErrOIDCEmailUnverified = errors.New("oidc: e-mail address missing or not verified")
	// ErrOIDCUnknownUser: no enabled staff member of the jurisdiction has
	// the token's e-mail address.
	ErrOIDCUnknownUser = errors.New("oidc: no enabled staff member with this e-mail address")
)

// OIDCConfig configures login with an OpenID Connect provider, such as a
// city's Keycloak realm.
type OIDCConfig struct {
	Issuer       string // e.g. https://login.example.de/realms/stadt
	ClientID     string
	ClientSecret string
	RedirectURL  string // https://<host>/login/oidc/callback
	// RoleClaim names the ID token claim with the user's roles, as a
	// dotted path ("roles", "realm_access.roles"); empty means "roles".
	// Roles stay in rathaus: the claim is only compared and logged.
	RoleClaim string
	// HTTPClient makes the calls to the provider; nil means a client with
	// a 10 s timeout.
	HTTPClient *http.Client
}

// OIDC speaks the authorization code flow with PKCE to one provider. The
// provider's discovery document is fetched on first use (and again after a
// failure), so rathaus starts and password login works while the provider
// is down.
type OIDC struct {
	cfg    OIDCConfig
	client *http.Client
	now    func() time.Time

	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// OIDCIdentity is what a verified ID token says about the user.
type OIDCIdentity struct {
	Subject string
	Email   string // verified by the provider
	Roles   []string
}

// NewOIDC checks cfg; it does not contact the provider (see Discover).
func NewOIDC(cfg OIDCConfig, now func() time.Time) (*OIDC, error) {
	for _, f := range []struct{ name, value string }{
		{"issuer", cfg.Issuer}, {"client id", cfg.ClientID}, {"client secret", cfg.ClientSecret}, {"redirect URL", cfg.RedirectURL},
	} {
		if strings.TrimSpace(f.value) == "" {
			return nil, fmt.Errorf("auth: oidc: the %s is required", f.name)
		}
	}
	for name, raw := range map[string]string{"issuer": cfg.Issuer, "redirect URL": cfg.RedirectURL} {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("auth: oidc: the %s %q is not an http(s) URL", name, raw)
		}
	}
	if cfg.RoleClaim == "" {
		cfg.RoleClaim = "roles"
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &OIDC{cfg: cfg, client: client, now: now}, nil
}

// Issuer returns the configured issuer URL.
func (o *OIDC) Issuer() string { return o.cfg.Issuer }

func (o *OIDC) clientContext(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, o.client)
}

// Discover fetches the provider's discovery document unless that has
// succeeded before. Errors wrap ErrOIDCUnavailable.
func (o *OIDC) Discover(ctx context.Context) error {
	_, _, err := o.endpoints(ctx)
	return err
}

func (o *OIDC) endpoints(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.oauth != nil {
		return o.oauth, o.verifier, nil
	}
	p, err := oidc.NewProvider(o.clientContext(ctx), o.cfg.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: discovery: %v", ErrOIDCUnavailable, err)
	}
	o.oauth = &oauth2.Config{
		ClientID:     o.cfg.ClientID,
		ClientSecret: o.cfg.ClientSecret,
		RedirectURL:  o.cfg.RedirectURL,
		Endpoint:     p.Endpoint(),
		Scopes:       []string{oidc.ScopeOpenID, "email", "profile"},
	}
	// The JWKS is fetched through the same client; the verifier caches the
	// keys and refetches them when a token names an unknown key id.
	o.verifier = p.VerifierContext(o.clientContext(context.Background()), &oidc.Config{ClientID: o.cfg.ClientID, Now: o.now})
	return o.oauth, o.verifier, nil
}

// AuthCodeURL returns the provider's authorization URL for one login
// attempt: state and nonce are random values the caller keeps (in a
// cookie) and checks on return, verifier is the PKCE code verifier
// (oauth2.GenerateVerifier) whose S256 challenge is sent.
func (o *OIDC) AuthCodeURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	oc, _, err := o.endpoints(ctx)
	if err != nil {
		return "", err
	}
	return oc.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// Exchange redeems an authorization code with the PKCE verifier, verifies
// the ID token (signature against the provider's JWKS, issuer, audience,
// expiry) and its nonce, and returns the identity. The e-mail address must
// be present and verified by the provider.
func (o *OIDC) Exchange(ctx context.Context, code, verifier, nonce string) (*OIDCIdentity, error) {
	oc, v, err := o.endpoints(ctx)
	if err != nil {
		return nil, err
	}
	cctx := o.clientContext(ctx)
	tok, err := oc.Exchange(cctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			// The provider answered and said no (invalid_grant: code used,
			// expired or PKCE verifier wrong; invalid_client: secret wrong).
			return nil, fmt.Errorf("%w: token endpoint: %s (HTTP %d)", ErrOIDCRefused, re.ErrorCode, re.Response.StatusCode)
		}
		return nil, fmt.Errorf("%w: token endpoint: %v", ErrOIDCUnavailable, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, fmt.Errorf("%w: the token response has no id_token", ErrOIDCRefused)
	}
	idt, err := v.Verify(cctx, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: id token: %v", ErrOIDCRefused, err)
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return nil, fmt.Errorf("%w: id token: nonce does not match", ErrOIDCRefused)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%w: id token claims: %v", ErrOIDCRefused, err)
	}
	email, _ := claims["email"].(string)
	email = strings.TrimSpace(email)
	if email == "" || !isTrue(claims["email_verified"]) {
		return nil, ErrOIDCEmailUnverified
	}
	return &OIDCIdentity{Subject: idt.Subject, Email: email, Roles: claimStrings(claims, o.cfg.RoleClaim)}, nil
}

// isTrue accepts a JSON true and, because some providers send it so, the
// string "true".
func isTrue(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// claimStrings reads the claim at a dotted path as a list of strings; a
// single string counts as a list of one.
func claimStrings(claims map[string]any, path string) []string {
	var v any = claims
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// ClaimedRoles returns the rathaus role names found in the role claim.
// rathaus does not take roles from the provider; the web layer logs when
// these differ from the user's role, so an administrator can align them.
func (id *OIDCIdentity) ClaimedRoles() []rathaus.Role {
	var out []rathaus.Role
	for _, r := range id.Roles {
		if role := rathaus.Role(r); role.Valid() {
			out = append(out, role)
		}
	}
	return out
}

// OIDCUser returns the staff member that a verified identity logs in as:
// an existing, enabled user of the jurisdiction with the same e-mail
// address (compared case-insensitively). rathaus never creates users from
// a login; administrators add staff, and roles stay in rathaus.
func (a *Authenticator) OIDCUser(ctx context.Context, jurisdictionID int64, id *OIDCIdentity) (*rathaus.User, error) {
	if id == nil || id.Email == "" {
		return nil, ErrOIDCEmailUnverified
	}
	var u *rathaus.User
	err := a.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByEmail(ctx, id.Email)
		return err
	})
	if rathaus.KindOf(err) == rathaus.KindNotFound {
		return nil, ErrOIDCUnknownUser
	}
	if err != nil {
		return nil, fmt.Errorf("auth: oidc user: %w", err)
	}
	if u.Disabled || u.JurisdictionID != jurisdictionID {
		return nil, ErrOIDCUnknownUser
	}
	return u, nil
}

// LoginUser opens a session for a user whose identity was established
// elsewhere (method names how, e.g. "oidc") and audits it like a password
// login. It returns the session token for the cookie.
func (a *Authenticator) LoginUser(ctx context.Context, u *rathaus.User, method string) (string, error) {
	if u == nil || u.ID == 0 || u.Disabled {
		return "", rathaus.Unauthorizedf("the account is not enabled")
	}
	tok := NewToken()
	now := a.now().UTC()
	err := a.db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSession(ctx, HashToken(tok), u.ID, now, now.Add(SessionTTL)); err != nil {
			return err
		}
		_, err := tx.AppendAudit(ctx, audit.Entry{At: now, JurisdictionID: u.JurisdictionID, ActorID: u.ID, ActorName: u.Email,
			Action: "session.login", Target: u.Email, Detail: fmt.Sprintf(`{"method":%q}`, method)})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("auth: login %s: %w", method, err)
	}
	return tok, nil
}
