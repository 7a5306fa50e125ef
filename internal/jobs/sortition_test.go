package jobs_test

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/jobs"
	"github.com/rathaus/rathaus/internal/sortition"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

// drawPool is four women and four men with names; two seats each gives
// everyone exactly 1/2.
const drawPool = "id;Name;Geschlecht\n1;Anna Alt;w\n2;Bernd Bau;m\n3;Clara Chor;w\n4;Dirk Dach;m\n5;Eva Eck;w\n6;Finn Fass;m\n7;Gina Gut;w\n8;Hans Hof;m\n"
const drawQuotas = "feature,value,min,max\nGeschlecht,w,2,2\nGeschlecht,m,2,2\n"

func TestDrawWorker(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
		j := &rathaus.Jurisdiction{Slug: "t", Name: "Teststadt", State: "NI"}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error { return tx.CreateJurisdiction(ctx, j, clk.Now()) }); err != nil {
			t.Fatal(err)
		}
		lead := &rathaus.User{ID: 7, JurisdictionID: j.ID, Email: "lead@t.example", Role: rathaus.RoleLead}
		kicks := 0
		draws := sortition.NewDraws(db, clk.Now, func() { kicks++ })
		submit := func(title string, alg sortition.Algorithm, keep bool) *store.SortitionDraw {
			t.Helper()
			d, err := draws.Submit(ctx, lead, j.ID, sortition.Submission{Title: title, Input: sortition.Input{People: []byte(drawPool),
				Quotas: []byte(drawQuotas), PeopleName: "pool.csv", QuotasName: "quoten.csv", Seats: 4, Algorithm: alg, KeepPool: keep}})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		w := jobs.NewDrawWorker(db, clk.Now, nil)

		plain := submit("Beschäftigtenrat", sortition.Leximin, false)
		kept := submit("Mit Pool", sortition.Leximin, true)
		if kicks != 2 || len(plain.Seed) != 32 || plain.PoolSize != 8 {
			t.Fatalf("after submitting: %d kicks, seed %q, pool %d", kicks, plain.Seed, plain.PoolSize)
		}
		for range 2 {
			if ran, err := w.RunOnce(ctx); !ran || err != nil {
				t.Fatalf("RunOnce: %v %v", ran, err)
			}
		}
		if ran, err := w.RunOnce(ctx); ran || err != nil {
			t.Fatalf("RunOnce with an empty queue: %v %v", ran, err)
		}
		for _, tt := range []struct {
			d       *store.SortitionDraw
			hasPool bool
		}{{plain, false}, {kept, true}} {
			d, err := draws.Get(ctx, j.ID, tt.d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != store.DrawDone || d.HasPool != tt.hasPool || d.Attempts != 1 || d.PanelSHA256 == "" {
				t.Errorf("draw %q: %+v", d.Title, d)
			}
			probs, err := draws.File(ctx, j.ID, d.ID, sortition.ProbabilitiesCSV)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(strings.NewReader(string(probs))).ReadAll()
			if err != nil || len(rows) != 9 {
				t.Fatalf("probabilities.csv: %v %v", rows, err)
			}
			for _, r := range rows[1:] {
				if r[1] != "0.5" {
					t.Errorf("draw %q, person %s: %s, want 0.5", d.Title, r[0], r[1])
				}
			}
			rep, err := draws.Report(ctx, j.ID, d.ID)
			if err != nil || rep.Seed != d.Seed || rep.PoolDeleted == tt.hasPool || len(rep.Selected) != 4 || rep.MinProbability < 0.5-1e-9 {
				t.Errorf("report of %q: %+v %v", d.Title, rep, err)
			}
		}

		// A draw cut off by a crash runs again once its lease is over.
		crashed := submit("Absturz", sortition.Legacy, false)
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ClaimSortitionDraw(ctx, clk.Now(), time.Minute)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if ran, err := w.RunOnce(ctx); ran || err != nil {
			t.Fatalf("RunOnce while the crashed run holds the lease: %v %v", ran, err)
		}
		clk.Advance(2 * time.Minute)
		if ran, err := w.RunOnce(ctx); !ran || err != nil {
			t.Fatalf("RunOnce after the lease: %v %v", ran, err)
		}
		if d, err := draws.Get(ctx, j.ID, crashed.ID); err != nil || d.Status != store.DrawDone || d.Attempts != 2 || d.HasPool {
			t.Errorf("crashed draw after the retry: %+v %v", d, err)
		}

		// A draw over its time limit fails, with its pool deleted.
		slow := submit("Zu langsam", sortition.Legacy, false)
		w.Limit = time.Nanosecond
		if ran, err := w.RunOnce(ctx); !ran || err != nil {
			t.Fatalf("RunOnce with a tiny limit: %v %v", ran, err)
		}
		w.Limit = 10 * time.Minute
		if d, err := draws.Get(ctx, j.ID, slow.ID); err != nil || d.Status != store.DrawFailed || !strings.Contains(d.Error, "Zeitgrenze") || d.HasPool {
			t.Errorf("slow draw: %+v %v", d, err)
		}
		if _, err := draws.File(ctx, j.ID, slow.ID, sortition.SelectedCSV); rathaus.KindOf(err) != rathaus.KindNotFound {
			t.Errorf("selected.csv of a failed draw: %v", err)
		}

		// The audit log has every step, and no name of the pool.
		var actions []string
		err := db.AuditEntries(ctx, func(e audit.Entry) error {
			actions = append(actions, e.Action+" "+e.Target)
			for _, name := range []string{"Anna", "Bernd", "Hof"} {
				if strings.Contains(e.Detail, name) || strings.Contains(e.Target, name) {
					t.Errorf("audit entry %d names %s: %s", e.Seq, name, e.Detail)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		id := func(d *store.SortitionDraw) string { return sortition.AuditTarget(d.ID) }
		want := []string{"sortition.queue " + id(plain), "sortition.queue " + id(kept), "sortition.draw " + id(plain), "sortition.draw " + id(kept),
			"sortition.queue " + id(crashed), "sortition.draw " + id(crashed), "sortition.queue " + id(slow), "sortition.failed " + id(slow)}
		if strings.Join(actions, "\n") != strings.Join(want, "\n") {
			t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(actions, "\n"), strings.Join(want, "\n"))
		}
	})
}

func TestDrawWorkerGivesUpAfterRepeatedCrashes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
		j := &rathaus.Jurisdiction{Slug: "t", Name: "Teststadt", State: "NI"}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error { return tx.CreateJurisdiction(ctx, j, clk.Now()) }); err != nil {
			t.Fatal(err)
		}
		draws := sortition.NewDraws(db, clk.Now, nil)
		d, err := draws.Submit(ctx, &rathaus.User{ID: 1, Email: "lead@t.example"}, j.ID, sortition.Submission{Title: "Wackelig",
			Input: sortition.Input{People: []byte(drawPool), Quotas: []byte(drawQuotas), Seats: 4, Algorithm: sortition.Leximin, KeepPool: true}})
		if err != nil {
			t.Fatal(err)
		}
		w := jobs.NewDrawWorker(db, clk.Now, nil)
		for range w.MaxAttempts {
			if err := db.WriteTx(ctx, func(tx *store.Tx) error {
				_, err := tx.ClaimSortitionDraw(ctx, clk.Now(), time.Minute)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			clk.Advance(2 * time.Minute)
		}
		if ran, err := w.RunOnce(ctx); !ran || err != nil {
			t.Fatalf("RunOnce: %v %v", ran, err)
		}
		got, err := draws.Get(ctx, j.ID, d.ID)
		if err != nil || got.Status != store.DrawFailed || !strings.Contains(got.Error, "3 Läufe") || !got.HasPool {
			t.Errorf("after three crashed runs: %+v %v (the pool is kept on purpose)", got, err)
		}
	})
}

func TestDrawsRejectBadInputAndStoreNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		j := &rathaus.Jurisdiction{Slug: "t", Name: "Teststadt", State: "NI"}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error { return tx.CreateJurisdiction(ctx, j, now) }); err != nil {
			t.Fatal(err)
		}
		draws := sortition.NewDraws(db, func() time.Time { return now }, nil)
		good := sortition.Input{People: []byte(drawPool), Quotas: []byte(drawQuotas), Seats: 4, Algorithm: sortition.Leximin}
		with := func(f func(*sortition.Submission)) sortition.Submission {
			s := sortition.Submission{Title: "Rat", Input: good}
			f(&s)
			return s
		}
		tests := []struct {
			name  string
			s     sortition.Submission
			field string
		}{
			{"no title", with(func(s *sortition.Submission) { s.Title = " " }), "title"},
			{"no people file", with(func(s *sortition.Submission) { s.Input.People = nil }), "people"},
			{"no quotas file", with(func(s *sortition.Submission) { s.Input.Quotas = nil }), "quotas"},
			{"bad algorithm", with(func(s *sortition.Submission) { s.Input.Algorithm = "dice" }), "algorithm"},
			{"long seed", with(func(s *sortition.Submission) { s.Input.Seed = strings.Repeat("6", 501) }), "seed"},
			{"unmeetable quota", with(func(s *sortition.Submission) {
				s.Input.Quotas = []byte("feature,value,min,max\nGeschlecht,w,3,3\nGeschlecht,m,3,3\n")
				s.Input.Seats = 6
				s.Input.People = []byte(strings.Replace(drawPool, ";w\n", ";m\n", 2))
			}), "quotas"},
			{"too many seats", with(func(s *sortition.Submission) { s.Input.Seats = 9 }), "seats"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := draws.Submit(ctx, &rathaus.User{ID: 1}, j.ID, tt.s)
				if e, ok := rathaus.AsError(err); !ok || e.Kind != rathaus.KindInvalid || e.Field != tt.field {
					t.Errorf("Submit: %v, want an Invalid error in %s", err, tt.field)
				}
			})
		}
		if ds, err := draws.List(ctx, j.ID, 10); err != nil || len(ds) != 0 {
			t.Errorf("%d draws stored after bad input (%v)", len(ds), err)
		}
		n := 0
		if err := db.AuditEntries(ctx, func(audit.Entry) error { n++; return nil }); err != nil || n != 0 {
			t.Errorf("%d audit entries after bad input (%v)", n, err)
		}
	})
}

