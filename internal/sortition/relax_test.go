package sortition

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRelaxedStage(t *testing.T) {
	g := func(fMin, fMax, mMin, mMax int) []Category {
		return []Category{{Name: "g", Values: []Value{{"f", fMin, fMax}, {"m", mMin, mMax}}}}
	}
	tests := []struct {
		name      string
		cats      []Category
		seats     int
		vals      [][]int
		level     []float64 // per type; nil: all open
		wantZ     float64
		wantTight []int
	}{
		{
			// One woman must sit: the nine men share one seat.
			name: "forced", cats: g(1, 1, 1, 1), seats: 2,
			vals:  append([][]int{{0}}, repeat(9, []int{1})...),
			wantZ: 1.0 / 9, wantTight: []int{1},
		},
		{
			// 2 women, 8 men, 4 seats, at least one woman: the women need
			// 0.5 each, which leaves the men 3/8; the women can get more.
			name: "first level", cats: g(1, 4, 0, 4), seats: 4,
			vals:  append(repeat(2, []int{0}), repeat(8, []int{1})...),
			wantZ: 0.375, wantTight: []int{1},
		},
		{
			// The men fixed at 0.375 leave the women 0.5 each.
			name: "second level", cats: g(1, 4, 0, 4), seats: 4,
			vals:  append(repeat(2, []int{0}), repeat(8, []int{1})...),
			level: []float64{-1, 0.375}, wantZ: 0.5, wantTight: []int{0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := build(t, tt.cats, tt.seats, tt.vals...)
			level := tt.level
			if level == nil {
				level = slices.Repeat([]float64{-1}, len(in.Types))
			}
			z, tight, err := relaxedStage(context.Background(), in, level)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(z-tt.wantZ) > 1e-9 || !slices.Equal(tight, tt.wantTight) {
				t.Errorf("relaxedStage = %v, tight %v; want %v, tight %v", z, tight, tt.wantZ, tt.wantTight)
			}
		})
	}
}

// TestRelaxedStageBoundsMaximin checks on random instances that the
// relaxation's first stage is never below the maximin over all panels.
func TestRelaxedStageBoundsMaximin(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for trial := range 30 {
		n := 6 + rng.IntN(10)
		in := randomInstance(rng, n, 2+rng.IntN(n/2))
		z, _, err := relaxedStage(context.Background(), in, slices.Repeat([]float64{-1}, len(in.Types)))
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if want := bruteMaximin(t, in); z < want-1e-9 {
			t.Errorf("trial %d: relaxation %v below the maximin %v", trial, z, want)
		}
	}
}

func TestSwapperFindsBestExchange(t *testing.T) {
	// Gender f/m, age young/old; types: fy, fo, my, mo, two people each.
	cats := []Category{
		{Name: "g", Values: []Value{{"f", 2, 2}, {"m", 2, 2}}},
		{Name: "a", Values: []Value{{"jung", 1, 3}, {"alt", 1, 3}}},
	}
	vals := [][]int{{0, 0}, {0, 0}, {0, 1}, {0, 1}, {1, 0}, {1, 0}, {1, 1}, {1, 1}}
	in := build(t, cats, 4, vals...)
	tests := []struct {
		name  string
		start []int // seated per type fy, fo, my, mo
		w     []float64
		want  []int
	}{
		{"young wanted", []int{1, 1, 1, 1}, []float64{1, 0, 1, 0}, []int{2, 0, 1, 1}},
		{"old men wanted", []int{2, 0, 2, 0}, []float64{0, 0, 0, 1}, []int{2, 0, 0, 2}},
		{"already best", []int{1, 1, 0, 2}, []float64{0, 1, 0, 1}, []int{1, 1, 0, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSwapper(in)
			s.load(tt.start)
			got := s.improve(tt.w, 1e-12)
			if err := in.checkPanel(s.x); err != nil {
				t.Fatalf("panel %v breaks a quota: %v", s.x, err)
			}
			want := 0.0
			for ty, n := range tt.want {
				want += tt.w[ty] * float64(n)
			}
			if got != want {
				t.Errorf("improve = %v (panel %v), want weight %v (e.g. %v)", got, s.x, want, tt.want)
			}
		})
	}
}

// TestTimeLimitKeepsDistributionValid stops LEXIMIN on a large instance
// long before it finishes: the distribution must still be valid and the
// bound must lie above its minimum.
func TestTimeLimitKeepsDistributionValid(t *testing.T) {
	if testing.Short() {
		t.Skip("large instance")
	}
	in, err := Generate(BenchSpec{Name: "t", People: 1000, Seats: 80, Categories: 6, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), in, Options{Algorithm: Leximin, Seed: "x", TimeLimit: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Optimal {
		t.Skip("finished within the limit; nothing to check")
	}
	sum := 0.0
	for _, p := range res.Probabilities {
		sum += p
	}
	if math.Abs(sum-80) > 1e-6 {
		t.Errorf("probabilities sum to %v, want 80", sum)
	}
	for k, p := range res.Panels {
		if err := in.checkPanel(p.Counts); err != nil {
			t.Errorf("panel %d: %v", k, err)
		}
	}
	if res.MinBound < res.Fairness.Min-1e-9 || res.MinBound <= 0 || res.MinBound > 1 {
		t.Errorf("bound %v, minimum %v", res.MinBound, res.Fairness.Min)
	}
}

func TestBenchMarkdownShowsGap(t *testing.T) {
	spec := BenchSpec{Name: "x", People: 100, Seats: 10, Categories: 2}
	rows := []BenchRow{
		{Spec: spec, Types: 4, Algorithm: Leximin, Duration: 60 * time.Second, CPU: 30 * time.Second,
			Fairness: Fairness{Min: 0.045, Gini: 0.2}, Panels: 7, MinBound: 0.05},
		{Spec: spec, Types: 4, Algorithm: Leximin, Duration: time.Second, CPU: time.Second,
			Fairness: Fairness{Min: 0.05, Gini: 0.2}, Panels: 7, MinBound: 0.05, Optimal: true},
	}
	got := BenchMarkdown(rows, "m", time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), 10)
	for _, want := range []string{
		"| 60.00 (30.00) time limit | 0.0450 | 0.0500 (gap 10.0 %) | 0.200 | 7 |",
		"| 1.00 (1.00) | 0.0500 | exact | 0.200 | 7 |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}
