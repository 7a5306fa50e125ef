package casework

import (
	"context"
	"fmt"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/geo"
	"github.com/rathaus/rathaus/internal/mapindex"
	"github.com/rathaus/rathaus/internal/store"
)

// Query selects requests for lists, maps and Open311.
type Query struct {
	IDs          []int64
	ServiceCodes []string
	States       []rathaus.State
	From, To     time.Time // submitted in [From, To)
	DepartmentID int64
	BBox         *geo.BBox
	// Near and Radius select requests within Radius metres of Near.
	Near       *geo.Point
	Radius     float64
	PublicOnly bool
	// PublicFields reads only the fields public lists show.
	PublicFields bool
	// VersionsOnly reads only ID, Version, SubmittedAt and the position
	// (store.RequestFilter.VersionsOnly).
	VersionsOnly bool
	Limit        int
	Offset       int
}

// maxRadius bounds radius queries so that a client cannot ask for a scan
// of a whole region through the cell index.
const maxRadius = 5000

// maxBoxCells is the largest bbox (in grid cells of about 280×270 m) read
// through the cell index: about 4×4 km.
const maxBoxCells = 225

// List returns the requests matching q, newest first.
func (c *Cases) List(ctx context.Context, j *rathaus.Jurisdiction, q Query) ([]*rathaus.Request, error) {
	f := store.RequestFilter{JurisdictionID: j.ID, IDs: q.IDs, ServiceCodes: q.ServiceCodes, States: q.States,
		SubmittedFrom: q.From, SubmittedTo: q.To, DepartmentID: q.DepartmentID, PublicOnly: q.PublicOnly,
		PublicFields: q.PublicFields, VersionsOnly: q.VersionsOnly, Limit: q.Limit, Offset: q.Offset}
	if q.BBox != nil {
		f.HasBox, f.MinLat, f.MinLon, f.MaxLat, f.MaxLon = true, q.BBox.MinLat, q.BBox.MinLon, q.BBox.MaxLat, q.BBox.MaxLon
		// A box of up to a few kilometres is read through the cell index;
		// a larger one through the time index, where the newest matches
		// come first anyway.
		if cells, ok := geo.CellsCovering(*q.BBox, maxBoxCells); ok {
			f.Cells = cells
		}
	}
	if q.Near != nil {
		if q.Radius <= 0 || q.Radius > maxRadius {
			return nil, rathaus.Invalidf("radius", "must be between 1 and %d metres", maxRadius)
		}
		b := geo.BBoxAround(*q.Near, q.Radius)
		if q.BBox != nil {
			return nil, rathaus.Invalidf("bbox", "use either bbox or lat/long/radius, not both")
		}
		f.HasBox, f.MinLat, f.MinLon, f.MaxLat, f.MaxLon = true, b.MinLat, b.MinLon, b.MaxLat, b.MaxLon
		if cells, ok := geo.CellsCovering(b, 64); ok {
			f.Cells = cells
		}
	}
	out, err := c.readMap(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("casework: list requests: %w", err)
	}
	if q.Near != nil {
		// The bbox and cells over-select at the corners; keep the circle.
		kept := out[:0]
		for _, r := range out {
			if geo.Distance(*q.Near, geo.Point{Lat: r.Lat, Lon: r.Lon}) <= q.Radius {
				kept = append(kept, r)
			}
		}
		out = kept
	}
	return out, nil
}

// readMap answers a list of versions (what the Open311 entry cache needs)
// from the map index when it can: by box, service, state and period.
// Everything else, and anything the index cannot answer yet, goes to
// readBox.
func (c *Cases) readMap(ctx context.Context, f store.RequestFilter) ([]*rathaus.Request, error) {
	if c.maps == nil || !f.VersionsOnly || len(f.IDs) > 0 || f.DepartmentID != 0 {
		return c.readBox(ctx, f)
	}
	q := mapindex.Query{From: f.SubmittedFrom, To: f.SubmittedTo, ServiceCodes: f.ServiceCodes, States: f.States,
		PublicOnly: f.PublicOnly, Offset: f.Offset, Limit: f.Limit}
	if f.HasBox {
		q.Box = &geo.BBox{MinLat: f.MinLat, MinLon: f.MinLon, MaxLat: f.MaxLat, MaxLon: f.MaxLon}
	}
	out, ok, err := c.maps.Find(ctx, f.JurisdictionID, q)
	if err != nil {
		// The index is a shortcut: SQL can still answer.
		c.log.WarnContext(ctx, "map index failed, answering from SQL", "err", err)
	}
	if !ok || err != nil {
		return c.readBox(ctx, f)
	}
	return out, nil
}

