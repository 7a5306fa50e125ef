package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/bench"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/demo"
	"github.com/rathaus/rathaus/internal/mapindex"
	"github.com/rathaus/rathaus/internal/media"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/web"
)

// benchOpen311Config holds the flags of `rathaus bench open311`.
type benchOpen311Config struct {
	DB          string
	Dialects    []string
	PG          string
	Reports     int
	Duration    time.Duration
	Warmup      time.Duration
	Concurrency int
	Out         string
	Seed        uint64
	Keep        bool
	CPUProfile  string
	// Reuse names a database that an earlier run seeded and kept
	// (--keep): it is measured as it is, without seeding.
	Reuse string
	// Only lists parts of scenario names; when set, only the scenarios
	// whose name contains one of them run, and the ceiling.
	Only []string
}

// runBenchOpen311 seeds a large Mängelmelder on a fresh database per
// dialect, serves it with the real handler in this process and measures
// the Open311 calls against the hello-world ceiling of the same server.
// The figures go to stdout and into docs/benchmarks.md between the open311
// markers.
//
// It never touches an existing database: the SQLite file must not exist,
// and on PostgreSQL it works in a new schema that it drops afterwards. For
// that reason it ignores RATHAUS_DB.
func runBenchOpen311(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseBenchOpen311(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rep := bench.Report{Machine: bench.ThisMachine(), Date: time.Now(), Reports: cfg.Reports, Duration: cfg.Duration,
		Warmup: cfg.Warmup, Command: "rathaus bench open311 " + strings.Join(args, " ")}
	for _, d := range cfg.Dialects {
		run, err := benchOpen311Dialect(ctx, cfg, d, log, stderr)
		if err != nil {
			return fmt.Errorf("bench open311 on %s: %w", d, err)
		}
		rep.Runs = append(rep.Runs, run)
	}
	rep.Notes = append(rep.Notes, open311Findings(rep)...)
	section := rep.Markdown()
	fmt.Fprint(stdout, section)
	if cfg.Out == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Out), 0o755); err != nil {
		return fmt.Errorf("bench open311: %w", err)
	}
	return bench.WriteSection(cfg.Out, section)
}

func parseBenchOpen311(args []string, getenv func(string) string, stderr io.Writer) (*benchOpen311Config, error) {
	cfg := &benchOpen311Config{}
	fs := flag.NewFlagSet("bench open311", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DB, "db", "", "one database to run on instead of --dialects: sqlite:PATH (a new file, kept afterwards) or a postgres:// URL (a new schema in it)")
	dialects := fs.String("dialects", "sqlite,postgres", "databases to measure, in order: sqlite, postgres")
	defPG := "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	if v := getenv("RATHAUS_TEST_POSTGRES"); v != "" {
		defPG = v
	}
	fs.StringVar(&cfg.PG, "pg", defPG, "PostgreSQL server for the postgres run (a fresh schema is created and dropped)")
	fs.IntVar(&cfg.Reports, "reports", 1_500_000, "reports to seed")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured time per scenario")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "unmeasured warm-up per scenario")
	fs.IntVar(&cfg.Concurrency, "concurrency", 8, "concurrent clients")
	fs.StringVar(&cfg.Out, "out", filepath.Join("docs", "benchmarks.md"), "Markdown file whose open311 section is replaced; empty: stdout only")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the random data and request parameters")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep the database afterwards (SQLite file in a temporary folder, PostgreSQL schema) and print where it is")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "folder for one CPU profile per dialect and scenario (measured period only)")
	fs.StringVar(&cfg.Reuse, "reuse", "", "measure a database an earlier run kept (--keep) as it is, without seeding: sqlite:PATH or a postgres:// URL with its search_path")
	only := fs.String("only", "", "comma-separated parts of scenario names (e.g. bbox,radius): run only those scenarios and the ceiling; a --reuse database then gets no POSTs unless asked for")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	// Scenario names are checked before minutes of seeding; the
	// scenarios only build closures, so empty setups give their names.
	names := bench.Open311Scenarios(bench.Open311Setup{})
	names = append(names, bench.PageScenarios(bench.PageSetup{})...)
	for part := range strings.SplitSeq(*only, ",") {
		if part = strings.ToLower(strings.TrimSpace(part)); part == "" {
			continue
		}
		if !slices.ContainsFunc(names, func(sc bench.Scenario) bool { return strings.Contains(strings.ToLower(sc.Name), part) }) {
			return nil, fmt.Errorf("bench open311: --only: %q is part of no scenario name", part)
		}
		cfg.Only = append(cfg.Only, part)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("bench open311: unexpected arguments %v", fs.Args())
	}
	if cfg.Reports < 0 || cfg.Duration <= 0 || cfg.Concurrency < 1 || cfg.Warmup < 0 {
		return nil, errors.New("bench open311: --reports must be ≥ 0, --duration > 0, --warmup ≥ 0 and --concurrency ≥ 1")
	}
	if err := cfg.chooseDialects("bench open311", *dialects); err != nil {
		return nil, err
	}
	return cfg, nil
}

