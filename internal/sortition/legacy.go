package sortition

import (
	"math/rand/v2"
)

// legacy is the greedy quota-filling draw used by panels before 2021 (the
// Sortition Foundation's original algorithm): repeatedly find the value
// whose unmet minimum is largest relative to the people still available
// with it, seat a random such person, and drop everyone whose value has
// reached its maximum. A draw can run into a dead end; it is then
// repeated.
type legacy struct {
	in *Instance
	// per category value: people still available with it, and where each
	// person sits in that list
	lists    [][][]int
	where    [][]int // where[i][c] = index of person i in lists[c][value]
	selected [][]int
	active   []bool
	out      []int
}

func newLegacy(in *Instance) *legacy {
	l := &legacy{in: in, lists: make([][][]int, len(in.Categories)), selected: make([][]int, len(in.Categories))}
	for c, cat := range in.Categories {
		l.lists[c] = make([][]int, len(cat.Values))
		l.selected[c] = make([]int, len(cat.Values))
	}
	l.where = make([][]int, len(in.People))
	for i := range l.where {
		l.where[i] = make([]int, len(in.Categories))
	}
	l.active = make([]bool, len(in.People))
	return l
}

func (l *legacy) reset() {
	for c := range l.lists {
		for v := range l.lists[c] {
			l.lists[c][v] = l.lists[c][v][:0]
			l.selected[c][v] = 0
		}
	}
	for i, p := range l.in.People {
		for c, v := range p.Values {
			l.where[i][c] = len(l.lists[c][v])
			l.lists[c][v] = append(l.lists[c][v], i)
		}
		l.active[i] = true
	}
	// Values with a maximum of 0 exclude their people from the start.
	for c, cat := range l.in.Categories {
		for v, val := range cat.Values {
			if val.Max == 0 {
				for len(l.lists[c][v]) > 0 {
					l.remove(l.lists[c][v][0])
				}
			}
		}
	}
	l.out = l.out[:0]
}

func (l *legacy) remove(i int) {
	if !l.active[i] {
		return
	}
	l.active[i] = false
	for c, v := range l.in.People[i].Values {
		list := l.lists[c][v]
		k := l.where[i][c]
		last := list[len(list)-1]
		list[k] = last
		l.where[last][c] = k
		l.lists[c][v] = list[:len(list)-1]
	}
}

// draw makes one attempt; it returns false on a dead end.
func (l *legacy) draw(rng *rand.Rand) bool {
	l.reset()
	cats := l.in.Categories
	for len(l.out) < l.in.Seats {
		bc, bv, best := -1, -1, 0.0
		for c, cat := range cats {
			for v, val := range cat.Values {
				rem := len(l.lists[c][v])
				need := val.Min - l.selected[c][v]
				if need > rem {
					return false
				}
				if rem == 0 || val.Max == 0 {
					continue
				}
				ratio := float64(need) / float64(rem)
				if bc < 0 || ratio > best {
					bc, bv, best = c, v, ratio
				}
			}
		}
		if bc < 0 {
			return false
		}
		list := l.lists[bc][bv]
		i := list[rng.IntN(len(list))]
		l.remove(i)
		l.out = append(l.out, i)
		for c, v := range l.in.People[i].Values {
			l.selected[c][v]++
			if l.selected[c][v] >= cats[c].Values[v].Max {
				for len(l.lists[c][v]) > 0 {
					l.remove(l.lists[c][v][0])
				}
			}
		}
	}
	for c, cat := range cats {
		for v, val := range cat.Values {
			if l.selected[c][v] < val.Min {
				return false
			}
		}
	}
	return true
}

// legacyAttempts bounds the retries of one LEGACY draw.
const legacyAttempts = 10000

// drawPanel repeats draw until it succeeds; it returns the seated people.
func (l *legacy) drawPanel(rng *rand.Rand) ([]int, bool) {
	for range legacyAttempts {
		if l.draw(rng) {
			return append([]int(nil), l.out...), true
		}
	}
	return nil, false
}
