package sortition

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
)

// Config is one file-based draw, as the command line and the staff pages
// run it.
type Config struct {
	PeopleFile      string
	QuotasFile      string
	AlreadySelected string // optional: people who stay on the panel (replacements)
	IDColumn        string
	Seats           int // full panel size, including AlreadySelected
	Algorithm       Algorithm
	Seed            string // empty: a random seed is made and recorded
	OutDir          string
	LegacyRuns      int
	LotterySize     int
	KeepPool        bool      // otherwise the people file is deleted after the draw
	Now             time.Time // recorded in the report
}

// Report is what a draw leaves behind for the audit log and the public:
// the hashes of the inputs, the seed, the algorithm and the panel, so that
// anyone with the published inputs can re-run the draw and compare.
type Report struct {
	Time            time.Time `json:"time"`
	Algorithm       Algorithm `json:"algorithm"`
	Seed            string    `json:"seed"`
	PeopleFile      string    `json:"people_file"`
	PeopleSHA256    string    `json:"people_sha256"`
	QuotasFile      string    `json:"quotas_file"`
	QuotasSHA256    string    `json:"quotas_sha256"`
	AlreadySHA256   string    `json:"already_selected_sha256,omitempty"`
	Seats           int       `json:"seats"`
	PoolSize        int       `json:"pool_size"`
	Types           int       `json:"profile_types"`
	AlreadySelected []string  `json:"already_selected,omitempty"`
	Selected        []string  `json:"selected"`
	PanelSHA256     string    `json:"panel_sha256"`
	Panels          int       `json:"panels_in_distribution"`
	MinProbability  float64   `json:"min_probability"`
	Gini            float64   `json:"gini"`
	GeoMean         float64   `json:"geometric_mean"`
	Seconds         float64   `json:"seconds"`
	PoolDeleted     bool      `json:"pool_deleted"`
	Files           []string  `json:"files"`
}

