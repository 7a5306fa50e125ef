package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

// TestPinChangesReadsEachChangeOnce checks the change feed's marks: a change
// comes once, and again only while its transaction may still be running;
// a long transaction elsewhere (on PostgreSQL, where the mark is made of
// transaction IDs) does not make later reads return what was read before.
func TestPinChangesReadsEachChangeOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j, s := seed(t, db)
		// changes reads as mapindex does: the next mark first, then what
		// changed since mark.
		changes := func(mark store.ChangeMark) ([]int64, store.ChangeMark) {
			t.Helper()
			next, err := db.ChangeMark(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			err = db.ReadTx(ctx, func(tx *store.Tx) error {
				return tx.PinChanges(ctx, j.ID, mark, func(p store.Pin) { ids = append(ids, p.ID) })
			})
			if err != nil {
				t.Fatal(err)
			}
			return ids, next
		}
		mark, err := db.ChangeMark(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var loaded []int64
		if err := db.ReadTx(ctx, func(tx *store.Tx) error {
			return tx.RequestPins(ctx, j.ID, t0.Add(-time.Hour), func(p store.Pin) { loaded = append(loaded, p.ID) })
		}); err != nil {
			t.Fatal(err)
		}
		if len(loaded) != 0 {
			t.Fatalf("pins of an empty town: %v", loaded)
		}

		release, done := make(chan struct{}), make(chan error, 1)
		if db.Dialect() == store.Postgres {
			// A transaction that has written (so it has an ID) stays open.
			started := make(chan struct{})
			go func() {
				done <- db.WriteTx(ctx, func(tx *store.Tx) error {
					if err := tx.CreateDepartment(ctx, &rathaus.Department{JurisdictionID: j.ID, Code: "long", Name: "Lang"}); err != nil {
						return err
					}
					close(started)
					<-release
					return nil
				})
			}()
			<-started
		} else {
			done <- nil
		}
		a := insertRequest(t, db, j, s, t0, 52.27, 8.04, 100)
		ids, mark := changes(mark)
		if len(ids) != 1 || ids[0] != a.ID {
			t.Fatalf("first read: %v, want [%d]", ids, a.ID)
		}
		if ids, mark = changes(mark); len(ids) != 0 {
			t.Fatalf("second read: %v, want none", ids)
		}
		a.State = rathaus.StateAccepted
		if err := db.WriteTx(ctx, func(tx *store.Tx) error { return tx.UpdateRequest(ctx, a) }); err != nil {
			t.Fatal(err)
		}
		if ids, mark = changes(mark); len(ids) != 1 || ids[0] != a.ID {
			t.Fatalf("after a change: %v, want [%d]", ids, a.ID)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if ids, mark = changes(mark); len(ids) != 0 {
			t.Fatalf("after the long transaction: %v, want none", ids)
		}

		// The bulk loader's rows are stamped as well (by the trigger on
		// SQLite, the column's default on PostgreSQL).
		bulk := make([]*rathaus.Request, 3)
		for i := range bulk {
			bulk[i] = &rathaus.Request{JurisdictionID: j.ID, ServiceID: s.ID, ServiceCode: s.Code, State: rathaus.StateNew,
				HasLocation: true, Lat: 52.27, Lon: 8.04, Channel: rathaus.ChannelWeb, SubmittedAt: t0, UpdatedAt: t0,
				Number: fmt.Sprintf("2026-bulk-%d", i), Token: fmt.Sprintf("bulk-%d", i)}
		}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error { return tx.BulkInsertRequests(ctx, bulk, []int64{100, 100, 100}) }); err != nil {
			t.Fatal(err)
		}
		ids, mark = changes(mark)
		slices.Sort(ids)
		if fmt.Sprint(ids) != fmt.Sprint([]int64{bulk[0].ID, bulk[1].ID, bulk[2].ID}) {
			t.Fatalf("after a bulk insert: %v, want the IDs of %d new requests", ids, len(bulk))
		}
		if ids, _ = changes(mark); len(ids) != 0 {
			t.Fatalf("after the bulk insert, read again: %v, want none", ids)
		}
	})
}
