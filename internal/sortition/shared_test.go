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
