package mapindex_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/geo"
	"github.com/rathaus/rathaus/internal/mapindex"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

var now = time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

type fixture struct {
	db       *store.DB
	j        *rathaus.Jurisdiction
	services map[string]*rathaus.Service
	seq      int
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, j: &rathaus.Jurisdiction{Slug: "test", Name: "Teststadt", State: "NI"}, services: map[string]*rathaus.Service{}}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateJurisdiction(ctx, f.j, now); err != nil {
			return err
		}
		d := &rathaus.Department{JurisdictionID: f.j.ID, Code: "roads", Name: "Straßen"}
		if err := tx.CreateDepartment(ctx, d); err != nil {
			return err
		}
		for _, code := range []string{"pothole", "graffiti", "light"} {
			s := &rathaus.Service{JurisdictionID: f.j.ID, Code: code, Name: code, Kind: rathaus.KindReport, Audience: "public",
				Active: true, DefaultDepartment: d.ID}
			if err := tx.CreateService(ctx, s); err != nil {
				return err
			}
			f.services[code] = s
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// insert adds a request in tx; located is false for a request without a
// position.
func (f *fixture) insert(ctx context.Context, tx *store.Tx, code string, at time.Time, located bool, lat, lon float64) (*rathaus.Request, error) {
	s := f.services[code]
	f.seq++
	r := &rathaus.Request{JurisdictionID: f.j.ID, ServiceID: s.ID, ServiceCode: code, State: rathaus.StateNew,
		HasLocation: located, Channel: rathaus.ChannelOpen311, SubmittedAt: at, UpdatedAt: at, Public: true,
		Number: fmt.Sprintf("2026-%06d", f.seq), Token: fmt.Sprintf("tok-%d", f.seq)}
	var cell int64
	if located {
		r.Lat, r.Lon = lat, lon
		cell = geo.Cell(geo.Point{Lat: lat, Lon: lon})
	}
	return r, tx.InsertRequest(ctx, r, cell)
}

func (f *fixture) write(t *testing.T, fn func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := f.db.WriteTx(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// fromSQL answers q with the store's list query, the reference.
func (f *fixture) fromSQL(t *testing.T, q mapindex.Query) []*rathaus.Request {
	t.Helper()
	ctx := context.Background()
	var out []*rathaus.Request
	err := f.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		rf := store.RequestFilter{JurisdictionID: f.j.ID, ServiceCodes: q.ServiceCodes, States: q.States,
			SubmittedFrom: q.From, SubmittedTo: q.To, PublicOnly: q.PublicOnly, VersionsOnly: true, Limit: q.Limit, Offset: q.Offset}
		if q.Box != nil {
			rf.HasBox, rf.MinLat, rf.MinLon, rf.MaxLat, rf.MaxLon = true, q.Box.MinLat, q.Box.MinLon, q.Box.MaxLat, q.Box.MaxLon
		}
		out, err = tx.Requests(ctx, rf)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func find(t *testing.T, x *mapindex.Index, jurisdictionID int64, q mapindex.Query) []*rathaus.Request {
	t.Helper()
	rs, ok, err := x.Find(context.Background(), jurisdictionID, q)
	if err != nil || !ok {
		t.Fatalf("Find: ok %v, err %v", ok, err)
	}
	return rs
}

func sameList(got, want []*rathaus.Request) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d requests, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.JurisdictionID != w.JurisdictionID || g.Version != w.Version || !g.SubmittedAt.Equal(w.SubmittedAt) || g.HasLocation != w.HasLocation ||
			g.Lat != w.Lat || g.Lon != w.Lon {
			return fmt.Errorf("entry %d: request %d v%d at %s (%v: %v, %v), want %d v%d at %s (%v: %v, %v)", i,
				g.ID, g.Version, g.SubmittedAt, g.HasLocation, g.Lat, g.Lon, w.ID, w.Version, w.SubmittedAt, w.HasLocation, w.Lat, w.Lon)
		}
	}
	return nil
}

// TestFindAnswersAsSQLDoes fills a town through the change feed of an index
// that was loaded empty, changes requests, and holds random queries (in a
// box, or anywhere with the requests that have no position) of that index
// and of one loaded afterwards against the store's list query.
func TestFindAnswersAsSQLDoes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		early := mapindex.New(db, clock, 0)
		if err := early.Warm(ctx, f.j.ID); err != nil {
			t.Fatal(err)
		}
		rnd := rand.New(rand.NewPCG(7, 11))
		codes := []string{"pothole", "graffiti", "light"}
		var all []*rathaus.Request
		f.write(t, func(ctx context.Context, tx *store.Tx) error {
			for i := range 400 {
				// Some share a submission second (and microsecond) to test
				// the tie on ID; a few lie outside the window of 400 days.
				at := now.Add(-time.Duration(rnd.Int64N(int64(420 * 24 * time.Hour)))).Truncate(time.Second)
				if i%10 == 0 && len(all) > 0 {
					at = all[len(all)-1].SubmittedAt
				}
				r, err := f.insert(ctx, tx, codes[rnd.IntN(3)], at, i%13 != 5, 52.27+rnd.Float64()*0.02, 8.03+rnd.Float64()*0.03)
				if err != nil {
					return err
				}
				all = append(all, r)
			}
			return nil
		})
		// Changes: states, merged duplicates, a second change of some.
		f.write(t, func(ctx context.Context, tx *store.Tx) error {
			for i, r := range all {
				switch i % 5 {
				case 1:
					r.State = rathaus.StateClosed
				case 2:
					r.State, r.DuplicateOf = rathaus.StateClosed, all[0].ID
				case 3:
					r.State = rathaus.StateInProgress
				default:
					continue
				}
				if err := tx.UpdateRequest(ctx, r); err != nil {
					return err
				}
				if i%15 == 3 {
					r.State = rathaus.StateWaiting
					if err := tx.UpdateRequest(ctx, r); err != nil {
						return err
					}
				}
			}
			return nil
		})
		late := mapindex.New(db, clock, 0)
		if err := late.Warm(ctx, f.j.ID); err != nil {
			t.Fatal(err)
		}
		states := []rathaus.State{rathaus.StateNew, rathaus.StateClosed, rathaus.StateInProgress, rathaus.StateWaiting}
		for i := range 300 {
			lat, lon := 52.265+rnd.Float64()*0.025, 8.025+rnd.Float64()*0.035
			q := mapindex.Query{Box: &geo.BBox{MinLat: lat, MinLon: lon, MaxLat: lat + rnd.Float64()*0.02, MaxLon: lon + rnd.Float64()*0.03},
				From: now.Add(-time.Duration(1+rnd.IntN(399)) * 24 * time.Hour), Limit: rnd.IntN(61), Offset: rnd.IntN(3) * 10,
				PublicOnly: i%2 == 0}
			if i%3 == 0 {
				q.To = now.Add(-time.Duration(rnd.IntN(100)) * 24 * time.Hour)
			}
			if i%4 == 0 {
				q.ServiceCodes = []string{codes[rnd.IntN(3)], "unknown"}
			}
			if i%5 == 0 {
				q.States = states[:1+rnd.IntN(3)]
			}
			switch {
			case i == 7:
				q.Box = &geo.BBox{MinLat: 52.0, MinLon: 7.5, MaxLat: 52.5, MaxLon: 8.5} // more cells than a box lists
			case i%6 == 1:
				q.Box = nil // the whole town, with the requests that have no position
			}
			want := f.fromSQL(t, q)
			for name, x := range map[string]*mapindex.Index{"fed": early, "loaded": late} {
				if err := sameList(find(t, x, f.j.ID, q), want); err != nil {
					t.Fatalf("query %d (%+v), index %s: %v", i, q, name, err)
				}
			}
		}
	})
}

