package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/bench"
	"github.com/rathaus/rathaus/internal/calendar"
	"github.com/rathaus/rathaus/internal/demo"
	"github.com/rathaus/rathaus/internal/quality"
	"github.com/rathaus/rathaus/internal/store"
)

// benchQualityConfig holds the flags of `rathaus bench quality`.
type benchQualityConfig struct {
	db        benchOpen311Config // database selection, shared with bench open311
	Rounds    int
	RefRounds int
	PageTime  time.Duration
	CatchUp   int
	Out       string
	Profile   string
}

// runBenchQuality seeds the Open311 benchmark's data set per dialect, lets
// the projector build facts and rollups, and times the dashboard's
// indicator tables from the rollups against the same tables computed with
// plain GROUP BY queries over request_facts, checking that both agree.
func runBenchQuality(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseBenchQuality(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rep := bench.QualityReport{Machine: bench.ThisMachine(), Date: time.Now(), Reports: cfg.db.Reports, Load: loadAverage(),
		Command: "rathaus bench quality " + strings.Join(args, " ")}
	for _, d := range cfg.db.Dialects {
		run, err := benchQualityDialect(ctx, cfg, d, log, stderr)
		if err != nil {
			return fmt.Errorf("bench quality on %s: %w", d, err)
		}
		rep.Runs = append(rep.Runs, run)
	}
	section := rep.Markdown()
	fmt.Fprint(stdout, section)
	if cfg.Out == "" {
		return nil
	}
	old, err := os.ReadFile(cfg.Out)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("bench quality: %w", err)
	}
	doc, err := bench.ReplaceSection(string(old), bench.QualityBeginMarker, bench.QualityEndMarker, section)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Out), 0o755); err != nil {
		return fmt.Errorf("bench quality: %w", err)
	}
	return os.WriteFile(cfg.Out, []byte(doc), 0o644)
}

func parseBenchQuality(args []string, getenv func(string) string, stderr io.Writer) (*benchQualityConfig, error) {
	cfg := &benchQualityConfig{}
	fs := flag.NewFlagSet("bench quality", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.db.DB, "db", "", "one database to run on instead of --dialects: sqlite:PATH (a new file, kept afterwards) or a postgres:// URL (a new schema in it)")
	dialects := fs.String("dialects", "sqlite,postgres", "databases to measure, in order: sqlite, postgres")
	defPG := "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	if v := getenv("RATHAUS_TEST_POSTGRES"); v != "" {
		defPG = v
	}
	fs.StringVar(&cfg.db.PG, "pg", defPG, "PostgreSQL server for the postgres run (a fresh schema is created and dropped)")
	fs.IntVar(&cfg.db.Reports, "reports", 1_500_000, "reports to seed")
	fs.Uint64Var(&cfg.db.Seed, "seed", 1, "seed of the random data")
	fs.BoolVar(&cfg.db.Keep, "keep", false, "keep the database afterwards and print where it is")
	fs.IntVar(&cfg.Rounds, "rounds", 30, "timed calls per case from the rollups")
	fs.IntVar(&cfg.RefRounds, "ref-rounds", 3, "timed calls per case of the GROUP BY reference (0: skip it)")
	fs.DurationVar(&cfg.PageTime, "page-time", 5*time.Second, "measured time per dashboard page (0: skip the pages)")
	fs.IntVar(&cfg.CatchUp, "catch-up", 4000, "reports added after the rebuild to time the projector's catch-up (0: skip)")
	fs.StringVar(&cfg.Out, "out", filepath.Join("docs", "benchmarks.md"), "Markdown file whose quality section is replaced; empty: stdout only")
	fs.StringVar(&cfg.Profile, "cpuprofile", "", "folder for one CPU profile per dialect of the rollup cases (references excluded)")
	fs.StringVar(&cfg.db.Reuse, "reuse", "", "measure a database an earlier run kept (--keep) as it is, without seeding or rebuilding: sqlite:PATH or a postgres:// URL with its search_path")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("bench quality: unexpected arguments %v", fs.Args())
	}
	if cfg.db.Reports < 0 || cfg.Rounds < 1 || cfg.RefRounds < 0 || cfg.PageTime < 0 || cfg.CatchUp < 0 {
		return nil, errors.New("bench quality: --reports, --ref-rounds, --page-time and --catch-up must be ≥ 0, --rounds ≥ 1")
	}
	if err := cfg.db.chooseDialects("bench quality", *dialects); err != nil {
		return nil, err
	}
	return cfg, nil
}

