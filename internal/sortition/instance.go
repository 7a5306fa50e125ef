// Package sortition draws demographically balanced panels by lot (an
// employee council, a citizens' assembly): LEGACY, the greedy
// quota-filling draw that panels used before 2021, and LEXIMIN (Flanigan,
// Gölz, Gupta, Hennig, Procaccia, Nature 2021), the distribution over
// quota-satisfying panels that maximises the lowest selection probability,
// then the second-lowest, and so on. Draws are reproducible from a
// recorded seed.
//
// People with the same values in every category are interchangeable, so
// all programs work on profile types (a value vector with a count), which
// keeps them small; probabilities are spread evenly within a type.
package sortition

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rathaus/rathaus"
)

// Instance is a validated draw problem: a pool, quotas and a panel size.
type Instance struct {
	Categories []Category
	People     []Person
	Seats      int
	Types      []Type // people grouped by identical value vectors, in order of first appearance
	typeOf     []int  // type index per person
}

// Type is a profile: the people sharing one value per category.
type Type struct {
	Values  []int // value index per category
	Members []int // person indexes, in input order
}

// NewInstance validates people, quotas and seats and groups people into
// profile types. Quotas that cannot be met are reported with the quota
// and the shortfall.
func NewInstance(cats []Category, people []Person, seats int) (*Instance, error) {
	in := &Instance{Categories: cats, People: people, Seats: seats}
	probs := problems{field: "quotas"}
	if seats <= 0 {
		return nil, rathaus.Invalidf("seats", "Zahl der Sitze muss größer als 0 sein, nicht %d", seats)
	}
	if seats > len(people) {
		return nil, rathaus.Invalidf("seats", "%d Sitze, aber nur %d Personen im Pool (%d fehlen)", seats, len(people), seats-len(people))
	}
	ids := map[string]bool{}
	for _, p := range people {
		if ids[p.ID] {
			return nil, rathaus.Invalidf("people", "Kennung %q doppelt", p.ID)
		}
		ids[p.ID] = true
		if len(p.Values) != len(cats) {
			return nil, fmt.Errorf("sortition: person %s has %d values for %d categories", p.ID, len(p.Values), len(cats))
		}
		for c, v := range p.Values {
			if v < 0 || v >= len(cats[c].Values) {
				return nil, fmt.Errorf("sortition: person %s: value index %d out of range in %s", p.ID, v, cats[c].Name)
			}
		}
	}
	avail := in.available()
	for c, cat := range cats {
		sumMin, sumMax := 0, 0
		for v, val := range cat.Values {
			if val.Min > val.Max {
				probs.addf("Quote %s=%s: Minimum %d größer als Maximum %d", cat.Name, val.Name, val.Min, val.Max)
			}
			if val.Min > avail[c][v] {
				probs.addf("Quote %s=%s: Minimum %d, aber nur %d Personen mit diesem Wert im Pool (%d fehlen)", cat.Name, val.Name, val.Min, avail[c][v], val.Min-avail[c][v])
			}
			sumMin += val.Min
			sumMax += min(val.Max, avail[c][v])
		}
		if sumMin > seats {
			probs.addf("Kategorie %s: Die Minima ergeben zusammen %d, mehr als die %d Sitze (%d zu viel)", cat.Name, sumMin, seats, sumMin-seats)
		}
		if sumMax < seats {
			probs.addf("Kategorie %s: Höchstens %d Sitze belegbar (Maxima, begrenzt durch die Personen im Pool), %d zu wenig für %d Sitze", cat.Name, sumMax, seats-sumMax, seats)
		}
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	in.group()
	return in, nil
}

// available counts the pool per category value.
func (in *Instance) available() [][]int {
	avail := make([][]int, len(in.Categories))
	for c, cat := range in.Categories {
		avail[c] = make([]int, len(cat.Values))
	}
	for _, p := range in.People {
		for c, v := range p.Values {
			avail[c][v]++
		}
	}
	return avail
}

func (in *Instance) group() {
	index := map[string]int{}
	in.typeOf = make([]int, len(in.People))
	var key strings.Builder
	for i, p := range in.People {
		key.Reset()
		for _, v := range p.Values {
			key.WriteString(strconv.Itoa(v))
			key.WriteByte(',')
		}
		t, ok := index[key.String()]
		if !ok {
			t = len(in.Types)
			index[key.String()] = t
			in.Types = append(in.Types, Type{Values: p.Values})
		}
		in.Types[t].Members = append(in.Types[t].Members, i)
		in.typeOf[i] = t
	}
}

// TypeOf returns the profile type index of person i.
func (in *Instance) TypeOf(i int) int { return in.typeOf[i] }

// Describe renders a profile, e.g. "gender=female, age=16-29".
func (in *Instance) Describe(values []int) string {
	parts := make([]string, len(values))
	for c, v := range values {
		parts[c] = in.Categories[c].Name + "=" + in.Categories[c].Values[v].Name
	}
	return strings.Join(parts, ", ")
}

// checkPanel reports whether counts (people per type) fill the seats and
// meet every quota.
func (in *Instance) checkPanel(counts []int) error {
	seated := make([][]int, len(in.Categories))
	for c, cat := range in.Categories {
		seated[c] = make([]int, len(cat.Values))
	}
	total := 0
	for t, n := range counts {
		if n < 0 || n > len(in.Types[t].Members) {
			return fmt.Errorf("type %d: %d of %d seated", t, n, len(in.Types[t].Members))
		}
		total += n
		for c, v := range in.Types[t].Values {
			seated[c][v] += n
		}
	}
	if total != in.Seats {
		return fmt.Errorf("%d seated, want %d", total, in.Seats)
	}
	for c, cat := range in.Categories {
		for v, val := range cat.Values {
			if s := seated[c][v]; s < val.Min || s > val.Max {
				return fmt.Errorf("%s=%s: %d seated, quota %d–%d", cat.Name, val.Name, s, val.Min, val.Max)
			}
		}
	}
	return nil
}

// ReduceForKept returns the quotas and seat count that remain when the
// people with the value vectors kept already sit on a panel of seats
// (replacements after drop-outs): each kept person counts against the
// quotas of their values.
func ReduceForKept(cats []Category, kept [][]int, seats int) ([]Category, int, error) {
	probs := problems{field: "already_selected"}
	if len(kept) > seats {
		return nil, 0, rathaus.Invalidf("already_selected", "%d Personen schon ausgewählt, aber nur %d Sitze", len(kept), seats)
	}
	out := make([]Category, len(cats))
	for c, cat := range cats {
		out[c] = Category{Name: cat.Name, Values: append([]Value(nil), cat.Values...)}
	}
	for _, vals := range kept {
		for c, v := range vals {
			out[c].Values[v].Min--
			out[c].Values[v].Max--
		}
	}
	for c := range out {
		for v := range out[c].Values {
			val := &out[c].Values[v]
			if val.Max < 0 {
				probs.addf("Quote %s=%s: Die schon Ausgewählten überschreiten das Maximum %d um %d", out[c].Name, val.Name, cats[c].Values[v].Max, -val.Max)
				val.Max = 0
			}
			val.Min = max(val.Min, 0)
		}
	}
	if err := probs.err(); err != nil {
		return nil, 0, err
	}
	return out, seats - len(kept), nil
}
