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
// s_t ≥ 0. The cap x_t ≤ n_t of an open type involves z, so it needs a
// row of its own (s_t + n_t·z ≤ n_t); most caps never bind, so the rows
// are added only for the types whose cap a solution breaks, and the
// program is solved again until none does. The solution is then optimal
// for the program with every cap, and its duals (0 on the missing rows)
// are optimal for it too.
//
// tight lists the open types whose s_t has a positive reduced cost: they
// get exactly z in every optimal point of the relaxation, hence in every
// optimal distribution whenever the distributions reach the bound. When
// 0 < z < 1 the list is not empty (z's column is Σ n_t times the s_t
// columns, so its zero reduced cost makes Σ n_t·d_t = 1), up to rounding.
func relaxedStage(ctx context.Context, in *Instance, level []float64) (z float64, tight []int, err error) {
	z, tight, _, err = relaxedStageCapped(ctx, in, level, nil)
	return z, tight, err
}

// relaxedStageCapped is relaxedStage starting with cap rows for the open
// types in capped; it returns the types with cap rows at the end, so that
// the next stage can start with them (most caps that bind in one stage
// bind in the next, and each missing one costs a program).
func relaxedStageCapped(ctx context.Context, in *Instance, level []float64, capped []int) (z float64, tight, caps []int, err error) {
	for _, t := range capped {
		if level[t] < 0 {
			caps = append(caps, t)
		}
	}
	for {
		z, tight, over, _, err := relaxedProgram(ctx, in, level, caps)
		if err != nil || len(over) == 0 {
			return z, tight, caps, err
		}
		caps = append(caps, over...)
	}
}

// relaxedProgram solves the relaxation with cap rows for the types in
// capped; over lists the open types without a cap row whose x_t exceeds
// n_t in the solution; point is the solution's x (seats per type).
func relaxedProgram(ctx context.Context, in *Instance, level []float64, capped []int) (z float64, tight, over []int, point []float64, err error) {
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
	capRow := make([]int, len(in.Types))
	for t := range capRow {
		capRow[t] = -1
	}
	for _, t := range capped {
		capRow[t] = len(rhs)
		rhs = append(rhs, float64(len(in.Types[t].Members)))
	}
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
		if capRow[t] >= 0 {
			rows[t] = append(rows[t], capRow[t])
			zval[capRow[t]] += n
		}
	}
	prog := lp.New(len(rhs), rhs)
	cols := make([]int, len(in.Types))
	for t, ty := range in.Types {
		// An open type's s_t is bounded by the seats through the seat row;
		// no explicit bound keeps its reduced cost's sign meaningful.
		hi := math.Inf(1)
		if level[t] >= 0 {
			hi = math.Max(float64(len(ty.Members))*(1-level[t]), 0)
		}
		cols[t] = prog.AddColumn(0, 0, hi, rows[t], ones(len(rows[t])))
	}
	for c, cat := range in.Categories {
		for v, value := range cat.Values {
			prog.AddColumn(0, 0, float64(value.Max-value.Min), []int{rowOf[c][v]}, []float64{-1})
		}
	}
	for _, t := range capped {
		prog.AddColumn(0, 0, math.Inf(1), []int{capRow[t]}, []float64{1})
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
		return 0, nil, nil, nil, fmt.Errorf("sortition: relaxed stage: %w", err)
	}
	if st != lp.Optimal {
		return 0, nil, nil, nil, fmt.Errorf("sortition: relaxed stage is %v", st)
	}
	z = math.Min(prog.Value(zcol), 1)
	for t, ty := range in.Types {
		if level[t] < 0 && capRow[t] < 0 && float64(len(ty.Members))*z+prog.Value(cols[t]) > float64(len(ty.Members))+1e-9 {
			over = append(over, t)
		}
	}
	point = make([]float64, len(in.Types))
	for t, ty := range in.Types {
		n := float64(len(ty.Members))
		if level[t] < 0 {
			point[t] = n*z + prog.Value(cols[t])
		} else {
			point[t] = n*level[t] + prog.Value(cols[t])
		}
	}
	if len(over) > 0 {
		return z, nil, over, point, nil
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
	return z, tight, nil, point, nil
}

// fractionalLeximin computes the LEXIMIN vector over fractional panels
// (the quota polytope): stage after stage, the relaxation's z is the
// level of the types it proves tight. Every distribution over real panels
// averages to a point of the polytope, so no distribution beats this
// vector in the leximin order; one that gives every type its level is
// the LEXIMIN distribution. It reports ok == false when a stage names no
// tight type (rounding), since guessing one could understate a level and
// void that argument.
func fractionalLeximin(ctx context.Context, in *Instance) (level []float64, ok bool, err error) {
	level = make([]float64, len(in.Types))
	for t := range level {
		level[t] = -1
	}
	open := len(level)
	var caps []int
	for open > 0 {
		var z float64
		var tight []int
		z, tight, caps, err = relaxedStageCapped(ctx, in, level, caps)
		if err != nil {
			return nil, false, err
		}
		if z >= 1-1e-9 {
			for t := range level {
				if level[t] < 0 {
					level[t] = 1
				}
			}
			return level, true, nil
		}
		if len(tight) == 0 {
			return nil, false, nil
		}
		for _, t := range tight {
			// Slightly below z, so that rounding in z cannot make the
			// next stage infeasible.
			level[t] = math.Max(z-fixSlack, 0)
			open--
		}
	}
	return level, true, nil
}

func ones(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}
