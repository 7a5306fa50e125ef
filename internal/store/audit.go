package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rathaus/rathaus/internal/audit"
)

// auditLockID is the PostgreSQL advisory lock that serialises appends to
// the audit chain, so that two app nodes never write the same Seq.
const auditLockID = 0x7261746861757331 // "rathaus1"

// AppendAudit seals e onto the end of the hash chain and stores it. It runs
// in the caller's transaction, so the entry commits with the action it
// records, or not at all.
func (tx *Tx) AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	if tx.dialect == Postgres {
		if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(auditLockID)); err != nil {
			return e, fmt.Errorf("store: lock audit chain: %w", err)
		}
	}
	var seq int64
	var prev string
	err := tx.queryRow(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if errors.Is(err, sql.ErrNoRows) {
		seq, prev, err = 0, audit.GenesisHash, nil
	}
	if err != nil {
		return e, fmt.Errorf("store: read audit head: %w", err)
	}
	e.Seq = seq + 1
	if e.Detail == "" {
		e.Detail = "{}"
	}
	// The column keeps microseconds; hash what will be read back.
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e = audit.Seal(prev, e)
	_, err = tx.exec(ctx, `INSERT INTO audit_log (seq, at, jurisdiction_id, actor_id, actor_name, action, target, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.Seq, micros(e.At), e.JurisdictionID, e.ActorID, e.ActorName, e.Action, e.Target, e.Detail, e.PrevHash, e.Hash)
	if err != nil {
		return e, fmt.Errorf("store: append audit %s: %w", e.Action, err)
	}
	return e, nil
}

// AuditEntries calls fn for every audit entry in Seq order (from the read
// pool, streaming, so verifying a long chain needs little memory).
func (db *DB) AuditEntries(ctx context.Context, fn func(audit.Entry) error) error {
	return db.ReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT seq, at, jurisdiction_id, actor_id, actor_name, action, target, detail, prev_hash, hash
			FROM audit_log ORDER BY seq`)
		if err != nil {
			return fmt.Errorf("store: read audit log: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var e audit.Entry
			var at int64
			if err := rows.Scan(&e.Seq, &at, &e.JurisdictionID, &e.ActorID, &e.ActorName, &e.Action, &e.Target, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
				return fmt.Errorf("store: read audit log: %w", err)
			}
			e.At = fromMicros(at)
			if err := fn(e); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
