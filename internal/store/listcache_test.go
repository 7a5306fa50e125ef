package store

import (
	"slices"
	"testing"
)

func TestListCache(t *testing.T) {
	list := func(first, n int64) []byte {
		vs := make([]int64, n)
		for i := range vs {
			vs[i] = first + int64(i)*3
		}
		return encodeValues(vs)
	}
	c := newListCache(1000)
	a, b := list(1, 400), list(2, 400)
	_, va, err := c.decode(nil, a)
	if err != nil || len(va) != 400 || va[0] != 1 || va[399] != 1+399*3 {
		t.Fatalf("first decode: %d values, %v", len(va), err)
	}
	_, again, _ := c.decode(nil, slices.Clone(a))
	if &again[0] != &va[0] {
		t.Error("equal bytes were decoded again instead of taken from the cache")
	}
	if _, vb, _ := c.decode(nil, b); vb[0] != 2 {
		t.Errorf("other bytes gave %d..., want 2...", vb[0])
	}
	// 400 + 400 values fill most of a generation of 1000; the next list
	// starts a new one, and the one after drops the oldest.
	c.decode(nil, list(3, 400))
	c.decode(nil, list(4, 400))
	c.decode(nil, list(5, 400))
	if _, ok := c.cur[string(a)]; ok {
		t.Error("the oldest list is still held after two generations")
	}
	if c.curValues > 1000 {
		t.Errorf("generation holds %d values, the bound is 1000", c.curValues)
	}
	// Short lists are decoded onto the arena and not kept.
	arena, short, err := c.decode(make([]int64, 0, 8), list(9, 3))
	if err != nil || !slices.Equal(short, []int64{9, 12, 15}) || len(arena) != 3 {
		t.Errorf("short list: %v (arena %d), %v", short, len(arena), err)
	}
	if _, _, err := c.decode(nil, append(list(1, 400), 0)); err == nil {
		t.Error("corrupt list: no error")
	}
}
