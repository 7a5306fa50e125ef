package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
)

// UpdateDepartment saves code, name and e-mail of d.
func (tx *Tx) UpdateDepartment(ctx context.Context, d *rathaus.Department) error {
	res, err := tx.exec(ctx, `UPDATE departments SET code = $1, name = $2, email = $3 WHERE jurisdiction_id = $4 AND id = $5`,
		d.Code, d.Name, d.Email, d.JurisdictionID, d.ID)
	if isUniqueViolation(err) {
		return rathaus.Conflictf("department %q exists already", d.Code)
	}
	if err != nil {
		return fmt.Errorf("store: update department %d: %w", d.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rathaus.NotFoundf("department %d not found", d.ID)
	}
	return nil
}

// UpdateUser saves name, role, department and the disabled flag of u.
// Disabling a user also ends their sessions.
func (tx *Tx) UpdateUser(ctx context.Context, u *rathaus.User) error {
	res, err := tx.exec(ctx, `UPDATE users SET name = $1, role = $2, department_id = $3, disabled = $4 WHERE jurisdiction_id = $5 AND id = $6`,
		u.Name, string(u.Role), u.DepartmentID, u.Disabled, u.JurisdictionID, u.ID)
	if err != nil {
		return fmt.Errorf("store: update user %d: %w", u.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rathaus.NotFoundf("user %d not found", u.ID)
	}
	if u.Disabled {
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
			return fmt.Errorf("store: end sessions of user %d: %w", u.ID, err)
		}
	}
	return nil
}

// ServiceByID returns a service (active or not) of a jurisdiction.
func (tx *Tx) ServiceByID(ctx context.Context, jurisdictionID, id int64) (*rathaus.Service, error) {
	s, err := scanService(tx.queryRow(ctx, `SELECT `+serviceCols+` FROM services WHERE jurisdiction_id = $1 AND id = $2`, jurisdictionID, id))
	if err != nil {
		return nil, notFound(err, "service %d", id)
	}
	return s, nil
}

// AllServices lists every service of a jurisdiction, inactive ones too.
func (tx *Tx) AllServices(ctx context.Context, jurisdictionID int64) ([]*rathaus.Service, error) {
	rows, err := tx.query(ctx, `SELECT `+serviceCols+` FROM services WHERE jurisdiction_id = $1 ORDER BY grp, name`, jurisdictionID)
	if err != nil {
		return nil, fmt.Errorf("store: list all services: %w", err)
	}
	defer rows.Close()
	var out []*rathaus.Service
	for rows.Next() {
		s, err := scanService(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list all services: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// UpdateService saves every field of s but its kind.
func (tx *Tx) UpdateService(ctx context.Context, s *rathaus.Service) error {
	attrs, err := json.Marshal(nonNilAttrs(s.Attributes))
	if err != nil {
		return fmt.Errorf("store: encode attributes of %s: %w", s.Code, err)
	}
	res, err := tx.exec(ctx, `UPDATE services SET code = $1, grp = $2, name = $3, description = $4, keywords = $5, audience = $6,
		attributes = $7, response_hours = $8, resolution_hours = $9, retention_days = $10, default_department_id = $11, active = $12
		WHERE jurisdiction_id = $13 AND id = $14`,
		s.Code, s.Group, s.Name, s.Description, s.Keywords, s.Audience, string(attrs), s.ResponseHours, s.ResolutionHours,
		s.RetentionDays, s.DefaultDepartment, s.Active, s.JurisdictionID, s.ID)
	if isUniqueViolation(err) {
		return rathaus.Conflictf("service %q exists already", s.Code)
	}
	if err != nil {
		return fmt.Errorf("store: update service %d: %w", s.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rathaus.NotFoundf("service %d not found", s.ID)
	}
	return nil
}

// DeleteRoutingRule removes a rule.
func (tx *Tx) DeleteRoutingRule(ctx context.Context, jurisdictionID, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM routing_rules WHERE jurisdiction_id = $1 AND id = $2`, jurisdictionID, id)
	if err != nil {
		return fmt.Errorf("store: delete routing rule %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rathaus.NotFoundf("routing rule %d not found", id)
	}
	return nil
}

// APIKeys lists the keys of a jurisdiction, newest first (revoked ones too).
func (tx *Tx) APIKeys(ctx context.Context, jurisdictionID int64) ([]*APIKey, error) {
	rows, err := tx.query(ctx, `SELECT id, jurisdiction_id, name, prefix, created_at, revoked_at FROM api_keys
		WHERE jurisdiction_id = $1 ORDER BY created_at DESC, id DESC`, jurisdictionID)
	if err != nil {
		return nil, fmt.Errorf("store: list api keys: %w", err)
	}
	defer rows.Close()
	var out []*APIKey
	for rows.Next() {
		var k APIKey
		var created, revoked int64
		if err := rows.Scan(&k.ID, &k.JurisdictionID, &k.Name, &k.Prefix, &created, &revoked); err != nil {
			return nil, fmt.Errorf("store: list api keys: %w", err)
		}
		k.CreatedAt, k.RevokedAt = fromMicros(created), fromMicros(revoked)
		out = append(out, &k)
	}
	return out, rows.Err()
}

// Settings is the branding of a jurisdiction.
type Settings struct {
	JurisdictionID  int64
	LogoKey         string // blob key; empty = no logo
	LogoContentType string
	ColorPrimary    string // "#rrggbb" or empty
	ColorSecondary  string
	UpdatedAt       time.Time
}

// Settings returns the branding of a jurisdiction; a jurisdiction without
// a row gets zero settings.
func (tx *Tx) Settings(ctx context.Context, jurisdictionID int64) (*Settings, error) {
	s := &Settings{JurisdictionID: jurisdictionID}
	var updated int64
	err := tx.queryRow(ctx, `SELECT logo_key, logo_content_type, color_primary, color_secondary, updated_at
		FROM jurisdiction_settings WHERE jurisdiction_id = $1`, jurisdictionID).
		Scan(&s.LogoKey, &s.LogoContentType, &s.ColorPrimary, &s.ColorSecondary, &updated)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return s, nil
		}
		return nil, fmt.Errorf("store: settings of jurisdiction %d: %w", jurisdictionID, err)
	}
	s.UpdatedAt = fromMicros(updated)
	return s, nil
}

// SaveSettings inserts or replaces the branding of a jurisdiction.
func (tx *Tx) SaveSettings(ctx context.Context, s *Settings) error {
	_, err := tx.exec(ctx, `INSERT INTO jurisdiction_settings (jurisdiction_id, logo_key, logo_content_type, color_primary, color_secondary, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (jurisdiction_id) DO UPDATE SET logo_key = excluded.logo_key, logo_content_type = excluded.logo_content_type,
		color_primary = excluded.color_primary, color_secondary = excluded.color_secondary, updated_at = excluded.updated_at`,
		s.JurisdictionID, s.LogoKey, s.LogoContentType, s.ColorPrimary, s.ColorSecondary, micros(s.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: save settings of jurisdiction %d: %w", s.JurisdictionID, err)
	}
	return nil
}

// RecentAudit returns the newest audit entries of a jurisdiction, newest
// first, for the administration overview.
func (tx *Tx) RecentAudit(ctx context.Context, jurisdictionID int64, limit int) ([]audit.Entry, error) {
	rows, err := tx.query(ctx, `SELECT seq, at, jurisdiction_id, actor_id, actor_name, action, target, detail, prev_hash, hash
		FROM audit_log WHERE jurisdiction_id = $1 ORDER BY seq DESC LIMIT $2`, jurisdictionID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent audit: %w", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.JurisdictionID, &e.ActorID, &e.ActorName, &e.Action, &e.Target, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("store: recent audit: %w", err)
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
