package sortition

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/sortition/lp"
)

// Tolerances of the column generation. Probabilities are reported to 1e-9.
const (
	priceEps = 1e-8 // a panel must beat the current dual bound by this much to be added
	fixEps   = 1e-7 // types whose dual weight exceeds this are fixed at the stage's level
	fixSlack = 1e-10
	// boundEps: a stage whose z is within this of the relaxation's bound
	// is done.
	boundEps = 1e-9
	// heuristicStarts is how many of the best panels the exchange search
	// starts from in each round.
	heuristicStarts = 4
	// fastStarts is heuristicStarts for the fast path: with 2 instead of
	// 4, z rose faster per second on paper-1727 and max-2000 (0.968
	// instead of 0.959 after 20 s on paper-1727), since every column
	// costs pivots of its own in a master with all rows tight, and 1 was
	// slower again.
	fastStarts = 2
	// perturbation loosens the rows of the fast path's master by this
	// share of a type's level (times 1 to 2) against degenerate pivots.
	perturbation = 1e-6
	// decomposeNodes bounds the branch and bound of one step of decompose.
	decomposeNodes = 20000
	// decomposeDone is the mass decompose may leave over (rounding: its
	// rest is a point of the polytope scaled by this much, and the last
	// step's face search finds no panel in the noise).
	decomposeDone = 1e-6
	// levelTol is how far below its fractional level a type's probability
	// may be in a distribution taken from decompose as the LEXIMIN one:
	// floating-point rounding, not an approximation.
	levelTol = 1e-7
)

// leximinResult is a distribution and how far it is from proven optimal.
type leximinResult struct {
	Panels []Panel
	// Optimal is false when the time limit ended the computation; the
	// distribution is then valid but not the LEXIMIN one.
	Optimal bool
	// MinBound is a proven upper bound on the lowest probability of any
	// distribution: the relaxation's first-stage z, or the exact minimum
	// once the first stage is done.
	MinBound float64
	// Fractional reports that the distribution reached the LEXIMIN vector
	// over fractional panels, which proves it optimal without the stages.
	Fractional bool
}

// panelSet holds the distinct panels (seat counts per type) found so far.
type panelSet struct {
	counts [][]int
	index  map[string]int
}

func (s *panelSet) add(c []int) (int, bool) {
	var b strings.Builder
	for _, n := range c {
		b.WriteString(strconv.Itoa(n))
		b.WriteByte(',')
	}
	if i, ok := s.index[b.String()]; ok {
		return i, false
	}
	s.index[b.String()] = len(s.counts)
	s.counts = append(s.counts, c)
	return len(s.counts) - 1, true
}

// typeCounts turns seated people into seat counts per type.
func (in *Instance) typeCounts(people []int) []int {
	c := make([]int, len(in.Types))
	for _, i := range people {
		c[in.typeOf[i]]++
	}
	return c
}

