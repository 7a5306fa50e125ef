package ui

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/quality"
)

// qualityPeriods are the periods the dashboard offers, in days.
var qualityPeriods = []int{30, 90, 365}

// qualityBys are the splits the dashboard offers (quality.Slice.By).
var qualityBys = []string{"service", "department", "channel"}

// shareIndicators are the target indicators that are shares (0..1) and
// shown as percentages.
var shareIndicators = map[string]bool{"within_sla_share": true, "reopen_rate": true, "duplicate_share": true, "forward_rate": true, "csat": true}

// QualityQuery is the dashboard's GET filter: the period, the split and
// an optional drill-down to one slice.
type QualityQuery struct {
	Period int    // days, one of qualityPeriods
	By     string // one of qualityBys
	// Interval is the step of the charts, one of qualityIntervals; ""
	// picks one that suits the period (see Step).
	Interval string
	// Drill-down: at most one is set (the one matching By when it came
	// from a row link).
	Service    string
	Department int64
	Channel    string
}

// parseQualityQuery reads the filter; unknown values fall back to the
// defaults (30 days per service), since a filter form has no wrong answer.
func parseQualityQuery(q url.Values) QualityQuery {
	f := QualityQuery{Period: 30, By: "service"}
	if p, err := strconv.Atoi(q.Get("period")); err == nil && slices.Contains(qualityPeriods, p) {
		f.Period = p
	}
	if b := q.Get("by"); slices.Contains(qualityBys, b) {
		f.By = b
	}
	if i := q.Get("interval"); slices.Contains(qualityIntervals, i) {
		f.Interval = i
	}
	f.Service = strings.TrimSpace(q.Get("service"))
	f.Department, _ = strconv.ParseInt(q.Get("department"), 10, 64)
	f.Channel = strings.TrimSpace(q.Get("channel"))
	return f
}

// Step is the interval the charts use: the chosen one, or about 30 to
// 50 points for the period (days of a month, weeks of a quarter, months
// of a year).
func (f QualityQuery) Step() string {
	switch {
	case f.Interval != "":
		return f.Interval
	case f.Period <= 31:
		return "day"
	case f.Period <= 120:
		return "week"
	}
	return "month"
}

// Drilled reports whether the query narrows to one slice.
func (f QualityQuery) Drilled() bool { return f.Service != "" || f.Department != 0 || f.Channel != "" }

// Values encodes the query for links.
func (f QualityQuery) Values() url.Values {
	v := url.Values{"period": {strconv.Itoa(f.Period)}, "by": {f.By}}
	if f.Interval != "" {
		v.Set("interval", f.Interval)
	}
	if f.Service != "" {
		v.Set("service", f.Service)
	}
	if f.Department != 0 {
		v.Set("department", strconv.FormatInt(f.Department, 10))
	}
	if f.Channel != "" {
		v.Set("channel", f.Channel)
	}
	return v
}

// DrillURL is the dashboard narrowed to the slice key of the current split.
func (f QualityQuery) DrillURL(key string) string {
	g := QualityQuery{Period: f.Period, By: f.By, Interval: f.Interval}
	switch f.By {
	case "service":
		g.Service = key
	case "department":
		g.Department, _ = strconv.ParseInt(key, 10, 64)
		if g.Department == 0 {
			return "" // requests without a department cannot be narrowed to
		}
	case "channel":
		g.Channel = key
	}
	return "/staff/quality?" + g.Values().Encode()
}

// ExportURL is the download of the current table in format.
func (f QualityQuery) ExportURL(format string) string {
	return "/staff/quality." + format + "?" + f.Values().Encode()
}

// slice is the quality.Slice of the query for the period ending today.
func (f QualityQuery) slice(jurisdictionID int64, today, now time.Time) quality.Slice {
	return quality.Slice{JurisdictionID: jurisdictionID, From: today.AddDate(0, 0, 1-f.Period), To: today, By: f.By, Now: now,
		ServiceCode: f.Service, DepartmentID: f.Department, Channel: f.Channel}
}

// targetBadge is how one target fares in its last complete window.
type targetBadge struct {
	Missed    bool
	Indicator string // translated name
	Value     string
	Threshold string // with the direction, e.g. "≥ 80,0 %"
	From, To  string
}

type dashboardRow struct {
	qualityFigures
	DrillURL string
	Badges   []targetBadge
}

// qualityDashboard is the view model of /staff/quality.
type qualityDashboard struct {
	Q         QualityQuery
	Periods   []int
	Bys       []string
	Intervals []string
	From, To  string
	Rows      []dashboardRow
	Town      []targetBadge // targets for the whole town
	Slice     string        // label of the drill-down slice, if any
	HasCSAT   bool
	Series    seriesData // the charts of the slice (the whole town without a drill-down)
	Heat      heatView
	Overdue   overdueList // drill-down only
	Manual    []manualRow // manual indicators with their latest values (no drill-down)
	// Questions are the answers per survey question of a drilled service;
	// FeedbackURL lists the free texts of a drilled department.
	Questions   []questionView
	FeedbackURL string
}

