// Package mapindex answers the list queries behind Open311's request lists
// (the requests of a period, newest first, by box, service and state)
// from memory.
//
// Such a list over SQL reads the row of every request of the page: with a
// thousand per page that is most of the query, on either database, however
// the rows are found. This package keeps, per jurisdiction, what the query
// needs of each request (its pin: ID, version, submission time, position,
// service, state, duplicate mark) in grid cells sorted by time (requests
// without a position in a cell of their own), and merges the cells of a
// box, or all of them, newest first. The caller takes the rest of each
// request by its version from its own cache.
//
// The pins follow the database through its change feed (store.PinChanges,
// migration 00018): before answering, a query reads what was submitted or
// changed since the last read, so an answer holds every write committed
// before the query began, on any number of app nodes. When a query is
// reading, others that arrived before it began do not read again.
package mapindex

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/geo"
	"github.com/rathaus/rathaus/internal/store"
)

// DefaultWindow is how far back an index holds pins. Queries that reach
// further back are left to SQL (Find reports !ok). Four hundred days cover
// every map and Open311 window up to a year; a city with 1.5 million
// requests a year holds about 80 MB per app node.
const DefaultWindow = 400 * 24 * time.Hour

// Index holds the pins of every jurisdiction that has been queried.
type Index struct {
	db     *store.DB
	now    func() time.Time
	window time.Duration

	mu      sync.Mutex
	jurs    map[int64]*jurisdiction
	loading chan struct{} // one slot: the jurisdiction loading now
}

// New returns an empty index over db; window is how far back from its
// loading a jurisdiction's pins are held (DefaultWindow when 0).
func New(db *store.DB, now func() time.Time, window time.Duration) *Index {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Index{db: db, now: now, window: window, jurs: map[int64]*jurisdiction{}, loading: make(chan struct{}, 1)}
}

// Query selects requests submitted in [From, To) (To zero: no end), with
// the given service codes and states (empty: any), located in Box (nil:
// any request, located or not), newest first (submission time, then ID,
// both descending).
type Query struct {
	Box          *geo.BBox
	From, To     time.Time
	ServiceCodes []string
	States       []rathaus.State
	PublicOnly   bool // leave out merged duplicates
	Offset       int
	Limit        int // store.DefaultLimit when ≤ 0 or above store.MaxLimit, as in store.Requests
}

// Find answers q for a jurisdiction with requests that carry ID, Version,
// SubmittedAt and the position (as store.RequestFilter.VersionsOnly). ok
// is false when the index cannot answer: the jurisdiction's pins are
// still loading (the first query starts that in the background), or q
// reaches back before what the index holds.
func (x *Index) Find(ctx context.Context, jurisdictionID int64, q Query) (rs []*rathaus.Request, ok bool, err error) {
	j := x.jurisdiction(jurisdictionID)
	select {
	case <-j.ready:
	default:
		return nil, false, nil
	}
	if j.err != nil {
		x.forget(j)
		return nil, false, j.err
	}
	if err := j.refresh(ctx, x.db, x.now(), x.window); err != nil {
		return nil, false, err
	}
	rs, ok = j.find(q)
	return rs, ok, nil
}

// Warm starts loading a jurisdiction's pins, unless they are loaded or
// loading already, and waits for them (or for ctx). Queries meanwhile are
// left to SQL, as always while a jurisdiction loads.
func (x *Index) Warm(ctx context.Context, jurisdictionID int64) error {
	j := x.jurisdiction(jurisdictionID)
	select {
	case <-j.ready:
	case <-ctx.Done():
		return ctx.Err()
	}
	if j.err != nil {
		x.forget(j)
	}
	return j.err
}

// jurisdiction returns the index of a jurisdiction, starting its loading
// in the background when it is not there yet.
func (x *Index) jurisdiction(id int64) *jurisdiction {
	x.mu.Lock()
	defer x.mu.Unlock()
	j := x.jurs[id]
	if j == nil {
		j = &jurisdiction{id: id, ready: make(chan struct{}), since: x.now().Add(-x.window).UnixMicro(), cells: map[int64]*cell{}}
		x.jurs[id] = j
		// Detached from the request that asked first: its end must not
		// stop the loading that every later query waits for. One
		// jurisdiction loads at a time, so that a crawler asking for many
		// at once does not take every reader connection.
		go func() {
			x.loading <- struct{}{}
			defer func() { <-x.loading }()
			j.load(context.Background(), x.db, x.now())
		}()
	}
	return j
}

// forget drops a jurisdiction whose loading failed, so that the next
// query tries again.
func (x *Index) forget(j *jurisdiction) {
	x.mu.Lock()
	if x.jurs[j.id] == j {
		delete(x.jurs, j.id)
	}
	x.mu.Unlock()
}

// jurisdiction is the index of one jurisdiction.
type jurisdiction struct {
	id    int64
	ready chan struct{} // closed when loaded (err set if that failed)
	err   error

	// refreshing serialises reads of the change feed; polled is when the
	// last completed read began, mark where it ended.
	refreshing sync.Mutex
	polled     time.Time
	mark       store.ChangeMark
	pruned     time.Time // when pins older than the window were last dropped

	mu       sync.RWMutex
	since    int64 // µs: every pin submitted from here on is held
	cells    map[int64]*cell
	services interner
	states   interner
}

