package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/auth/oidctest"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/media"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
	"github.com/rathaus/rathaus/internal/web"
)

// lockedBuffer collects log output written by the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type oidcEnv struct {
	srv      *httptest.Server
	provider *oidctest.Provider
	db       *store.DB
	j        rathaus.Jurisdiction
	logs     *lockedBuffer
}

// newOIDCServer starts the whole web application with OIDC login against
// an in-process provider that logs in user. The jurisdiction "web" has
// Alice (lead, alice@stadt.example) and the disabled Dora.
func newOIDCServer(t *testing.T, user oidctest.User) *oidcEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	e := &oidcEnv{db: db, logs: &lockedBuffer{}}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		e.j = rathaus.Jurisdiction{Slug: "web", Name: "Webstadt", State: "NI"}
		return tx.CreateJurisdiction(ctx, &e.j, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	a := auth.New(db, time.Now)
	for _, u := range []*rathaus.User{
		{JurisdictionID: e.j.ID, Email: "alice@stadt.example", Name: "Alice Amsel", Role: rathaus.RoleLead},
		{JurisdictionID: e.j.ID, Email: "dora@stadt.example", Name: "Dora Dohle", Role: rathaus.RoleViewer, Disabled: true},
	} {
		if err := a.AddUser(ctx, u, "a long test password", "test"); err != nil {
			t.Fatal(err)
		}
	}
	blobs, err := media.NewBlobStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewUnstartedServer(nil)
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	e.provider, err = oidctest.New(oidctest.Client{ID: "rathaus", Secret: "s3cret", RedirectURL: e.srv.URL + "/login/oidc/callback"}, user)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.provider.Close)
	o, err := auth.NewOIDC(auth.OIDCConfig{Issuer: e.provider.URL, ClientID: "rathaus", ClientSecret: "s3cret",
		RedirectURL: e.srv.URL + "/login/oidc/callback"}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	h, err := web.NewHandler(web.Deps{
		Cases: casework.New(db, time.Now, casework.Config{BaseURL: e.srv.URL}), Auth: a, Blobs: blobs,
		Limits: media.DefaultLimits(), BaseURL: e.srv.URL, DefaultJurisdiction: "web", PostsPerMinute: 1000,
		Log: slog.New(slog.NewTextHandler(e.logs, nil)), OIDC: o,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Config.Handler = h
	return e
}

// logins returns the details of the session.login audit entries.
func (e *oidcEnv) logins(t *testing.T) []string {
	t.Helper()
	var out []string
	err := e.db.ReadTx(context.Background(), func(tx *store.Tx) error {
		entries, err := tx.RecentAudit(context.Background(), e.j.ID, 50)
		for _, a := range entries {
			if a.Action == "session.login" {
				out = append(out, a.Target+" "+a.Detail)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOIDCLogin(t *testing.T) {
	alice := oidctest.User{Subject: "kc-1", Email: "Alice@Stadt.example", EmailVerified: true, Name: "Alice", Roles: []string{"lead"}}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		user  oidctest.User
		next  string
		setup func(e *oidcEnv)
		// redirect may change a request on its way (to the provider or
		// back to rathaus), as an attacker in the middle would.
		redirect   func(req *http.Request)
		wantStatus int
		wantPath   string
		wantText   string
		wantLogin  bool
		noToken    bool // the provider must refuse to issue an ID token
	}{
		{name: "success", user: alice, next: "/staff", wantStatus: 200, wantPath: "/staff", wantText: "Alice Amsel", wantLogin: true},
		{name: "next outside the site falls back to /staff", user: alice, next: "//evil.example/x",
			wantStatus: 200, wantPath: "/staff", wantText: "Alice Amsel", wantLogin: true},
		{name: "role claim differs: rathaus role stays", user: oidctest.User{Subject: "kc-1", Email: "alice@stadt.example",
			EmailVerified: true, Roles: []string{"admin"}}, next: "/staff/admin",
			wantStatus: 403, wantPath: "/staff/admin", wantLogin: true},
		{name: "unknown e-mail", user: oidctest.User{Subject: "kc-2", Email: "mallory@stadt.example", EmailVerified: true},
			wantStatus: 401, wantPath: "/login/oidc/callback", wantText: "kein aktives Mitarbeitendenkonto"},
		{name: "disabled user", user: oidctest.User{Subject: "kc-3", Email: "dora@stadt.example", EmailVerified: true},
			wantStatus: 401, wantPath: "/login/oidc/callback", wantText: "kein aktives Mitarbeitendenkonto"},
		{name: "e-mail not verified", user: oidctest.User{Subject: "kc-1", Email: "alice@stadt.example", EmailVerified: false},
			wantStatus: 401, wantPath: "/login/oidc/callback", wantText: "keine bestätigte E-Mail-Adresse"},
		{name: "tampered state", user: alice,
			redirect: func(req *http.Request) {
				if req.URL.Path == "/login/oidc/callback" {
					q := req.URL.Query()
					q.Set("state", q.Get("state")+"x")
					req.URL.RawQuery = q.Encode()
				}
			},
			wantStatus: 400, wantPath: "/login/oidc/callback", wantText: "passt nicht zu Ihrer Anmeldung"},
		{name: "token signed by another key", user: alice, setup: func(e *oidcEnv) { e.provider.SignWith(otherKey) },
			wantStatus: 401, wantPath: "/login/oidc/callback", wantText: "wurde abgelehnt"},
		{name: "PKCE challenge replaced on the way to the provider", user: alice,
			redirect: func(req *http.Request) {
				if req.URL.Path == "/authorize" {
					q := req.URL.Query()
					q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier()))
					req.URL.RawQuery = q.Encode()
				}
			},
			wantStatus: 401, wantPath: "/login/oidc/callback", wantText: "wurde abgelehnt", noToken: true},
		{name: "cancelled at the provider", user: alice,
			redirect: func(req *http.Request) {
				if req.URL.Path == "/login/oidc/callback" {
					q := req.URL.Query()
					req.URL.RawQuery = url.Values{"error": {"access_denied"}, "state": {q.Get("state")}}.Encode()
				}
			},
			wantStatus: 401, wantPath: "/login/oidc/callback", wantText: "abgebrochen"},
		{name: "provider down", user: alice, setup: func(e *oidcEnv) { e.provider.Close() },
			wantStatus: 502, wantPath: "/login/oidc", wantText: "nicht erreichbar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newOIDCServer(t, tt.user)
			if tt.setup != nil {
				tt.setup(e)
			}
			jar, err := cookiejar.New(nil)
			if err != nil {
				t.Fatal(err)
			}
			var hops []string
			client := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if tt.redirect != nil {
					tt.redirect(req)
				}
				hops = append(hops, req.URL.Host+req.URL.Path)
				return nil
			}}
			resp, err := client.Get(e.srv.URL + "/login/oidc?next=" + url.QueryEscape(tt.next))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || resp.Request.URL.Path != tt.wantPath {
				t.Fatalf("ended at %s with %d, want %s with %d (hops %v)", resp.Request.URL.Path, resp.StatusCode, tt.wantPath, tt.wantStatus, hops)
			}
			if !strings.Contains(string(body), tt.wantText) {
				t.Errorf("page lacks %q:\n%s", tt.wantText, body)
			}
			base, _ := url.Parse(e.srv.URL)
			var session, flow bool
			for _, c := range jar.Cookies(base) {
				session = session || c.Name == "rathaus_session"
				flow = flow || c.Name == "rathaus_oidc"
			}
			if session != tt.wantLogin {
				t.Errorf("session cookie set = %v, want %v", session, tt.wantLogin)
			}
			if flow && tt.wantPath != "/login/oidc" {
				t.Errorf("the flow cookie outlived the callback")
			}
			if tt.noToken && e.provider.TokensIssued() != 0 {
				t.Errorf("the provider issued %d ID tokens, want none", e.provider.TokensIssued())
			}
			logins := e.logins(t)
			if tt.wantLogin {
				if len(logins) != 1 || logins[0] != `alice@stadt.example {"method":"oidc"}` {
					t.Errorf("audit logins = %q, want one with method oidc", logins)
				}
			} else if len(logins) != 0 {
				t.Errorf("audit logins = %q, want none", logins)
			}
			if tt.wantStatus != 200 && tt.wantStatus != 403 && !strings.Contains(e.logs.String(), "oidc: login failed") {
				t.Errorf("the refusal is not logged:\n%s", e.logs)
			}
			for _, personal := range []string{"alice@", "mallory@", "dora@", "Alice"} {
				if strings.Contains(strings.ToLower(e.logs.String()), strings.ToLower(personal)) {
					t.Errorf("the log names %q:\n%s", personal, e.logs)
				}
			}
		})
	}
}

func TestOIDCRoleMismatchIsLogged(t *testing.T) {
	e := newOIDCServer(t, oidctest.User{Subject: "kc-1", Email: "alice@stadt.example", EmailVerified: true, Roles: []string{"admin", "uma_authorization"}})
	jar, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: jar}).Get(e.srv.URL + "/login/oidc")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/staff" {
		t.Fatalf("ended at %s with %d", resp.Request.URL.Path, resp.StatusCode)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "role claim differs") || !strings.Contains(logs, "role=lead") || !strings.Contains(logs, "claimed=[admin]") {
		t.Errorf("no mismatch line with role=lead claimed=[admin]:\n%s", logs)
	}
}

