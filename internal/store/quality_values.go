package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// sliceDay identifies a quality_daily_values row within a jurisdiction.
type sliceDay struct {
	day          int
	serviceCode  string
	departmentID int64
	channel      string
}

// dayValues is what one quality_daily_values row holds, before encoding.
type dayValues struct {
	response, resolution, openSubmitted, openDue []int64
	cells                                        map[int64]int64 // requests with a location, per geo.Cell
}

// recomputeDailyValues rebuilds the value lists and the backlog of the given days (in is
// their placeholder list, args the jurisdiction and the days) from
// request_facts. It reads the facts in Go rather than in SQL because the
// lists are encoded here, and a day is a few thousand facts at most.
func (tx *Tx) recomputeDailyValues(ctx context.Context, jurisdictionID int64, in string, args []any) error {
	for _, table := range []string{"quality_daily_values", "quality_daily_backlog", "quality_daily_cells"} {
		if _, err := tx.exec(ctx, `DELETE FROM `+table+` WHERE jurisdiction_id = $1 AND day IN (`+in+`)`, args...); err != nil {
			return fmt.Errorf("store: clear %s: %w", table, err)
		}
	}
	rowsOf := map[sliceDay]*dayValues{}
	get := func(k sliceDay) *dayValues {
		v := rowsOf[k]
		if v == nil {
			v = &dayValues{}
			rowsOf[k] = v
		}
		return v
	}
	rows, err := tx.query(ctx, `SELECT f.submitted_day, f.service_code, f.department_id, f.channel, f.first_response_secs,
		f.open, f.submitted_at, f.due_at, r.cell FROM request_facts f JOIN requests r ON r.id = f.request_id
		WHERE f.jurisdiction_id = $1 AND f.submitted_day IN (`+in+`)`, args...)
	if err != nil {
		return fmt.Errorf("store: daily values: %w", err)
	}
	for rows.Next() {
		var k sliceDay
		var resp, sub, due, cell int64
		var open int
		if err := rows.Scan(&k.day, &k.serviceCode, &k.departmentID, &k.channel, &resp, &open, &sub, &due, &cell); err != nil {
			rows.Close()
			return fmt.Errorf("store: daily values: %w", err)
		}
		v := get(k)
		if cell > 0 {
			if v.cells == nil {
				v.cells = map[int64]int64{}
			}
			v.cells[cell]++
		}
		if resp >= 0 {
			v.response = append(v.response, resp)
		}
		if open == 1 {
			v.openSubmitted = append(v.openSubmitted, sub)
			if due != 0 {
				v.openDue = append(v.openDue, due)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: daily values: %w", err)
	}
	rows, err = tx.query(ctx, `SELECT closed_day, service_code, department_id, channel, resolution_secs FROM request_facts
		WHERE jurisdiction_id = $1 AND closed_day IN (`+in+`) AND duplicate = 0`, args...)
	if err != nil {
		return fmt.Errorf("store: daily values: %w", err)
	}
	for rows.Next() {
		var k sliceDay
		var res int64
		if err := rows.Scan(&k.day, &k.serviceCode, &k.departmentID, &k.channel, &res); err != nil {
			rows.Close()
			return fmt.Errorf("store: daily values: %w", err)
		}
		v := get(k)
		v.resolution = append(v.resolution, res)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: daily values: %w", err)
	}

	values := newBulkWriter(tx, "quality_daily_values",
		"jurisdiction_id, day, service_code, department_id, channel, response_secs, resolution_secs", 7)
	backlog := newBulkWriter(tx, "quality_daily_backlog",
		"jurisdiction_id, day, service_code, department_id, channel, open_count, open_submitted, open_due", 8)
	cells := newBulkWriter(tx, "quality_daily_cells", "jurisdiction_id, day, service_code, department_id, channel, cells", 6)
	for k, v := range rowsOf {
		if len(v.cells) > 0 {
			if err := cells.add(ctx, jurisdictionID, k.day, k.serviceCode, k.departmentID, k.channel, encodeCounts(v.cells)); err != nil {
				return err
			}
		}
		if len(v.response)+len(v.resolution) > 0 {
			if err := values.add(ctx, jurisdictionID, k.day, k.serviceCode, k.departmentID, k.channel,
				encodeValues(v.response), encodeValues(v.resolution)); err != nil {
				return err
			}
		}
		if len(v.openSubmitted) > 0 {
			if err := backlog.add(ctx, jurisdictionID, k.day, k.serviceCode, k.departmentID, k.channel,
				len(v.openSubmitted), encodeValues(v.openSubmitted), encodeValues(v.openDue)); err != nil {
				return err
			}
		}
	}
	if err := values.flush(ctx); err != nil {
		return err
	}
	if err := cells.flush(ctx); err != nil {
		return err
	}
	return backlog.flush(ctx)
}

// bulkWriter inserts rows into one table, bulkRows at a time.
type bulkWriter struct {
	tx          *Tx
	table, cols string
	ncols       int
	args        []any
}

func newBulkWriter(tx *Tx, table, cols string, ncols int) *bulkWriter {
	return &bulkWriter{tx: tx, table: table, cols: cols, ncols: ncols}
}

// add queues one row of w.ncols values, writing a full batch.
func (w *bulkWriter) add(ctx context.Context, row ...any) error {
	w.args = append(w.args, row...)
	if len(w.args) >= bulkRows*w.ncols {
		return w.flush(ctx)
	}
	return nil
}

// flush writes the queued rows.
func (w *bulkWriter) flush(ctx context.Context) error {
	if len(w.args) == 0 {
		return nil
	}
	q := insertValues(w.table, w.cols, w.ncols, len(w.args)/w.ncols, w.tx.dialect)
	if _, err := w.tx.exec(ctx, q, w.args...); err != nil {
		return fmt.Errorf("store: write %s: %w", w.table, err)
	}
	w.args = w.args[:0]
	return nil
}

// DurationRuns returns, per key of f.GroupBy, every first response time
// (metric "first_response": requests submitted in the filter's days that
// had one) or resolution time ("resolution": requests finally closed in
// those days, duplicates excluded) in business seconds, as sorted runs:
// one ascending list per rollup row read, never empty. It reads the
// per-day and per-month lists, not the facts.
func (tx *Tx) DurationRuns(ctx context.Context, f QualityFilter, metric string) (map[string][][]int64, error) {
	var col string
	switch metric {
	case "first_response":
		col = "response_secs"
	case "resolution":
		col = "resolution_secs"
	default:
		return nil, fmt.Errorf("store: unknown duration metric %q", metric)
	}
	key, err := f.keyExpr("day")
	if err != nil {
		return nil, err
	}
	var args []any
	var parts []string
	for _, sp := range f.spans() {
		parts = append(parts, `SELECT `+key+`, `+col+` FROM `+sp.prefix+`_values WHERE `+f.whereDays("day", sp.from, sp.to, &args))
	}
	rows, err := tx.query(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return nil, fmt.Errorf("store: duration values %s: %w", metric, err)
	}
	defer rows.Close()
	out := map[string][][]int64{}
	var b sql.RawBytes // decoded or looked up before the next row, never kept
	var arena []int64
	for rows.Next() {
		var k string
		if err := rows.Scan(&k, &b); err != nil {
			return nil, fmt.Errorf("store: duration values %s: %w", metric, err)
		}
		var run []int64
		if arena, run, err = tx.lists.decode(arena, b); err != nil {
			return nil, fmt.Errorf("store: duration values %s of %s: %w", metric, k, err)
		}
		if len(run) > 0 {
			out[k] = append(out[k], run)
		}
	}
	return out, rows.Err()
}

// BacklogValues are the open requests of one key: when each was
// submitted, and when the targets of those whose clock runs run out
// (instants in microseconds since 1970), as sorted runs: ascending lists,
// none empty.
type BacklogValues struct {
	Submitted, Due [][]int64
}

// Backlog returns the open requests matching f, per key of f.GroupBy (the
// filter's days are ignored: the backlog is always the backlog of now).
func (tx *Tx) Backlog(ctx context.Context, f QualityFilter) (map[string]*BacklogValues, error) {
	var args []any
	where := f.where("", &args)
	key, err := f.keyExpr("")
	if err != nil {
		return nil, err
	}
	// Every month of the past is whole: the month rows hold all of it.
	rows, err := tx.query(ctx, `SELECT `+key+`, open_submitted, open_due FROM quality_monthly_backlog WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: backlog: %w", err)
	}
	defer rows.Close()
	out := map[string]*BacklogValues{}
	var sub, due sql.RawBytes // decoded or looked up before the next row, never kept
	var arena []int64
	for rows.Next() {
		var k string
		if err := rows.Scan(&k, &sub, &due); err != nil {
			return nil, fmt.Errorf("store: backlog: %w", err)
		}
		v := out[k]
		if v == nil {
			v = &BacklogValues{}
			out[k] = v
		}
		var sr, dr []int64
		if arena, sr, err = tx.lists.decode(arena, sub); err == nil {
			arena, dr, err = tx.lists.decode(arena, due)
		}
		if err != nil {
			return nil, fmt.Errorf("store: backlog of %s: %w", k, err)
		}
		if len(sr) > 0 {
			v.Submitted = append(v.Submitted, sr)
		}
		if len(dr) > 0 {
			v.Due = append(v.Due, dr)
		}
	}
	return out, rows.Err()
}

// FactTotals sums request_facts directly over the filter's days, per key
// and channel, as DailyTotals sums the rollup: the reference that the
// rollup must equal (tests and `rathaus bench quality` compare them).
func (tx *Tx) FactTotals(ctx context.Context, f QualityFilter) ([]DailySums, error) {
	// One argument list: the second half's placeholders continue the
	// numbering of the first.
	var args []any
	subWhere := f.where("submitted_day", &args)
	closedWhere := f.where("closed_day", &args)
	subKey, err := f.keyExpr("submitted_day")
	if err != nil {
		return nil, err
	}
	closedKey, _ := f.keyExpr("closed_day")
	q := `SELECT k, channel, SUM(volume), SUM(duplicates), SUM(forwarded), SUM(responded), SUM(response_secs), SUM(closed),
		SUM(resolution_secs), SUM(sla_closed), SUM(within_sla), SUM(reopened), SUM(ratings), SUM(rating_sum), SUM(satisfied),
		SUM(promoters), SUM(detractors), SUM(submitted_secs), SUM(closed_submitted_secs)
	FROM (
		SELECT ` + subKey + ` AS k, channel, COUNT(*) AS volume, SUM(duplicate) AS duplicates, SUM(forwarded) AS forwarded,
			SUM(CASE WHEN first_response_secs >= 0 THEN 1 ELSE 0 END) AS responded,
			SUM(CASE WHEN first_response_secs >= 0 THEN first_response_secs ELSE 0 END) AS response_secs,
			0 AS closed, 0 AS resolution_secs, 0 AS sla_closed, 0 AS within_sla, 0 AS reopened,
			0 AS ratings, 0 AS rating_sum, 0 AS satisfied, 0 AS promoters, 0 AS detractors,
			SUM(CASE WHEN duplicate = 0 THEN submitted_at / 1000000 ELSE 0 END) AS submitted_secs, 0 AS closed_submitted_secs
		FROM request_facts WHERE ` + subWhere + ` GROUP BY ` + subKey + `, channel
		UNION ALL
		SELECT ` + closedKey + `, channel, 0, 0, 0, 0, 0, SUM(1 - duplicate),
			SUM(CASE WHEN duplicate = 0 THEN resolution_secs ELSE 0 END),
			SUM(CASE WHEN duplicate = 0 AND sla_secs > 0 THEN 1 ELSE 0 END),
			SUM(CASE WHEN duplicate = 0 AND sla_secs > 0 THEN within_sla ELSE 0 END),
			SUM(CASE WHEN duplicate = 0 THEN reopened ELSE 0 END),
			SUM(CASE WHEN rating > 0 THEN 1 ELSE 0 END), SUM(rating),
			SUM(CASE WHEN rating >= 4 THEN 1 ELSE 0 END),
			SUM(CASE WHEN rating = 5 THEN 1 ELSE 0 END),
			SUM(CASE WHEN rating BETWEEN 1 AND 3 THEN 1 ELSE 0 END),
			0, SUM(CASE WHEN duplicate = 0 THEN submitted_at / 1000000 ELSE 0 END)
		FROM request_facts WHERE ` + closedWhere + ` GROUP BY ` + closedKey + `, channel
	) AS contributions
	GROUP BY k, channel ORDER BY 1, 2`
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: fact totals: %w", err)
	}
	defer rows.Close()
	var out []DailySums
	for rows.Next() {
		var s DailySums
		if err := rows.Scan(&s.Key, &s.Channel, &s.Volume, &s.Duplicates, &s.Forwarded, &s.Responded, &s.ResponseSecs,
			&s.Closed, &s.ResolutionSecs, &s.SLAClosed, &s.WithinSLA, &s.Reopened, &s.Ratings, &s.RatingSum, &s.Satisfied,
			&s.Promoters, &s.Detractors, &s.SubmittedSecs, &s.ClosedSubmittedSecs); err != nil {
			return nil, fmt.Errorf("store: fact totals: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// span is a run of days read from one level of the rollup: prefix is
// "quality_daily" or "quality_monthly" (whose day is the first of the
// month), from and to are inclusive YYYYMMDD.
type span struct {
	prefix   string
	from, to int
}

// spans splits the filter's days into the whole months inside them, read
// from the month tables, and the days before and after, read from the day
// tables. Rows keyed by day need the day tables throughout, unless the
// caller allows month rows.
func (f QualityFilter) spans() []span {
	daily := span{"quality_daily", f.FromDay, f.ToDay}
	if strings.HasPrefix(f.GroupBy, "day") && !f.MonthRows {
		return []span{daily}
	}
	from, to := dateOf(f.FromDay), dateOf(f.ToDay)
	first := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	if from.Day() != 1 {
		first = first.AddDate(0, 1, 0)
	}
	// after is the first day after the last whole month.
	after := time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, time.UTC)
	if to.AddDate(0, 0, 1).Day() == 1 {
		after = after.AddDate(0, 1, 0)
	}
	if !first.Before(after) {
		return []span{daily}
	}
	out := []span{{"quality_monthly", dayOf(first), dayOf(after.AddDate(0, -1, 0))}}
	if first.After(from) {
		out = append(out, span{"quality_daily", f.FromDay, dayOf(first.AddDate(0, 0, -1))})
	}
	if !after.After(to) {
		out = append(out, span{"quality_daily", dayOf(after), f.ToDay})
	}
	return out
}

func dateOf(day int) time.Time {
	return time.Date(day/10000, time.Month(day/100%100), day%100, 0, 0, 0, 0, time.UTC)
}

func dayOf(t time.Time) int { return t.Year()*10000 + int(t.Month())*100 + t.Day() }

// monthOf is the month row's day of a day: the first of its month.
func monthOf(day int) int { return day/100*100 + 1 }

// recomputeMonths rebuilds the month rows of the months of days from
// their day rows: sums for quality_monthly, merged lists for the values
// and the backlog.
func (tx *Tx) recomputeMonths(ctx context.Context, jurisdictionID int64, days []int) error {
	seen := map[int]bool{}
	var months []int
	for _, d := range days {
		if m := monthOf(d); !seen[m] {
			seen[m] = true
			months = append(months, m)
		}
	}
	for _, m := range months {
		args := []any{jurisdictionID, m, m + 30}
		for _, table := range []string{"quality_monthly", "quality_monthly_values", "quality_monthly_backlog", "quality_monthly_cells"} {
			if _, err := tx.exec(ctx, `DELETE FROM `+table+` WHERE jurisdiction_id = $1 AND day = $2`, jurisdictionID, m); err != nil {
				return fmt.Errorf("store: clear %s: %w", table, err)
			}
		}
		const sums = `SUM(volume), SUM(duplicates), SUM(forwarded), SUM(responded), SUM(response_secs), SUM(closed),
			SUM(resolution_secs), SUM(sla_closed), SUM(within_sla), SUM(reopened), SUM(ratings), SUM(rating_sum), SUM(satisfied),
			SUM(promoters), SUM(detractors), SUM(submitted_secs), SUM(closed_submitted_secs)`
		if _, err := tx.exec(ctx, `INSERT INTO quality_monthly (jurisdiction_id, day, service_code, department_id, channel, volume,
			duplicates, forwarded, responded, response_secs, closed, resolution_secs, sla_closed, within_sla, reopened, ratings,
			rating_sum, satisfied, promoters, detractors, submitted_secs, closed_submitted_secs)
			SELECT jurisdiction_id, $2, service_code, department_id, channel, `+sums+` FROM quality_daily
			WHERE jurisdiction_id = $1 AND day BETWEEN $2 AND $3
			GROUP BY jurisdiction_id, service_code, department_id, channel`, args...); err != nil {
			return fmt.Errorf("store: recompute month %d: %w", m, err)
		}
		if err := tx.mergeMonthLists(ctx, m, args, "quality_daily_values", "quality_monthly_values",
			"response_secs, resolution_secs", false); err != nil {
			return err
		}
		if err := tx.mergeMonthLists(ctx, m, args, "quality_daily_backlog", "quality_monthly_backlog",
			"open_submitted, open_due", true); err != nil {
			return err
		}
		if err := tx.mergeMonthCells(ctx, m, args); err != nil {
			return err
		}
	}
	return nil
}

// mergeMonthLists writes to dst one row per slice of month m holding the
// merged two value lists (cols) of the day rows in src; withCount also
// writes open_count, the length of the first list.
func (tx *Tx) mergeMonthLists(ctx context.Context, m int, args []any, src, dst, cols string, withCount bool) error {
	type slice struct {
		serviceCode  string
		departmentID int64
		channel      string
	}
	merged := map[slice]*[2][]int64{}
	rows, err := tx.query(ctx, `SELECT service_code, department_id, channel, `+cols+` FROM `+src+`
		WHERE jurisdiction_id = $1 AND day BETWEEN $2 AND $3`, args...)
	if err != nil {
		return fmt.Errorf("store: merge %s of month %d: %w", src, m, err)
	}
	var a, b []byte
	for rows.Next() {
		var k slice
		if err := rows.Scan(&k.serviceCode, &k.departmentID, &k.channel, &a, &b); err != nil {
			rows.Close()
			return fmt.Errorf("store: merge %s of month %d: %w", src, m, err)
		}
		v := merged[k]
		if v == nil {
			v = &[2][]int64{}
			merged[k] = v
		}
		if v[0], err = appendValues(v[0], a); err == nil {
			v[1], err = appendValues(v[1], b)
		}
		if err != nil {
			rows.Close()
			return fmt.Errorf("store: merge %s of month %d: %w", src, m, err)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: merge %s of month %d: %w", src, m, err)
	}
	allCols, n := "jurisdiction_id, day, service_code, department_id, channel, "+cols, 7
	if withCount {
		allCols, n = "jurisdiction_id, day, service_code, department_id, channel, open_count, "+cols, 8
	}
	w := newBulkWriter(tx, dst, allCols, n)
	jid := args[0]
	for k, v := range merged {
		row := []any{jid, m, k.serviceCode, k.departmentID, k.channel}
		if withCount {
			row = append(row, len(v[0]))
		}
		if err := w.add(ctx, append(row, encodeValues(v[0]), encodeValues(v[1]))...); err != nil {
			return err
		}
	}
	return w.flush(ctx)
}

// mergeMonthCells writes the cell counts of month m, one row per slice,
// summed from the day rows.
func (tx *Tx) mergeMonthCells(ctx context.Context, m int, args []any) error {
	type slice struct {
		serviceCode  string
		departmentID int64
		channel      string
	}
	merged := map[slice]map[int64]int64{}
	rows, err := tx.query(ctx, `SELECT service_code, department_id, channel, cells FROM quality_daily_cells
		WHERE jurisdiction_id = $1 AND day BETWEEN $2 AND $3`, args...)
	if err != nil {
		return fmt.Errorf("store: merge cells of month %d: %w", m, err)
	}
	var b []byte
	for rows.Next() {
		var k slice
		if err := rows.Scan(&k.serviceCode, &k.departmentID, &k.channel, &b); err != nil {
			rows.Close()
			return fmt.Errorf("store: merge cells of month %d: %w", m, err)
		}
		if merged[k] == nil {
			merged[k] = map[int64]int64{}
		}
		if err := addCounts(merged[k], b); err != nil {
			rows.Close()
			return fmt.Errorf("store: merge cells of month %d: %w", m, err)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: merge cells of month %d: %w", m, err)
	}
	w := newBulkWriter(tx, "quality_monthly_cells", "jurisdiction_id, day, service_code, department_id, channel, cells", 6)
	for k, counts := range merged {
		if err := w.add(ctx, args[0], m, k.serviceCode, k.departmentID, k.channel, encodeCounts(counts)); err != nil {
			return err
		}
	}
	return w.flush(ctx)
}

// CellCounts returns the number of requests with a location submitted on
// the filter's days, per grid cell, from the rollups: the busiest limit
// cells (most requests first, then by cell number) and whether there were
// more. It gives what HeatCells counts in requests, without reading them.
func (tx *Tx) CellCounts(ctx context.Context, f QualityFilter, limit int) ([]CellCount, bool, error) {
	if limit <= 0 {
		limit = DefaultHeatCells
	}
	f.GroupBy = ""
	var args []any
	var parts []string
	for _, sp := range f.spans() {
		parts = append(parts, `SELECT cells FROM `+sp.prefix+`_cells WHERE `+f.whereDays("day", sp.from, sp.to, &args))
	}
	rows, err := tx.query(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return nil, false, fmt.Errorf("store: cell counts: %w", err)
	}
	defer rows.Close()
	counts := map[int64]int64{}
	var b []byte
	for rows.Next() {
		if err := rows.Scan(&b); err != nil {
			return nil, false, fmt.Errorf("store: cell counts: %w", err)
		}
		if err := addCounts(counts, b); err != nil {
			return nil, false, fmt.Errorf("store: cell counts: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("store: cell counts: %w", err)
	}
	out := make([]CellCount, 0, len(counts))
	for c, n := range counts {
		out = append(out, CellCount{Cell: c, Count: n})
	}
	slices.SortFunc(out, func(a, b CellCount) int {
		if a.Count != b.Count {
			return cmp.Compare(b.Count, a.Count)
		}
		return cmp.Compare(a.Cell, b.Cell)
	})
	more := len(out) > limit
	return out[:min(limit, len(out))], more, nil
}

// OverdueFact is an open request whose resolution target ran out.
type OverdueFact struct {
	RequestID int64
	DueAt     time.Time
}

// OverdueFacts returns up to limit open requests matching f (its days and
// grouping are ignored) whose running clock ran out before now, longest
// overdue first (then by ID), and whether there were more: the requests
// the "overdue now" figure counts.
func (tx *Tx) OverdueFacts(ctx context.Context, f QualityFilter, now time.Time, limit int) ([]OverdueFact, bool, error) {
	var args []any
	where := f.where("", &args)
	args = append(args, micros(now), limit+1)
	rows, err := tx.query(ctx, `SELECT request_id, due_at FROM request_facts WHERE `+where+fmt.Sprintf(
		` AND open = 1 AND due_at > 0 AND due_at < $%d ORDER BY due_at, request_id LIMIT $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, false, fmt.Errorf("store: overdue facts: %w", err)
	}
	defer rows.Close()
	var out []OverdueFact
	for rows.Next() {
		var o OverdueFact
		var due int64
		if err := rows.Scan(&o.RequestID, &due); err != nil {
			return nil, false, fmt.Errorf("store: overdue facts: %w", err)
		}
		o.DueAt = fromMicros(due)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("store: overdue facts: %w", err)
	}
	more := len(out) > limit
	return out[:min(limit, len(out))], more, nil
}
