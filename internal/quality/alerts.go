package quality

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/notify"
	"github.com/rathaus/rathaus/internal/store"
)

// TargetIndicators are the export columns a target may watch.
var TargetIndicators = map[string]func(Row) *float64{
	"volume":                      func(r Row) *float64 { return count(r.Volume) },
	"backlog":                     func(r Row) *float64 { return count(r.Backlog) },
	"overdue_now":                 func(r Row) *float64 { return count(r.OverdueNow) },
	"median_first_response_hours": func(r Row) *float64 { return r.MedianFirstResponseHours },
	"p90_first_response_hours":    func(r Row) *float64 { return r.P90FirstResponseHours },
	"median_resolution_hours":     func(r Row) *float64 { return r.MedianResolutionHours },
	"p90_resolution_hours":        func(r Row) *float64 { return r.P90ResolutionHours },
	"within_sla_share":            func(r Row) *float64 { return r.WithinSLAShare },
	"reopen_rate":                 func(r Row) *float64 { return r.ReopenRate },
	"duplicate_share":             func(r Row) *float64 { return r.DuplicateShare },
	"forward_rate":                func(r Row) *float64 { return r.ForwardRate },
	"csat":                        func(r Row) *float64 { return r.CSAT },
	"nps":                         func(r Row) *float64 { return r.NPS },
}

func count(n int64) *float64 {
	v := float64(n)
	return &v
}

// CheckTarget validates a target before it is stored.
func CheckTarget(t *store.QualityTarget) error {
	if TargetIndicators[t.Indicator] == nil {
		return rathaus.Invalidf("indicator", "%q cannot have a target", t.Indicator)
	}
	if _, err := groupColumn(t.By); err != nil {
		return err
	}
	if (t.By == "") != (t.SliceKey == "") {
		return rathaus.Invalidf("slice", "a target for one %s needs its key, and a key needs a dimension", t.By)
	}
	if t.Direction != HigherIsBetter && t.Direction != LowerIsBetter {
		return rathaus.Invalidf("direction", "must be %s or %s", HigherIsBetter, LowerIsBetter)
	}
	if t.WindowDays < 1 || t.WindowDays > 366 {
		return rathaus.Invalidf("window_days", "must be 1 to 366")
	}
	return nil
}

// Status is how a target fares in its last complete window.
type Status struct {
	Target     *store.QualityTarget
	From, To   time.Time // the window, local dates, both inclusive
	Value      *float64  // nil: nothing to measure in the window
	Missed     bool
	Recipient  string // the department address alerted, if any
	AlertAdded bool   // this evaluation enqueued the mail
}

// Alerts evaluates targets and mails department leads when one is missed.
type Alerts struct {
	db  *store.DB
	now func() time.Time
	log *slog.Logger
	// BaseURL links the mail to the dashboard (/staff/quality).
	BaseURL string
}

// NewAlerts returns a target evaluator.
func NewAlerts(db *store.DB, now func() time.Time, log *slog.Logger) *Alerts {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Alerts{db: db, now: now, log: log}
}

// monday0 is a Monday: windows are counted from it, so that weekly
// windows run Monday to Sunday.
var monday0 = time.Date(1970, 1, 5, 12, 0, 0, 0, time.UTC)

// lastWindow returns the last complete window of n days before the local
// date of now: windows are aligned to multiples of n days since monday0,
// so each window is evaluated, and alerted, as one unit.
func lastWindow(now time.Time, n int) (from, to time.Time) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 12, 0, 0, 0, time.UTC)
	days := int(today.Sub(monday0).Hours() / 24)
	start := monday0.AddDate(0, 0, days-days%n-n)
	return start, start.AddDate(0, 0, n-1)
}

// Evaluate checks every target of a jurisdiction over its last complete
// window. For each missed target it enqueues one mail to the responsible
// department (the target's department, or the slice's when the target is
// per department) with the dedupe key "alert:<target id>:<window start>",
// so repeated evaluations mail once per window. The statuses are what the
// dashboard marks.
func (a *Alerts) Evaluate(ctx context.Context, jurisdictionID int64) ([]Status, error) {
	e, err := loadEnv(ctx, a.db, jurisdictionID)
	if err != nil {
		return nil, err
	}
	return a.evaluate(ctx, e)
}

// EvaluatePage is Evaluate with the catalogue the page has loaded.
func (a *Alerts) EvaluatePage(ctx context.Context, p *Page) ([]Status, error) {
	return a.evaluate(ctx, p.e)
}

// backlogIndicators are the target indicators that need the open
// requests; the others need not read them. Volume is among them because
// a slice with open requests but none submitted in the window has a row
// with volume 0 (a verdict), and without the backlog it would have no row
// (no verdict); every other indicator is undefined on such a row anyway.
var backlogIndicators = map[string]bool{"backlog": true, "overdue_now": true, "volume": true}