func TestOIDCCallbackWithoutFlowCookie(t *testing.T) {
	e := newOIDCServer(t, oidctest.User{Subject: "kc-1", Email: "alice@stadt.example", EmailVerified: true})
	resp, err := e.srv.Client().Get(e.srv.URL + "/login/oidc/callback?code=abc&state=def")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "erneut") {
		t.Errorf("callback without cookie: %d\n%s", resp.StatusCode, body)
	}
	if n := e.provider.TokensIssued(); n != 0 {
		t.Errorf("the provider issued %d tokens for a callback rathaus did not start", n)
	}
}

func TestLoginPageShowsOIDCOnlyWhenConfigured(t *testing.T) {
	with := newOIDCServer(t, oidctest.User{Subject: "kc-1", Email: "alice@stadt.example", EmailVerified: true})
	without := newServer(t, storetest.Open(t, store.SQLite), 1000)
	for _, tt := range []struct {
		srv      *httptest.Server
		wantLink bool
		wantOIDC int // status of GET /login/oidc without following it
	}{
		{with.srv, true, http.StatusSeeOther},
		{without, false, http.StatusNotFound},
	} {
		resp, err := tt.srv.Client().Get(tt.srv.URL + "/login?next=/staff/admin")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		link := strings.Contains(string(body), `href="/login/oidc?next=%2fstaff%2fadmin"`) && strings.Contains(string(body), "Mit dem Stadt-Konto anmelden")
		if link != tt.wantLink {
			t.Errorf("%s: OIDC link shown = %v, want %v\n%s", tt.srv.URL, link, tt.wantLink, body)
		}
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err = noFollow.Get(tt.srv.URL + "/login/oidc")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.wantOIDC {
			t.Errorf("GET /login/oidc = %d, want %d", resp.StatusCode, tt.wantOIDC)
		}
		if tt.wantLink {
			var flow *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == "rathaus_oidc" {
					flow = c
				}
			}
			if flow == nil || !flow.HttpOnly || flow.SameSite != http.SameSiteLaxMode || flow.MaxAge <= 0 || flow.MaxAge > 600 {
				t.Errorf("flow cookie = %+v, want HttpOnly, SameSite=Lax, short-lived", flow)
			}
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if q := loc.Query(); q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || q.Get("state") == "" || q.Get("client_id") != "rathaus" {
				t.Errorf("authorization URL = %s", loc)
			}
		}
	}
}
