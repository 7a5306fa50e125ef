package bench

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/rathaus/rathaus/internal/quality"
	"github.com/rathaus/rathaus/internal/store"
)

// QualityCase is one indicator table the dashboard asks for.
type QualityCase struct {
	Name  string
	Kind  string // "overview" or "drill-down"; the targets differ
	Slice quality.Slice
	// Series, when set, asks for the weekly series of the slice as well,
	// as the drill-down page does; it has no reference.
	Series string
}

// QualityLimit is issue 4's goal for a kind of case on the benchmark data.
func QualityLimit(kind string) time.Duration {
	if kind == "overview" {
		return 100 * time.Millisecond
	}
	return 300 * time.Millisecond
}

// QualityCases returns the overview tables of the dashboard's three
// periods and drill-downs into one service, department and channel.
func QualityCases(jurisdictionID int64, today, now time.Time, service string, department int64, channel string) []QualityCase {
	slice := func(days int, by string) quality.Slice {
		return quality.Slice{JurisdictionID: jurisdictionID, From: today.AddDate(0, 0, 1-days), To: today, By: by, Now: now}
	}
	var out []QualityCase
	for _, days := range []int{30, 90, 365} {
		out = append(out, QualityCase{Name: fmt.Sprintf("overview: all services, %d days", days), Kind: "overview", Slice: slice(days, "service")})
	}
	s := slice(90, "department")
	s.ServiceCode = service
	out = append(out, QualityCase{Name: "drill-down: one service by department, 90 days, weekly series", Kind: "drill-down", Slice: s, Series: "week"})
	s = slice(365, "channel")
	s.DepartmentID = department
	out = append(out, QualityCase{Name: "drill-down: one department by channel, 365 days, weekly series", Kind: "drill-down", Slice: s, Series: "week"})
	s = slice(365, "service")
	s.Channel = channel
	out = append(out, QualityCase{Name: "drill-down: one channel by service, 365 days, daily series", Kind: "drill-down", Slice: s, Series: "day"})
	return out
}

// QualityResult is the measurement of one case: the rollups the
// dashboard reads, and the plain GROUP BY over request_facts as reference.
type QualityResult struct {
	Case             QualityCase
	Rows             int
	Rounds           int
	P50, P95, Max    time.Duration
	RefRounds        int
	RefP50, RefMax   time.Duration
	Equal            bool   // the reference gave the very same rows
	Difference       string // the first differing row, when not Equal
	SeriesPoints     int
	SeriesP50        time.Duration
	SeriesP95        time.Duration
	TotalP95         time.Duration // table and series together, as the page asks for both
	ReferenceSkipped bool
}

// MeasureQuality times rounds calls of the rollup path and refRounds of
// the reference for c, one after the other (a dashboard has one reader at
// a time), and compares their rows.
func MeasureQuality(ctx context.Context, db *store.DB, c QualityCase, rounds, refRounds int) (QualityResult, error) {
	res := QualityResult{Case: c, Rounds: rounds, RefRounds: refRounds}
	// One untimed call first: the first reader of a table after the load
	// pays for the page cache, which a dashboard in use has warm.
	if _, err := quality.Indicators(ctx, db, c.Slice); err != nil {
		return res, err
	}
	var rows []quality.Row
	var table, series, total []time.Duration
	for range rounds {
		start := time.Now()
		var err error
		if rows, err = quality.Indicators(ctx, db, c.Slice); err != nil {
			return res, err
		}
		mid := time.Now()
		if c.Series != "" {
			pts, err := quality.Series(ctx, db, c.Slice, c.Series)
			if err != nil {
				return res, err
			}
			res.SeriesPoints = len(pts)
		}
		end := time.Now()
		table, series, total = append(table, mid.Sub(start)), append(series, end.Sub(mid)), append(total, end.Sub(start))
	}
	res.Rows = len(rows)
	res.P50, res.P95, res.Max = quantile(table, 0.5), quantile(table, 0.95), slices.Max(table)
	res.SeriesP50, res.SeriesP95, res.TotalP95 = quantile(series, 0.5), quantile(series, 0.95), quantile(total, 0.95)
	if refRounds == 0 {
		res.ReferenceSkipped = true
		return res, nil
	}
	var ref []quality.Row
	var refTimes []time.Duration
	for range refRounds {
		start := time.Now()
		var err error
		if ref, err = quality.IndicatorsFromFacts(ctx, db, c.Slice); err != nil {
			return res, err
		}
		refTimes = append(refTimes, time.Since(start))
	}
	res.RefP50, res.RefMax = quantile(refTimes, 0.5), slices.Max(refTimes)
	res.Equal = reflect.DeepEqual(rows, ref)
	if !res.Equal {
		res.Difference = firstDifference(rows, ref)
	}
	return res, nil
}

