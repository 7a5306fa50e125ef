package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/rathaus/rathaus"
)

// Pin is what a map query needs of a located request: where and when it
// was submitted (never changed after submission), and what can change
// (version, state, duplicate). Version names the request's public
// representation, as in RequestFilter.VersionsOnly.
type Pin struct {
	ID          int64
	Version     int64
	SubmittedAt int64 // microseconds since the Unix epoch, as stored
	Lat, Lon    float64
	ServiceCode string
	State       rathaus.State
	Duplicate   bool // merged into another request
}

// ChangeMark is a position in the change feed of requests (migration
// 00018): a counter on SQLite, a transaction ID on PostgreSQL. A reader
// that holds mark M has seen every change below M; PinChanges(M) returns
// the rest and the next mark.
type ChangeMark uint64

const pinCols = `id, version, submitted_at, lat, lon, service_code, state, duplicate_of`

// RequestPins returns the pins of a jurisdiction's located requests
// submitted since since, and the mark from which PinChanges continues.
// fn is called once per pin (a city has a million of them; no slice).
func (tx *Tx) RequestPins(ctx context.Context, jurisdictionID int64, since time.Time, fn func(Pin)) (ChangeMark, error) {
	// The mark first: what changes between it and the read below comes
	// again from PinChanges, where applying it twice does no harm.
	mark, err := tx.changeMark(ctx)
	if err != nil {
		return 0, err
	}
	err = tx.scanPins(ctx, `SELECT `+pinCols+` FROM requests WHERE jurisdiction_id = $1 AND has_location = TRUE
		AND submitted_at >= $2`, fn, jurisdictionID, micros(since))
	return mark, err
}

// PinChanges calls fn with the current pin of every located request of the
// jurisdiction that was submitted or changed since mark, and returns the
// next mark. A pin may come again in a later call.
func (tx *Tx) PinChanges(ctx context.Context, jurisdictionID int64, mark ChangeMark, fn func(Pin)) (ChangeMark, error) {
	next, err := tx.changeMark(ctx)
	if err != nil {
		return 0, err
	}
	if tx.dialect == SQLite {
		if next == mark {
			return mark, nil // the common case: nothing was written
		}
		err = tx.scanPins(ctx, `SELECT `+pinCols+` FROM requests WHERE jurisdiction_id = $1 AND changed_seq > $2
			AND has_location = TRUE`, fn, jurisdictionID, int64(mark))
	} else {
		// Transactions from mark on may have committed since the last
		// call; those still running are read again next time.
		err = tx.scanPins(ctx, `SELECT `+pinCols+` FROM requests WHERE jurisdiction_id = $1
			AND changed_xid >= $2::text::xid8 AND has_location = TRUE`, fn, jurisdictionID, strconv.FormatUint(uint64(mark), 10))
	}
	if err != nil {
		return 0, err
	}
	return next, nil
}

// changeMark returns the current end of the change feed: on SQLite the
// counter (single writer, so every stamp up to it is committed in this
// snapshot); on PostgreSQL the oldest transaction still running, below
// which every transaction has ended.
func (tx *Tx) changeMark(ctx context.Context) (ChangeMark, error) {
	var q string
	if tx.dialect == SQLite {
		q = `SELECT seq FROM request_clock WHERE id = 1`
	} else {
		q = `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint`
	}
	var m int64
	if err := tx.queryRow(ctx, q).Scan(&m); err != nil {
		return 0, fmt.Errorf("store: change mark: %w", err)
	}
	return ChangeMark(m), nil
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
		if err := rows.Scan(&p.ID, &p.Version, &p.SubmittedAt, &p.Lat, &p.Lon, &p.ServiceCode, &state, &duplicateOf); err != nil {
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
