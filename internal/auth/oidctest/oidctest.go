// Package oidctest runs a small but real OpenID Connect provider on
// httptest for tests: discovery, a JWKS with one RSA key, an authorization
// endpoint that logs in a configured user at once (no login form), and a
// token endpoint that checks the code, the client credentials, the
// redirect URI and the PKCE verifier (S256 only) before it returns an
// RS256-signed ID token. It signs with the standard library.
package oidctest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// User is who the provider logs in.
type User struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Roles         []string // the "roles" claim; omitted when empty
}

// Client is the one registered relying party.
type Client struct {
	ID          string
	Secret      string
	RedirectURL string
}

// Provider is a running test provider. Its URL is the issuer.
type Provider struct {
	URL    string
	client Client
	server *httptest.Server
	key    *rsa.PrivateKey // published in the JWKS
	kid    string

	mu      sync.Mutex
	user    User
	signer  *rsa.PrivateKey // signs ID tokens; normally key
	claims  func(map[string]any)
	codes   map[string]grant
	tokens  int
	tokenTT time.Duration
}

type grant struct {
	redirectURI string
	challenge   string
	nonce       string
	scope       string
	user        User
	expires     time.Time
}

// New starts a provider for one client and one user. Close it when done.
func New(c Client, u User) (*Provider, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("oidctest: %w", err)
	}
	p := &Provider{client: c, key: key, kid: "test-" + randomString(6), user: u, signer: key,
		codes: map[string]grant{}, tokenTT: 5 * time.Minute}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.server = httptest.NewServer(mux)
	p.URL = p.server.URL
	return p, nil
}

// Close shuts the provider down; later calls to it fail to connect.
func (p *Provider) Close() { p.server.Close() }

// SetUser changes who the next authorization logs in.
func (p *Provider) SetUser(u User) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.user = u
}

// SignWith makes the provider sign ID tokens with key, which the JWKS does
// not publish: a relying party must refuse such tokens.
func (p *Provider) SignWith(key *rsa.PrivateKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.signer = key
}

// EditClaims installs a function that changes the claims of every ID token
// before it is signed (a wrong audience, an old expiry, another nonce).
func (p *Provider) EditClaims(f func(claims map[string]any)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.claims = f
}

// TokensIssued counts the ID tokens the token endpoint has handed out.
func (p *Provider) TokensIssued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tokens
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.URL,
		"authorization_endpoint":                p.URL + "/authorize",
		"token_endpoint":                        p.URL + "/token",
		"jwks_uri":                              p.URL + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"grant_types_supported":                 []string{"authorization_code"},
		"code_challenge_methods_supported":      []string{"S256"},
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nonce", "email", "email_verified", "name"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	pub := p.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": p.kid,
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// authorize validates the request like a real provider: an unknown client
// or redirect URI gets an error page (never a redirect to an unregistered
// address); other errors go back to the client as error=...
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != p.client.ID {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	if q.Get("redirect_uri") != p.client.RedirectURL {
		http.Error(w, "redirect_uri is not registered", http.StatusBadRequest)
		return
	}
	back := func(params url.Values) {
		if s := q.Get("state"); s != "" {
			params.Set("state", s)
		}
		http.Redirect(w, r, p.client.RedirectURL+"?"+params.Encode(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		back(url.Values{"error": {"unsupported_response_type"}})
		return
	case !hasWord(q.Get("scope"), "openid"):
		back(url.Values{"error": {"invalid_scope"}, "error_description": {"openid is required"}})
		return
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		back(url.Values{"error": {"invalid_request"}, "error_description": {"PKCE with S256 is required"}})
		return
	}
	code := randomString(24)
	p.mu.Lock()
	p.codes[code] = grant{redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"), nonce: q.Get("nonce"),
		scope: q.Get("scope"), user: p.user, expires: time.Now().Add(time.Minute)}
	p.mu.Unlock()
	back(url.Values{"code": {code}})
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 2.3.1: the credentials are form-encoded before Basic.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != p.client.ID || subtle.ConstantTimeCompare([]byte(secret), []byte(p.client.Secret)) != 1 {
		tokenError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	code := r.PostForm.Get("code")
	p.mu.Lock()
	g, ok := p.codes[code]
	delete(p.codes, code) // a code is good for one attempt
	p.mu.Unlock()
	if !ok || time.Now().After(g.expires) || r.PostForm.Get("redirect_uri") != g.redirectURI {
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if subtle.ConstantTimeCompare([]byte(b64(sum[:])), []byte(g.challenge)) != 1 {
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	now := time.Now()
	claims := map[string]any{
		"iss": p.URL, "sub": g.user.Subject, "aud": p.client.ID, "azp": p.client.ID,
		"iat": now.Unix(), "exp": now.Add(p.tokenTT).Unix(), "auth_time": now.Unix(),
		"email": g.user.Email, "email_verified": g.user.EmailVerified, "name": g.user.Name,
	}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	if len(g.user.Roles) > 0 {
		claims["roles"] = g.user.Roles
	}
	p.mu.Lock()
	edit, signer := p.claims, p.signer
	p.tokens++
	p.mu.Unlock()
	if edit != nil {
		edit(claims)
	}
	idToken, err := signJWT(signer, p.kid, claims)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": randomString(24), "token_type": "Bearer", "expires_in": int(p.tokenTT.Seconds()),
		"scope": g.scope, "id_token": idToken,
	})
}

// signJWT returns a compact RS256 JWS of claims.
func signJWT(key *rsa.PrivateKey, kid string, claims map[string]any) (string, error) {
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signed := b64(header) + "." + b64(payload)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signed + "." + b64(sig), nil
}

func tokenError(w http.ResponseWriter, status int, code string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="oidctest"`)
	}
	writeJSON(w, status, map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func hasWord(list, word string) bool {
	for _, w := range strings.Fields(list) {
		if w == word {
			return true
		}
	}
	return false
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b64(b)
}
