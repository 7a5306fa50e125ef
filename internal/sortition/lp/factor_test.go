package lp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFactorSolves checks ftran and btran against the basis matrix itself
// on random bases that mix single-entry columns with dense ones, before
// and after eta updates.
func TestFactorSolves(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 100; trial++ {
		m := 1 + rng.IntN(12)
		var cols []column
		for i := 0; i < m; i++ {
			cols = append(cols, column{idx: []int{i}, val: []float64{1 + rng.Float64()}})
		}
		for j := 0; j < m; j++ {
			var c column
			for i := 0; i < m; i++ {
				if rng.IntN(3) == 0 {
					c.idx = append(c.idx, i)
					c.val = append(c.val, rng.NormFloat64())
				}
			}
			cols = append(cols, c)
		}
		basis := rng.Perm(2 * m)[:m]
		var f factor
		if !f.factorize(m, basis, cols) {
			continue
		}
		for step := 0; step < 4; step++ {
			a := make([]float64, m)
			for i := range a {
				a[i] = rng.NormFloat64()
			}
			x := append([]float64(nil), a...)
			f.ftran(x, cols)
			// B·x must give a back.
			got := make([]float64, m)
			for pos, j := range basis {
				for n, i := range cols[j].idx {
					got[i] += cols[j].val[n] * x[pos]
				}
			}
			for i := range a {
				if math.Abs(got[i]-a[i]) > 1e-6*(1+math.Abs(a[i])) {
					t.Fatalf("trial %d step %d: (B·B⁻¹a)[%d] = %v, want %v", trial, step, i, got[i], a[i])
				}
			}
			w := make([]float64, m)
			for i := range w {
				w[i] = rng.NormFloat64()
			}
			y := append([]float64(nil), w...)
			f.btran(y, cols)
			for pos, j := range basis {
				s := 0.0
				for n, i := range cols[j].idx {
					s += y[i] * cols[j].val[n]
				}
				if math.Abs(s-w[pos]) > 1e-6*(1+math.Abs(w[pos])) {
					t.Fatalf("trial %d step %d: (yᵀB)[%d] = %v, want %v", trial, step, pos, s, w[pos])
				}
			}
			// Replace a random basis column through an eta update.
			in := -1
			for _, j := range rng.Perm(2 * m) {
				inBasis := false
				for _, b := range basis {
					inBasis = inBasis || b == j
				}
				if !inBasis {
					in = j
					break
				}
			}
			if in < 0 {
				break
			}
			alpha := make([]float64, m)
			for n, i := range cols[in].idx {
				alpha[i] = cols[in].val[n]
			}
			f.ftran(alpha, cols)
			r := -1
			for pos := range alpha {
				if math.Abs(alpha[pos]) > 0.1 {
					r = pos
					break
				}
			}
			if r < 0 {
				break
			}
			f.addEta(r, alpha)
			basis[r] = in
		}
	}
}