// benchQualityDialect seeds, projects and measures one database.
func benchQualityDialect(ctx context.Context, cfg *benchQualityConfig, d string, log *slog.Logger, stderr io.Writer) (bench.QualityRun, error) {
	run := bench.QualityRun{Dialect: d}
	dsn, cleanup, err := benchDatabase(ctx, &cfg.db, d, stderr)
	if err != nil {
		return run, err
	}
	defer cleanup()
	db, err := openStore(ctx, dsn, log)
	if err != nil {
		return run, err
	}
	defer db.Close()

	now := time.Now()
	if cfg.db.Reuse == "" {
		fmt.Fprintf(stderr, "%s: seeding the demo town …\n", d)
	}
	info, err := demo.SeedN(ctx, db, now, log, 200)
	if err != nil {
		return run, err
	}
	if cfg.db.Reuse != "" && info.Created {
		return run, fmt.Errorf("--reuse %s holds no benchmark data", cfg.db.Reuse)
	}
	j := info.Jurisdiction
	var svcs []*rathaus.Service
	if err := db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		svcs, err = tx.Services(ctx, j.ID)
		return err
	}); err != nil {
		return run, err
	}
	svcs = bench.Offered(svcs)
	seed := func(n int, seedValue uint64) (*bench.Seeded, error) {
		start, lastShown := time.Now(), time.Now()
		var seeded *bench.Seeded
		err := db.BulkLoad(ctx, func() error {
			var err error
			seeded, err = bench.SeedReports(ctx, db, j, svcs, bench.SeedConfig{Reports: n, Now: now, Seed: seedValue,
				Progress: func(done, total int) {
					if done == total || time.Since(lastShown) > 10*time.Second {
						lastShown = time.Now()
						fmt.Fprintf(stderr, "%s: %d of %d reports seeded (%s)\n", d, done, total, time.Since(start).Round(time.Second))
					}
				}})
			return err
		})
		return seeded, err
	}
	projector := quality.NewProjector(db, time.Now, log)
	if cfg.db.Reuse == "" {
		if run.Seed, err = seed(cfg.db.Reports, cfg.db.Seed); err != nil {
			return run, err
		}
		start := time.Now()
		if _, err := projector.Rebuild(ctx); err != nil {
			return run, err
		}
		run.Rebuild = time.Since(start)
		fmt.Fprintf(stderr, "%s: facts and rollups of %d reports built in %s\n", d, run.Seed.Requests, run.Rebuild.Round(time.Second))
		if err := db.Analyze(ctx); err != nil {
			return run, err
		}
	}
	if cfg.CatchUp > 0 && cfg.db.Reuse == "" {
		more, err := seed(cfg.CatchUp, cfg.db.Seed+1)
		if err != nil {
			return run, err
		}
		start := time.Now()
		if _, err := projector.CatchUp(ctx); err != nil {
			return run, err
		}
		run.CatchUp, run.CatchUpReports, run.CatchUpEvents = time.Since(start), more.Requests, more.Events
	}
	if cfg.db.Reuse != "" {
		// Requests may have come since the database was kept (the POSTs
		// of bench open311): the figures must reflect them, as the
		// reference does.
		start := time.Now()
		if _, err := projector.CatchUp(ctx); err != nil {
			return run, err
		}
		fmt.Fprintf(stderr, "%s: the projector caught up in %s\n", d, time.Since(start).Round(time.Millisecond))
	}

	cal, err := calendar.ForState(j.State)
	if err != nil {
		return run, err
	}
	// The dashboard's "today": the town hall's date, at noon UTC.
	n := time.Now().In(cal.Location())
	today := time.Date(n.Year(), n.Month(), n.Day(), 12, 0, 0, 0, time.UTC)
	rows, err := quality.Indicators(ctx, db, quality.Slice{JurisdictionID: j.ID, From: today.AddDate(0, 0, -89), To: today, By: "service"})
	if err != nil {
		return run, err
	}
	if len(rows) == 0 {
		return run, errors.New("no indicator rows on the seeded data")
	}
	busiest := rows[0]
	for _, r := range rows {
		if r.Volume > busiest.Volume {
			busiest = r
		}
	}
	var dept int64
	for _, s := range svcs {
		if s.Code == busiest.Key {
			dept = s.DefaultDepartment
		}
	}
	cases := bench.QualityCases(j.ID, today, time.Now(), busiest.Key, dept, string(rathaus.ChannelWeb))
	if cfg.Profile != "" {
		// A profiled pass of the rollup path alone, before the timed one.
		profileTo(filepath.Join(cfg.Profile, "quality-"+d+".pprof"), stderr)(func() {
			for _, c := range cases {
				if _, err := bench.MeasureQuality(ctx, db, c, cfg.Rounds, 0); err != nil {
					fmt.Fprintf(stderr, "%s: %v\n", c.Name, err)
				}
			}
		})
	}
	for _, c := range cases {
		res, err := bench.MeasureQuality(ctx, db, c, cfg.Rounds, cfg.RefRounds)
		if err != nil {
			return run, fmt.Errorf("%s: %w", c.Name, err)
		}
		run.Results = append(run.Results, res)
		fmt.Fprintf(stderr, "%s: %-66s rollups p50 %7.1f p95 %7.1f ms (+ series p95 %6.1f)  reference p50 %8.1f ms  same %v\n", d, c.Name,
			millis(res.P50), millis(res.P95), millis(res.SeriesP95), millis(res.RefP50), res.Equal || res.ReferenceSkipped)
	}
	if cfg.PageTime > 0 {
		measure := func(f func()) { f() }
		if cfg.Profile != "" {
			measure = profileTo(filepath.Join(cfg.Profile, "quality-pages-"+d+".pprof"), stderr)
		}
		measure(func() { run.Pages, err = benchQualityPages(ctx, db, j.Slug, info, busiest.Key, cfg.PageTime, stderr) })
		if err != nil {
			return run, err
		}
	}
	return run, nil
}

