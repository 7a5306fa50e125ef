package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/rathaus/rathaus"
)

// BlobStore keeps blobs in a folder, each under the hex SHA-256 of its
// content. The same photo uploaded twice is stored once, a key can never
// point at other bytes than it names, and keys carry no user input into
// file paths.
//
// A blob with key abcd… lives at dir/ab/cd/abcd…: two levels of 256
// folders keep each folder small enough for any file system and for
// backup tools, up to tens of millions of blobs.
type BlobStore struct {
	dir string
}

// NewBlobStore opens the blob folder dir, creating it if needed.
func NewBlobStore(dir string) (*BlobStore, error) {
	if dir == "" {
		return nil, errors.New("media: blob store: no folder given")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("media: blob store: %w", err)
	}
	return &BlobStore{dir: dir}, nil
}

// Put stores data and returns its key. Putting a blob that is already
// there does not write it again.
//
// The write is atomic: the bytes go to a temporary file in the target
// folder, are synced to disk and only then renamed into place, so that a
// crash leaves either no blob or the whole blob, never a truncated file
// under a valid key. The folder is synced too, so that the rename itself
// survives a power cut.
func (b *BlobStore) Put(ctx context.Context, data []byte) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	key := hex.EncodeToString(sum[:])
	path := b.path(key)
	if _, err := os.Stat(path); err == nil {
		return key, nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("media: put blob %s: %w", key, err)
	}
	// CreateTemp makes the file readable by its owner only: the photos
	// may show people and number plates.
	tmp, err := os.CreateTemp(dir, ".tmp-"+key[:8]+"-*")
	if err != nil {
		return "", fmt.Errorf("media: put blob %s: %w", key, err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("media: put blob %s: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("media: put blob %s: sync: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("media: put blob %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("media: put blob %s: %w", key, err)
	}
	if err := syncDir(dir); err != nil {
		return "", fmt.Errorf("media: put blob %s: sync folder: %w", key, err)
	}
	return key, nil
}

// Open returns the blob with the given key. The caller closes it.
func (b *BlobStore) Open(key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	f, err := os.Open(b.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, rathaus.NotFoundf("Datei %s nicht gefunden", key)
	}
	if err != nil {
		return nil, fmt.Errorf("media: open blob %s: %w", key, err)
	}
	return f, nil
}

// Delete removes the blob with the given key. Deleting a missing blob is
// not an error, so that a retried deletion (after a crash, or from a
// retention job that runs twice) succeeds. Callers must make sure no
// other record still refers to the key, since equal content shares it.
func (b *BlobStore) Delete(key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	err := os.Remove(b.path(key))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("media: delete blob %s: %w", key, err)
	}
	return nil
}

func (b *BlobStore) path(key string) string {
	return filepath.Join(b.dir, key[0:2], key[2:4], key)
}

// checkKey accepts exactly 64 lowercase hex digits. Keys come from URLs,
// so this is also what keeps "../" and friends out of the file system.
func checkKey(key string) error {
	if len(key) != 64 {
		return rathaus.Invalidf(field, "ungültiger Dateischlüssel: %d statt 64 Zeichen", len(key))
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return rathaus.Invalidf(field, "ungültiger Dateischlüssel: Zeichen %q an Stelle %d ist keine Hex-Ziffer (0-9, a-f)", c, i+1)
		}
	}
	return nil
}

// syncDir makes a rename in dir durable. Windows cannot sync a folder
// handle, and NTFS journals the rename anyway.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
