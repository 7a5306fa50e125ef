package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/rathaus/rathaus"
)

// Bulk loading is for seeding large data sets (benchmarks, imports into an
// otherwise idle database): many rows per INSERT statement, IDs assigned
// here rather than by the database, so that the caller learns every ID
// without a RETURNING per row. Live traffic uses InsertRequest and
// AppendEvent.

// maxBulkParams keeps a multi-row INSERT below SQLite's limit of 32766
// bound parameters (PostgreSQL allows 65535).
const maxBulkParams = 32766

// bulkRows is how many rows one INSERT carries at most; fewer when the
// table has so many columns that the parameter limit comes first. Past a
// few hundred rows a larger statement is no faster on either dialect.
const bulkRows = 500

// requestBulkCols are the columns BulkInsertRequests writes, id first.
const requestBulkCols = `id, jurisdiction_id, number, token, service_id, service_code, state, priority,
	has_location, lat, lon, cell, address, description, attributes, channel, reporter_email, reporter_first, reporter_last,
	reporter_phone, device_id, account_id, media_url, department_id, assignee_id, duplicate_of, public, submitted_at,
	updated_at, response_due, resolution_due, closed_at, resolution, status_notes`

const eventBulkCols = `id, jurisdiction_id, request_id, type, at, actor_id, public, from_state, to_state, department_id, body`

// ReserveRequestNumbers takes n consecutive numbers of a jurisdiction's
// year from its counter, as n calls of NextRequestNumber would, and returns
// them formatted like NextRequestNumber ("2026-000123"). Numbers taken in
// bulk and one at a time never collide because both move the same counter.
func (tx *Tx) ReserveRequestNumbers(ctx context.Context, jurisdictionID int64, year, n int) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	var last int64
	err := tx.queryRow(ctx, `INSERT INTO request_counters (jurisdiction_id, year, last) VALUES ($1, $2, $3)
		ON CONFLICT (jurisdiction_id, year) DO UPDATE SET last = request_counters.last + $3
		RETURNING last`, jurisdictionID, year, int64(n)).Scan(&last)
	if err != nil {
		return nil, fmt.Errorf("store: reserve %d request numbers: %w", n, err)
	}
	out := make([]string, n)
	first := last - int64(n) + 1
	for i := range out {
		out[i] = fmt.Sprintf("%d-%06d", year, first+int64(i))
	}
	return out, nil
}

// BulkInsertRequests inserts rs (Number and Token set, for example from
// ReserveRequestNumbers) with many rows per statement and sets their IDs,
// which follow the largest ID in the table in the order of rs. cells[i] is
// the geo grid cell of rs[i]. On PostgreSQL the table is locked against
// concurrent writers for the rest of the transaction and the ID sequence
// is moved past the new rows, so later InsertRequest calls continue after
// them.
func (tx *Tx) BulkInsertRequests(ctx context.Context, rs []*rathaus.Request, cells []int64) error {
	if len(cells) != len(rs) {
		return fmt.Errorf("store: bulk insert requests: %d requests but %d cells", len(rs), len(cells))
	}
	if len(rs) == 0 {
		return nil
	}
	next, err := tx.nextBulkID(ctx, "requests")
	if err != nil {
		return err
	}
	const ncols = 34
	err = tx.bulkInsert(ctx, "requests", requestBulkCols, ncols, len(rs), func(i int, args []any) ([]any, error) {
		r := rs[i]
		attrs, err := encodeAttrs(r.Attributes)
		if err != nil {
			return nil, err
		}
		r.ID = next + int64(i)
		return append(args, r.ID, r.JurisdictionID, r.Number, r.Token, r.ServiceID, r.ServiceCode, string(r.State), r.Priority,
			r.HasLocation, r.Lat, r.Lon, cells[i], r.Address, r.Description, attrs, string(r.Channel), r.Reporter.Email,
			r.Reporter.FirstName, r.Reporter.LastName, r.Reporter.Phone, r.DeviceID, r.AccountID, r.MediaURL, r.DepartmentID,
			r.AssigneeID, r.DuplicateOf, r.Public, micros(r.SubmittedAt), micros(r.UpdatedAt), micros(r.ResponseDue),
			micros(r.ResolutionDue), micros(r.ClosedAt), r.Resolution, r.StatusNotes), nil
	})
	if err != nil {
		for _, r := range rs {
			r.ID = 0
		}
		return fmt.Errorf("store: bulk insert requests: %w", err)
	}
	return tx.advanceSequence(ctx, "requests", next+int64(len(rs))-1)
}

// BulkInsertEvents appends es (their RequestIDs set) with many rows per
// statement and sets their IDs, which follow the largest event ID in the
// order of es. As with BulkInsertRequests, PostgreSQL's sequence is moved
// past the new rows.
func (tx *Tx) BulkInsertEvents(ctx context.Context, es []*rathaus.Event) error {
	if len(es) == 0 {
		return nil
	}
	next, err := tx.nextBulkID(ctx, "events")
	if err != nil {
		return err
	}
	const ncols = 11
	err = tx.bulkInsert(ctx, "events", eventBulkCols, ncols, len(es), func(i int, args []any) ([]any, error) {
		e := es[i]
		e.ID = next + int64(i)
		return append(args, e.ID, e.JurisdictionID, e.RequestID, string(e.Type), micros(e.At), e.ActorID, e.Public,
			string(e.FromState), string(e.ToState), e.DepartmentID, e.Body), nil
	})
	if err != nil {
		for _, e := range es {
			e.ID = 0
		}
		return fmt.Errorf("store: bulk insert events: %w", err)
	}
	return tx.advanceSequence(ctx, "events", next+int64(len(es))-1)
}

