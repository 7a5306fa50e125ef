package lp

import "math"

// factor represents the basis inverse without ever forming it. Most basic
// columns of the sortition programs are slack, surplus or artificial
// columns with a single nonzero; they are solved for by substitution. The
// other basic columns, restricted to the rows no single-entry column
// covers, form a small square kernel that is LU-factorised densely with
// partial pivoting. Pivots after a factorisation are kept as eta vectors
// (product form), so a pivot costs the nonzeros of its column instead of
// the m² of an explicit inverse update; the basis is refactorised after
// maxEtas pivots, which also bounds the drift of rounding errors.
type factor struct {
	m int
	// unitVal[pos] is the single nonzero of the column at basis position
	// pos when it is handled by substitution (its row is unitRow[pos]),
	// else 0.
	unitRow []int
	unitVal []float64
	kpos    []int // basis positions of the kernel columns
	kcol    []int // their column indexes at factorisation time
	krow    []int // rows of the kernel, in kernel order
	kidx    []int // per row: index into krow, or -1
	k       int
	lu      []float64 // k×k, L below the diagonal (unit), U on and above
	perm    []int     // perm[i]: kernel row index moved to LU row i

	etaPos   []int     // pivot position per eta
	etaStart []int     // start of each eta in etaIdx/etaVal; len(etaPos)+1 entries
	etaIdx   []int     // positions of the nonzeros of alpha
	etaVal   []float64 // their values (the pivot element included)
	etaPiv   []float64 // alpha at the pivot position

	w1, w2 []float64 // scratch, length m
}

// maxEtas is the number of pivots between refactorisations.
const maxEtas = 64

// factorize builds the representation of the basis whose column at
// position pos is cols[basis[pos]]. It reports false when the basis is
// singular.
func (f *factor) factorize(m int, basis []int, cols []column) bool {
	f.m = m
	f.unitRow = resize(f.unitRow, m)
	f.unitVal = resizeF(f.unitVal, m)
	f.kidx = resize(f.kidx, m)
	f.w1 = resizeF(f.w1, m)
	f.w2 = resizeF(f.w2, m)
	covered := f.kidx // reused: -2 marks a row covered by a unit column
	for i := range covered {
		covered[i] = -1
	}
	f.kpos, f.kcol = f.kpos[:0], f.kcol[:0]
	for pos, j := range basis {
		c := &cols[j]
		f.unitRow[pos], f.unitVal[pos] = -1, 0
		if len(c.idx) == 1 && c.val[0] != 0 && covered[c.idx[0]] == -1 {
			f.unitRow[pos], f.unitVal[pos] = c.idx[0], c.val[0]
			covered[c.idx[0]] = -2
			continue
		}
		f.kpos = append(f.kpos, pos)
		f.kcol = append(f.kcol, j)
	}
	f.krow = f.krow[:0]
	for i := range covered {
		if covered[i] == -1 {
			covered[i] = len(f.krow)
			f.krow = append(f.krow, i)
		} else {
			covered[i] = -1
		}
	}
	f.etaPos, f.etaIdx, f.etaVal, f.etaPiv = f.etaPos[:0], f.etaIdx[:0], f.etaVal[:0], f.etaPiv[:0]
	f.etaStart = append(f.etaStart[:0], 0)
	k := len(f.kpos)
	f.k = k
	if len(f.krow) != k {
		return false
	}
	f.lu = resizeF(f.lu, k*k)
	clear(f.lu)
	for c, j := range f.kcol {
		col := &cols[j]
		for n, i := range col.idx {
			if r := f.kidx[i]; r >= 0 {
				f.lu[r*k+c] = col.val[n]
			}
		}
	}
	f.perm = resize(f.perm, k)
	for i := range f.perm {
		f.perm[i] = i
	}
	a := f.lu
	for c := 0; c < k; c++ {
		best, bi := 0.0, -1
		for i := c; i < k; i++ {
			if v := math.Abs(a[i*k+c]); v > best {
				best, bi = v, i
			}
		}
		if best < 1e-11 {
			return false
		}
		if bi != c {
			ri, rc := a[bi*k:bi*k+k], a[c*k:c*k+k]
			for n := range ri {
				ri[n], rc[n] = rc[n], ri[n]
			}
			f.perm[bi], f.perm[c] = f.perm[c], f.perm[bi]
		}
		piv := a[c*k+c]
		rc := a[c*k+c+1 : c*k+k]
		for i := c + 1; i < k; i++ {
			l := a[i*k+c]
			if l == 0 {
				continue
			}
			l /= piv
			a[i*k+c] = l
			ri := a[i*k+c+1 : i*k+k]
			for n, v := range rc {
				ri[n] -= l * v
			}
		}
	}
	return true
}

