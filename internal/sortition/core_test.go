package sortition

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
)

// eightPeople is a pool of four women and four men; with two seats for
// each, everyone's chance is exactly 1/2.
const eightPeople = "id;Name;Geschlecht\n1;A;w\n2;B;m\n3;C;w\n4;D;m\n5;E;w\n6;F;m\n7;G;w\n8;H;m\n"
const halfQuotas = "feature,value,min,max\nGeschlecht,w,2,2\nGeschlecht,m,2,2\n"

func TestDrawInMemory(t *testing.T) {
	for _, alg := range []Algorithm{Leximin, Legacy} {
		t.Run(string(alg), func(t *testing.T) {
			in := Input{People: []byte(eightPeople), Quotas: []byte(halfQuotas), PeopleName: "pool.csv", QuotasName: "q.csv",
				Seats: 4, Algorithm: alg, Seed: "6 6 6", LegacyRuns: 400, LotterySize: 10, Now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
			out, err := Draw(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range out.Files {
				names = append(names, f.Name)
			}
			if got := strings.Join(names, ","); got != "selected.csv,probabilities.csv,distribution.csv,lottery.csv,report.txt,report.json" {
				t.Errorf("files %s", got)
			}
			sel, err := csv.NewReader(bytes.NewReader(out.File(SelectedCSV))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(sel) != 5 || strings.Join(sel[0], ",") != "id,Name,Geschlecht" {
				t.Fatalf("selected.csv = %v", sel)
			}
			women := 0
			for _, r := range sel[1:] {
				if r[2] == "w" {
					women++
				}
			}
			if women != 2 {
				t.Errorf("%d women on the panel, quota 2: %v", women, sel)
			}
			probs, err := csv.NewReader(bytes.NewReader(out.File(ProbabilitiesCSV))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(probs) != 9 {
				t.Fatalf("probabilities.csv has %d rows", len(probs))
			}
			if alg == Leximin {
				for _, r := range probs[1:] {
					if r[1] != "0.5" {
						t.Errorf("person %s: probability %s, want 0.5", r[0], r[1])
					}
				}
			}
			rep := out.Report
			if rep.PeopleSHA256 != sum([]byte(eightPeople)) || rep.Seed != "6 6 6" || !rep.PoolDeleted || len(rep.Selected) != 4 {
				t.Errorf("report %+v", rep)
			}
			if !bytes.Contains(out.File(ReportJSON), []byte(`"panel_sha256": "`+rep.PanelSHA256+`"`)) {
				t.Errorf("report.json lacks the panel hash:\n%s", out.File(ReportJSON))
			}
			// The same draw through Execute writes the same bytes.
			dir := t.TempDir()
			pf, qf := filepath.Join(dir, "pool.csv"), filepath.Join(dir, "q.csv")
			if err := os.WriteFile(pf, in.People, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(qf, in.Quotas, 0o600); err != nil {
				t.Fatal(err)
			}
			outDir := filepath.Join(dir, "out")
			if _, err := Execute(context.Background(), Config{PeopleFile: pf, QuotasFile: qf, Seats: 4, Algorithm: alg, Seed: "6 6 6",
				LegacyRuns: 400, LotterySize: 10, OutDir: outDir, Now: in.Now}); err != nil {
				t.Fatal(err)
			}
			for _, f := range out.Files {
				disk, err := os.ReadFile(filepath.Join(outDir, f.Name))
				if err != nil {
					t.Fatal(err)
				}
				if f.Name == ReportText || f.Name == ReportJSON {
					continue // they record the computing time
				}
				if !bytes.Equal(disk, f.Data) {
					t.Errorf("%s differs between Draw and Execute", f.Name)
				}
			}
		})
	}
}

func TestPrepareErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name      string
		in        Input
		field     string
		substring string
	}{
		{"bad quota header", Input{People: []byte(eightPeople), Quotas: []byte("a,b\n1,2\n"), Seats: 4}, "quotas", "Kopfzeile"},
		{"min above max", Input{People: []byte(eightPeople), Quotas: []byte("feature,value,min,max\nGeschlecht,w,3,2\n"), Seats: 4}, "quotas", "Zeile 2"},
		{"value missing in quotas", Input{People: []byte(eightPeople + "9;I;d\n"), Quotas: []byte(halfQuotas), Seats: 4}, "people", `Zeile 10 (Kennung 9): Wert "d"`},
		{"too few in the pool", Input{People: []byte(eightPeople), Quotas: []byte("feature,value,min,max\nGeschlecht,w,5,5\nGeschlecht,m,0,5\n"), Seats: 6}, "quotas", "Geschlecht=w: Minimum 5, aber nur 4"},
		{"seats", Input{People: []byte(eightPeople), Quotas: []byte(halfQuotas), Seats: 0}, "seats", "größer als 0"},
		{"already selected file", Input{People: []byte(eightPeople), Quotas: []byte(halfQuotas), AlreadySelected: []byte("id;Alter\n1;x\n"), Seats: 4}, "already_selected", `Spalte "Geschlecht"`},
		{"already selected over a maximum", Input{People: []byte(eightPeople), Quotas: []byte(halfQuotas), AlreadySelected: []byte("id;Geschlecht\n1;w\n3;w\n5;w\n"), Seats: 4}, "already_selected", "um 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Prepare(tt.in)
			e, ok := rathaus.AsError(err)
			if !ok || e.Kind != rathaus.KindInvalid || e.Field != tt.field || !strings.Contains(e.Msg, tt.substring) {
				t.Fatalf("Prepare: %v, want an Invalid error in %s containing %q", err, tt.field, tt.substring)
			}
		})
	}
}
