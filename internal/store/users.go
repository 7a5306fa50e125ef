package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
)

const userCols = `id, jurisdiction_id, email, name, role, department_id, password_hash, disabled, created_at`

func scanUser(row interface{ Scan(...any) error }) (*rathaus.User, error) {
	var u rathaus.User
	var role string
	var created int64
	if err := row.Scan(&u.ID, &u.JurisdictionID, &u.Email, &u.Name, &role, &u.DepartmentID, &u.PasswordHash, &u.Disabled, &created); err != nil {
		return nil, err
	}
	u.Role = rathaus.Role(role)
	u.CreatedAt = fromMicros(created)
	return &u, nil
}

// CreateUser inserts u (e-mail compared case-insensitively) and sets its ID.
func (tx *Tx) CreateUser(ctx context.Context, u *rathaus.User) error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	id, err := tx.insertID(ctx, `INSERT INTO users (jurisdiction_id, email, name, role, department_id, password_hash, disabled, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		u.JurisdictionID, u.Email, u.Name, string(u.Role), u.DepartmentID, u.PasswordHash, u.Disabled, micros(u.CreatedAt))
	if isUniqueViolation(err) {
		return rathaus.Conflictf("a user with e-mail %s exists already", u.Email)
	}
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	u.ID = id
	return nil
}

// UserByEmail returns the user with the given e-mail address.
func (tx *Tx) UserByEmail(ctx context.Context, email string) (*rathaus.User, error) {
	u, err := scanUser(tx.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE email = $1`, strings.ToLower(strings.TrimSpace(email))))
	if err != nil {
		return nil, notFound(err, "user")
	}
	return u, nil
}

// UserByID returns the user with the given ID.
func (tx *Tx) UserByID(ctx context.Context, id int64) (*rathaus.User, error) {
	u, err := scanUser(tx.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "user %d", id)
	}
	return u, nil
}

// Users lists the staff of a jurisdiction by name.
func (tx *Tx) Users(ctx context.Context, jurisdictionID int64) ([]*rathaus.User, error) {
	rows, err := tx.query(ctx, `SELECT `+userCols+` FROM users WHERE jurisdiction_id = $1 ORDER BY name`, jurisdictionID)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	var out []*rathaus.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetPassword replaces a user's password hash.
func (tx *Tx) SetPassword(ctx context.Context, userID int64, hash string) error {
	if _, err := tx.exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID); err != nil {
		return fmt.Errorf("store: set password of user %d: %w", userID, err)
	}
	return nil
}

// CreateSession stores a session by the hash of its token.
func (tx *Tx) CreateSession(ctx context.Context, tokenHash string, userID int64, now, expires time.Time) error {
	if _, err := tx.exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		tokenHash, userID, micros(now), micros(expires)); err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionUser returns the user of a live session.
func (tx *Tx) SessionUser(ctx context.Context, tokenHash string, now time.Time) (*rathaus.User, error) {
	u, err := scanUser(tx.queryRow(ctx, `SELECT u.id, u.jurisdiction_id, u.email, u.name, u.role, u.department_id, u.password_hash, u.disabled, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = FALSE`, tokenHash, micros(now)))
	if err != nil {
		return nil, notFound(err, "session")
	}
	return u, nil
}

// DeleteSession ends a session.
func (tx *Tx) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions past their expiry.
func (tx *Tx) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := tx.exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, micros(now))
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}

// APIKey is a key for machine clients (Open311), stored only as a hash and
// scoped to one jurisdiction.
type APIKey struct {
	ID             int64
	JurisdictionID int64
	Name           string
	Prefix         string
	CreatedAt      time.Time
	RevokedAt      time.Time
}

// CreateAPIKey stores a key by its hash.
func (tx *Tx) CreateAPIKey(ctx context.Context, k *APIKey, keyHash string) error {
	id, err := tx.insertID(ctx, `INSERT INTO api_keys (jurisdiction_id, name, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		k.JurisdictionID, k.Name, k.Prefix, keyHash, micros(k.CreatedAt))
	if isUniqueViolation(err) {
		return rathaus.Conflictf("this API key exists already")
	}
	if err != nil {
		return fmt.Errorf("store: create api key: %w", err)
	}
	k.ID = id
	return nil
}

// APIKeyByHash returns the live key with the given hash.
func (tx *Tx) APIKeyByHash(ctx context.Context, keyHash string) (*APIKey, error) {
	var k APIKey
	var created, revoked int64
	err := tx.queryRow(ctx, `SELECT id, jurisdiction_id, name, prefix, created_at, revoked_at FROM api_keys WHERE key_hash = $1 AND revoked_at = 0`, keyHash).
		Scan(&k.ID, &k.JurisdictionID, &k.Name, &k.Prefix, &created, &revoked)
	if err != nil {
		return nil, notFound(err, "api key")
	}
	k.CreatedAt, k.RevokedAt = fromMicros(created), fromMicros(revoked)
	return &k, nil
}

// RevokeAPIKey revokes a key.
func (tx *Tx) RevokeAPIKey(ctx context.Context, jurisdictionID, id int64, now time.Time) error {
	res, err := tx.exec(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE jurisdiction_id = $2 AND id = $3 AND revoked_at = 0`, micros(now), jurisdictionID, id)
	if err != nil {
		return fmt.Errorf("store: revoke api key %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rathaus.NotFoundf("api key %d not found", id)
	}
	return nil
}
