package sortition

import (
	"cmp"
	"slices"
)

// swapper improves a quota-satisfying panel for a weighting of the types
// by exchanging one seated person for one of another type, as long as an
// exchange gains weight and keeps every quota. It is the fast, inexact
// half of the pricing step: a swap changes at most two counts per
// category, so checking it costs one step per category, and a local
// optimum is usually an improving column long before the exact search
// would have found one.
type swapper struct {
	in     *Instance
	x      []int   // seated per type
	seated [][]int // seated per category value
	order  []int   // types by weight, highest first
	seats  []int   // types with x > 0, lowest weight first
	free   []int   // types with members not seated, highest weight first
}

func newSwapper(in *Instance) *swapper {
	s := &swapper{in: in, x: make([]int, len(in.Types)), seated: make([][]int, len(in.Categories))}
	for c, cat := range in.Categories {
		s.seated[c] = make([]int, len(cat.Values))
	}
	s.order = make([]int, len(in.Types))
	for t := range s.order {
		s.order[t] = t
	}
	return s
}

// load makes counts (a quota-satisfying panel) the current panel.
func (s *swapper) load(counts []int) {
	copy(s.x, counts)
	for c := range s.seated {
		clear(s.seated[c])
	}
	for t, n := range counts {
		for c, v := range s.in.Types[t].Values {
			s.seated[c][v] += n
		}
	}
}

// canSwap reports whether seating one more of type b instead of one of
// type a keeps every quota.
func (s *swapper) canSwap(a, b int) bool {
	va, vb := s.in.Types[a].Values, s.in.Types[b].Values
	for c, cat := range s.in.Categories {
		if va[c] == vb[c] {
			continue
		}
		if s.seated[c][va[c]]-1 < cat.Values[va[c]].Min || s.seated[c][vb[c]]+1 > cat.Values[vb[c]].Max {
			return false
		}
	}
	return true
}

func (s *swapper) swap(a, b int) {
	s.x[a]--
	s.x[b]++
	for c := range s.in.Categories {
		s.seated[c][s.in.Types[a].Values[c]]--
		s.seated[c][s.in.Types[b].Values[c]]++
	}
}

// improve makes passes over the seated types, lowest weight first, and
// exchanges each for the heaviest type it can be exchanged for, until a
// pass gains nothing more than eps; it returns the panel's weight. A pass
// costs at most (seated types) × (types with free members) checks; the
// scan for one seated type stops at the first feasible partner, because
// partners are visited by falling weight.
func (s *swapper) improve(w []float64, eps float64) float64 {
	slices.SortFunc(s.order, func(a, b int) int { return cmp.Compare(w[b], w[a]) })
	for range 50 {
		s.free = s.free[:0]
		for _, t := range s.order {
			if s.x[t] < len(s.in.Types[t].Members) {
				s.free = append(s.free, t)
			}
		}
		s.seats = s.seats[:0]
		for i := len(s.order) - 1; i >= 0; i-- {
			if t := s.order[i]; s.x[t] > 0 {
				s.seats = append(s.seats, t)
			}
		}
		improved := false
		for _, a := range s.seats {
		next:
			for s.x[a] > 0 {
				for _, b := range s.free {
					if w[b]-w[a] <= eps {
						break
					}
					if b != a && s.x[b] < len(s.in.Types[b].Members) && s.canSwap(a, b) {
						s.swap(a, b)
						improved = true
						continue next
					}
				}
				break
			}
		}
		if !improved {
			break
		}
	}
	v := 0.0
	for t, n := range s.x {
		v += w[t] * float64(n)
	}
	return v
}
