package casework

// Administration of a jurisdiction: departments, staff, the service
// catalogue, routing rules, API keys and settings. It lives in casework
// rather than a package of its own because every change here alters how
// requests are routed and timed (rules, boundary, Bundesland, SLA), and the
// cache of that data belongs to Cases; the functions are thin validation
// plus one audited transaction each.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/calendar"
	"github.com/rathaus/rathaus/internal/geo"
	"github.com/rathaus/rathaus/internal/store"
)

// administer runs fn in one transaction after the admin check and appends
// one audit entry. After the commit it drops the jurisdiction's cached
// catalogue, routing and departments, which every admin change may touch.
func (c *Cases) administer(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, action string,
	fn func(tx *store.Tx, now time.Time) (target string, detail map[string]any, err error)) error {
	if err := rathaus.CanAdminister(actor, j.ID); err != nil {
		return err
	}
	now := c.now().UTC().Truncate(time.Microsecond)
	err := c.db.WriteTx(ctx, func(tx *store.Tx) error {
		target, detail, err := fn(tx, now)
		if err != nil {
			return err
		}
		_, err = tx.AppendAudit(ctx, audit.Entry{At: now, JurisdictionID: j.ID, ActorID: actor.ID, ActorName: actor.Email,
			Action: action, Target: target, Detail: auditDetail(detail)})
		return err
	})
	if err != nil {
		return fmt.Errorf("casework: %s: %w", action, err)
	}
	c.Invalidate(j.ID)
	return nil
}

var codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

func checkCode(field, code string) error {
	if !codePattern.MatchString(code) {
		return rathaus.Invalidf(field, "Kürzel: 1 bis 40 Zeichen, Kleinbuchstaben, Ziffern, - und _.")
	}
	return nil
}

func checkName(field, name string) error {
	if strings.TrimSpace(name) == "" {
		return rathaus.Invalidf(field, "Bitte geben Sie einen Namen an.")
	}
	return checkText(field, name, maxShortText)
}

func checkEmail(field, email string, optional bool) error {
	if email == "" && optional {
		return nil
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return rathaus.Invalidf(field, "Das ist keine gültige E-Mail-Adresse.")
	}
	return nil
}

func departmentExists(ctx context.Context, tx *store.Tx, j *rathaus.Jurisdiction, id int64, field string) error {
	if id == 0 {
		return nil
	}
	deps, err := tx.Departments(ctx, j.ID)
	if err != nil {
		return err
	}
	for _, d := range deps {
		if d.ID == id {
			return nil
		}
	}
	return rathaus.Invalidf(field, "Diesen Fachbereich gibt es nicht.")
}

// SaveDepartment creates d (ID 0) or updates it.
func (c *Cases) SaveDepartment(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, d *rathaus.Department) error {
	d.JurisdictionID = j.ID
	d.Code, d.Name, d.Email = strings.TrimSpace(d.Code), strings.TrimSpace(d.Name), strings.TrimSpace(d.Email)
	if err := checkCode("code", d.Code); err != nil {
		return err
	}
	if err := checkName("name", d.Name); err != nil {
		return err
	}
	if err := checkEmail("email", d.Email, true); err != nil {
		return err
	}
	action := "department.update"
	if d.ID == 0 {
		action = "department.create"
	}
	return c.administer(ctx, j, actor, action, func(tx *store.Tx, now time.Time) (string, map[string]any, error) {
		var err error
		if d.ID == 0 {
			err = tx.CreateDepartment(ctx, d)
		} else {
			err = tx.UpdateDepartment(ctx, d)
		}
		return d.Code, map[string]any{"id": d.ID, "name": d.Name}, err
	})
}

