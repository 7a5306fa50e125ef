package store

import (
	"context"
	"fmt"

	"github.com/rathaus/rathaus"
)

// Store code for the staff pages of quality monitoring (targets and
// manual indicators). The rollups live in quality.go and quality_values.go.

// DeleteQualityTarget removes a target and the record of its alerts (the
// mails already sent stay in the outbox history).
func (tx *Tx) DeleteQualityTarget(ctx context.Context, jurisdictionID, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM quality_alerts WHERE target_id IN
		(SELECT id FROM quality_targets WHERE jurisdiction_id = $1 AND id = $2)`, jurisdictionID, id)
	if err != nil {
		return fmt.Errorf("store: delete alerts of target %d: %w", id, err)
	}
	res, err = tx.exec(ctx, `DELETE FROM quality_targets WHERE jurisdiction_id = $1 AND id = $2`, jurisdictionID, id)
	if err != nil {
		return fmt.Errorf("store: delete target %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: delete target %d: %w", id, err)
	} else if n == 0 {
		return rathaus.NotFoundf("target %d not found", id)
	}
	return nil
}

// JurisdictionManualValues lists every value of every manual indicator of
// a jurisdiction, by indicator, period and slice.
func (tx *Tx) JurisdictionManualValues(ctx context.Context, jurisdictionID int64) ([]ManualValue, error) {
	rows, err := tx.query(ctx, `SELECT v.indicator_id, v.slice_key, v.period, v.value, v.updated_at
		FROM quality_values v JOIN quality_indicators i ON i.id = v.indicator_id
		WHERE i.jurisdiction_id = $1 ORDER BY v.indicator_id, v.period, v.slice_key`, jurisdictionID)
	if err != nil {
		return nil, fmt.Errorf("store: list manual values: %w", err)
	}
	defer rows.Close()
	var out []ManualValue
	for rows.Next() {
		var v ManualValue
		var updated int64
		if err := rows.Scan(&v.IndicatorID, &v.SliceKey, &v.Period, &v.Value, &updated); err != nil {
			return nil, fmt.Errorf("store: list manual values: %w", err)
		}
		v.UpdatedAt = fromMicros(updated)
		out = append(out, v)
	}
	return out, rows.Err()
}
