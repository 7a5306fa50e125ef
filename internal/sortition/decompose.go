package sortition

import (
	"context"
	"math"
	"math/rand/v2"
	"time"
)

// decomposition is a distribution over panels that averages to a given
// point of the quota polytope, as far as it got: weights sum to 1 −
// residual, and rest (seats per type, summing to residual·seats) is the
// part of the point no panel was found for.
type decomposition struct {
	panels   [][]int
	weights  []float64
	residual float64
	rest     []float64
}

// decompose writes the point x of the quota polytope (seats per type) as
// a convex combination of panels, Carathéodory-style: the rest R of the
// point, with mass M, lies in the polytope scaled by M; each step finds a
// panel v on the smallest face of that polytope that holds R (every type
// at 0 or at its members stays there, every quota at its bound stays
// there), takes the largest weight λ for which R − λ·v stays in the
// polytope scaled by M − λ, and subtracts it. The step makes one more
// constraint tight, so after at most (types + quota rows + 1) steps the
// rest is empty.
//
// The steps only keep the rest in the quota polytope, not in the convex
// hull of its panels (which is smaller when the polytope has fractional
// vertices), so a step can lead to a face without panels (or none within
// nodeLimit nodes of the search); decompose then backtracks a few times
// (see decomposeRetries) and otherwise stops, or at the deadline, and
// reports the mass left. Any panel in the face will do; the search
// prefers types with a large rest (R_t/(M·n_t)), which keeps the rest
// balanced and the steps long: without weights it took 8 times as many
// steps on paper-1727 and dead-ended at a mass of 0.003, and a search
// that optimised only at the root (below it only restoring feasibility)
// took 6 times as many.
func decompose(ctx context.Context, in *Instance, pr *pricer, x []float64, nodeLimit int, deadline time.Time, rng *rand.Rand) (*decomposition, error) {
	T := len(in.Types)
	R := append([]float64(nil), x...)
	M := 1.0
	d := &decomposition{}
	// Quota rows in the pricer's order, with their types.
	type quota struct {
		min, max float64
		types    []int
		scol     int
	}
	var qs []quota
	for c, cat := range in.Categories {
		for v, val := range cat.Values {
			q := quota{min: float64(val.Min), max: float64(val.Max), scol: pr.scol[len(qs)]}
			for t, ty := range in.Types {
				if ty.Values[c] == v {
					q.types = append(q.types, t)
				}
			}
			qs = append(qs, q)
		}
	}
	defer func() {
		for t, j := range pr.xcol {
			pr.prog.SetBounds(j, 0, float64(len(in.Types[t].Members)))
		}
		for _, q := range qs {
			pr.prog.SetBounds(q.scol, 0, q.max-q.min)
		}
	}()
	savedLimit, savedExtra := pr.nodeLimit, pr.extra
	pr.nodeLimit, pr.extra, pr.fixRoot = nodeLimit, decomposeExtra, true
	defer func() { pr.nodeLimit, pr.extra, pr.fixRoot = savedLimit, savedExtra, false }()

	w := make([]float64, T)
	sum := make([]float64, len(qs))
	// A dead end undoes the last 2, 4, 8, ... steps and takes them again
	// with weights jittered by up to ±10 %, which picks other panels.
	retries, jitter := 0, 0
	backtrack := func() bool {
		if retries == decomposeRetries || len(d.panels) == 0 || M <= decomposeDone {
			// At decomposeDone the rest is rounding noise that no panel
			// fits, which is as good as done.
			return false
		}
		retries++
		undo := min(1<<retries, len(d.panels))
		for range undo {
			k := len(d.panels) - 1
			for t, n := range d.panels[k] {
				R[t] += d.weights[k] * float64(n)
			}
			M += d.weights[k]
			d.panels, d.weights = d.panels[:k], d.weights[:k]
		}
		jitter = undo + 2
		return true
	}
	for M > 1e-12 {
		if !deadline.IsZero() && time.Now().After(deadline) {
			break
		}
		eps := 1e-9 * M
		for t, j := range pr.xcol {
			n := float64(len(in.Types[t].Members))
			switch {
			case R[t] <= eps*n:
				R[t] = 0
				pr.prog.SetBounds(j, 0, 0)
			case R[t] >= (M-eps)*n:
				R[t] = M * n
				pr.prog.SetBounds(j, n, n)
			default:
				pr.prog.SetBounds(j, 0, n)
			}
			w[t] = R[t] / (M * n)
			if jitter > 0 {
				w[t] *= 0.9 + 0.2*rng.Float64()
			}
		}
		for k, q := range qs {
			s := 0.0
			for _, t := range q.types {
				s += R[t]
			}
			sum[k] = s
			switch {
			case s <= (q.min+eps)*M:
				pr.prog.SetBounds(q.scol, 0, 0)
			case s >= (q.max-eps)*M:
				pr.prog.SetBounds(q.scol, q.max-q.min, q.max-q.min)
			default:
				pr.prog.SetBounds(q.scol, 0, q.max-q.min)
			}
		}
		if jitter > 0 {
			jitter--
		}
		v, _, ok, err := pr.best(ctx, w, math.Inf(-1))
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		// Past the node limit, or a simplex that failed (iteration limit),
		// is a dead end like a face without panels: decompose is only the
		// fast path, and LEXIMIN goes on without it.
		if err != nil || !ok {
			if backtrack() {
				continue
			}
			break
		}
		lambda := M
		for t, n := range v {
			nt := float64(len(in.Types[t].Members))
			if n > 0 {
				lambda = math.Min(lambda, R[t]/float64(n))
			}
			if float64(n) < nt {
				lambda = math.Min(lambda, (nt*M-R[t])/(nt-float64(n)))
			}
		}
		for k, q := range qs {
			seated := 0.0
			for _, t := range q.types {
				seated += float64(v[t])
			}
			if seated > q.min {
				lambda = math.Min(lambda, (sum[k]-q.min*M)/(seated-q.min))
			}
			if seated < q.max {
				lambda = math.Min(lambda, (q.max*M-sum[k])/(q.max-seated))
			}
		}
		if lambda <= 0 {
			if backtrack() {
				continue
			}
			break
		}
		for t, n := range v {
			R[t] = math.Max(R[t]-lambda*float64(n), 0)
		}
		M -= lambda
		d.panels = append(d.panels, v)
		d.weights = append(d.weights, lambda)
	}
	d.residual = math.Max(M, 0)
	d.rest = R
	return d, nil
}

