package store

import (
	"context"
	"fmt"
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
}

// recomputeDailyValues rebuilds the value lists of the given days (in is
// their placeholder list, args the jurisdiction and the days) from
// request_facts. It reads the facts in Go rather than in SQL because the
// lists are encoded here, and a day is a few thousand facts at most.
func (tx *Tx) recomputeDailyValues(ctx context.Context, jurisdictionID int64, in string, args []any) error {
	if _, err := tx.exec(ctx, `DELETE FROM quality_daily_values WHERE jurisdiction_id = $1 AND day IN (`+in+`)`, args...); err != nil {
		return fmt.Errorf("store: clear daily values: %w", err)
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
	rows, err := tx.query(ctx, `SELECT submitted_day, service_code, department_id, channel, first_response_secs, open,
		submitted_at, due_at FROM request_facts WHERE jurisdiction_id = $1 AND submitted_day IN (`+in+`)`, args...)
	if err != nil {
		return fmt.Errorf("store: daily values: %w", err)
	}
	for rows.Next() {
		var k sliceDay
		var resp, sub, due int64
		var open int
		if err := rows.Scan(&k.day, &k.serviceCode, &k.departmentID, &k.channel, &resp, &open, &sub, &due); err != nil {
			rows.Close()
			return fmt.Errorf("store: daily values: %w", err)
		}
		v := get(k)
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

	const cols = `jurisdiction_id, day, service_code, department_id, channel, response_secs, resolution_secs, open_count,
		open_submitted, open_due`
	const ncols = 10
	batch := make([]any, 0, bulkRows*ncols)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		q := insertValues("quality_daily_values", cols, ncols, len(batch)/ncols, tx.dialect)
		if _, err := tx.exec(ctx, q, batch...); err != nil {
			return fmt.Errorf("store: write daily values: %w", err)
		}
		batch = batch[:0]
		return nil
	}
	for k, v := range rowsOf {
		batch = append(batch, jurisdictionID, k.day, k.serviceCode, k.departmentID, k.channel, encodeValues(v.response),
			encodeValues(v.resolution), len(v.openSubmitted), encodeValues(v.openSubmitted), encodeValues(v.openDue))
		if len(batch) == bulkRows*ncols {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// DurationValues returns, per key of f.GroupBy, every first response time
// (metric "first_response": requests submitted in the filter's days that
// had one) or resolution time ("resolution": requests finally closed in
// those days, duplicates excluded) in business seconds, in no particular
// order. It reads the per-day lists, not the facts.
func (tx *Tx) DurationValues(ctx context.Context, f QualityFilter, metric string) (map[string][]int64, error) {
	var col string
	switch metric {
	case "first_response":
		col = "response_secs"
	case "resolution":
		col = "resolution_secs"
	default:
		return nil, fmt.Errorf("store: unknown duration metric %q", metric)
	}
	var args []any
	where := f.where("day", &args)
	key, err := f.keyExpr("day")
	if err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT `+key+`, `+col+` FROM quality_daily_values WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: duration values %s: %w", metric, err)
	}
	defer rows.Close()
	out := map[string][]int64{}
	var b []byte
	for rows.Next() {
		var k string
		if err := rows.Scan(&k, &b); err != nil {
			return nil, fmt.Errorf("store: duration values %s: %w", metric, err)
		}
		if out[k], err = appendValues(out[k], b); err != nil {
			return nil, fmt.Errorf("store: duration values %s of %s: %w", metric, k, err)
		}
	}
	return out, rows.Err()
}

// BacklogValues are the open requests of one key: when each was
// submitted, and when the targets of those whose clock runs run out
// (instants in microseconds since 1970, in no particular order).
type BacklogValues struct {
	Submitted, Due []int64
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
	rows, err := tx.query(ctx, `SELECT `+key+`, open_submitted, open_due FROM quality_daily_values
		WHERE `+where+` AND open_count > 0`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: backlog: %w", err)
	}
	defer rows.Close()
	out := map[string]*BacklogValues{}
	var sub, due []byte
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
		if v.Submitted, err = appendValues(v.Submitted, sub); err == nil {
			v.Due, err = appendValues(v.Due, due)
		}
		if err != nil {
			return nil, fmt.Errorf("store: backlog of %s: %w", k, err)
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
		SUM(promoters), SUM(detractors)
	FROM (
		SELECT ` + subKey + ` AS k, channel, COUNT(*) AS volume, SUM(duplicate) AS duplicates, SUM(forwarded) AS forwarded,
			SUM(CASE WHEN first_response_secs >= 0 THEN 1 ELSE 0 END) AS responded,
			SUM(CASE WHEN first_response_secs >= 0 THEN first_response_secs ELSE 0 END) AS response_secs,
			0 AS closed, 0 AS resolution_secs, 0 AS sla_closed, 0 AS within_sla, 0 AS reopened,
			0 AS ratings, 0 AS rating_sum, 0 AS satisfied, 0 AS promoters, 0 AS detractors
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
			SUM(CASE WHEN rating BETWEEN 1 AND 3 THEN 1 ELSE 0 END)
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
			&s.Promoters, &s.Detractors); err != nil {
			return nil, fmt.Errorf("store: fact totals: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
