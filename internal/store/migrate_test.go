package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

// TestQualityValuesMigrationKeepsRollupAndMarksDaysDirty upgrades a
// database with rollup rows from before migration 00008: the rows must
// survive (SQLite rebuilds quality_daily in key order) and their days must
// be marked for the projector, which fills the new lists from the facts.
func TestQualityValuesMigrationKeepsRollupAndMarksDaysDirty(t *testing.T) {
	for _, d := range storetest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, storetest.DSN(t, d), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateUpTo(ctx, 7); err != nil {
				t.Fatal(err)
			}
			for _, day := range []int{20260408, 20260409} {
				if err := db.ExecRaw(ctx, `INSERT INTO quality_daily (jurisdiction_id, day, service_code, department_id, channel,
					volume, duplicates, forwarded, responded, response_secs, closed, resolution_secs, sla_closed, within_sla,
					reopened, ratings, rating_sum, satisfied, promoters, detractors)
					VALUES (1, $1, 'pothole', 2, 'web', 3, 0, 1, 2, 7200, 1, 3600, 1, 1, 0, 1, 5, 1, 1, 0)`, day); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			err = db.ReadTx(ctx, func(tx *store.Tx) error {
				sums, err := tx.DailyTotals(ctx, store.QualityFilter{JurisdictionID: 1, FromDay: 20260408, ToDay: 20260409})
				if err != nil {
					return err
				}
				if len(sums) != 1 || sums[0].Volume != 6 || sums[0].ResponseSecs != 14400 || sums[0].RatingSum != 10 {
					t.Errorf("rollup after the migration = %+v, want volume 6, response 14400 s, rating sum 10", sums)
				}
				jid, days, err := tx.DirtyDays(ctx, 10)
				if err != nil {
					return err
				}
				if jid != 1 || !slices.Equal(days, []int{20260408, 20260409}) {
					t.Errorf("dirty days = %d %v, want 1 [20260408 20260409]", jid, days)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
