// Package storetest opens migrated stores for tests: always on SQLite, and
// on PostgreSQL when RATHAUS_TEST_POSTGRES holds a DSN. In CI (CI=true) a
// missing PostgreSQL is an error, not a skip, so that no tier is skipped
// silently.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/rathaus/rathaus/internal/store"
)

// Dialects returns the dialects to test on.
func Dialects(t testing.TB) []store.Dialect {
	ds := []store.Dialect{store.SQLite}
	if os.Getenv("RATHAUS_TEST_POSTGRES") != "" {
		ds = append(ds, store.Postgres)
	} else if os.Getenv("CI") == "true" {
		t.Fatal("storetest: CI=true but RATHAUS_TEST_POSTGRES is not set; PostgreSQL tests must run in CI")
	}
	return ds
}

// Each runs fn as a subtest once per dialect, each with a fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a fresh, migrated database of the given dialect, removed
// when the test ends.
func Open(t testing.TB, d store.Dialect) *store.DB {
	t.Helper()
	dsn := DSN(t, d)
	db, err := store.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("storetest: migrate %s: %v", d, err)
	}
	return db
}

// DSN returns the DSN of a fresh, empty database of the given dialect: a
// file in a temporary folder, or a new PostgreSQL schema (dropped at the
// end) selected through search_path.
func DSN(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	}
	base := os.Getenv("RATHAUS_TEST_POSTGRES")
	if base == "" {
		t.Skip("storetest: RATHAUS_TEST_POSTGRES not set")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "rt_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("storetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: bad RATHAUS_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