// benchQualityPages times the dashboard pages through the real handler,
// one client, with a lead's session.
func benchQualityPages(ctx context.Context, db *store.DB, slug string, info demo.Info, service string, d time.Duration, stderr io.Writer) ([]bench.Result, error) {
	served, err := serveBench(db, slug, stderr)
	if err != nil {
		return nil, err
	}
	defer served.Stop()
	appURL := served.AppURL
	var cookie *http.Cookie
	for _, l := range info.Logins {
		if l.Role == string(rathaus.RoleLead) {
			tok, _, err := auth.New(db, time.Now).Login(ctx, l.Email, l.Password)
			if err != nil {
				return nil, fmt.Errorf("bench: lead login: %w", err)
			}
			cookie = &http.Cookie{Name: "rathaus_session", Value: tok}
			break
		}
	}
	if cookie == nil {
		return nil, errors.New("bench: the demo has no lead login")
	}
	pages := []struct{ name, query string }{
		{"GET /staff/quality (overview, 30 days)", ""},
		{"GET /staff/quality (overview, 365 days)", "?period=365&by=service"},
		{"GET /staff/quality (drill-down: one service, 90 days)", "?period=90&by=department&service=" + url.QueryEscape(service)},
	}
	client := bench.NewClient(1)
	defer client.CloseIdleConnections()
	var out []bench.Result
	for i, pg := range pages {
		sc := bench.Scenario{Name: pg.name, Status: http.StatusOK, New: func(*rand.Rand) (*http.Request, error) {
			req, err := http.NewRequest(http.MethodGet, appURL+"/staff/quality"+pg.query, nil)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Accept-Language", "de-DE")
			req.AddCookie(cookie)
			return req, nil
		}}
		res := bench.Run(ctx, client, sc, bench.RunConfig{Concurrency: 1, Warmup: time.Second, Duration: d, Seed: uint64(i)})
		out = append(out, res)
		fmt.Fprintf(stderr, "%-60s %6d req  p50 %7.1f  p95 %7.1f ms  errors %d\n", pg.name, res.Requests, millis(res.P50), millis(res.P95), res.Errors)
	}
	return out, nil
}

// loadAverage returns the 1, 5 and 15 minute load averages, for the
// report: the machine may be shared.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	for i := range 3 {
		if _, err := strconv.ParseFloat(f[i], 64); err != nil {
			return "unknown"
		}
	}
	return strings.Join(f[:3], " / ")
}