// ftran overwrites a (a right-hand side indexed by row) with x = B⁻¹a
// (indexed by basis position).
func (f *factor) ftran(a []float64, cols []column) {
	k := f.k
	if k > 0 {
		// Kernel: K·x_N = a_R, with P·K = L·U.
		t := f.w1[:k]
		for i := 0; i < k; i++ {
			t[i] = a[f.krow[f.perm[i]]]
		}
		for i := 0; i < k; i++ {
			s := t[i]
			row := f.lu[i*k : i*k+i]
			for n, v := range row {
				s -= v * t[n]
			}
			t[i] = s
		}
		for i := k - 1; i >= 0; i-- {
			s := t[i]
			row := f.lu[i*k+i+1 : i*k+k]
			for n, v := range row {
				s -= v * t[i+1+n]
			}
			t[i] = s / f.lu[i*k+i]
		}
		// Remove the kernel columns' entries from the covered rows.
		for c, j := range f.kcol {
			if x := t[c]; x != 0 {
				col := &cols[j]
				for n, i := range col.idx {
					a[i] -= col.val[n] * x
				}
			}
		}
		out := f.w2
		for pos := range out {
			if r := f.unitRow[pos]; r >= 0 {
				out[pos] = a[r] / f.unitVal[pos]
			}
		}
		for c, pos := range f.kpos {
			out[pos] = t[c]
		}
		copy(a, out)
	} else {
		out := f.w2
		for pos := range out {
			out[pos] = a[f.unitRow[pos]] / f.unitVal[pos]
		}
		copy(a, out)
	}
	for e, r := range f.etaPos {
		xr := a[r] / f.etaPiv[e]
		if xr != 0 {
			for n := f.etaStart[e]; n < f.etaStart[e+1]; n++ {
				a[f.etaIdx[n]] -= f.etaVal[n] * xr
			}
		}
		a[r] = xr
	}
}

// btran overwrites w (indexed by basis position) with y (indexed by row)
// such that yᵀB = wᵀ.
func (f *factor) btran(w []float64, cols []column) {
	for e := len(f.etaPos) - 1; e >= 0; e-- {
		r := f.etaPos[e]
		s := w[r]
		for n := f.etaStart[e]; n < f.etaStart[e+1]; n++ {
			s -= f.etaVal[n] * w[f.etaIdx[n]]
		}
		// The loop subtracted the pivot's own term as well; add it back.
		s += f.etaPiv[e] * w[r]
		w[r] = s / f.etaPiv[e]
	}
	y := f.w2
	clear(y)
	for pos := range w {
		if r := f.unitRow[pos]; r >= 0 {
			y[r] = w[pos] / f.unitVal[pos]
		}
	}
	if k := f.k; k > 0 {
		// Kᵀ·y_R = g with g_c = w_c − Σ over covered rows of y_i·B[i,c].
		g := f.w1[:k]
		for c, pos := range f.kpos {
			s := w[pos]
			col := &cols[f.kcol[c]]
			for n, i := range col.idx {
				if f.kidx[i] < 0 {
					s -= y[i] * col.val[n]
				}
			}
			g[c] = s
		}
		// Kᵀ = Uᵀ·Lᵀ·P: solve Uᵀt = g, then Lᵀs = t, then y_R = Pᵀs.
		for i := 0; i < k; i++ {
			g[i] /= f.lu[i*k+i]
			if v := g[i]; v != 0 {
				row := f.lu[i*k+i+1 : i*k+k]
				for n, u := range row {
					g[i+1+n] -= u * v
				}
			}
		}
		for i := k - 1; i >= 0; i-- {
			if v := g[i]; v != 0 {
				row := f.lu[i*k : i*k+i]
				for n, l := range row {
					g[n] -= l * v
				}
			}
		}
		for i := 0; i < k; i++ {
			y[f.krow[f.perm[i]]] = g[i]
		}
	}
	copy(w, y)
}

// addEta records a pivot at position r with the transformed entering
// column alpha.
func (f *factor) addEta(r int, alpha []float64) {
	for i, v := range alpha {
		if v != 0 {
			f.etaIdx = append(f.etaIdx, i)
			f.etaVal = append(f.etaVal, v)
		}
	}
	f.etaPos = append(f.etaPos, r)
	f.etaPiv = append(f.etaPiv, alpha[r])
	f.etaStart = append(f.etaStart, len(f.etaIdx))
}

func (f *factor) etas() int { return len(f.etaPos) }

func resize(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}

func resizeF(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}
