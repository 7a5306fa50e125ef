package jobs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/sortition"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

// TestDrawWorkerStopsCancelledDraws: a draw that staff stop or delete
// while it runs has its computation cancelled within the watch interval,
// and the worker records nothing over the staff's decision.
func TestDrawWorkerStopsCancelledDraws(t *testing.T) {
	for _, how := range []string{"cancel", "delete"} {
		t.Run(how, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
				clock := func() time.Time { return now }
				j := &rathaus.Jurisdiction{Slug: "t", Name: "Teststadt", State: "NI"}
				if err := db.WriteTx(ctx, func(tx *store.Tx) error { return tx.CreateJurisdiction(ctx, j, now) }); err != nil {
					t.Fatal(err)
				}
				lead := &rathaus.User{ID: 3, Email: "lead@t.example"}
				draws := sortition.NewDraws(db, clock, nil)
				d, err := draws.Submit(ctx, lead, j.ID, sortition.Submission{Title: "Lang", Input: sortition.Input{
					People: []byte("id;g\n1;a\n2;b\n3;a\n4;b\n"), Quotas: []byte("feature,value,min,max\ng,a,1,1\ng,b,1,1\n"), Seats: 2,
					Algorithm: sortition.Leximin, KeepPool: true}})
				if err != nil {
					t.Fatal(err)
				}
				w := NewDrawWorker(db, clock, nil)
				w.Watch = 20 * time.Millisecond
				running := make(chan struct{})
				// A draw that runs until it is cancelled, like LEXIMIN on a
				// pool far too large.
				w.draw = func(ctx context.Context, in sortition.Input) (*sortition.Outcome, error) {
					close(running)
					<-ctx.Done()
					return nil, ctx.Err()
				}
				type result struct {
					ran bool
					err error
				}
				done := make(chan result, 1)
				go func() {
					ran, err := w.RunOnce(ctx)
					done <- result{ran, err}
				}()
				<-running
				switch how {
				case "cancel":
					err = draws.Cancel(ctx, lead, j.ID, d.ID)
				case "delete":
					err = draws.Delete(ctx, lead, j.ID, d.ID)
				}
				if err != nil {
					t.Fatal(err)
				}
				select {
				case r := <-done:
					if !r.ran || r.err != nil {
						t.Errorf("RunOnce = %v, %v", r.ran, r.err)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("the worker still runs the draw 10 s after it was stopped")
				}
				got, err := draws.Get(ctx, j.ID, d.ID)
				switch how {
				case "cancel":
					if err != nil || got.Status != store.DrawFailed || !strings.Contains(got.Error, "Von Hand abgebrochen") || !got.HasPool {
						t.Errorf("cancelled draw: %+v %v (the pool is kept on purpose)", got, err)
					}
					if err := draws.Cancel(ctx, lead, j.ID, d.ID); rathaus.KindOf(err) != rathaus.KindConflict {
						t.Errorf("cancelling twice: %v, want a conflict", err)
					}
				case "delete":
					if rathaus.KindOf(err) != rathaus.KindNotFound {
						t.Errorf("deleted draw: %+v %v", got, err)
					}
				}
			})
		})
	}
}