// decomposeExtra is the pricer's extra for decompose: any panel on the face
// will do, and stopping at the first halved the time on paper-1727 and
// max-2000 (weighted panels did not make the steps fewer).
const decomposeExtra = 0

// decomposeRetries bounds the backtracking of decompose after dead ends.
const decomposeRetries = 8

// distribution returns the panels with their weights scaled to sum to 1
// (the same panel found twice counted once), and ok when every type gets
// at least its level less levelTol.
func (d *decomposition) distribution(in *Instance, level []float64) ([]Panel, bool) {
	set := &panelSet{index: map[string]int{}}
	var weight []float64
	total := 0.0
	for k, c := range d.panels {
		i, isNew := set.add(c)
		if isNew {
			weight = append(weight, 0)
		}
		weight[i] += d.weights[k]
		total += d.weights[k]
	}
	if total <= 0 {
		return nil, false
	}
	p := make([]float64, len(in.Types))
	panels := make([]Panel, len(set.counts))
	for k, c := range set.counts {
		panels[k] = Panel{Counts: c, Probability: weight[k] / total}
		for t, n := range c {
			p[t] += panels[k].Probability * float64(n) / float64(len(in.Types[t].Members))
		}
	}
	for t := range p {
		if p[t] < level[t]-levelTol {
			return nil, false
		}
	}
	return panels, true
}