// CreateStaff adds a staff member with an initial password.
func (c *Cases) CreateStaff(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, u *rathaus.User, password string) error {
	u.JurisdictionID, u.Email, u.Name = j.ID, strings.ToLower(strings.TrimSpace(u.Email)), strings.TrimSpace(u.Name)
	if err := checkName("name", u.Name); err != nil {
		return err
	}
	if err := checkEmail("email", u.Email, false); err != nil {
		return err
	}
	if !u.Role.Valid() {
		return rathaus.Invalidf("role", "Bitte wählen Sie eine Rolle.")
	}
	if err := auth.CheckPasswordPolicy(password); err != nil {
		return err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	return c.administer(ctx, j, actor, "user.create", func(tx *store.Tx, now time.Time) (string, map[string]any, error) {
		if err := departmentExists(ctx, tx, j, u.DepartmentID, "department"); err != nil {
			return "", nil, err
		}
		u.CreatedAt = now
		return u.Email, map[string]any{"role": u.Role, "department": u.DepartmentID}, tx.CreateUser(ctx, u)
	})
}

// UpdateStaff changes role, department and the disabled flag of a staff
// member. Admins cannot demote or disable themselves, so that an
// installation never loses its last way in by accident.
func (c *Cases) UpdateStaff(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id int64, role rathaus.Role, departmentID int64, disabled bool) error {
	if !role.Valid() {
		return rathaus.Invalidf("role", "Bitte wählen Sie eine Rolle.")
	}
	if actor != nil && id == actor.ID && (role != rathaus.RoleAdmin || disabled) {
		return rathaus.Conflictf("Sie können sich nicht selbst die Administration entziehen oder sperren.")
	}
	return c.administer(ctx, j, actor, "user.update", func(tx *store.Tx, now time.Time) (string, map[string]any, error) {
		u, err := tx.UserByID(ctx, id)
		if err != nil || u.JurisdictionID != j.ID {
			return "", nil, rathaus.NotFoundf("user %d not found", id)
		}
		if err := departmentExists(ctx, tx, j, departmentID, "department"); err != nil {
			return "", nil, err
		}
		u.Role, u.DepartmentID, u.Disabled = role, departmentID, disabled
		return u.Email, map[string]any{"role": role, "department": departmentID, "disabled": disabled}, tx.UpdateUser(ctx, u)
	})
}

// AllServices lists the whole catalogue, inactive services too.
func (c *Cases) AllServices(ctx context.Context, j *rathaus.Jurisdiction) ([]*rathaus.Service, error) {
	var out []*rathaus.Service
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.AllServices(ctx, j.ID)
		return err
	})
	return out, err
}

// ServiceByID returns one service, active or not.
func (c *Cases) ServiceByID(ctx context.Context, j *rathaus.Jurisdiction, id int64) (*rathaus.Service, error) {
	var out *rathaus.Service
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.ServiceByID(ctx, j.ID, id)
		return err
	})
	return out, err
}

// SaveService creates s (ID 0; kind report, audience public when unset)
// or updates it; the attributes are kept as given.
func (c *Cases) SaveService(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, s *rathaus.Service) error {
	s.JurisdictionID = j.ID
	s.Code, s.Name, s.Group = strings.TrimSpace(s.Code), strings.TrimSpace(s.Name), strings.TrimSpace(s.Group)
	if err := checkCode("code", s.Code); err != nil {
		return err
	}
	if err := checkName("name", s.Name); err != nil {
		return err
	}
	for _, f := range []struct{ field, v string }{{"group", s.Group}, {"keywords", s.Keywords}} {
		if err := checkText(f.field, f.v, maxShortText*5); err != nil {
			return err
		}
	}
	if err := checkText("description", s.Description, maxDescription); err != nil {
		return err
	}
	switch {
	case s.ResponseHours < 0 || s.ResponseHours > 10000:
		return rathaus.Invalidf("response_hours", "Bitte 0 bis 10000 Stunden angeben.")
	case s.ResolutionHours < 0 || s.ResolutionHours > 100000:
		return rathaus.Invalidf("resolution_hours", "Bitte 0 bis 100000 Stunden angeben.")
	case s.RetentionDays < 1 || s.RetentionDays > 36500:
		return rathaus.Invalidf("retention_days", "Bitte 1 bis 36500 Tage angeben.")
	}
	if s.Kind == "" {
		s.Kind = rathaus.KindReport
	}
	if s.Audience == "" {
		s.Audience = "public"
	}
	action := "service.update"
	if s.ID == 0 {
		action = "service.create"
	}
	return c.administer(ctx, j, actor, action, func(tx *store.Tx, now time.Time) (string, map[string]any, error) {
		if err := departmentExists(ctx, tx, j, s.DefaultDepartment, "default_department"); err != nil {
			return "", nil, err
		}
		var err error
		if s.ID == 0 {
			err = tx.CreateService(ctx, s)
		} else {
			err = tx.UpdateService(ctx, s)
		}
		return s.Code, map[string]any{"id": s.ID, "active": s.Active, "response_hours": s.ResponseHours,
			"resolution_hours": s.ResolutionHours, "default_department": s.DefaultDepartment}, err
	})
}

