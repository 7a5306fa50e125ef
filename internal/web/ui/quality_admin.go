package ui

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/quality"
	"github.com/rathaus/rathaus/internal/store"
)

// The staff pages of quality monitoring that change things: targets
// (/staff/quality/targets) and manual indicators
// (/staff/quality/indicators). Both need the role lead, as the dashboard.

// option is one entry of a select.
type option struct{ Value, Label string }

// sliceOptions are the choices of a slice select, grouped.
type sliceOptions struct {
	Services, Departments, Channels []option
}

func (u *UI) sliceOptions(loc string, names *staffNames) sliceOptions {
	var o sliceOptions
	for _, s := range names.services {
		o.Services = append(o.Services, option{s.Code, s.Name})
	}
	for _, d := range names.deps {
		o.Departments = append(o.Departments, option{strconv.FormatInt(d.ID, 10), d.Name})
	}
	for _, c := range quality.Channels {
		o.Channels = append(o.Channels, option{string(c), u.Catalog.T(loc, "qa.channel."+string(c))})
	}
	return o
}

// targetRow is one target with its status in its last complete window.
type targetRow struct {
	ID                     int64
	Indicator, Slice, Goal string
	Window                 int
	Department             string
	Status                 string // "missed", "met" or "nodata"
	Value, From, To        string
}

type targetsPage struct {
	Targets     []targetRow
	Indicators  []option
	Slices      sliceOptions
	Departments []option
	Form        adminForm
}

// QualityTargets is GET /staff/quality/targets: the targets with their
// status and the form to add one.
func (u *UI) QualityTargets(w http.ResponseWriter, r *http.Request) {
	u.renderTargets(w, r, http.StatusOK, adminForm{})
}

func (u *UI) renderTargets(w http.ResponseWriter, r *http.Request, status int, form adminForm) {
	j, names, ok := u.jurisdictionNames(w, r)
	if !ok {
		return
	}
	ctx, loc := r.Context(), Locale(r)
	a := quality.NewAlerts(u.Cases.DB(), u.Now, u.Log)
	a.BaseURL = u.BaseURL
	sts, err := a.Evaluate(ctx, j.ID) // mails a miss once per window, as the dashboard does
	if err != nil {
		u.Error(w, r, err)
		return
	}
	p := targetsPage{Form: form, Slices: u.sliceOptions(loc, names)}
	for _, st := range sts {
		t := st.Target
		row := targetRow{ID: t.ID, Indicator: u.Catalog.T(loc, "quality.ind."+t.Indicator), Window: t.WindowDays,
			Goal: u.threshold(loc, t), Slice: u.Catalog.T(loc, "qa.slice.town"), Status: "nodata",
			From: st.From.Format("02.01.2006"), To: st.To.Format("02.01.2006")}
		if t.By != "" {
			row.Slice = u.Catalog.T(loc, "quality.by."+t.By) + ": " + sliceLabel(names, u.Catalog.T(loc, "qa.channel."+t.SliceKey), t.By, t.SliceKey)
		}
		if t.DepartmentID != 0 {
			row.Department = names.Departments[t.DepartmentID]
		}
		if st.Value != nil {
			row.Status, row.Value = "met", u.targetValue(loc, t.Indicator, *st.Value)
			if st.Missed {
				row.Status = "missed"
			}
		}
		p.Targets = append(p.Targets, row)
	}
	for code := range quality.TargetIndicators {
		p.Indicators = append(p.Indicators, option{code, u.Catalog.T(loc, "quality.ind."+code)})
	}
	sort.Slice(p.Indicators, func(i, k int) bool { return p.Indicators[i].Label < p.Indicators[k].Label })
	p.Departments = p.Slices.Departments
	u.Render(w, r, status, "quality_targets", u.Catalog.T(loc, "qa.targets.title"), p)
}

func sliceLabel(names *staffNames, channelLabel, by, key string) string {
	switch by {
	case "service":
		if n := names.Services[key]; n != "" {
			return n
		}
	case "department":
		id, _ := strconv.ParseInt(key, 10, 64)
		if n := names.Departments[id]; n != "" {
			return n
		}
	case "channel":
		return channelLabel
	}
	return key
}

// targetValue formats a measured value as the dashboard does: shares in
// percent, the rest with one decimal.
func (u *UI) targetValue(loc, indicator string, v float64) string {
	if quality.ShareIndicator(indicator) {
		return percent(loc, &v)
	}
	return decimal(loc, &v, 1, 1)
}

func (u *UI) threshold(loc string, t *store.QualityTarget) string {
	s := u.targetValue(loc, t.Indicator, t.Threshold)
	if t.Direction == quality.LowerIsBetter {
		return "≤ " + s
	}
	return "≥ " + s
}

