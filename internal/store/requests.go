package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
)

// requestCols lists the request columns in the order scanRequest reads them.
const requestCols = `id, jurisdiction_id, number, token, service_id, service_code, state, priority, has_location, lat, lon,
	address, description, attributes, channel, reporter_email, reporter_first, reporter_last, reporter_phone,
	device_id, account_id, media_url, department_id, assignee_id, duplicate_of, public, submitted_at, updated_at,
	response_due, resolution_due, closed_at, resolution, status_notes, version`

func scanRequest(row interface{ Scan(...any) error }) (*rathaus.Request, error) {
	var r rathaus.Request
	var state, attrs, channel string
	var submitted, updated, respDue, resDue, closed int64
	if err := row.Scan(&r.ID, &r.JurisdictionID, &r.Number, &r.Token, &r.ServiceID, &r.ServiceCode, &state, &r.Priority,
		&r.HasLocation, &r.Lat, &r.Lon, &r.Address, &r.Description, &attrs, &channel, &r.Reporter.Email, &r.Reporter.FirstName,
		&r.Reporter.LastName, &r.Reporter.Phone, &r.DeviceID, &r.AccountID, &r.MediaURL, &r.DepartmentID, &r.AssigneeID,
		&r.DuplicateOf, &r.Public, &submitted, &updated, &respDue, &resDue, &closed, &r.Resolution, &r.StatusNotes, &r.Version); err != nil {
		return nil, err
	}
	r.State, r.Channel = rathaus.State(state), rathaus.Channel(channel)
	r.SubmittedAt, r.UpdatedAt = fromMicros(submitted), fromMicros(updated)
	r.ResponseDue, r.ResolutionDue, r.ClosedAt = fromMicros(respDue), fromMicros(resDue), fromMicros(closed)
	if attrs != "" && attrs != "{}" {
		if err := json.Unmarshal([]byte(attrs), &r.Attributes); err != nil {
			return nil, fmt.Errorf("decode attributes of request %d: %w", r.ID, err)
		}
	}
	return &r, nil
}

// publicRequestCols is the lean column set of public lists: no personal
// data, no attributes, and nothing the public lists do not show (service
// ID, closing time; the jurisdiction is the filter's). Lists of a thousand
// requests spend most of their time moving columns (in the SQLite driver
// every column value is two calls, each taking the connection's mutex),
// so fewer columns are faster.
const publicRequestCols = `id, number, service_code, state, has_location, lat, lon, address, description, media_url,
	department_id, duplicate_of, public, submitted_at, updated_at, resolution_due, status_notes, version`

func scanPublicRequest(row interface{ Scan(...any) error }) (*rathaus.Request, error) {
	var r rathaus.Request
	var state string
	var submitted, updated, resDue int64
	if err := row.Scan(&r.ID, &r.Number, &r.ServiceCode, &state, &r.HasLocation, &r.Lat, &r.Lon, &r.Address, &r.Description,
		&r.MediaURL, &r.DepartmentID, &r.DuplicateOf, &r.Public, &submitted, &updated, &resDue, &r.StatusNotes, &r.Version); err != nil {
		return nil, err
	}
	r.State = rathaus.State(state)
	r.SubmittedAt, r.UpdatedAt, r.ResolutionDue = fromMicros(submitted), fromMicros(updated), fromMicros(resDue)
	return &r, nil
}

// versionCols is what a list reads for a caller that caches the public
// representation of requests (RequestFilter.VersionsOnly): which requests,
// in which order, at which version, and where (radius queries keep the
// circle by position).
const versionCols = `id, version, submitted_at, has_location, lat, lon`

func scanRequestVersion(row interface{ Scan(...any) error }) (*rathaus.Request, error) {
	var r rathaus.Request
	var submitted int64
	if err := row.Scan(&r.ID, &r.Version, &submitted, &r.HasLocation, &r.Lat, &r.Lon); err != nil {
		return nil, err
	}
	r.SubmittedAt = fromMicros(submitted)
	return &r, nil
}

