package ui

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/quality"
)

// transparencyPage is the public report of the published indicators.
type transparencyPage struct {
	From, To string // the period, local dates as 02.01.2006
	Services []qualityFigures
	Months   []qualityFigures // Label is the month, "2026-03"
	HasCSAT  bool
}

// transparencyPeriod is the last twelve calendar months, the current one
// included: whole months, so that the service table and the month series
// cover the same requests.
func (u *UI) transparencyPeriod() (from, to time.Time) {
	to = u.today()
	from = time.Date(to.Year(), to.Month(), 1, 12, 0, 0, 0, time.UTC).AddDate(0, -11, 0)
	return from, to
}

// publicRows returns the indicators per service for the period, only for
// services open to the public: internal services are not published.
func (u *UI) publicRows(ctx context.Context, j *rathaus.Jurisdiction, s quality.Slice) ([]quality.Row, error) {
	rows, err := quality.Indicators(ctx, u.Cases.DB(), s)
	if err != nil {
		return nil, err
	}
	svcs, err := u.Cases.Services(ctx, j)
	if err != nil {
		return nil, err
	}
	public := map[string]bool{}
	for _, sv := range svcs {
		public[sv.Code] = sv.Audience == "public"
	}
	out := rows[:0]
	for _, r := range rows {
		if public[r.Key] {
			out = append(out, r)
		}
	}
	return out, nil
}

// Transparency is GET /transparenz: the published indicators per service
// for the last twelve months and a month series for the whole town. Only
// aggregates are shown; no request, name or address.
func (u *UI) Transparency(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	j, err := u.jurisdiction(ctx)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	from, to := u.transparencyPeriod()
	now := u.Now()
	rows, err := u.publicRows(ctx, j, quality.Slice{JurisdictionID: j.ID, From: from, To: to, By: "service", Now: now})
	if err != nil {
		u.Error(w, r, err)
		return
	}
	points, err := quality.Series(ctx, u.Cases.DB(), quality.Slice{JurisdictionID: j.ID, From: from, To: to, Now: now}, "month")
	if err != nil {
		u.Error(w, r, err)
		return
	}
	// Citizens look for a service by name, not by its code.
	slices.SortStableFunc(rows, func(a, b quality.Row) int { return strings.Compare(a.Label, b.Label) })
	loc := Locale(r)
	p := transparencyPage{From: from.Format("02.01.2006"), To: to.Format("02.01.2006")}
	for _, row := range rows {
		f := u.figures(loc, row)
		p.HasCSAT = p.HasCSAT || f.HasCSAT
		p.Services = append(p.Services, f)
	}
	for _, pt := range points {
		f := u.figures(loc, pt.Row)
		p.HasCSAT = p.HasCSAT || f.HasCSAT
		p.Months = append(p.Months, f)
	}
	u.Render(w, r, http.StatusOK, "transparency", u.Catalog.T(loc, "quality.transparency.title"), p)
}

// TransparencyData is GET /transparenz/daten.csv and /transparenz/daten.json:
// the service table of /transparenz as a download.
func (u *UI) TransparencyData(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		j, err := u.jurisdiction(ctx)
		if err != nil {
			u.Error(w, r, err)
			return
		}
		from, to := u.transparencyPeriod()
		rows, err := u.publicRows(ctx, j, quality.Slice{JurisdictionID: j.ID, From: from, To: to, By: "service", Now: u.Now()})
		if err != nil {
			u.Error(w, r, err)
			return
		}
		u.writeRows(w, r, format, "transparenz-"+from.Format(time.DateOnly)+"-"+to.Format(time.DateOnly), rows)
	}
}
