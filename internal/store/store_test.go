package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// seed creates a jurisdiction, a department and a service.
func seed(t *testing.T, db *store.DB) (*rathaus.Jurisdiction, *rathaus.Service) {
	t.Helper()
	ctx := context.Background()
	j := &rathaus.Jurisdiction{Slug: "test", Name: "Teststadt", State: "NI"}
	s := &rathaus.Service{Code: "pothole", Name: "Schlagloch", Kind: rathaus.KindReport, Audience: "public", Active: true,
		Attributes: []rathaus.Attribute{{Code: "depth", Datatype: rathaus.TypeNumber, Required: true, Variable: true, Order: 1}}}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateJurisdiction(ctx, j, t0); err != nil {
			return err
		}
		d := &rathaus.Department{JurisdictionID: j.ID, Code: "roads", Name: "Straßen"}
		if err := tx.CreateDepartment(ctx, d); err != nil {
			return err
		}
		s.JurisdictionID, s.DefaultDepartment = j.ID, d.ID
		return tx.CreateService(ctx, s)
	})
	if err != nil {
		t.Fatal(err)
	}
	return j, s
}

func insertRequest(t *testing.T, db *store.DB, j *rathaus.Jurisdiction, s *rathaus.Service, at time.Time, lat, lon float64, cell int64) *rathaus.Request {
	t.Helper()
	ctx := context.Background()
	r := &rathaus.Request{JurisdictionID: j.ID, ServiceID: s.ID, ServiceCode: s.Code, State: rathaus.StateNew,
		HasLocation: true, Lat: lat, Lon: lon, Channel: rathaus.ChannelOpen311, SubmittedAt: at, UpdatedAt: at,
		Attributes: map[string]string{"depth": "5"}, Reporter: rathaus.Contact{Email: "a@example.org"}, Public: true}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		n, err := tx.NextRequestNumber(ctx, j.ID, at.Year())
		if err != nil {
			return err
		}
		r.Number, r.Token = n, "tok-"+n
		if err := tx.InsertRequest(ctx, r, cell); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, &rathaus.Event{JurisdictionID: j.ID, RequestID: r.ID, Type: rathaus.EventSubmitted, At: at, Public: true, ToState: rathaus.StateNew})
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRequestsRoundTripAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j, s := seed(t, db)
		a := insertRequest(t, db, j, s, t0, 52.27, 8.04, 100)
		b := insertRequest(t, db, j, s, t0.Add(time.Hour), 52.28, 8.05, 101)
		insertRequest(t, db, j, s, t0.Add(2*time.Hour), 52.40, 8.20, 200)
		if a.Number != "2026-000001" || b.Number != "2026-000002" {
			t.Fatalf("numbers = %s, %s; want 2026-000001, 2026-000002", a.Number, b.Number)
		}
		tests := []struct {
			name string
			f    store.RequestFilter
			want []string
		}{
			{"all newest first", store.RequestFilter{}, []string{"2026-000003", "2026-000002", "2026-000001"}},
			{"by id", store.RequestFilter{IDs: []int64{a.ID}}, []string{"2026-000001"}},
			{"time window", store.RequestFilter{SubmittedFrom: t0.Add(30 * time.Minute), SubmittedTo: t0.Add(2 * time.Hour)}, []string{"2026-000002"}},
			{"bbox", store.RequestFilter{HasBox: true, MinLat: 52.2, MaxLat: 52.3, MinLon: 8.0, MaxLon: 8.1}, []string{"2026-000002", "2026-000001"}},
			{"bbox and cells", store.RequestFilter{HasBox: true, MinLat: 52.2, MaxLat: 52.3, MinLon: 8.0, MaxLon: 8.1, Cells: []int64{101}}, []string{"2026-000002"}},
			// Bounds are inclusive and exact on both dialects, also where
			// SQLite's R*Tree stores rounded coordinates and times.
			{"bbox edges exact", store.RequestFilter{HasBox: true, MinLat: 52.27, MaxLat: 52.28, MinLon: 8.04, MaxLon: 8.05}, []string{"2026-000002", "2026-000001"}},
			{"bbox just past an edge", store.RequestFilter{HasBox: true, MinLat: 52.2700001, MaxLat: 52.3, MinLon: 8.0, MaxLon: 8.1}, []string{"2026-000002"}},
			{"bbox and time window", store.RequestFilter{HasBox: true, MinLat: 52.2, MaxLat: 52.5, MinLon: 8.0, MaxLon: 8.3,
				SubmittedFrom: t0.Add(time.Hour), SubmittedTo: t0.Add(2 * time.Hour)}, []string{"2026-000002"}},
			{"bbox and time window to the microsecond", store.RequestFilter{HasBox: true, MinLat: 52.2, MaxLat: 52.5, MinLon: 8.0, MaxLon: 8.3,
				SubmittedFrom: t0.Add(time.Hour + time.Microsecond), SubmittedTo: t0.Add(2*time.Hour + time.Microsecond)}, []string{"2026-000003"}},
			{"closed", store.RequestFilter{States: []rathaus.State{rathaus.StateClosed}}, nil},
			{"paged", store.RequestFilter{Limit: 1, Offset: 1}, []string{"2026-000002"}},
			{"other service", store.RequestFilter{ServiceCodes: []string{"graffiti"}}, nil},
		}
		for _, tt := range tests {
			tt.f.JurisdictionID = j.ID
			var got []string
			err := db.ReadTx(ctx, func(tx *store.Tx) error {
				rs, err := tx.Requests(ctx, tt.f)
				for _, r := range rs {
					got = append(got, r.Number)
				}
				return err
			})
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}
		// The R*Tree count (SQLite only) sees box and period, nothing else.
		err := db.ReadTx(ctx, func(tx *store.Tx) error {
			f := store.RequestFilter{JurisdictionID: j.ID, HasBox: true, MinLat: 52.2, MaxLat: 52.5, MinLon: 8.0, MaxLon: 8.3,
				SubmittedFrom: t0.Add(time.Hour)}
			n, ok, err := tx.CountInBox(ctx, f)
			if err != nil {
				return err
			}
			if want := db.Dialect() == store.SQLite; ok != want {
				t.Errorf("CountInBox without cells: ok = %v, want %v", ok, want)
			}
			if ok && n != 2 {
				t.Errorf("CountInBox without cells = %d, want 2", n)
			}
			// With cells both dialects count; insertRequest files
			// requests b and c under cells 101 and 200.
			f.Cells = []int64{101, 200}
			if n, ok, err = tx.CountInBox(ctx, f); err != nil {
				return err
			}
			if !ok || n != 2 {
				t.Errorf("CountInBox with cells = %d, %v; want 2, true", n, ok)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.ReadTx(ctx, func(tx *store.Tx) error {
			r, err := tx.Request(ctx, j.ID, a.ID)
			if err != nil {
				return err
			}
			if r.Attributes["depth"] != "5" || r.Reporter.Email != "a@example.org" || !r.SubmittedAt.Equal(t0) || r.Lat != 52.27 {
				t.Errorf("round trip lost data: %+v", r)
			}
			evs, err := tx.Events(ctx, a.ID, b.ID)
			if err != nil {
				return err
			}
			if len(evs) != 2 || evs[0].Type != rathaus.EventSubmitted || evs[0].RequestID != a.ID {
				t.Errorf("events = %+v", evs)
			}
			_, err = tx.Request(ctx, j.ID, 99999)
			if rathaus.KindOf(err) != rathaus.KindNotFound {
				t.Errorf("missing request: kind %v, want not found (%v)", rathaus.KindOf(err), err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestOutboxClaimRetryDeliver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			for i := range 3 {
				it := &store.OutboxItem{Kind: "mail", DedupeKey: fmt.Sprintf("k%d", i%2), Payload: "{}", CreatedAt: t0}
				if err := tx.Enqueue(ctx, it); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		claim := func(now time.Time) []*store.OutboxItem {
			var got []*store.OutboxItem
			if err := db.WriteTx(ctx, func(tx *store.Tx) error {
				var err error
				got, err = tx.ClaimOutbox(ctx, now, time.Minute, 10)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return got
		}
		got := claim(t0)
		if len(got) != 2 {
			t.Fatalf("claimed %d items, want 2 (the duplicate key is written once)", len(got))
		}
		if again := claim(t0.Add(time.Second)); len(again) != 0 {
			t.Fatalf("leased items were claimed again: %d", len(again))
		}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			if err := tx.MarkDelivered(ctx, got[0].ID, t0); err != nil {
				return err
			}
			return tx.MarkRetry(ctx, got[1].ID, t0.Add(5*time.Minute), "451 try later")
		}); err != nil {
			t.Fatal(err)
		}
		if n := len(claim(t0.Add(2 * time.Minute))); n != 0 {
			t.Fatalf("retry claimed too early: %d", n)
		}
		late := claim(t0.Add(6 * time.Minute))
		if len(late) != 1 || late[0].ID != got[1].ID || late[0].Attempts != 2 || late[0].LastError != "451 try later" {
			t.Fatalf("retry claim = %+v", late)
		}
		// An expired lease (a dead worker) makes the item claimable again.
		if n := len(claim(t0.Add(8 * time.Minute))); n != 1 {
			t.Fatalf("expired lease: claimed %d, want 1", n)
		}
	})
}

func TestAuditChainAppendAndVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i := range 5 {
			err := db.WriteTx(ctx, func(tx *store.Tx) error {
				_, err := tx.AppendAudit(ctx, audit.Entry{At: t0.Add(time.Duration(i)*time.Second + 123), ActorID: 1, ActorName: "admin", Action: "user.add", Target: fmt.Sprint(i)})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		v := audit.NewVerifier()
		if err := db.AuditEntries(ctx, v.Next); err != nil {
			t.Fatalf("verify: %v", err)
		}
		if v.Count() != 5 {
			t.Fatalf("verified %d entries, want 5", v.Count())
		}
	})
}

func TestUniqueConflicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j, _ := seed(t, db)
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			return tx.CreateJurisdiction(ctx, &rathaus.Jurisdiction{Slug: j.Slug, Name: "x", State: "NI"}, t0)
		})
		if rathaus.KindOf(err) != rathaus.KindConflict {
			t.Fatalf("duplicate jurisdiction: %v", err)
		}
		var e *rathaus.Error
		if !errors.As(err, &e) {
			t.Fatal("not a domain error")
		}
	})
}
