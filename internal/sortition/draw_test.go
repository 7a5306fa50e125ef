package sortition

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rathaus/rathaus/internal/sortition/lp"
)

// build makes an instance from value vectors; people get ids p1, p2, ...
func build(t *testing.T, cats []Category, seats int, vals ...[]int) *Instance {
	t.Helper()
	people := make([]Person, len(vals))
	for i, v := range vals {
		people[i] = Person{ID: fmt.Sprintf("p%d", i+1), Values: v}
	}
	in, err := NewInstance(cats, people, seats)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func repeat(n int, v []int) [][]int {
	out := make([][]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestLeximinKnownAnswers(t *testing.T) {
	g := func(fMin, fMax, mMin, mMax int) []Category {
		return []Category{{Name: "g", Values: []Value{{"f", fMin, fMax}, {"m", mMin, mMax}}}}
	}
	tests := []struct {
		name  string
		cats  []Category
		seats int
		vals  [][]int
		want  []float64 // per person
	}{
		{
			// Balanced pool: everyone can get exactly k/n = 4/12.
			name: "balanced", cats: g(2, 2, 2, 2), seats: 4,
			vals: append(repeat(6, []int{0}), repeat(6, []int{1})...),
			want: slices.Repeat([]float64{4.0 / 12}, 12),
		},
		{
			// One woman must sit: she has probability 1, each of the nine
			// men 1/9.
			name: "forced", cats: g(1, 1, 1, 1), seats: 2,
			vals: append([][]int{{0}}, repeat(9, []int{1})...),
			want: append([]float64{1}, slices.Repeat([]float64{1.0 / 9}, 9)...),
		},
		{
			// Nobody may be female: the women get 0, the men share 3 seats.
			name: "excluded", cats: g(0, 0, 3, 3), seats: 3,
			vals: append(repeat(2, []int{0}), repeat(6, []int{1})...),
			want: append([]float64{0, 0}, slices.Repeat([]float64{0.5}, 6)...),
		},
		{
			// Leximin beyond the minimum: 2 women, 8 men, 4 seats, at least
			// one woman. Maximin alone gives 0.4 to all; that is feasible
			// (expected women 0.8 ≥ ... needs ≥1), so women get 0.5 and men
			// (4−1)/8 = 0.375.
			name: "second level", cats: g(1, 4, 0, 4), seats: 4,
			vals: append(repeat(2, []int{0}), repeat(8, []int{1})...),
			want: append([]float64{0.5, 0.5}, slices.Repeat([]float64{0.375}, 8)...),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := build(t, tt.cats, tt.seats, tt.vals...)
			res, err := Run(context.Background(), in, Options{Algorithm: Leximin, Seed: "k"})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Optimal || math.Abs(res.MinBound-res.Fairness.Min) > 1e-7 {
				t.Errorf("optimal %v, bound %v, minimum %v", res.Optimal, res.MinBound, res.Fairness.Min)
			}
			for i, w := range tt.want {
				if math.Abs(res.Probabilities[i]-w) > 1e-7 {
					t.Errorf("person %d: probability %v, want %v", i+1, res.Probabilities[i], w)
				}
			}
		})
	}
}

func TestReproducibleDraw(t *testing.T) {
	in := randomInstance(rand.New(rand.NewPCG(7, 7)), 40, 8)
	for _, alg := range []Algorithm{Leximin, Legacy} {
		a, err := Run(context.Background(), in, Options{Algorithm: alg, Seed: "4 2 6 1 3", LegacyRuns: 200})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Run(context.Background(), in, Options{Algorithm: alg, Seed: "4 2 6 1 3", LegacyRuns: 200})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Selected, b.Selected) || !slices.Equal(a.Probabilities, b.Probabilities) {
			t.Errorf("%s: same seed, different result: %v vs %v", alg, a.Selected, b.Selected)
		}
		differs := false
		for s := range 5 {
			c, err := Run(context.Background(), in, Options{Algorithm: alg, Seed: fmt.Sprint("other", s), LegacyRuns: 200})
			if err != nil {
				t.Fatal(err)
			}
			differs = differs || !slices.Equal(a.Selected, c.Selected)
		}
		if !differs {
			t.Errorf("%s: five other seeds all drew the same panel", alg)
		}
	}
}

// randomInstance builds a feasible random instance with up to three
// categories; quotas come from a reference panel so they can be met.
func randomInstance(rng *rand.Rand, n, seats int) *Instance {
	for {
		nc := 1 + rng.IntN(3)
		cats := make([]Category, nc)
		for c := range cats {
			nv := 2 + rng.IntN(3)
			cats[c].Name = fmt.Sprint("c", c)
			for v := range nv {
				cats[c].Values = append(cats[c].Values, Value{Name: fmt.Sprint("v", v)})
			}
		}
		people := make([]Person, n)
		for i := range people {
			vals := make([]int, nc)
			for c := range vals {
				// Skewed: low value indexes are more common.
				vals[c] = min(rng.IntN(len(cats[c].Values)), rng.IntN(len(cats[c].Values)))
			}
			people[i] = Person{ID: fmt.Sprint("p", i), Values: vals}
		}
		ref := rng.Perm(n)[:seats]
		for c := range cats {
			cnt := make([]int, len(cats[c].Values))
			for _, i := range ref {
				cnt[people[i].Values[c]]++
			}
			for v := range cats[c].Values {
				cats[c].Values[v].Min = max(cnt[v]-rng.IntN(2), 0)
				cats[c].Values[v].Max = cnt[v] + rng.IntN(2)
			}
		}
		if in, err := NewInstance(cats, people, seats); err == nil {
			return in
		}
	}
}

// TestPropertiesRandom checks, on random instances: probabilities sum to
// the seats, every panel meets every quota, panel probabilities sum to 1,
// the drawn panel meets the quotas, LEXIMIN's minimum is not below
// LEGACY's (up to the sampling error of LEGACY's estimate) and equals the
// maximin of an LP over all panels, enumerated independently.
func TestPropertiesRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := range 40 {
		n := 6 + rng.IntN(10)
		seats := 2 + rng.IntN(n/2)
		in := randomInstance(rng, n, seats)
		lex, err := Run(context.Background(), in, Options{Algorithm: Leximin, Seed: fmt.Sprint(trial), LotterySize: 100})
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		leg, err := Run(context.Background(), in, Options{Algorithm: Legacy, Seed: fmt.Sprint(trial), LegacyRuns: 400})
		if err != nil {
			t.Fatalf("trial %d: legacy: %v", trial, err)
		}
		for _, res := range []*Result{lex, leg} {
			sum := 0.0
			for _, p := range res.Probabilities {
				sum += p
				if p < -1e-9 || p > 1+1e-9 {
					t.Fatalf("trial %d %s: probability %v out of range", trial, res.Algorithm, p)
				}
			}
			if math.Abs(sum-float64(seats)) > 1e-6 {
				t.Errorf("trial %d %s: probabilities sum to %v, want %d", trial, res.Algorithm, sum, seats)
			}
			psum := 0.0
			for k, p := range res.Panels {
				psum += p.Probability
				if err := in.checkPanel(p.Counts); err != nil {
					t.Errorf("trial %d %s: panel %d: %v", trial, res.Algorithm, k, err)
				}
			}
			if math.Abs(psum-1) > 1e-9 {
				t.Errorf("trial %d %s: panel probabilities sum to %v", trial, res.Algorithm, psum)
			}
			if err := in.checkPanel(in.typeCounts(res.Selected)); err != nil || len(res.Selected) != seats {
				t.Errorf("trial %d %s: drawn panel %v: %v", trial, res.Algorithm, res.Selected, err)
			}
		}
		// LEGACY's probabilities are estimates from 400 runs; allow three
		// standard errors.
		if slack := 3 * math.Sqrt(0.25/400); leg.Fairness.Min > lex.Fairness.Min+slack {
			t.Errorf("trial %d: LEGACY minimum %v above LEXIMIN minimum %v", trial, leg.Fairness.Min, lex.Fairness.Min)
		}
		if want := bruteMaximin(t, in); math.Abs(lex.Fairness.Min-want) > 1e-6 {
			t.Errorf("trial %d: LEXIMIN minimum %v, brute-force maximin %v", trial, lex.Fairness.Min, want)
		}
		if len(lex.Lottery) != 100 {
			t.Errorf("trial %d: lottery has %d slots, want 100", trial, len(lex.Lottery))
		}
	}
}

