package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rathaus/rathaus/internal/quality"
)

const qualityUsage = `usage:
  rathaus quality export --from DATE --to DATE [--by service|department|channel] [--format csv|json|openmetrics]
  rathaus quality import --file F.csv
  rathaus quality rebuild
common flags: --db DSN, --jurisdiction SLUG`

// runQuality runs "rathaus quality export|import|rebuild".
func runQuality(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(qualityUsage)
	}
	switch args[0] {
	case "export":
		return runQualityExport(ctx, args[1:], getenv, stdout, stderr)
	case "import":
		return runQualityImport(ctx, args[1:], getenv, stdout, stderr)
	case "rebuild":
		return runQualityRebuild(ctx, args[1:], getenv, stdout, stderr)
	}
	return fmt.Errorf("quality: unknown command %q\n%s", args[0], qualityUsage)
}

func runQualityExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, dsn, slug := adminFlags("quality export", stderr)
	from := fs.String("from", "", "first day, YYYY-MM-DD (required)")
	to := fs.String("to", "", "last day, YYYY-MM-DD, inclusive (required)")
	by := fs.String("by", "service", "one row per service, department or channel")
	format := fs.String("format", "csv", "csv, json or openmetrics")
	catchUp := fs.Bool("catch-up", true, "project events not yet reflected in the figures before exporting")
	if err := parseAdmin(fs, args, getenv); err != nil {
		return err
	}
	if *format != "csv" && *format != "json" && *format != "openmetrics" {
		return fmt.Errorf("quality export: --format must be csv, json or openmetrics, not %q", *format)
	}
	first, err := time.Parse(time.DateOnly, *from)
	if err != nil {
		return fmt.Errorf("quality export: --from must be a date like 2026-01-01: %q", *from)
	}
	last, err := time.Parse(time.DateOnly, *to)
	if err != nil {
		return fmt.Errorf("quality export: --to must be a date like 2026-12-31: %q", *to)
	}
	db, err := openStore(ctx, *dsn, newLogger("text", io.Discard))
	if err != nil {
		return err
	}
	defer db.Close()
	j, err := jurisdictionFor(ctx, db, *slug)
	if err != nil {
		return err
	}
	if *catchUp {
		if _, err := quality.NewProjector(db, time.Now, newLogger("text", stderr)).CatchUp(ctx); err != nil {
			return err
		}
	}
	rows, err := quality.Indicators(ctx, db, quality.Slice{JurisdictionID: j.ID, From: first, To: last, By: *by})
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		return quality.WriteJSON(stdout, rows)
	case "openmetrics":
		return quality.WriteOpenMetrics(stdout, *by, rows)
	}
	return quality.WriteCSV(stdout, rows)
}

func runQualityImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, dsn, slug := adminFlags("quality import", stderr)
	file := fs.String("file", "", "CSV file of indicator definitions or values (required)")
	if err := parseAdmin(fs, args, getenv); err != nil {
		return err
	}
	if *file == "" {
		return errors.New("quality import: --file is required")
	}
	f, err := os.Open(*file)
	if err != nil {
		return fmt.Errorf("quality import: %w", err)
	}
	defer f.Close()
	db, err := openStore(ctx, *dsn, newLogger("text", io.Discard))
	if err != nil {
		return err
	}
	defer db.Close()
	j, err := jurisdictionFor(ctx, db, *slug)
	if err != nil {
		return err
	}
	res, err := quality.ImportCSV(ctx, db, j.ID, f, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("quality import: %s: %w (nothing was imported)", *file, err)
	}
	fmt.Fprintf(stdout, "imported %d %s from %s\n", res.Rows, res.Kind, *file)
	return nil
}

func runQualityRebuild(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, dsn, _ := adminFlags("quality rebuild", stderr)
	if err := parseAdmin(fs, args, getenv); err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn, newLogger("text", io.Discard))
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	n, err := quality.NewProjector(db, time.Now, newLogger("text", stderr)).Rebuild(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "rebuilt the facts of %d requests in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
