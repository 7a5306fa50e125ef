package quality

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/store"
)

// Admin makes the changes of the quality staff pages: targets, manual
// indicators and their values. Each change is checked, stored and
// written to the audit log in one transaction.
type Admin struct {
	db  *store.DB
	now func() time.Time
}

// NewAdmin returns the quality administration.
func NewAdmin(db *store.DB, now func() time.Time) *Admin {
	return &Admin{db: db, now: now}
}

// Channels are the channels a target may be set for.
var Channels = []rathaus.Channel{rathaus.ChannelWeb, rathaus.ChannelOpen311, rathaus.ChannelApp, rathaus.ChannelPhone,
	rathaus.ChannelEmail, rathaus.ChannelCounter, rathaus.ChannelIntranet}

// canManage is the rule of the quality pages: department leads and admins
// of the jurisdiction, as for the dashboard.
func canManage(u *rathaus.User, jurisdictionID int64) error {
	if u == nil || u.Disabled || u.JurisdictionID != jurisdictionID || !u.Role.AtLeast(rathaus.RoleLead) {
		return rathaus.Forbiddenf("quality targets and indicators need the role lead")
	}
	return nil
}

// write runs fn and appends one audit entry in the same transaction.
func (a *Admin) write(ctx context.Context, actor *rathaus.User, jurisdictionID int64, action string,
	fn func(tx *store.Tx) (target string, detail map[string]any, err error)) error {
	now := a.now().UTC().Truncate(time.Microsecond)
	err := a.db.WriteTx(ctx, func(tx *store.Tx) error {
		target, detail, err := fn(tx)
		if err != nil {
			return err
		}
		d, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("encode audit detail: %w", err)
		}
		_, err = tx.AppendAudit(ctx, audit.Entry{At: now, JurisdictionID: jurisdictionID, ActorID: actor.ID, ActorName: actor.Email,
			Action: action, Target: target, Detail: string(d)})
		return err
	})
	if err != nil {
		return fmt.Errorf("quality: %s: %w", action, err)
	}
	return nil
}

// CheckThreshold checks a target's threshold in the unit the target
// stores: shares as 0..1, times in hours, NPS -100..100, counts >= 0.
func CheckThreshold(indicator string, v float64) error {
	switch {
	case v != v:
		return rathaus.Invalidf("threshold", "Bitte geben Sie eine Zahl an.")
	case ShareIndicator(indicator) && (v < 0 || v > 1):
		return rathaus.Invalidf("threshold", "Ein Anteil liegt zwischen 0 und 100 Prozent.")
	case indicator == "nps" && (v < -100 || v > 100):
		return rathaus.Invalidf("threshold", "Der NPS liegt zwischen -100 und 100.")
	case indicator != "nps" && v < 0:
		return rathaus.Invalidf("threshold", "Der Schwellenwert darf nicht negativ sein.")
	}
	return nil
}

// ShareIndicator reports whether a target indicator is a share (0..1),
// which the pages show and take as a percentage.
func ShareIndicator(indicator string) bool {
	return strings.HasSuffix(indicator, "_share") || strings.HasSuffix(indicator, "_rate") || indicator == "csat"
}

// CreateTarget checks and stores a target. The slice key must name a
// service, department or channel of the jurisdiction, and the department
// to mail one of its departments.
func (a *Admin) CreateTarget(ctx context.Context, actor *rathaus.User, t *store.QualityTarget) error {
	if err := canManage(actor, t.JurisdictionID); err != nil {
		return err
	}
	if err := CheckTarget(t); err != nil {
		return germanTargetError(err)
	}
	if err := CheckThreshold(t.Indicator, t.Threshold); err != nil {
		return err
	}
	e, err := loadEnv(ctx, a.db, t.JurisdictionID)
	if err != nil {
		return err
	}
	switch t.By {
	case "service":
		if e.services[t.SliceKey] == nil {
			return rathaus.Invalidf("slice", "Die Leistung %q gibt es nicht.", t.SliceKey)
		}
	case "department":
		id, _ := strconv.ParseInt(t.SliceKey, 10, 64)
		if e.depts[id] == nil {
			return rathaus.Invalidf("slice", "Den Fachbereich %q gibt es nicht.", t.SliceKey)
		}
	case "channel":
		if !slices.Contains(Channels, rathaus.Channel(t.SliceKey)) {
			return rathaus.Invalidf("slice", "Den Eingangskanal %q gibt es nicht.", t.SliceKey)
		}
	}
	if t.DepartmentID != 0 && e.depts[t.DepartmentID] == nil {
		return rathaus.Invalidf("department", "Diesen Fachbereich gibt es nicht.")
	}
	t.CreatedAt = a.now().UTC().Truncate(time.Microsecond)
	return a.write(ctx, actor, t.JurisdictionID, "quality.target.create", func(tx *store.Tx) (string, map[string]any, error) {
		if err := tx.CreateQualityTarget(ctx, t); err != nil {
			return "", nil, err
		}
		return "target:" + strconv.FormatInt(t.ID, 10), map[string]any{"indicator": t.Indicator, "by": t.By, "slice": t.SliceKey,
			"threshold": t.Threshold, "direction": t.Direction, "window_days": t.WindowDays, "department": t.DepartmentID}, nil
	})
}

