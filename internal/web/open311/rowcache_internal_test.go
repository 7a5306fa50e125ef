package open311

import "testing"

func TestRowCacheGenerations(t *testing.T) {
	c := newRowCache(3)
	key := func(id int64) rowKey { return rowKey{id: id, version: 1} }
	for id := range int64(3) {
		c.put(key(id), []byte{byte(id)})
	}
	// The third entry filled the first generation, which became the old one.
	if b, ok := c.get(key(0)); !ok || b[0] != 0 {
		t.Fatalf("entry 0 after one generation: %v, %v", b, ok)
	}
	// Entry 0 moved to the new generation; two more fill it, and the old
	// generation (entries 1 and 2) is dropped.
	c.put(key(3), []byte{3})
	c.put(key(4), []byte{4})
	for id, want := range map[int64]bool{0: true, 1: false, 2: false, 3: true, 4: true} {
		if _, ok := c.get(key(id)); ok != want {
			t.Errorf("entry %d held = %v, want %v", id, ok, want)
		}
	}
	if _, ok := c.get(rowKey{id: 3, version: 2}); ok {
		t.Error("entry 3 found under another version")
	}
	if n := c.len(); n > 6 {
		t.Errorf("%d entries held, at most 2×3 expected", n)
	}
	off := newRowCache(0)
	off.put(key(1), []byte{1})
	if _, ok := off.get(key(1)); ok {
		t.Error("a cache of size 0 held an entry")
	}
}