// leximin computes the LEXIMIN distribution by column generation (the
// paper's algorithm, on types). Each stage maximises the lowest
// probability z among the types not yet fixed, subject to the fixed ones
// keeping theirs; the master LP over the panels found so far is solved in
// primal form, its row prices are the dual weights, and the pricing
// integer program finds the panel that most violates the dual. When none
// does, every unfixed type with a positive price is tight in every
// optimal solution and is fixed at z.
//
// With fractionalFirst it first computes the LEXIMIN vector over
// fractional panels (cheap: one small program per level) and looks for a
// distribution over real panels that reaches it: decompose writes the
// vector's point as a mix of panels without any master program, and only
// if it gets stuck does a single column generation look further; only if
// real panels cannot reach it do the stages run. Without, it runs the
// stages only (tests compare the two).
func leximin(ctx context.Context, in *Instance, rng *rand.Rand, limit time.Duration, fractionalFirst bool) (*leximinResult, error) {
	T := len(in.Types)
	var deadline time.Time
	if limit > 0 {
		deadline = time.Now().Add(limit)
	}
	res := &leximinResult{}
	// The master and its pricing run under lctx, which ends at the time
	// limit: one solve of the master can take longer than the whole limit
	// when it stalls in degenerate pivots. timeUp tells that end from the
	// caller's.
	lctx := ctx
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		lctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	timeUp := func(err error) bool { return err != nil && lctx.Err() != nil && ctx.Err() == nil }
	rhs := make([]float64, T+1)
	rhs[T] = 1
	prog := lp.New(T+1, rhs)
	rows := make([]int, T)
	ones := make([]float64, T)
	for t := range rows {
		rows[t] = t
		ones[t] = -1
	}
	zcol := prog.AddColumn(-1, 0, 1, rows, ones)
	for t := 0; t < T; t++ {
		prog.AddColumn(0, 0, math.Inf(1), []int{t}, []float64{-1})
	}
	set := &panelSet{index: map[string]int{}}
	var pcol []int
	addPanel := func(c []int) bool {
		_, isNew := set.add(c)
		if !isNew {
			return false
		}
		idx := make([]int, 0, len(c)+1)
		val := make([]float64, 0, len(c)+1)
		for t, n := range c {
			if n > 0 {
				idx = append(idx, t)
				val = append(val, float64(n)/float64(len(in.Types[t].Members)))
			}
		}
		idx = append(idx, T)
		val = append(val, 1)
		pcol = append(pcol, prog.AddColumn(0, 0, math.Inf(1), idx, val))
		return true
	}

	pr := newPricer(in)
	// The fast path: the LEXIMIN vector over fractional panels bounds
	// every distribution in the leximin order, so a distribution that
	// gives every type at least its fractional level is the LEXIMIN one.
	// First decompose writes the fractional LEXIMIN point as a mix of
	// panels directly: on the paper's instances nothing is left over but
	// rounding, and the distribution is the LEXIMIN one. Otherwise its
	// panels start one column generation that looks for such a
	// distribution (below), and only if that stays short of the levels do
	// the stages run.
	var (
		target []float64
		fracOK bool
		early  [][]int // decompose's panels
	)
	if fractionalFirst {
		var err error
		if target, fracOK, err = fractionalLeximin(ctx, in); err != nil {
			return nil, err
		}
	}
	if fracOK {
		_, _, _, point, err := relaxedProgram(ctx, in, target, nil)
		if err != nil {
			return nil, err
		}
		d, err := decompose(ctx, in, pr, point, decomposeNodes, deadline, rng)
		if err != nil {
			return nil, err
		}
		if d.residual <= decomposeDone {
			if panels, ok := d.distribution(in, target); ok {
				res.Panels, res.Optimal, res.Fractional = panels, true, true
				res.MinBound = slices.Min(target)
				return res, nil
			}
		}
		early = d.panels
	}
	sw := newSwapper(in)
	// Start from a few LEGACY panels and one panel that favours rare types.
	// LEGACY may dead-end on tight quotas; a bounded number of attempts
	// keeps that from costing seconds, and the search below always finds
	// a panel when there is one.
	leg := newLegacy(in)
	for range 400 {
		if len(set.counts) == 20 {
			break
		}
		if leg.draw(rng) {
			addPanel(in.typeCounts(leg.out))
		}
	}
	w := make([]float64, T)
	for t := range w {
		w[t] = 1 / float64(len(in.Types[t].Members))
	}
	first, _, ok, err := pr.best(ctx, w, math.Inf(-1))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, rathaus.Invalidf("quotas", "Die Quoten sind einzeln erfüllbar, aber kein Gremium mit %d Sitzen erfüllt alle gleichzeitig", in.Seats)
	}
	addPanel(first)

	fixed := make([]bool, T)
	nFixed := 0
	applyFix := func(fix []int, z float64) {
		// A type's level is z, but never above what the current solution
		// gives it, so that the current solution stays feasible despite
		// rounding in the duals.
		have := make([]float64, T)
		for k, j := range pcol {
			if v := prog.Value(j); v > 0 {
				for t, n := range set.counts[k] {
					have[t] += v * float64(n) / float64(len(in.Types[t].Members))
				}
			}
		}
		for _, t := range fix {
			fixed[t] = true
			nFixed++
			prog.SetRHS(t, math.Max(math.Min(z, have[t])-fixSlack, 0))
		}
		rows = rows[:0]
		ones = ones[:0]
		for t := range fixed {
			if !fixed[t] {
				rows = append(rows, t)
				ones = append(ones, -1)
			}
		}
		prog.SetColumn(zcol, rows, ones)
	}

	// Cover every type that any panel can seat (as the paper does), so
	// that the first stage starts with z > 0; types no panel can seat keep
	// probability 0.
	covered := make([]bool, T)
	for _, c := range set.counts {
		for t, n := range c {
			covered[t] = covered[t] || n > 0
		}
	}
	for {
		open := false
		for t := range w {
			w[t] = 0
			if !covered[t] {
				w[t] = 1
				open = true
			}
		}
		if !open {
			break
		}
		c, _, ok, err := pr.best(ctx, w, 0.5)
		if err != nil {
			return nil, fmt.Errorf("sortition: leximin cover: %w", err)
		}
		if !ok {
			var never []int
			for t := range covered {
				if !covered[t] {
					never = append(never, t)
				}
			}
			applyFix(never, 0)
			break
		}
		addPanel(c)
		for t, n := range c {
			covered[t] = covered[t] || n > 0
		}
	}

	// Start from the basis of all surplus columns plus the first panel:
	// z = 0, that panel with weight 1.
	start := make([]int, 0, T+1)
	for t := 0; t < T; t++ {
		start = append(start, zcol+1+t)
	}
	start = append(start, pcol[0])
	prog.SetBasis(start)

	// level holds the probability each fixed type keeps, −1 while open;
	// the relaxation of each stage bounds its z from above and, when the
	// panels reach that bound, names the types to fix without an exact
	// pricing proof.
	level := make([]float64, T)
	for t := range level {
		level[t] = -1
		if fixed[t] {
			level[t] = prog.RHS(t)
		}
	}
	// generate runs the column generation on the master as it stands
	// until z reaches bound or no panel improves it; the exchange search
	// starts from the best starts panels. scale[t] is the
	// coefficient of z in row t (the smooth weights measure a type's
	// probability against it). It reports whether bound was reached and
	// the last duals; stopped means the time limit ended it.
	generate := func(bound float64, scale []float64, starts int) (reached, stopped bool, y []float64, err error) {
		for {
			st, err := prog.Solve(lctx)
			if timeUp(err) {
				return false, true, nil, nil
			}
			if err != nil {
				return false, false, nil, fmt.Errorf("sortition: leximin master: %w", err)
			}
			if st != lp.Optimal {
				return false, false, nil, fmt.Errorf("sortition: leximin master is %v with %d types fixed", st, nFixed)
			}
			if !deadline.IsZero() && time.Now().After(deadline) {
				return false, true, nil, nil
			}
			if prog.Value(zcol) >= bound-boundEps {
				return true, false, y, nil
			}
			y = prog.Duals()
			for t := range w {
				w[t] = y[t] / float64(len(in.Types[t].Members))
			}
			floor := -y[T] + priceEps
			// Exchanges first: improve the panels worth most under the
			// duals; every distinct result above the dual bound is a
			// column. Panels for smooth weights on the types near the
			// minimum go in as well: the duals sit on a few tight types,
			// and columns that lift all of them at once make the master
			// converge in fewer rounds.
			improving := false
			for _, k := range topPanels(set.counts, w, starts) {
				sw.load(set.counts[k])
				if sw.improve(w, 1e-12) > floor {
					improving = addPanel(slices.Clone(sw.x)) || improving
				}
			}
			if improving {
				smooth := smoothWeights(in, prog, pcol, set, fixed, scale, prog.Value(zcol))
				for _, k := range topPanels(set.counts, smooth, starts) {
					sw.load(set.counts[k])
					sw.improve(smooth, 1e-12)
					addPanel(slices.Clone(sw.x))
				}
				continue
			}
			// No exchange helps: the exact search finds a column or proves
			// that the master is optimal over all panels.
			_, _, ok, err := pr.best(lctx, w, floor)
			if timeUp(err) {
				return false, true, nil, nil
			}
			if err != nil {
				return false, false, nil, fmt.Errorf("sortition: leximin pricing: %w", err)
			}
			added := false
			if ok {
				for _, c := range pr.found {
					added = addPanel(c) || added
				}
			}
			if !added {
				return false, false, y, nil
			}
		}
	}

	// The fast path's column generation: maximise z with every type at z
	// times its fractional level, from decompose's panels.
	if fracOK {
		for t := range fixed {
			if fixed[t] && target[t] > 1e-9 {
				fracOK = false // a type no panel seats has a positive level
			}
		}
	}
	if fracOK {
		minLevel := 1.0
		rows, ones = rows[:0], ones[:0]
		for t, p := range target {
			minLevel = math.Min(minLevel, p)
			if !fixed[t] && p > 0 {
				rows = append(rows, t)
				ones = append(ones, -p)
			}
		}
		res.MinBound = minLevel
		prog.SetColumn(zcol, rows, ones)
		for _, c := range early {
			addPanel(c)
		}
		// Every row is tight at z = 1 and most are at 0 on the way there,
		// so the simplex stalls in degenerate pivots (20,000 on the first
		// solve of paper-1727). Loosening each row by a different tiny
		// amount makes the pivots move; the exact rows are restored for
		// the last rounds, which start from a nearly optimal basis.
		for _, t := range rows {
			prog.SetRHS(t, -perturbation*target[t]*(1+math.Mod(float64(t)*0.6180339887, 1)))
		}
		reached, stopped, _, err := generate(1, target, fastStarts)
		if err == nil && !stopped {
			for _, t := range rows {
				prog.SetRHS(t, 0)
			}
			reached, stopped, _, err = generate(1, target, fastStarts)
		}
		if err != nil {
			return nil, err
		}
		if stopped {
			return res.finish(prog, pcol, set)
		}
		if reached {
			res.Optimal, res.Fractional = true, true
			return res.finish(prog, pcol, set)
		}
		rows, ones = rows[:0], ones[:0]
		for t := range fixed {
			if !fixed[t] {
				rows = append(rows, t)
				ones = append(ones, -1)
			}
		}
		prog.SetColumn(zcol, rows, ones)
	}

	unit := make([]float64, T)
	for t := range unit {
		unit[t] = 1
	}
	firstDone := false
	for nFixed < T {
		bound, tight, err := relaxedStage(ctx, in, level)
		if err != nil {
			return nil, err
		}
		if !firstDone {
			// Types no panel can seat were fixed at 0 before the first
			// stage.
			res.MinBound = bound
			if nFixed > 0 {
				res.MinBound = 0
			}
		}
		if len(tight) == 0 {
			// Without tight types the bound cannot end the stage early.
			bound = math.Inf(1)
		}
		reached, stopped, y, err := generate(bound, unit, heuristicStarts)
		if err != nil {
			return nil, err
		}
		if stopped {
			return res.finish(prog, pcol, set)
		}
		z := prog.Value(zcol)
		var fix []int
		switch {
		case reached && z < 1-1e-9:
			fix = tight
		case z >= 1-1e-9:
			for t := range fixed {
				if !fixed[t] {
					fix = append(fix, t)
				}
			}
		case z <= 1e-9:
			// Someone sits on no panel found so far. Types that no panel can
			// seat keep probability 0; for the others add a panel that seats
			// them, which lifts z above 0 in the next round.
			added := false
			for t := range fixed {
				if fixed[t] {
					continue
				}
				clear(w)
				w[t] = 1
				c, _, ok, err := pr.best(ctx, w, 0.5)
				if err != nil {
					return nil, fmt.Errorf("sortition: leximin reachability: %w", err)
				}
				if !ok {
					fix = append(fix, t)
				} else if addPanel(c) {
					added = true
				}
			}
			if len(fix) == 0 && added {
				continue
			}
			z = 0
		default:
			best := -1
			for t := range fixed {
				if fixed[t] {
					continue
				}
				if y[t] > fixEps {
					fix = append(fix, t)
				}
				if best < 0 || y[t] > y[best] {
					best = t
				}
			}
			if len(fix) == 0 {
				fix = append(fix, best)
			}
		}
		if len(fix) == 0 {
			return nil, fmt.Errorf("sortition: leximin made no progress at z=%v", z)
		}
		applyFix(fix, z)
		for _, t := range fix {
			level[t] = prog.RHS(t)
		}
		if !firstDone {
			// The first stage is exact: its z is the minimum.
			res.MinBound = math.Min(res.MinBound, z)
			firstDone = true
		}
	}
	res.Optimal = true
	return res.finish(prog, pcol, set)
}

