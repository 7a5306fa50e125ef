package quality

import "math"

// runs is a multiset of values held as sorted runs: the rollups store one
// ascending list per row, and a row of the table or a point of a series
// is the union of many rows. Quantiles are read off the runs by selection
// (see nth) without merging or reordering them, so one decoded list can
// serve the table, the series and the targets of the same page at once.
type runs struct {
	lists [][]int64 // each ascending, none empty
	n     int       // values in all lists
}

// add appends an ascending list. The list is shared, not copied: it must
// not change afterwards.
func (r *runs) add(list []int64) {
	if len(list) == 0 {
		return
	}
	r.lists = append(r.lists, list)
	r.n += len(list)
}

// addRuns adds every list of o.
func (r *runs) addRuns(o *runs) {
	r.lists = append(r.lists, o.lists...)
	r.n += o.n
}

// nth returns the value that would be at index k (0 ≤ k < r.n) if the
// runs were merged into one sorted list. It bisects the value range: the
// answer is the smallest v with more than k values ≤ v, and counting the
// values ≤ v is one binary search per run. A year of durations is two
// million values in a few thousand runs; bisecting costs about 30 rounds
// of a few thousand binary searches, where quickselect had to copy and
// partition all two million values.
func (r *runs) nth(k int) int64 {
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, l := range r.lists {
		lo, hi = min(lo, l[0]), max(hi, l[len(l)-1])
	}
	for lo < hi {
		// Values are durations in seconds or instants in microseconds
		// since 1970, far from overflowing hi-lo.
		mid := lo + (hi-lo)/2
		if r.atMost(mid) > k {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// atMost counts the values ≤ v.
func (r *runs) atMost(v int64) int {
	c := 0
	for _, l := range r.lists {
		switch {
		case l[len(l)-1] <= v:
			c += len(l)
		case l[0] > v:
		default:
			c += upperBound(l, v)
		}
	}
	return c
}

// below counts the values < v.
func (r *runs) below(v int64) int {
	if v == math.MinInt64 {
		return 0
	}
	return r.atMost(v - 1)
}

// upperBound is the number of values ≤ v in the ascending list l.
func upperBound(l []int64, v int64) int {
	i, j := 0, len(l)
	for i < j {
		h := int(uint(i+j) >> 1)
		if l[h] <= v {
			i = h + 1
		} else {
			j = h
		}
	}
	return i
}

// median is the middle value, or the mean of the two middle values; the
// second result is false for no values.
func median(r *runs) (float64, bool) {
	return medianOf(r, func(v int64) int64 { return v })
}

// medianOf is the median of f applied to every value, for an f that is
// monotone (either way): the order statistics of f(v) are f of those of
// v, so the median needs no list of f(v).
func medianOf(r *runs, f func(int64) int64) (float64, bool) {
	n := r.n
	if n == 0 {
		return 0, false
	}
	hi := f(r.nth(n / 2))
	if n%2 == 1 {
		return float64(hi), true
	}
	lo := f(r.nth(n/2 - 1))
	// Sum the smaller first, as the mean of sorted middles was always
	// summed; for a decreasing f the roles swap.
	return (float64(min(lo, hi)) + float64(max(lo, hi))) / 2, true
}

// p90 is the nearest-rank 90th percentile: the smallest value that at
// least 90 % of the values do not exceed.
func p90(r *runs) (float64, bool) {
	if r.n == 0 {
		return 0, false
	}
	return float64(r.nth(int(math.Ceil(0.9*float64(r.n))) - 1)), true
}