// ParseValues reads list values given as "key=Name" lines.
func ParseValues(text string) ([]rathaus.AttributeValue, error) {
	var out []rathaus.AttributeValue
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, rathaus.Invalidf("values", "Zeile %d: bitte als Schlüssel=Name schreiben.", i+1)
		}
		if seen[k] {
			return nil, rathaus.Invalidf("values", "Zeile %d: Schlüssel %q kommt doppelt vor.", i+1, k)
		}
		seen[k] = true
		out = append(out, rathaus.AttributeValue{Key: k, Name: v})
	}
	return out, nil
}

// SaveAttribute adds attribute a to a service, or replaces the one with
// the same code.
func (c *Cases) SaveAttribute(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, serviceID int64, a rathaus.Attribute) error {
	a.Code = strings.TrimSpace(a.Code)
	if err := checkCode("attr_code", a.Code); err != nil {
		return err
	}
	switch a.Datatype {
	case rathaus.TypeString, rathaus.TypeNumber, rathaus.TypeDatetime, rathaus.TypeText:
		a.Values = nil
	case rathaus.TypeSingleValueList, rathaus.TypeMultiValueList:
		if len(a.Values) == 0 {
			return rathaus.Invalidf("values", "Eine Auswahlliste braucht mindestens einen Wert.")
		}
	default:
		return rathaus.Invalidf("datatype", "Bitte wählen Sie einen Datentyp.")
	}
	if strings.TrimSpace(a.Description) == "" {
		return rathaus.Invalidf("attr_description", "Bitte beschreiben Sie die Frage.")
	}
	if err := checkText("attr_description", a.Description, maxShortText*5); err != nil {
		return err
	}
	a.Variable = true
	return c.administer(ctx, j, actor, "service.attribute_save", func(tx *store.Tx, now time.Time) (string, map[string]any, error) {
		s, err := tx.ServiceByID(ctx, j.ID, serviceID)
		if err != nil {
			return "", nil, err
		}
		replaced := false
		for i := range s.Attributes {
			if s.Attributes[i].Code == a.Code {
				s.Attributes[i], replaced = a, true
			}
		}
		if !replaced {
			s.Attributes = append(s.Attributes, a)
		}
		sortAttributes(s.Attributes)
		return s.Code, map[string]any{"attribute": a.Code, "datatype": a.Datatype, "required": a.Required}, tx.UpdateService(ctx, s)
	})
}

func sortAttributes(as []rathaus.Attribute) {
	for i := 1; i < len(as); i++ {
		for k := i; k > 0 && as[k].Order < as[k-1].Order; k-- {
			as[k], as[k-1] = as[k-1], as[k]
		}
	}
}

// RemoveAttribute removes an attribute from a service. Answers already
// stored on requests stay.
func (c *Cases) RemoveAttribute(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, serviceID int64, code string) error {
	return c.administer(ctx, j, actor, "service.attribute_remove", func(tx *store.Tx, now time.Time) (string, map[string]any, error) {
		s, err := tx.ServiceByID(ctx, j.ID, serviceID)
		if err != nil {
			return "", nil, err
		}
		kept := s.Attributes[:0]
		for _, a := range s.Attributes {
			if a.Code != code {
				kept = append(kept, a)
			}
		}
		if len(kept) == len(s.Attributes) {
			return "", nil, rathaus.NotFoundf("attribute %q not found", code)
		}
		s.Attributes = kept
		return s.Code, map[string]any{"attribute": code}, tx.UpdateService(ctx, s)
	})
}

// RoutingRules lists the routing rules in evaluation order.
func (c *Cases) RoutingRules(ctx context.Context, j *rathaus.Jurisdiction) ([]store.RoutingRule, error) {
	var out []store.RoutingRule
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.RoutingRules(ctx, j.ID)
		return err
	})
	return out, err
}