// finish turns the master's current solution, which is always a valid
// distribution over quota-satisfying panels, into the result.
func (r *leximinResult) finish(prog *lp.LP, pcol []int, set *panelSet) (*leximinResult, error) {
	total := 0.0
	for k, j := range pcol {
		if v := prog.Value(j); v > 1e-10 {
			r.Panels = append(r.Panels, Panel{Counts: set.counts[k], Probability: v})
			total += v
		}
	}
	if len(r.Panels) == 0 {
		return nil, fmt.Errorf("sortition: leximin found an empty distribution")
	}
	for k := range r.Panels {
		r.Panels[k].Probability /= total
	}
	return r, nil
}

// smoothWeights favours every open type by how close its current
// probability, divided by its scale (the coefficient of z in its row), is
// to z, falling by e per tenth of z above it.
func smoothWeights(in *Instance, prog *lp.LP, pcol []int, set *panelSet, fixed []bool, scale []float64, z float64) []float64 {
	have := make([]float64, len(in.Types))
	for k, j := range pcol {
		if v := prog.Value(j); v > 0 {
			for t, n := range set.counts[k] {
				if n > 0 {
					have[t] += v * float64(n) / float64(len(in.Types[t].Members))
				}
			}
		}
	}
	w := make([]float64, len(in.Types))
	for t := range w {
		if !fixed[t] && scale[t] > 0 {
			w[t] = math.Exp(-10*(have[t]/scale[t]-z)/math.Max(z, 1e-3)) / (float64(len(in.Types[t].Members)) * scale[t])
		}
	}
	return w
}

// topPanels returns the indexes of the n panels of highest weight.
func topPanels(panels [][]int, w []float64, n int) []int {
	val := make([]float64, len(panels))
	idx := make([]int, len(panels))
	for k, c := range panels {
		idx[k] = k
		for t, x := range c {
			if x > 0 {
				val[k] += w[t] * float64(x)
			}
		}
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(val[b], val[a]) })
	return idx[:min(n, len(idx))]
}
