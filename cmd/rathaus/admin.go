package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/calendar"
	"github.com/rathaus/rathaus/internal/geo"
	"github.com/rathaus/rathaus/internal/store"
)

// adminFlags is the flag set of the small administrative commands: they
// need only the database and, sometimes, a jurisdiction.
func adminFlags(name string, stderr io.Writer) (*flag.FlagSet, *string, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", "sqlite:rathaus.db", "database: sqlite:PATH or a postgres:// URL")
	slug := fs.String("jurisdiction", "", "jurisdiction slug (default: the only or first one)")
	return fs, dsn, slug
}

func parseAdmin(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected arguments %v", fs.Name(), fs.Args())
	}
	return applyEnv(fs, getenv)
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, dsn, _ := adminFlags("migrate", stderr)
	if err := parseAdmin(fs, args, getenv); err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn, newLogger("text", stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(stdout, "database is up to date")
	return nil
}

// jurisdictionFor loads the named jurisdiction, or the first one.
func jurisdictionFor(ctx context.Context, db *store.DB, slug string) (*rathaus.Jurisdiction, error) {
	slug, err := defaultJurisdiction(ctx, db, slug)
	if err != nil {
		return nil, err
	}
	if slug == "" {
		return nil, errors.New("no jurisdiction exists yet: create one with rathaus jurisdiction add")
	}
	var j *rathaus.Jurisdiction
	err = db.ReadTx(ctx, func(tx *store.Tx) error {
		j, err = tx.Jurisdiction(ctx, slug)
		return err
	})
	return j, err
}

func runJurisdiction(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: rathaus jurisdiction add --slug S --name N --state NI [--boundary FILE.geojson] [--base-url URL]")
	}
	fs, dsn, _ := adminFlags("jurisdiction add", stderr)
	slug := fs.String("slug", "", "short name, used as Open311 jurisdiction_id")
	name := fs.String("name", "", "name of the municipality")
	state := fs.String("state", "", "Bundesland code for public holidays: "+strings.Join(calendar.States(), " "))
	boundary := fs.String("boundary", "", "GeoJSON file with the boundary polygon (optional)")
	baseURL := fs.String("base-url", "", "public URL used in mails (optional)")
	if err := parseAdmin(fs, args[1:], getenv); err != nil {
		return err
	}
	j := &rathaus.Jurisdiction{Slug: strings.TrimSpace(*slug), Name: strings.TrimSpace(*name), State: strings.ToUpper(*state), BaseURL: *baseURL}
	if j.Slug == "" || j.Name == "" {
		return errors.New("jurisdiction add: --slug and --name are required")
	}
	if _, err := calendar.ForState(j.State); err != nil {
		return fmt.Errorf("jurisdiction add: --state: %w", err)
	}
	if *boundary != "" {
		data, err := os.ReadFile(*boundary)
		if err != nil {
			return fmt.Errorf("jurisdiction add: %w", err)
		}
		if _, err := geo.ParseGeoJSON(data); err != nil {
			return fmt.Errorf("jurisdiction add: --boundary: %w", err)
		}
		j.Boundary = data
	}
	db, err := openStore(ctx, *dsn, newLogger("text", io.Discard))
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now().UTC()
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateJurisdiction(ctx, j, now); err != nil {
			return err
		}
		_, err := tx.AppendAudit(ctx, audit.Entry{At: now, JurisdictionID: j.ID, ActorName: "cli", Action: "jurisdiction.add", Target: j.Slug})
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "jurisdiction %s (%s) created\n", j.Slug, j.Name)
	return nil
}

func runUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: rathaus user add --email E --name N --role admin|lead|caseworker|viewer [--department CODE]")
	}
	fs, dsn, slug := adminFlags("user add", stderr)
	email := fs.String("email", "", "e-mail address (login)")
	name := fs.String("name", "", "full name")
	role := fs.String("role", "", "role: admin, lead, caseworker or viewer")
	dept := fs.String("department", "", "department code (optional)")
	if err := parseAdmin(fs, args[1:], getenv); err != nil {
		return err
	}
	password := getenv("RATHAUS_PASSWORD")
	if password == "" {
		fmt.Fprint(stderr, "password: ")
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("user add: no password given (set RATHAUS_PASSWORD or type it on stdin)")
		}
		password = strings.TrimRight(line, "\r\n")
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
	u := &rathaus.User{JurisdictionID: j.ID, Email: *email, Name: *name, Role: rathaus.Role(*role)}
	if *dept != "" {
		err := db.ReadTx(ctx, func(tx *store.Tx) error {
			ds, err := tx.Departments(ctx, j.ID)
			for _, d := range ds {
				if d.Code == *dept {
					u.DepartmentID = d.ID
				}
			}
			return err
		})
		if err != nil {
			return err
		}
		if u.DepartmentID == 0 {
			return fmt.Errorf("user add: no department %q in %s", *dept, j.Slug)
		}
	}
	if err := auth.New(db, time.Now).AddUser(ctx, u, password, "cli"); err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	fmt.Fprintf(stdout, "user %s (%s) added to %s\n", u.Email, u.Role, j.Slug)
	return nil
}

func runAPIKey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: rathaus apikey add --name N [--jurisdiction SLUG]")
	}
	fs, dsn, slug := adminFlags("apikey add", stderr)
	name := fs.String("name", "", "who uses the key (e.g. the app vendor)")
	if err := parseAdmin(fs, args[1:], getenv); err != nil {
		return err
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
	key, k, err := auth.New(db, time.Now).AddAPIKey(ctx, j.ID, *name, "cli")
	if err != nil {
		return fmt.Errorf("apikey add: %w", err)
	}
	fmt.Fprintf(stderr, "API key %q for %s created; it is shown only now:\n", k.Name, j.Slug)
	fmt.Fprintln(stdout, key)
	return nil
}

func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: rathaus audit verify [--db DSN]")
	}
	fs, dsn, _ := adminFlags("audit verify", stderr)
	if err := parseAdmin(fs, args[1:], getenv); err != nil {
		return err
	}
	db, err := store.Open(ctx, *dsn, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	v := audit.NewVerifier()
	if err := db.AuditEntries(ctx, v.Next); err != nil {
		return fmt.Errorf("audit verify: the chain is broken: %w", err)
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries, head %s\n", v.Count(), v.Head())
	return nil
}
