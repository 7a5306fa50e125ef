package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/geo"
	"github.com/rathaus/rathaus/internal/quality"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

func TestPercentile(t *testing.T) {
	ms := func(vs ...int) []time.Duration {
		out := make([]time.Duration, len(vs))
		for i, v := range vs {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	one20 := make([]int, 20)
	for i := range one20 {
		one20[i] = i + 1
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 95, 0},
		{"one value", ms(7), 50, 7 * time.Millisecond},
		{"one value p99", ms(7), 99, 7 * time.Millisecond},
		{"median of odd count", ms(1, 2, 3, 4, 5), 50, 3 * time.Millisecond},
		{"median of even count is the lower middle", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		// 95 % of 20 is exactly 19: the 19th value, not the 20th.
		{"p95 of 20 exact rank", ms(one20...), 95, 19 * time.Millisecond},
		{"p99 of 20 rounds up to the max", ms(one20...), 99, 20 * time.Millisecond},
		{"p95 of 100", ms(hundred...), 95, 95 * time.Millisecond},
		{"p99 of 100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the max", ms(hundred...), 100, 100 * time.Millisecond},
		{"tiny p is the min", ms(3, 9, 12), 0.1, 3 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(%v, %g) = %v, want %v", tt.sorted, tt.p, got, tt.want)
			}
		})
	}
}

