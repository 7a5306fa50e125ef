package sortition

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// sharedDir holds public instances with known answers; tests using it skip
// when it is absent.
const sharedDir = "../../../shared/data/sortition"

func loadShared(t *testing.T, dir, people, quotas, idCol string, seats int) *Instance {
	t.Helper()
	base := filepath.Join(sharedDir, dir)
	if _, err := os.Stat(base); err != nil {
		t.Skipf("shared instance %s not present: %v", base, err)
	}
	qf, err := os.Open(filepath.Join(base, quotas))
	if err != nil {
		t.Fatal(err)
	}
	defer qf.Close()
	cats, err := ReadQuotas(qf)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := os.Open(filepath.Join(base, people))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	pool, err := ReadPeople(pf, cats, idCol)
	if err != nil {
		t.Fatal(err)
	}
	in, err := NewInstance(cats, pool.People, seats)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TestSharedExampleSmall20 checks the paper's replication example: LEXIMIN
// gives all 200 people exactly 10 %, LEGACY gives the one
// female-conservative person about 1 %.
func TestSharedExampleSmall20(t *testing.T) {
	in := loadShared(t, "example-small-20", "respondents.csv", "categories.csv", "", 20)
	if len(in.People) != 200 {
		t.Fatalf("%d people, want 200", len(in.People))
	}
	lex, err := Run(context.Background(), in, Options{Algorithm: Leximin, Seed: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range lex.Probabilities {
		if math.Abs(p-0.1) > 1e-6 {
			t.Fatalf("LEXIMIN: person %s has %v, want 0.1", in.People[i].ID, p)
		}
	}
	leg, err := Run(context.Background(), in, Options{Algorithm: Legacy, Seed: "test", LegacyRuns: 3000})
	if err != nil {
		t.Fatal(err)
	}
	rare := -1
	for i, p := range in.People {
		if in.Categories[0].Values[p.Values[0]].Name == "female" && in.Categories[1].Values[p.Values[1]].Name == "conservative" {
			if rare >= 0 {
				t.Fatalf("more than one female conservative")
			}
			rare = i
		}
	}
	if p := leg.Probabilities[rare]; p > 0.03 {
		t.Errorf("LEGACY gives the female conservative %v, want about 0.01", p)
	}
	if leg.Fairness.Min > lex.Fairness.Min {
		t.Errorf("LEGACY minimum %v above LEXIMIN minimum %v", leg.Fairness.Min, lex.Fairness.Min)
	}
	t.Logf("LEXIMIN %d panels in %v; LEGACY rare person %v", len(lex.Panels), lex.Duration, leg.Probabilities[rare])
}

// TestSharedOpenDLP150 draws 22 of 150 and replaces drop-outs: five people
// stay on the panel and 17 are drawn so that the full panel keeps every
// quota.
func TestSharedOpenDLP150(t *testing.T) {
	in := loadShared(t, "opendlp-150", "candidates.csv", "features.csv", "nationbuilder_id", 22)
	lex, err := Run(context.Background(), in, Options{Algorithm: Leximin, Seed: "opendlp"})
	if err != nil {
		t.Fatal(err)
	}
	leg, err := Run(context.Background(), in, Options{Algorithm: Legacy, Seed: "opendlp", LegacyRuns: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range []*Result{lex, leg} {
		sum := 0.0
		for _, p := range res.Probabilities {
			sum += p
		}
		if math.Abs(sum-22) > 1e-6 {
			t.Errorf("%s: probabilities sum to %v", res.Algorithm, sum)
		}
	}
	if leg.Fairness.Min > lex.Fairness.Min+0.05 {
		t.Errorf("LEGACY minimum %v above LEXIMIN minimum %v", leg.Fairness.Min, lex.Fairness.Min)
	}

	base := filepath.Join(sharedDir, "opendlp-150")
	kf, err := os.Open(filepath.Join(base, "already_selected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	kept, err := ReadPeople(kf, in.Categories, "nationbuilder_id")
	if err != nil {
		t.Fatal(err)
	}
	var vals [][]int
	for _, p := range kept.People {
		vals = append(vals, p.Values)
	}
	red, seats, err := ReduceForKept(in.Categories, vals, 22)
	if err != nil {
		t.Fatal(err)
	}
	rin, err := NewInstance(red, in.People, seats)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), rin, Options{Algorithm: Leximin, Seed: "replace"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Selected) != 17 {
		t.Fatalf("%d replacements, want 17", len(res.Selected))
	}
	full := in.typeCounts(res.Selected)
	seated := make(map[[2]int]int)
	for t, n := range full {
		for c, v := range in.Types[t].Values {
			seated[[2]int{c, v}] += n
		}
	}
	for _, v := range vals {
		for c, x := range v {
			seated[[2]int{c, x}]++
		}
	}
	for c, cat := range in.Categories {
		for v, q := range cat.Values {
			if n := seated[[2]int{c, v}]; n < q.Min || n > q.Max {
				t.Errorf("full panel: %d with %s=%s, quota %d–%d", n, cat.Name, q.Name, q.Min, q.Max)
			}
		}
	}
	t.Logf("LEXIMIN min %v (%d types, %v), LEGACY min %v", lex.Fairness.Min, len(in.Types), lex.Duration, leg.Fairness.Min)
}