// cell holds the pins of one grid cell (geo.Cell), or of the requests
// without a position (unlocated), sorted by submission time and then ID,
// ascending, so that new pins are appended.
type cell struct {
	pins []pin
}

// unlocated is the key of the cell of requests without a position; no
// grid cell has a negative number.
const unlocated = -1

type pin struct {
	id, version int64
	t           int64 // submission, µs since the Unix epoch
	lat, lon    float64
	service     uint32 // in jurisdiction.services
	state       uint16 // in jurisdiction.states
	located     bool
	duplicate   bool
}

func (j *jurisdiction) load(ctx context.Context, db *store.DB, now time.Time) {
	defer close(j.ready)
	started := time.Now()
	mark, err := db.ChangeMark(ctx)
	if err == nil {
		err = db.ReadTx(ctx, func(tx *store.Tx) error {
			return tx.RequestPins(ctx, j.id, time.UnixMicro(j.since), func(p store.Pin) {
				c := j.cell(p)
				c.pins = append(c.pins, j.pin(p))
			})
		})
	}
	if err != nil {
		j.err = fmt.Errorf("mapindex: load jurisdiction %d: %w", j.id, err)
		return
	}
	for _, c := range j.cells {
		slices.SortFunc(c.pins, comparePins)
	}
	j.mark, j.polled, j.pruned = mark, started, now
}

// pruneEvery is how often a jurisdiction drops the pins that have left its
// window, which keeps its memory to the window's requests.
const pruneEvery = time.Hour

// refresh applies what the change feed holds since the last read, unless
// a read that began after this call was made has completed meanwhile; and
// now and then drops the pins that have left the window.
func (j *jurisdiction) refresh(ctx context.Context, db *store.DB, now time.Time, window time.Duration) error {
	arrived := time.Now()
	j.refreshing.Lock()
	defer j.refreshing.Unlock()
	if now.Sub(j.pruned) > pruneEvery {
		j.prune(now.Add(-window).UnixMicro())
		j.pruned = now
	}
	if j.polled.After(arrived) {
		return nil
	}
	began := time.Now()
	// Most reads find nothing new: one statement, no transaction, says so.
	next, err := db.ChangeMark(ctx)
	if err != nil {
		return fmt.Errorf("mapindex: changes of jurisdiction %d: %w", j.id, err)
	}
	if next.Equal(j.mark) {
		j.polled = began
		return nil
	}
	var changed []store.Pin
	err = db.ReadTx(ctx, func(tx *store.Tx) error {
		changed = changed[:0]
		return tx.PinChanges(ctx, j.id, j.mark, func(p store.Pin) { changed = append(changed, p) })
	})
	if err != nil {
		return fmt.Errorf("mapindex: changes of jurisdiction %d: %w", j.id, err)
	}
	if len(changed) > 0 {
		j.mu.Lock()
		for _, p := range changed {
			j.apply(p)
		}
		j.mu.Unlock()
	}
	j.mark, j.polled = next, began
	return nil
}

// prune drops the pins submitted before since and moves the window's start
// there. The cells keep their arrays, which new pins fill again.
func (j *jurisdiction) prune(since int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if since <= j.since {
		return
	}
	for k, c := range j.cells {
		n := firstAt(c.pins, since)
		if n == len(c.pins) {
			delete(j.cells, k)
			continue
		}
		c.pins = slices.Delete(c.pins, 0, n)
	}
	j.since = since
}

// apply puts p into its cell, in place of the pin with its ID if that is
// there. Position and submission time never change, so it is found by
// them.
func (j *jurisdiction) apply(p store.Pin) {
	if p.SubmittedAt < j.since {
		return
	}
	c, np := j.cell(p), j.pin(p)
	i, found := slices.BinarySearchFunc(c.pins, np, comparePins)
	if found {
		c.pins[i] = np
		return
	}
	c.pins = slices.Insert(c.pins, i, np)
}

func (j *jurisdiction) cell(p store.Pin) *cell {
	k := int64(unlocated)
	if p.HasLocation {
		k = geo.Cell(geo.Point{Lat: p.Lat, Lon: p.Lon})
	}
	c := j.cells[k]
	if c == nil {
		c = &cell{}
		j.cells[k] = c
	}
	return c
}

func (j *jurisdiction) pin(p store.Pin) pin {
	return pin{id: p.ID, version: p.Version, t: p.SubmittedAt, lat: p.Lat, lon: p.Lon, located: p.HasLocation,
		service: uint32(j.services.id(p.ServiceCode)), state: uint16(j.states.id(string(p.State))), duplicate: p.Duplicate}
}

// comparePins orders pins by submission time, then ID.
func comparePins(a, b pin) int {
	if c := cmp.Compare(a.t, b.t); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// interner numbers the distinct names of a small set (service codes,
// states) from 0, in order of first sight.
type interner struct {
	ids   map[string]int
	names []string
}

func (n *interner) id(name string) int {
	if id, ok := n.ids[name]; ok {
		return id
	}
	if n.ids == nil {
		n.ids = map[string]int{}
	}
	id := len(n.names)
	n.ids[name] = id
	n.names = append(n.names, name)
	return id
}

// lookup returns the number of name, or false if it was never seen.
func (n *interner) lookup(name string) (int, bool) {
	id, ok := n.ids[name]
	return id, ok
}
