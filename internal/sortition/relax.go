package sortition

import (
	"context"
	"fmt"
	"math"

	"github.com/rathaus/rathaus/internal/sortition/lp"
)

// relaxedStage solves one LEXIMIN stage over the quota polytope instead
// of over panels: fractional panels x with Min ≤ seated per value ≤ Max,
// Σx = seats, 0 ≤ x_t ≤ n_t (n_t = members of type t). Every distribution
// over real panels averages to such a point, so the stage's z here bounds
// the stage's z over panels from above, and it is one small program (a
// row per quota value) instead of a column generation.
//
// level[t] is the probability a fixed type keeps (it may get more), or a
// negative number for an open type, which gets x_t = n_t·z + s_t with
// s_t ≥ 0. The bound s_t ≤ n_t(1−z) is relaxed to s_t ≤ n_t, which keeps
// the program linear and still bounds from above.
//
// tight lists the open types whose s_t has a positive reduced cost: they
// get exactly z in every optimal point of the relaxation, hence in every
// optimal distribution whenever the distributions reach the bound.
func relaxedStage(ctx context.Context, in *Instance, level []float64) (z float64, tight []int, err error) {
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
	zval := make([]float64, len(rhs))
	rows := make([][]int, len(in.Types))
	for t, ty := range in.Types {
		n := float64(len(ty.Members))
		for c, v := range ty.Values {
			rows[t] = append(rows[t], rowOf[c][v])
		}
		rows[t] = append(rows[t], seatRow)
		for _, i := range rows[t] {
			if level[t] < 0 {
				zval[i] += n
			} else {
				// A fixed type's guaranteed seats move to the right-hand side.
				rhs[i] -= n * level[t]
			}
		}
	}
	prog := lp.New(len(rhs), rhs)
	cols := make([]int, len(in.Types))
	for t, ty := range in.Types {
		n := float64(len(ty.Members))
		hi := n
		if level[t] >= 0 {
			hi = math.Max(n*(1-level[t]), 0)
		}
		cols[t] = prog.AddColumn(0, 0, hi, rows[t], ones(len(rows[t])))
	}
	for c, cat := range in.Categories {
		for v, value := range cat.Values {
			prog.AddColumn(0, 0, float64(value.Max-value.Min), []int{rowOf[c][v]}, []float64{-1})
		}
	}
	var zrows []int
	var zvals []float64
	for i, v := range zval {
		if v != 0 {
			zrows = append(zrows, i)
			zvals = append(zvals, v)
		}
	}
	zcol := prog.AddColumn(-1, 0, 1, zrows, zvals)
	st, err := prog.Solve(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("sortition: relaxed stage: %w", err)
	}
	if st != lp.Optimal {
		return 0, nil, fmt.Errorf("sortition: relaxed stage is %v", st)
	}
	y := prog.Duals()
	for t := range in.Types {
		if level[t] >= 0 || prog.Value(cols[t]) > 1e-9 {
			continue
		}
		// Minimising −z, the reduced cost of s_t is 0 − y·a_t.
		d := 0.0
		for _, i := range rows[t] {
			d -= y[i]
		}
		if d > 1e-9 {
			tight = append(tight, t)
		}
	}
	return math.Min(prog.Value(zcol), 1), tight, nil
}

func ones(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}