// chooseDialects sets cfg.Dialects from --reuse or --db, or else from
// the comma-separated --dialects list; cmd names the command in errors.
func (cfg *benchOpen311Config) chooseDialects(cmd, dialects string) error {
	switch {
	case cfg.Reuse != "" && cfg.DB != "":
		return fmt.Errorf("%s: use --reuse or --db, not both", cmd)
	case strings.HasPrefix(cfg.Reuse, "sqlite:"):
		cfg.Dialects = []string{string(store.SQLite)}
	case strings.HasPrefix(cfg.Reuse, "postgres://"), strings.HasPrefix(cfg.Reuse, "postgresql://"):
		cfg.Dialects = []string{string(store.Postgres)}
	case cfg.Reuse != "":
		return fmt.Errorf("%s: --reuse %q: use sqlite:PATH or a postgres:// URL", cmd, cfg.Reuse)
	case strings.HasPrefix(cfg.DB, "sqlite:"):
		cfg.Dialects = []string{string(store.SQLite)}
	case strings.HasPrefix(cfg.DB, "postgres://"), strings.HasPrefix(cfg.DB, "postgresql://"):
		cfg.Dialects, cfg.PG = []string{string(store.Postgres)}, cfg.DB
	case cfg.DB != "":
		return fmt.Errorf("%s: --db %q: use sqlite:PATH or a postgres:// URL", cmd, cfg.DB)
	default:
		for _, d := range strings.Split(dialects, ",") {
			d = strings.TrimSpace(d)
			if d != string(store.SQLite) && d != string(store.Postgres) {
				return fmt.Errorf("%s: --dialects: unknown dialect %q (sqlite, postgres)", cmd, d)
			}
			cfg.Dialects = append(cfg.Dialects, d)
		}
	}
	return nil
}