// QualityDashboard is GET /staff/quality (lead and up): every slice at a
// glance with its figures and target badges, the time series as charts
// and tables, and the heat map of reports; a drill-down narrows all of it
// to one slice and adds the list of its overdue requests.
func (u *UI) QualityDashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	j, err := u.jurisdiction(ctx)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	q := parseQualityQuery(r.URL.Query())
	s := q.slice(j.ID, u.today(), u.Now())
	// One page reads the catalogue once, and the table and the charts
	// from one read of the rollups.
	page, err := quality.NewPage(ctx, u.Cases.DB(), j.ID)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	// The heat map reads other rollups than the table: it is read
	// meanwhile (a page waits for the slower of the two, not their sum).
	type heatResult struct {
		heat *quality.Heat
		err  error
	}
	heatDone := make(chan heatResult, 1) // buffered: an early return leaves no goroutine behind
	go func() {
		h, err := page.HeatMap(ctx, s, quality.HeatOptions{Streets: heatTableRows})
		heatDone <- heatResult{h, err}
	}()
	rows, points, err := page.TableAndSeries(ctx, s, q.Step())
	if err != nil {
		u.Error(w, r, err)
		return
	}
	loc := Locale(r)
	badges, err := u.targetBadges(ctx, page, loc)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	d := qualityDashboard{Q: q, Periods: qualityPeriods, Bys: qualityBys, Intervals: qualityIntervals,
		From: s.From.Format("02.01.2006"), To: s.To.Format("02.01.2006"), Town: badges[""]}
	for _, row := range rows {
		f := u.figures(loc, row)
		d.HasCSAT = d.HasCSAT || f.HasCSAT
		d.Rows = append(d.Rows, dashboardRow{qualityFigures: f, DrillURL: q.DrillURL(row.Key), Badges: badges[q.By+":"+row.Key]})
	}
	d.Series = u.seriesCharts(loc, points)
	heat := <-heatDone
	if heat.err != nil {
		u.Error(w, r, heat.err)
		return
	}
	d.Heat = heatViewOf(heat.heat)
	if q.Drilled() {
		if len(rows) == 1 {
			d.Slice = rows[0].Label
		} else if d.Slice, err = u.sliceName(ctx, j, q); err != nil {
			u.Error(w, r, err)
			return
		}
		if d.Overdue, err = u.overdueList(ctx, j, loc, q); err != nil {
			u.Error(w, r, err)
			return
		}
		if err := u.surveyDrill(r, j, s, &d); err != nil {
			u.Error(w, r, err)
			return
		}
	} else if err := u.manualDrill(r, j, &d); err != nil {
		u.Error(w, r, err)
		return
	}
	u.Render(w, r, http.StatusOK, "quality_dashboard", u.Catalog.T(loc, "quality.dashboard.title"), d)
}

// sliceName names a drill-down slice that has no row in the period (no
// request yet), from the catalogue rather than the indicators.
func (u *UI) sliceName(ctx context.Context, j *rathaus.Jurisdiction, q QualityQuery) (string, error) {
	names, err := u.names(ctx, j)
	if err != nil {
		return "", err
	}
	switch {
	case q.Service != "" && names.Services[q.Service] != "":
		return names.Services[q.Service], nil
	case q.Department != 0 && names.Departments[q.Department] != "":
		return names.Departments[q.Department], nil
	}
	return q.Service + q.Channel, nil
}

// targetBadges evaluates the jurisdiction's targets and files the badges
// under "by:key" ("" for whole-town targets). Evaluate also enqueues the
// alert mail of a missed target, deduplicated per window, exactly as the
// hourly run in serve does, so opening the page mails nobody twice.
func (u *UI) targetBadges(ctx context.Context, page *quality.Page, loc string) (map[string][]targetBadge, error) {
	a := quality.NewAlerts(u.Cases.DB(), u.Now, u.Log)
	a.BaseURL = u.BaseURL
	sts, err := a.EvaluatePage(ctx, page)
	if err != nil {
		return nil, err
	}
	out := map[string][]targetBadge{}
	for _, st := range sts {
		if st.Value == nil {
			continue // nothing measured in the window: no verdict
		}
		t := st.Target
		val, thr := decimal(loc, st.Value, 1, 1), decimal(loc, &t.Threshold, 1, 1)
		if shareIndicators[t.Indicator] {
			val, thr = percent(loc, st.Value), percent(loc, &t.Threshold)
		}
		if t.Direction == quality.LowerIsBetter {
			thr = "≤ " + thr
		} else {
			thr = "≥ " + thr
		}
		key := ""
		if t.By != "" {
			key = t.By + ":" + t.SliceKey
		}
		out[key] = append(out[key], targetBadge{Missed: st.Missed, Indicator: u.Catalog.T(loc, "quality.ind."+t.Indicator), Value: val,
			Threshold: thr, From: st.From.Format("02.01.2006"), To: st.To.Format("02.01.2006")})
	}
	return out, nil
}

// QualityExport is GET /staff/quality.csv and /staff/quality.json: the
// dashboard's current table as a download.
func (u *UI) QualityExport(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		j, err := u.jurisdiction(ctx)
		if err != nil {
			u.Error(w, r, err)
			return
		}
		q := parseQualityQuery(r.URL.Query())
		s := q.slice(j.ID, u.today(), u.Now())
		rows, err := quality.Indicators(ctx, u.Cases.DB(), s)
		if err != nil {
			u.Error(w, r, err)
			return
		}
		u.writeRows(w, r, format, "qualitaet-"+q.By+"-"+s.From.Format(time.DateOnly)+"-"+s.To.Format(time.DateOnly), rows)
	}
}
