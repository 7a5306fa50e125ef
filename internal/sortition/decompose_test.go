package sortition

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestDecomposeKnownAnswer decomposes a point by hand: two women and two
// men, two seats, any mix allowed; 1.5 women and 0.5 men on average. The
// first step seats the type with the larger rest (two women) as long as
// it can: 0.75, which leaves 0.5 men in a quarter of the mass, a face on
// which only the two men fit.
func TestDecomposeKnownAnswer(t *testing.T) {
	cats := []Category{{Name: "g", Values: []Value{{"f", 0, 2}, {"m", 0, 2}}}}
	in := build(t, cats, 2, []int{0}, []int{0}, []int{1}, []int{1})
	d, err := decompose(context.Background(), in, newPricer(in), []float64{1.5, 0.5}, decomposeNodes, time.Time{}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		counts []int
		weight float64
	}{{[]int{2, 0}, 0.75}, {[]int{0, 2}, 0.25}}
	if len(d.panels) != len(want) {
		t.Fatalf("panels %v weights %v, want %v", d.panels, d.weights, want)
	}
	for k, w := range want {
		if fmt.Sprint(d.panels[k]) != fmt.Sprint(w.counts) || math.Abs(d.weights[k]-w.weight) > 1e-12 {
			t.Errorf("step %d: panel %v weight %v, want %v weight %v", k, d.panels[k], d.weights[k], w.counts, w.weight)
		}
	}
	if d.residual != 0 {
		t.Errorf("residual %v, want 0", d.residual)
	}
	// Both types get exactly their level: 1.5 of 2 women, 0.5 of 2 men.
	if _, ok := d.distribution(in, []float64{0.75, 0.25}); !ok {
		t.Error("distribution rejects levels it meets")
	}
	if _, ok := d.distribution(in, []float64{0.75, 0.25 + 2*levelTol}); ok {
		t.Error("distribution accepts a type below its level")
	}
}

// TestDecomposeReproducesPoint decomposes the fractional LEXIMIN point of
// the benchmark's small instance and of random ones: every panel meets
// every quota, the weights and the rest add up to the point, and on
// klein-70 nothing is left over, so that LEXIMIN takes the fast path
// without any column generation.
func TestDecomposeReproducesPoint(t *testing.T) {
	klein, err := Generate(PaperSpecs[0])
	if err != nil {
		t.Fatal(err)
	}
	cases := []*Instance{klein}
	rng := rand.New(rand.NewPCG(7, 7))
	for range 15 {
		n := 8 + rng.IntN(30)
		cases = append(cases, randomInstance(rng, n, 2+rng.IntN(n/2)))
	}
	complete := 0
	for i, in := range cases {
		level, ok, err := fractionalLeximin(context.Background(), in)
		if err != nil || !ok {
			t.Fatalf("case %d: fractionalLeximin: ok %v, %v", i, ok, err)
		}
		_, _, _, point, err := relaxedProgram(context.Background(), in, level, nil)
		if err != nil {
			t.Fatal(err)
		}
		d, err := decompose(context.Background(), in, newPricer(in), point, decomposeNodes, time.Time{}, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		sum := append([]float64(nil), d.rest...)
		mass := d.residual
		for k, c := range d.panels {
			if err := in.checkPanel(c); err != nil {
				t.Errorf("case %d panel %d: %v", i, k, err)
			}
			if d.weights[k] <= 0 {
				t.Errorf("case %d panel %d: weight %v", i, k, d.weights[k])
			}
			mass += d.weights[k]
			for ty, n := range c {
				sum[ty] += d.weights[k] * float64(n)
			}
		}
		if math.Abs(mass-1) > 1e-9 {
			t.Errorf("case %d: weights and residual sum to %v", i, mass)
		}
		for ty := range point {
			if math.Abs(sum[ty]-point[ty]) > 1e-7 {
				t.Errorf("case %d type %d: %v seats from the panels and the rest, point %v", i, ty, sum[ty], point[ty])
			}
		}
		if d.residual <= decomposeDone {
			complete++
		}
		if i == 0 && d.residual > decomposeDone {
			t.Errorf("klein-70: residual %v", d.residual)
		}
	}
	t.Logf("decomposed completely: %d of %d", complete, len(cases))
}

// TestLeximinDecomposesGeneratedInstance runs LEXIMIN on a generated
// instance of 300 people in 6 categories (250 types), where a column
// generation over a master with a row per type used to take most of the
// time: decompose alone must reach the fractional LEXIMIN vector (no
// master, no stages), with every panel meeting every quota and every
// type at its level.
func TestLeximinDecomposesGeneratedInstance(t *testing.T) {
	if testing.Short() {
		t.Skip("300 people")
	}
	in, err := Generate(BenchSpec{Name: "m300", People: 300, Seats: 30, Categories: 6, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	res, err := leximin(context.Background(), in, NewRand("x", "leximin-start"), 0, true)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Optimal || !res.Fractional {
		t.Fatalf("optimal %v, fractional %v: decompose did not finish", res.Optimal, res.Fractional)
	}
	level, _, err := fractionalLeximin(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	p := typeProbabilities(in, res.Panels)
	for ty := range p {
		if math.Abs(p[ty]-level[ty]) > 1e-6 {
			t.Errorf("type %d: %v, fractional level %v", ty, p[ty], level[ty])
		}
	}
	if low := slices.Min(p); math.Abs(low-res.MinBound) > 1e-7 {
		t.Errorf("lowest probability %v, bound %v", low, res.MinBound)
	}
	for k, pn := range res.Panels {
		if err := in.checkPanel(pn.Counts); err != nil {
			t.Errorf("panel %d: %v", k, err)
		}
	}
}
