package sortition

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
)

// Algorithm names a selection algorithm.
type Algorithm string

const (
	Leximin Algorithm = "leximin"
	Legacy  Algorithm = "legacy"
)

// ParseAlgorithm accepts "leximin" or "legacy" in any case.
func ParseAlgorithm(s string) (Algorithm, error) {
	switch a := Algorithm(strings.ToLower(strings.TrimSpace(s))); a {
	case Leximin, Legacy:
		return a, nil
	}
	return "", rathaus.Invalidf("algorithm", "unbekannter Algorithmus %q (leximin oder legacy)", s)
}

// Options configure a draw.
type Options struct {
	Algorithm Algorithm
	// Seed makes the draw reproducible; anyone with the same inputs and
	// seed gets the same panel. It may be any text, such as dice rolls
	// read out at a public draw.
	Seed string
	// LegacyRuns is how many LEGACY draws estimate its probabilities
	// (default 2000).
	LegacyRuns int
	// LotterySize is the length M of the public lottery list (a rounding of
	// the distribution to M equally likely panels); 0 leaves it out.
	LotterySize int
	// TimeLimit, if positive, stops LEXIMIN after about this long with the
	// best distribution found so far (Result.Optimal false); 0 computes
	// the exact LEXIMIN distribution however long it takes. Where a run
	// stops depends on the machine's speed, so a draw under a time limit
	// cannot be re-run to the same result: public, verifiable draws use 0.
	TimeLimit time.Duration
}

// Panel is one panel composition of a distribution: how many people of
// each type are seated (people within a type are then drawn uniformly).
type Panel struct {
	Counts      []int
	Probability float64
}

// Fairness summarises the selection probabilities.
type Fairness struct {
	Min     float64 // lowest probability
	Gini    float64 // 0 when everyone has the same chance
	GeoMean float64 // geometric mean, 0 if anyone has probability 0
}

// Result is a finished draw.
type Result struct {
	Algorithm     Algorithm
	Seed          string
	Probabilities []float64 // per person, in input order
	Panels        []Panel   // the distribution (LEGACY: the empirical one of the estimate runs)
	PanelIndex    int       // the panel of Panels that was drawn
	Selected      []int     // the drawn people, as indexes into Instance.People
	Fairness      Fairness
	Lottery       []int // panel index per lottery number 1..M
	Duration      time.Duration
	// Optimal reports, for LEXIMIN, that the distribution is the exact
	// LEXIMIN one; it is false when Options.TimeLimit stopped the
	// computation, and for LEGACY.
	Optimal bool
	// MinBound is, for LEXIMIN, a proven upper bound on the lowest
	// probability that any distribution over quota-satisfying panels can
	// give; it equals Fairness.Min when Optimal.
	MinBound float64
}

// NewRand returns the deterministic generator of a draw: ChaCha8 keyed
// with SHA-256 of the seed (for the draw itself) or of seed, a zero byte
// and purpose (for other uses, so they do not shift the draw).
func NewRand(seed, purpose string) *rand.Rand {
	key := seed
	if purpose != "" {
		key = seed + "\x00" + purpose
	}
	return rand.New(rand.NewChaCha8(sha256.Sum256([]byte(key))))
}

// Run computes the distribution of the chosen algorithm and draws a panel.
func Run(ctx context.Context, in *Instance, opt Options) (*Result, error) {
	start := time.Now()
	res := &Result{Algorithm: opt.Algorithm, Seed: opt.Seed}
	draw := NewRand(opt.Seed, "")
	switch opt.Algorithm {
	case Leximin:
		lex, err := leximin(ctx, in, NewRand(opt.Seed, "leximin-start"), opt.TimeLimit, true)
		if err != nil {
			return nil, err
		}
		panels := lex.Panels
		res.Panels = panels
		res.Optimal = lex.Optimal
		res.MinBound = lex.MinBound
		res.PanelIndex = pickPanel(panels, draw)
		res.Selected = in.membersFor(panels[res.PanelIndex].Counts, draw)
		res.Probabilities = in.personProbabilities(panels)
	case Legacy:
		runs := opt.LegacyRuns
		if runs <= 0 {
			runs = 2000
		}
		leg := newLegacy(in)
		drawn, ok := leg.drawPanel(draw)
		if !ok {
			return nil, rathaus.Invalidf("quotas", "LEGACY fand nach %d Versuchen kein Gremium, das alle Quoten erfüllt", legacyAttempts)
		}
		slices.Sort(drawn)
		res.Selected = drawn
		est := NewRand(opt.Seed, "legacy-estimate")
		hits := make([]int, len(in.People))
		set := &panelSet{index: map[string]int{}}
		var freq []int
		record := func(people []int) int {
			for _, i := range people {
				hits[i]++
			}
			k, isNew := set.add(in.typeCounts(people))
			if isNew {
				freq = append(freq, 0)
			}
			freq[k]++
			return k
		}
		drawnKey := record(drawn)
		for r := 1; r < runs; r++ {
			if r%64 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			people, ok := leg.drawPanel(est)
			if !ok {
				return nil, rathaus.Invalidf("quotas", "LEGACY fand nach %d Versuchen kein Gremium, das alle Quoten erfüllt", legacyAttempts)
			}
			record(people)
		}
		res.Probabilities = make([]float64, len(in.People))
		for i, h := range hits {
			res.Probabilities[i] = float64(h) / float64(runs)
		}
		order := make([]int, len(freq))
		for k := range order {
			order[k] = k
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(freq[b], freq[a]) })
		for pos, k := range order {
			res.Panels = append(res.Panels, Panel{Counts: set.counts[k], Probability: float64(freq[k]) / float64(runs)})
			if k == drawnKey {
				res.PanelIndex = pos
			}
		}
	default:
		return nil, rathaus.Invalidf("algorithm", "unbekannter Algorithmus %q", opt.Algorithm)
	}
	for k, p := range res.Panels {
		if err := in.checkPanel(p.Counts); err != nil {
			return nil, fmt.Errorf("sortition: panel %d breaks a quota: %w", k, err)
		}
	}
	res.Fairness = fairness(res.Probabilities)
	if opt.LotterySize > 0 {
		res.Lottery = lottery(res.Panels, opt.LotterySize)
	}
	res.Duration = time.Since(start)
	return res, nil
}

