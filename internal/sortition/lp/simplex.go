// Package lp is a small revised simplex solver for the linear
// programs of the sortition package: minimise c·x subject to A·x = b and
// lo ≤ x ≤ hi, with columns that can be appended between solves (column
// generation) and bounds that can be changed between solves (branch and
// bound). The basis is factorised around its single-entry (slack)
// columns with a small dense LU kernel and product-form updates (see
// factor.go), which suits programs with thousands of rows whose optimal
// bases are mostly slacks; it is not meant as a general-purpose solver.
//
// Numerics: pivots below 1e-7 of the largest entry of the transformed
// column are refused, the ratio test is Harris's two-pass test with a
// basic variable that drifted past a bound blocking at once (letting it
// run further out made phases 1 and 2 end on infeasible bases), optimality
// is confirmed on a fresh factorisation, and a basis found infeasible
// there is repaired by a composite phase before optimising again.
package lp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
)

// Status is the outcome of Solve.
type Status int

const (
	Optimal Status = iota
	Infeasible
	Unbounded
)

func (s Status) String() string {
	switch s {
	case Optimal:
		return "optimal"
	case Infeasible:
		return "infeasible"
	case Unbounded:
		return "unbounded"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// parallelNonzeros is the program size (column nonzeros) from which a
// pivot's pass over the columns runs on two goroutines.
const parallelNonzeros = 20000

// ErrIterations is returned when the simplex method does not finish within
// its iteration budget, which in practice means numerical trouble.
var ErrIterations = errors.New("lp: iteration limit reached")

const (
	tolPrimal = 1e-9
	tolDual   = 1e-9
	tolPivot  = 1e-9
)

type column struct {
	idx    []int
	val    []float64
	c      float64
	lo, hi float64
	art    bool
}

// LP is one linear program in equality form. The zero value is not usable;
// call New.
type LP struct {
	m    int
	b    []float64
	cols []column
	x    []float64

	basis   []int // column index of the basic variable in each position
	pos     []int // position in basis per column, -1 if nonbasic
	fac     factor
	devex   []float64
	art     []int // artificial column per row, -1 until first needed
	valid   bool  // basis and fac describe the current problem
	dirty   bool  // bounds, right-hand side or coefficients changed since last solve
	phase   int
	pivots  int
	objSign float64
	nnz     int   // nonzeros of the columns added
	active  []int // columns with lo < hi, during iterate

	// TotalPivots counts the pivots of all solves, for measurements.
	TotalPivots int

	// MaxIter bounds the pivots of one Solve call; 0 means 50·(rows+columns)+10000.
	MaxIter int
}

// New returns a program with m equality rows and right-hand side b.
func New(m int, b []float64) *LP {
	p := &LP{m: m, b: append([]float64(nil), b...), art: make([]int, m)}
	for i := range p.art {
		p.art[i] = -1
	}
	return p
}

// Rows returns the number of rows.
func (p *LP) Rows() int { return p.m }

// Cols returns the number of columns added so far (artificial columns
// created by the solver are not counted).
func (p *LP) Cols() int {
	n := 0
	for _, c := range p.cols {
		if !c.art {
			n++
		}
	}
	return n
}

// AddColumn appends a column with objective coefficient c, bounds [lo, hi]
// (lo must be finite; hi may be +Inf) and the nonzero entries val at rows
// idx. It returns the column's index. The current basis stays valid, so a
// following Solve continues from where the last one stopped.
func (p *LP) AddColumn(c, lo, hi float64, idx []int, val []float64) int {
	j := len(p.cols)
	p.cols = append(p.cols, column{idx: append([]int(nil), idx...), val: append([]float64(nil), val...), c: c, lo: lo, hi: hi})
	p.nnz += len(idx)
	p.x = append(p.x, lo)
	p.pos = append(p.pos, -1)
	if lo != 0 {
		p.dirty = true
	}
	return j
}

// SetColumn replaces the nonzero entries of column j.
func (p *LP) SetColumn(j int, idx []int, val []float64) {
	p.nnz += len(idx) - len(p.cols[j].idx)
	p.cols[j].idx = append(p.cols[j].idx[:0], idx...)
	p.cols[j].val = append(p.cols[j].val[:0], val...)
	p.dirty = true
}

// SetRHS sets the right-hand side of row i.
func (p *LP) SetRHS(i int, v float64) {
	if p.b[i] != v {
		p.b[i] = v
		p.dirty = true
	}
}

// RHS returns the right-hand side of row i.
func (p *LP) RHS(i int) float64 { return p.b[i] }

// SetObjective sets the objective coefficient of column j.
func (p *LP) SetObjective(j int, c float64) { p.cols[j].c = c }

// SetBounds sets the bounds of column j.
func (p *LP) SetBounds(j int, lo, hi float64) {
	if p.cols[j].lo != lo || p.cols[j].hi != hi {
		p.cols[j].lo, p.cols[j].hi = lo, hi
		p.dirty = true
	}
}

// Bounds returns the bounds of column j.
func (p *LP) Bounds(j int) (lo, hi float64) { return p.cols[j].lo, p.cols[j].hi }

// Value returns the value of column j in the last solution.
func (p *LP) Value(j int) float64 { return p.x[j] }

// Objective returns c·x for the last solution.
func (p *LP) Objective() float64 {
	s := 0.0
	for j, c := range p.cols {
		if !c.art {
			s += c.c * p.x[j]
		}
	}
	return s
}

// Duals returns the row prices y = c_B·B⁻¹ of the last optimal basis, so
// that the reduced cost of a column a with cost c is c − y·a.
func (p *LP) Duals() []float64 {
	y := make([]float64, p.m)
	p.duals(y)
	return y
}

func (p *LP) cost(j int) float64 {
	if p.phase == 3 {
		// Composite phase 1 from an infeasible basis: the gradient of the
		// sum of bound violations.
		if p.pos[j] < 0 {
			return 0
		}
		c := &p.cols[j]
		switch {
		case p.x[j] < c.lo-tolPrimal:
			return -1
		case p.x[j] > c.hi+tolPrimal:
			return 1
		}
		return 0
	}
	if p.phase == 1 {
		if p.cols[j].art {
			return 1
		}
		return 0
	}
	if p.cols[j].art {
		return 0
	}
	return p.cols[j].c
}

func (p *LP) duals(y []float64) {
	for r, j := range p.basis {
		y[r] = p.cost(j)
	}
	p.fac.btran(y, p.cols)
}

// SetBasis makes the given columns (one per row) the basis, with all other
// columns at their lower bounds; a good starting basis spares the first
// Solve its phase 1. It reports false, leaving the program to start from
// scratch, if the basis is singular or not primal feasible.
func (p *LP) SetBasis(cols []int) bool {
	if len(cols) != p.m {
		return false
	}
	for j := range p.cols {
		p.pos[j] = -1
		p.x[j] = p.cols[j].lo
		if p.cols[j].art {
			p.x[j] = 0
		}
	}
	p.basis = append([]int(nil), cols...)
	for r, j := range cols {
		if p.pos[j] >= 0 {
			p.valid = false
			return false
		}
		p.pos[j] = r
	}
	p.valid = p.invert() && p.computeXB() && p.primalFeasible()
	p.dirty = false
	return p.valid
}

// Solve optimises the program, starting from the previous basis when it is
// still primal feasible.
func (p *LP) Solve(ctx context.Context) (Status, error) {
	if p.valid && p.dirty {
		p.clampNonbasic()
		if p.invert() && p.computeXB() {
			p.dirty = false
			if !p.primalFeasible() {
				// Warm start: drive the bound violations out from the
				// current basis; the basis stays usable even when the
				// program turns out infeasible.
				p.phase = 3
				st, err := p.iterate(context.WithoutCancel(ctx))
				switch {
				case err != nil:
					p.valid = false
				case st != Optimal || !p.primalFeasible():
					if p.maxViolation() > 1e-6 {
						return Infeasible, nil
					}
					// Stalled on a violation at the level of rounding
					// noise: decide from scratch.
					p.valid = false
				}
			}
		} else {
			p.valid = false
		}
	}
	if !p.valid {
		st, err := p.phase1(ctx)
		if err != nil || st != Optimal {
			return st, err
		}
	}
	p.dirty = false
	for range 5 {
		p.phase = 2
		st, err := p.iterate(ctx)
		if err != nil || st != Optimal || p.maxViolation() <= 1e-7 {
			return st, err
		}
		// The fresh factorisation that confirmed optimality shows bound
		// violations that the updates had hidden: restore feasibility
		// from this basis and optimise again.
		p.phase = 3
		if _, err := p.iterate(ctx); err != nil {
			return Optimal, err
		}
	}
	return Optimal, errors.New("lp: cannot keep the basis feasible")
}

func (p *LP) clampNonbasic() {
	for j := range p.cols {
		if p.pos[j] >= 0 {
			continue
		}
		c := p.cols[j]
		switch {
		case p.x[j] > c.hi:
			p.x[j] = c.hi
		case p.x[j] != c.hi:
			p.x[j] = c.lo
		}
	}
}

func (p *LP) maxViolation() float64 {
	v := 0.0
	for _, j := range p.basis {
		c := p.cols[j]
		v = math.Max(v, math.Max(c.lo-p.x[j], p.x[j]-c.hi))
	}
	return v
}

func (p *LP) primalFeasible() bool {
	for _, j := range p.basis {
		c := p.cols[j]
		if p.x[j] < c.lo-tolPrimal || p.x[j] > c.hi+tolPrimal {
			return false
		}
	}
	return true
}

// phase1 finds a feasible basis from an all-artificial start.
func (p *LP) phase1(ctx context.Context) (Status, error) {
	m := p.m
	r := append([]float64(nil), p.b...)
	for j := range p.cols {
		c := &p.cols[j]
		p.pos[j] = -1
		if c.art {
			p.x[j] = 0
			continue
		}
		if math.IsInf(c.lo, -1) {
			p.x[j] = 0
			if c.hi < 0 {
				p.x[j] = c.hi
			}
		} else {
			p.x[j] = c.lo
		}
		if p.x[j] != 0 {
			for k, i := range c.idx {
				r[i] -= c.val[k] * p.x[j]
			}
		}
	}
	p.basis = make([]int, m)
	for i := 0; i < m; i++ {
		s := 1.0
		if r[i] < 0 {
			s = -1
		}
		if p.art[i] < 0 {
			p.art[i] = len(p.cols)
			p.cols = append(p.cols, column{art: true})
			p.x = append(p.x, 0)
			p.pos = append(p.pos, -1)
		}
		a := p.art[i]
		p.cols[a].idx = []int{i}
		p.cols[a].val = []float64{s}
		p.cols[a].lo, p.cols[a].hi = 0, math.Inf(1)
		p.x[a] = math.Abs(r[i])
		p.basis[i] = a
		p.pos[a] = i
	}
	p.fac.factorize(m, p.basis, p.cols)
	p.valid = true
	p.pivots = 0
	p.phase = 1
	st, err := p.iterate(ctx)
	if err != nil {
		return st, err
	}
	infeas := 0.0
	scale := 1.0
	for i, a := range p.art {
		infeas += p.x[a]
		scale = math.Max(scale, math.Abs(p.b[i]))
	}
	if st != Optimal || infeas > 1e-7*scale {
		p.valid = false
		return Infeasible, nil
	}
	for _, a := range p.art {
		p.cols[a].hi = 0
		if p.pos[a] < 0 {
			p.x[a] = 0
		}
	}
	return Optimal, nil
}

// invert refactorises the basis. It reports false when the basis is
// singular.
func (p *LP) invert() bool {
	p.pivots = 0
	return p.fac.factorize(p.m, p.basis, p.cols)
}

// computeXB sets the basic variables from the nonbasic ones. It reports
// false if a value is not finite.
func (p *LP) computeXB() bool {
	r := append([]float64(nil), p.b...)
	for j, c := range p.cols {
		if p.pos[j] >= 0 || p.x[j] == 0 {
			continue
		}
		for k, i := range c.idx {
			r[i] -= c.val[k] * p.x[j]
		}
	}
	p.fac.ftran(r, p.cols)
	for pos, j := range p.basis {
		s := r[pos]
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return false
		}
		p.x[j] = s
	}
	return true
}

func (p *LP) iterate(ctx context.Context) (Status, error) {
	m := p.m
	y := make([]float64, m)
	alpha := make([]float64, m)
	maxIter := p.MaxIter
	if maxIter == 0 {
		maxIter = 50*(m+len(p.cols)) + 10000
	}
	refactorEvery := maxEtas
	degenerate := 0
	// Devex reference weights (Forrest and Goldfarb's approximation of
	// steepest edge): Dantzig's rule compares reduced costs of columns of
	// very different norms (slacks against panels) and took several times
	// as many pivots on the master programs.
	p.devex = resizeF(p.devex, len(p.cols))
	for j := range p.devex {
		p.devex[j] = 1
	}
	rho := make([]float64, m)
	d := make([]float64, len(p.cols))
	// Only columns with lo < hi can enter, and bounds do not change
	// during a call: the passes over the columns skip the fixed ones
	// (most of them in decompose's dives).
	p.active = p.active[:0]
	for j := range p.cols {
		if c := &p.cols[j]; c.lo != c.hi {
			p.active = append(p.active, j)
		}
	}
	fresh := false
	for iter := 0; ; iter++ {
		if iter >= maxIter {
			return Optimal, ErrIterations
		}
		if iter%64 == 0 {
			if err := ctx.Err(); err != nil {
				return Optimal, err
			}
		}
		if p.pivots >= refactorEvery {
			if !p.invert() || !p.computeXB() {
				return Optimal, errors.New("lp: basis became singular")
			}
			fresh = false
		} else if p.pivots > 0 && p.pivots%32 == 0 {
			p.computeXB()
		}
		if p.phase == 3 && p.primalFeasible() {
			return Optimal, nil
		}
		// Reduced costs are updated with each pivot from the pivot row
		// that the Devex update computes anyway, which spares a btran and
		// a pass over all columns per pivot; they are recomputed after
		// every refactorisation, and in phase 3, whose costs change as
		// variables become feasible.
		if p.phase == 3 || !fresh {
			p.duals(y)
			for _, j := range p.active {
				if p.pos[j] >= 0 {
					continue
				}
				c := &p.cols[j]
				dj := p.cost(j)
				for k, i := range c.idx {
					dj -= y[i] * c.val[k]
				}
				d[j] = dj
			}
			fresh = p.phase != 3
		}
		bland := degenerate > 50 // Bland's entering rule against cycling
		q, dir, best := -1, 0.0, 0.0
		for _, j := range p.active {
			if p.pos[j] >= 0 {
				continue
			}
			c := &p.cols[j]
			dj := d[j]
			var score, sj float64
			switch {
			case dj < -tolDual && p.x[j] < c.hi:
				score, sj = -dj, 1
			case dj > tolDual && p.x[j] > c.lo:
				score, sj = dj, -1
			default:
				continue
			}
			if bland {
				q, dir = j, sj
				break
			}
			score = score * score / p.devex[j]
			if score > best {
				q, dir, best = j, sj, score
			}
		}
		if q < 0 {
			if p.pivots == 0 {
				return Optimal, nil
			}
			// Confirm optimality on a fresh factorisation, so that drift
			// in the updated representation cannot end the solve early.
			if !p.invert() || !p.computeXB() {
				return Optimal, errors.New("lp: basis became singular")
			}
			fresh = false
			continue
		}
		cq := &p.cols[q]
		clear(alpha)
		for k, i := range cq.idx {
			alpha[i] = cq.val[k]
		}
		p.fac.ftran(alpha, p.cols)
		// Basic variables move by −dir·θ·alpha. Harris two-pass ratio test;
		// a variable outside its bounds (phase 3) blocks where it becomes
		// feasible.
		// Entries far below the largest are rounding noise of the
		// factorisation; pivoting on them makes the basis ill-conditioned.
		amax := 0.0
		for _, v := range alpha {
			amax = math.Max(amax, math.Abs(v))
		}
		tp := math.Max(tolPivot, 1e-7*amax)
		target := func(r int) (float64, bool) {
			a := dir * alpha[r]
			jb := p.basis[r]
			cb := &p.cols[jb]
			x := p.x[jb]
			// Outside phase 3 every basic variable counts as feasible: one
			// that drifted past a bound by rounding must block at once
			// rather than be let run further out, which is how phases 1
			// and 2 used to end "optimal" on an infeasible basis.
			composite := p.phase == 3
			switch {
			case a > tp: // decreasing
				if composite && x > cb.hi+tolPrimal {
					return cb.hi, true
				}
				if (!composite || x >= cb.lo-tolPrimal) && !math.IsInf(cb.lo, -1) {
					return cb.lo, true
				}
			case a < -tp: // increasing
				if composite && x < cb.lo-tolPrimal {
					return cb.lo, true
				}
				if (!composite || x <= cb.hi+tolPrimal) && !math.IsInf(cb.hi, 1) {
					return cb.hi, true
				}
			}
			return 0, false
		}
		thetaMax := math.Inf(1)
		for r := 0; r < m; r++ {
			if tv, ok := target(r); ok {
				a := dir * alpha[r]
				dist := p.x[p.basis[r]] - tv // room before the bound, moving down
				if a < 0 {
					dist = -dist
				}
				thetaMax = math.Min(thetaMax, (math.Max(dist, 0)+tolPrimal)/math.Abs(a))
			}
		}
		flip := cq.hi - cq.lo
		leave, theta, leaveAt := -1, 0.0, 0.0
		if thetaMax < flip {
			bestA := 0.0
			for r := 0; r < m; r++ {
				tv, ok := target(r)
				if !ok {
					continue
				}
				a := dir * alpha[r]
				jb := p.basis[r]
				t := math.Abs(p.x[jb]-tv) / math.Abs(a)
				if (a > 0 && p.x[jb] < tv) || (a < 0 && p.x[jb] > tv) {
					t = 0 // already past the bound within tolerance
				}
				if t > thetaMax {
					continue
				}
				// Under Bland's rule the leaving variable is the candidate
				// of smallest column index as well: with the largest pivot
				// instead, degenerate pivots cycled for 100,000 iterations
				// on a face search of decompose (2,000 people, 30 seats).
				if bland && leave >= 0 {
					if p.basis[r] < p.basis[leave] {
						leave, theta, leaveAt, bestA = r, t, tv, math.Abs(a)
					}
				} else if math.Abs(a) > bestA {
					leave, theta, leaveAt, bestA = r, t, tv, math.Abs(a)
				}
			}
		} else {
			if math.IsInf(flip, 1) {
				return Unbounded, nil
			}
			theta = flip
		}
		if theta <= 1e-12 {
			degenerate++
		} else {
			degenerate = 0
		}
		for r := 0; r < m; r++ {
			if alpha[r] != 0 {
				p.x[p.basis[r]] -= dir * theta * alpha[r]
			}
		}
		p.x[q] += dir * theta
		if leave < 0 {
			p.x[q] = cq.hi
			if dir < 0 {
				p.x[q] = cq.lo
			}
			continue
		}
		jl := p.basis[leave]
		p.updateDevex(q, jl, leave, alpha[leave], rho, d)
		p.x[jl] = leaveAt
		p.pos[jl] = -1
		p.basis[leave] = q
		p.pos[q] = leave
		p.fac.addEta(leave, alpha)
		p.pivots++
		p.TotalPivots++
	}
}

// updateDevex updates the reference weights for the pivot in which column
// q enters at basis position r (pivot element ar) and column jl leaves;
// rho is scratch of length m. It also updates the reduced costs d for
// the new basis: d_j −= (d_q/ar)·(row r of B⁻¹)·a_j.
func (p *LP) updateDevex(q, jl, r int, ar float64, rho, d []float64) {
	clear(rho)
	rho[r] = 1
	p.fac.btran(rho, p.cols)
	wq := p.devex[q]
	td := d[q] / ar
	// (a/ar)²·wq for each column a, with one division per pivot.
	f := wq / (ar * ar)
	update := func(act []int) {
		for _, j := range act {
			if p.pos[j] >= 0 || j == q {
				continue
			}
			c := &p.cols[j]
			a := 0.0
			for k, i := range c.idx {
				a += rho[i] * c.val[k]
			}
			if a == 0 {
				continue
			}
			d[j] -= td * a
			if w := a * a * f; w > p.devex[j] {
				p.devex[j] = w
			}
		}
	}
	// The pass over all columns is most of a pivot's work on the large
	// master programs; there it is split over two goroutines (the columns
	// are independent), which pays once it is well above the cost of
	// starting one.
	if n := len(p.active); p.nnz > parallelNonzeros && n > 1 {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			update(p.active[n/2:])
		}()
		update(p.active[:n/2])
		wg.Wait()
	} else {
		update(p.active)
	}
	p.devex[jl] = math.Max(wq/(ar*ar), 1)
	d[jl] = -td
	d[q] = 0
}
