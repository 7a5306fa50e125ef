package ui

import (
	"strconv"
	"strings"

	"github.com/rathaus/rathaus/internal/quality"
)

// The dashboard's time series: each chart is drawn by static/quality.js
// from the JSON block in the page, and shown as a table with the same
// values for readers without JavaScript or without sight of the canvas.

// qualityIntervals are the steps a series can take (quality.Series).
var qualityIntervals = []string{"day", "week", "month"}

// chartSeries is one line of a chart. Values are the table's figures as
// numbers (null where the table says "k. A."), so the chart and the table
// cannot disagree.
type chartSeries struct {
	Label  string     `json:"label"`
	Values []*float64 `json:"values"`
	Cells  []string   `json:"-"` // the formatted values, for the table
}

// seriesChart is one chart and its table.
type seriesChart struct {
	ID     string        `json:"id"`
	Title  string        `json:"title"`
	Unit   string        `json:"unit"` // "", "h" or "%": the axis format
	Series []chartSeries `json:"series"`
}

// seriesData is what the JSON block carries.
type seriesData struct {
	Periods []string      `json:"periods"`
	Charts  []seriesChart `json:"charts"`
}

// number reads a figure formatted by decimal/percent back as a number:
// what the table shows is what the chart draws.
func number(s string) *float64 {
	s = strings.TrimSuffix(s, "\u00a0%")
	v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil {
		return nil
	}
	return &v
}

// seriesCharts turns the points of a series into the dashboard's three
// charts: incoming and closed requests, durations in business hours, and
// shares in per cent.
func (u *UI) seriesCharts(loc string, points []quality.Point) seriesData {
	t := func(key string) string { return u.Catalog.T(loc, key) }
	na := t("quality.na")
	d := seriesData{Periods: make([]string, len(points))}
	for i, p := range points {
		d.Periods[i] = p.Period
	}
	pointLine := func(key string, cell func(quality.Point) string) chartSeries {
		s := chartSeries{Label: t(key), Values: make([]*float64, len(points)), Cells: make([]string, len(points))}
		for i, p := range points {
			c := cell(p)
			if c == "" {
				c = na
			}
			s.Cells[i], s.Values[i] = c, number(c)
		}
		return s
	}
	line := func(key string, cell func(quality.Row) string) chartSeries {
		return pointLine(key, func(p quality.Point) string { return cell(p.Row) })
	}
	count := func(f func(quality.Row) int64) func(quality.Row) string {
		return func(r quality.Row) string { return strconv.FormatInt(f(r), 10) }
	}
	hours := func(f func(quality.Row) *float64) func(quality.Row) string {
		return func(r quality.Row) string { return decimal(loc, f(r), 1, 1) }
	}
	share := func(f func(quality.Row) *float64) func(quality.Row) string {
		return func(r quality.Row) string { return percent(loc, f(r)) }
	}
	d.Charts = []seriesChart{
		{ID: "volume", Title: t("quality.chart.volume"), Series: []chartSeries{
			line("quality.col.volume", count(func(r quality.Row) int64 { return r.Volume })),
			line("quality.col.closed", count(func(r quality.Row) int64 { return r.Closed })),
		}},
		{ID: "hours", Title: t("quality.chart.hours"), Unit: "h", Series: []chartSeries{
			line("quality.ind.median_first_response_hours", hours(func(r quality.Row) *float64 { return r.MedianFirstResponseHours })),
			line("quality.ind.median_resolution_hours", hours(func(r quality.Row) *float64 { return r.MedianResolutionHours })),
			line("quality.ind.p90_resolution_hours", hours(func(r quality.Row) *float64 { return r.P90ResolutionHours })),
		}},
		{ID: "shares", Title: t("quality.chart.shares"), Unit: "%", Series: []chartSeries{
			line("quality.ind.within_sla_share", share(func(r quality.Row) *float64 { return r.WithinSLAShare })),
			line("quality.ind.reopen_rate", share(func(r quality.Row) *float64 { return r.ReopenRate })),
		}},
	}
	for _, p := range points {
		if p.CSAT != nil {
			c := &d.Charts[2]
			c.Series = append(c.Series, line("quality.ind.csat", share(func(r quality.Row) *float64 { return r.CSAT })))
			break
		}
	}
	d.Charts = append(d.Charts,
		seriesChart{ID: "backlog", Title: t("quality.chart.backlog"), Series: []chartSeries{
			line("quality.col.backlog_end", count(func(r quality.Row) int64 { return r.Backlog })),
		}},
		seriesChart{ID: "backlog-age", Title: t("quality.chart.backlog_age"), Unit: "h", Series: []chartSeries{
			pointLine("quality.col.backlog_mean_age", func(p quality.Point) string { return decimal(loc, p.BacklogMeanAgeHours, 1, 1) }),
		}})
	return d
}

// chartRow is one row of a chart's table.
type chartRow struct {
	Period string
	Cells  []string
}

// Rows are the chart's table rows, one per period.
func (c seriesChart) Rows(periods []string) []chartRow {
	out := make([]chartRow, len(periods))
	for i, p := range periods {
		out[i] = chartRow{Period: p, Cells: make([]string, len(c.Series))}
		for j, s := range c.Series {
			out[i].Cells[j] = s.Cells[i]
		}
	}
	return out
}
