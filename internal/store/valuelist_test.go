package store

import (
	"fmt"
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

func TestDecodeRunKeepsEarlierRuns(t *testing.T) {
	// Lists larger than what is left of the arena start a new chunk; the
	// runs handed out before must keep their values.
	var lists [][]int64
	for i, n := range []int{3, arenaChunk - 2, 5, 2 * arenaChunk, 1} {
		vs := make([]int64, n)
		for k := range vs {
			vs[k] = int64(i*1_000_000 + k*7)
		}
		lists = append(lists, vs)
	}
	var arena []int64
	var runs [][]int64
	for _, vs := range lists {
		var run []int64
		var err error
		if arena, run, err = decodeRun(arena, encodeValues(slices.Clone(vs))); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run)
	}
	for i, run := range runs {
		if !slices.Equal(run, lists[i]) {
			t.Errorf("run %d: %d values, want %d (first %v)", i, len(run), len(lists[i]), run[:min(3, len(run))])
		}
		if cap(run) != len(run) {
			t.Errorf("run %d: capacity %d beyond its length %d", i, cap(run), len(run))
		}
	}
	if _, _, err := decodeRun(arena, []byte{0xff, 0xff, 0xff, 0x7f}); err == nil {
		t.Error("corrupt count: no error")
	}
}

func TestQualityFilterSpans(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to int
		groupBy  string
		want     []span
	}{
		{"inside one month", 20261105, 20261204, "", []span{{"quality_daily", 20261105, 20261204}}},
		{"one whole month", 20261001, 20261031, "service_code", []span{{"quality_monthly", 20261001, 20261001}}},
		{"whole months and edges", 20251205, 20261204, "", []span{
			{"quality_monthly", 20260101, 20261101}, {"quality_daily", 20251205, 20251231}, {"quality_daily", 20261201, 20261204}}},
		{"leap February, then days", 20240201, 20240303, "", []span{
			{"quality_monthly", 20240201, 20240201}, {"quality_daily", 20240301, 20240303}}},
		{"keyed by day", 20260101, 20261231, "day", []span{{"quality_daily", 20260101, 20261231}}},
		{"keyed by day, month rows allowed", 20260115, 20260331, "day+months", []span{
			{"quality_monthly", 20260201, 20260301}, {"quality_daily", 20260115, 20260131}}},
		{"one day", 20260408, 20260408, "", []span{{"quality_daily", 20260408, 20260408}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := QualityFilter{FromDay: tc.from, ToDay: tc.to, GroupBy: tc.groupBy}
			if tc.groupBy == "day+months" {
				f.GroupBy, f.MonthRows = "day", true
			}
			got := f.spans()
			if !slices.Equal(got, tc.want) {
				t.Errorf("spans = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCountListRoundTrip(t *testing.T) {
	in := map[int64]int64{5290000047: 3, 5290000048: 1, 5300000047: 12, -4: 2}
	got := map[int64]int64{5290000047: 1}
	if err := addCounts(got, encodeCounts(in)); err != nil {
		t.Fatal(err)
	}
	want := map[int64]int64{5290000047: 4, 5290000048: 1, 5300000047: 12, -4: 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counts = %v, want %v", got, want)
	}
	b := encodeCounts(in)
	if err := addCounts(map[int64]int64{}, b[:len(b)-1]); err == nil {
		t.Error("a truncated count list decoded without error")
	}
}