func TestReplaceSection(t *testing.T) {
	const b, e = "<!-- x:begin -->", "<!-- x:end -->"
	tests := []struct {
		name, doc, section, want string
		wantErr                  bool
	}{
		{"empty doc", "", "new\n", b + "\nnew\n" + e + "\n", false},
		{"append after text without newline", "# B", "new", "# B\n\n" + b + "\nnew\n" + e + "\n", false},
		{"append after one newline", "# B\n", "new\n", "# B\n\n" + b + "\nnew\n" + e + "\n", false},
		{"append after blank line", "# B\n\n", "new\n", "# B\n\n" + b + "\nnew\n" + e + "\n", false},
		{"replace keeps both sides",
			"# B\n\n<!-- y:begin -->\nother\n<!-- y:end -->\n\n" + b + "\nold\nlines\n" + e + "\n\ntail\n", "new\n",
			"# B\n\n<!-- y:begin -->\nother\n<!-- y:end -->\n\n" + b + "\nnew\n" + e + "\n\ntail\n", false},
		{"replace empty section", "a\n" + b + "\n" + e + "\nz", "new\n", "a\n" + b + "\nnew\n" + e + "\nz", false},
		{"begin without end", "a\n" + b + "\nold\n", "new\n", "", true},
		{"end without begin", "a\n" + e + "\n", "new\n", "", true},
		{"end before begin", "a\n" + e + "\n" + b + "\n", "new\n", "", true},
		{"begin twice", b + "\n" + e + "\n" + b + "\n" + e + "\n", "new\n", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReplaceSection(tt.doc, b, e, tt.section)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestTargetMet(t *testing.T) {
	tests := []struct {
		target         Target
		res            Result
		met, judged    bool
		formattedLimit string
	}{
		{Target{P95, 20}, Result{P95: 19 * time.Millisecond}, true, true, "p95 < 20 ms"},
		{Target{P95, 20}, Result{P95: 20 * time.Millisecond}, false, true, "p95 < 20 ms"},
		{Target{P95, 20}, Result{P95: time.Millisecond, Errors: 1}, false, true, "p95 < 20 ms"},
		{Target{RPS, 2000}, Result{RPS: 2000}, true, true, "≥ 2000/s"},
		{Target{RPS, 2000}, Result{RPS: 1999.9}, false, true, "≥ 2000/s"},
		{Target{}, Result{}, true, false, "–"},
	}
	for _, tt := range tests {
		met, judged := tt.target.Met(tt.res)
		if met != tt.met || judged != tt.judged || tt.target.String() != tt.formattedLimit {
			t.Errorf("%v.Met(%+v) = %v, %v (%q), want %v, %v (%q)", tt.target, tt.res, met, judged, tt.target.String(),
				tt.met, tt.judged, tt.formattedLimit)
		}
	}
}

func TestRunCountsRequestsAndErrors(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%10 == 0 {
			http.Error(w, "kaputt", http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	sc := Scenario{Name: "t", Status: http.StatusOK, New: func(*rand.Rand) (*http.Request, error) {
		return http.NewRequest(http.MethodGet, srv.URL, nil)
	}}
	res := Run(context.Background(), NewClient(4), sc, RunConfig{Concurrency: 4, Duration: 200 * time.Millisecond, Seed: 1})
	if res.Requests < 20 {
		t.Fatalf("requests = %d in 200 ms, want at least 20", res.Requests)
	}
	// Every tenth answer is a 500; workers that were cut off at the end
	// are not counted, so the share is close to, not exactly, 10 %.
	if res.Errors < res.Requests/20 || res.Errors > res.Requests/5 {
		t.Errorf("errors = %d of %d, want about 10 %%", res.Errors, res.Requests)
	}
	if !strings.Contains(res.FirstError, "status 500, want 200: kaputt") {
		t.Errorf("first error = %q", res.FirstError)
	}
	if !(res.P50 > 0 && res.P50 <= res.P95 && res.P95 <= res.P99) {
		t.Errorf("percentiles not ordered: %v %v %v", res.P50, res.P95, res.P99)
	}
	if res.RPS <= 0 || res.Elapsed < 200*time.Millisecond {
		t.Errorf("rps = %g, elapsed = %v", res.RPS, res.Elapsed)
	}
}

// boundary is a 4 × 4 km square around Osnabrück's centre.
const boundary = `{"type":"Polygon","coordinates":[[[8.02,52.26],[8.08,52.26],[8.08,52.296],[8.02,52.296],[8.02,52.26]]]}`

func TestSeedReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
		j := &rathaus.Jurisdiction{Slug: "t", Name: "T", State: "NI", Boundary: []byte(boundary)}
		svcs := []*rathaus.Service{
			{Code: "pothole", Name: "Schlagloch", Kind: rathaus.KindReport, Audience: "public", Active: true, ResolutionHours: 40,
				Attributes: []rathaus.Attribute{{Code: "depth", Datatype: rathaus.TypeNumber, Required: true, Variable: true}}},
			{Code: "light", Name: "Laterne", Kind: rathaus.KindReport, Audience: "public", Active: true,
				Attributes: []rathaus.Attribute{{Code: "kind", Datatype: rathaus.TypeSingleValueList, Required: true, Variable: true,
					Values: []rathaus.AttributeValue{{Key: "dark", Name: "Dunkel"}, {Key: "flicker", Name: "Flackert"}}}}},
		}
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateJurisdiction(ctx, j, now); err != nil {
				return err
			}
			for _, s := range svcs {
				s.JurisdictionID = j.ID
				if err := tx.CreateService(ctx, s); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var progress []int
		got, err := SeedReports(ctx, db, j, svcs, SeedConfig{Reports: 3000, Now: now, Seed: 7, Batch: 1000, HotSpots: 5,
			Progress: func(done, total int) { progress = append(progress, done) }})
		if err != nil {
			t.Fatal(err)
		}
		if got.Requests != 3000 || got.LastID-got.FirstID != 2999 || len(got.HotSpots) != 5 {
			t.Fatalf("seeded %d requests, ids %d..%d, %d hot spots", got.Requests, got.FirstID, got.LastID, len(got.HotSpots))
		}
		// A kept database is measured again with the layout drawn anew
		// (bench open311 --reuse): the same hot spots.
		again, err := Layout(j, SeedConfig{Seed: 7, HotSpots: 5})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(again.HotSpots) != fmt.Sprint(got.HotSpots) {
			t.Errorf("Layout hot spots %v, want the seeded %v", again.HotSpots, got.HotSpots)
		}
		if len(progress) != 3 || progress[2] != 3000 {
			t.Errorf("progress = %v, want [1000 2000 3000]", progress)
		}
		if share := float64(got.Closed) / 3000; share < 0.6 || share > 0.8 {
			t.Errorf("closed share = %.2f, want about 0.7", share)
		}
		// submitted + routed for every report, closed for closed ones,
		// state_changed for accepted and in-progress ones.
		if got.Events < 2*3000+got.Closed || got.Events > 3*3000 {
			t.Errorf("events = %d for 3000 reports, %d closed", got.Events, got.Closed)
		}

		var rs []*rathaus.Request
		err = db.ReadTx(ctx, func(tx *store.Tx) error {
			rs, err = tx.Requests(ctx, store.RequestFilter{JurisdictionID: j.ID, Limit: 10000})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 3000 {
			t.Fatalf("read %d requests back", len(rs))
		}
		area, _ := geo.ParseGeoJSON([]byte(boundary))
		yearAgo := now.AddDate(-1, 0, 0).Add(-24 * time.Hour)
		nearSpot := 0
		for i, r := range rs {
			p := geo.Point{Lat: r.Lat, Lon: r.Lon}
			if !area.Contains(p) {
				t.Fatalf("request %d at %v is outside the boundary", r.ID, p)
			}
			if r.SubmittedAt.Before(yearAgo) || r.SubmittedAt.After(now) {
				t.Fatalf("request %d submitted %v, outside the year before %v", r.ID, r.SubmittedAt, now)
			}
			// Newest first by time, and IDs follow time.
			if i > 0 && r.ID > rs[i-1].ID {
				t.Fatalf("request %d (%v) listed after %d (%v): IDs do not follow submission time", r.ID, r.SubmittedAt, rs[i-1].ID, rs[i-1].SubmittedAt)
			}
			if (r.State == rathaus.StateClosed) != !r.ClosedAt.IsZero() || r.ClosedAt.After(now) {
				t.Fatalf("request %d: state %s, closed at %v", r.ID, r.State, r.ClosedAt)
			}
			switch r.ServiceCode {
			case "pothole":
				if r.Attributes["depth"] == "" {
					t.Fatalf("pothole %d without depth", r.ID)
				}
			case "light":
				if k := r.Attributes["kind"]; k != "dark" && k != "flicker" {
					t.Fatalf("light %d with kind %q", r.ID, k)
				}
			}
			for _, h := range got.HotSpots {
				if geo.Distance(p, h.At) < 2*h.Sigma {
					nearSpot++
					break
				}
			}
		}
		// 80 % cluster around hot spots (about 95 % of those within 2σ),
		// and part of the uniform 20 % lands near one by chance.
		if nearSpot < 3000*70/100 {
			t.Errorf("%d of 3000 reports within 2σ of a hot spot, want at least 70 %%", nearSpot)
		}

		// Numbering continues after the seeded reports.
		var next string
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			next, err = tx.NextRequestNumber(ctx, j.ID, 2026)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		n2026 := 0
		for _, r := range rs {
			if strings.HasPrefix(r.Number, "2026-") {
				n2026++
			}
		}
		if want := fmt.Sprintf("2026-%06d", n2026+1); next != want {
			t.Errorf("next number = %s, want %s", next, want)
		}

		// The quality benchmark's cases on this year of reports: the
		// rollups give the figures of the plain GROUP BY over the facts.
		if _, err := quality.NewProjector(db, func() time.Time { return now }, nil).CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		today := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
		var rep QualityReport
		run := QualityRun{Dialect: string(db.Dialect())}
		for _, c := range QualityCases(j.ID, today, now, "pothole", 0, "web") {
			res, err := MeasureQuality(ctx, db, c, 2, 1)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			if !res.Equal || res.Rows == 0 {
				t.Errorf("%s: %d rows, same figures %v: %s", c.Name, res.Rows, res.Equal, res.Difference)
			}
			if c.Series != "" && res.SeriesPoints == 0 {
				t.Errorf("%s: no series points", c.Name)
			}
			run.Results = append(run.Results, res)
		}
		rep.Runs = append(rep.Runs, run)

		// The heat map's cell counts from the rollups equal the counts of
		// the requests themselves, over a period with whole months and
		// edge days, with and without a slice filter.
		berlin, _ := time.LoadLocation("Europe/Berlin")
		for _, svc := range []string{"", "pothole"} {
			err := db.ReadTx(ctx, func(tx *store.Tx) error {
				got, more, err := tx.CellCounts(ctx, store.QualityFilter{JurisdictionID: j.ID, FromDay: 20250815, ToDay: 20260301,
					ServiceCode: svc}, 50)
				if err != nil {
					return err
				}
				want, wantMore, err := tx.HeatCells(ctx, store.HeatFilter{JurisdictionID: j.ID, ServiceCode: svc, Limit: 50,
					From: time.Date(2025, 8, 15, 0, 0, 0, 0, berlin), To: time.Date(2026, 3, 2, 0, 0, 0, 0, berlin)})
				if err != nil {
					return err
				}
				if len(got) == 0 || fmt.Sprint(got) != fmt.Sprint(want) || more != wantMore {
					t.Errorf("service %q: cell counts from the rollups %v (more %v), from the requests %v (more %v)", svc, got, more, want, wantMore)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		// Every row says the figures are the same ("yes" before the target).
		if md := rep.Markdown(); strings.Count(md, "| yes | p95 <") != len(run.Results) {
			t.Errorf("report does not show the same figures for all %d cases:\n%s", len(run.Results), md)
		}
	})
}