// benchDatabase creates a fresh database of dialect d and returns its DSN
// and a function that removes it.
func benchDatabase(ctx context.Context, cfg *benchOpen311Config, d string, stderr io.Writer) (string, func(), error) {
	if cfg.Reuse != "" {
		return cfg.Reuse, func() {}, nil
	}
	if d == string(store.SQLite) {
		if path, ok := strings.CutPrefix(cfg.DB, "sqlite:"); ok {
			if _, err := os.Stat(path); err == nil {
				return "", nil, fmt.Errorf("%s exists; the benchmark seeds only a new file", path)
			}
			return cfg.DB, func() {}, nil
		}
		dir, err := os.MkdirTemp("", "rathaus-bench-")
		if err != nil {
			return "", nil, err
		}
		cleanup := func() { os.RemoveAll(dir) }
		if cfg.Keep {
			cleanup = func() { fmt.Fprintf(stderr, "kept %s\n", filepath.Join(dir, "bench.db")) }
		}
		return "sqlite:" + filepath.Join(dir, "bench.db"), cleanup, nil
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "bench_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", cfg.PG)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	drop := func() {
		if cfg.Keep {
			fmt.Fprintf(stderr, "kept schema %s\n", schema)
			return
		}
		admin, err := sql.Open("pgx", cfg.PG)
		if err != nil {
			return
		}
		defer admin.Close()
		if _, err := admin.ExecContext(context.WithoutCancel(ctx), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			fmt.Fprintf(stderr, "drop schema %s: %v\n", schema, err)
		}
	}
	u, err := url.Parse(cfg.PG)
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("--pg: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// benchOpen311Dialect seeds and measures one database.
func benchOpen311Dialect(ctx context.Context, cfg *benchOpen311Config, d string, log *slog.Logger, stderr io.Writer) (bench.DialectRun, error) {
	run := bench.DialectRun{Dialect: d, Concurrent: cfg.Concurrency, Targets: map[string]bench.Target{}}
	dsn, cleanup, err := benchDatabase(ctx, cfg, d, stderr)
	if err != nil {
		return run, err
	}
	defer cleanup()
	db, err := openStore(ctx, dsn, log)
	if err != nil {
		return run, err
	}
	defer db.Close()

	// The demo town gives the catalogue, staff and API key; its own 200
	// reports come through casework like real ones.
	now := time.Now()
	if cfg.Reuse == "" {
		fmt.Fprintf(stderr, "%s: seeding the demo town …\n", d)
	}
	info, err := demo.SeedN(ctx, db, now, log, 200)
	if err != nil {
		return run, err
	}
	if cfg.Reuse != "" && info.Created {
		return run, fmt.Errorf("--reuse %s holds no benchmark data", cfg.Reuse)
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
	if cfg.Reuse != "" {
		return benchOpen311Measure(ctx, cfg, d, db, info, svcs, run, stderr)
	}
	start, lastShown := time.Now(), time.Now()
	var seeded *bench.Seeded
	err = db.BulkLoad(ctx, func() error {
		var err error
		seeded, err = bench.SeedReports(ctx, db, j, svcs, bench.SeedConfig{Reports: cfg.Reports, Now: now, Seed: cfg.Seed,
			Progress: func(done, total int) {
				if done == total || time.Since(lastShown) > 5*time.Second {
					lastShown = time.Now()
					fmt.Fprintf(stderr, "%s: %d of %d reports seeded (%s)\n", d, done, total, time.Since(start).Round(time.Second))
				}
			}})
		return err
	})
	if err != nil {
		return run, err
	}
	run.Seed = seeded
	start = time.Now()
	if err := db.Analyze(ctx); err != nil {
		return run, err
	}
	fmt.Fprintf(stderr, "%s: seeded %d reports, %d events in %s; ANALYZE %s\n", d, seeded.Requests, seeded.Events,
		seeded.Duration.Round(time.Second), time.Since(start).Round(time.Millisecond))
	return benchOpen311Measure(ctx, cfg, d, db, info, svcs, run, stderr)
}

// benchOpen311Measure serves db and runs every scenario against it.
// run.Seed describes the seeded reports; when nil (--reuse), the layout
// of the hot spots is drawn again from the same seed (bench.Layout), and
// the IDs are taken from the newest request.
func benchOpen311Measure(ctx context.Context, cfg *benchOpen311Config, d string, db *store.DB, info demo.Info, svcs []*rathaus.Service,
	run bench.DialectRun, stderr io.Writer) (bench.DialectRun, error) {
	j := info.Jurisdiction
	seeded := run.Seed
	if seeded == nil {
		var err error
		if seeded, err = bench.Layout(j, bench.SeedConfig{Seed: cfg.Seed}); err != nil {
			return run, err
		}
		var newest []*rathaus.Request
		if err := db.ReadTx(ctx, func(tx *store.Tx) error {
			newest, err = tx.Requests(ctx, store.RequestFilter{JurisdictionID: j.ID, Limit: 1})
			return err
		}); err != nil {
			return run, fmt.Errorf("--reuse: newest request: %w", err)
		}
		if len(newest) == 0 {
			return run, fmt.Errorf("--reuse %s holds no requests", cfg.Reuse)
		}
		seeded.LastID = newest[0].ID
		seeded.FirstID = max(1, seeded.LastID-int64(info.Requests)+1)
	}

	served, err := serveBench(db, j.Slug, stderr)
	if err != nil {
		return run, err
	}
	defer served.Stop()
	run.Notes = append(run.Notes, served.MapIndex)
	appURL, helloURL := served.AppURL, served.HelloURL

	postTarget := 0.0
	if d == string(store.SQLite) {
		postTarget = 2000
	}
	scenarios := bench.Open311Scenarios(bench.Open311Setup{BaseURL: appURL, HelloURL: helloURL, APIKey: info.APIKey,
		Services: svcs, Seeded: seeded, Now: time.Now, POSTTarget: postTarget})
	// The pages of issue 3, with an admin session for the back office.
	for _, l := range info.Logins {
		if l.Role != string(rathaus.RoleAdmin) {
			continue
		}
		tok, _, err := auth.New(db, time.Now).Login(ctx, l.Email, l.Password)
		if err != nil {
			return run, fmt.Errorf("bench: staff login: %w", err)
		}
		scenarios = append(scenarios, bench.PageScenarios(bench.PageSetup{BaseURL: appURL,
			SessionCookie: &http.Cookie{Name: "rathaus_session", Value: tok}, Seeded: seeded})...)
		break
	}
	client := bench.NewClient(cfg.Concurrency)
	defer client.CloseIdleConnections()
	for i, sc := range scenarios {
		if err := ctx.Err(); err != nil {
			return run, err
		}
		if !cfg.selected(sc.Name) {
			continue
		}
		rc := bench.RunConfig{Concurrency: cfg.Concurrency, Warmup: cfg.Warmup, Duration: cfg.Duration, Seed: cfg.Seed + uint64(i)}
		if cfg.CPUProfile != "" {
			rc.Measured = profileTo(filepath.Join(cfg.CPUProfile, fmt.Sprintf("%s-%d.pprof", d, i)), stderr)
		}
		res := bench.Run(ctx, client, sc, rc)
		run.Targets[sc.Name] = sc.Target
		run.Results = append(run.Results, res)
		fmt.Fprintf(stderr, "%s: %-48s %8d req %9.0f/s  p50 %7.2f  p95 %7.2f  p99 %7.2f ms  errors %d\n", d, sc.Name,
			res.Requests, res.RPS, millis(res.P50), millis(res.P95), millis(res.P99), res.Errors)
		if res.FirstError != "" {
			fmt.Fprintf(stderr, "%s:   first error: %s\n", d, res.FirstError)
		}
	}
	return run, nil
}

// selected reports whether the scenario called name runs (see --only).
// The ceiling always runs: every figure is read against it.
func (cfg *benchOpen311Config) selected(name string) bool {
	if len(cfg.Only) == 0 || name == bench.ScenarioHello {
		return true
	}
	name = strings.ToLower(name)
	return slices.ContainsFunc(cfg.Only, func(part string) bool { return strings.Contains(name, part) })
}

// warmMaps loads the jurisdiction's pins into the map index and says how
// long that took and what it holds on the heap.
func warmMaps(cases *casework.Cases, maps *mapindex.Index, slug string) (string, error) {
	ctx := context.Background()
	j, err := cases.Jurisdiction(ctx, slug)
	if err != nil {
		return "", err
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	if err := maps.Warm(ctx, j.ID); err != nil {
		return "", err
	}
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	return fmt.Sprintf("Map index (every request of the last 400 days): loaded in %s, %d MB on the heap.", took.Round(100*time.Millisecond),
		(int64(after.HeapAlloc)-int64(before.HeapAlloc))>>20), nil
}

// profileTo returns a hook that profiles the CPU into path while it runs.
func profileTo(path string, stderr io.Writer) func(run func()) {
	return func(run func()) {
		err := os.MkdirAll(filepath.Dir(path), 0o755)
		var f *os.File
		if err == nil {
			f, err = os.Create(path)
		}
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "cpu profile %s: %v\n", path, err)
			run()
			return
		}
		run()
		pprof.StopCPUProfile()
		f.Close()
	}
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// servedBench is the application and the hello-world reference served by
// serveBench.
type servedBench struct {
	AppURL, HelloURL string
	// MapIndex says what loading the map index took.
	MapIndex string
	Stop     func() // shuts both servers down
}

// serveBench starts the whole web handler and a hello-world handler on two
// loopback listeners with the server settings of serve.
func serveBench(db *store.DB, jurisdiction string, stderr io.Writer) (*servedBench, error) {
	quiet := slog.New(slog.DiscardHandler)
	blobDir, err := os.MkdirTemp("", "rathaus-bench-blobs-")
	if err != nil {
		return nil, err
	}
	blobs, err := media.NewBlobStore(blobDir)
	if err != nil {
		os.RemoveAll(blobDir)
		return nil, err
	}
	appLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(blobDir)
		return nil, err
	}
	helloLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		appLn.Close()
		os.RemoveAll(blobDir)
		return nil, err
	}
	sb := &servedBench{AppURL: "http://" + appLn.Addr().String(), HelloURL: "http://" + helloLn.Addr().String() + "/hello"}
	// The map index as serve has it, loaded before the measurement (serve
	// loads it while starting).
	maps := mapindex.New(db, time.Now, 0)
	cases := casework.New(db, time.Now, casework.Config{BaseURL: sb.AppURL, Log: quiet, MapIndex: maps})
	if sb.MapIndex, err = warmMaps(cases, maps, jurisdiction); err != nil {
		appLn.Close()
		helloLn.Close()
		os.RemoveAll(blobDir)
		return nil, err
	}
	fmt.Fprintln(stderr, sb.MapIndex)
	app, err := web.NewHandler(web.Deps{
		Cases: cases, Auth: auth.New(db, time.Now), Blobs: blobs, Limits: media.DefaultLimits(), Log: quiet,
		Now: time.Now, BaseURL: sb.AppURL, DefaultJurisdiction: jurisdiction,
		// The benchmark posts thousands of reports a second from one IP;
		// the per-IP limit would measure the limiter, not the server.
		PostsPerMinute: 1_000_000_000,
	})
	if err != nil {
		appLn.Close()
		helloLn.Close()
		os.RemoveAll(blobDir)
		return nil, err
	}
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "Hallo, Welt!\n")
	})
	servers := []*http.Server{benchServer(app, stderr), benchServer(hello, stderr)}
	go servers[0].Serve(appLn)
	go servers[1].Serve(helloLn)
	sb.Stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, s := range servers {
			_ = s.Shutdown(ctx)
		}
		os.RemoveAll(blobDir)
	}
	return sb, nil
}

// benchServer has the settings of the server in serve, so that the
// ceiling and the application are measured alike.
func benchServer(h http.Handler, stderr io.Writer) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(slog.NewTextHandler(stderr, nil), slog.LevelWarn),
	}
}

// open311Findings explains missed targets in the report; the explanations
// were found with EXPLAIN and CPU profiles of this benchmark.
func open311Findings(rep bench.Report) []string {
	var out []string
	for _, run := range rep.Runs {
		for _, res := range run.Results {
			t := run.Targets[res.Name]
			if met, judged := t.Met(res); judged && !met {
				out = append(out, fmt.Sprintf("- %s, %s: target %s missed (p95 %.1f ms, %.0f req/s).", run.Dialect, res.Name, t,
					millis(res.P95), res.RPS))
			}
		}
	}
	if len(out) > 0 {
		out = append([]string{"Missed targets:"}, out...)
		out = []string{strings.Join(out, "\n")}
	}
	return out
}
