package sortition

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// typeProbabilities returns each type's selection probability under a
// distribution.
func typeProbabilities(in *Instance, panels []Panel) []float64 {
	p := make([]float64, len(in.Types))
	for _, pn := range panels {
		for t, n := range pn.Counts {
			p[t] += pn.Probability * float64(n) / float64(len(in.Types[t].Members))
		}
	}
	return p
}

// TestFractionalLeximinKnownAnswers checks the LEXIMIN vector over
// fractional panels where it is known.
func TestFractionalLeximinKnownAnswers(t *testing.T) {
	g := func(fMin, fMax, mMin, mMax int) []Category {
		return []Category{{Name: "g", Values: []Value{{"f", fMin, fMax}, {"m", mMin, mMax}}}}
	}
	tests := []struct {
		name  string
		cats  []Category
		seats int
		vals  [][]int
		want  []float64 // per type, in order of first appearance
	}{
		{"second level", g(1, 4, 0, 4), 4, append(repeat(2, []int{0}), repeat(8, []int{1})...), []float64{0.5, 0.375}},
		{"forced", g(1, 1, 1, 1), 2, append([][]int{{0}}, repeat(9, []int{1})...), []float64{1, 1.0 / 9}},
		// Three women must sit but there are only three: the cap x ≤ n
		// keeps them at 1 (without it they would take seats from the men).
		{"capped", g(3, 5, 0, 5), 5, append(repeat(3, []int{0}), repeat(10, []int{1})...), []float64{1, 0.2}},
		{"excluded", g(0, 0, 3, 3), 3, append(repeat(2, []int{0}), repeat(6, []int{1})...), []float64{0, 0.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := build(t, tt.cats, tt.seats, tt.vals...)
			got, ok, err := fractionalLeximin(context.Background(), in)
			if err != nil || !ok {
				t.Fatalf("fractionalLeximin: ok %v, %v", ok, err)
			}
			for ty, w := range tt.want {
				if math.Abs(got[ty]-w) > 1e-7 {
					t.Errorf("type %d: level %v, want %v", ty, got[ty], w)
				}
			}
		})
	}
}

// TestFastPathMatchesStages runs LEXIMIN with and without the fractional
// fast path: both must give every type the same probability, the fast
// path must be taken on the benchmark's small instance, and a distribution
// it returns must give every type its fractional level.
func TestFastPathMatchesStages(t *testing.T) {
	type instance struct {
		name string
		in   *Instance
		fast bool // the fast path must succeed
	}
	klein, err := Generate(PaperSpecs[0])
	if err != nil {
		t.Fatal(err)
	}
	cases := []instance{{"klein-70", klein, true}}
	rng := rand.New(rand.NewPCG(5, 5))
	for trial := range 25 {
		n := 8 + rng.IntN(30)
		cases = append(cases, instance{fmt.Sprint("random", trial), randomInstance(rng, n, 2+rng.IntN(n/2)), false})
	}
	fastSeen := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fast, err := leximin(context.Background(), c.in, NewRand("s", "leximin-start"), 0, true)
			if err != nil {
				t.Fatal(err)
			}
			staged, err := leximin(context.Background(), c.in, NewRand("s", "leximin-start"), 0, false)
			if err != nil {
				t.Fatal(err)
			}
			if !fast.Optimal || !staged.Optimal || staged.Fractional {
				t.Fatalf("optimal %v/%v, staged fractional %v", fast.Optimal, staged.Optimal, staged.Fractional)
			}
			if c.fast && !fast.Fractional {
				t.Errorf("fast path not taken")
			}
			pf, ps := typeProbabilities(c.in, fast.Panels), typeProbabilities(c.in, staged.Panels)
			for ty := range pf {
				if math.Abs(pf[ty]-ps[ty]) > 1e-6 {
					t.Errorf("type %d: %v with the fast path, %v with the stages", ty, pf[ty], ps[ty])
				}
			}
			if fast.Fractional {
				fastSeen++
				level, _, err := fractionalLeximin(context.Background(), c.in)
				if err != nil {
					t.Fatal(err)
				}
				for ty := range pf {
					if math.Abs(pf[ty]-level[ty]) > 1e-6 {
						t.Errorf("type %d: %v, fractional level %v", ty, pf[ty], level[ty])
					}
				}
			}
			for k, p := range fast.Panels {
				if err := c.in.checkPanel(p.Counts); err != nil {
					t.Errorf("panel %d: %v", k, err)
				}
			}
		})
	}
	t.Logf("fast path taken on %d of %d instances", fastSeen, len(cases))
}

// TestFastPathSharedInstances compares the fast path with the stages on
// the public instances with known answers.
func TestFastPathSharedInstances(t *testing.T) {
	for _, c := range []struct {
		dir, people, quotas, id string
		seats                   int
	}{
		{"example-small-20", "respondents.csv", "categories.csv", "", 20},
		{"opendlp-150", "candidates.csv", "features.csv", "nationbuilder_id", 22},
	} {
		t.Run(c.dir, func(t *testing.T) {
			in := loadShared(t, c.dir, c.people, c.quotas, c.id, c.seats)
			fast, err := leximin(context.Background(), in, NewRand("s", "leximin-start"), 0, true)
			if err != nil {
				t.Fatal(err)
			}
			staged, err := leximin(context.Background(), in, NewRand("s", "leximin-start"), 0, false)
			if err != nil {
				t.Fatal(err)
			}
			pf, ps := typeProbabilities(in, fast.Panels), typeProbabilities(in, staged.Panels)
			for ty := range pf {
				if math.Abs(pf[ty]-ps[ty]) > 1e-6 {
					t.Errorf("type %d: %v with the fast path, %v with the stages", ty, pf[ty], ps[ty])
				}
			}
			t.Logf("%d types, fast path reached the fractional vector: %v", len(in.Types), fast.Fractional)
		})
	}
}