// bruteMaximin enumerates every quota-satisfying panel (as type counts)
// and solves max z s.t. every person's probability ≥ z.
func bruteMaximin(t *testing.T, in *Instance) float64 {
	t.Helper()
	var panels [][]int
	cur := make([]int, len(in.Types))
	var rec func(ty, left int)
	rec = func(ty, left int) {
		if ty == len(in.Types) {
			if left == 0 && in.checkPanel(cur) == nil {
				panels = append(panels, slices.Clone(cur))
			}
			return
		}
		for n := 0; n <= min(left, len(in.Types[ty].Members)); n++ {
			cur[ty] = n
			rec(ty+1, left-n)
		}
		cur[ty] = 0
	}
	rec(0, in.Seats)
	T := len(in.Types)
	rhs := make([]float64, T+1)
	rhs[T] = 1
	p := lp.New(T+1, rhs)
	rows, coef := []int{}, []float64{}
	for ty := range T {
		rows, coef = append(rows, ty), append(coef, -1)
	}
	z := p.AddColumn(-1, 0, 1, rows, coef)
	for ty := range T {
		p.AddColumn(0, 0, math.Inf(1), []int{ty}, []float64{-1})
	}
	for _, c := range panels {
		idx, val := []int{T}, []float64{1}
		for ty, n := range c {
			if n > 0 {
				idx, val = append(idx, ty), append(val, float64(n)/float64(len(in.Types[ty].Members)))
			}
		}
		p.AddColumn(0, 0, math.Inf(1), idx, val)
	}
	if st, err := p.Solve(context.Background()); err != nil || st != lp.Optimal {
		t.Fatalf("brute maximin: %v %v", st, err)
	}
	return p.Value(z)
}

