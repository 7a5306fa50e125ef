package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
)

// RequestFact is what the quality projector derives from one request's
// events (see internal/quality.Derive). Durations are business seconds so
// that sums are exact integers on both dialects.
type RequestFact struct {
	RequestID         int64
	JurisdictionID    int64
	ServiceCode       string
	DepartmentID      int64
	Channel           string
	SubmittedAt       time.Time
	SubmittedDay      int   // local date as YYYYMMDD
	FirstResponseSecs int64 // -1: no response yet
	ClosedAt          time.Time
	ClosedDay         int   // 0: open
	ResolutionSecs    int64 // -1: open
	SLASecs           int64 // resolution target; 0: none
	WithinSLA         bool
	DueAt             time.Time // zero: no target, closed, or clock paused
	Open              bool
	Waiting           bool
	Reopened          bool
	Duplicate         bool
	Forwarded         bool
	Rating            int // latest survey score; 0: none
	LastEventID       int64
}

const factCols = `request_id, jurisdiction_id, service_code, department_id, channel, submitted_at, submitted_day,
	first_response_secs, closed_at, closed_day, resolution_secs, sla_secs, within_sla, due_at, open, waiting, reopened,
	duplicate, forwarded, rating, last_event_id`

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// QualityCheckpoint returns the last event ID the named projector has
// processed (0 if it never ran).
func (tx *Tx) QualityCheckpoint(ctx context.Context, name string) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `SELECT last_event_id FROM quality_checkpoint WHERE name = $1`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: quality checkpoint %s: %w", name, err)
	}
	return id, nil
}

// SetQualityCheckpoint records the last processed event ID.
func (tx *Tx) SetQualityCheckpoint(ctx context.Context, name string, lastEventID int64, now time.Time) error {
	_, err := tx.exec(ctx, `INSERT INTO quality_checkpoint (name, last_event_id, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET last_event_id = excluded.last_event_id, updated_at = excluded.updated_at`,
		name, lastEventID, micros(now))
	if err != nil {
		return fmt.Errorf("store: set quality checkpoint %s: %w", name, err)
	}
	return nil
}

// StaleEvent is an event whose request's facts do not reflect it yet.
type StaleEvent struct {
	EventID, RequestID int64
}

