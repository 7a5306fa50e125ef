package store

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestWriteStatementsStayPrepared checks that a SQLite write statement is
// parsed once per process: the first transaction prepares it for itself,
// later ones bind the shared statement, and the numbers it hands out are
// still those of one counter.
func TestWriteStatementsStayPrepared(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "p.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var numbers []string
	var unshared []int
	for range 3 {
		err := db.WriteTx(ctx, func(tx *Tx) error {
			n, err := tx.NextRequestNumber(ctx, 1, 2026)
			numbers = append(numbers, n)
			unshared = append(unshared, len(tx.unshared))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"2026-000001", "2026-000002", "2026-000003"}; !slices.Equal(numbers, want) {
		t.Errorf("numbers = %v, want %v", numbers, want)
	}
	if unshared[0] != 1 || unshared[1] != 0 || unshared[2] != 0 {
		t.Errorf("statements prepared per transaction = %v, want [1 0 0]", unshared)
	}
	if len(db.writeStmts.stmts) != 1 {
		t.Errorf("shared statements = %d, want 1", len(db.writeStmts.stmts))
	}
}

// TestReadStatementsStayPrepared: the same holds for the reader pool,
// whose statements database/sql keeps prepared per connection.
func TestReadStatementsStayPrepared(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "p.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var unshared []int
	for range 3 {
		err := db.ReadTx(ctx, func(tx *Tx) error {
			_, err := tx.Request(ctx, 1, 42)
			unshared = append(unshared, len(tx.unshared))
			if err == nil {
				t.Error("request 42 found in an empty database")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(unshared, []int{1, 0, 0}) {
		t.Errorf("statements prepared per transaction = %v, want [1 0 0]", unshared)
	}
}

// TestReadersMapTheFile: SQLite readers read pages through mmap (see
// readerMmapBytes), not one pread per page missing from their own cache.
func TestReadersMapTheFile(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "m.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.read.QueryRowContext(ctx, "PRAGMA mmap_size").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != readerMmapBytes {
		t.Errorf("reader mmap_size = %d, want %d", n, readerMmapBytes)
	}
}

// TestCheckpointerCopiesTheWAL: committed pages reach the database file
// without the writer checkpointing (its threshold is far above this
// test's few megabytes), because the background checkpointer copies them.
func TestCheckpointerCopiesTheWAL(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := Open(ctx, "sqlite:"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * checkpointInterval)
	before := fileSize(t, path)
	body := strings.Repeat("x", 4000)
	err = db.WriteTx(ctx, func(tx *Tx) error {
		for i := range 1000 {
			if _, err := tx.exec(ctx, `INSERT INTO audit_log (seq, at, jurisdiction_id, actor_id, actor_name, action, target, detail, prev_hash, hash)
				VALUES ($1, 0, 0, 0, '', '', '', $2, '', '')`, i+1, body); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for fileSize(t, path) < before+3<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes, was %d: the WAL was not checkpointed", fileSize(t, path), before)
		}
		time.Sleep(checkpointInterval)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
