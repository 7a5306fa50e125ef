package casework

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

// TestGroupCommitConcurrentAndIsolated files many reports at once: all
// are stored with gap-free numbers, and a submission that fails inside a
// shared transaction fails alone.
func TestGroupCommitConcurrentAndIsolated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j := &rathaus.Jurisdiction{Slug: "g", Name: "Gruppenstadt", State: "NW"}
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateJurisdiction(ctx, j, time.Now()); err != nil {
				return err
			}
			return tx.CreateService(ctx, &rathaus.Service{JurisdictionID: j.ID, Code: "x", Name: "X", Kind: rathaus.KindReport, Active: true})
		})
		if err != nil {
			t.Fatal(err)
		}
		c := New(db, time.Now, Config{})
		const n = 60
		boom := errors.New("boom")
		var wg sync.WaitGroup
		numbers := make([]string, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := c.prepare(ctx, j, Submission{ServiceCode: "x", Address: fmt.Sprintf("Weg %d", i)})
				if err != nil {
					errs[i] = err
					return
				}
				if i == 7 {
					p.after = func(context.Context, *store.Tx, *rathaus.Request) error { return boom }
				}
				errs[i] = c.commit(ctx, p)
				numbers[i] = p.r.Number
			}()
		}
		wg.Wait()
		var got []string
		for i := range n {
			if i == 7 {
				if !errors.Is(errs[i], boom) {
					t.Errorf("failing submission: err = %v, want boom", errs[i])
				}
				continue
			}
			if errs[i] != nil {
				t.Fatalf("submission %d: %v", i, errs[i])
			}
			got = append(got, numbers[i])
		}
		rs, err := c.List(ctx, j, Query{Limit: 1000})
		if err != nil || len(rs) != n-1 {
			t.Fatalf("stored %d requests (err %v), want %d", len(rs), err, n-1)
		}
		sort.Strings(got)
		year := time.Now().Year()
		for i, num := range got {
			if want := fmt.Sprintf("%d-%06d", year, i+1); num != want {
				t.Fatalf("numbers not gap-free: #%d is %s, want %s (all: %v)", i, num, want, got)
			}
		}
	})
}
