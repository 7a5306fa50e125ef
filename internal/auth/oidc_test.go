package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/auth/oidctest"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

const redirect = "https://rathaus.example/login/oidc/callback"

func newProvider(t *testing.T, u oidctest.User) *oidctest.Provider {
	t.Helper()
	p, err := oidctest.New(oidctest.Client{ID: "rathaus", Secret: "s3cret", RedirectURL: redirect}, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func newOIDC(t *testing.T, p *oidctest.Provider, secret, roleClaim string) *auth.OIDC {
	t.Helper()
	o, err := auth.NewOIDC(auth.OIDCConfig{Issuer: p.URL, ClientID: "rathaus", ClientSecret: secret, RedirectURL: redirect, RoleClaim: roleClaim}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// authorize plays the browser: it follows the authorization URL to the
// provider and returns the code from the redirect back, after checking
// that the state came back unchanged.
func authorize(t *testing.T, o *auth.OIDC, nonce, verifier string) string {
	t.Helper()
	target, err := o.AuthCodeURL(context.Background(), "st4te", nonce, verifier)
	if err != nil {
		t.Fatal(err)
	}
	q := mustParse(t, target).Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") != oauth2.S256ChallengeFromVerifier(verifier) ||
		q.Get("nonce") != nonce || !strings.Contains(q.Get("scope"), "openid") || !strings.Contains(q.Get("scope"), "email") {
		t.Fatalf("authorization URL lacks PKCE S256, nonce or scopes: %s", target)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back := mustParse(t, resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), redirect+"?") || back.Query().Get("state") != "st4te" {
		t.Fatalf("authorize: %d Location %q", resp.StatusCode, back)
	}
	return back.Query().Get("code")
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestNewOIDCChecksConfig(t *testing.T) {
	good := auth.OIDCConfig{Issuer: "https://login.example/realms/stadt", ClientID: "rathaus", ClientSecret: "x", RedirectURL: redirect}
	tests := []struct {
		name string
		edit func(*auth.OIDCConfig)
		want string // part of the error; "" = valid
	}{
		{"complete", func(*auth.OIDCConfig) {}, ""},
		{"no issuer", func(c *auth.OIDCConfig) { c.Issuer = "" }, "issuer is required"},
		{"no client id", func(c *auth.OIDCConfig) { c.ClientID = " " }, "client id is required"},
		{"no secret", func(c *auth.OIDCConfig) { c.ClientSecret = "" }, "client secret is required"},
		{"no redirect", func(c *auth.OIDCConfig) { c.RedirectURL = "" }, "redirect URL is required"},
		{"issuer not a URL", func(c *auth.OIDCConfig) { c.Issuer = "login.example" }, "is not an http(s) URL"},
		{"redirect with another scheme", func(c *auth.OIDCConfig) { c.RedirectURL = "ftp://x/cb" }, "is not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.edit(&c)
			o, err := auth.NewOIDC(c, nil)
			if tt.want == "" {
				if err != nil || o.Issuer() != c.Issuer {
					t.Fatalf("NewOIDC = %v, %v", o, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewOIDC error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestExchange(t *testing.T) {
	alice := oidctest.User{Subject: "u-1", Email: "Alice@Stadt.example", EmailVerified: true, Name: "Alice", Roles: []string{"lead", "offline_access"}}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		user      oidctest.User
		secret    string
		roleClaim string
		setup     func(p *oidctest.Provider)
		tamper    func(verifier, nonce *string) // what rathaus sends at the token step
		wantErr   error
		wantRoles []string
	}{
		{name: "valid", user: alice, wantRoles: []string{"lead", "offline_access"}},
		{name: "roles under a dotted path", user: alice, roleClaim: "realm_access.roles",
			setup: func(p *oidctest.Provider) {
				p.EditClaims(func(c map[string]any) { c["realm_access"] = map[string]any{"roles": []string{"viewer"}} })
			}, wantRoles: []string{"viewer"}},
		{name: "email_verified as the string true", user: alice,
			setup:     func(p *oidctest.Provider) { p.EditClaims(func(c map[string]any) { c["email_verified"] = "true" }) },
			wantRoles: []string{"lead", "offline_access"}},
		{name: "email not verified", user: oidctest.User{Subject: "u-2", Email: "bob@stadt.example"}, wantErr: auth.ErrOIDCEmailUnverified},
		{name: "no email", user: oidctest.User{Subject: "u-3", EmailVerified: true}, wantErr: auth.ErrOIDCEmailUnverified},
		{name: "signed by a key not in the JWKS", user: alice,
			setup: func(p *oidctest.Provider) { p.SignWith(otherKey) }, wantErr: auth.ErrOIDCRefused},
		{name: "for another client", user: alice,
			setup: func(p *oidctest.Provider) { p.EditClaims(func(c map[string]any) { c["aud"] = "other-app" }) }, wantErr: auth.ErrOIDCRefused},
		{name: "from another issuer", user: alice,
			setup: func(p *oidctest.Provider) { p.EditClaims(func(c map[string]any) { c["iss"] = "https://evil.example" }) }, wantErr: auth.ErrOIDCRefused},
		{name: "expired", user: alice,
			setup: func(p *oidctest.Provider) {
				p.EditClaims(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() })
			}, wantErr: auth.ErrOIDCRefused},
		{name: "nonce of another login", user: alice,
			tamper: func(_, nonce *string) { *nonce = "another-nonce" }, wantErr: auth.ErrOIDCRefused},
		{name: "wrong PKCE verifier", user: alice,
			tamper: func(verifier, _ *string) { *verifier = oauth2.GenerateVerifier() }, wantErr: auth.ErrOIDCRefused},
		{name: "wrong client secret", user: alice, secret: "guess", wantErr: auth.ErrOIDCRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t, tt.user)
			if tt.setup != nil {
				tt.setup(p)
			}
			secret := "s3cret"
			if tt.secret != "" {
				secret = tt.secret
			}
			o := newOIDC(t, p, secret, tt.roleClaim)
			verifier, nonce := oauth2.GenerateVerifier(), "n-"+tt.name
			code := authorize(t, o, nonce, verifier)
			if tt.tamper != nil {
				tt.tamper(&verifier, &nonce)
			}
			id, err := o.Exchange(context.Background(), code, verifier, nonce)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Exchange error = %v, want %v", err, tt.wantErr)
				}
				if err != nil && strings.Contains(strings.ToLower(err.Error()), "alice") {
					t.Errorf("error %q names the user; it is logged", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if id.Email != alice.Email || id.Subject != "u-1" || !slices.Equal(id.Roles, tt.wantRoles) {
				t.Errorf("identity = %+v, want %s u-1 roles %v", id, alice.Email, tt.wantRoles)
			}
		})
	}
}

func TestExchangeCodeOnlyOnce(t *testing.T) {
	p := newProvider(t, oidctest.User{Subject: "u-1", Email: "a@stadt.example", EmailVerified: true})
	o := newOIDC(t, p, "s3cret", "")
	verifier := oauth2.GenerateVerifier()
	code := authorize(t, o, "n", verifier)
	if _, err := o.Exchange(context.Background(), code, verifier, "n"); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Exchange(context.Background(), code, verifier, "n"); !errors.Is(err, auth.ErrOIDCRefused) {
		t.Fatalf("second Exchange = %v, want ErrOIDCRefused", err)
	}
	if n := p.TokensIssued(); n != 1 {
		t.Errorf("tokens issued = %d, want 1", n)
	}
}

func TestProviderDown(t *testing.T) {
	p := newProvider(t, oidctest.User{Subject: "u-1", Email: "a@stadt.example", EmailVerified: true})
	down := newOIDC(t, p, "s3cret", "")
	up := newOIDC(t, p, "s3cret", "")
	verifier := oauth2.GenerateVerifier()
	code := authorize(t, up, "n", verifier) // discovered while the provider runs
	p.Close()
	if err := down.Discover(context.Background()); !errors.Is(err, auth.ErrOIDCUnavailable) {
		t.Errorf("Discover with the provider down = %v, want ErrOIDCUnavailable", err)
	}
	if _, err := down.AuthCodeURL(context.Background(), "s", "n", verifier); !errors.Is(err, auth.ErrOIDCUnavailable) {
		t.Errorf("AuthCodeURL with the provider down = %v, want ErrOIDCUnavailable", err)
	}
	if _, err := up.Exchange(context.Background(), code, verifier, "n"); !errors.Is(err, auth.ErrOIDCUnavailable) {
		t.Errorf("Exchange with the provider down = %v, want ErrOIDCUnavailable", err)
	}
}

func TestClaimedRoles(t *testing.T) {
	id := &auth.OIDCIdentity{Roles: []string{"offline_access", "viewer", "Admin", "lead"}}
	if got, want := id.ClaimedRoles(), []rathaus.Role{rathaus.RoleViewer, rathaus.RoleLead}; !slices.Equal(got, want) {
		t.Errorf("ClaimedRoles = %v, want %v", got, want)
	}
}

func TestOIDCUserAndLoginUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		a := auth.New(db, func() time.Time { return now })
		var home, other rathaus.Jurisdiction
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			home = rathaus.Jurisdiction{Slug: "home", Name: "Heimstadt", State: "NI"}
			other = rathaus.Jurisdiction{Slug: "other", Name: "Nachbarstadt", State: "NI"}
			if err := tx.CreateJurisdiction(ctx, &home, now); err != nil {
				return err
			}
			return tx.CreateJurisdiction(ctx, &other, now)
		})
		if err != nil {
			t.Fatal(err)
		}
		users := map[string]*rathaus.User{
			"alice": {JurisdictionID: home.ID, Email: "alice@stadt.example", Name: "Alice", Role: rathaus.RoleLead},
			"carl":  {JurisdictionID: home.ID, Email: "carl@stadt.example", Name: "Carl", Role: rathaus.RoleViewer, Disabled: true},
			"nina":  {JurisdictionID: other.ID, Email: "nina@nachbar.example", Name: "Nina", Role: rathaus.RoleAdmin},
		}
		for _, u := range users {
			if err := a.AddUser(ctx, u, "long enough password", "test"); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			email   string
			want    string // user key; "" = refused
			wantErr error
		}{
			{"alice@stadt.example", "alice", nil},
			{"ALICE@Stadt.Example", "alice", nil},
			{"carl@stadt.example", "", auth.ErrOIDCUnknownUser},   // disabled
			{"nina@nachbar.example", "", auth.ErrOIDCUnknownUser}, // another jurisdiction
			{"nobody@stadt.example", "", auth.ErrOIDCUnknownUser},
			{"", "", auth.ErrOIDCEmailUnverified},
		}
		for _, tt := range tests {
			u, err := a.OIDCUser(ctx, home.ID, &auth.OIDCIdentity{Email: tt.email})
			if tt.want == "" {
				if !errors.Is(err, tt.wantErr) || u != nil {
					t.Errorf("OIDCUser(%q) = %v, %v; want %v", tt.email, u, err, tt.wantErr)
				}
				continue
			}
			if err != nil || u.ID != users[tt.want].ID {
				t.Errorf("OIDCUser(%q) = %v, %v; want %s", tt.email, u, err, tt.want)
			}
		}

		tok, err := a.LoginUser(ctx, users["alice"], "oidc")
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.SessionUser(ctx, tok)
		if err != nil || got.ID != users["alice"].ID {
			t.Fatalf("SessionUser = %v, %v", got, err)
		}
		if _, err := a.LoginUser(ctx, users["carl"], "oidc"); rathaus.KindOf(err) != rathaus.KindUnauthorized {
			t.Errorf("LoginUser(disabled) = %v, want Unauthorized", err)
		}
		err = db.ReadTx(ctx, func(tx *store.Tx) error {
			entries, err := tx.RecentAudit(ctx, home.ID, 1)
			if err != nil {
				return err
			}
			e := entries[0]
			if e.Action != "session.login" || e.Detail != `{"method":"oidc"}` || e.ActorID != users["alice"].ID || !e.At.Equal(now) {
				t.Errorf("audit entry = %+v", e)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