// QualityCreateTarget is POST /staff/quality/targets.
func (u *UI) QualityCreateTarget(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil || !u.parseAdminForm(w, r) {
		if err != nil {
			u.Error(w, r, err)
		}
		return
	}
	f := r.PostForm
	t := &store.QualityTarget{JurisdictionID: j.ID, Indicator: f.Get("indicator"), Direction: f.Get("direction"),
		WindowDays: formInt(f, "window_days"), DepartmentID: formID(f, "department")}
	if by, key, ok := strings.Cut(f.Get("slice"), ":"); ok {
		t.By, t.SliceKey = by, key
	}
	err = nil
	if v, perr := quality.ParseNumber(f.Get("threshold")); perr != nil {
		err = rathaus.Invalidf("threshold", "%s", u.Catalog.T(Locale(r), "qa.err.number"))
	} else {
		t.Threshold = v
		if quality.ShareIndicator(t.Indicator) {
			t.Threshold = v / 100 // the form takes percent, the target stores the share
		}
		err = quality.NewAdmin(u.Cases.DB(), u.Now).CreateTarget(r.Context(), user, t)
	}
	if err != nil {
		if form, status, ok := failed("target", err, f); ok {
			u.renderTargets(w, r, status, form)
			return
		}
		u.Error(w, r, err)
		return
	}
	SetFlash(w, "qa.flash.target.created")
	http.Redirect(w, r, "/staff/quality/targets", http.StatusSeeOther)
}

// QualityDeleteTarget is POST /staff/quality/targets/{id}/delete.
func (u *UI) QualityDeleteTarget(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil || !u.parseAdminForm(w, r) {
		if err != nil {
			u.Error(w, r, err)
		}
		return
	}
	if err := quality.NewAdmin(u.Cases.DB(), u.Now).DeleteTarget(r.Context(), user, j.ID, pathID(r)); err != nil {
		u.Error(w, r, err)
		return
	}
	SetFlash(w, "qa.flash.target.deleted")
	http.Redirect(w, r, "/staff/quality/targets", http.StatusSeeOther)
}

// manualRow is a manual indicator with its latest value.
type manualRow struct {
	*store.ManualIndicator
	TargetText string
	Latest     string // value with unit, "" without values
	Period     string
	Slice      string
	Status     string // "met", "missed" or "" (no target or no value)
	Values     int
}

type indicatorsPage struct {
	Indicators []manualRow
	Slices     sliceOptions
	Form       adminForm
	Edit       url.Values // the definition form's values
	MaxMB      int
}

// maxImportBody bounds the CSV upload (the import takes 8 MB; the rest
// is the multipart envelope).
const maxImportBody = 9 << 20

// QualityIndicators is GET /staff/quality/indicators (?edit=code fills the
// definition form with an indicator to change it).
func (u *UI) QualityIndicators(w http.ResponseWriter, r *http.Request) {
	u.renderIndicators(w, r, http.StatusOK, adminForm{}, r.URL.Query().Get("edit"))
}

