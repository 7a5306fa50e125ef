package media

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
)

// sha256("hello"), computed independently (sha256sum).
const helloKey = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

func newStore(t *testing.T) (*BlobStore, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "blobs", "nested")
	b, err := NewBlobStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("NewBlobStore did not create %s: %v", dir, err)
	}
	return b, dir
}

func readBlob(t *testing.T, b *BlobStore, key string) string {
	t.Helper()
	rc, err := b.Open(key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestBlobStorePutOpen(t *testing.T) {
	b, dir := newStore(t)
	ctx := context.Background()
	key, err := b.Put(ctx, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if key != helloKey {
		t.Fatalf("key = %s, want %s", key, helloKey)
	}
	// Sharded by the first two byte pairs of the key.
	path := filepath.Join(dir, "2c", "f2", helloKey)
	if data, err := os.ReadFile(path); err != nil || string(data) != "hello" {
		t.Fatalf("file %s = %q, %v; want hello", path, data, err)
	}
	if got := readBlob(t, b, key); got != "hello" {
		t.Errorf("Open = %q, want hello", got)
	}
	// No temporary files are left next to the blob.
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("shard folder holds %d entries, want only the blob", len(entries))
	}

	empty, err := b.Put(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if empty != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("key of empty blob = %s", empty)
	}
	if got := readBlob(t, b, empty); got != "" {
		t.Errorf("empty blob reads %q", got)
	}
}

func TestBlobStoreDedupe(t *testing.T) {
	b, dir := newStore(t)
	ctx := context.Background()
	key, err := b.Put(ctx, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "2c", "f2", helloKey)
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	again, err := b.Put(ctx, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if again != key {
		t.Errorf("second Put key = %s, want %s", again, key)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.ModTime().Equal(old) {
		t.Errorf("existing blob was rewritten: mtime %v, want %v", fi.ModTime(), old)
	}
	other, err := b.Put(ctx, []byte("hello!"))
	if err != nil {
		t.Fatal(err)
	}
	if other == key {
		t.Error("different content got the same key")
	}
}

func TestBlobStoreDelete(t *testing.T) {
	b, _ := newStore(t)
	key, err := b.Put(context.Background(), []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(key); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Open(key); rathaus.KindOf(err) != rathaus.KindNotFound {
		t.Errorf("Open after Delete: err = %v, want kind not found", err)
	}
	if err := b.Delete(key); err != nil {
		t.Errorf("second Delete: %v, want nil", err)
	}
	never := strings.Repeat("ab", 32)
	if err := b.Delete(never); err != nil {
		t.Errorf("Delete of a never stored key: %v, want nil", err)
	}
}

func TestBlobStoreBadKeys(t *testing.T) {
	b, _ := newStore(t)
	tests := []struct{ name, key string }{
		{"empty", ""},
		{"short", helloKey[:63]},
		{"long", helloKey + "0"},
		{"upper case", strings.ToUpper(helloKey)},
		{"not hex", "g" + helloKey[1:]},
		{"path traversal", "../../../../etc/passwd" + strings.Repeat("0", 42)},
		{"slash inside", helloKey[:30] + "/" + helloKey[31:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := b.Open(tt.key); rathaus.KindOf(err) != rathaus.KindInvalid {
				t.Errorf("Open(%q): err = %v, want kind invalid", tt.key, err)
			}
			if err := b.Delete(tt.key); rathaus.KindOf(err) != rathaus.KindInvalid {
				t.Errorf("Delete(%q): err = %v, want kind invalid", tt.key, err)
			}
		})
	}
}

func TestBlobStoreCancelledPut(t *testing.T) {
	b, dir := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Put(ctx, []byte("hello")); err != context.Canceled {
		t.Fatalf("Put with cancelled context: err = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "2c")); !os.IsNotExist(err) {
		t.Errorf("cancelled Put left files behind: %v", err)
	}
}

func TestNewBlobStoreErrors(t *testing.T) {
	if _, err := NewBlobStore(""); err == nil {
		t.Error("NewBlobStore(\"\"): no error")
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewBlobStore(filepath.Join(file, "sub")); err == nil {
		t.Error("NewBlobStore below a regular file: no error")
	}
}
