package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

func TestBulkInsertRequestsAndEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j, s := seed(t, db)
		// One request the ordinary way first, so bulk IDs and numbers must
		// continue after it.
		first := insertRequest(t, db, j, s, t0, 52.27, 8.04, 100)

		const n = 2000 // more than one chunk of 500 rows, and a partial last chunk
		rs := make([]*rathaus.Request, n)
		cells := make([]int64, n)
		for i := range rs {
			at := t0.Add(time.Duration(i+1) * time.Minute)
			r := &rathaus.Request{JurisdictionID: j.ID, Token: fmt.Sprintf("bulk-%04d", i), ServiceID: s.ID, ServiceCode: s.Code,
				State: rathaus.StateNew, Priority: i % 3, HasLocation: i%10 != 0, Lat: 52.2 + float64(i)*1e-5, Lon: 8.0 + float64(i)*2e-5,
				Address: fmt.Sprintf("Hauptstraße %d", i), Description: fmt.Sprintf("Schlagloch Nr. %d, „tief“", i),
				Attributes: map[string]string{"depth": fmt.Sprint(i % 30)}, Channel: rathaus.ChannelOpen311,
				Reporter: rathaus.Contact{Email: fmt.Sprintf("r%d@example.org", i)}, DepartmentID: s.DefaultDepartment, Public: true,
				SubmittedAt: at, UpdatedAt: at, ResponseDue: at.Add(16 * time.Hour), ResolutionDue: at.Add(80 * time.Hour)}
			if i%3 == 0 {
				r.State, r.ClosedAt, r.UpdatedAt, r.Resolution, r.StatusNotes = rathaus.StateClosed, at.Add(48*time.Hour), at.Add(48*time.Hour), "fixed", "Erledigt."
			}
			rs[i], cells[i] = r, int64(1000+i%50)
		}
		var evs []*rathaus.Event
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			nums, err := tx.ReserveRequestNumbers(ctx, j.ID, 2026, n)
			if err != nil {
				return err
			}
			for i, r := range rs {
				r.Number = nums[i]
			}
			if err := tx.BulkInsertRequests(ctx, rs, cells); err != nil {
				return err
			}
			for _, r := range rs {
				evs = append(evs, &rathaus.Event{JurisdictionID: j.ID, RequestID: r.ID, Type: rathaus.EventSubmitted, At: r.SubmittedAt,
					Public: true, ToState: rathaus.StateNew, Body: "open311"})
				if r.State == rathaus.StateClosed {
					evs = append(evs, &rathaus.Event{JurisdictionID: j.ID, RequestID: r.ID, Type: rathaus.EventClosed, At: r.ClosedAt,
						ActorID: 7, Public: true, FromState: rathaus.StateNew, ToState: rathaus.StateClosed, Body: "Erledigt."})
				}
			}
			return tx.BulkInsertEvents(ctx, evs)
		})
		if err != nil {
			t.Fatal(err)
		}
		if rs[0].Number != "2026-000002" || rs[n-1].Number != "2026-002001" {
			t.Errorf("numbers = %s .. %s, want 2026-000002 .. 2026-002001", rs[0].Number, rs[n-1].Number)
		}
		if rs[0].ID != first.ID+1 || rs[n-1].ID != first.ID+n {
			t.Errorf("ids = %d .. %d, want %d .. %d", rs[0].ID, rs[n-1].ID, first.ID+1, first.ID+n)
		}

		// Read back a sample, including both chunk borders, and compare
		// every field.
		for _, i := range []int{0, 1, 499, 500, 1234, n - 1} {
			var got *rathaus.Request
			var gotEvs []*rathaus.Event
			err := db.ReadTx(ctx, func(tx *store.Tx) error {
				var err error
				if got, err = tx.Request(ctx, j.ID, rs[i].ID); err != nil {
					return err
				}
				gotEvs, err = tx.Events(ctx, rs[i].ID)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, rs[i]) {
				t.Errorf("request %d read back:\n got %+v\nwant %+v", i, got, rs[i])
			}
			var want []*rathaus.Event
			for _, e := range evs {
				if e.RequestID == rs[i].ID {
					want = append(want, e)
				}
			}
			if !reflect.DeepEqual(gotEvs, want) {
				t.Errorf("events of request %d: got %d events %+v, want %+v", i, len(gotEvs), gotEvs[0], want[0])
			}
		}
		// The cell column holds what was given: a radius query over cell
		// 1007 finds exactly the requests with i%50 == 7 and a location.
		var inCell []*rathaus.Request
		err = db.ReadTx(ctx, func(tx *store.Tx) error {
			var err error
			inCell, err = tx.Requests(ctx, store.RequestFilter{JurisdictionID: j.ID, HasBox: true, MinLat: -90, MaxLat: 90,
				MinLon: -180, MaxLon: 180, Cells: []int64{1007}, Limit: 10000})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(inCell) != 40 { // 2000/50 = 40 with i%50 == 7, none of them has i%10 == 0
			t.Errorf("requests in cell 1007 = %d, want 40", len(inCell))
		}

		// Live traffic continues after the bulk rows: number and ID.
		after := insertRequest(t, db, j, s, t0.Add(72*time.Hour), 52.3, 8.1, 100)
		if after.Number != "2026-002002" {
			t.Errorf("number after bulk = %s, want 2026-002002", after.Number)
		}
		if after.ID != first.ID+n+1 {
			t.Errorf("id after bulk = %d, want %d", after.ID, first.ID+n+1)
		}
		// A second bulk call continues too, and so does the event sequence.
		extra := []*rathaus.Event{{JurisdictionID: j.ID, RequestID: after.ID, Type: rathaus.EventNoted, At: t0.Add(73 * time.Hour), Body: "x"}}
		err = db.WriteTx(ctx, func(tx *store.Tx) error { return tx.BulkInsertEvents(ctx, extra) })
		if err != nil {
			t.Fatal(err)
		}
		if want := evs[len(evs)-1].ID + 2; extra[0].ID != want { // after's submitted event, then this one
			t.Errorf("event id after bulk = %d, want %d", extra[0].ID, want)
		}
		if err := db.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestBulkInsertRejectsMismatchedCells(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			return tx.BulkInsertRequests(ctx, []*rathaus.Request{{}}, nil)
		})
		if err == nil {
			t.Fatal("BulkInsertRequests with 1 request and 0 cells: no error")
		}
	})
}

func TestBulkLoadRunsFnAndKeepsTheWriterUsable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		calls := 0
		if err := db.BulkLoad(ctx, func() error { calls++; return boom }); !errors.Is(err, boom) {
			t.Errorf("BulkLoad returned %v, want fn's error", err)
		}
		var j *rathaus.Jurisdiction
		var s *rathaus.Service
		err := db.BulkLoad(ctx, func() error {
			calls++
			j, s = seed(t, db)
			return nil
		})
		if err != nil || calls != 2 {
			t.Fatalf("BulkLoad = %v after %d calls of fn", err, calls)
		}
		// The writer still works after the settings were restored.
		var got *rathaus.Jurisdiction
		if err := db.ReadTx(ctx, func(tx *store.Tx) error {
			var err error
			got, err = tx.Jurisdiction(ctx, j.Slug)
			return err
		}); err != nil || got.ID != j.ID {
			t.Fatalf("jurisdiction after bulk load = %+v, %v", got, err)
		}
		if r := insertRequest(t, db, j, s, t0, 52.27, 8.04, 1); r.Number != "2026-000001" {
			t.Errorf("number = %s, want 2026-000001", r.Number)
		}
	})
}
