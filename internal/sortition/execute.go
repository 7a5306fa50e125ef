package sortition

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
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

// Execute reads the input files, draws, writes the result files to
// cfg.OutDir and, unless cfg.KeepPool, deletes the people file.
func Execute(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.PeopleFile == "" || cfg.QuotasFile == "" || cfg.OutDir == "" {
		return nil, rathaus.Invalidf("", "Personendatei, Quotendatei und Ausgabeordner sind nötig")
	}
	if cfg.Seed == "" {
		s, err := NewSeed()
		if err != nil {
			return nil, err
		}
		cfg.Seed = s
	}
	peopleData, err := os.ReadFile(cfg.PeopleFile)
	if err != nil {
		return nil, fmt.Errorf("sortition: %w", err)
	}
	quotaData, err := os.ReadFile(cfg.QuotasFile)
	if err != nil {
		return nil, fmt.Errorf("sortition: %w", err)
	}
	cats, err := ReadQuotas(bytes.NewReader(quotaData))
	if err != nil {
		return nil, err
	}
	pool, err := ReadPeople(bytes.NewReader(peopleData), cats, cfg.IDColumn)
	if err != nil {
		return nil, err
	}
	rep := &Report{
		Time: cfg.Now.UTC(), Algorithm: cfg.Algorithm, Seed: cfg.Seed,
		PeopleFile: filepath.Base(cfg.PeopleFile), PeopleSHA256: sum(peopleData),
		QuotasFile: filepath.Base(cfg.QuotasFile), QuotasSHA256: sum(quotaData),
		Seats: cfg.Seats,
	}
	people := pool.People
	drawCats, seats := cats, cfg.Seats
	if cfg.AlreadySelected != "" {
		data, err := os.ReadFile(cfg.AlreadySelected)
		if err != nil {
			return nil, fmt.Errorf("sortition: %w", err)
		}
		rep.AlreadySHA256 = sum(data)
		kept, err := ReadPeople(bytes.NewReader(data), cats, cfg.IDColumn)
		if err != nil {
			return nil, err
		}
		keptIDs := map[string]bool{}
		var vals [][]int
		for _, p := range kept.People {
			keptIDs[p.ID] = true
			vals = append(vals, p.Values)
			rep.AlreadySelected = append(rep.AlreadySelected, p.ID)
		}
		people = nil
		for _, p := range pool.People {
			if !keptIDs[p.ID] {
				people = append(people, p)
			}
		}
		if drawCats, seats, err = ReduceForKept(cats, vals, cfg.Seats); err != nil {
			return nil, err
		}
	}
	in, err := NewInstance(drawCats, people, seats)
	if err != nil {
		return nil, err
	}
	res, err := Run(ctx, in, Options{Algorithm: cfg.Algorithm, Seed: cfg.Seed, LegacyRuns: cfg.LegacyRuns, LotterySize: cfg.LotterySize})
	if err != nil {
		return nil, err
	}
	rep.PoolSize, rep.Types, rep.Panels = len(in.People), len(in.Types), len(res.Panels)
	for _, i := range res.Selected {
		rep.Selected = append(rep.Selected, in.People[i].ID)
	}
	rep.PanelSHA256 = sum([]byte(strings.Join(rep.Selected, "\n")))
	rep.MinProbability, rep.Gini, rep.GeoMean = res.Fairness.Min, res.Fairness.Gini, res.Fairness.GeoMean
	rep.Seconds = res.Duration.Seconds()

	if err := os.MkdirAll(cfg.OutDir, 0o750); err != nil {
		return nil, fmt.Errorf("sortition: %w", err)
	}
	files := map[string][]byte{
		"selected.csv":      selectedCSV(pool.Header, in, res),
		"probabilities.csv": probabilitiesCSV(in, res),
		"distribution.csv":  distributionCSV(in, res),
	}
	if len(res.Lottery) > 0 {
		files["lottery.csv"] = lotteryCSV(res)
	}
	for _, name := range []string{"selected.csv", "probabilities.csv", "distribution.csv", "lottery.csv"} {
		if data, ok := files[name]; ok {
			if err := os.WriteFile(filepath.Join(cfg.OutDir, name), data, 0o640); err != nil {
				return nil, fmt.Errorf("sortition: %w", err)
			}
			rep.Files = append(rep.Files, name)
		}
	}
	rep.Files = append(rep.Files, "report.txt", "report.json")
	if !cfg.KeepPool {
		if err := os.Remove(cfg.PeopleFile); err != nil {
			return nil, fmt.Errorf("sortition: delete pool: %w", err)
		}
		rep.PoolDeleted = true
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sortition: %w", err)
	}
	if err := os.WriteFile(filepath.Join(cfg.OutDir, "report.json"), append(js, '\n'), 0o640); err != nil {
		return nil, fmt.Errorf("sortition: %w", err)
	}
	if err := os.WriteFile(filepath.Join(cfg.OutDir, "report.txt"), []byte(rep.Text()), 0o640); err != nil {
		return nil, fmt.Errorf("sortition: %w", err)
	}
	return rep, nil
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
