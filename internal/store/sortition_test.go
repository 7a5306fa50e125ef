package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

func TestSortitionDrawLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j, _ := seed(t, db)
		other := &rathaus.Jurisdiction{Slug: "other", Name: "Andere", State: "NI"}
		base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		write := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := db.WriteTx(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		newDraw := func(title string, keep bool, already []byte) *store.SortitionDraw {
			d := &store.SortitionDraw{JurisdictionID: j.ID, Title: title, Algorithm: "leximin", Seats: 4, Seed: "1 2 3", KeepPool: keep,
				PeopleName: "pool.csv", QuotasName: "q.csv", PeopleSHA256: "p-hash", QuotasSHA256: "q-hash", PoolSize: 8, CreatedBy: 42, CreatedAt: base}
			write(func(tx *store.Tx) error {
				return tx.CreateSortitionDraw(ctx, d, store.SortitionPool{People: []byte("id;x\n1;a\n"), Quotas: []byte("q"), AlreadySelected: already})
			})
			return d
		}
		write(func(tx *store.Tx) error { return tx.CreateJurisdiction(ctx, other, base) })
		first := newDraw("Beschäftigtenrat", false, nil)
		second := newDraw("Nachlosung", true, []byte("id;x\n1;a\n"))

		var list []*store.SortitionDraw
		if err := db.ReadTx(ctx, func(tx *store.Tx) error {
			var err error
			list, err = tx.SortitionDraws(ctx, j.ID, 10)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != second.ID || list[1].Title != "Beschäftigtenrat" || list[1].Status != store.DrawQueued ||
			!list[1].HasPool || list[1].CreatedAt != base || list[1].Seed != "1 2 3" || list[1].PoolSize != 8 || list[0].KeepPool != true {
			t.Fatalf("list = %+v", list)
		}
		// Another jurisdiction sees nothing of it.
		if err := db.ReadTx(ctx, func(tx *store.Tx) error {
			if ds, err := tx.SortitionDraws(ctx, other.ID, 10); err != nil || len(ds) != 0 {
				t.Errorf("other jurisdiction lists %d draws (%v)", len(ds), err)
			}
			if _, err := tx.SortitionDraw(ctx, other.ID, first.ID); rathaus.KindOf(err) != rathaus.KindNotFound {
				t.Errorf("other jurisdiction reads the draw: %v", err)
			}
			if _, err := tx.SortitionPool(ctx, other.ID, first.ID); rathaus.KindOf(err) != rathaus.KindNotFound {
				t.Errorf("other jurisdiction reads the pool: %v", err)
			}
			p, err := tx.SortitionPool(ctx, j.ID, first.ID)
			if err != nil || string(p.People) != "id;x\n1;a\n" || string(p.Quotas) != "q" || p.AlreadySelected != nil {
				t.Errorf("pool of the first draw = %+v, %v", p, err)
			}
			p, err = tx.SortitionPool(ctx, j.ID, second.ID)
			if err != nil || string(p.AlreadySelected) != "id;x\n1;a\n" {
				t.Errorf("pool of the second draw = %+v, %v", p, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		claim := func(now time.Time) *store.SortitionDraw {
			t.Helper()
			var d *store.SortitionDraw
			write(func(tx *store.Tx) error {
				var err error
				d, err = tx.ClaimSortitionDraw(ctx, now, time.Minute)
				return err
			})
			return d
		}
		c := claim(base)
		if c == nil || c.ID != first.ID || c.Status != store.DrawRunning || c.Attempts != 1 || c.StartedAt != base {
			t.Fatalf("first claim = %+v", c)
		}
		if c := claim(base); c == nil || c.ID != second.ID {
			t.Fatalf("second claim = %+v, want the second draw", c)
		}
		if c := claim(base.Add(30 * time.Second)); c != nil {
			t.Fatalf("claim within the leases = %+v, want none", c)
		}
		// The worker of the first draw died: after its lease it runs again.
		c = claim(base.Add(2 * time.Minute))
		if c == nil || c.ID != first.ID || c.Attempts != 2 {
			t.Fatalf("claim after the lease = %+v, want the first draw, attempt 2", c)
		}

		done := base.Add(3 * time.Minute)
		write(func(tx *store.Tx) error {
			ok, err := tx.FinishSortitionDraw(ctx, other.ID, first.ID, done, store.SortitionResult{}, true)
			if ok || err != nil {
				t.Errorf("finish in another jurisdiction: %v %v", ok, err)
			}
			ok, err = tx.FinishSortitionDraw(ctx, j.ID, first.ID, done, store.SortitionResult{PanelSHA256: "panel",
				Files: map[string][]byte{"selected.csv": []byte("id\n1\n"), "report.json": []byte("{}")}}, true)
			if !ok || err != nil {
				t.Errorf("finish: %v %v", ok, err)
			}
			// A second finish (a worker that outlived its lease) changes nothing.
			ok, err = tx.FinishSortitionDraw(ctx, j.ID, first.ID, done, store.SortitionResult{PanelSHA256: "other"}, true)
			if ok || err != nil {
				t.Errorf("second finish: %v %v", ok, err)
			}
			ok, err = tx.FailSortitionDraw(ctx, j.ID, second.ID, done, "Zeitgrenze überschritten", false)
			if !ok || err != nil {
				t.Errorf("fail: %v %v", ok, err)
			}
			return nil
		})
		if err := db.ReadTx(ctx, func(tx *store.Tx) error {
			d, err := tx.SortitionDraw(ctx, j.ID, first.ID)
			if err != nil || d.Status != store.DrawDone || d.HasPool || d.PoolDeletedAt != done || d.FinishedAt != done || d.PanelSHA256 != "panel" {
				t.Errorf("finished draw = %+v, %v", d, err)
			}
			if _, err := tx.SortitionPool(ctx, j.ID, first.ID); rathaus.KindOf(err) != rathaus.KindNotFound {
				t.Errorf("pool after the draw: %v, want not found", err)
			}
			if b, err := tx.SortitionFile(ctx, j.ID, first.ID, "selected.csv"); err != nil || string(b) != "id\n1\n" {
				t.Errorf("selected.csv = %q, %v", b, err)
			}
			for _, name := range []string{"lottery.csv", "../etc/passwd", "selected_csv"} {
				if _, err := tx.SortitionFile(ctx, j.ID, first.ID, name); rathaus.KindOf(err) != rathaus.KindNotFound {
					t.Errorf("file %q: %v, want not found", name, err)
				}
			}
			if _, err := tx.SortitionFile(ctx, other.ID, first.ID, "selected.csv"); rathaus.KindOf(err) != rathaus.KindNotFound {
				t.Errorf("file of another jurisdiction: %v", err)
			}
			d, err = tx.SortitionDraw(ctx, j.ID, second.ID)
			if err != nil || d.Status != store.DrawFailed || d.Error != "Zeitgrenze überschritten" || !d.HasPool || !d.PoolDeletedAt.IsZero() {
				t.Errorf("failed draw = %+v, %v", d, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		write(func(tx *store.Tx) error {
			if ok, err := tx.DeleteSortitionPool(ctx, j.ID, second.ID, done); !ok || err != nil {
				t.Errorf("delete kept pool: %v %v", ok, err)
			}
			if ok, err := tx.DeleteSortitionPool(ctx, j.ID, second.ID, done); ok || err != nil {
				t.Errorf("delete pool twice: %v %v", ok, err)
			}
			if err := tx.DeleteSortitionDraw(ctx, other.ID, second.ID); rathaus.KindOf(err) != rathaus.KindNotFound {
				t.Errorf("delete in another jurisdiction: %v", err)
			}
			return tx.DeleteSortitionDraw(ctx, j.ID, second.ID)
		})
		third := newDraw("Nach dem Absturz", false, nil)
		if c := claim(base); c == nil || c.ID != third.ID {
			t.Fatalf("claim of the third draw = %+v", c)
		}
		write(func(tx *store.Tx) error {
			n, err := tx.ReleaseSortitionLeases(ctx)
			if n != 1 || err != nil {
				t.Errorf("release leases: %d %v, want 1", n, err)
			}
			return nil
		})
		if c := claim(base); c == nil || c.ID != third.ID || c.Attempts != 2 {
			t.Fatalf("claim after the release = %+v, want the third draw again", c)
		}
		if err := db.ReadTx(ctx, func(tx *store.Tx) error {
			ds, err := tx.SortitionDraws(ctx, j.ID, 10)
			if len(ds) != 2 || ds[0].ID != third.ID || ds[1].ID != first.ID || third.ID <= second.ID {
				t.Errorf("after deleting the second draw: %d draws, ids %d > %d", len(ds), third.ID, second.ID)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}
