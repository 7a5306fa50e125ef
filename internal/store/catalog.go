package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rathaus/rathaus"
)

// CreateJurisdiction inserts j and sets its ID.
func (tx *Tx) CreateJurisdiction(ctx context.Context, j *rathaus.Jurisdiction, now time.Time) error {
	id, err := tx.insertID(ctx, `INSERT INTO jurisdictions (slug, name, state, boundary, base_url, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		j.Slug, j.Name, j.State, string(j.Boundary), j.BaseURL, micros(now))
	if isUniqueViolation(err) {
		return rathaus.Conflictf("jurisdiction %q exists already", j.Slug)
	}
	if err != nil {
		return fmt.Errorf("store: create jurisdiction %s: %w", j.Slug, err)
	}
	j.ID = id
	return nil
}

// UpdateJurisdiction saves name, state, boundary and base URL.
func (tx *Tx) UpdateJurisdiction(ctx context.Context, j *rathaus.Jurisdiction) error {
	_, err := tx.exec(ctx, `UPDATE jurisdictions SET name = $1, state = $2, boundary = $3, base_url = $4 WHERE id = $5`,
		j.Name, j.State, string(j.Boundary), j.BaseURL, j.ID)
	if err != nil {
		return fmt.Errorf("store: update jurisdiction %d: %w", j.ID, err)
	}
	return nil
}

const jurisdictionCols = `id, slug, name, state, boundary, base_url`

func scanJurisdiction(row interface{ Scan(...any) error }) (*rathaus.Jurisdiction, error) {
	var j rathaus.Jurisdiction
	var boundary string
	if err := row.Scan(&j.ID, &j.Slug, &j.Name, &j.State, &boundary, &j.BaseURL); err != nil {
		return nil, err
	}
	if boundary != "" {
		j.Boundary = json.RawMessage(boundary)
	}
	return &j, nil
}

// Jurisdiction returns the jurisdiction with the given slug.
func (tx *Tx) Jurisdiction(ctx context.Context, slug string) (*rathaus.Jurisdiction, error) {
	j, err := scanJurisdiction(tx.queryRow(ctx, `SELECT `+jurisdictionCols+` FROM jurisdictions WHERE slug = $1`, slug))
	if err != nil {
		return nil, notFound(err, "jurisdiction %q", slug)
	}
	return j, nil
}

// JurisdictionByID returns the jurisdiction with the given ID.
func (tx *Tx) JurisdictionByID(ctx context.Context, id int64) (*rathaus.Jurisdiction, error) {
	j, err := scanJurisdiction(tx.queryRow(ctx, `SELECT `+jurisdictionCols+` FROM jurisdictions WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "jurisdiction %d", id)
	}
	return j, nil
}

