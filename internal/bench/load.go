// Package bench holds what the `rathaus bench` commands share: a load
// generator for HTTP scenarios, the seeding of large, realistic data sets
// and the markdown report that goes into docs/benchmarks.md.
//
// Benchmarks are commands, not timed tests: figures depend on the machine,
// so every run also measures a reference (the server's hello-world
// ceiling) and reports each figure as a ratio to it as well.
package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Scenario is one kind of request, fired again and again with randomised
// parameters.
type Scenario struct {
	Name string
	// New builds the next request; rnd belongs to the calling worker.
	New func(rnd *rand.Rand) (*http.Request, error)
	// Status is the status every response must have; another status
	// counts as an error.
	Status int
	// Target is the goal the scenario is judged by; the zero Target means
	// none.
	Target Target
}

// Metric names what a Target measures.
type Metric string

const (
	P95 Metric = "p95" // 95th percentile latency must be below Limit
	RPS Metric = "rps" // requests per second must be at least Limit
)

// Target is a goal such as "p95 < 20 ms" or "≥ 2000 requests/s".
type Target struct {
	Metric Metric
	Limit  float64 // milliseconds for P95, requests per second for RPS
}

// String formats t for the report.
func (t Target) String() string {
	switch t.Metric {
	case P95:
		return fmt.Sprintf("p95 < %g ms", t.Limit)
	case RPS:
		return fmt.Sprintf("≥ %g/s", t.Limit)
	}
	return "–"
}

// Met reports whether r reaches t; a scenario with errors never does.
// The second result is false when t is the zero Target.
func (t Target) Met(r Result) (met, judged bool) {
	switch t.Metric {
	case P95:
		return r.Errors == 0 && ms(r.P95) < t.Limit, true
	case RPS:
		return r.Errors == 0 && r.RPS >= t.Limit, true
	}
	return r.Errors == 0, false
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Result is what one scenario measured.
type Result struct {
	Name          string
	Requests      int // completed in the measured period, errors included
	Errors        int
	FirstError    string
	Elapsed       time.Duration
	RPS           float64
	P50, P95, P99 time.Duration
	Mean          time.Duration
}

// RunConfig says how hard and how long a scenario runs.
type RunConfig struct {
	Concurrency int
	Warmup      time.Duration // run, but not measured
	Duration    time.Duration
	Seed        uint64 // worker i draws from PCG(Seed, i)
	// Measured, if not nil, wraps the measured period, e.g. to profile it.
	Measured func(run func())
}

// Run fires sc from cfg.Concurrency workers over client, each sending its
// next request as soon as the previous answer has been read completely,
// first for cfg.Warmup unmeasured, then for cfg.Duration measured. Latency
// is from sending until the last byte of the body has been read.
func Run(ctx context.Context, client *http.Client, sc Scenario, cfg RunConfig) Result {
	conc := max(cfg.Concurrency, 1)
	if cfg.Warmup > 0 {
		wctx, cancel := context.WithTimeout(ctx, cfg.Warmup)
		runWorkers(wctx, client, sc, conc, cfg.Seed^0x9e3779b97f4a7c15)
		cancel()
	}
	mctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var ws []*workerStats
	var elapsed time.Duration
	measure := func() {
		start := time.Now()
		ws = runWorkers(mctx, client, sc, conc, cfg.Seed)
		elapsed = time.Since(start)
	}
	if cfg.Measured != nil {
		cfg.Measured(measure)
	} else {
		measure()
	}

	res := Result{Name: sc.Name, Elapsed: elapsed}
	var lat []time.Duration
	for _, w := range ws {
		lat = append(lat, w.lat...)
		res.Errors += w.errors
		if res.FirstError == "" {
			res.FirstError = w.firstError
		}
	}
	res.Requests = len(lat)
	if elapsed > 0 {
		res.RPS = float64(res.Requests) / elapsed.Seconds()
	}
	slices.Sort(lat)
	res.P50, res.P95, res.P99 = Percentile(lat, 50), Percentile(lat, 95), Percentile(lat, 99)
	if len(lat) > 0 {
		var sum time.Duration
		for _, d := range lat {
			sum += d
		}
		res.Mean = sum / time.Duration(len(lat))
	}
	return res
}

type workerStats struct {
	lat        []time.Duration
	errors     int
	firstError string
}

func runWorkers(ctx context.Context, client *http.Client, sc Scenario, conc int, seed uint64) []*workerStats {
	ws := make([]*workerStats, conc)
	var wg sync.WaitGroup
	for i := range ws {
		w := &workerStats{lat: make([]time.Duration, 0, 4096)}
		ws[i] = w
		rnd := rand.New(rand.NewPCG(seed, uint64(i)))
		wg.Go(func() {
			for ctx.Err() == nil {
				d, err := once(ctx, client, sc, rnd)
				if ctx.Err() != nil {
					// Cut off by the end of the period: neither a
					// measurement nor an error.
					return
				}
				w.lat = append(w.lat, d)
				if err != nil {
					w.errors++
					if w.firstError == "" {
						w.firstError = err.Error()
					}
				}
			}
		})
	}
	wg.Wait()
	return ws
}

// once sends one request and reads the whole answer.
func once(ctx context.Context, client *http.Client, sc Scenario, rnd *rand.Rand) (time.Duration, error) {
	req, err := sc.New(rnd)
	if err != nil {
		return 0, err
	}
	req = req.WithContext(ctx)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return time.Since(start), err
	}
	var head [300]byte
	n, _ := io.ReadFull(resp.Body, head[:])
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return d, err
	}
	if resp.StatusCode != sc.Status {
		return d, fmt.Errorf("%s %s: status %d, want %d: %s", req.Method, req.URL.RequestURI(), resp.StatusCode, sc.Status, head[:n])
	}
	return d, nil
}

// Percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value that at least p % of the values
// do not exceed. It returns 0 for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// p*n first, then /100: 95*20/100 is exactly 19, 95/100*20 is not.
	rank := int(math.Ceil(p * float64(len(sorted)) / 100))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// NewClient returns the HTTP client of a benchmark: keep-alive with one
// idle connection per worker, so that no run pays for connection setup.
func NewClient(concurrency int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = concurrency * 2
	tr.MaxIdleConnsPerHost = concurrency
	tr.MaxConnsPerHost = 0
	tr.DisableCompression = true
	return &http.Client{Transport: tr, Timeout: time.Minute}
}
