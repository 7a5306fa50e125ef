// Package auth checks who is calling: staff passwords and sessions, API
// keys of machine clients, and (in the web layer) role checks built on the
// permission rules of package rathaus.
package auth

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/store"
)

// SessionTTL is how long a staff session lives.
const SessionTTL = 12 * time.Hour

// Authenticator checks credentials against the database.
type Authenticator struct {
	db  *store.DB
	now func() time.Time

	mu   sync.Mutex
	keys map[string]cachedKey // by key hash; valid keys only
}

type cachedKey struct {
	key    *store.APIKey
	loaded time.Time
}

// keyCacheTTL is how long a checked API key is trusted without asking the
// database again; a revoked key stops working within this time.
const keyCacheTTL = 10 * time.Second

// New returns an Authenticator.
func New(db *store.DB, now func() time.Time) *Authenticator {
	return &Authenticator{db: db, now: now, keys: map[string]cachedKey{}}
}

// CheckAPIKey returns the live API key behind key, or an Unauthorized error.
func (a *Authenticator) CheckAPIKey(ctx context.Context, key string) (*store.APIKey, error) {
	if key == "" {
		return nil, rathaus.Unauthorizedf("api_key is required")
	}
	if len(key) > 200 {
		return nil, rathaus.Unauthorizedf("api_key is not valid")
	}
	hash := HashToken(key)
	a.mu.Lock()
	c, ok := a.keys[hash]
	a.mu.Unlock()
	if ok && a.now().Sub(c.loaded) < keyCacheTTL {
		return c.key, nil
	}
	var k *store.APIKey
	err := a.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		k, err = tx.APIKeyByHash(ctx, hash)
		return err
	})
	if rathaus.KindOf(err) == rathaus.KindNotFound {
		return nil, rathaus.Unauthorizedf("api_key is not valid")
	}
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.keys) > 10000 {
		clear(a.keys)
	}
	a.keys[hash] = cachedKey{key: k, loaded: a.now()}
	a.mu.Unlock()
	return k, nil
}

// AddAPIKey creates a key for a jurisdiction and returns it in the clear,
// once; only its hash is stored. actor names who did it in the audit log.
func (a *Authenticator) AddAPIKey(ctx context.Context, jurisdictionID int64, name, actor string) (string, *store.APIKey, error) {
	key, prefix := NewAPIKey()
	k, err := a.StoreAPIKey(ctx, jurisdictionID, name, key, prefix, actor)
	return key, k, err
}

// StoreAPIKey stores a given key (the demo's fixed "demo-key"; imports
// from another system).
func (a *Authenticator) StoreAPIKey(ctx context.Context, jurisdictionID int64, name, key, prefix, actor string) (*store.APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, rathaus.Invalidf("name", "an API key needs a name (who uses it)")
	}
	now := a.now().UTC()
	k := &store.APIKey{JurisdictionID: jurisdictionID, Name: name, Prefix: prefix, CreatedAt: now}
	err := a.db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAPIKey(ctx, k, HashToken(key)); err != nil {
			return err
		}
		_, err := tx.AppendAudit(ctx, audit.Entry{At: now, JurisdictionID: jurisdictionID, ActorName: actor,
			Action: "apikey.add", Target: prefix, Detail: fmt.Sprintf(`{"name":%q}`, name)})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("auth: add api key: %w", err)
	}
	return k, nil
}

// AddUser creates a staff member with a password and audits it.
func (a *Authenticator) AddUser(ctx context.Context, u *rathaus.User, password, actor string) error {
	if !u.Role.Valid() {
		return rathaus.Invalidf("role", "unknown role %q", u.Role)
	}
	if strings.TrimSpace(u.Name) == "" {
		return rathaus.Invalidf("name", "is required")
	}
	if !strings.Contains(u.Email, "@") {
		return rathaus.Invalidf("email", "is not an e-mail address")
	}
	if err := CheckPasswordPolicy(password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	u.CreatedAt = a.now().UTC()
	return a.db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		_, err := tx.AppendAudit(ctx, audit.Entry{At: u.CreatedAt, JurisdictionID: u.JurisdictionID, ActorName: actor,
			Action: "user.add", Target: u.Email, Detail: fmt.Sprintf(`{"role":%q}`, u.Role)})
		return err
	})
}

// Login checks an e-mail and password and opens a session; it returns the
// session token to put in a cookie. The error does not say which of the two
// was wrong.
func (a *Authenticator) Login(ctx context.Context, email, password string) (string, *rathaus.User, error) {
	var u *rathaus.User
	err := a.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByEmail(ctx, email)
		return err
	})
	bad := rathaus.Unauthorizedf("e-mail or password is wrong")
	if rathaus.KindOf(err) == rathaus.KindNotFound {
		// Spend the same time as a real check, so response times do not
		// reveal which addresses have accounts.
		_, _ = VerifyPassword(dummyHash(), password)
		return "", nil, bad
	}
	if err != nil {
		return "", nil, err
	}
	ok, err := VerifyPassword(u.PasswordHash, password)
	if err != nil || !ok || u.Disabled {
		return "", nil, bad
	}
	tok := NewToken()
	now := a.now().UTC()
	err = a.db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSession(ctx, HashToken(tok), u.ID, now, now.Add(SessionTTL)); err != nil {
			return err
		}
		_, err := tx.AppendAudit(ctx, audit.Entry{At: now, JurisdictionID: u.JurisdictionID, ActorID: u.ID, ActorName: u.Email, Action: "session.login", Target: u.Email})
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("auth: login: %w", err)
	}
	return tok, u, nil
}

// SessionUser returns the user of a session token.
func (a *Authenticator) SessionUser(ctx context.Context, token string) (*rathaus.User, error) {
	if token == "" || len(token) > 100 {
		return nil, rathaus.Unauthorizedf("not logged in")
	}
	var u *rathaus.User
	err := a.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.SessionUser(ctx, HashToken(token), a.now())
		return err
	})
	if rathaus.KindOf(err) == rathaus.KindNotFound {
		return nil, rathaus.Unauthorizedf("not logged in")
	}
	return u, err
}

// Logout ends a session.
func (a *Authenticator) Logout(ctx context.Context, token string) error {
	return a.db.WriteTx(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, HashToken(token)) })
}

// dummyHash is a valid hash of a random password, verified when a login
// names an unknown user.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword(NewToken())
	return h
})