// DeleteTarget removes a target.
func (a *Admin) DeleteTarget(ctx context.Context, actor *rathaus.User, jurisdictionID, id int64) error {
	if err := canManage(actor, jurisdictionID); err != nil {
		return err
	}
	return a.write(ctx, actor, jurisdictionID, "quality.target.delete", func(tx *store.Tx) (string, map[string]any, error) {
		return "target:" + strconv.FormatInt(id, 10), nil, tx.DeleteQualityTarget(ctx, jurisdictionID, id)
	})
}

// SaveIndicator checks and stores a manual indicator definition, by code
// (the same code again updates it), with the rules of the CSV import.
func (a *Admin) SaveIndicator(ctx context.Context, actor *rathaus.User, m *store.ManualIndicator) error {
	if err := canManage(actor, m.JurisdictionID); err != nil {
		return err
	}
	m.Code, m.Name, m.Unit = strings.TrimSpace(m.Code), strings.TrimSpace(m.Name), strings.TrimSpace(m.Unit)
	switch {
	case !codePattern.MatchString(m.Code):
		return rathaus.Invalidf("code", "Kürzel: 1 bis 64 Zeichen, Kleinbuchstaben, Ziffern, _ . und -.")
	case m.Name == "" || utf8.RuneCountInString(m.Name) > 200:
		return rathaus.Invalidf("name", "Bitte geben Sie einen Namen mit höchstens 200 Zeichen an.")
	case utf8.RuneCountInString(m.Unit) > 40:
		return rathaus.Invalidf("unit", "Die Einheit hat höchstens 40 Zeichen.")
	case m.Direction != HigherIsBetter && m.Direction != LowerIsBetter:
		return rathaus.Invalidf("direction", "Bitte wählen Sie eine Richtung.")
	}
	return a.write(ctx, actor, m.JurisdictionID, "quality.indicator.save", func(tx *store.Tx) (string, map[string]any, error) {
		if err := tx.UpsertManualIndicator(ctx, m); err != nil {
			return "", nil, err
		}
		return "indicator:" + m.Code, map[string]any{"name": m.Name, "unit": m.Unit, "target": m.Target, "direction": m.Direction}, nil
	})
}

// ParseNumber reads a number typed into a form: a decimal comma (12,5)
// or point (12.5).
func ParseNumber(s string) (float64, error) {
	return parseNumber(strings.TrimSpace(s), ';')
}

// SaveValue checks and stores one value of a manual indicator.
func (a *Admin) SaveValue(ctx context.Context, actor *rathaus.User, jurisdictionID int64, v store.ManualValue) error {
	if err := canManage(actor, jurisdictionID); err != nil {
		return err
	}
	v.Period, v.SliceKey = strings.TrimSpace(v.Period), strings.TrimSpace(v.SliceKey)
	if !periodPattern.MatchString(v.Period) || !validPeriod(v.Period) {
		return rathaus.Invalidf("period", "Zeitraum: ein Jahr (2026), Quartal (2026-Q1), Monat (2026-03) oder Tag (2026-03-02).")
	}
	if len(v.SliceKey) > 200 {
		return rathaus.Invalidf("slice", "Der Ausschnitt hat höchstens 200 Zeichen.")
	}
	v.UpdatedAt = a.now().UTC().Truncate(time.Microsecond)
	return a.write(ctx, actor, jurisdictionID, "quality.value.save", func(tx *store.Tx) (string, map[string]any, error) {
		list, err := tx.ManualIndicators(ctx, jurisdictionID)
		if err != nil {
			return "", nil, err
		}
		i := slices.IndexFunc(list, func(m *store.ManualIndicator) bool { return m.ID == v.IndicatorID })
		if i < 0 {
			return "", nil, rathaus.Invalidf("indicator", "Bitte wählen Sie eine Kennzahl.")
		}
		if err := tx.UpsertManualValue(ctx, v); err != nil {
			return "", nil, err
		}
		return "indicator:" + list[i].Code, map[string]any{"slice": v.SliceKey, "period": v.Period, "value": v.Value}, nil
	})
}

