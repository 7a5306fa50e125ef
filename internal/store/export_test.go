package store

import (
	"context"
	"fmt"
)

// MigrateUpTo migrates up to and including version, so that a test can
// put data into an old schema and check what a later migration does to it.
func (db *DB) MigrateUpTo(ctx context.Context, version int64) error {
	p, err := db.migrations()
	if err != nil {
		return err
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("store: migrate to %d: %w", version, err)
	}
	return nil
}

// ExecRaw runs a statement on the writer outside any transaction.
func (db *DB) ExecRaw(ctx context.Context, q string, args ...any) error {
	_, err := db.write.ExecContext(ctx, q, args...)
	return err
}