// readBox runs the list query. A box query cannot read its index in time
// order (the index is spatial first), so the database must sort every
// match of the period to return the newest page; in a busy area over 90
// days that is tens of thousands of rows. So the period is read in
// disjoint slices from its end backwards, each sorted and limited to what
// is still missing: the slices' results follow one another in the list's
// order (newest first), and the query stops at the slice that fills the
// page. The first slice is a day; each further one is sized from the
// density seen so far, so a busy area reads little more than a page and a
// quiet one a few slices.
func (c *Cases) readBox(ctx context.Context, f store.RequestFilter) ([]*rathaus.Request, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	need := f.Offset + limit
	if !f.HasBox || f.SubmittedFrom.IsZero() || len(f.IDs) > 0 || need > store.MaxLimit || f.OneServiceNearby() {
		return c.read(ctx, f)
	}
	var out []*rathaus.Request
	end := f.SubmittedTo // zero: no upper bound for the first slice
	covered, span := time.Duration(0), 24*time.Hour
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		// Where the store can count the box's matches cheaply, the first
		// slice is sized from the count of its last week, as if the
		// matches were spread evenly: the last day alone says little (it
		// held a tenth of the average in busy areas of the benchmark, and
		// the slice after it then read the whole period), while counting
		// the whole period walked every match of a busy box (tens of
		// thousands; half of a map query's time).
		to := end
		if to.IsZero() {
			to = c.now()
		}
		if period := to.Sub(f.SubmittedFrom); period > 0 {
			window := min(period, countWindow)
			g := f
			g.SubmittedFrom, g.SubmittedTo = to.Add(-window), end
			n, ok, err := tx.CountInBox(ctx, g)
			if err != nil {
				return err
			}
			if ok {
				span = period
				if n > 0 {
					span = min(max(time.Duration(float64(window)*float64(need)/float64(n)*1.5), time.Hour), period)
				}
			}
		}
		for {
			g := f
			g.Offset, g.Limit, g.SubmittedTo = 0, need-len(out), end
			if end.IsZero() {
				end = c.now()
			}
			g.SubmittedFrom = end.Add(-span)
			last := !g.SubmittedFrom.After(f.SubmittedFrom)
			if last {
				g.SubmittedFrom = f.SubmittedFrom
			}
			rs, err := tx.Requests(ctx, g)
			if err != nil {
				return err
			}
			out = append(out, rs...)
			covered += span
			if last || len(out) >= need {
				return nil
			}
			end = g.SubmittedFrom
			span = nextSlice(covered, len(out), need)
		}
	})
	if err != nil {
		return nil, err
	}
	if f.Offset >= len(out) {
		return nil, nil
	}
	return out[f.Offset:], nil
}

// countWindow is the end of a box query's period whose matches size its
// first time slice.
const countWindow = 7 * 24 * time.Hour

// nextSlice sizes the next time slice of readBox: the time the missing
// rows take at the density seen so far, with a margin so that one more
// slice usually suffices; four times the covered period when nothing
// matched yet.
func nextSlice(covered time.Duration, got, need int) time.Duration {
	if got == 0 {
		return 4 * covered
	}
	est := time.Duration(float64(covered) * float64(need-got) / float64(got) * 1.5)
	return max(est, covered/4, time.Hour)
}

// read runs one list query.
func (c *Cases) read(ctx context.Context, f store.RequestFilter) ([]*rathaus.Request, error) {
	var out []*rathaus.Request
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.Requests(ctx, f)
		return err
	})
	return out, err
}

// Nearby returns open requests of the same service within radius metres
// submitted since since: the candidates a new report may duplicate.
func (c *Cases) Nearby(ctx context.Context, j *rathaus.Jurisdiction, serviceCode string, p geo.Point, radius float64, since time.Time) ([]*rathaus.Request, error) {
	return c.List(ctx, j, Query{ServiceCodes: []string{serviceCode}, Near: &p, Radius: radius, From: since, PublicOnly: true,
		States: []rathaus.State{rathaus.StateNew, rathaus.StateAccepted, rathaus.StateInProgress, rathaus.StateWaiting}, Limit: 50})
}

// Get returns one request.
func (c *Cases) Get(ctx context.Context, j *rathaus.Jurisdiction, id int64) (*rathaus.Request, error) {
	var r *rathaus.Request
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		r, err = tx.Request(ctx, j.ID, id)
		return err
	})
	return r, err
}

// ByToken returns the request behind an Open311 token or status link.
func (c *Cases) ByToken(ctx context.Context, j *rathaus.Jurisdiction, token string) (*rathaus.Request, error) {
	var r *rathaus.Request
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		r, err = tx.RequestByToken(ctx, j.ID, token)
		return err
	})
	return r, err
}

// Details holds the history and photos of a set of requests, by request ID.
type Details struct {
	Events map[int64][]*rathaus.Event
	Media  map[int64][]*rathaus.Media
}

// Details loads events and photos of the given requests in one read.
func (c *Cases) Details(ctx context.Context, ids ...int64) (Details, error) {
	d := Details{Events: map[int64][]*rathaus.Event{}, Media: map[int64][]*rathaus.Media{}}
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		evs, err := tx.Events(ctx, ids...)
		if err != nil {
			return err
		}
		for _, e := range evs {
			d.Events[e.RequestID] = append(d.Events[e.RequestID], e)
		}
		ms, err := tx.Media(ctx, ids...)
		d.Media = byRequest(ms)
		return err
	})
	return d, err
}