// TestFindSeesEveryCommittedWrite checks the change feed's marks: a write
// still open when the index reads is found once it commits, also when a
// later transaction committed first (on PostgreSQL, where transaction IDs
// are handed out before commit); and a query reaching back before the
// index's window is left to SQL.
func TestFindSeesEveryCommittedWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		x := mapindex.New(db, clock, 30*24*time.Hour)
		if err := x.Warm(ctx, f.j.ID); err != nil {
			t.Fatal(err)
		}
		q := mapindex.Query{Box: &geo.BBox{MinLat: 52, MinLon: 8, MaxLat: 53, MaxLon: 9}, From: now.Add(-24 * time.Hour), Limit: 100}
		ids := func() []int64 {
			var out []int64
			for _, r := range find(t, x, f.j.ID, q) {
				out = append(out, r.ID)
			}
			return out
		}

		inserted := make(chan int64)
		commit := make(chan struct{})
		done := make(chan error)
		go func() {
			done <- db.WriteTx(ctx, func(tx *store.Tx) error {
				r, err := f.insert(ctx, tx, "pothole", now.Add(-2*time.Hour), true, 52.5, 8.5)
				if err != nil {
					return err
				}
				inserted <- r.ID
				<-commit
				return nil
			})
		}()
		slow := <-inserted
		var fast int64
		if db.Dialect() == store.Postgres {
			// A later transaction commits while the first is open.
			f.write(t, func(ctx context.Context, tx *store.Tx) error {
				r, err := f.insert(ctx, tx, "pothole", now.Add(-time.Hour), true, 52.5, 8.5)
				fast = r.ID
				return err
			})
			if got := ids(); len(got) != 1 || got[0] != fast {
				t.Fatalf("with the first write open: %v, want [%d]", got, fast)
			}
		} else if got := ids(); len(got) != 0 {
			t.Fatalf("with the write open: %v, want none", got)
		}
		close(commit)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		want := []int64{slow}
		if fast != 0 {
			want = []int64{fast, slow}
		}
		if got := ids(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("after the commit: %v, want %v", got, want)
		}

		// A change of a request is found too: a merged duplicate leaves
		// public lists.
		f.write(t, func(ctx context.Context, tx *store.Tx) error {
			r, err := tx.Request(ctx, f.j.ID, slow)
			if err != nil {
				return err
			}
			r.DuplicateOf = want[0]
			return tx.UpdateRequest(ctx, r)
		})
		q.PublicOnly = true
		if got := ids(); fast != 0 && fmt.Sprint(got) != fmt.Sprint([]int64{fast}) || fast == 0 && len(got) != 0 {
			t.Fatalf("after merging %d: %v", slow, got)
		}

		q.From = now.Add(-31 * 24 * time.Hour)
		if _, ok, err := x.Find(ctx, f.j.ID, q); ok || err != nil {
			t.Errorf("query before the window: ok %v, err %v; want it left to SQL", ok, err)
		}
	})
}