// Jurisdictions lists all jurisdictions by slug.
func (tx *Tx) Jurisdictions(ctx context.Context) ([]*rathaus.Jurisdiction, error) {
	rows, err := tx.query(ctx, `SELECT `+jurisdictionCols+` FROM jurisdictions ORDER BY slug`)
	if err != nil {
		return nil, fmt.Errorf("store: list jurisdictions: %w", err)
	}
	defer rows.Close()
	var out []*rathaus.Jurisdiction
	for rows.Next() {
		j, err := scanJurisdiction(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list jurisdictions: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// CreateDepartment inserts d and sets its ID.
func (tx *Tx) CreateDepartment(ctx context.Context, d *rathaus.Department) error {
	id, err := tx.insertID(ctx, `INSERT INTO departments (jurisdiction_id, code, name, email) VALUES ($1, $2, $3, $4) RETURNING id`,
		d.JurisdictionID, d.Code, d.Name, d.Email)
	if isUniqueViolation(err) {
		return rathaus.Conflictf("department %q exists already", d.Code)
	}
	if err != nil {
		return fmt.Errorf("store: create department %s: %w", d.Code, err)
	}
	d.ID = id
	return nil
}

// Departments lists the departments of a jurisdiction by name.
func (tx *Tx) Departments(ctx context.Context, jurisdictionID int64) ([]*rathaus.Department, error) {
	rows, err := tx.query(ctx, `SELECT id, jurisdiction_id, code, name, email FROM departments WHERE jurisdiction_id = $1 ORDER BY name`, jurisdictionID)
	if err != nil {
		return nil, fmt.Errorf("store: list departments: %w", err)
	}
	defer rows.Close()
	var out []*rathaus.Department
	for rows.Next() {
		var d rathaus.Department
		if err := rows.Scan(&d.ID, &d.JurisdictionID, &d.Code, &d.Name, &d.Email); err != nil {
			return nil, fmt.Errorf("store: list departments: %w", err)
		}
		out = append(out, &d)
	}
	return out, rows.Err()
}

// CreateService inserts s and sets its ID.
func (tx *Tx) CreateService(ctx context.Context, s *rathaus.Service) error {
	attrs, err := json.Marshal(nonNilAttrs(s.Attributes))
	if err != nil {
		return fmt.Errorf("store: encode attributes of %s: %w", s.Code, err)
	}
	id, err := tx.insertID(ctx, `INSERT INTO services (jurisdiction_id, code, grp, name, description, keywords, kind, audience,
		attributes, response_hours, resolution_hours, retention_days, default_department_id, active)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		s.JurisdictionID, s.Code, s.Group, s.Name, s.Description, s.Keywords, string(s.Kind), s.Audience,
		string(attrs), s.ResponseHours, s.ResolutionHours, s.RetentionDays, s.DefaultDepartment, s.Active)
	if isUniqueViolation(err) {
		return rathaus.Conflictf("service %q exists already", s.Code)
	}
	if err != nil {
		return fmt.Errorf("store: create service %s: %w", s.Code, err)
	}
	s.ID = id
	return nil
}

func nonNilAttrs(a []rathaus.Attribute) []rathaus.Attribute {
	if a == nil {
		return []rathaus.Attribute{}
	}
	return a
}

const serviceCols = `id, jurisdiction_id, code, grp, name, description, keywords, kind, audience, attributes,
	response_hours, resolution_hours, retention_days, default_department_id, active`

func scanService(row interface{ Scan(...any) error }) (*rathaus.Service, error) {
	var s rathaus.Service
	var kind, attrs string
	if err := row.Scan(&s.ID, &s.JurisdictionID, &s.Code, &s.Group, &s.Name, &s.Description, &s.Keywords, &kind,
		&s.Audience, &attrs, &s.ResponseHours, &s.ResolutionHours, &s.RetentionDays, &s.DefaultDepartment, &s.Active); err != nil {
		return nil, err
	}
	s.Kind = rathaus.ServiceKind(kind)
	if err := json.Unmarshal([]byte(attrs), &s.Attributes); err != nil {
		return nil, fmt.Errorf("decode attributes of service %s: %w", s.Code, err)
	}
	return &s, nil
}

// Service returns the service with the given code.
func (tx *Tx) Service(ctx context.Context, jurisdictionID int64, code string) (*rathaus.Service, error) {
	s, err := scanService(tx.queryRow(ctx, `SELECT `+serviceCols+` FROM services WHERE jurisdiction_id = $1 AND code = $2`, jurisdictionID, code))
	if err != nil {
		return nil, notFound(err, "service %q", code)
	}
	return s, nil
}

// Services lists the active services of a jurisdiction by group and name.
func (tx *Tx) Services(ctx context.Context, jurisdictionID int64) ([]*rathaus.Service, error) {
	rows, err := tx.query(ctx, `SELECT `+serviceCols+` FROM services WHERE jurisdiction_id = $1 AND active = TRUE ORDER BY grp, name`, jurisdictionID)
	if err != nil {
		return nil, fmt.Errorf("store: list services: %w", err)
	}
	defer rows.Close()
	var out []*rathaus.Service
	for rows.Next() {
		s, err := scanService(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list services: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// RoutingRule sends requests of a service (or of any service, when
// ServiceCode is empty) inside an area (or anywhere, when Area is empty) to a
// department. Rules are tried in Position order; the first match wins.
type RoutingRule struct {
	ID             int64
	JurisdictionID int64
	Position       int
	ServiceCode    string
	Area           json.RawMessage
	DepartmentID   int64
}

// CreateRoutingRule inserts r and sets its ID.
func (tx *Tx) CreateRoutingRule(ctx context.Context, r *RoutingRule) error {
	id, err := tx.insertID(ctx, `INSERT INTO routing_rules (jurisdiction_id, position, service_code, area, department_id)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, r.JurisdictionID, r.Position, r.ServiceCode, string(r.Area), r.DepartmentID)
	if err != nil {
		return fmt.Errorf("store: create routing rule: %w", err)
	}
	r.ID = id
	return nil
}

// RoutingRules lists the rules of a jurisdiction in evaluation order.
func (tx *Tx) RoutingRules(ctx context.Context, jurisdictionID int64) ([]RoutingRule, error) {
	rows, err := tx.query(ctx, `SELECT id, jurisdiction_id, position, service_code, area, department_id
		FROM routing_rules WHERE jurisdiction_id = $1 ORDER BY position, id`, jurisdictionID)
	if err != nil {
		return nil, fmt.Errorf("store: list routing rules: %w", err)
	}
	defer rows.Close()
	var out []RoutingRule
	for rows.Next() {
		var r RoutingRule
		var area string
		if err := rows.Scan(&r.ID, &r.JurisdictionID, &r.Position, &r.ServiceCode, &area, &r.DepartmentID); err != nil {
			return nil, fmt.Errorf("store: list routing rules: %w", err)
		}
		if area != "" {
			r.Area = json.RawMessage(area)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
