package sortition

import (
	"cmp"
	"context"
	"errors"
	"math"
	"slices"

	"github.com/rathaus/rathaus/internal/sortition/lp"
)

// pricer finds the quota-satisfying panel that maximises Σ w_t·x_t, where
// x_t is how many people of type t are seated: an integer program over
// types, solved by depth-first branch and bound on its LP relaxation.
type pricer struct {
	in    *Instance
	prog  *lp.LP
	xcol  []int
	rows  [][]int // rows of each type's column
	scol  []int   // slack column per quota row (category values in order)
	nodes int
	found [][]int // every improving panel of the last search, best last
	// NodeLimit bounds one search; past it the search is not exact.
	nodeLimit int
	// extra is how many nodes a search goes on after its first improving
	// panel, looking for a better one.
	extra int
	// fixRoot makes a search first dive with the columns the root's
	// solution leaves at 0 fixed there (see best).
	fixRoot bool
}

var errNodeLimit = errors.New("sortition: panel search exceeded its node limit")

// errEnough stops a search that has found an improving panel and spent
// its extra budget looking for a better one; any improving panel keeps
// column generation correct, the best one only makes it converge sooner.
var errEnough = errors.New("enough")

// extraNodes is that budget.
const extraNodes = 40

// fixRootNodes bounds the first, restricted search of fixRoot, and
// fixRootOpen is how many of its columns it leaves open.
const (
	fixRootNodes = 200
	fixRootOpen  = 200
)

func newPricer(in *Instance) *pricer {
	// Rows: one per category value (seated − slack = Min, slack ≤ Max − Min)
	// and one for the seat count.
	rowOf := make([][]int, len(in.Categories))
	var rhs []float64
	for c, cat := range in.Categories {
		rowOf[c] = make([]int, len(cat.Values))
		for v, val := range cat.Values {
			rowOf[c][v] = len(rhs)
			rhs = append(rhs, float64(val.Min))
		}
	}
	seatRow := len(rhs)
	rhs = append(rhs, float64(in.Seats))
	prog := lp.New(len(rhs), rhs)
	p := &pricer{in: in, prog: prog, nodeLimit: 200000, extra: extraNodes}
	idx := make([]int, 0, len(in.Categories)+1)
	val := make([]float64, 0, len(in.Categories)+1)
	for _, t := range in.Types {
		idx, val = idx[:0], val[:0]
		for c, v := range t.Values {
			idx = append(idx, rowOf[c][v])
			val = append(val, 1)
		}
		idx = append(idx, seatRow)
		val = append(val, 1)
		p.xcol = append(p.xcol, prog.AddColumn(0, 0, float64(len(t.Members)), idx, val))
		p.rows = append(p.rows, append([]int(nil), idx...))
	}
	for c, cat := range in.Categories {
		for v, value := range cat.Values {
			p.scol = append(p.scol, prog.AddColumn(0, 0, float64(value.Max-value.Min), []int{rowOf[c][v]}, []float64{-1}))
		}
	}
	return p
}

