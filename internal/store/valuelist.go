package store

import (
	"encoding/binary"
	"errors"
	"slices"
)

// Value lists hold a sorted multiset of integers (durations in seconds,
// instants in microseconds) in a few bytes per value: the count, the
// first value zigzag-encoded, then the gaps to the previous value, all as
// varints. Durations of one day and slice lie close together, so most
// gaps take one to three bytes.

// encodeValues sorts vs in place and encodes it.
func encodeValues(vs []int64) []byte {
	slices.Sort(vs)
	b := make([]byte, 0, 4+3*len(vs))
	b = binary.AppendUvarint(b, uint64(len(vs)))
	var prev int64
	for i, v := range vs {
		if i == 0 {
			b = binary.AppendVarint(b, v)
		} else {
			b = binary.AppendUvarint(b, uint64(v-prev))
		}
		prev = v
	}
	return b
}

var errBadValues = errors.New("store: corrupt value list")

// appendValues decodes b and appends its values, in ascending order, to dst.
func appendValues(dst []int64, b []byte) ([]int64, error) {
	if len(b) == 0 {
		return dst, nil
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return dst, errBadValues
	}
	b = b[k:]
	dst = slices.Grow(dst, int(n))
	var prev int64
	for i := range n {
		if i == 0 {
			v, k := binary.Varint(b)
			if k <= 0 {
				return dst, errBadValues
			}
			prev, b = v, b[k:]
		} else {
			d, k := binary.Uvarint(b)
			if k <= 0 {
				return dst, errBadValues
			}
			prev, b = prev+int64(d), b[k:]
		}
		dst = append(dst, prev)
	}
	if len(b) != 0 {
		return dst, errBadValues
	}
	return dst, nil
}

// arenaChunk is the smallest array decodeRun allocates, in values.
const arenaChunk = 1 << 16

// decodeRun decodes b onto the end of arena and returns the arena and the
// decoded values as their own slice (capped, so appending to it never
// writes into the arena). One arena for many short lists saves an
// allocation per rollup row. When a list does not fit, the arena is not
// grown but replaced by a new chunk: growing copies every value decoded
// so far, and with a year of backlog instants (some millions) those copies
// were a quarter of a dashboard page's CPU. Runs decoded earlier keep the
// old chunk, which nothing writes to again.
func decodeRun(arena []int64, b []byte) ([]int64, []int64, error) {
	if len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)) {
			return arena, nil, errBadValues
		}
		if int(n) > cap(arena)-len(arena) {
			arena = make([]int64, 0, max(int(n), arenaChunk))
		}
	}
	start := len(arena)
	arena, err := appendValues(arena, b)
	if err != nil {
		return arena[:start], nil, err
	}
	return arena, arena[start:len(arena):len(arena)], nil
}

// Count lists hold a multiset of keys (grid cells) as the number of
// distinct keys, then for each in ascending order the gap to the previous
// key (the first key zigzag-encoded) and its count, all as varints.

// encodeCounts encodes counts (key -> count, counts above zero).
func encodeCounts(counts map[int64]int64) []byte {
	keys := make([]int64, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := make([]byte, 0, 2+5*len(keys))
	b = binary.AppendUvarint(b, uint64(len(keys)))
	var prev int64
	for i, k := range keys {
		if i == 0 {
			b = binary.AppendVarint(b, k)
		} else {
			b = binary.AppendUvarint(b, uint64(k-prev))
		}
		b = binary.AppendUvarint(b, uint64(counts[k]))
		prev = k
	}
	return b
}

// addCounts decodes b and adds its counts to dst.
func addCounts(dst map[int64]int64, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return errBadValues
	}
	b = b[k:]
	var key int64
	for i := range n {
		if i == 0 {
			v, k := binary.Varint(b)
			if k <= 0 {
				return errBadValues
			}
			key, b = v, b[k:]
		} else {
			d, k := binary.Uvarint(b)
			if k <= 0 {
				return errBadValues
			}
			key, b = key+int64(d), b[k:]
		}
		c, k := binary.Uvarint(b)
		if k <= 0 {
			return errBadValues
		}
		dst[key] += int64(c)
		b = b[k:]
	}
	if len(b) != 0 {
		return errBadValues
	}
	return nil
}
