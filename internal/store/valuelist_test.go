package store

import (
	"slices"
	"testing"
)

func TestValueListRoundTrip(t *testing.T) {
	for _, vs := range [][]int64{
		nil,
		{0},
		{-5, 3, 3, 1 << 40},
		{1_780_000_000_000_000, 1_780_000_000_000_001, 1_780_000_086_400_000},
		{7200, 3600, 0, 3600},
	} {
		want := slices.Sorted(slices.Values(vs))
		got, err := appendValues([]int64{42}, encodeValues(slices.Clone(vs)))
		if err != nil {
			t.Fatalf("%v: %v", vs, err)
		}
		if !slices.Equal(got, append([]int64{42}, want...)) {
			t.Errorf("round trip of %v = %v", vs, got)
		}
	}
}

func TestValueListRejectsCorruptBytes(t *testing.T) {
	good := encodeValues([]int64{1, 2, 300})
	for name, b := range map[string][]byte{
		"truncated":      good[:len(good)-1],
		"trailing bytes": append(slices.Clone(good), 0),
		"huge count":     {0xff, 0xff, 0xff, 0x7f},
	} {
		if _, err := appendValues(nil, b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
