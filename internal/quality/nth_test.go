package quality

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestNthMatchesSorting(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		gen  func(i int) int64
	}{
		{"random", func(int) int64 { return rnd.Int64N(1_000_000) }},
		{"few distinct", func(int) int64 { return rnd.Int64N(3) * 3600 }},
		{"ascending", func(i int) int64 { return int64(i) }},
		{"descending", func(i int) int64 { return int64(-i) }},
		{"sorted runs", func(i int) int64 { return int64(i % 97) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, n := range []int{1, 2, 33, 100, 5000} {
				vs := make([]int64, n)
				for i := range vs {
					vs[i] = tc.gen(i)
				}
				sorted := slices.Sorted(slices.Values(vs))
				for _, k := range []int{0, n / 2, n - 1, (9 * n) / 10} {
					work := slices.Clone(vs)
					if got := nth(work, k); got != sorted[k] {
						t.Fatalf("n=%d k=%d: nth = %d, sorted = %d", n, k, got, sorted[k])
					}
					for i := range k {
						if work[i] > work[k] {
							t.Fatalf("n=%d k=%d: value %d before k exceeds %d", n, k, work[i], work[k])
						}
					}
					for i := k + 1; i < n; i++ {
						if work[i] < work[k] {
							t.Fatalf("n=%d k=%d: value %d after k is below %d", n, k, work[i], work[k])
						}
					}
				}
			}
		})
	}
}

func TestMedianAndP90(t *testing.T) {
	for _, tc := range []struct {
		vs          []int64
		median, p90 float64
	}{
		{[]int64{5}, 5, 5},
		{[]int64{4, 1}, 2.5, 4},
		{[]int64{10, 1, 7, 3}, 5, 10},
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5.5, 9},
		{[]int64{3, 3, 3, 9}, 3, 9},
	} {
		m, _ := median(slices.Clone(tc.vs))
		p, _ := p90(slices.Clone(tc.vs))
		if m != tc.median || p != tc.p90 {
			t.Errorf("%v: median %v, p90 %v; want %v, %v", tc.vs, m, p, tc.median, tc.p90)
		}
	}
	if _, ok := median(nil); ok {
		t.Error("median of no values reported a value")
	}
}