// NextRequestNumber allocates the next number of a jurisdiction's year,
// formatted "2026-000123". Numbers are gap-free within committed
// transactions because the counter row is updated in the caller's transaction.
func (tx *Tx) NextRequestNumber(ctx context.Context, jurisdictionID int64, year int) (string, error) {
	var n int64
	err := tx.queryRow(ctx, `INSERT INTO request_counters (jurisdiction_id, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (jurisdiction_id, year) DO UPDATE SET last = request_counters.last + 1
		RETURNING last`, jurisdictionID, year).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("store: next request number: %w", err)
	}
	return fmt.Sprintf("%d-%06d", year, n), nil
}

// InsertRequest inserts r (its Number and Token must be set) and sets its ID.
// cell is the geo grid cell of the location, used by nearby lookups.
func (tx *Tx) InsertRequest(ctx context.Context, r *rathaus.Request, cell int64) error {
	attrs, err := encodeAttrs(r.Attributes)
	if err != nil {
		return err
	}
	// On SQLite the row carries its change stamp from the start (the
	// trigger of migration 00018 then only advances the counter, instead
	// of writing the new row a second time); PostgreSQL stamps it by the
	// column's default.
	stampCol, stampVal := "", ""
	if tx.dialect == SQLite {
		stampCol, stampVal = ", changed_seq", ", (SELECT seq + 1 FROM request_clock)"
	}
	id, err := tx.insertID(ctx, `INSERT INTO requests (jurisdiction_id, number, token, service_id, service_code, state, priority,
		has_location, lat, lon, cell, address, description, attributes, channel, reporter_email, reporter_first, reporter_last,
		reporter_phone, device_id, account_id, media_url, department_id, assignee_id, duplicate_of, public, submitted_at,
		updated_at, response_due, resolution_due, closed_at, resolution, status_notes`+stampCol+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
		$24, $25, $26, $27, $28, $29, $30, $31, $32, $33`+stampVal+`) RETURNING id`,
		r.JurisdictionID, r.Number, r.Token, r.ServiceID, r.ServiceCode, string(r.State), r.Priority, r.HasLocation, r.Lat, r.Lon,
		cell, r.Address, r.Description, attrs, string(r.Channel), r.Reporter.Email, r.Reporter.FirstName, r.Reporter.LastName,
		r.Reporter.Phone, r.DeviceID, r.AccountID, r.MediaURL, r.DepartmentID, r.AssigneeID, r.DuplicateOf, r.Public,
		micros(r.SubmittedAt), micros(r.UpdatedAt), micros(r.ResponseDue), micros(r.ResolutionDue), micros(r.ClosedAt),
		r.Resolution, r.StatusNotes)
	if err != nil {
		return fmt.Errorf("store: insert request %s: %w", r.Number, err)
	}
	r.ID = id
	return nil
}

func encodeAttrs(a map[string]string) (string, error) {
	if len(a) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(a)
	if err != nil {
		return "", fmt.Errorf("store: encode request attributes: %w", err)
	}
	return string(b), nil
}

// UpdateRequest saves the mutable workflow fields of r.
func (tx *Tx) UpdateRequest(ctx context.Context, r *rathaus.Request) error {
	res, err := tx.exec(ctx, `UPDATE requests SET state = $1, priority = $2, department_id = $3, assignee_id = $4,
		duplicate_of = $5, public = $6, updated_at = $7, response_due = $8, resolution_due = $9, closed_at = $10,
		resolution = $11, status_notes = $12, description = $13, version = version + 1
		WHERE id = $14 AND jurisdiction_id = $15`,
		string(r.State), r.Priority, r.DepartmentID, r.AssigneeID, r.DuplicateOf, r.Public, micros(r.UpdatedAt),
		micros(r.ResponseDue), micros(r.ResolutionDue), micros(r.ClosedAt), r.Resolution, r.StatusNotes, r.Description,
		r.ID, r.JurisdictionID)
	if err != nil {
		return fmt.Errorf("store: update request %d: %w", r.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rathaus.NotFoundf("request %d not found", r.ID)
	}
	r.Version++
	return nil
}

// Request returns a request by ID within a jurisdiction.
func (tx *Tx) Request(ctx context.Context, jurisdictionID, id int64) (*rathaus.Request, error) {
	r, err := scanRequest(tx.queryRow(ctx, `SELECT `+requestCols+` FROM requests WHERE jurisdiction_id = $1 AND id = $2`, jurisdictionID, id))
	if err != nil {
		return nil, notFound(err, "request %d", id)
	}
	return r, nil
}

// RequestForUpdate is Request, locking the row on PostgreSQL so that two
// staff actions on one request serialise. (SQLite has one writer anyway.)
func (tx *Tx) RequestForUpdate(ctx context.Context, jurisdictionID, id int64) (*rathaus.Request, error) {
	q := `SELECT ` + requestCols + ` FROM requests WHERE jurisdiction_id = $1 AND id = $2`
	if tx.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	r, err := scanRequest(tx.queryRow(ctx, q, jurisdictionID, id))
	if err != nil {
		return nil, notFound(err, "request %d", id)
	}
	return r, nil
}

// RequestByToken returns a request by its Open311 token / status-link secret.
func (tx *Tx) RequestByToken(ctx context.Context, jurisdictionID int64, token string) (*rathaus.Request, error) {
	r, err := scanRequest(tx.queryRow(ctx, `SELECT `+requestCols+` FROM requests WHERE jurisdiction_id = $1 AND token = $2`, jurisdictionID, token))
	if err != nil {
		return nil, notFound(err, "token")
	}
	return r, nil
}

// RequestFilter selects requests for lists and Open311 queries. Zero fields
// do not filter.
type RequestFilter struct {
	JurisdictionID int64
	IDs            []int64
	ServiceCodes   []string
	States         []rathaus.State
	SubmittedFrom  time.Time // inclusive
	SubmittedTo    time.Time // exclusive
	DepartmentID   int64
	// Area: a bounding box, optionally narrowed to grid cells (radius
	// queries). HasBox false means no spatial filter.
	HasBox                         bool
	MinLat, MinLon, MaxLat, MaxLon float64
	Cells                          []int64
	PublicOnly                     bool // leave out merged duplicates
	// PublicFields reads only what public lists show (no personal data,
	// no attributes, no token; ServiceID and ClosedAt stay zero).
	PublicFields bool
	// VersionsOnly reads only ID, Version, SubmittedAt and the position,
	// for callers that cache the rest by version.
	VersionsOnly  bool
	Limit, Offset int
}

// maxNearbyCells bounds the cells of a query that OneServiceNearby sends
// to requests_nearby: one index range per cell.
const maxNearbyCells = 64

// OneServiceNearby reports whether f selects one service's requests in a
// few grid cells (the duplicate lookup, or a radius query with one
// service_code). The index requests_nearby (jurisdiction, service, cell,
// submission time) answers it with one short range per cell, holding only
// matches of the service and period, so the caller needs neither a count
// nor time slices: the matches are few enough to sort.
func (f RequestFilter) OneServiceNearby() bool {
	return f.HasBox && len(f.ServiceCodes) == 1 && len(f.Cells) > 0 && len(f.Cells) <= maxNearbyCells && len(f.IDs) == 0
}

// DefaultLimit is the page size of Requests when the filter sets none
// (or one above MaxLimit).
const (
	DefaultLimit = 1000
	MaxLimit     = 10000
)

// Requests lists requests, newest first.
func (tx *Tx) Requests(ctx context.Context, f RequestFilter) ([]*rathaus.Request, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	where = append(where, "jurisdiction_id = "+arg(f.JurisdictionID))
	if len(f.IDs) > 0 {
		where = append(where, tx.idList("id", arg, f.IDs))
	}
	if len(f.ServiceCodes) > 0 {
		where = append(where, "service_code IN ("+listArgs(arg, f.ServiceCodes)+")")
	}
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, s := range f.States {
			states[i] = string(s)
		}
		where = append(where, "state IN ("+listArgs(arg, states)+")")
	}
	if !f.SubmittedFrom.IsZero() {
		where = append(where, "submitted_at >= "+arg(micros(f.SubmittedFrom)))
	}
	if !f.SubmittedTo.IsZero() {
		where = append(where, "submitted_at < "+arg(micros(f.SubmittedTo)))
	}
	if f.DepartmentID != 0 {
		where = append(where, "department_id = "+arg(f.DepartmentID))
	}
	from, spatial := "requests", false
	if f.HasBox {
		where = append(where, "has_location = TRUE", "lat BETWEEN "+arg(f.MinLat)+" AND "+arg(f.MaxLat),
			"lon BETWEEN "+arg(f.MinLon)+" AND "+arg(f.MaxLon))
		switch {
		case f.OneServiceNearby():
			// A few cells of one service: requests_nearby holds exactly
			// those, so no R*Tree (see OneServiceNearby). PostgreSQL
			// finds the index by itself.
			if tx.dialect == SQLite {
				from = "requests INDEXED BY requests_nearby"
			}
		case tx.dialect == SQLite:
			// The R*Tree of migration 00010 finds the box and period; its
			// integer bounds are widened to a superset and the conditions
			// above keep the exact box. CROSS JOIN makes SQLite read the
			// R*Tree first: left to itself, it walks the time index and
			// probes the R*Tree once per row of the period.
			from, spatial = "requests_space CROSS JOIN requests ON requests.id = requests_space.request_id", true
			where = append(where, "min_lon >= "+arg(spaceUnit(f.MinLon, -1)), "max_lon <= "+arg(spaceUnit(f.MaxLon, 1)),
				"min_lat >= "+arg(spaceUnit(f.MinLat, -1)), "max_lat <= "+arg(spaceUnit(f.MaxLat, 1)))
			if !f.SubmittedFrom.IsZero() {
				where = append(where, "max_t >= "+arg(spaceTime(f.SubmittedFrom, -1)))
			}
			if !f.SubmittedTo.IsZero() {
				where = append(where, "min_t <= "+arg(spaceTime(f.SubmittedTo, 1)))
			}
		}
		if len(f.Cells) > 0 {
			// One parameter, so that the SQL text does not change with the
			// number of cells and the statement stays prepared.
			where = append(where, tx.idList("cell", arg, f.Cells))
		}
	}
	if f.PublicOnly {
		where = append(where, "duplicate_of = 0")
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	cols, scan := requestCols, scanRequest
	switch {
	case f.VersionsOnly:
		cols, scan = versionCols, scanRequestVersion
	case f.PublicFields:
		cols, scan = publicRequestCols, scanPublicRequest
	}
	q := `SELECT ` + cols + ` FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY submitted_at DESC, id DESC LIMIT ` + arg(limit) + ` OFFSET ` + arg(max(f.Offset, 0))
	if spatial {
		// The R*Tree yields matches in no useful order, so they are
		// sorted. Sorting only (time, id) and reading the columns of the
		// page afterwards keeps the sorter's records small: with whole
		// rows, the sort was most of a map query. The page comes back in
		// the inner order on SQLite, but SQL does not promise it, so it is
		// sorted again below (a sorted slice costs one pass).
		q = `SELECT ` + cols + ` FROM (SELECT requests.id AS page_id FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") +
			` ORDER BY submitted_at DESC, id DESC LIMIT ` + arg(limit) + ` OFFSET ` + arg(max(f.Offset, 0)) +
			`) AS page CROSS JOIN requests ON requests.id = page.page_id`
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list requests: %w", err)
	}
	defer rows.Close()
	var out []*rathaus.Request
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list requests: %w", err)
		}
		r.JurisdictionID = f.JurisdictionID
		out = append(out, r)
	}
	if spatial {
		slices.SortFunc(out, newestFirst)
	}
	return out, rows.Err()
}

