package lp

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

func TestSmallProgram(t *testing.T) {
	// max 3x + 2y s.t. x + y ≤ 4, x + 3y ≤ 7, x ≤ 3 → x=3, y=1, value 11.
	p := New(2, []float64{4, 7})
	x := p.AddColumn(-3, 0, 3, []int{0, 1}, []float64{1, 1})
	y := p.AddColumn(-2, 0, math.Inf(1), []int{0, 1}, []float64{1, 3})
	p.AddColumn(0, 0, math.Inf(1), []int{0}, []float64{1})
	p.AddColumn(0, 0, math.Inf(1), []int{1}, []float64{1})
	st, err := p.Solve(context.Background())
	if err != nil || st != Optimal {
		t.Fatalf("Solve = %v, %v", st, err)
	}
	if got := p.Objective(); math.Abs(got+11) > 1e-9 {
		t.Errorf("objective = %v, want -11", got)
	}
	if math.Abs(p.Value(x)-3) > 1e-9 || math.Abs(p.Value(y)-1) > 1e-9 {
		t.Errorf("x, y = %v, %v, want 3, 1", p.Value(x), p.Value(y))
	}
	// Dual of row 0 is -2 (binding), row 1 is 0.
	d := p.Duals()
	if math.Abs(d[0]+2) > 1e-9 || math.Abs(d[1]) > 1e-9 {
		t.Errorf("duals = %v, want [-2 0]", d)
	}
	// Tighten x and re-solve from the old basis: x ≤ 1 → y = 2 (x+3y ≤ 7), value 7.
	p.SetBounds(x, 0, 1)
	if st, err := p.Solve(context.Background()); err != nil || st != Optimal {
		t.Fatalf("re-Solve = %v, %v", st, err)
	}
	if got := p.Objective(); math.Abs(got+7) > 1e-9 {
		t.Errorf("objective after bound change = %v, want %v", got, -7.0)
	}
}

func TestInfeasible(t *testing.T) {
	// x + y = 5 with x, y ≤ 2.
	p := New(1, []float64{5})
	p.AddColumn(1, 0, 2, []int{0}, []float64{1})
	p.AddColumn(1, 0, 2, []int{0}, []float64{1})
	st, err := p.Solve(context.Background())
	if err != nil || st != Infeasible {
		t.Fatalf("Solve = %v, %v, want infeasible", st, err)
	}
}

// TestRandomBoxKnapsack compares the solver with the greedy optimum of
// continuous knapsacks with a cardinality row.
func TestRandomBoxKnapsack(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		// max Σ w_j x_j s.t. Σ x_j = k, 0 ≤ x_j ≤ u_j: greedy is optimal.
		n := 2 + rng.IntN(8)
		w := make([]float64, n)
		u := make([]float64, n)
		total := 0.0
		for j := range w {
			w[j] = rng.Float64()
			u[j] = float64(1 + rng.IntN(4))
			total += u[j]
		}
		k := float64(rng.IntN(int(total) + 1))
		p := New(1, []float64{k})
		for j := range w {
			p.AddColumn(-w[j], 0, u[j], []int{0}, []float64{1})
		}
		st, err := p.Solve(context.Background())
		if err != nil || st != Optimal {
			t.Fatalf("trial %d: Solve = %v, %v", trial, st, err)
		}
		// Greedy.
		left, want := k, 0.0
		used := make([]bool, n)
		for left > 0 {
			b := -1
			for j := range w {
				if !used[j] && (b < 0 || w[j] > w[b]) {
					b = j
				}
			}
			used[b] = true
			take := math.Min(left, u[b])
			want += take * w[b]
			left -= take
		}
		if got := -p.Objective(); math.Abs(got-want) > 1e-9 {
			t.Fatalf("trial %d: objective %v, want %v", trial, got, want)
		}
	}
}