// pickPanel draws a panel index with the panels' probabilities. The
// probabilities are quantised to integers first, so the draw depends only
// on the generator and not on floating-point rounding in comparisons.
func pickPanel(panels []Panel, rng *rand.Rand) int {
	weights := make([]uint64, len(panels))
	var total uint64
	for k, p := range panels {
		weights[k] = uint64(math.Round(p.Probability * (1 << 52)))
		total += weights[k]
	}
	u := rng.Uint64N(total)
	for k, w := range weights {
		if u < w {
			return k
		}
		u -= w
	}
	return len(panels) - 1
}

// membersFor draws, for each type, the given number of its members
// uniformly at random, and returns them sorted by input order.
func (in *Instance) membersFor(counts []int, rng *rand.Rand) []int {
	var out []int
	for t, n := range counts {
		if n == 0 {
			continue
		}
		m := append([]int(nil), in.Types[t].Members...)
		for i := 0; i < n; i++ {
			j := i + rng.IntN(len(m)-i)
			m[i], m[j] = m[j], m[i]
		}
		out = append(out, m[:n]...)
	}
	slices.Sort(out)
	return out
}

// personProbabilities spreads each type's expected seats evenly over its
// members.
func (in *Instance) personProbabilities(panels []Panel) []float64 {
	typeP := make([]float64, len(in.Types))
	for _, p := range panels {
		for t, n := range p.Counts {
			typeP[t] += p.Probability * float64(n) / float64(len(in.Types[t].Members))
		}
	}
	out := make([]float64, len(in.People))
	for i := range out {
		out[i] = math.Min(typeP[in.typeOf[i]], 1)
	}
	return out
}

func fairness(p []float64) Fairness {
	if len(p) == 0 {
		return Fairness{}
	}
	s := slices.Clone(p)
	slices.Sort(s)
	n := float64(len(s))
	var sum, weighted, logs float64
	zero := false
	for i, v := range s {
		sum += v
		weighted += (2*float64(i+1) - n - 1) * v
		if v <= 0 {
			zero = true
		} else {
			logs += math.Log(v)
		}
	}
	f := Fairness{Min: s[0]}
	if sum > 0 {
		f.Gini = weighted / (n * sum)
	}
	if !zero {
		f.GeoMean = math.Exp(logs / n)
	}
	return f
}

// lottery rounds the distribution to m equally likely slots by largest
// remainders, so that a public lottery can draw a number from 1 to m.
func lottery(panels []Panel, m int) []int {
	counts := make([]int, len(panels))
	rem := make([]float64, len(panels))
	left := m
	for k, p := range panels {
		q := p.Probability * float64(m)
		counts[k] = int(math.Floor(q))
		rem[k] = q - float64(counts[k])
		left -= counts[k]
	}
	order := make([]int, len(panels))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rem[b], rem[a]) })
	for i := 0; i < left && i < len(order); i++ {
		counts[order[i]]++
	}
	out := make([]int, 0, m)
	for k, c := range counts {
		for range c {
			out = append(out, k)
		}
	}
	return out
}

// FormatProbability writes a probability as a short decimal fraction.
func FormatProbability(p float64) string {
	return strconv.FormatFloat(math.Round(p*1e9)/1e9, 'f', -1, 64)
}