// PublicRequests reads the public fields and the photos of the requests
// with the given IDs in one read: what a list needs of the requests it
// has no encoded entry for.
func (c *Cases) PublicRequests(ctx context.Context, j *rathaus.Jurisdiction, ids []int64) ([]*rathaus.Request, map[int64][]*rathaus.Media, error) {
	var rs []*rathaus.Request
	var photos map[int64][]*rathaus.Media
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		if rs, err = tx.Requests(ctx, store.RequestFilter{JurisdictionID: j.ID, IDs: ids, PublicFields: true, Limit: len(ids)}); err != nil {
			return err
		}
		ms, err := tx.Media(ctx, ids...)
		photos = byRequest(ms)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("casework: public requests: %w", err)
	}
	return rs, photos, nil
}

// Update is a public change of a request, for the servicerequestupdates feed.
type Update struct {
	Event   *rathaus.Event
	Request *rathaus.Request
}

// Updates returns public events in [from, to), oldest first, with their requests.
func (c *Cases) Updates(ctx context.Context, j *rathaus.Jurisdiction, from, to time.Time, limit int) ([]Update, error) {
	var out []Update
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		evs, err := tx.PublicEventsBetween(ctx, j.ID, from, to, limit)
		if err != nil {
			return err
		}
		ids := make([]int64, 0, len(evs))
		seen := map[int64]bool{}
		for _, e := range evs {
			if !seen[e.RequestID] {
				seen[e.RequestID] = true
				ids = append(ids, e.RequestID)
			}
		}
		byID := map[int64]*rathaus.Request{}
		for start := 0; start < len(ids); start += 500 {
			chunk := ids[start:min(start+500, len(ids))]
			rs, err := tx.Requests(ctx, store.RequestFilter{JurisdictionID: j.ID, IDs: chunk, Limit: len(chunk)})
			if err != nil {
				return err
			}
			for _, r := range rs {
				byID[r.ID] = r
			}
		}
		for _, e := range evs {
			if r := byID[e.RequestID]; r != nil {
				out = append(out, Update{Event: e, Request: r})
			}
		}
		return nil
	})
	return out, err
}

// Services returns the active services of a jurisdiction, by group and
// name, from the short-lived catalogue cache (every Open311 call and page
// needs them). The services are copies the caller may change.
func (c *Cases) Services(ctx context.Context, j *rathaus.Jurisdiction) ([]*rathaus.Service, error) {
	cp, err := c.compiledFor(ctx, j)
	if err != nil {
		return nil, err
	}
	out := make([]*rathaus.Service, len(cp.active))
	for i, s := range cp.active {
		cs := *s
		out[i] = &cs
	}
	return out, nil
}

// Service returns one service by code, active or not.
func (c *Cases) Service(ctx context.Context, j *rathaus.Jurisdiction, code string) (*rathaus.Service, error) {
	cp, err := c.compiledFor(ctx, j)
	if err != nil {
		return nil, err
	}
	s, ok := cp.services[code]
	if !ok {
		return nil, rathaus.NotFoundf("service %q not found", code)
	}
	cs := *s
	return &cs, nil
}

// Departments returns the departments of a jurisdiction by name.
func (c *Cases) Departments(ctx context.Context, j *rathaus.Jurisdiction) ([]*rathaus.Department, error) {
	cp, err := c.compiledFor(ctx, j)
	if err != nil {
		return nil, err
	}
	out := make([]*rathaus.Department, len(cp.depts))
	for i, d := range cp.depts {
		cd := *d
		out[i] = &cd
	}
	return out, nil
}

// Photo returns one photo by ID; hidden photos are reported as not found
// unless includeHidden is set (staff views).
func (c *Cases) Photo(ctx context.Context, j *rathaus.Jurisdiction, id int64, includeHidden bool) (*rathaus.Media, error) {
	var m *rathaus.Media
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		m, err = tx.MediaByID(ctx, j.ID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !m.Public && !includeHidden {
		return nil, rathaus.NotFoundf("media %d not found", id)
	}
	return m, nil
}

// Photos loads the photos of the given requests, by request ID, without
// their histories (lists that show only a media URL).
func (c *Cases) Photos(ctx context.Context, ids ...int64) (map[int64][]*rathaus.Media, error) {
	var out map[int64][]*rathaus.Media
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		ms, err := tx.Media(ctx, ids...)
		out = byRequest(ms)
		return err
	})
	return out, err
}

// byRequest groups photos by their request, keeping their order.
func byRequest(ms []*rathaus.Media) map[int64][]*rathaus.Media {
	out := map[int64][]*rathaus.Media{}
	for _, m := range ms {
		out[m.RequestID] = append(out[m.RequestID], m)
	}
	return out
}
