package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// writePool writes a semicolon-separated pool in Windows-1252 (as German
// Excel saves it) and a quotas file, and returns their paths.
func writePool(t *testing.T, dir string) (people, quotas string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("Nr;Name;Geschlecht;Abteilung\r\n")
	for i := 1; i <= 24; i++ {
		g := "weiblich"
		if i%3 == 0 {
			g = "männlich"
		}
		fmt.Fprintf(&b, "%d;Person %d;%s;%s\r\n", i, i, g, []string{"Amt 10", "Amt 20", "Amt 30"}[(i/3)%3])
	}
	data := []byte(strings.ReplaceAll(b.String(), "ä", "\xe4"))
	people = filepath.Join(dir, "pool.csv")
	if err := os.WriteFile(people, data, 0o600); err != nil {
		t.Fatal(err)
	}
	quotas = filepath.Join(dir, "quoten.csv")
	q := "feature,value,min,max\nGeschlecht,weiblich,3,3\nGeschlecht,männlich,3,3\nAbteilung,Amt 10,2,2\nAbteilung,Amt 20,2,2\nAbteilung,Amt 30,2,2\n"
	if err := os.WriteFile(quotas, []byte(q), 0o600); err != nil {
		t.Fatal(err)
	}
	return people, quotas
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestRunSortition(t *testing.T) {
	for _, alg := range []string{"leximin", "legacy"} {
		t.Run(alg, func(t *testing.T) {
			dir := t.TempDir()
			people, quotas := writePool(t, dir)
			peopleData, _ := os.ReadFile(people)
			out := filepath.Join(dir, "out")
			var stdout, stderr bytes.Buffer
			args := []string{"--people", people, "--quotas", quotas, "--seats", "6", "--algorithm", alg, "--seed", "3 1 4 1 5", "--out", out, "--id-column", "Nr", "--legacy-runs", "300"}
			if err := runSortition(context.Background(), args, &stdout, &stderr); err != nil {
				t.Fatalf("runSortition: %v\n%s", err, stderr.String())
			}
			if _, err := os.Stat(people); !os.IsNotExist(err) {
				t.Errorf("pool file still there after the draw (err %v)", err)
			}
			probs := readCSV(t, filepath.Join(out, "probabilities.csv"))
			if len(probs) != 25 || probs[0][0] != "id" || probs[0][1] != "probability" {
				t.Fatalf("probabilities.csv: %d rows, header %v", len(probs), probs[0])
			}
			sum := 0.0
			for _, r := range probs[1:] {
				p, err := strconv.ParseFloat(r[1], 64)
				if err != nil {
					t.Fatal(err)
				}
				sum += p
			}
			if math.Abs(sum-6) > 1e-6 {
				t.Errorf("probabilities sum to %v, want 6", sum)
			}
			sel := readCSV(t, filepath.Join(out, "selected.csv"))
			if len(sel) != 7 || sel[0][2] != "Geschlecht" {
				t.Fatalf("selected.csv = %v", sel)
			}
			men := 0
			for _, r := range sel[1:] {
				if r[2] == "männlich" {
					men++
				}
			}
			if men != 3 {
				t.Errorf("%d men selected, quota 3", men)
			}
			var rep struct {
				Seed         string   `json:"seed"`
				Algorithm    string   `json:"algorithm"`
				PeopleSHA256 string   `json:"people_sha256"`
				Selected     []string `json:"selected"`
			}
			data, err := os.ReadFile(filepath.Join(out, "report.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &rep); err != nil {
				t.Fatal(err)
			}
			h := sha256.Sum256(peopleData)
			if rep.PeopleSHA256 != hex.EncodeToString(h[:]) || rep.Seed != "3 1 4 1 5" || rep.Algorithm != alg || len(rep.Selected) != 6 {
				t.Errorf("report = %+v", rep)
			}
			if txt, err := os.ReadFile(filepath.Join(out, "report.txt")); err != nil || !strings.Contains(string(txt), "Startwert (Seed):   3 1 4 1 5") {
				t.Errorf("report.txt: %v\n%s", err, txt)
			}

			// Re-running from the same inputs and seed gives the same panel.
			if err := os.WriteFile(people, peopleData, 0o600); err != nil {
				t.Fatal(err)
			}
			out2 := filepath.Join(dir, "out2")
			args2 := append(args[:len(args)-6:len(args)-6], "--out", out2, "--id-column", "Nr", "--legacy-runs", "300", "--keep-pool")
			if err := runSortition(context.Background(), args2, &stdout, &stderr); err != nil {
				t.Fatal(err)
			}
			if a, b := readCSV(t, filepath.Join(out, "selected.csv")), readCSV(t, filepath.Join(out2, "selected.csv")); fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("re-run drew %v, first run %v", b, a)
			}
			if _, err := os.Stat(people); err != nil {
				t.Errorf("--keep-pool: pool file gone: %v", err)
			}
		})
	}
}

func TestRunSortitionErrors(t *testing.T) {
	dir := t.TempDir()
	people, quotas := writePool(t, dir)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--people", people, "--quotas", quotas, "--seats", "6", "--algorithm", "zufall", "--out", dir}, "unbekannter Algorithmus"},
		{[]string{"--people", people, "--quotas", quotas, "--seats", "9", "--out", dir, "--keep-pool"}, "Höchstens 6 Sitze belegbar"},
		{[]string{"--people", people, "--quotas", quotas, "--seats", "5", "--out", dir, "--keep-pool"}, "mehr als die 5 Sitze (1 zu viel)"},
		{[]string{"--quotas", quotas, "--seats", "6", "--out", dir}, "Personendatei"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		err := runSortition(context.Background(), tt.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("runSortition(%v) = %v, want error containing %q", tt.args, err, tt.want)
		}
	}
	if _, err := os.Stat(people); err != nil {
		t.Errorf("a failed draw deleted the pool: %v", err)
	}
}

func TestRunBenchSortitionWritesBetweenMarkers(t *testing.T) {
	doc := filepath.Join(t.TempDir(), "benchmarks.md")
	before := "# Benchmarks\n\nother figures\n\n<!-- sortition:begin -->\nold\n<!-- sortition:end -->\n\ntail\n"
	if err := os.WriteFile(doc, []byte(before), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if err := runBenchSortition(context.Background(), []string{"--doc", doc, "--instances", "klein-70", "--legacy-runs", "100"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(doc)
	s := string(got)
	if !strings.HasPrefix(s, "# Benchmarks\n\nother figures\n\n<!-- sortition:begin -->\n") || !strings.HasSuffix(s, "<!-- sortition:end -->\n\ntail\n") {
		t.Errorf("text outside the markers changed:\n%s", s)
	}
	if strings.Contains(s, "old") || !strings.Contains(s, "| klein-70 | 70 | 10 |") || !strings.Contains(s, "LEXIMIN") || !strings.Contains(s, "LEGACY") || !strings.Contains(s, "| exact |") {
		t.Errorf("table missing:\n%s", s)
	}
	if err := runBenchSortition(context.Background(), []string{"--doc", doc, "--instances", "gross"}, &stdout, &stderr); err == nil {
		t.Error("unknown instance accepted")
	}
}