// nextBulkID returns the first free ID of table. On PostgreSQL it first
// locks the table in a mode that lets readers in but no other writer, so
// no concurrent insert can take an ID between MAX(id) and the new rows;
// on SQLite the single writer connection gives the same guarantee.
func (tx *Tx) nextBulkID(ctx context.Context, table string) (int64, error) {
	if tx.dialect == Postgres {
		if _, err := tx.exec(ctx, `LOCK TABLE `+table+` IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return 0, fmt.Errorf("store: lock %s for bulk insert: %w", table, err)
		}
	}
	var maxID int64
	if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&maxID); err != nil {
		return 0, fmt.Errorf("store: bulk insert into %s: %w", table, err)
	}
	if tx.dialect == Postgres {
		// The sequence may be ahead of MAX(id) after rolled-back inserts;
		// start after both so that no ID the sequence handed out is reused.
		var last int64
		var called bool
		if err := tx.queryRow(ctx, `SELECT last_value, is_called FROM `+pgSequence(table)).Scan(&last, &called); err != nil {
			return 0, fmt.Errorf("store: read %s id sequence: %w", table, err)
		}
		if called && last > maxID {
			maxID = last
		}
	}
	return maxID + 1, nil
}

// pgSequence names the identity sequence of table's id column the way
// PostgreSQL names it implicitly; the table is looked up via search_path.
func pgSequence(table string) string { return table + "_id_seq" }

// advanceSequence makes PostgreSQL's identity sequence of table hand out
// IDs after last. SQLite's INTEGER PRIMARY KEY needs nothing.
func (tx *Tx) advanceSequence(ctx context.Context, table string, last int64) error {
	if tx.dialect != Postgres {
		return nil
	}
	if _, err := tx.exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), $2)`, table, last); err != nil {
		return fmt.Errorf("store: advance %s id sequence: %w", table, err)
	}
	return nil
}

// bulkInsert writes n rows into table with multi-row INSERT statements.
// row appends the ncols arguments of row i to args and returns it. The
// statement of a full chunk is prepared once and reused.
func (tx *Tx) bulkInsert(ctx context.Context, table, cols string, ncols, n int, row func(i int, args []any) ([]any, error)) error {
	per := min(bulkRows, maxBulkParams/ncols)
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, per*ncols)
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		args = args[:0]
		for i := start; i < end; i++ {
			var err error
			if args, err = row(i, args); err != nil {
				return err
			}
		}
		query := insertValues(table, cols, ncols, end-start, tx.dialect)
		var err error
		if end-start == per {
			if full == nil {
				if full, err = tx.tx.PrepareContext(ctx, query); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			// The last, shorter chunk has SQL of its own length: not worth
			// keeping prepared (see Tx.stmt).
			_, err = tx.tx.ExecContext(ctx, query, args...)
		}
		if err != nil {
			return fmt.Errorf("rows %d to %d: %w", start, end-1, err)
		}
	}
	return nil
}

// insertValues builds "INSERT INTO table (cols) VALUES ($1, ...), (...)"
// for rows rows of ncols placeholders each. SQLite gets anonymous "?"
// placeholders: it treats "$1" as a named parameter, and the driver looks
// every name up in a list, which makes binding thousands of them quadratic.
func insertValues(table, cols string, ncols, rows int, d Dialect) string {
	var b strings.Builder
	b.Grow(len(cols) + rows*ncols*7 + 32)
	b.WriteString("INSERT INTO ")
	b.WriteString(table)
	b.WriteString(" (")
	b.WriteString(cols)
	b.WriteString(") VALUES ")
	p := 1
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range ncols {
			if c > 0 {
				b.WriteByte(',')
			}
			if d == SQLite {
				b.WriteByte('?')
			} else {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(p))
			}
			p++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// Analyze refreshes the query planner's statistics of every table, which
// a planner needs after a bulk load to pick the right index.
func (db *DB) Analyze(ctx context.Context) error {
	if db.dialect == Postgres {
		// After a bulk load autovacuum would soon vacuum the big tables;
		// doing it now sets the visibility map, so that counts over an
		// index (the inbox) are index-only scans from the start, as in
		// production.
		for _, table := range []string{"requests", "events"} {
			if _, err := db.write.ExecContext(ctx, `VACUUM `+table); err != nil {
				return fmt.Errorf("store: vacuum %s: %w", table, err)
			}
		}
	}
	if _, err := db.write.ExecContext(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("store: analyze: %w", err)
	}
	return nil
}

// bulkCacheKiB is SQLite's page cache on the writer connection during a
// bulk load. With the default of 2 MiB, inserts into the random-order
// token index and the other indexes of a table with millions of rows miss
// the cache on almost every row, and a load slows down several times as
// the table grows.
const bulkCacheKiB = 512 << 10

// BulkLoad runs fn, which loads data with the Bulk methods, with settings
// for bulk loading, and restores the normal settings afterwards. On SQLite
// that is a large page cache on the writer connection; on PostgreSQL it
// changes nothing.
func (db *DB) BulkLoad(ctx context.Context, fn func() error) error {
	if db.dialect != SQLite {
		return fn()
	}
	var old int64
	if err := db.write.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&old); err != nil {
		return fmt.Errorf("store: read cache size: %w", err)
	}
	if _, err := db.write.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, bulkCacheKiB)); err != nil {
		return fmt.Errorf("store: set cache size for bulk load: %w", err)
	}
	err := fn()
	// Shrinking the cache frees its pages; do it even if fn failed.
	if _, rerr := db.write.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA cache_size = %d`, old)); rerr != nil && err == nil {
		err = fmt.Errorf("store: restore cache size: %w", rerr)
	}
	return err
}