// windowKey identifies what a target measures: targets on the same slice
// and window share one computation.
type windowKey struct {
	from, to time.Time
	service  string
	dept     int64
	channel  string
	backlog  bool
}

func (a *Alerts) evaluate(ctx context.Context, e *env) ([]Status, error) {
	jurisdictionID := e.j.ID
	now := a.now().In(e.cal.Location())
	var targets []*store.QualityTarget
	var err error
	measured := map[windowKey][]Row{}
	if err := a.db.ReadTx(ctx, func(tx *store.Tx) error {
		targets, err = tx.QualityTargets(ctx, jurisdictionID)
		return err
	}); err != nil {
		return nil, err
	}
	var out []Status
	for _, t := range targets {
		from, to := lastWindow(now, t.WindowDays)
		st := Status{Target: t, From: from, To: to}
		s := Slice{JurisdictionID: jurisdictionID, From: from, To: to, Now: now}
		switch t.By {
		case "service":
			s.ServiceCode = t.SliceKey
		case "department":
			s.DepartmentID, _ = strconv.ParseInt(t.SliceKey, 10, 64)
		case "channel":
			s.Channel = t.SliceKey
		}
		k := windowKey{from, to, s.ServiceCode, s.DepartmentID, s.Channel, backlogIndicators[t.Indicator]}
		rows, ok := measured[k]
		if !ok {
			if rows, err = e.indicators(ctx, a.db, s, fromRollups, k.backlog); err != nil {
				return nil, fmt.Errorf("quality: evaluate target %d: %w", t.ID, err)
			}
			measured[k] = rows
		}
		if len(rows) == 1 && TargetIndicators[t.Indicator] != nil {
			st.Value = TargetIndicators[t.Indicator](rows[0])
		}
		if st.Value != nil {
			st.Missed = (t.Direction == HigherIsBetter && *st.Value < t.Threshold) || (t.Direction == LowerIsBetter && *st.Value > t.Threshold)
		}
		if st.Missed {
			if err := a.alert(ctx, e, &st); err != nil {
				return nil, err
			}
		}
		out = append(out, st)
	}
	return out, nil
}

func (a *Alerts) alert(ctx context.Context, e *env, st *Status) error {
	t := st.Target
	deptID := t.DepartmentID
	if deptID == 0 && t.By == "department" {
		deptID, _ = strconv.ParseInt(t.SliceKey, 10, 64)
	}
	if d := e.depts[deptID]; d != nil {
		st.Recipient = d.Email
	}
	windowStart := st.From.Format(time.DateOnly)
	now := a.now().UTC().Truncate(time.Microsecond)
	return a.db.WriteTx(ctx, func(tx *store.Tx) error {
		added, err := tx.RecordQualityAlert(ctx, t.ID, Day(e.cal, st.From), *st.Value, now)
		if err != nil || !added || st.Recipient == "" {
			return err
		}
		slice := "gesamt"
		if t.By != "" {
			slice = e.label(t.By, t.SliceKey)
		}
		verb := "unter"
		if t.Direction == LowerIsBetter {
			verb = "über"
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Guten Tag,\n\ndas Ziel für %q (%s) wurde im Zeitraum %s bis %s verfehlt:\n\n", t.Indicator, slice,
			st.From.Format("02.01.2006"), st.To.Format("02.01.2006"))
		fmt.Fprintf(&b, "  gemessen: %s\n  Ziel:     nicht %s %s\n\n", strconv.FormatFloat(*st.Value, 'f', 2, 64), verb,
			strconv.FormatFloat(t.Threshold, 'f', 2, 64))
		if a.BaseURL != "" {
			fmt.Fprintf(&b, "Details im Qualitäts-Dashboard: %s/staff/quality\n\n", a.BaseURL)
		}
		b.WriteString("Diese Nachricht wurde automatisch von rathaus erzeugt.\n")
		msg := notify.Message{To: st.Recipient, Subject: fmt.Sprintf("Qualitätsziel verfehlt: %s (%s)", t.Indicator, slice),
			Text: b.String(), Locale: "de"}
		payload, err := json.Marshal(casework.MailPayload{Message: msg})
		if err != nil {
			return fmt.Errorf("quality: encode alert mail: %w", err)
		}
		st.AlertAdded = true
		return tx.Enqueue(ctx, &store.OutboxItem{JurisdictionID: t.JurisdictionID, Kind: "mail",
			DedupeKey: fmt.Sprintf("alert:%d:%s", t.ID, windowStart), Payload: string(payload), CreatedAt: now})
	})
}