// CheckArea validates a GeoJSON area; empty means "anywhere".
func CheckArea(field, area string) (json.RawMessage, error) {
	area = strings.TrimSpace(area)
	if area == "" {
		return nil, nil
	}
	if _, err := geo.ParseGeoJSON([]byte(area)); err != nil {
		return nil, rathaus.Invalidf(field, "Kein gültiges GeoJSON-Polygon: %v", err)
	}
	return json.RawMessage(area), nil
}

// AddRoutingRule adds a rule; r.Area must be GeoJSON or empty.
func (c *Cases) AddRoutingRule(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, r *store.RoutingRule) error {
	r.JurisdictionID = j.ID
	area, err := CheckArea("area", string(r.Area))
	if err != nil {
		return err
	}
	r.Area = area
	if r.Position < 0 || r.Position > 100000 {
		return rathaus.Invalidf("position", "Bitte eine Zahl von 0 bis 100000 angeben.")
	}
	if r.DepartmentID == 0 {
		return rathaus.Invalidf("department", "Bitte wählen Sie einen Fachbereich.")
	}
	return c.administer(ctx, j, actor, "routing.create", func(tx *store.Tx, now time.Time) (string, map[string]any, error) {
		if err := departmentExists(ctx, tx, j, r.DepartmentID, "department"); err != nil {
			return "", nil, err
		}
		if r.ServiceCode != "" {
			if _, err := tx.Service(ctx, j.ID, r.ServiceCode); err != nil {
				return "", nil, rathaus.Invalidf("service", "Diese Kategorie gibt es nicht.")
			}
		}
		err := tx.CreateRoutingRule(ctx, r)
		return strconv.FormatInt(r.ID, 10), map[string]any{"position": r.Position, "service": r.ServiceCode,
			"department": r.DepartmentID, "area": len(r.Area) > 0}, err
	})
}

// DeleteRoutingRule removes a rule.
func (c *Cases) DeleteRoutingRule(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id int64) error {
	return c.administer(ctx, j, actor, "routing.delete", func(tx *store.Tx, now time.Time) (string, map[string]any, error) {
		return strconv.FormatInt(id, 10), nil, tx.DeleteRoutingRule(ctx, j.ID, id)
	})
}

// APIKeys lists the API keys of the jurisdiction.
func (c *Cases) APIKeys(ctx context.Context, j *rathaus.Jurisdiction) ([]*store.APIKey, error) {
	var out []*store.APIKey
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.APIKeys(ctx, j.ID)
		return err
	})
	return out, err
}

// CreateAPIKey makes a new key and returns it in the clear, once; only its
// hash is stored.
func (c *Cases) CreateAPIKey(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, name string) (string, *store.APIKey, error) {
	name = strings.TrimSpace(name)
	if err := checkName("name", name); err != nil {
		return "", nil, err
	}
	key, prefix := auth.NewAPIKey()
	k := &store.APIKey{JurisdictionID: j.ID, Name: name, Prefix: prefix}
	err := c.administer(ctx, j, actor, "apikey.create", func(tx *store.Tx, now time.Time) (string, map[string]any, error) {
		k.CreatedAt = now
		return prefix, map[string]any{"name": name}, tx.CreateAPIKey(ctx, k, auth.HashToken(key))
	})
	if err != nil {
		return "", nil, err
	}
	return key, k, nil
}

// RevokeAPIKey revokes a key at once.
func (c *Cases) RevokeAPIKey(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id int64) error {
	return c.administer(ctx, j, actor, "apikey.revoke", func(tx *store.Tx, now time.Time) (string, map[string]any, error) {
		return strconv.FormatInt(id, 10), nil, tx.RevokeAPIKey(ctx, j.ID, id, now)
	})
}

// Settings returns the branding of the jurisdiction.
func (c *Cases) Settings(ctx context.Context, j *rathaus.Jurisdiction) (*store.Settings, error) {
	var out *store.Settings
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.Settings(ctx, j.ID)
		return err
	})
	return out, err
}