// NewSeed returns a random seed for draws where none was entered.
func NewSeed() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("sortition: seed: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Execute reads the input files, draws (with Draw, exactly as the staff
// pages do), writes the result files to cfg.OutDir and, unless
// cfg.KeepPool, deletes the people file.
func Execute(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.PeopleFile == "" || cfg.QuotasFile == "" || cfg.OutDir == "" {
		return nil, rathaus.Invalidf("", "Personendatei, Quotendatei und Ausgabeordner sind nötig")
	}
	in := Input{PeopleName: filepath.Base(cfg.PeopleFile), QuotasName: filepath.Base(cfg.QuotasFile), IDColumn: cfg.IDColumn,
		Seats: cfg.Seats, Algorithm: cfg.Algorithm, Seed: cfg.Seed, LegacyRuns: cfg.LegacyRuns, LotterySize: cfg.LotterySize,
		KeepPool: cfg.KeepPool, Now: cfg.Now}
	var err error
	if in.People, err = os.ReadFile(cfg.PeopleFile); err != nil {
		return nil, fmt.Errorf("sortition: %w", err)
	}
	if in.Quotas, err = os.ReadFile(cfg.QuotasFile); err != nil {
		return nil, fmt.Errorf("sortition: %w", err)
	}
	if cfg.AlreadySelected != "" {
		if in.AlreadySelected, err = os.ReadFile(cfg.AlreadySelected); err != nil {
			return nil, fmt.Errorf("sortition: %w", err)
		}
	}
	out, err := Draw(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.OutDir, 0o750); err != nil {
		return nil, fmt.Errorf("sortition: %w", err)
	}
	for _, f := range out.Files {
		// The pool goes before the report that says it has gone, so a
		// failed delete never leaves a report claiming otherwise.
		if f.Name == ReportText && !cfg.KeepPool {
			if err := os.Remove(cfg.PeopleFile); err != nil {
				return nil, fmt.Errorf("sortition: delete pool: %w", err)
			}
		}
		if err := os.WriteFile(filepath.Join(cfg.OutDir, f.Name), f.Data, 0o640); err != nil {
			return nil, fmt.Errorf("sortition: %w", err)
		}
	}
	return out.Report, nil
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func writeCSV(rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows) // writes to memory; cannot fail
	return b.Bytes()
}

func selectedCSV(header []string, in *Instance, res *Result) []byte {
	rows := [][]string{header}
	for _, i := range res.Selected {
		rec := make([]string, len(header))
		copy(rec, in.People[i].Record)
		rows = append(rows, rec)
	}
	if len(header) == 0 || in.People[0].Record == nil {
		rows = [][]string{{"id"}}
		for _, i := range res.Selected {
			rows = append(rows, []string{in.People[i].ID})
		}
	}
	return writeCSV(rows)
}

func probabilitiesCSV(in *Instance, res *Result) []byte {
	rows := [][]string{{"id", "probability"}}
	for i, p := range in.People {
		rows = append(rows, []string{p.ID, FormatProbability(res.Probabilities[i])})
	}
	return writeCSV(rows)
}

// distributionCSV lists each panel of the distribution as rows of
// (panel, probability, seats, profile).
func distributionCSV(in *Instance, res *Result) []byte {
	head := []string{"panel", "probability", "seats"}
	for _, c := range in.Categories {
		head = append(head, c.Name)
	}
	rows := [][]string{head}
	for k, p := range res.Panels {
		for t, n := range p.Counts {
			if n == 0 {
				continue
			}
			row := []string{strconv.Itoa(k + 1), FormatProbability(p.Probability), strconv.Itoa(n)}
			for c, v := range in.Types[t].Values {
				row = append(row, in.Categories[c].Values[v].Name)
			}
			rows = append(rows, row)
		}
	}
	return writeCSV(rows)
}

func lotteryCSV(res *Result) []byte {
	rows := [][]string{{"number", "panel"}}
	for i, k := range res.Lottery {
		rows = append(rows, []string{strconv.Itoa(i + 1), strconv.Itoa(k + 1)})
	}
	return writeCSV(rows)
}

// Text renders the report for people (German).
func (r *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Losverfahren (Sortition) – Bericht\n\n")
	fmt.Fprintf(&b, "Zeitpunkt:          %s\n", r.Time.Format(time.RFC3339))
	fmt.Fprintf(&b, "Algorithmus:        %s\n", strings.ToUpper(string(r.Algorithm)))
	fmt.Fprintf(&b, "Startwert (Seed):   %s\n", r.Seed)
	fmt.Fprintf(&b, "Personendatei:      %s (SHA-256 %s)\n", r.PeopleFile, r.PeopleSHA256)
	fmt.Fprintf(&b, "Quotendatei:        %s (SHA-256 %s)\n", r.QuotasFile, r.QuotasSHA256)
	if r.AlreadySHA256 != "" {
		fmt.Fprintf(&b, "Schon ausgewählt:   %d Personen (SHA-256 der Datei %s): %s\n", len(r.AlreadySelected), r.AlreadySHA256, strings.Join(r.AlreadySelected, ", "))
	}
	fmt.Fprintf(&b, "Sitze:              %d\n", r.Seats)
	fmt.Fprintf(&b, "Pool:               %d Personen in %d Profilen\n", r.PoolSize, r.Types)
	fmt.Fprintf(&b, "Gremien in der Verteilung: %d\n\n", r.Panels)
	fmt.Fprintf(&b, "Fairness der Auswahlwahrscheinlichkeiten\n")
	fmt.Fprintf(&b, "  kleinste Wahrscheinlichkeit: %s\n", FormatProbability(r.MinProbability))
	fmt.Fprintf(&b, "  Gini-Koeffizient:            %.4f\n", r.Gini)
	fmt.Fprintf(&b, "  geometrisches Mittel:        %s\n\n", FormatProbability(r.GeoMean))
	fmt.Fprintf(&b, "Ausgeloste Personen (%d, SHA-256 der Liste %s):\n", len(r.Selected), r.PanelSHA256)
	for _, id := range r.Selected {
		fmt.Fprintf(&b, "  %s\n", id)
	}
	fmt.Fprintf(&b, "\nRechenzeit: %.2f s\n", r.Seconds)
	if r.PoolDeleted {
		fmt.Fprintf(&b, "Die Personendatei wurde nach der Auslosung gelöscht (personenbezogene Daten).\n")
	}
	fmt.Fprintf(&b, "\nNachprüfen: Mit denselben Dateien (gleiche SHA-256), demselben Startwert, Algorithmus und\nderselben Sitzzahl ergibt `rathaus sortition` dieselbe Auswahl.\n")
	return b.String()
}
