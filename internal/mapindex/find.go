package mapindex

import (
	"math"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/geo"
	"github.com/rathaus/rathaus/internal/store"
)

// maxBoxCells bounds the grid cells that a query lists from its box; a
// larger box walks the jurisdiction's cells instead (a city has a few
// thousand).
const maxBoxCells = 1024

// find answers q from the pins held; ok is false if q reaches back before
// them.
func (j *jurisdiction) find(q Query) (rs []*rathaus.Request, ok bool) {
	j.mu.RLock()
	defer j.mu.RUnlock()
	if q.From.IsZero() || q.From.UnixMicro() < j.since {
		return nil, false
	}
	services, ok := j.services.want(q.ServiceCodes)
	if !ok {
		return nil, true
	}
	states, ok := j.states.want(stateNames(q.States))
	if !ok {
		return nil, true
	}
	from, to := q.From.UnixMicro(), int64(math.MaxInt64)
	if !q.To.IsZero() {
		to = q.To.UnixMicro()
	}

	// One cursor per cell over its pins of the period, each read from its
	// newest pin down; the heap always holds the newest pin not yet taken.
	var h cursors
	visit := func(c *cell) {
		lo, hi := firstAt(c.pins, from), firstAt(c.pins, to)
		if lo < hi {
			h = append(h, cursor{pins: c.pins[lo:hi], i: hi - lo - 1, t: c.pins[hi-1].t, id: c.pins[hi-1].id})
		}
	}
	if q.Box == nil {
		for _, c := range j.cells {
			visit(c)
		}
	} else if keys, ok := geo.CellsCovering(*q.Box, maxBoxCells); ok {
		for _, k := range keys {
			if c := j.cells[k]; c != nil {
				visit(c)
			}
		}
	} else {
		for k, c := range j.cells {
			if k != unlocated && geo.CellIntersects(k, *q.Box) {
				visit(c)
			}
		}
	}
	h.init()

	skip, limit := max(q.Offset, 0), q.Limit
	if limit <= 0 || limit > store.MaxLimit {
		limit = store.DefaultLimit // as store.Requests
	}
	var out []*rathaus.Request
	var buf []rathaus.Request // one allocation for the page's requests
	for len(h) > 0 && len(out) < limit {
		top := &h[0]
		p := &top.pins[top.i]
		if (q.Box == nil || q.Box.Contains(geo.Point{Lat: p.lat, Lon: p.lon})) && (services == nil || services[p.service]) &&
			(states == nil || states[p.state]) && !(q.PublicOnly && p.duplicate) {
			if skip > 0 {
				skip--
			} else {
				if len(buf) == cap(buf) {
					buf = make([]rathaus.Request, 0, min(limit-len(out), 1024))
				}
				buf = append(buf, rathaus.Request{ID: p.id, JurisdictionID: j.id, Version: p.version, SubmittedAt: time.UnixMicro(p.t).UTC(),
					HasLocation: p.located, Lat: p.lat, Lon: p.lon})
				out = append(out, &buf[len(buf)-1])
			}
		}
		h.advance()
	}
	return out, true
}

// firstAt returns the index of the first pin submitted at or after t (a
// binary search written out: the generic one was a third of a query).
func firstAt(pins []pin, t int64) int {
	lo, hi := 0, len(pins)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if pins[m].t < t {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// want returns which numbers of the interner the names select: nil for
// "any" (no names), and false when none of the names was ever seen, so
// that nothing can match.
func (n *interner) want(names []string) ([]bool, bool) {
	if len(names) == 0 {
		return nil, true
	}
	w := make([]bool, len(n.names))
	seen := false
	for _, name := range names {
		if id, ok := n.lookup(name); ok {
			w[id], seen = true, true
		}
	}
	return w, seen
}

func stateNames(states []rathaus.State) []string {
	names := make([]string, len(states))
	for i, s := range states {
		names[i] = string(s)
	}
	return names
}

// cursor walks one cell's pins of the period from the newest down; i is
// the next pin to take, t and id its key (kept here so that the heap
// compares without following pins).
type cursor struct {
	pins  []pin
	i     int
	t, id int64
}

func (c *cursor) after(d *cursor) bool { return c.t > d.t || c.t == d.t && c.id > d.id }

// cursors is a max-heap of cursors by their next pin (time, then ID),
// written out rather than through container/heap: the merge is most of a
// map query, and the interface calls were half of it.
type cursors []cursor

func (h cursors) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// advance moves the top cursor to its next pin, dropping it when it has
// none left.
func (h *cursors) advance() {
	top := &(*h)[0]
	if top.i--; top.i >= 0 {
		top.t, top.id = top.pins[top.i].t, top.pins[top.i].id
	} else {
		last := len(*h) - 1
		(*h)[0] = (*h)[last]
		*h = (*h)[:last]
	}
	if len(*h) > 0 {
		h.down(0)
	}
}

func (h cursors) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].after(&h[l]) {
			m = r
		}
		if !h[m].after(&h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
