// Command rathaus is the digital town hall: one binary that serves the
// web application and runs the administrative subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // business calendars need Europe/Berlin on any machine
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "rathaus:", err)
		}
		os.Exit(1)
	}
}

const usage = `rathaus – the digital town hall

Usage:
  rathaus serve   [flags]      run the web server (migrates on start)
  rathaus demo    [flags]      seed the demo municipality if missing, then serve it
  rathaus migrate [--db DSN]   bring the database schema up to date
  rathaus jurisdiction add --slug S --name N --state NI [--boundary FILE]
                               create a municipality
  rathaus user add --email E --name N --role R [--department CODE] [--jurisdiction SLUG]
                               add a staff member (password from RATHAUS_PASSWORD or stdin)
  rathaus apikey add --name N [--jurisdiction SLUG]
                               create an Open311 API key and print it once
  rathaus audit verify [--db DSN]
                               check the hash chain of the audit log
  rathaus sortition [flags]    draw a balanced panel by lot (see --help)
  rathaus quality export|import|rebuild [flags]
                               quality indicators: CSV/JSON export, manual values, rebuild rollups
  rathaus bench open311|quality|sortition [flags]
                               run a benchmark and write docs/benchmarks.md

Every flag also reads RATHAUS_<FLAG> from the environment (e.g. RATHAUS_DB).
Run "rathaus <command> --help" for the flags of a command.
`

// run is the whole program; main only wires the process to it, so tests
// can run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "demo":
		return runDemo(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, getenv, stdout, stderr)
	case "user":
		return runUser(ctx, rest, getenv, os.Stdin, stdout, stderr)
	case "apikey":
		return runAPIKey(ctx, rest, getenv, stdout, stderr)
	case "jurisdiction":
		return runJurisdiction(ctx, rest, getenv, stdout, stderr)
	case "audit":
		return runAudit(ctx, rest, getenv, stdout, stderr)
	case "sortition":
		return runSortition(ctx, rest, stdout, stderr)
	case "quality":
		return runQuality(ctx, rest, getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("bench: name a benchmark: open311, quality or sortition")
	}
	switch args[0] {
	case "sortition":
		return runBenchSortition(ctx, args[1:], stdout, stderr)
	case "open311":
		return runBenchOpen311(ctx, args[1:], getenv, stdout, stderr)
	case "quality":
		return runBenchQuality(ctx, args[1:], getenv, stdout, stderr)
	}
	return fmt.Errorf("bench: unknown benchmark %q (open311, quality or sortition)", args[0])
}