// TestWindowMovesWithTime checks that pins leave the index once they are
// older than its window, and that queries reaching back before it are then
// left to SQL.
func TestWindowMovesWithTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		var old, recent *rathaus.Request
		f.write(t, func(ctx context.Context, tx *store.Tx) error {
			var err error
			if old, err = f.insert(ctx, tx, "pothole", now.Add(-20*24*time.Hour), true, 52.28, 8.04); err != nil {
				return err
			}
			recent, err = f.insert(ctx, tx, "pothole", now.Add(-10*24*time.Hour), true, 52.28, 8.04)
			return err
		})
		at := now
		x := mapindex.New(db, func() time.Time { return at }, 30*24*time.Hour)
		if err := x.Warm(ctx, f.j.ID); err != nil {
			t.Fatal(err)
		}
		q := mapindex.Query{Box: &geo.BBox{MinLat: 52, MinLon: 8, MaxLat: 53, MaxLon: 9}, From: now.Add(-30 * 24 * time.Hour), Limit: 10}
		if got := find(t, x, f.j.ID, q); len(got) != 2 || got[0].ID != recent.ID || got[1].ID != old.ID {
			t.Fatalf("before: %d requests, want %d and %d", len(got), recent.ID, old.ID)
		}
		at = now.Add(15 * 24 * time.Hour) // old is now 35 days old, recent 25
		q.From = at.Add(-29 * 24 * time.Hour)
		if got := find(t, x, f.j.ID, q); len(got) != 1 || got[0].ID != recent.ID {
			t.Fatalf("15 days later: %d requests, want %d", len(got), recent.ID)
		}
		q.From = at.Add(-31 * 24 * time.Hour)
		if _, ok, err := x.Find(ctx, f.j.ID, q); ok || err != nil {
			t.Fatalf("15 days later, a query reaching past the window: ok %v, err %v; want it left to SQL", ok, err)
		}
	})
}

// TestBoxEdgesAndLoading checks a box of more cells than a query lists,
// whose edge runs through a request at a coordinate that the rectangle of
// its grid cell (geo.CellBBox) misses by a rounding; and that queries
// before the loading has finished are left to SQL instead of waiting.
func TestBoxEdgesAndLoading(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		var edge *rathaus.Request
		f.write(t, func(ctx context.Context, tx *store.Tx) error {
			var err error
			edge, err = f.insert(ctx, tx, "pothole", now.Add(-time.Hour), true, 47.02, 8.0)
			return err
		})
		x := mapindex.New(db, clock, 0)
		q := mapindex.Query{Box: &geo.BBox{MinLat: 46.9, MinLon: 7.9, MaxLat: 47.02, MaxLon: 8.2}, From: now.Add(-24 * time.Hour)}
		if _, ok, err := x.Find(ctx, f.j.ID, q); ok || err != nil {
			t.Fatalf("first query: ok %v, err %v; want it left to SQL while the index loads", ok, err)
		}
		if err := x.Warm(ctx, f.j.ID); err != nil {
			t.Fatal(err)
		}
		want := f.fromSQL(t, q)
		if len(want) != 1 || want[0].ID != edge.ID {
			t.Fatalf("SQL found %d requests, want request %d", len(want), edge.ID)
		}
		if err := sameList(find(t, x, f.j.ID, q), want); err != nil {
			t.Fatalf("box with the request on its edge: %v", err)
		}
	})
}