// quantile is the nearest-rank quantile q of ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Sorted(slices.Values(ds))
	i := int(q*float64(len(s))+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func firstDifference(a, b []quality.Row) string {
	for i := range min(len(a), len(b)) {
		if !reflect.DeepEqual(a[i], b[i]) {
			return fmt.Sprintf("rollups %+v, reference %+v", a[i], b[i])
		}
	}
	return fmt.Sprintf("%d rows from the rollups, %d from the reference", len(a), len(b))
}

// QualityRun is the measurement on one database.
type QualityRun struct {
	Dialect string
	Seed    *Seeded
	// Rebuild is how long the projector took to derive facts and rollups
	// from all seeded events.
	Rebuild time.Duration
	// CatchUpReports more reports, with their events, were added after the
	// rebuild; CatchUp is how long the projector took to reflect them.
	CatchUpReports, CatchUpEvents int
	CatchUp                       time.Duration
	Results                       []QualityResult
	Pages                         []Result // the dashboard pages through the real handler
}

// QualityReport is one run of `rathaus bench quality`.
type QualityReport struct {
	Machine Machine
	Date    time.Time
	Reports int
	Command string
	Load    string // the load average when the run began
	Runs    []QualityRun
}

// Quality markers delimit the section of docs/benchmarks.md.
const (
	QualityBeginMarker = "<!-- quality:begin -->"
	QualityEndMarker   = "<!-- quality:end -->"
)

// Markdown renders r as the quality section of docs/benchmarks.md.
func (r QualityReport) Markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("`%s`\n\n", r.Command)
	p("- Date: %s; load average at the start: %s\n", r.Date.UTC().Format("2006-01-02 15:04 MST"), r.Load)
	p("- Machine: %d CPUs, %s, %s, %s\n", r.Machine.CPUs, r.Machine.CPUModel, r.Machine.OS, r.Machine.GoVersion)
	p("- Data: %s reports of the demo town over one year (about 70 %% closed), as `rathaus bench open311` seeds them\n", thousands(r.Reports))
	p("- Measured: `quality.Indicators` (rollups: day and month rows of sums and of sorted value lists, `quality_daily*` and `quality_monthly*`) against `quality.IndicatorsFromFacts` (plain GROUP BY over `request_facts`, one row per request) in the same run, one caller at a time; then the dashboard pages through the real handler\n\n")
	for _, run := range r.Runs {
		p("### %s\n\n", run.Dialect)
		if run.Seed != nil {
			p("Seeded %s reports and %s events in %s; the projector built facts and rollups from all events in %s. ",
				thousands(run.Seed.Requests), thousands(run.Seed.Events), run.Seed.Duration.Round(100*time.Millisecond), run.Rebuild.Round(100*time.Millisecond))
		}
		if run.CatchUpReports > 0 {
			p("A day's worth more (%s reports, %s events) was reflected in %s.", thousands(run.CatchUpReports), thousands(run.CatchUpEvents),
				run.CatchUp.Round(time.Millisecond))
		}
		p("\n\n")
		p("| case | rows | rollups p50 ms | rollups p95 ms | series p95 ms | table + series p95 ms | GROUP BY p50 ms | speed-up | same figures | target | met? |\n")
		p("|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|\n")
		for _, res := range run.Results {
			limit := QualityLimit(res.Case.Kind)
			ref, speedup, same := "–", "–", "–"
			if !res.ReferenceSkipped {
				ref = fmt.Sprintf("%.1f", ms(res.RefP50))
				speedup = fmt.Sprintf("%.0f×", float64(res.RefP50)/float64(max(res.P50, time.Microsecond)))
				same = "yes"
				if !res.Equal {
					same = "**no**"
				}
			}
			seriesP95 := "–"
			if res.Case.Series != "" {
				seriesP95 = fmt.Sprintf("%.1f", ms(res.SeriesP95))
			}
			verdict := "yes"
			if res.TotalP95 >= limit || (!res.ReferenceSkipped && !res.Equal) {
				verdict = "**no**"
			}
			p("| %s | %d | %.1f | %.1f | %s | %.1f | %s | %s | %s | p95 < %d ms | %s |\n", res.Case.Name, res.Rows, ms(res.P50), ms(res.P95),
				seriesP95, ms(res.TotalP95), ref, speedup, same, limit.Milliseconds(), verdict)
		}
		p("\n")
		for _, res := range run.Results {
			if !res.ReferenceSkipped && !res.Equal {
				p("Difference in %s: %s\n\n", res.Case.Name, truncate(res.Difference, 400))
			}
		}
		if len(run.Pages) > 0 {
			p("| page | requests | p50 ms | p95 ms | p99 ms | target | met? |\n|---|---:|---:|---:|---:|---|---|\n")
			for _, pg := range run.Pages {
				limit := 300.0
				if strings.Contains(pg.Name, "overview") {
					limit = 100
				}
				verdict := "yes"
				if pg.Errors > 0 || pg.Requests == 0 || ms(pg.P95) >= limit {
					verdict = "**no**"
				}
				p("| %s | %s | %.1f | %.1f | %.1f | p95 < %g ms | %s |\n", pg.Name, thousands(pg.Requests), ms(pg.P50), ms(pg.P95), ms(pg.P99),
					limit, verdict)
			}
			p("\n")
			for _, pg := range run.Pages {
				if pg.FirstError != "" {
					p("First error of %s: `%s`\n\n", pg.Name, strings.ReplaceAll(truncate(pg.FirstError, 300), "`", "'"))
				}
			}
		}
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}
