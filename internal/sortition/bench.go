package sortition

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
)

// BenchSpec describes a generated benchmark instance.
type BenchSpec struct {
	Name       string
	People     int
	Seats      int
	Categories int
	Seed       uint64
}

// PaperSpecs are instances of the sizes in Flanigan et al. (2021): the
// smallest pool (70 people, 10 seats), the largest (1,727 people, 110
// seats, 7 categories) and the target ceiling (2,000 people, 200 seats, 8
// categories).
var PaperSpecs = []BenchSpec{
	{Name: "klein-70", People: 70, Seats: 10, Categories: 4, Seed: 1},
	{Name: "paper-1727", People: 1727, Seats: 110, Categories: 7, Seed: 2},
	{Name: "max-2000", People: 2000, Seats: 200, Categories: 8, Seed: 3},
}

// valuesPerCategory mimics typical quota files: gender, age bands,
// departments, hierarchy levels, career paths, regions, education.
var valuesPerCategory = []int{2, 5, 6, 3, 3, 4, 4, 3}

// Generate builds a synthetic pool in which volunteers are skewed against
// the population (as in real pools: some groups volunteer less) and
// categories are correlated through a latent trait, with quotas around
// the population shares. It returns an instance whose quotas can be met.
//
// Quotas allow the population target ± seats/22 (at least ± 1), the width
// of real quota files (the Sortition Foundation's 22-seat example allows
// ± 1 around each target); they are widened only if no panel meets them.
// A fixed ± (1 + seats/50) used before was half as wide at 200 seats: the
// 200-seat instance was barely feasible, and LEGACY dead-ended on every
// attempt, which real quota files do not make it do.
func Generate(spec BenchSpec) (*Instance, error) {
	rng := rand.New(rand.NewPCG(spec.Seed, 0x5eed))
	cats := make([]Category, spec.Categories)
	popShare := make([][]float64, spec.Categories)
	poolShare := make([][]float64, spec.Categories)
	for c := range cats {
		nv := valuesPerCategory[c%len(valuesPerCategory)]
		cats[c].Name = fmt.Sprintf("kategorie%d", c+1)
		popShare[c] = make([]float64, nv)
		poolShare[c] = make([]float64, nv)
		var ps, qs float64
		for v := range nv {
			popShare[c][v] = 0.5 + rng.Float64()
			poolShare[c][v] = popShare[c][v] * (0.3 + 1.7*rng.Float64())
			ps += popShare[c][v]
			qs += poolShare[c][v]
		}
		for v := range nv {
			popShare[c][v] /= ps
			poolShare[c][v] /= qs
			cats[c].Values = append(cats[c].Values, Value{Name: fmt.Sprintf("w%d", v+1)})
		}
	}
	people := make([]Person, spec.People)
	for i := range people {
		latent := rng.Float64()
		vals := make([]int, spec.Categories)
		for c := range vals {
			nv := len(cats[c].Values)
			// Tilt the pool shares towards low or high value indexes by the
			// latent trait, which correlates the categories.
			w := make([]float64, nv)
			total := 0.0
			for v := range nv {
				w[v] = poolShare[c][v] * math.Exp(2*(latent-0.5)*(float64(v)/float64(max(nv-1, 1))-0.5)*2)
				total += w[v]
			}
			u := rng.Float64() * total
			vals[c] = nv - 1
			for v := range nv {
				if u < w[v] {
					vals[c] = v
					break
				}
				u -= w[v]
			}
		}
		people[i] = Person{ID: fmt.Sprintf("p%d", i+1), Values: vals}
	}
	counts := make([][]int, spec.Categories)
	for c := range counts {
		counts[c] = make([]int, len(cats[c].Values))
	}
	for _, p := range people {
		for c, v := range p.Values {
			counts[c][v]++
		}
	}
	for slack := max(1, int(math.Round(float64(spec.Seats)/22))); ; slack++ {
		for c := range cats {
			for v := range cats[c].Values {
				target := popShare[c][v] * float64(spec.Seats)
				lo := max(int(math.Floor(target))-slack, 0)
				hi := int(math.Ceil(target)) + slack
				lo = min(lo, counts[c][v])
				cats[c].Values[v].Min, cats[c].Values[v].Max = lo, hi
			}
		}
		in, err := NewInstance(cats, people, spec.Seats)
		if err == nil {
			pr := newPricer(in)
			_, _, ok, err := pr.best(context.Background(), make([]float64, len(in.Types)), -1)
			if err == nil && ok {
				return in, nil
			}
		}
		if slack > spec.Seats {
			return nil, fmt.Errorf("sortition: no feasible quotas for %s", spec.Name)
		}
	}
}

// BenchRow is one measured run.
type BenchRow struct {
	Spec      BenchSpec
	Types     int
	Algorithm Algorithm
	Duration  time.Duration
	Fairness  Fairness
	Panels    int
	TimedOut  bool
	Failed    string // why the run found no panel, if it did not
	// Optimal and MinBound are LEXIMIN's: whether it finished within the
	// limit, and the proven upper bound on the lowest probability.
	Optimal  bool
	MinBound float64
	CPU      time.Duration // process CPU time during the run (all goroutines, incl. GC)
}

