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