// best returns the panel maximising Σ w·x among those worth more than
// floor, or ok == false when there is none (which proves that no panel
// beats floor).
func (p *pricer) best(ctx context.Context, w []float64, floor float64) (counts []int, value float64, ok bool, err error) {
	for t, j := range p.xcol {
		p.prog.SetObjective(j, -w[t])
	}
	p.nodes = 0
	bestVal := floor
	p.found = p.found[:0]
	var bestCounts []int
	foundAt := 0
	var search func() error
	search = func() error {
		p.nodes++
		if p.nodes > p.nodeLimit {
			return errNodeLimit
		}
		if bestCounts != nil && p.nodes > foundAt+p.extra {
			return errEnough
		}
		st, err := p.prog.Solve(ctx)
		if err != nil {
			return err
		}
		if st != lp.Optimal {
			return nil
		}
		bound := -p.prog.Objective()
		if bound <= bestVal+1e-9*(1+math.Abs(bestVal)) {
			return nil
		}
		branch, frac := -1, 0.0
		for t, j := range p.xcol {
			x := p.prog.Value(j)
			f := x - math.Floor(x)
			d := math.Min(f, 1-f)
			if d > 1e-6 && d > frac {
				branch, frac = t, d
			}
		}
		if branch < 0 {
			cnt := make([]int, len(p.xcol))
			v := 0.0
			for t, j := range p.xcol {
				cnt[t] = int(math.Round(p.prog.Value(j)))
				v += w[t] * float64(cnt[t])
			}
			if v > bestVal && p.in.checkPanel(cnt) == nil {
				bestVal, bestCounts = v, cnt
				p.found = append(p.found, cnt)
				if foundAt == 0 {
					foundAt = p.nodes
				}
			}
			return nil
		}
		j := p.xcol[branch]
		lo, hi := p.prog.Bounds(j)
		x := math.Floor(p.prog.Value(j))
		p.prog.SetBounds(j, x+1, hi)
		if err := search(); err != nil {
			p.prog.SetBounds(j, lo, hi)
			return err
		}
		p.prog.SetBounds(j, lo, x)
		err = search()
		p.prog.SetBounds(j, lo, hi)
		return err
	}
	if p.fixRoot {
		// With fixRoot, the search first dives with most columns the
		// root's solution leaves at 0 fixed there: the simplex skips fixed
		// columns, so its pivots cost a fraction. The columns the root
		// seats stay open, and the zero columns of smallest reduced cost
		// up to fixRootOpen open columns in all: on paper-1727 and
		// max-2000 the seated ones alone nearly always held a panel
		// (decompose 3.8 and 4.3 s instead of 6.9 and 10.3 s), but with 30
		// seats of 2,000 people they did in one step of eight (decompose
		// 49 s; 20 s with 200 open). Fixing the columns at their upper
		// bound as well left most searches without a panel. Only if the
		// dive finds no panel within fixRootNodes nodes does the full
		// search run. The root itself is solved by sifting (siftRoot).
		st, err := p.siftRoot(ctx, w)
		if err != nil {
			return nil, 0, false, err
		}
		if st != lp.Optimal {
			return nil, 0, false, nil
		}
		type saved struct {
			j      int
			lo, hi float64
		}
		var zero []int
		open := 0
		for t, j := range p.xcol {
			if lo, hi := p.prog.Bounds(j); lo == hi {
				continue
			} else if lo == 0 && p.prog.Value(j) <= 1e-9 {
				zero = append(zero, t)
			} else {
				open++
			}
		}
		if keep := fixRootOpen - open; keep > 0 {
			// Keep the zero columns nearest to entering open as well.
			y := p.prog.Duals()
			d := make([]float64, len(p.xcol))
			for _, t := range zero {
				d[t] = -w[t]
				for _, i := range p.rows[t] {
					d[t] -= y[i]
				}
			}
			slices.SortFunc(zero, func(a, b int) int { return cmp.Compare(d[a], d[b]) })
			zero = zero[min(keep, len(zero)):]
		}
		var sv []saved
		for _, t := range zero {
			j := p.xcol[t]
			lo, hi := p.prog.Bounds(j)
			sv = append(sv, saved{j, lo, hi})
			p.prog.SetBounds(j, 0, 0)
		}
		limit := p.nodeLimit
		p.nodeLimit = min(limit, fixRootNodes)
		err = search()
		p.nodeLimit = limit
		for _, c := range sv {
			p.prog.SetBounds(c.j, c.lo, c.hi)
		}
		if err != nil && err != errEnough && !errors.Is(err, errNodeLimit) {
			return nil, 0, false, err
		}
		if bestCounts != nil {
			return bestCounts, bestVal, true, nil
		}
		p.nodes = 0
	}
	if err := search(); err != nil && err != errEnough {
		return nil, 0, false, err
	}
	if bestCounts == nil {
		return nil, 0, false, nil
	}
	return bestCounts, bestVal, true, nil
}

// siftRoot solves the search's root program for weights w by sifting:
// first over the siftSize heaviest open types, with the others held at 0,
// then adding the held types whose reduced cost makes them worth seating,
// until none is; the last solve is over every column, from that basis, so
// the result is the root's optimum whatever the sifting did.
func (p *pricer) siftRoot(ctx context.Context, w []float64) (lp.Status, error) {
	var open []int
	for t, j := range p.xcol {
		if lo, hi := p.prog.Bounds(j); lo == 0 && hi > 0 {
			open = append(open, t)
		}
	}
	if len(open) > 2*siftSize {
		slices.SortFunc(open, func(a, b int) int { return cmp.Compare(w[b], w[a]) })
		held := open[siftSize:]
		hi := make([]float64, len(held))
		for k, t := range held {
			_, hi[k] = p.prog.Bounds(p.xcol[t])
			p.prog.SetBounds(p.xcol[t], 0, 0)
		}
		for {
			st, err := p.prog.Solve(ctx)
			if err != nil || st != lp.Optimal {
				break
			}
			y := p.prog.Duals()
			added := 0
			for k, t := range held {
				if _, h := p.prog.Bounds(p.xcol[t]); h != 0 {
					continue
				}
				d := -w[t]
				for _, i := range p.rows[t] {
					d -= y[i]
				}
				if d < -1e-9 {
					p.prog.SetBounds(p.xcol[t], 0, hi[k])
					added++
				}
			}
			if added == 0 {
				break
			}
		}
		for k, t := range held {
			p.prog.SetBounds(p.xcol[t], 0, hi[k])
		}
	}
	return p.prog.Solve(ctx)
}

// siftSize is how many types siftRoot starts with: with 200, decompose
// took 13 to 32 % less time per step on paper-1727, max-2000 and 2,000
// people with 30 seats than without sifting; 400 was no better.
const siftSize = 200