// Bench runs LEGACY (the reference) and LEXIMIN on each spec. LEXIMIN
// gets limit as its time limit and returns its best distribution with a
// proven bound when it hits it; any run that exceeds twice the limit is
// recorded as timed out. cpu, if not nil, reports the process's CPU time,
// so that the table can show it next to the wall time on a shared machine.
func Bench(ctx context.Context, specs []BenchSpec, legacyRuns int, limit time.Duration, cpu func() time.Duration) ([]BenchRow, error) {
	if cpu == nil {
		cpu = func() time.Duration { return 0 }
	}
	var rows []BenchRow
	for _, spec := range specs {
		in, err := Generate(spec)
		if err != nil {
			return nil, err
		}
		for _, alg := range []Algorithm{Legacy, Leximin} {
			rctx, cancel := context.WithTimeout(ctx, 2*limit)
			start, cpu0 := time.Now(), cpu()
			res, err := Run(rctx, in, Options{Algorithm: alg, Seed: "bench", LegacyRuns: legacyRuns, TimeLimit: limit})
			cancel()
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				rows = append(rows, BenchRow{Spec: spec, Types: len(in.Types), Algorithm: alg, Duration: time.Since(start), TimedOut: true})
				continue
			}
			if rathaus.KindOf(err) == rathaus.KindInvalid {
				rows = append(rows, BenchRow{Spec: spec, Types: len(in.Types), Algorithm: alg, Duration: time.Since(start), Failed: err.Error()})
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("sortition: bench %s %s: %w", spec.Name, alg, err)
			}
			rows = append(rows, BenchRow{Spec: spec, Types: len(in.Types), Algorithm: alg, Duration: res.Duration, Fairness: res.Fairness,
				Panels: len(res.Panels), Optimal: res.Optimal, MinBound: res.MinBound, CPU: cpu() - cpu0})
		}
	}
	return rows, nil
}

// BenchMarkdown renders rows as the table for docs/benchmarks.md.
func BenchMarkdown(rows []BenchRow, machine string, date time.Time, legacyRuns int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Sortition (`rathaus bench sortition`)\n\n")
	fmt.Fprintf(&b, "Machine: %s. Date: %s. Generated instances (skewed pools, correlated categories, quotas around population shares).\n", machine, date.Format("2006-01-02"))
	fmt.Fprintf(&b, "LEGACY is the reference: %d draws (the drawn panel included) estimate its probabilities. LEXIMIN: first the LEXIMIN vector over fractional panels (the quota polytope), then that point written as a mix of panels by Carathéodory steps over the faces of the polytope (a branch and bound finds a panel on the face that contains the rest; the largest step that keeps the rest in the polytope makes one more constraint tight); a mix that gives every type its fractional level (to 1e-7) is the LEXIMIN distribution. Only if the steps get stuck: one column generation over profile types from their panels, then the exact stages. Own simplex (slack-kernel LU, Devex); pure Go. With a time limit it returns its best distribution and a proven upper bound on the lowest probability.\n", legacyRuns)
	fmt.Fprintf(&b, "Paper (Flanigan et al. 2021, commercial solver): 0.5 s for 70 people, 4,012 s for 1,727 people / 110 seats / 7 categories.\n\n")
	fmt.Fprintf(&b, "| instance | people | seats | categories | profile types | algorithm | seconds (CPU) | min probability | proven bound on min | gini | panels |\n")
	fmt.Fprintf(&b, "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		head := fmt.Sprintf("| %s | %d | %d | %d | %d | %s |", r.Spec.Name, r.Spec.People, r.Spec.Seats, r.Spec.Categories, r.Types, strings.ToUpper(string(r.Algorithm)))
		switch {
		case r.Failed != "":
			fmt.Fprintf(&b, "%s %.2f (no panel: %s) | – | – | – | – |\n", head, r.Duration.Seconds(), r.Failed)
		case r.TimedOut:
			fmt.Fprintf(&b, "%s > %.0f (stopped) | – | – | – | – |\n", head, r.Duration.Seconds())
		default:
			secs := fmt.Sprintf("%.2f (%.2f)", r.Duration.Seconds(), r.CPU.Seconds())
			bound := "–"
			if r.Algorithm == Leximin {
				bound = "exact"
				if !r.Optimal {
					secs += " time limit"
					bound = fmt.Sprintf("%.4f (gap %.1f %%)", r.MinBound, 100*(r.MinBound-r.Fairness.Min)/r.MinBound)
				}
			}
			fmt.Fprintf(&b, "%s %s | %.4f | %s | %.3f | %d |\n", head, secs, r.Fairness.Min, bound, r.Fairness.Gini, r.Panels)
		}
	}
	return b.String()
}

// Markers delimit the sortition section of docs/benchmarks.md.
const (
	MarkerBegin = "<!-- sortition:begin -->"
	MarkerEnd   = "<!-- sortition:end -->"
)

// ReplaceSection puts content between the markers in doc, appending the
// markers when they are missing, and leaves everything else untouched.
func ReplaceSection(doc, content string) string {
	block := MarkerBegin + "\n" + content + MarkerEnd
	i := strings.Index(doc, MarkerBegin)
	j := strings.Index(doc, MarkerEnd)
	if i < 0 || j < i {
		if doc != "" && !strings.HasSuffix(doc, "\n") {
			doc += "\n"
		}
		if doc != "" {
			doc += "\n"
		}
		return doc + block + "\n"
	}
	return doc[:i] + block + doc[j+len(MarkerEnd):]
}