// CountRequests counts the requests of a jurisdiction.
func (tx *Tx) CountRequests(ctx context.Context, jurisdictionID int64) (int, error) {
	var n int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM requests WHERE jurisdiction_id = $1`, jurisdictionID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count requests: %w", err)
	}
	return n, nil
}

// newestFirst is the order of request lists: submission time, then ID,
// both descending.
func newestFirst(a, b *rathaus.Request) int {
	if c := b.SubmittedAt.Compare(a.SubmittedAt); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

// CountInBox counts the requests whose position and submission time lie
// in f's box and period from an index alone, without the rows: an upper
// bound of what Requests(f) finds, for sizing the time slices of a map
// query. SQLite counts its R*Tree (box and period, nothing else);
// PostgreSQL counts the grid cells of f.Cells over the period with an
// index-only scan of requests_cells. ok is false when neither applies
// (PostgreSQL without cells).
func (tx *Tx) CountInBox(ctx context.Context, f RequestFilter) (n int, ok bool, err error) {
	if !f.HasBox {
		return 0, false, nil
	}
	var q string
	var args []any
	if tx.dialect == SQLite {
		args = []any{spaceUnit(f.MinLon, -1), spaceUnit(f.MaxLon, 1), spaceUnit(f.MinLat, -1), spaceUnit(f.MaxLat, 1),
			int64(math.MinInt32), int64(math.MaxInt32)}
		if !f.SubmittedFrom.IsZero() {
			args[4] = spaceTime(f.SubmittedFrom, -1)
		}
		if !f.SubmittedTo.IsZero() {
			args[5] = spaceTime(f.SubmittedTo, 1)
		}
		q = `SELECT count(*) FROM requests_space WHERE min_lon >= $1 AND max_lon <= $2
		AND min_lat >= $3 AND max_lat <= $4 AND max_t >= $5 AND min_t <= $6`
	} else {
		if len(f.Cells) == 0 {
			return 0, false, nil
		}
		to := int64(math.MaxInt64)
		if !f.SubmittedTo.IsZero() {
			to = micros(f.SubmittedTo)
		}
		args = []any{f.JurisdictionID, f.Cells, micros(f.SubmittedFrom), to}
		q = `SELECT count(*) FROM requests WHERE jurisdiction_id = $1 AND cell = ANY($2)
		AND submitted_at >= $3 AND submitted_at < $4`
	}
	if err := tx.queryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, false, fmt.Errorf("store: count requests in box: %w", err)
	}
	return n, true, nil
}

// spaceUnit converts a coordinate to the R*Tree's unit (1e-7 degrees, see
// migration 00010), rounded down (dir < 0) or up, and one unit further,
// so that a bound never excludes a point the exact condition includes.
func spaceUnit(deg float64, dir int) int64 {
	if dir < 0 {
		return int64(math.Floor(deg*1e7)) - 1
	}
	return int64(math.Ceil(deg*1e7)) + 1
}

// spaceTime converts t to the R*Tree's time unit (seconds since
// 2000-01-01 UTC, clamped to int32 like the stored values), rounded
// outwards as spaceUnit does.
func spaceTime(t time.Time, dir int) int64 {
	s := t.Unix() - 946684800
	if dir > 0 {
		s++
	} else {
		s--
	}
	return min(max(s, math.MinInt32), math.MaxInt32)
}

// idList returns the condition "col is one of ids" with the ids bound as
// ONE parameter: an array on PostgreSQL, a JSON array read by json_each on
// SQLite. A thousand separate $n parameters cost SQLite time quadratic in
// their number, since it resolves each name by a linear search.
func (tx *Tx) idList(col string, arg func(any) string, ids []int64) string {
	if tx.dialect == Postgres {
		return col + " = ANY(" + arg(ids) + ")"
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte(']')
	return col + " IN (SELECT value FROM json_each(" + arg(b.String()) + "))"
}

// listArgs binds each value as its own parameter; for short lists only
// (use idList for long ones).
func listArgs[T any](arg func(any) string, vs []T) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = arg(v)
	}
	return strings.Join(parts, ", ")
}

// AppendEvent adds e to a request's history and sets its ID.
func (tx *Tx) AppendEvent(ctx context.Context, e *rathaus.Event) error {
	id, err := tx.insertID(ctx, `INSERT INTO events (jurisdiction_id, request_id, type, at, actor_id, public, from_state, to_state, department_id, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		e.JurisdictionID, e.RequestID, string(e.Type), micros(e.At), e.ActorID, e.Public, string(e.FromState), string(e.ToState),
		e.DepartmentID, e.Body)
	if err != nil {
		return fmt.Errorf("store: append %s event to request %d: %w", e.Type, e.RequestID, err)
	}
	e.ID = id
	return nil
}

