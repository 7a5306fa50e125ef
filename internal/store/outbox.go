package store

import (
	"context"
	"fmt"
	"time"
)

// OutboxItem is a side effect (a mail, an SMS, a webhook) written in the
// same transaction as the event that causes it and delivered by a worker.
type OutboxItem struct {
	ID             int64
	JurisdictionID int64
	Kind           string
	// DedupeKey makes enqueueing idempotent: an item with the same key is
	// written once, however often the cause is retried.
	DedupeKey   string
	Payload     string
	CreatedAt   time.Time
	Attempts    int
	NextAttempt time.Time
	DeliveredAt time.Time
	FailedAt    time.Time
	LastError   string
}

// Enqueue writes an outbox item; a second item with the same dedupe key is
// ignored.
func (tx *Tx) Enqueue(ctx context.Context, it *OutboxItem) error {
	if it.NextAttempt.IsZero() {
		it.NextAttempt = it.CreatedAt
	}
	_, err := tx.exec(ctx, `INSERT INTO outbox (jurisdiction_id, kind, dedupe_key, payload, created_at, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING`,
		it.JurisdictionID, it.Kind, it.DedupeKey, it.Payload, micros(it.CreatedAt), micros(it.NextAttempt))
	if err != nil {
		return fmt.Errorf("store: enqueue %s: %w", it.Kind, err)
	}
	return nil
}

const outboxCols = `id, jurisdiction_id, kind, dedupe_key, payload, created_at, attempts, next_attempt_at, delivered_at, failed_at, last_error`

func scanOutbox(row interface{ Scan(...any) error }) (*OutboxItem, error) {
	var it OutboxItem
	var created, next, delivered, failed int64
	if err := row.Scan(&it.ID, &it.JurisdictionID, &it.Kind, &it.DedupeKey, &it.Payload, &created, &it.Attempts, &next,
		&delivered, &failed, &it.LastError); err != nil {
		return nil, err
	}
	it.CreatedAt, it.NextAttempt = fromMicros(created), fromMicros(next)
	it.DeliveredAt, it.FailedAt = fromMicros(delivered), fromMicros(failed)
	return &it, nil
}

// ClaimOutbox leases up to limit due items for lease and counts an attempt
// on each. A worker that dies leaves its lease to expire, and another worker
// (or the restarted process) claims the item again. On PostgreSQL, SKIP
// LOCKED lets several app nodes claim side by side.
func (tx *Tx) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*OutboxItem, error) {
	lock := ""
	if tx.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	rows, err := tx.query(ctx, `UPDATE outbox SET locked_until = $1, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox WHERE delivered_at = 0 AND failed_at = 0 AND next_attempt_at <= $2 AND locked_until <= $2
			ORDER BY next_attempt_at, id LIMIT $3`+lock+`)
		RETURNING `+outboxCols, micros(now.Add(lease)), micros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim outbox: %w", err)
	}
	defer rows.Close()
	var out []*OutboxItem
	for rows.Next() {
		it, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("store: claim outbox: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// MarkDelivered records a successful delivery.
func (tx *Tx) MarkDelivered(ctx context.Context, id int64, now time.Time) error {
	if _, err := tx.exec(ctx, `UPDATE outbox SET delivered_at = $1, locked_until = 0, last_error = '' WHERE id = $2`, micros(now), id); err != nil {
		return fmt.Errorf("store: mark outbox %d delivered: %w", id, err)
	}
	return nil
}

// MarkRetry records a failed attempt and when to try again.
func (tx *Tx) MarkRetry(ctx context.Context, id int64, next time.Time, reason string) error {
	if _, err := tx.exec(ctx, `UPDATE outbox SET next_attempt_at = $1, locked_until = 0, last_error = $2 WHERE id = $3`, micros(next), reason, id); err != nil {
		return fmt.Errorf("store: mark outbox %d for retry: %w", id, err)
	}
	return nil
}

// MarkFailed gives up on an item.
func (tx *Tx) MarkFailed(ctx context.Context, id int64, now time.Time, reason string) error {
	if _, err := tx.exec(ctx, `UPDATE outbox SET failed_at = $1, locked_until = 0, last_error = $2 WHERE id = $3`, micros(now), reason, id); err != nil {
		return fmt.Errorf("store: mark outbox %d failed: %w", id, err)
	}
	return nil
}

// OutboxItems lists items, newest first (operations and tests).
func (tx *Tx) OutboxItems(ctx context.Context, limit int) ([]*OutboxItem, error) {
	rows, err := tx.query(ctx, `SELECT `+outboxCols+` FROM outbox ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list outbox: %w", err)
	}
	defer rows.Close()
	var out []*OutboxItem
	for rows.Next() {
		it, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list outbox: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// ReleaseOutboxLeases clears every lease. Only safe when no other process
// delivers from this database: rathaus calls it at start on SQLite, where
// one process owns the file, so that mail claimed by a crashed process goes
// out at once instead of after the lease. On PostgreSQL other nodes may hold
// live leases; there the lease expires by itself.
func (tx *Tx) ReleaseOutboxLeases(ctx context.Context) (int64, error) {
	res, err := tx.exec(ctx, `UPDATE outbox SET locked_until = 0 WHERE locked_until > 0 AND delivered_at = 0 AND failed_at = 0`)
	if err != nil {
		return 0, fmt.Errorf("store: release outbox leases: %w", err)
	}
	return res.RowsAffected()
}