// TestDrawWorkerRestartOnSQLite: a process that owns the SQLite file runs
// a draw left running by its crashed predecessor at once, without waiting
// for the lease.
func TestDrawWorkerRestartOnSQLite(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	j := &rathaus.Jurisdiction{Slug: "t", Name: "Teststadt", State: "NI"}
	if err := db.WriteTx(ctx, func(tx *store.Tx) error { return tx.CreateJurisdiction(ctx, j, clk.Now()) }); err != nil {
		t.Fatal(err)
	}
	draws := sortition.NewDraws(db, clk.Now, nil)
	d, err := draws.Submit(ctx, &rathaus.User{ID: 1, Email: "lead@t.example"}, j.ID, sortition.Submission{Title: "Vor dem Absturz",
		Input: sortition.Input{People: []byte(drawPool), Quotas: []byte(drawQuotas), Seats: 4, Algorithm: sortition.Leximin}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.WriteTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ClaimSortitionDraw(ctx, clk.Now(), time.Hour) // the crashed run's lease
		return err
	}); err != nil {
		t.Fatal(err)
	}
	w := jobs.NewDrawWorker(db, clk.Now, nil)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); w.Run(runCtx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := draws.Get(ctx, j.ID, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == store.DrawDone {
			if got.Attempts != 2 || got.HasPool {
				t.Errorf("after the restart: attempts %d, pool kept %v", got.Attempts, got.HasPool)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("draw still %s 20 s after the restart", got.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