func TestReplacementsKeepQuotas(t *testing.T) {
	cats := []Category{
		{Name: "g", Values: []Value{{"f", 3, 3}, {"m", 3, 3}}},
		{Name: "a", Values: []Value{{"jung", 2, 4}, {"alt", 2, 4}}},
	}
	// Two people remain on a panel of 6: a young woman and an old man.
	kept := [][]int{{0, 0}, {1, 1}}
	red, seats, err := ReduceForKept(cats, kept, 6)
	if err != nil {
		t.Fatal(err)
	}
	if seats != 4 || red[0].Values[0].Min != 2 || red[0].Values[0].Max != 2 || red[1].Values[0].Min != 1 || red[1].Values[0].Max != 3 {
		t.Fatalf("reduced = %+v, %d seats", red, seats)
	}
	vals := [][]int{}
	for i := range 12 {
		vals = append(vals, []int{i % 2, (i / 2) % 2})
	}
	in := build(t, red, seats, vals...)
	for s := range 10 {
		res, err := Run(context.Background(), in, Options{Algorithm: Leximin, Seed: fmt.Sprint(s)})
		if err != nil {
			t.Fatal(err)
		}
		full := [][]int{{0, 0}, {1, 1}}
		for _, i := range res.Selected {
			full = append(full, in.People[i].Values)
		}
		seated := map[[2]int]int{}
		for _, v := range full {
			seated[[2]int{0, v[0]}]++
			seated[[2]int{1, v[1]}]++
		}
		for c, cat := range cats {
			for v, q := range cat.Values {
				if n := seated[[2]int{c, v}]; n < q.Min || n > q.Max {
					t.Errorf("seed %d: full panel has %d with %s=%s, quota %d–%d", s, n, cat.Name, q.Name, q.Min, q.Max)
				}
			}
		}
	}
	if _, _, err := ReduceForKept(cats, [][]int{{0, 0}, {0, 0}, {0, 1}, {0, 1}}, 6); err == nil {
		t.Error("four women kept with a maximum of 3: no error")
	}
}

func TestFairnessFigures(t *testing.T) {
	tests := []struct {
		p    []float64
		want Fairness
	}{
		{[]float64{0.5, 0.5, 0.5, 0.5}, Fairness{Min: 0.5, Gini: 0, GeoMean: 0.5}},
		{[]float64{0, 0, 0, 1}, Fairness{Min: 0, Gini: 0.75, GeoMean: 0}},
		{[]float64{0.25, 1}, Fairness{Min: 0.25, Gini: 0.3, GeoMean: 0.5}},
	}
	for _, tt := range tests {
		got := fairness(tt.p)
		if math.Abs(got.Min-tt.want.Min) > 1e-12 || math.Abs(got.Gini-tt.want.Gini) > 1e-12 || math.Abs(got.GeoMean-tt.want.GeoMean) > 1e-12 {
			t.Errorf("fairness(%v) = %+v, want %+v", tt.p, got, tt.want)
		}
	}
}

func TestLotteryRounding(t *testing.T) {
	panels := []Panel{{Probability: 0.335}, {Probability: 0.335}, {Probability: 0.33}}
	got := lottery(panels, 10)
	count := make([]int, 3)
	for _, k := range got {
		count[k]++
	}
	if len(got) != 10 || !slices.Equal(count, []int{4, 3, 3}) {
		t.Errorf("lottery = %v (counts %v), want 10 slots split 4/3/3", got, count)
	}
}

func TestReplaceSection(t *testing.T) {
	tests := []struct{ doc, want string }{
		{"", MarkerBegin + "\nT\n" + MarkerEnd + "\n"},
		{"# B\nother", "# B\nother\n\n" + MarkerBegin + "\nT\n" + MarkerEnd + "\n"},
		{"a\n" + MarkerBegin + "\nold\n" + MarkerEnd + "\nz\n", "a\n" + MarkerBegin + "\nT\n" + MarkerEnd + "\nz\n"},
	}
	for _, tt := range tests {
		if got := ReplaceSection(tt.doc, "T\n"); got != tt.want {
			t.Errorf("ReplaceSection(%q) = %q, want %q", tt.doc, got, tt.want)
		}
	}
}
