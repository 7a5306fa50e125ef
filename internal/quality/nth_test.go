package quality

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// runsOf splits vs into sorted runs of the given lengths (the rest in one
// last run), as rollup rows hand them over.
func runsOf(vs []int64, lens ...int) *runs {
	r := &runs{}
	for _, n := range lens {
		n = min(n, len(vs))
		r.add(slices.Sorted(slices.Values(vs[:n])))
		vs = vs[n:]
	}
	r.add(slices.Sorted(slices.Values(vs)))
	return r
}

func TestRunsNthMatchesSorting(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		gen  func(i int) int64
	}{
		{"random", func(int) int64 { return rnd.Int64N(1_000_000) }},
		{"few distinct", func(int) int64 { return rnd.Int64N(3) * 3600 }},
		{"ascending", func(i int) int64 { return int64(i) }},
		{"negative", func(i int) int64 { return int64(-i) }},
		{"microsecond instants", func(int) int64 { return 1_764_000_000_000_000 + rnd.Int64N(31_536_000_000_000) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, n := range []int{1, 2, 33, 100, 5000} {
				vs := make([]int64, n)
				for i := range vs {
					vs[i] = tc.gen(i)
				}
				sorted := slices.Sorted(slices.Values(vs))
				for _, lens := range [][]int{nil, {1, 1, 1}, {7, 300, 2}, {n / 2}} {
					r := runsOf(vs, lens...)
					if r.n != n {
						t.Fatalf("n=%d runs %v: %d values in the runs", n, lens, r.n)
					}
					for _, k := range []int{0, n / 2, n - 1, (9 * n) / 10} {
						if got := r.nth(k); got != sorted[k] {
							t.Fatalf("n=%d runs %v k=%d: nth = %d, sorted = %d", n, lens, k, got, sorted[k])
						}
					}
					if got, want := r.below(sorted[n/2]), slices.Index(sorted, sorted[n/2]); got != want {
						t.Fatalf("n=%d runs %v: below(%d) = %d, want %d", n, lens, sorted[n/2], got, want)
					}
				}
			}
		})
	}
}

func TestMedianAndP90(t *testing.T) {
	for _, tc := range []struct {
		vs          []int64
		lens        []int
		median, p90 float64
	}{
		{[]int64{5}, nil, 5, 5},
		{[]int64{4, 1}, nil, 2.5, 4},
		{[]int64{4, 1}, []int{1}, 2.5, 4},
		{[]int64{10, 1, 7, 3}, []int{2}, 5, 10},
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, []int{3, 3}, 5.5, 9},
		{[]int64{3, 3, 3, 9}, []int{1, 1, 1}, 3, 9},
	} {
		m, _ := median(runsOf(tc.vs, tc.lens...))
		p, _ := p90(runsOf(tc.vs, tc.lens...))
		if m != tc.median || p != tc.p90 {
			t.Errorf("%v in runs %v: median %v, p90 %v; want %v, %v", tc.vs, tc.lens, m, p, tc.median, tc.p90)
		}
	}
	if _, ok := median(&runs{}); ok {
		t.Error("median of no values reported a value")
	}
	// A decreasing function (the age of a submission instant at a fixed
	// now) takes the median of the mapped values.
	age := func(v int64) int64 { return max(100-v, 0) }
	if m, _ := medianOf(runsOf([]int64{10, 40, 90, 120}, 2), age); m != 35 {
		t.Errorf("median age of 10, 40, 90, 120 at 100 = %v, want 35 (ages 90, 60, 10, 0)", m)
	}
}