// manualRows loads the manual indicators with their latest values.
func (u *UI) manualRows(r *http.Request, j *rathaus.Jurisdiction, names *staffNames) ([]manualRow, error) {
	ctx, loc := r.Context(), Locale(r)
	var list []*store.ManualIndicator
	var vals []store.ManualValue
	err := u.Cases.DB().ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		if list, err = tx.ManualIndicators(ctx, j.ID); err != nil {
			return err
		}
		vals, err = tx.JurisdictionManualValues(ctx, j.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	latest := quality.LatestValues(vals)
	counts := map[int64]int{}
	for _, v := range vals {
		counts[v.IndicatorID]++
	}
	var out []manualRow
	for _, m := range list {
		row := manualRow{ManualIndicator: m, Values: counts[m.ID], TargetText: decimalOr(loc, m.Target, "–")}
		if m.Target != nil {
			row.TargetText = map[bool]string{true: "≤ ", false: "≥ "}[m.Direction == quality.LowerIsBetter] + row.TargetText
		}
		if v, ok := latest[m.ID]; ok {
			row.Latest, row.Period = strings.TrimSpace(decimalOr(loc, &v.Value, "")+" "+m.Unit), v.Period
			row.Slice = u.Catalog.T(loc, "qa.slice.town")
			if v.SliceKey != "" {
				by := "service"
				if _, err := strconv.ParseInt(v.SliceKey, 10, 64); err == nil {
					by = "department"
				}
				row.Slice = sliceLabel(names, "", by, v.SliceKey)
			}
			if met, ok := quality.Met(m, v.Value); ok {
				row.Status = map[bool]string{true: "met", false: "missed"}[met]
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// decimalOr formats a manual figure with up to two decimals in the
// locale, or returns none for nil.
func decimalOr(loc string, p *float64, none string) string {
	if p == nil {
		return none
	}
	s := strconv.FormatFloat(*p, 'f', -1, 64)
	if loc != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func (u *UI) renderIndicators(w http.ResponseWriter, r *http.Request, status int, form adminForm, edit string) {
	j, names, ok := u.jurisdictionNames(w, r)
	if !ok {
		return
	}
	rows, err := u.manualRows(r, j, names)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	loc := Locale(r)
	p := indicatorsPage{Indicators: rows, Slices: u.sliceOptions(loc, names), Form: form, MaxMB: 8, Edit: url.Values{}}
	if form.Failed("ind") {
		p.Edit = form.Values
	} else if i := slices.IndexFunc(rows, func(m manualRow) bool { return m.Code == edit }); i >= 0 {
		m := rows[i]
		p.Edit = url.Values{"code": {m.Code}, "name": {m.Name}, "unit": {m.Unit}, "target": {decimalOr(loc, m.Target, "")}, "direction": {m.Direction}}
	}
	u.Render(w, r, status, "quality_indicators", u.Catalog.T(loc, "qa.indicators.title"), p)
}

// QualitySaveIndicator is POST /staff/quality/indicators: define or change
// an indicator (by code).
func (u *UI) QualitySaveIndicator(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil || !u.parseAdminForm(w, r) {
		if err != nil {
			u.Error(w, r, err)
		}
		return
	}
	f := r.PostForm
	m := &store.ManualIndicator{JurisdictionID: j.ID, Code: f.Get("code"), Name: f.Get("name"), Unit: f.Get("unit"), Direction: f.Get("direction")}
	if s := strings.TrimSpace(f.Get("target")); s != "" {
		v, perr := quality.ParseNumber(s)
		if perr != nil {
			err = rathaus.Invalidf("target", "%s", u.Catalog.T(Locale(r), "qa.err.number"))
		}
		m.Target = &v
	}
	if err == nil {
		err = quality.NewAdmin(u.Cases.DB(), u.Now).SaveIndicator(r.Context(), user, m)
	}
	if err != nil {
		if form, status, ok := failed("ind", err, f); ok {
			u.renderIndicators(w, r, status, form, "")
			return
		}
		u.Error(w, r, err)
		return
	}
	SetFlash(w, "qa.flash.indicator.saved")
	http.Redirect(w, r, "/staff/quality/indicators", http.StatusSeeOther)
}

// QualitySaveValue is POST /staff/quality/indicators/values: one value.
func (u *UI) QualitySaveValue(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil || !u.parseAdminForm(w, r) {
		if err != nil {
			u.Error(w, r, err)
		}
		return
	}
	f := r.PostForm
	v := store.ManualValue{IndicatorID: formID(f, "indicator"), SliceKey: f.Get("slice"), Period: f.Get("period")}
	val, perr := quality.ParseNumber(f.Get("value"))
	if perr != nil {
		err = rathaus.Invalidf("value", "%s", u.Catalog.T(Locale(r), "qa.err.number"))
	} else {
		v.Value = val
		err = quality.NewAdmin(u.Cases.DB(), u.Now).SaveValue(r.Context(), user, j.ID, v)
	}
	if err != nil {
		if form, status, ok := failed("val", err, f); ok {
			u.renderIndicators(w, r, status, form, "")
			return
		}
		u.Error(w, r, err)
		return
	}
	SetFlash(w, "qa.flash.value.saved")
	http.Redirect(w, r, "/staff/quality/indicators", http.StatusSeeOther)
}

// QualityImport is POST /staff/quality/indicators/import: a CSV file of
// definitions or values. A bad file is refused with its line and column
// and imports nothing.
func (u *UI) QualityImport(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBody)
	loc := Locale(r)
	fail := func(status int, msg string) {
		u.renderIndicators(w, r, status, adminForm{Target: "csv", Errors: map[string]string{"file": msg}}, "")
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(http.StatusRequestEntityTooLarge, u.Catalog.T(loc, "qa.err.toolarge", 8))
			return
		}
		fail(http.StatusBadRequest, u.Catalog.T(loc, "qa.err.nofile"))
		return
	}
	defer r.MultipartForm.RemoveAll()
	file, hdr, err := r.FormFile("file")
	if err != nil {
		fail(http.StatusUnprocessableEntity, u.Catalog.T(loc, "qa.err.nofile"))
		return
	}
	defer file.Close()
	res, err := quality.NewAdmin(u.Cases.DB(), u.Now).Import(r.Context(), user, j.ID, file, hdr.Filename)
	if err != nil {
		var ie *quality.ImportError
		if errors.As(err, &ie) {
			fail(http.StatusUnprocessableEntity, u.Catalog.T(loc, "qa.err.csv", ie.Line, ie.Column, ie.Msg))
			return
		}
		if e, ok := rathaus.AsError(err); ok && (e.Kind == rathaus.KindTooLarge || e.Kind == rathaus.KindInvalid) {
			fail(http.StatusUnprocessableEntity, e.Msg)
			return
		}
		u.Error(w, r, err)
		return
	}
	SetFlash(w, "qa.flash.import."+res.Kind)
	http.Redirect(w, r, "/staff/quality/indicators", http.StatusSeeOther)
}
