package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
)

// Inbox sort orders.
const (
	SortNewest = "newest"
	SortOldest = "oldest"
	SortDue    = "due"
)

// InboxFilter selects the requests of a staff inbox. Zero fields do not
// filter.
type InboxFilter struct {
	JurisdictionID int64
	DepartmentID   int64
	ServiceCode    string
	State          rathaus.State
	SubmittedFrom  time.Time // inclusive
	SubmittedTo    time.Time // exclusive
	// OverdueAt, when set, keeps only open requests whose resolution was
	// due before it.
	OverdueAt time.Time
	// Text matches description or address, case-insensitively, as a
	// substring.
	Text          string
	Sort          string // SortNewest (default), SortOldest or SortDue
	Limit, Offset int
}

func (f InboxFilter) where(arg func(any) string) string {
	where := []string{"jurisdiction_id = " + arg(f.JurisdictionID)}
	if f.DepartmentID != 0 {
		where = append(where, "department_id = "+arg(f.DepartmentID))
	}
	if f.ServiceCode != "" {
		where = append(where, "service_code = "+arg(f.ServiceCode))
	}
	if f.State != "" {
		where = append(where, "state = "+arg(string(f.State)))
	}
	if !f.SubmittedFrom.IsZero() {
		where = append(where, "submitted_at >= "+arg(micros(f.SubmittedFrom)))
	}
	if !f.SubmittedTo.IsZero() {
		where = append(where, "submitted_at < "+arg(micros(f.SubmittedTo)))
	}
	if !f.OverdueAt.IsZero() {
		// Open states listed (not "<> 'closed'") so that the index on
		// (jurisdiction, state, resolution_due) reads only overdue rows.
		where = append(where, "state IN ('new', 'accepted', 'in_progress', 'waiting')", "resolution_due > 0",
			"resolution_due < "+arg(micros(f.OverdueAt)))
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		// lower() on both sides: PostgreSQL's LIKE is case-sensitive and
		// SQLite's only folds ASCII; the same text works on both.
		p := arg("%" + likeEscaper.Replace(strings.ToLower(t)) + "%")
		where = append(where, `(lower(description) LIKE `+p+` ESCAPE '\' OR lower(address) LIKE `+p+` ESCAPE '\')`)
	}
	return strings.Join(where, " AND ")
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Inbox returns one page of requests and whether another page follows.
// It does not count all matches: on a million requests a count costs more
// than the page itself, and the pager needs only "is there more".
func (tx *Tx) Inbox(ctx context.Context, f InboxFilter) ([]*rathaus.Request, bool, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	order := "submitted_at DESC, id DESC"
	switch f.Sort {
	case SortOldest:
		order = "submitted_at, id"
	case SortDue:
		order = "CASE WHEN resolution_due = 0 THEN 1 ELSE 0 END, resolution_due, id"
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	q := `SELECT ` + requestCols + ` FROM requests WHERE ` + f.where(arg) + ` ORDER BY ` + order +
		` LIMIT ` + arg(limit+1) + ` OFFSET ` + arg(max(f.Offset, 0))
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("store: inbox: %w", err)
	}
	defer rows.Close()
	var out []*rathaus.Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, false, fmt.Errorf("store: inbox: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("store: inbox: %w", err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// InboxCounts are the figures at the top of an inbox.
type InboxCounts struct {
	ByState map[rathaus.State]int
	Overdue int
}

// InboxCounts counts the requests of a department (0: all) per state, and
// the open ones overdue at now. Both queries read only the inbox indexes.
func (tx *Tx) InboxCounts(ctx context.Context, jurisdictionID, departmentID int64, now time.Time) (InboxCounts, error) {
	c := InboxCounts{ByState: map[rathaus.State]int{}}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	where := InboxFilter{JurisdictionID: jurisdictionID, DepartmentID: departmentID}.where(arg)
	// Only open states are counted: closed requests are most of the table
	// and an inbox does not need their number.
	rows, err := tx.query(ctx, `SELECT state, count(*) FROM requests WHERE `+where+`
		AND state IN ('new', 'accepted', 'in_progress', 'waiting') GROUP BY state`, args...)
	if err != nil {
		return c, fmt.Errorf("store: inbox counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return c, fmt.Errorf("store: inbox counts: %w", err)
		}
		c.ByState[rathaus.State(s)] = n
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("store: inbox counts: %w", err)
	}
	args = nil
	where = InboxFilter{JurisdictionID: jurisdictionID, DepartmentID: departmentID, OverdueAt: now}.where(arg)
	if err := tx.queryRow(ctx, `SELECT count(*) FROM requests WHERE `+where, args...).Scan(&c.Overdue); err != nil {
		return c, fmt.Errorf("store: overdue count: %w", err)
	}
	return c, nil
}

// RequestByNumber returns a request by its human-facing number.
func (tx *Tx) RequestByNumber(ctx context.Context, jurisdictionID int64, number string) (*rathaus.Request, error) {
	r, err := scanRequest(tx.queryRow(ctx, `SELECT `+requestCols+` FROM requests WHERE jurisdiction_id = $1 AND number = $2`,
		jurisdictionID, number))
	if err != nil {
		return nil, notFound(err, "request %s", number)
	}
	return r, nil
}

// SetMediaPublic publishes or hides a photo.
func (tx *Tx) SetMediaPublic(ctx context.Context, jurisdictionID, id int64, public bool) error {
	res, err := tx.exec(ctx, `UPDATE media SET public = $1 WHERE jurisdiction_id = $2 AND id = $3`, public, jurisdictionID, id)
	if err != nil {
		return fmt.Errorf("store: set media %d public: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rathaus.NotFoundf("media %d not found", id)
	}
	return tx.bumpVersionOfMedia(ctx, jurisdictionID, id)
}

// SetMediaBlob points a photo at other bytes (a blurred copy).
func (tx *Tx) SetMediaBlob(ctx context.Context, jurisdictionID, id int64, key, contentType string, width, height int) error {
	res, err := tx.exec(ctx, `UPDATE media SET blob_key = $1, content_type = $2, width = $3, height = $4
		WHERE jurisdiction_id = $5 AND id = $6`, key, contentType, width, height, jurisdictionID, id)
	if err != nil {
		return fmt.Errorf("store: set blob of media %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rathaus.NotFoundf("media %d not found", id)
	}
	return tx.bumpVersionOfMedia(ctx, jurisdictionID, id)
}

// MediaUsingBlob counts the photos (of any jurisdiction) stored under key;
// blobs are content-addressed, so two uploads of one file share a blob.
func (tx *Tx) MediaUsingBlob(ctx context.Context, key string) (int, error) {
	var n int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM media WHERE blob_key = $1`, key).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count media of blob: %w", err)
	}
	return n, nil
}
