package quality

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Columns is the column order of every indicator table export. Columns
// are only ever added at the end, so that scripts reading by position
// keep working.
var Columns = []string{
	"key", "label", "volume", "backlog", "median_first_response_hours", "p90_first_response_hours",
	"median_resolution_hours", "p90_resolution_hours", "within_sla_share", "overdue_now", "reopen_rate",
	"duplicate_share", "forward_rate", "cost_per_case", "csat", "nps", "backlog_median_age_hours", "closed", "ratings",
}

// num formats an optional figure with fixed decimals; nil is empty.
func num(p *float64, decimals int) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', decimals, 64)
}

// Record returns a row's cells in Columns order. Hours have two decimals,
// shares four, money two.
func (r Row) Record() []string {
	return []string{
		r.Key, r.Label, strconv.FormatInt(r.Volume, 10), strconv.FormatInt(r.Backlog, 10),
		num(r.MedianFirstResponseHours, 2), num(r.P90FirstResponseHours, 2),
		num(r.MedianResolutionHours, 2), num(r.P90ResolutionHours, 2),
		num(r.WithinSLAShare, 4), strconv.FormatInt(r.OverdueNow, 10), num(r.ReopenRate, 4),
		num(r.DuplicateShare, 4), num(r.ForwardRate, 4), num(r.CostPerCase, 2), num(r.CSAT, 4), num(r.NPS, 1),
		num(r.BacklogAgeHours, 2), strconv.FormatInt(r.Closed, 10), strconv.FormatInt(r.Ratings, 10),
	}
}

// WriteCSV writes rows as CSV with a header line (comma-separated, UTF-8,
// CRLF-free), one line per slice.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return fmt.Errorf("quality: write csv: %w", err)
	}
	for _, r := range rows {
		if err := cw.Write(r.Record()); err != nil {
			return fmt.Errorf("quality: write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("quality: write csv: %w", err)
	}
	return nil
}

// WriteJSON writes rows as a JSON array of objects with the same fields
// as the CSV (plus channel_mix), nulls where a figure is undefined.
func WriteJSON(w io.Writer, rows []Row) error {
	if rows == nil {
		rows = []Row{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rows); err != nil {
		return fmt.Errorf("quality: write json: %w", err)
	}
	return nil
}

// metric is one OpenMetrics family of WriteOpenMetrics.
type metric struct {
	name, typ, help string
	value           func(Row) (float64, bool)
}

func fixed(f func(Row) int64) func(Row) (float64, bool) {
	return func(r Row) (float64, bool) { return float64(f(r)), true }
}

func opt(f func(Row) *float64) func(Row) (float64, bool) {
	return func(r Row) (float64, bool) {
		if p := f(r); p != nil {
			return *p, true
		}
		return 0, false
	}
}

var metrics = []metric{
	{"rathaus_requests_submitted", "gauge", "Requests submitted in the period.", fixed(func(r Row) int64 { return r.Volume })},
	{"rathaus_requests_backlog", "gauge", "Open requests now.", fixed(func(r Row) int64 { return r.Backlog })},
	{"rathaus_requests_overdue", "gauge", "Open requests past their resolution target now.", fixed(func(r Row) int64 { return r.OverdueNow })},
	{"rathaus_requests_closed", "gauge", "Requests finally closed in the period, duplicates excluded.", fixed(func(r Row) int64 { return r.Closed })},
	{"rathaus_first_response_median_hours", "gauge", "Median business hours to the first response.", opt(func(r Row) *float64 { return r.MedianFirstResponseHours })},
	{"rathaus_first_response_p90_hours", "gauge", "90th percentile of business hours to the first response.", opt(func(r Row) *float64 { return r.P90FirstResponseHours })},
	{"rathaus_resolution_median_hours", "gauge", "Median business hours to resolution, waiting time excluded.", opt(func(r Row) *float64 { return r.MedianResolutionHours })},
	{"rathaus_resolution_p90_hours", "gauge", "90th percentile of business hours to resolution.", opt(func(r Row) *float64 { return r.P90ResolutionHours })},
	{"rathaus_within_sla_ratio", "gauge", "Share of closed requests resolved within their target.", opt(func(r Row) *float64 { return r.WithinSLAShare })},
	{"rathaus_reopen_ratio", "gauge", "Share of closed requests that were reopened.", opt(func(r Row) *float64 { return r.ReopenRate })},
	{"rathaus_duplicate_ratio", "gauge", "Share of submitted requests merged as duplicates.", opt(func(r Row) *float64 { return r.DuplicateShare })},
	{"rathaus_forward_ratio", "gauge", "Share of submitted requests forwarded to another department.", opt(func(r Row) *float64 { return r.ForwardRate })},
	{"rathaus_csat_ratio", "gauge", "Share of survey ratings of 4 or 5.", opt(func(r Row) *float64 { return r.CSAT })},
	{"rathaus_nps", "gauge", "Net promoter score of the survey (5 = promoter, 1-3 = detractor).", opt(func(r Row) *float64 { return r.NPS })},
}

// WriteOpenMetrics writes rows in the OpenMetrics text format, one sample
// per metric and row, labelled by the slice dimension (for example
// rathaus_requests_backlog{service="pothole"} 12). by is the Slice.By the
// rows were computed with; "" gives unlabelled samples.
func WriteOpenMetrics(w io.Writer, by string, rows []Row) error {
	bw := bufio.NewWriter(w)
	rows = append([]Row(nil), rows...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Key < rows[j].Key })
	for _, m := range metrics {
		fmt.Fprintf(bw, "# TYPE %s %s\n# HELP %s %s\n", m.name, m.typ, m.name, m.help)
		for _, r := range rows {
			v, ok := m.value(r)
			if !ok {
				continue
			}
			labels := ""
			if by != "" {
				labels = "{" + by + `="` + escapeLabel(r.Key) + `"}`
			}
			fmt.Fprintf(bw, "%s%s %s\n", m.name, labels, strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	bw.WriteString("# EOF\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("quality: write openmetrics: %w", err)
	}
	return nil
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
