package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
)

// Pin is what a list of versions (RequestFilter.VersionsOnly) needs of a
// request to select and order it: where and when it was submitted (never
// changed after submission), and what can change (version, state,
// duplicate). Version names the request's public representation.
type Pin struct {
	ID          int64
	Version     int64
	SubmittedAt int64 // microseconds since the Unix epoch, as stored
	HasLocation bool
	Lat, Lon    float64
	ServiceCode string
	State       rathaus.State
	Duplicate   bool // merged into another request
}

// ChangeMark is a position in the change feed of requests (migration
// 00018). On SQLite, Seq is the counter: every change up to it has been
// read. On PostgreSQL, Seq is the snapshot's xmax (one above the newest
// transaction that had ended; transactions from it on may still run or
// not have started) and Running the transactions below it that were still
// running: every change of the other transactions below Seq has been
// read. PinChanges(mark) returns the
// rest and the next mark.
type ChangeMark struct {
	Seq     uint64
	Running []uint64
}

const pinCols = `id, version, submitted_at, has_location, lat, lon, service_code, state, duplicate_of`

// RequestPins calls fn with the pin of every request of a jurisdiction
// submitted since since (a city has a million of them; no slice). Take
// the mark from which PinChanges continues (DB.ChangeMark) before: what
// changes between the two comes again from PinChanges, where applying it
// twice does no harm.
func (tx *Tx) RequestPins(ctx context.Context, jurisdictionID int64, since time.Time, fn func(Pin)) error {
	return tx.scanPins(ctx, `SELECT `+pinCols+` FROM requests WHERE jurisdiction_id = $1 AND submitted_at >= $2`,
		fn, jurisdictionID, micros(since))
}

// PinChanges calls fn with the current pin of every request of the
// jurisdiction that was submitted or changed since mark. Take the next
// mark (DB.ChangeMark) before, for the same reason as with RequestPins; a
// pin may come again in a later call.
func (tx *Tx) PinChanges(ctx context.Context, jurisdictionID int64, mark ChangeMark, fn func(Pin)) error {
	if tx.dialect == SQLite {
		return tx.scanPins(ctx, `SELECT `+pinCols+` FROM requests WHERE jurisdiction_id = $1 AND changed_seq > $2`,
			fn, jurisdictionID, int64(mark.Seq))
	}
	// New transactions, and those that were running at the last read
	// (committed since, or read again next time). Transactions that had
	// ended by then are not read again, however long another one runs.
	return tx.scanPins(ctx, `SELECT `+pinCols+` FROM requests WHERE jurisdiction_id = $1
		AND (changed_xid >= $2::text::xid8 OR changed_xid = ANY($3::text::xid8[]))`, fn,
		jurisdictionID, strconv.FormatUint(mark.Seq, 10), xidArray(mark.Running))
}

// ChangeMark returns the current end of the change feed, outside any
// transaction (one statement, so that a reader can see cheaply whether
// anything was written since its mark: then the marks are Equal). On
// SQLite it is the counter: single writer, so every stamp up to it is
// committed. On PostgreSQL it is the snapshot's xmax and the transactions
// it sees running (in ascending order).
func (db *DB) ChangeMark(ctx context.Context) (ChangeMark, error) {
	var m ChangeMark
	if db.dialect == SQLite {
		var seq int64
		if err := db.read.QueryRowContext(ctx, `SELECT seq FROM request_clock WHERE id = 1`).Scan(&seq); err != nil {
			return m, fmt.Errorf("store: change mark: %w", err)
		}
		m.Seq = uint64(seq)
		return m, nil
	}
	var running string
	err := db.read.QueryRowContext(ctx, `SELECT pg_snapshot_xmax(s)::text,
		coalesce((SELECT string_agg(x::text, ',' ORDER BY x) FROM pg_snapshot_xip(s) x), '')
		FROM (SELECT pg_current_snapshot() AS s) AS now`).Scan(&m.Seq, &running)
	if err != nil {
		return m, fmt.Errorf("store: change mark: %w", err)
	}
	for part := range strings.SplitSeq(running, ",") {
		if part == "" {
			continue
		}
		x, err := strconv.ParseUint(part, 10, 64)
		if err != nil {
			return m, fmt.Errorf("store: change mark: running transaction %q: %w", part, err)
		}
		m.Running = append(m.Running, x)
	}
	return m, nil
}

// Equal reports whether m and o are the same position: on PostgreSQL, no
// transaction has started writing or ended between them.
func (m ChangeMark) Equal(o ChangeMark) bool {
	return m.Seq == o.Seq && slices.Equal(m.Running, o.Running)
}

// xidArray writes xids as a PostgreSQL array literal.
func xidArray(xids []uint64) string {
	b := []byte{'{'}
	for i, x := range xids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, x, 10)
	}
	return string(append(b, '}'))
}

func (tx *Tx) scanPins(ctx context.Context, q string, fn func(Pin), args ...any) error {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: read pins: %w", err)
	}
	defer rows.Close()
	var p Pin
	var state string
	var duplicateOf int64
	for rows.Next() {
		if err := rows.Scan(&p.ID, &p.Version, &p.SubmittedAt, &p.HasLocation, &p.Lat, &p.Lon, &p.ServiceCode, &state, &duplicateOf); err != nil {
			return fmt.Errorf("store: read pins: %w", err)
		}
		p.State, p.Duplicate = rathaus.State(state), duplicateOf != 0
		fn(p)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read pins: %w", err)
	}
	return nil
}
