package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rathaus/rathaus"
)

// Status of a sortition draw.
const (
	DrawQueued  = "queued"
	DrawRunning = "running"
	DrawDone    = "done"
	DrawFailed  = "failed"
)

// SortitionDraw is a draw run from the staff pages: its settings, the
// hashes of its inputs and its state. The result files are read one at a
// time with SortitionFile; the pool with SortitionPool.
type SortitionDraw struct {
	ID             int64
	JurisdictionID int64
	Title          string
	Algorithm      string
	Seats          int
	Seed           string
	IDColumn       string
	KeepPool       bool
	Status         string
	Error          string // why it failed, for staff (may name ids of the pool, never logged)
	PeopleName     string
	QuotasName     string
	PeopleSHA256   string
	QuotasSHA256   string
	AlreadySHA256  string
	PoolSize       int
	CreatedBy      int64
	CreatedAt      time.Time
	Attempts       int
	StartedAt      time.Time
	FinishedAt     time.Time
	PoolDeletedAt  time.Time
	PanelSHA256    string
	HasPool        bool // the pool row still exists
}

// SortitionPool is the uploaded input of a draw: personal data, kept in a
// row of its own so that deleting it is one statement.
type SortitionPool struct {
	People          []byte
	Quotas          []byte
	AlreadySelected []byte // nil: no replacements
}

// SortitionResult is what a finished draw stores.
type SortitionResult struct {
	PanelSHA256 string
	Files       map[string][]byte // by file name, see sortitionFileColumns
}

// sortitionFileColumns maps the downloadable file names to their columns;
// only these names ever reach the SQL text.
var sortitionFileColumns = map[string]string{
	"selected.csv":      "selected_csv",
	"probabilities.csv": "probabilities_csv",
	"distribution.csv":  "distribution_csv",
	"lottery.csv":       "lottery_csv",
	"report.txt":        "report_text",
	"report.json":       "report_json",
}

const drawCols = `d.id, d.jurisdiction_id, d.title, d.algorithm, d.seats, d.seed, d.id_column, d.keep_pool, d.status, d.error,
	d.people_name, d.quotas_name, d.people_sha256, d.quotas_sha256, d.already_sha256, d.pool_size, d.created_by, d.created_at,
	d.attempts, d.started_at, d.finished_at, d.pool_deleted_at, d.panel_sha256,
	EXISTS (SELECT 1 FROM sortition_pools p WHERE p.jurisdiction_id = d.jurisdiction_id AND p.draw_id = d.id)`

func scanDraw(row interface{ Scan(...any) error }) (*SortitionDraw, error) {
	var d SortitionDraw
	var created, started, finished, poolDeleted int64
	if err := row.Scan(&d.ID, &d.JurisdictionID, &d.Title, &d.Algorithm, &d.Seats, &d.Seed, &d.IDColumn, &d.KeepPool, &d.Status, &d.Error,
		&d.PeopleName, &d.QuotasName, &d.PeopleSHA256, &d.QuotasSHA256, &d.AlreadySHA256, &d.PoolSize, &d.CreatedBy, &created,
		&d.Attempts, &started, &finished, &poolDeleted, &d.PanelSHA256, &d.HasPool); err != nil {
		return nil, err
	}
	d.CreatedAt, d.StartedAt, d.FinishedAt, d.PoolDeletedAt = fromMicros(created), fromMicros(started), fromMicros(finished), fromMicros(poolDeleted)
	return &d, nil
}

