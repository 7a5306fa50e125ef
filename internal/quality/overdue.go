package quality

import (
	"context"
	"fmt"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/store"
)

// OverdueRequest is an open request whose resolution target ran out.
type OverdueRequest struct {
	Request *rathaus.Request
	Due     time.Time // when the target ran out, with the clock paused while the request waited
}

// Overdue returns up to limit of the requests that s's "overdue now"
// figure counts (s.From, s.To and s.By are ignored), longest overdue
// first, and whether there are more.
func Overdue(ctx context.Context, db *store.DB, s Slice, limit int) ([]OverdueRequest, bool, error) {
	now := s.Now
	if now.IsZero() {
		now = time.Now()
	}
	f := store.QualityFilter{JurisdictionID: s.JurisdictionID, ServiceCode: s.ServiceCode, DepartmentID: s.DepartmentID, Channel: s.Channel}
	var out []OverdueRequest
	var more bool
	err := db.ReadTx(ctx, func(tx *store.Tx) error {
		facts, m, err := tx.OverdueFacts(ctx, f, now, limit)
		if err != nil {
			return err
		}
		more = m
		for _, o := range facts {
			r, err := tx.Request(ctx, s.JurisdictionID, o.RequestID)
			if err != nil {
				return err
			}
			out = append(out, OverdueRequest{Request: r, Due: o.DueAt})
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("quality: overdue requests: %w", err)
	}
	return out, more, nil
}