const eventCols = `id, jurisdiction_id, request_id, type, at, actor_id, public, from_state, to_state, department_id, body`

func scanEvent(row interface{ Scan(...any) error }) (*rathaus.Event, error) {
	var e rathaus.Event
	var typ, from, to string
	var at int64
	if err := row.Scan(&e.ID, &e.JurisdictionID, &e.RequestID, &typ, &at, &e.ActorID, &e.Public, &from, &to, &e.DepartmentID, &e.Body); err != nil {
		return nil, err
	}
	e.Type, e.FromState, e.ToState, e.At = rathaus.EventType(typ), rathaus.State(from), rathaus.State(to), fromMicros(at)
	return &e, nil
}

// Events returns the history of the given requests in order.
func (tx *Tx) Events(ctx context.Context, requestIDs ...int64) ([]*rathaus.Event, error) {
	if len(requestIDs) == 0 {
		return nil, nil
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	rows, err := tx.query(ctx, `SELECT `+eventCols+` FROM events WHERE `+tx.idList("request_id", arg, requestIDs)+` ORDER BY request_id, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list events: %w", err)
	}
	defer rows.Close()
	var out []*rathaus.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// PublicEventsBetween returns public events of a jurisdiction in [from, to),
// oldest first, for the servicerequestupdates feed.
func (tx *Tx) PublicEventsBetween(ctx context.Context, jurisdictionID int64, from, to time.Time, limit int) ([]*rathaus.Event, error) {
	rows, err := tx.query(ctx, `SELECT `+eventCols+` FROM events WHERE jurisdiction_id = $1 AND at >= $2 AND at < $3 AND public = TRUE
		ORDER BY at, id LIMIT $4`, jurisdictionID, micros(from), micros(to), limit)
	if err != nil {
		return nil, fmt.Errorf("store: list public events: %w", err)
	}
	defer rows.Close()
	var out []*rathaus.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list public events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AddMedia stores a photo reference and sets its ID.
func (tx *Tx) AddMedia(ctx context.Context, jurisdictionID int64, m *rathaus.Media) error {
	id, err := tx.insertID(ctx, `INSERT INTO media (jurisdiction_id, request_id, blob_key, content_type, width, height, public, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		jurisdictionID, m.RequestID, m.BlobKey, m.ContentType, m.Width, m.Height, m.Public, micros(m.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: add media to request %d: %w", m.RequestID, err)
	}
	m.ID = id
	return tx.bumpVersionOfMedia(ctx, jurisdictionID, id)
}

// bumpVersionOfMedia raises the version of the request a photo belongs
// to: its public representation lists the photo.
func (tx *Tx) bumpVersionOfMedia(ctx context.Context, jurisdictionID, mediaID int64) error {
	if _, err := tx.exec(ctx, `UPDATE requests SET version = version + 1 WHERE jurisdiction_id = $1
		AND id = (SELECT request_id FROM media WHERE id = $2)`, jurisdictionID, mediaID); err != nil {
		return fmt.Errorf("store: version of the request of media %d: %w", mediaID, err)
	}
	return nil
}

// Media returns the photos of the given requests, in upload order.
func (tx *Tx) Media(ctx context.Context, requestIDs ...int64) ([]*rathaus.Media, error) {
	if len(requestIDs) == 0 {
		return nil, nil
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	rows, err := tx.query(ctx, `SELECT id, request_id, blob_key, content_type, width, height, public, created_at
		FROM media WHERE `+tx.idList("request_id", arg, requestIDs)+` ORDER BY request_id, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list media: %w", err)
	}
	defer rows.Close()
	var out []*rathaus.Media
	for rows.Next() {
		var m rathaus.Media
		var created int64
		if err := rows.Scan(&m.ID, &m.RequestID, &m.BlobKey, &m.ContentType, &m.Width, &m.Height, &m.Public, &created); err != nil {
			return nil, fmt.Errorf("store: list media: %w", err)
		}
		m.CreatedAt = fromMicros(created)
		out = append(out, &m)
	}
	return out, rows.Err()
}

// MediaByID returns one photo of a jurisdiction.
func (tx *Tx) MediaByID(ctx context.Context, jurisdictionID, id int64) (*rathaus.Media, error) {
	var m rathaus.Media
	var created int64
	err := tx.queryRow(ctx, `SELECT id, request_id, blob_key, content_type, width, height, public, created_at
		FROM media WHERE jurisdiction_id = $1 AND id = $2`, jurisdictionID, id).
		Scan(&m.ID, &m.RequestID, &m.BlobKey, &m.ContentType, &m.Width, &m.Height, &m.Public, &created)
	if err != nil {
		return nil, notFound(err, "media %d", id)
	}
	m.CreatedAt = fromMicros(created)
	return &m, nil
}

// EraseExpiredContacts removes the reporter's personal data (contact,
// device and account ids) from requests closed longer ago than their
// service's retention period. The request and its history stay, so
// statistics do not change. It returns how many requests were erased.
func (tx *Tx) EraseExpiredContacts(ctx context.Context, now time.Time) (int64, error) {
	res, err := tx.exec(ctx, `UPDATE requests SET reporter_email = '', reporter_first = '', reporter_last = '',
		reporter_phone = '', device_id = '', account_id = '', erased_at = $1
		WHERE erased_at = 0 AND closed_at > 0
		AND closed_at + (SELECT retention_days FROM services s WHERE s.id = requests.service_id) * 86400000000 < $1`, micros(now))
	if err != nil {
		return 0, fmt.Errorf("store: erase expired contacts: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return n, err
	}
	// Subscribers and pending confirmations of those requests go too, and
	// the free texts of their survey (the rating's comment and the answers
	// to text questions), which may name or describe the citizen; scores
	// and yes/no answers stay, as they are figures and not personal data.
	for _, q := range []string{
		`DELETE FROM request_subscribers WHERE request_id IN (SELECT id FROM requests WHERE erased_at = $1)`,
		`DELETE FROM email_confirmations WHERE request_id IN (SELECT id FROM requests WHERE erased_at = $1)`,
		`UPDATE ratings SET comment = '' WHERE comment <> '' AND request_id IN (SELECT id FROM requests WHERE erased_at = $1)`,
		`UPDATE survey_answers SET text = '' WHERE text <> '' AND request_id IN (SELECT id FROM requests WHERE erased_at = $1)`,
	} {
		if _, err := tx.exec(ctx, q, micros(now)); err != nil {
			return 0, fmt.Errorf("store: erase expired subscribers: %w", err)
		}
	}
	return n, nil
}