// CreateSortitionDraw queues d (status queued) with its pool and sets
// d.ID.
func (tx *Tx) CreateSortitionDraw(ctx context.Context, d *SortitionDraw, pool SortitionPool) error {
	d.Status = DrawQueued
	id, err := tx.insertID(ctx, `INSERT INTO sortition_draws (jurisdiction_id, title, algorithm, seats, seed, id_column, keep_pool, status,
		people_name, quotas_name, people_sha256, quotas_sha256, already_sha256, pool_size, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
		d.JurisdictionID, d.Title, d.Algorithm, d.Seats, d.Seed, d.IDColumn, d.KeepPool, d.Status,
		d.PeopleName, d.QuotasName, d.PeopleSHA256, d.QuotasSHA256, d.AlreadySHA256, d.PoolSize, d.CreatedBy, micros(d.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: create sortition draw: %w", err)
	}
	d.ID = id
	if pool.People == nil || pool.Quotas == nil {
		return fmt.Errorf("store: create sortition draw: people and quotas are required")
	}
	// A nil []byte is written as NULL on both drivers: no replacements.
	var already any
	if pool.AlreadySelected != nil {
		already = pool.AlreadySelected
	}
	if _, err := tx.exec(ctx, `INSERT INTO sortition_pools (draw_id, jurisdiction_id, people, quotas, already_selected) VALUES ($1, $2, $3, $4, $5)`,
		d.ID, d.JurisdictionID, pool.People, pool.Quotas, already); err != nil {
		return fmt.Errorf("store: create sortition pool %d: %w", d.ID, err)
	}
	d.HasPool = true
	return nil
}

// SortitionDraws lists the draws of a jurisdiction, newest first.
func (tx *Tx) SortitionDraws(ctx context.Context, jurisdictionID int64, limit int) ([]*SortitionDraw, error) {
	rows, err := tx.query(ctx, `SELECT `+drawCols+` FROM sortition_draws d WHERE d.jurisdiction_id = $1 ORDER BY d.id DESC LIMIT $2`,
		jurisdictionID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list sortition draws: %w", err)
	}
	defer rows.Close()
	var out []*SortitionDraw
	for rows.Next() {
		d, err := scanDraw(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list sortition draws: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// SortitionDraw returns one draw of the jurisdiction.
func (tx *Tx) SortitionDraw(ctx context.Context, jurisdictionID, id int64) (*SortitionDraw, error) {
	d, err := scanDraw(tx.queryRow(ctx, `SELECT `+drawCols+` FROM sortition_draws d WHERE d.jurisdiction_id = $1 AND d.id = $2`, jurisdictionID, id))
	if err != nil {
		return nil, notFound(err, "sortition draw %d", id)
	}
	return d, nil
}

// SortitionFile returns a result file of a draw; NotFound when the draw,
// the name or the file (no lottery, not finished) does not exist.
func (tx *Tx) SortitionFile(ctx context.Context, jurisdictionID, id int64, name string) ([]byte, error) {
	col, ok := sortitionFileColumns[name]
	if !ok {
		return nil, rathaus.NotFoundf("sortition file %q", name)
	}
	var data []byte
	err := tx.queryRow(ctx, `SELECT `+col+` FROM sortition_draws WHERE jurisdiction_id = $1 AND id = $2`, jurisdictionID, id).Scan(&data)
	if err != nil {
		return nil, notFound(err, "sortition draw %d", id)
	}
	if data == nil {
		return nil, rathaus.NotFoundf("sortition draw %d has no %s", id, name)
	}
	return data, nil
}

// SortitionPool returns the stored input of a draw; NotFound once it has
// been deleted.
func (tx *Tx) SortitionPool(ctx context.Context, jurisdictionID, id int64) (*SortitionPool, error) {
	var p SortitionPool
	err := tx.queryRow(ctx, `SELECT people, quotas, already_selected FROM sortition_pools WHERE jurisdiction_id = $1 AND draw_id = $2`,
		jurisdictionID, id).Scan(&p.People, &p.Quotas, &p.AlreadySelected)
	if err != nil {
		return nil, notFound(err, "pool of sortition draw %d", id)
	}
	return &p, nil
}

// ClaimSortitionDraw marks the oldest due draw running for lease and
// counts an attempt: a queued draw, or a running one whose lease ran out
// (its worker died). It returns nil when none is due. Like the outbox,
// the claim looks across jurisdictions: one worker serves them all. On
// PostgreSQL SKIP LOCKED lets several app nodes claim side by side; on
// SQLite the single writer connection serialises claims.
func (tx *Tx) ClaimSortitionDraw(ctx context.Context, now time.Time, lease time.Duration) (*SortitionDraw, error) {
	lock := ""
	if tx.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var jid, id int64
	err := tx.queryRow(ctx, `SELECT jurisdiction_id, id FROM sortition_draws
		WHERE status = $1 OR (status = $2 AND locked_until <= $3) ORDER BY id LIMIT 1`+lock,
		DrawQueued, DrawRunning, micros(now)).Scan(&jid, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: claim sortition draw: %w", err)
	}
	if _, err := tx.exec(ctx, `UPDATE sortition_draws SET status = $1, locked_until = $2, attempts = attempts + 1, started_at = $3
		WHERE jurisdiction_id = $4 AND id = $5`, DrawRunning, micros(now.Add(lease)), micros(now), jid, id); err != nil {
		return nil, fmt.Errorf("store: claim sortition draw %d: %w", id, err)
	}
	return tx.SortitionDraw(ctx, jid, id)
}

// FinishSortitionDraw stores the result of a running draw and, when
// deletePool, deletes its pool in the same transaction. It reports false
// when the draw is no longer running (deleted meanwhile).
func (tx *Tx) FinishSortitionDraw(ctx context.Context, jurisdictionID, id int64, now time.Time, res SortitionResult, deletePool bool) (bool, error) {
	f := func(name string) any {
		if b, ok := res.Files[name]; ok {
			return b
		}
		return nil
	}
	r, err := tx.exec(ctx, `UPDATE sortition_draws SET status = $1, error = '', locked_until = 0, finished_at = $2, panel_sha256 = $3,
		selected_csv = $4, probabilities_csv = $5, distribution_csv = $6, lottery_csv = $7, report_text = $8, report_json = $9
		WHERE jurisdiction_id = $10 AND id = $11 AND status = $12`,
		DrawDone, micros(now), res.PanelSHA256, f("selected.csv"), f("probabilities.csv"), f("distribution.csv"), f("lottery.csv"),
		f("report.txt"), f("report.json"), jurisdictionID, id, DrawRunning)
	if err != nil {
		return false, fmt.Errorf("store: finish sortition draw %d: %w", id, err)
	}
	if n, err := r.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if deletePool {
		if _, err := tx.DeleteSortitionPool(ctx, jurisdictionID, id, now); err != nil {
			return false, err
		}
	}
	return true, nil
}

// FailSortitionDraw records why a running draw failed and, when
// deletePool, deletes its pool. It reports false when the draw is no
// longer running.
func (tx *Tx) FailSortitionDraw(ctx context.Context, jurisdictionID, id int64, now time.Time, reason string, deletePool bool) (bool, error) {
	r, err := tx.exec(ctx, `UPDATE sortition_draws SET status = $1, error = $2, locked_until = 0, finished_at = $3
		WHERE jurisdiction_id = $4 AND id = $5 AND status = $6`, DrawFailed, reason, micros(now), jurisdictionID, id, DrawRunning)
	if err != nil {
		return false, fmt.Errorf("store: fail sortition draw %d: %w", id, err)
	}
	if n, err := r.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if deletePool {
		if _, err := tx.DeleteSortitionPool(ctx, jurisdictionID, id, now); err != nil {
			return false, err
		}
	}
	return true, nil
}

// CancelSortitionDraw ends a waiting or running draw by hand with reason
// and, when deletePool, deletes its pool. It reports false when the draw
// had already ended. A worker running it notices the status and stops;
// its FinishSortitionDraw then changes nothing.
func (tx *Tx) CancelSortitionDraw(ctx context.Context, jurisdictionID, id int64, now time.Time, reason string, deletePool bool) (bool, error) {
	r, err := tx.exec(ctx, `UPDATE sortition_draws SET status = $1, error = $2, locked_until = 0, finished_at = $3
		WHERE jurisdiction_id = $4 AND id = $5 AND status IN ($6, $7)`, DrawFailed, reason, micros(now), jurisdictionID, id, DrawQueued, DrawRunning)
	if err != nil {
		return false, fmt.Errorf("store: cancel sortition draw %d: %w", id, err)
	}
	if n, err := r.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if deletePool {
		if _, err := tx.DeleteSortitionPool(ctx, jurisdictionID, id, now); err != nil {
			return false, err
		}
	}
	return true, nil
}

// DeleteSortitionPool deletes the pool of a draw and notes when; it
// reports whether there was one.
func (tx *Tx) DeleteSortitionPool(ctx context.Context, jurisdictionID, id int64, now time.Time) (bool, error) {
	r, err := tx.exec(ctx, `DELETE FROM sortition_pools WHERE jurisdiction_id = $1 AND draw_id = $2`, jurisdictionID, id)
	if err != nil {
		return false, fmt.Errorf("store: delete pool of sortition draw %d: %w", id, err)
	}
	n, err := r.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	if _, err := tx.exec(ctx, `UPDATE sortition_draws SET pool_deleted_at = $1 WHERE jurisdiction_id = $2 AND id = $3`,
		micros(now), jurisdictionID, id); err != nil {
		return false, fmt.Errorf("store: delete pool of sortition draw %d: %w", id, err)
	}
	return true, nil
}

// DeleteSortitionDraw deletes a draw with its pool and results.
func (tx *Tx) DeleteSortitionDraw(ctx context.Context, jurisdictionID, id int64) error {
	if _, err := tx.exec(ctx, `DELETE FROM sortition_pools WHERE jurisdiction_id = $1 AND draw_id = $2`, jurisdictionID, id); err != nil {
		return fmt.Errorf("store: delete sortition draw %d: %w", id, err)
	}
	r, err := tx.exec(ctx, `DELETE FROM sortition_draws WHERE jurisdiction_id = $1 AND id = $2`, jurisdictionID, id)
	if err != nil {
		return fmt.Errorf("store: delete sortition draw %d: %w", id, err)
	}
	if n, err := r.RowsAffected(); err != nil {
		return fmt.Errorf("store: delete sortition draw %d: %w", id, err)
	} else if n == 0 {
		return rathaus.NotFoundf("sortition draw %d not found", id)
	}
	return nil
}

// ReleaseSortitionLeases puts every running draw back in the queue. Only
// safe when no other process runs draws from this database: rathaus calls
// it at start on SQLite, where one process owns the file, so a draw cut
// off by a crash runs again at once instead of after its lease. On
// PostgreSQL other nodes may be running draws; there the lease expires.
func (tx *Tx) ReleaseSortitionLeases(ctx context.Context) (int64, error) {
	r, err := tx.exec(ctx, `UPDATE sortition_draws SET status = $1, locked_until = 0 WHERE status = $2`, DrawQueued, DrawRunning)
	if err != nil {
		return 0, fmt.Errorf("store: release sortition leases: %w", err)
	}
	return r.RowsAffected()
}