// Import runs ImportCSV for a staff member and records the import in the
// audit log. ImportCSV writes all rows or none; the audit entry follows in
// its own transaction, so a failed file leaves no entry.
func (a *Admin) Import(ctx context.Context, actor *rathaus.User, jurisdictionID int64, r io.Reader, filename string) (ImportResult, error) {
	if err := canManage(actor, jurisdictionID); err != nil {
		return ImportResult{}, err
	}
	res, err := ImportCSV(ctx, a.db, jurisdictionID, r, a.now().UTC().Truncate(time.Microsecond))
	if err != nil {
		return ImportResult{}, err
	}
	err = a.write(ctx, actor, jurisdictionID, "quality.import", func(*store.Tx) (string, map[string]any, error) {
		return "file:" + filename, map[string]any{"kind": res.Kind, "rows": res.Rows}, nil
	})
	return res, err
}

// PeriodEnd is the last day of a manual value's period (2026 -> 31
// December 2026, 2026-Q1 -> 31 March), for picking the latest value.
func PeriodEnd(p string) time.Time {
	year, _ := strconv.Atoi(p[:min(4, len(p))])
	switch {
	case len(p) == 4:
		return time.Date(year, 12, 31, 12, 0, 0, 0, time.UTC)
	case strings.Contains(p, "-Q"):
		q, _ := strconv.Atoi(p[len(p)-1:])
		return time.Date(year, time.Month(3*q+1), 0, 12, 0, 0, 0, time.UTC)
	case len(p) == 7:
		m, _ := strconv.Atoi(p[5:7])
		return time.Date(year, time.Month(m+1), 0, 12, 0, 0, 0, time.UTC)
	}
	d, _ := time.Parse(time.DateOnly, p)
	return d.Add(12 * time.Hour)
}

// LatestValues returns per indicator ID its latest value: the one whose
// period ends last, the one entered last among those.
func LatestValues(vals []store.ManualValue) map[int64]store.ManualValue {
	out := map[int64]store.ManualValue{}
	for _, v := range vals {
		cur, ok := out[v.IndicatorID]
		if !ok {
			out[v.IndicatorID] = v
			continue
		}
		ve, ce := PeriodEnd(v.Period), PeriodEnd(cur.Period)
		if ve.After(ce) || (ve.Equal(ce) && v.UpdatedAt.After(cur.UpdatedAt)) {
			out[v.IndicatorID] = v
		}
	}
	return out
}

// Met reports whether a value meets an indicator's target; ok is false
// when the indicator has none.
func Met(m *store.ManualIndicator, v float64) (met, ok bool) {
	if m.Target == nil {
		return false, false
	}
	if m.Direction == LowerIsBetter {
		return v <= *m.Target, true
	}
	return v >= *m.Target, true
}

// targetMessages are the German messages of CheckTarget's fields, which
// the staff page shows (CheckTarget's own are for logs and the CLI).
var targetMessages = map[string]string{
	"indicator":   "Für diese Kennzahl kann kein Ziel festgelegt werden.",
	"slice":       "Bitte wählen Sie einen Ausschnitt.",
	"direction":   "Bitte wählen Sie eine Richtung.",
	"window_days": "Das Zeitfenster hat 1 bis 366 Tage.",
}

func germanTargetError(err error) error {
	if e, ok := rathaus.AsError(err); ok && targetMessages[e.Field] != "" {
		return rathaus.Invalidf(e.Field, "%s", targetMessages[e.Field])
	}
	return err
}
