package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/rathaus/rathaus/internal/demo"
)

// runDemo seeds the demo municipality "demo" (once; a second run reuses
// it) and serves it with mail logged instead of sent.
func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("demo", append([]string{"--dev"}, args...), getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.Jurisdiction == "" {
		cfg.Jurisdiction = "demo"
	}
	if cfg.PostsPerMinute == 30 {
		cfg.PostsPerMinute = 600 // demo users click around a lot
	}
	log := newLogger(cfg.LogFormat, stderr)
	db, err := openStore(ctx, cfg.DB, log)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	info, err := demo.Seed(ctx, db, time.Now(), log)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if info.Created {
		fmt.Fprintf(stdout, "Demo-Daten angelegt: %d Meldungen in %s (%.1f s)\n", info.Requests, info.Jurisdiction.Name, time.Since(start).Seconds())
	} else {
		fmt.Fprintf(stdout, "Vorhandene Demo-Daten: %d Meldungen in %s\n", info.Requests, info.Jurisdiction.Name)
	}
	return serve(ctx, cfg, db, log, func(addr string) {
		fmt.Fprintf(stdout, "\nrathaus läuft: %s\n", cfg.BaseURL)
		fmt.Fprintf(stdout, "Open311:       %s/open311/v2/discovery.json\n", cfg.BaseURL)
		fmt.Fprintf(stdout, "API-Schlüssel: %s (nur in Demo-Daten)\n\nAnmeldungen:\n", info.APIKey)
		for _, l := range info.Logins {
			fmt.Fprintf(stdout, "  %-11s %-36s Passwort: %s\n", l.Role, l.Email, l.Password)
		}
		fmt.Fprintln(stdout, "\nBeenden mit Strg+C.")
	})
}
