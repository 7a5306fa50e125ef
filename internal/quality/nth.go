package quality

import "slices"

// nth returns the value that would be at index k if vs were sorted, and
// reorders vs so that no value before k is larger and none after k is
// smaller (quickselect). A year's durations are a million values; sorting
// them for two quantiles cost more than reading them.
func nth(vs []int64, k int) int64 {
	lo, hi := 0, len(vs)-1
	// A fixed-seed xorshift picks pivots: deterministic, and no input order
	// (sorted runs from the per-day lists) makes it quadratic.
	state := uint64(0x9E3779B97F4A7C15)
	for hi-lo > 32 {
		state ^= state << 13
		state ^= state >> 7
		state ^= state << 17
		p := lo + int(state%uint64(hi-lo+1))
		pivot := vs[p]
		// Three-way partition: < pivot, == pivot, > pivot, so many equal
		// values (whole hours, zeros) do not degrade it.
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch {
			case vs[i] < pivot:
				vs[lt], vs[i] = vs[i], vs[lt]
				lt++
				i++
			case vs[i] > pivot:
				vs[i], vs[gt] = vs[gt], vs[i]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return pivot
		}
	}
	slices.Sort(vs[lo : hi+1])
	return vs[k]
}