// StaleEvents returns up to limit events with an ID above afterID whose
// request has no facts yet or facts derived from an older event, in ID
// order. Events already reflected are skipped, so scanning a range twice
// costs little and does nothing.
func (tx *Tx) StaleEvents(ctx context.Context, afterID int64, limit int) ([]StaleEvent, error) {
	rows, err := tx.query(ctx, `SELECT e.id, e.request_id FROM events e
		LEFT JOIN request_facts f ON f.request_id = e.request_id
		WHERE e.id > $1 AND (f.request_id IS NULL OR f.last_event_id < e.id)
		ORDER BY e.id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: stale events: %w", err)
	}
	defer rows.Close()
	var out []StaleEvent
	for rows.Next() {
		var s StaleEvent
		if err := rows.Scan(&s.EventID, &s.RequestID); err != nil {
			return nil, fmt.Errorf("store: stale events: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// MaxEventID returns the largest event ID (0 for no events).
func (tx *Tx) MaxEventID(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	if err := tx.queryRow(ctx, `SELECT MAX(id) FROM events`).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: max event id: %w", err)
	}
	return id.Int64, nil
}

// FactSource is the part of a request the projector needs besides events.
type FactSource struct {
	ID, JurisdictionID, ServiceID, DepartmentID int64
	ServiceCode, Channel                        string
	SubmittedAt                                 time.Time
}

// FactSources returns the requests with the given IDs, keyed by ID.
func (tx *Tx) FactSources(ctx context.Context, ids []int64) (map[int64]FactSource, error) {
	out := make(map[int64]FactSource, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	rows, err := tx.query(ctx, `SELECT id, jurisdiction_id, service_id, department_id, service_code, channel, submitted_at
		FROM requests WHERE id IN (`+listArgs(arg, ids)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: fact sources: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s FactSource
		var sub int64
		if err := rows.Scan(&s.ID, &s.JurisdictionID, &s.ServiceID, &s.DepartmentID, &s.ServiceCode, &s.Channel, &sub); err != nil {
			return nil, fmt.Errorf("store: fact sources: %w", err)
		}
		s.SubmittedAt = fromMicros(sub)
		out[s.ID] = s
	}
	return out, rows.Err()
}

// Facts returns the stored facts of the given requests, keyed by ID.
func (tx *Tx) Facts(ctx context.Context, ids []int64) (map[int64]*RequestFact, error) {
	out := make(map[int64]*RequestFact, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	rows, err := tx.query(ctx, `SELECT `+factCols+` FROM request_facts WHERE request_id IN (`+listArgs(arg, ids)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: facts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f RequestFact
		var sub, closed, due int64
		var within, open, waiting, reopened, dup, fwd int
		if err := rows.Scan(&f.RequestID, &f.JurisdictionID, &f.ServiceCode, &f.DepartmentID, &f.Channel, &sub, &f.SubmittedDay,
			&f.FirstResponseSecs, &closed, &f.ClosedDay, &f.ResolutionSecs, &f.SLASecs, &within, &due, &open, &waiting,
			&reopened, &dup, &fwd, &f.Rating, &f.LastEventID); err != nil {
			return nil, fmt.Errorf("store: facts: %w", err)
		}
		f.SubmittedAt, f.ClosedAt, f.DueAt = fromMicros(sub), fromMicros(closed), fromMicros(due)
		f.WithinSLA, f.Open, f.Waiting, f.Reopened, f.Duplicate, f.Forwarded = within == 1, open == 1, waiting == 1, reopened == 1, dup == 1, fwd == 1
		out[f.RequestID] = &f
	}
	return out, rows.Err()
}

// UpsertFacts writes facts, replacing earlier ones of the same requests.
func (tx *Tx) UpsertFacts(ctx context.Context, fs []*RequestFact) error {
	const ncols = 21
	set := `jurisdiction_id = excluded.jurisdiction_id, service_code = excluded.service_code,
		department_id = excluded.department_id, channel = excluded.channel, submitted_at = excluded.submitted_at,
		submitted_day = excluded.submitted_day, first_response_secs = excluded.first_response_secs,
		closed_at = excluded.closed_at, closed_day = excluded.closed_day, resolution_secs = excluded.resolution_secs,
		sla_secs = excluded.sla_secs, within_sla = excluded.within_sla, due_at = excluded.due_at, open = excluded.open,
		waiting = excluded.waiting, reopened = excluded.reopened, duplicate = excluded.duplicate,
		forwarded = excluded.forwarded, rating = excluded.rating, last_event_id = excluded.last_event_id`
	for start := 0; start < len(fs); start += bulkRows {
		chunk := fs[start:min(start+bulkRows, len(fs))]
		args := make([]any, 0, len(chunk)*ncols)
		for _, f := range chunk {
			args = append(args, f.RequestID, f.JurisdictionID, f.ServiceCode, f.DepartmentID, f.Channel, micros(f.SubmittedAt),
				f.SubmittedDay, f.FirstResponseSecs, micros(f.ClosedAt), f.ClosedDay, f.ResolutionSecs, f.SLASecs,
				b2i(f.WithinSLA), micros(f.DueAt), b2i(f.Open), b2i(f.Waiting), b2i(f.Reopened), b2i(f.Duplicate),
				b2i(f.Forwarded), f.Rating, f.LastEventID)
		}
		q := insertValues("request_facts", factCols, ncols, len(chunk), tx.dialect) + ` ON CONFLICT (request_id) DO UPDATE SET ` + set
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("store: upsert %d facts: %w", len(chunk), err)
		}
	}
	return nil
}

// RecomputeDaily rebuilds the rollup rows of the given local days of a
// jurisdiction from request_facts (quality_daily, quality_daily_values,
// quality_daily_backlog), then the month rows of their months from the day
// rows. Recomputing a day from the facts, rather than adding deltas, keeps
// the rollup equal to a fresh rebuild whatever order the projector saw the
// events in.
func (tx *Tx) RecomputeDaily(ctx context.Context, jurisdictionID int64, days []int) error {
	if len(days) == 0 {
		return nil
	}
	for start := 0; start < len(days); start += 200 {
		chunk := days[start:min(start+200, len(days))]
		args := []any{jurisdictionID}
		arg := func(v any) string {
			args = append(args, v)
			return fmt.Sprintf("$%d", len(args))
		}
		in := listArgs(arg, chunk)
		if _, err := tx.exec(ctx, `DELETE FROM quality_daily WHERE jurisdiction_id = $1 AND day IN (`+in+`)`, args...); err != nil {
			return fmt.Errorf("store: clear daily rollup: %w", err)
		}
		_, err := tx.exec(ctx, `INSERT INTO quality_daily (jurisdiction_id, day, service_code, department_id, channel, volume,
			duplicates, forwarded, responded, response_secs, closed, resolution_secs, sla_closed, within_sla, reopened, ratings,
			rating_sum, satisfied, promoters, detractors, submitted_secs, closed_submitted_secs)
		SELECT jurisdiction_id, day, service_code, department_id, channel, SUM(volume), SUM(duplicates), SUM(forwarded),
			SUM(responded), SUM(response_secs), SUM(closed), SUM(resolution_secs), SUM(sla_closed), SUM(within_sla),
			SUM(reopened), SUM(ratings), SUM(rating_sum), SUM(satisfied), SUM(promoters), SUM(detractors),
			SUM(submitted_secs), SUM(closed_submitted_secs)
		FROM (
			SELECT jurisdiction_id, submitted_day AS day, service_code, department_id, channel, 1 AS volume,
				duplicate AS duplicates, forwarded,
				CASE WHEN first_response_secs >= 0 THEN 1 ELSE 0 END AS responded,
				CASE WHEN first_response_secs >= 0 THEN first_response_secs ELSE 0 END AS response_secs,
				0 AS closed, 0 AS resolution_secs, 0 AS sla_closed, 0 AS within_sla, 0 AS reopened,
				0 AS ratings, 0 AS rating_sum, 0 AS satisfied, 0 AS promoters, 0 AS detractors,
				CASE WHEN duplicate = 0 THEN submitted_at / 1000000 ELSE 0 END AS submitted_secs, 0 AS closed_submitted_secs
			FROM request_facts WHERE jurisdiction_id = $1 AND submitted_day IN (`+in+`)
			UNION ALL
			SELECT jurisdiction_id, closed_day, service_code, department_id, channel, 0, 0, 0, 0, 0,
				1 - duplicate, CASE WHEN duplicate = 0 THEN resolution_secs ELSE 0 END,
				CASE WHEN duplicate = 0 AND sla_secs > 0 THEN 1 ELSE 0 END,
				CASE WHEN duplicate = 0 AND sla_secs > 0 THEN within_sla ELSE 0 END,
				CASE WHEN duplicate = 0 THEN reopened ELSE 0 END,
				CASE WHEN rating > 0 THEN 1 ELSE 0 END, rating,
				CASE WHEN rating >= 4 THEN 1 ELSE 0 END,
				CASE WHEN rating = 5 THEN 1 ELSE 0 END,
				CASE WHEN rating BETWEEN 1 AND 3 THEN 1 ELSE 0 END,
				0, CASE WHEN duplicate = 0 THEN submitted_at / 1000000 ELSE 0 END
			FROM request_facts WHERE jurisdiction_id = $1 AND closed_day IN (`+in+`)
		) AS contributions
		GROUP BY jurisdiction_id, day, service_code, department_id, channel`, args...)
		if err != nil {
			return fmt.Errorf("store: recompute daily rollup: %w", err)
		}
		if err := tx.recomputeDailyValues(ctx, jurisdictionID, in, args); err != nil {
			return err
		}
	}
	return tx.recomputeMonths(ctx, jurisdictionID, days)
}

// MarkDirtyDays records that the rollup rows of the given local days of a
// jurisdiction must be recomputed.
func (tx *Tx) MarkDirtyDays(ctx context.Context, jurisdictionID int64, days []int) error {
	for start := 0; start < len(days); start += bulkRows {
		chunk := days[start:min(start+bulkRows, len(days))]
		args := make([]any, 0, 2*len(chunk))
		for _, d := range chunk {
			args = append(args, jurisdictionID, d)
		}
		q := insertValues("quality_dirty_days", "jurisdiction_id, day", 2, len(chunk), tx.dialect) + ` ON CONFLICT DO NOTHING`
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("store: mark %d rollup days: %w", len(chunk), err)
		}
	}
	return nil
}

// DirtyDays returns up to limit marked days of one jurisdiction (the one
// with the smallest ID that has any), oldest first.
func (tx *Tx) DirtyDays(ctx context.Context, limit int) (jurisdictionID int64, days []int, err error) {
	rows, err := tx.query(ctx, `SELECT jurisdiction_id, day FROM quality_dirty_days
		WHERE jurisdiction_id = (SELECT MIN(jurisdiction_id) FROM quality_dirty_days) ORDER BY day LIMIT $1`, limit)
	if err != nil {
		return 0, nil, fmt.Errorf("store: dirty rollup days: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d int
		if err := rows.Scan(&jurisdictionID, &d); err != nil {
			return 0, nil, fmt.Errorf("store: dirty rollup days: %w", err)
		}
		days = append(days, d)
	}
	return jurisdictionID, days, rows.Err()
}

// ClearDirtyDays removes the marks of days whose rollup was recomputed.
func (tx *Tx) ClearDirtyDays(ctx context.Context, jurisdictionID int64, days []int) error {
	if len(days) == 0 {
		return nil
	}
	args := []any{jurisdictionID}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if _, err := tx.exec(ctx, `DELETE FROM quality_dirty_days WHERE jurisdiction_id = $1 AND day IN (`+listArgs(arg, days)+`)`, args...); err != nil {
		return fmt.Errorf("store: clear dirty rollup days: %w", err)
	}
	return nil
}

// ResetQuality deletes all facts, rollups and the projector checkpoints,
// before a rebuild from the events.
func (tx *Tx) ResetQuality(ctx context.Context) error {
	for _, table := range []string{"quality_daily", "quality_daily_values", "quality_daily_backlog", "quality_monthly",
		"quality_monthly_values", "quality_monthly_backlog", "quality_daily_cells", "quality_monthly_cells", "request_facts", "quality_checkpoint", "quality_dirty_days"} {
		if _, err := tx.exec(ctx, `DELETE FROM `+table); err != nil {
			return fmt.Errorf("store: reset %s: %w", table, err)
		}
	}
	return nil
}

// QualityFilter selects facts and rollups for indicators. Days are local
// dates as YYYYMMDD, both inclusive. GroupBy names the column rows are
// keyed by: "service_code", "department_id", "channel", "day", "day,<column>" (keys "YYYYMMDD:value") or "" (one
// row).
type QualityFilter struct {
	JurisdictionID int64
	FromDay, ToDay int
	GroupBy        string
	ServiceCode    string
	DepartmentID   int64
	Channel        string
	// MonthRows allows rows keyed by day to read a whole month as one row
	// keyed by its first day, for callers that add up the days of a
	// month anyway (a month series).
	MonthRows bool
}

func (f QualityFilter) where(dayCol string, args *[]any) string {
	return f.whereDays(dayCol, f.FromDay, f.ToDay, args)
}

// whereDays is where with the days from..to instead of the filter's.
func (f QualityFilter) whereDays(dayCol string, from, to int, args *[]any) string {
	arg := func(v any) string {
		*args = append(*args, v)
		return fmt.Sprintf("$%d", len(*args))
	}
	w := []string{"jurisdiction_id = " + arg(f.JurisdictionID)}
	if dayCol != "" {
		w = append(w, dayCol+" BETWEEN "+arg(from)+" AND "+arg(to))
	}
	if f.ServiceCode != "" {
		w = append(w, "service_code = "+arg(f.ServiceCode))
	}
	if f.DepartmentID != 0 {
		w = append(w, "department_id = "+arg(f.DepartmentID))
	}
	if f.Channel != "" {
		w = append(w, "channel = "+arg(f.Channel))
	}
	return strings.Join(w, " AND ")
}

// keyExpr returns the SQL expression rows are keyed by.
func (f QualityFilter) keyExpr(dayCol string) (string, error) {
	switch f.GroupBy {
	case "service_code", "department_id", "channel":
		return f.GroupBy, nil
	case "day":
		if dayCol == "" {
			return "", rathaus.Invalidf("by", "open requests have no day")
		}
		return dayCol, nil
	case "day,service_code", "day,department_id", "day,channel":
		// "YYYYMMDD:key": one read of the rollups serves a table split by
		// the column and a series of days (DaySplitKey takes it apart).
		if dayCol == "" {
			return "", rathaus.Invalidf("by", "open requests have no day")
		}
		return "CAST(" + dayCol + " AS TEXT) || ':' || CAST(" + strings.TrimPrefix(f.GroupBy, "day,") + " AS TEXT)", nil
	case "":
		// PostgreSQL refuses a constant in GROUP BY; the jurisdiction is
		// constant under the filter, so it yields one row just the same.
		return "jurisdiction_id", nil
	}
	return "", rathaus.Invalidf("by", "cannot group by %q", f.GroupBy)
}

// DaySplitKey takes a key of a "day,<column>" grouping apart into the day
// (YYYYMMDD) and the column's value.
func DaySplitKey(key string) (day, rest string) {
	day, rest, _ = strings.Cut(key, ":")
	return day, rest
}

// DailySums is a sum of quality_daily rows for one key and channel.
type DailySums struct {
	Key, Channel                                           string
	Volume, Duplicates, Forwarded, Responded, ResponseSecs int64
	Closed, ResolutionSecs, SLAClosed, WithinSLA, Reopened int64
	Ratings, RatingSum, Satisfied, Promoters, Detractors   int64
	// SubmittedSecs sums the submission instants (seconds since 1970)
	// of the requests submitted in the days that were no duplicates;
	// ClosedSubmittedSecs the same of those finally closed in them.
	SubmittedSecs, ClosedSubmittedSecs int64
}

// DailyTotals sums the rollup over the filter's days, per key and
// channel: whole months from quality_monthly, the other days from
// quality_daily.
func (tx *Tx) DailyTotals(ctx context.Context, f QualityFilter) ([]DailySums, error) {
	key, err := f.keyExpr("day")
	if err != nil {
		return nil, err
	}
	var args []any
	var parts []string
	for _, sp := range f.spans() {
		parts = append(parts, `SELECT `+key+` AS k, channel, volume, duplicates, forwarded, responded, response_secs, closed,
			resolution_secs, sla_closed, within_sla, reopened, ratings, rating_sum, satisfied, promoters, detractors,
			submitted_secs, closed_submitted_secs
			FROM `+sp.prefix+` WHERE `+f.whereDays("day", sp.from, sp.to, &args))
	}
	rows, err := tx.query(ctx, `SELECT k, channel, SUM(volume), SUM(duplicates), SUM(forwarded), SUM(responded),
		SUM(response_secs), SUM(closed), SUM(resolution_secs), SUM(sla_closed), SUM(within_sla), SUM(reopened), SUM(ratings),
		SUM(rating_sum), SUM(satisfied), SUM(promoters), SUM(detractors), SUM(submitted_secs), SUM(closed_submitted_secs)
		FROM (`+strings.Join(parts, " UNION ALL ")+`) AS spans GROUP BY k, channel ORDER BY 1, 2`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: daily totals: %w", err)
	}
	defer rows.Close()
	var out []DailySums
	for rows.Next() {
		var s DailySums
		if err := rows.Scan(&s.Key, &s.Channel, &s.Volume, &s.Duplicates, &s.Forwarded, &s.Responded, &s.ResponseSecs,
			&s.Closed, &s.ResolutionSecs, &s.SLAClosed, &s.WithinSLA, &s.Reopened, &s.Ratings, &s.RatingSum, &s.Satisfied,
			&s.Promoters, &s.Detractors, &s.SubmittedSecs, &s.ClosedSubmittedSecs); err != nil {
			return nil, fmt.Errorf("store: daily totals: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// KeyedSecs is one duration of one request, with the key of its row.
type KeyedSecs struct {
	Key  string
	Secs int64
}

// Durations returns every first response time (metric "first_response",
// requests submitted in the filter's days) or resolution time ("resolution",
// requests finally closed in those days, duplicates excluded), for exact
// percentiles. The covering indexes on request_facts serve both queries
// without touching the table.
func (tx *Tx) Durations(ctx context.Context, f QualityFilter, metric string) ([]KeyedSecs, error) {
	var dayCol, col, extra string
	switch metric {
	case "first_response":
		dayCol, col, extra = "submitted_day", "first_response_secs", " AND first_response_secs >= 0"
	case "resolution":
		dayCol, col, extra = "closed_day", "resolution_secs", " AND duplicate = 0"
	default:
		return nil, fmt.Errorf("store: unknown duration metric %q", metric)
	}
	var args []any
	where := f.where(dayCol, &args)
	key, err := f.keyExpr(dayCol)
	if err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT `+key+`, `+col+` FROM request_facts WHERE `+where+extra, args...)
	if err != nil {
		return nil, fmt.Errorf("store: durations %s: %w", metric, err)
	}
	defer rows.Close()
	var out []KeyedSecs
	for rows.Next() {
		var k KeyedSecs
		if err := rows.Scan(&k.Key, &k.Secs); err != nil {
			return nil, fmt.Errorf("store: durations %s: %w", metric, err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// OpenFact is one open request of the backlog.
type OpenFact struct {
	Key         string
	SubmittedAt time.Time
	DueAt       time.Time // zero: no target or clock paused
}

// OpenFacts returns the open requests matching the filter (its days are
// ignored: the backlog is always the backlog of now).
func (tx *Tx) OpenFacts(ctx context.Context, f QualityFilter) ([]OpenFact, error) {
	var args []any
	where := f.where("", &args)
	key, err := f.keyExpr("")
	if err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT `+key+`, submitted_at, due_at FROM request_facts WHERE `+where+` AND open = 1`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: open facts: %w", err)
	}
	defer rows.Close()
	var out []OpenFact
	for rows.Next() {
		var o OpenFact
		var sub, due int64
		if err := rows.Scan(&o.Key, &sub, &due); err != nil {
			return nil, fmt.Errorf("store: open facts: %w", err)
		}
		o.SubmittedAt, o.DueAt = fromMicros(sub), fromMicros(due)
		out = append(out, o)
	}
	return out, rows.Err()
}

// Rating is a citizen's survey answer on a closed request.
type Rating struct {
	RequestID      int64
	JurisdictionID int64
	Score          int
	Comment        string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// SaveRating stores a rating; a second rating of the same request replaces
// the first (the citizen changed their mind), keeping CreatedAt.
func (tx *Tx) SaveRating(ctx context.Context, r *Rating) error {
	_, err := tx.exec(ctx, `INSERT INTO ratings (request_id, jurisdiction_id, score, comment, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (request_id) DO UPDATE SET score = excluded.score, comment = excluded.comment, updated_at = excluded.updated_at`,
		r.RequestID, r.JurisdictionID, r.Score, r.Comment, micros(r.CreatedAt), micros(r.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: save rating of request %d: %w", r.RequestID, err)
	}
	return nil
}

// RatingOf returns the rating of a request.
func (tx *Tx) RatingOf(ctx context.Context, jurisdictionID, requestID int64) (*Rating, error) {
	var r Rating
	var created, updated int64
	err := tx.queryRow(ctx, `SELECT request_id, jurisdiction_id, score, comment, created_at, updated_at FROM ratings
		WHERE jurisdiction_id = $1 AND request_id = $2`, jurisdictionID, requestID).
		Scan(&r.RequestID, &r.JurisdictionID, &r.Score, &r.Comment, &created, &updated)
	if err != nil {
		return nil, notFound(err, "rating of request %d", requestID)
	}
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &r, nil
}

// ManualIndicator is an indicator entered by hand or imported, such as
// "Wartezeit im Bürgerbüro".
type ManualIndicator struct {
	ID             int64
	JurisdictionID int64
	Code           string
	Name           string
	Unit           string
	Target         *float64
	Direction      string // "higher_is_better" or "lower_is_better"
}

// UpsertManualIndicator creates or updates an indicator by code and sets
// its ID.
func (tx *Tx) UpsertManualIndicator(ctx context.Context, m *ManualIndicator) error {
	id, err := tx.insertID(ctx, `INSERT INTO quality_indicators (jurisdiction_id, code, name, unit, target, direction)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (jurisdiction_id, code) DO UPDATE SET name = excluded.name, unit = excluded.unit,
			target = excluded.target, direction = excluded.direction
		RETURNING id`, m.JurisdictionID, m.Code, m.Name, m.Unit, m.Target, m.Direction)
	if err != nil {
		return fmt.Errorf("store: save indicator %s: %w", m.Code, err)
	}
	m.ID = id
	return nil
}

// ManualIndicators lists a jurisdiction's manual indicators by code.
func (tx *Tx) ManualIndicators(ctx context.Context, jurisdictionID int64) ([]*ManualIndicator, error) {
	rows, err := tx.query(ctx, `SELECT id, jurisdiction_id, code, name, unit, target, direction FROM quality_indicators
		WHERE jurisdiction_id = $1 ORDER BY code`, jurisdictionID)
	if err != nil {
		return nil, fmt.Errorf("store: list indicators: %w", err)
	}
	defer rows.Close()
	var out []*ManualIndicator
	for rows.Next() {
		var m ManualIndicator
		var target sql.NullFloat64
		if err := rows.Scan(&m.ID, &m.JurisdictionID, &m.Code, &m.Name, &m.Unit, &target, &m.Direction); err != nil {
			return nil, fmt.Errorf("store: list indicators: %w", err)
		}
		if target.Valid {
			m.Target = &target.Float64
		}
		out = append(out, &m)
	}
	return out, rows.Err()
}

// ManualValue is one value of a manual indicator for a slice and period.
type ManualValue struct {
	IndicatorID int64
	SliceKey    string // "" = the whole jurisdiction
	Period      string // "2026-03", "2026-Q1", "2026" or "2026-03-02"
	Value       float64
	UpdatedAt   time.Time
}

// UpsertManualValue stores a value, replacing one of the same indicator,
// slice and period.
func (tx *Tx) UpsertManualValue(ctx context.Context, v ManualValue) error {
	_, err := tx.exec(ctx, `INSERT INTO quality_values (indicator_id, slice_key, period, value, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (indicator_id, slice_key, period) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		v.IndicatorID, v.SliceKey, v.Period, v.Value, micros(v.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: save value of indicator %d: %w", v.IndicatorID, err)
	}
	return nil
}

// ManualValues lists the values of an indicator by period and slice.
func (tx *Tx) ManualValues(ctx context.Context, indicatorID int64) ([]ManualValue, error) {
	rows, err := tx.query(ctx, `SELECT indicator_id, slice_key, period, value, updated_at FROM quality_values
		WHERE indicator_id = $1 ORDER BY period, slice_key`, indicatorID)
	if err != nil {
		return nil, fmt.Errorf("store: list indicator values: %w", err)
	}
	defer rows.Close()
	var out []ManualValue
	for rows.Next() {
		var v ManualValue
		var updated int64
		if err := rows.Scan(&v.IndicatorID, &v.SliceKey, &v.Period, &v.Value, &updated); err != nil {
			return nil, fmt.Errorf("store: list indicator values: %w", err)
		}
		v.UpdatedAt = fromMicros(updated)
		out = append(out, v)
	}
	return out, rows.Err()
}

// QualityTarget is a goal for one indicator and slice, checked over a
// rolling window of days.
type QualityTarget struct {
	ID             int64
	JurisdictionID int64
	Indicator      string // a column of the export, e.g. "within_sla_share"
	By             string // "", "service", "department" or "channel"
	SliceKey       string
	Threshold      float64
	Direction      string // "higher_is_better": missed below; "lower_is_better": missed above
	WindowDays     int
	DepartmentID   int64 // whose lead is mailed; 0: the slice's department when By is "department"
	CreatedAt      time.Time
}

// CreateQualityTarget stores a target and sets its ID.
func (tx *Tx) CreateQualityTarget(ctx context.Context, t *QualityTarget) error {
	id, err := tx.insertID(ctx, `INSERT INTO quality_targets (jurisdiction_id, indicator, by_dim, slice_key, threshold, direction,
		window_days, department_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		t.JurisdictionID, t.Indicator, t.By, t.SliceKey, t.Threshold, t.Direction, t.WindowDays, t.DepartmentID, micros(t.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: create target for %s: %w", t.Indicator, err)
	}
	t.ID = id
	return nil
}

// QualityTargets lists a jurisdiction's targets by ID.
func (tx *Tx) QualityTargets(ctx context.Context, jurisdictionID int64) ([]*QualityTarget, error) {
	rows, err := tx.query(ctx, `SELECT id, jurisdiction_id, indicator, by_dim, slice_key, threshold, direction, window_days,
		department_id, created_at FROM quality_targets WHERE jurisdiction_id = $1 ORDER BY id`, jurisdictionID)
	if err != nil {
		return nil, fmt.Errorf("store: list targets: %w", err)
	}
	defer rows.Close()
	var out []*QualityTarget
	for rows.Next() {
		var t QualityTarget
		var created int64
		if err := rows.Scan(&t.ID, &t.JurisdictionID, &t.Indicator, &t.By, &t.SliceKey, &t.Threshold, &t.Direction,
			&t.WindowDays, &t.DepartmentID, &created); err != nil {
			return nil, fmt.Errorf("store: list targets: %w", err)
		}
		t.CreatedAt = fromMicros(created)
		out = append(out, &t)
	}
	return out, rows.Err()
}

// RecordQualityAlert notes that a target was missed in the window starting
// on windowStart (YYYYMMDD). It reports false if that was noted before, so
// that each breach is mailed once per window.
func (tx *Tx) RecordQualityAlert(ctx context.Context, targetID int64, windowStart int, value float64, now time.Time) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO quality_alerts (target_id, window_start, value, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (target_id, window_start) DO NOTHING`, targetID, windowStart, value, micros(now))
	if err != nil {
		return false, fmt.Errorf("store: record alert of target %d: %w", targetID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: record alert of target %d: %w", targetID, err)
	}
	return n == 1, nil
}