// SettingsChange is what the settings form sends.
type SettingsChange struct {
	Name, State, BaseURL, Boundary string
	ColorPrimary, ColorSecondary   string
	// LogoKey and LogoContentType replace the logo when LogoKey is set
	// (an upload already processed and stored).
	LogoKey, LogoContentType string
}

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// ContrastWithWhite returns the WCAG contrast ratio of a "#rrggbb" colour
// against white.
func ContrastWithWhite(color string) (float64, error) {
	if !hexColor.MatchString(color) {
		return 0, fmt.Errorf("%q is not #rrggbb", color)
	}
	lin := func(h string) float64 {
		v, _ := strconv.ParseUint(h, 16, 8)
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(color[1:3]) + 0.7152*lin(color[3:5]) + 0.0722*lin(color[5:7])
	return 1.05 / (l + 0.05), nil
}

func checkColor(field, color string) error {
	if color == "" {
		return nil
	}
	ratio, err := ContrastWithWhite(color)
	if err != nil {
		return rathaus.Invalidf(field, "Bitte als #rrggbb angeben, z. B. #00508c.")
	}
	if ratio < 4.5 {
		return rathaus.Invalidf(field, "Der Kontrast zu Weiß ist %.1f:1; nötig sind mindestens 4,5:1.", ratio)
	}
	return nil
}

// SaveSettings validates and saves the jurisdiction's name, Bundesland,
// boundary, base URL and branding, and drops the routing cache.
func (c *Cases) SaveSettings(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, ch SettingsChange) error {
	ch.Name, ch.BaseURL = strings.TrimSpace(ch.Name), strings.TrimRight(strings.TrimSpace(ch.BaseURL), "/")
	ch.ColorPrimary, ch.ColorSecondary = strings.ToLower(strings.TrimSpace(ch.ColorPrimary)), strings.ToLower(strings.TrimSpace(ch.ColorSecondary))
	if err := checkName("name", ch.Name); err != nil {
		return err
	}
	if _, err := calendar.ForState(ch.State); err != nil {
		return rathaus.Invalidf("state", "Bitte wählen Sie ein Bundesland.")
	}
	boundary, err := CheckArea("boundary", ch.Boundary)
	if err != nil {
		return err
	}
	if ch.BaseURL != "" {
		u, err := url.Parse(ch.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return rathaus.Invalidf("base_url", "Bitte eine Adresse wie https://maengel.example.de angeben.")
		}
	}
	if err := checkColor("color_primary", ch.ColorPrimary); err != nil {
		return err
	}
	if err := checkColor("color_secondary", ch.ColorSecondary); err != nil {
		return err
	}
	return c.administer(ctx, j, actor, "settings.update", func(tx *store.Tx, now time.Time) (string, map[string]any, error) {
		cur, err := tx.JurisdictionByID(ctx, j.ID)
		if err != nil {
			return "", nil, err
		}
		cur.Name, cur.State, cur.Boundary, cur.BaseURL = ch.Name, strings.ToUpper(strings.TrimSpace(ch.State)), boundary, ch.BaseURL
		if err := tx.UpdateJurisdiction(ctx, cur); err != nil {
			return "", nil, err
		}
		s, err := tx.Settings(ctx, j.ID)
		if err != nil {
			return "", nil, err
		}
		s.ColorPrimary, s.ColorSecondary, s.UpdatedAt = ch.ColorPrimary, ch.ColorSecondary, now
		if ch.LogoKey != "" {
			s.LogoKey, s.LogoContentType = ch.LogoKey, ch.LogoContentType
		}
		if err := tx.SaveSettings(ctx, s); err != nil {
			return "", nil, err
		}
		return cur.Slug, map[string]any{"name": cur.Name, "state": cur.State, "boundary": len(boundary) > 0, "base_url": cur.BaseURL,
			"color_primary": s.ColorPrimary, "color_secondary": s.ColorSecondary, "logo": ch.LogoKey != ""}, nil
	})
}

// RecentAudit returns the newest audit entries of the jurisdiction.
func (c *Cases) RecentAudit(ctx context.Context, j *rathaus.Jurisdiction, limit int) ([]audit.Entry, error) {
	var out []audit.Entry
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.RecentAudit(ctx, j.ID, limit)
		return err
	})
	return out, err
}
