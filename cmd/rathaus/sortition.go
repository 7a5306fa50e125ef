package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/store"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/rathaus/rathaus/internal/sortition"
)

// runSortition draws a panel: rathaus sortition --people P.csv --quotas
// Q.csv --seats K --algorithm leximin|legacy --seed S --out DIR.
func runSortition(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sortition", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg sortition.Config
	var alg string
	fs.StringVar(&cfg.PeopleFile, "people", "", "Personendatei (CSV: Kennung und eine Spalte je Kategorie)")
	fs.StringVar(&cfg.QuotasFile, "quotas", "", "Quotendatei (CSV: feature,value,min,max)")
	fs.IntVar(&cfg.Seats, "seats", 0, "Zahl der Sitze im Gremium")
	fs.StringVar(&alg, "algorithm", "leximin", "leximin oder legacy")
	fs.StringVar(&cfg.Seed, "seed", "", "Startwert, z. B. öffentlich gewürfelte Zahlen; leer: zufällig, wird im Bericht festgehalten")
	fs.StringVar(&cfg.OutDir, "out", "", "Ausgabeordner für selected.csv, probabilities.csv und den Bericht")
	fs.StringVar(&cfg.IDColumn, "id-column", "", "Spalte mit der Kennung (Standard: id, sonst die Zeilennummer)")
	fs.StringVar(&cfg.AlreadySelected, "already-selected", "", "Personen, die im Gremium bleiben (Nachlosung nach Absagen)")
	fs.IntVar(&cfg.LegacyRuns, "legacy-runs", sortition.DefaultLegacyRuns, "Zahl der LEGACY-Läufe zur Schätzung der Wahrscheinlichkeiten")
	fs.IntVar(&cfg.LotterySize, "lottery", sortition.DefaultLotterySize, "Länge M der Liste für eine öffentliche Lotterie (0: keine)")
	fs.BoolVar(&cfg.KeepPool, "keep-pool", false, "Personendatei nach der Auslosung nicht löschen")
	dsn := fs.String("db", "", "Datenbank (sqlite:PFAD oder postgres://…): die Auslosung wird im Audit-Log festgehalten")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sortition: unerwartete Argumente: %s", strings.Join(fs.Args(), " "))
	}
	a, err := sortition.ParseAlgorithm(alg)
	if err != nil {
		return err
	}
	cfg.Algorithm = a
	cfg.Now = time.Now()
	rep, err := sortition.Execute(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d Personen ausgelost (Startwert %q), kleinste Wahrscheinlichkeit %s, Gini %.4f\n",
		strings.ToUpper(string(rep.Algorithm)), len(rep.Selected), rep.Seed, sortition.FormatProbability(rep.MinProbability), rep.Gini)
	fmt.Fprintf(stdout, "Dateien in %s: %s\n", cfg.OutDir, strings.Join(rep.Files, ", "))
	if rep.PoolDeleted {
		fmt.Fprintf(stdout, "Personendatei %s gelöscht (--keep-pool behält sie).\n", cfg.PeopleFile)
	}
	if *dsn != "" {
		seq, err := auditDraw(ctx, *dsn, rep)
		if err != nil {
			return fmt.Errorf("sortition: audit entry: %w", err)
		}
		fmt.Fprintf(stdout, "Audit-Log: Eintrag %d\n", seq)
	}
	return nil
}

// auditDraw records a draw in the audit log: hashes of the inputs and of
// the panel, the seed and the algorithm, so that anyone holding the
// published files can check them; no personal data.
func auditDraw(ctx context.Context, dsn string, rep *sortition.Report) (int64, error) {
	db, err := openStore(ctx, dsn, newLogger("text", io.Discard))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var jurisdictionID int64
	if j, err := jurisdictionFor(ctx, db, ""); err == nil {
		jurisdictionID = j.ID
	}
	detail, err := json.Marshal(map[string]any{
		"algorithm": rep.Algorithm, "seed": rep.Seed, "seats": rep.Seats, "pool_size": rep.PoolSize,
		"people_sha256": rep.PeopleSHA256, "quotas_sha256": rep.QuotasSHA256, "already_selected_sha256": rep.AlreadySHA256,
		"min_probability": rep.MinProbability, "pool_deleted": rep.PoolDeleted,
	})
	if err != nil {
		return 0, err
	}
	var e audit.Entry
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		e, err = tx.AppendAudit(ctx, audit.Entry{At: time.Now(), JurisdictionID: jurisdictionID, ActorName: "cli",
			Action: "sortition.draw", Target: rep.PanelSHA256, Detail: string(detail)})
		return err
	})
	return e.Seq, err
}

// runBenchSortition measures LEGACY and LEXIMIN on generated instances of
// the paper's sizes and writes the table into docs/benchmarks.md between
// the sortition markers.
func runBenchSortition(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench sortition", flag.ContinueOnError)
	fs.SetOutput(stderr)
	doc := fs.String("doc", filepath.Join("docs", "benchmarks.md"), "Markdown-Datei für die Ergebnisse")
	only := fs.String("instances", "", "nur diese Instanzen (Komma-Liste von klein-70, paper-1727, max-2000)")
	legacyRuns := fs.Int("legacy-runs", 1000, "LEGACY-Läufe zur Schätzung der Wahrscheinlichkeiten")
	limit := fs.Duration("limit", time.Minute, "Zeitgrenze je LEXIMIN-Lauf; danach gilt die beste gefundene Verteilung mit nachgewiesener Schranke")
	if err := fs.Parse(args); err != nil {
		return err
	}
	specs := sortition.PaperSpecs
	if *only != "" {
		specs = nil
		for _, name := range strings.Split(*only, ",") {
			found := false
			for _, s := range sortition.PaperSpecs {
				if s.Name == strings.TrimSpace(name) {
					specs = append(specs, s)
					found = true
				}
			}
			if !found {
				return fmt.Errorf("bench sortition: unbekannte Instanz %q", name)
			}
		}
	}
	rows, err := sortition.Bench(ctx, specs, *legacyRuns, *limit, processCPU)
	if err != nil {
		return err
	}
	table := sortition.BenchMarkdown(rows, machine(), time.Now(), *legacyRuns)
	fmt.Fprint(stdout, table)
	old, err := os.ReadFile(*doc)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("bench sortition: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(*doc), 0o755); err != nil {
		return fmt.Errorf("bench sortition: %w", err)
	}
	if err := os.WriteFile(*doc, []byte(sortition.ReplaceSection(string(old), table)), 0o644); err != nil {
		return fmt.Errorf("bench sortition: %w", err)
	}
	return nil
}

// machine describes the host: CPU count and model.
func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	desc := fmt.Sprintf("%d CPUs (nproc), %s, %s/%s", runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH)
	// Wall-clock figures mean little on a shared machine; record its load.
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(data)); len(f) >= 3 {
			desc += fmt.Sprintf(", load average %s/%s/%s at the end of the run", f[0], f[1], f[2])
		}
	}
	return desc
}
