package open311

import (
	"hash/fnv"
	"strconv"
	"sync"
	"time"
)

// A list of a thousand requests is the largest answer Open311 gives, and
// most of its time went into reading seventeen columns of every row and
// encoding them, although the newest requests of a town change seldom
// between two calls. So lists read only each request's ID, version and
// position, and take the encoded entry from rowCache when it holds one for
// that version; the rest are read and encoded as before, and kept.
//
// An entry is right as long as what it shows is unchanged: the request's
// row and photos (the store raises the version with every change of
// either, on any app node) and the catalogue's service and department
// names and the time zone (the fingerprint in the key). The key holds no
// personal data, and neither does an entry: it is the public
// representation every client may read.

// rowKey identifies one encoded list entry. Its fields are three words
// without padding, so that a map hashes and compares it as one block of
// memory (a bool field made lookups a fifth slower).
type rowKey struct {
	id, version int64
	form        uint64 // entryForm: the catalogue's fingerprint and the format
}

// entryForm combines the fingerprint of the catalogue and time zone with
// the format: JSON and XML entries of a version differ.
func entryForm(catalogue uint64, isXML bool) uint64 {
	if isXML {
		return catalogue | 1
	}
	return catalogue &^ 1
}

// rowCache holds encoded entries in two generations: lookups see both, and
// when the newer one is full the older is dropped, so that entries read
// recently stay and the cache stays within 2×size entries (about 600
// bytes each) without bookkeeping per lookup.
type rowCache struct {
	mu       sync.Mutex
	size     int
	cur, old map[rowKey][]byte
}

// rowCacheSize is the number of entries per generation: the newest
// requests of a town for a few months, or the hot spots of its map.
const rowCacheSize = 32 << 10

func newRowCache(size int) *rowCache {
	return &rowCache{size: size, cur: map[rowKey][]byte{}}
}

// get returns the entry of k; an entry found in the older generation moves
// to the newer one.
func (c *rowCache) get(k rowKey) ([]byte, bool) {
	var e [1][]byte
	c.getAll([]rowKey{k}, e[:])
	return e[0], e[0] != nil
}

// getAll sets entries[i] to the entry of keys[i] where there is one, as
// get does, under one lock: a list looks up a thousand keys.
func (c *rowCache) getAll(keys []rowKey, entries [][]byte) {
	if c.size <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, k := range keys {
		if b, ok := c.cur[k]; ok {
			entries[i] = b
		} else if b, ok := c.old[k]; ok {
			c.putLocked(k, b)
			entries[i] = b
		}
	}
}

// put keeps b, which the caller must not change afterwards, as k's entry.
func (c *rowCache) put(k rowKey, b []byte) {
	if c.size <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, b)
}

func (c *rowCache) putLocked(k rowKey, b []byte) {
	c.cur[k] = b
	if len(c.cur) >= c.size {
		c.old, c.cur = c.cur, make(map[rowKey][]byte, c.size)
	}
}

// len returns the number of entries held, for tests.
func (c *rowCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.old)
}

// fingerprint hashes what a list entry shows besides its request: the
// names of the catalogue's services and departments and the time zone of
// the timestamps.
func (c *catalogue) fingerprint(loc *time.Location) uint64 {
	h := fnv.New64a()
	for _, code := range c.codes {
		h.Write([]byte(code))
		h.Write([]byte{0})
		if s := c.services[code]; s != nil {
			h.Write([]byte(s.Name))
		}
		h.Write([]byte{0})
	}
	for _, id := range c.departmentIDs {
		h.Write(strconv.AppendInt(nil, id, 10))
		h.Write([]byte{0})
		h.Write([]byte(c.departments[id]))
		h.Write([]byte{0})
	}
	h.Write([]byte(loc.String()))
	return h.Sum64()
}
