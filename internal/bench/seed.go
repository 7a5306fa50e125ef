package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/calendar"
	"github.com/rathaus/rathaus/internal/geo"
	"github.com/rathaus/rathaus/internal/store"
)

// SeedConfig describes the reports SeedReports invents.
type SeedConfig struct {
	Reports  int
	Now      time.Time // reports are submitted in the year before Now
	Seed     uint64    // the same seed gives the same reports (tokens aside)
	Batch    int       // reports per transaction; 0 means 20,000
	HotSpots int       // 0 means 30
	// UniformShare is the fraction of reports spread evenly over the
	// whole area instead of around hot spots; negative means 0, 0 means 0.2.
	UniformShare float64
	// Progress, if not nil, is called after each committed batch.
	Progress func(done, total int)
}

// HotSpot is a place where reports cluster: positions are normally
// distributed around At with standard deviation Sigma metres.
type HotSpot struct {
	At     geo.Point
	Sigma  float64
	Weight float64
}

// Seeded describes what SeedReports wrote.
type Seeded struct {
	Requests        int
	Closed          int
	Events          int
	FirstID, LastID int64
	HotSpots        []HotSpot
	Area            geo.Area
	Duration        time.Duration

	cum []float64 // cumulative hot spot weights, last = 1
}

// Layout returns the hot spots and the area that SeedReports draws for j
// and cfg.Seed, without writing anything: what the scenarios of a
// database seeded earlier need.
func Layout(j *rathaus.Jurisdiction, cfg SeedConfig) (*Seeded, error) {
	out, _, err := layout(j, cfg)
	return out, err
}

// layout draws the hot spots first from the seed's generator, which
// SeedReports then goes on drawing reports from.
func layout(j *rathaus.Jurisdiction, cfg SeedConfig) (*Seeded, *rand.Rand, error) {
	if len(j.Boundary) == 0 {
		return nil, nil, fmt.Errorf("bench: seed: jurisdiction %s has no boundary", j.Slug)
	}
	area, err := geo.ParseGeoJSON(j.Boundary)
	if err != nil {
		return nil, nil, fmt.Errorf("bench: seed: boundary of %s: %w", j.Slug, err)
	}
	nspots := cfg.HotSpots
	if nspots <= 0 {
		nspots = 30
	}
	rnd := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	out := &Seeded{Area: area}
	for range nspots {
		out.HotSpots = append(out.HotSpots, HotSpot{At: geo.RandomPointIn(area, rnd), Sigma: 150 + 650*rnd.Float64(),
			Weight: 0.2 + rnd.ExpFloat64()})
	}
	out.cum = cumulative(len(out.HotSpots), func(i int) float64 { return out.HotSpots[i].Weight })
	return out, rnd, nil
}

// SeedReports writes cfg.Reports reports of the given services into
// jurisdiction j with the bulk methods of the store, batch by batch, each
// batch in one transaction. Positions cluster around hot spots inside j's
// boundary (a mixture of normal distributions) with a share spread
// uniformly; submission times spread over the year before cfg.Now with
// more reports in winter and on weekdays; about 70 % are closed by now.
// Every report gets the events casework would have written: submitted and
// routed, plus accepted for work in progress and closed for closed ones.
//
// The request counters move with the numbers used, so requests submitted
// later continue the numbering.
func SeedReports(ctx context.Context, db *store.DB, j *rathaus.Jurisdiction, services []*rathaus.Service, cfg SeedConfig) (*Seeded, error) {
	start := time.Now()
	if cfg.Reports < 0 {
		return nil, fmt.Errorf("bench: seed: %d reports", cfg.Reports)
	}
	if len(services) == 0 {
		return nil, errors.New("bench: seed: no services")
	}
	cal, err := calendar.ForState(j.State)
	if err != nil {
		return nil, fmt.Errorf("bench: seed: %w", err)
	}
	batch := cfg.Batch
	if batch <= 0 {
		batch = 20000
	}
	uniform := cfg.UniformShare
	switch {
	case uniform == 0:
		uniform = 0.2
	case uniform < 0:
		uniform = 0
	}
	out, rnd, err := layout(j, cfg)
	if err != nil {
		return nil, err
	}
	svcCum := cumulative(len(services), func(i int) float64 { return 1 / float64(i+1) }) // Zipf: a few services dominate
	g := &generator{rnd: rnd, j: j, services: services, svcCum: svcCum, seeded: out, uniform: uniform,
		times: newTimeline(cfg.Now, cal.Location())}
	loc := cal.Location()

	for done := 0; done < cfg.Reports; {
		n := min(batch, cfg.Reports-done)
		rs := make([]*rathaus.Request, n)
		cells := make([]int64, n)
		for i := range rs {
			rs[i] = g.request(float64(done+i) / float64(cfg.Reports))
			cells[i] = geo.Cell(geo.Point{Lat: rs[i].Lat, Lon: rs[i].Lon})
		}
		var nev, closed int
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			if err := number(ctx, tx, j.ID, rs, loc); err != nil {
				return err
			}
			if err := tx.BulkInsertRequests(ctx, rs, cells); err != nil {
				return err
			}
			evs := make([]*rathaus.Event, 0, 3*n)
			for _, r := range rs {
				evs = g.events(evs, r)
				if r.State == rathaus.StateClosed {
					closed++
				}
			}
			nev = len(evs)
			return tx.BulkInsertEvents(ctx, evs)
		})
		if err != nil {
			return nil, fmt.Errorf("bench: seed reports %d to %d: %w", done, done+n-1, err)
		}
		if out.FirstID == 0 {
			out.FirstID = rs[0].ID
		}
		out.LastID = rs[n-1].ID
		out.Requests += n
		out.Events += nev
		out.Closed += closed
		done += n
		if cfg.Progress != nil {
			cfg.Progress(done, cfg.Reports)
		}
	}
	out.Duration = time.Since(start)
	return out, nil
}

// number gives rs their numbers, reserved per year of submission in the
// jurisdiction's time zone; rs are in submission order.
func number(ctx context.Context, tx *store.Tx, jurisdictionID int64, rs []*rathaus.Request, loc *time.Location) error {
	for i := 0; i < len(rs); {
		year := rs[i].SubmittedAt.In(loc).Year()
		k := i
		for k < len(rs) && rs[k].SubmittedAt.In(loc).Year() == year {
			k++
		}
		nums, err := tx.ReserveRequestNumbers(ctx, jurisdictionID, year, k-i)
		if err != nil {
			return err
		}
		for x, num := range nums {
			rs[i+x].Number = num
		}
		i = k
	}
	return nil
}

// HotSpotPoint draws a position the way the seeded reports were placed
// around hot spots: a hot spot by weight, then a normal offset.
func (s *Seeded) HotSpotPoint(rnd *rand.Rand) geo.Point {
	h := s.HotSpots[pick(s.cum, rnd)]
	for range 20 {
		p := offset(h.At, rnd.NormFloat64()*h.Sigma, rnd.NormFloat64()*h.Sigma)
		if s.Area.Contains(p) {
			return p
		}
	}
	return h.At
}

// UniformPoint draws a position uniformly inside the seeded area.
func (s *Seeded) UniformPoint(rnd *rand.Rand) geo.Point { return geo.RandomPointIn(s.Area, rnd) }

// RandomID draws the ID of a seeded request.
func (s *Seeded) RandomID(rnd *rand.Rand) int64 {
	return s.FirstID + rnd.Int64N(s.LastID-s.FirstID+1)
}

// offset moves p by north and east metres (flat-earth, fine at city scale).
func offset(p geo.Point, north, east float64) geo.Point {
	const mPerDegLat = 111_320.0
	return geo.Point{Lat: p.Lat + north/mPerDegLat, Lon: p.Lon + east/(mPerDegLat*math.Cos(p.Lat*math.Pi/180))}
}

// cumulative returns the normalised running sums of n weights.
func cumulative(n int, weight func(int) float64) []float64 {
	cum := make([]float64, n)
	var sum float64
	for i := range n {
		sum += weight(i)
		cum[i] = sum
	}
	for i := range cum {
		cum[i] /= sum
	}
	return cum
}

// pick draws an index with the probabilities cum describes.
func pick(cum []float64, rnd *rand.Rand) int { return search(cum, rnd.Float64()) }

// search returns the first index whose cumulative value reaches u.
func search(cum []float64, u float64) int {
	lo, hi := 0, len(cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if cum[mid] < u {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// timeline maps a fraction of the year's reports to a submission time:
// an inverse of the cumulative report volume over the 365 days before now,
// with winter months busier than summer and weekends quieter. Increasing
// fractions give increasing times, so IDs follow submission order as in a
// real database.
type timeline struct {
	start time.Time
	cum   []float64 // per day
}

func newTimeline(now time.Time, loc *time.Location) *timeline {
	now = now.UTC().Truncate(time.Second)
	start := now.AddDate(0, 0, -365)
	cum := cumulative(365, func(d int) float64 {
		day := start.AddDate(0, 0, d).In(loc)
		w := 1 + 0.3*math.Cos(2*math.Pi*float64(day.YearDay()-20)/365) // peak in January: potholes, street lights
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w *= 0.6
		}
		return w
	})
	return &timeline{start: start, cum: cum}
}

func (tl *timeline) at(u float64) time.Time {
	d := search(tl.cum, u)
	prev := 0.0
	if d > 0 {
		prev = tl.cum[d-1]
	}
	frac := 0.0
	if w := tl.cum[d] - prev; w > 0 {
		frac = min(max((u-prev)/w, 0), 1)
	}
	// Reports come in between 6:00 and 23:00 UTC, evenly.
	return tl.start.AddDate(0, 0, d).Truncate(24 * time.Hour).Add(6*time.Hour + time.Duration(frac*float64(17*time.Hour)))
}

// generator invents reports.
type generator struct {
	rnd      *rand.Rand
	j        *rathaus.Jurisdiction
	services []*rathaus.Service
	svcCum   []float64
	seeded   *Seeded
	uniform  float64
	times    *timeline
}

var (
	streets = []string{"Hauptstraße", "Bahnhofstraße", "Schulstraße", "Gartenstraße", "Kirchweg", "Lindenallee",
		"Am Markt", "Mühlenweg", "Bergstraße", "Wiesenweg", "Ringstraße", "Parkstraße", "Goethestraße", "Am Hasetor"}
	phrases = []string{
		"seit mehreren Tagen, bitte dringend beheben.",
		"direkt vor dem Haus, für Fußgänger gefährlich.",
		"an der Ecke zur Kreuzung, schlecht zu sehen.",
		"schon einmal gemeldet, leider ist nichts passiert.",
		"gegenüber der Bushaltestelle, viele Kinder auf dem Schulweg.",
		"nach dem Unwetter am Wochenende entstanden.",
	}
	channels       = []rathaus.Channel{rathaus.ChannelOpen311, rathaus.ChannelWeb, rathaus.ChannelApp, rathaus.ChannelPhone, rathaus.ChannelEmail}
	channelWeights = cumulative(len(channels), func(i int) float64 { return []float64{45, 30, 15, 6, 4}[i] })
)

// request invents the report at fraction u of the year.
func (g *generator) request(u float64) *rathaus.Request {
	rnd := g.rnd
	s := g.services[pick(g.svcCum, rnd)]
	var p geo.Point
	if rnd.Float64() < g.uniform {
		p = g.seeded.UniformPoint(rnd)
	} else {
		p = g.seeded.HotSpotPoint(rnd)
	}
	at := g.times.at(u)
	r := &rathaus.Request{
		JurisdictionID: g.j.ID, Token: auth.NewToken(), ServiceID: s.ID, ServiceCode: s.Code, State: rathaus.StateNew,
		HasLocation: true, Lat: round6(p.Lat), Lon: round6(p.Lon),
		Address:     streets[rnd.IntN(len(streets))] + " " + strconv.Itoa(1+rnd.IntN(120)),
		Description: s.Name + ": " + phrases[rnd.IntN(len(phrases))],
		Attributes:  g.answers(s, at), Channel: channels[pick(channelWeights, rnd)],
		DepartmentID: s.DefaultDepartment, Public: true, SubmittedAt: at, UpdatedAt: at,
	}
	if rnd.Float64() < 0.4 {
		r.Reporter.Email = "buerger" + strconv.Itoa(rnd.IntN(200000)) + "@example.org"
	}
	if s.ResponseHours > 0 {
		r.ResponseDue = at.Add(time.Duration(s.ResponseHours) * time.Hour * 12 / 5) // business hours, roughly
	}
	if s.ResolutionHours > 0 {
		r.ResolutionDue = at.Add(time.Duration(s.ResolutionHours) * time.Hour * 12 / 5)
	}
	// 72 % get done, after an exponentially distributed time of six days
	// on average; what would be done after now is still open.
	now := g.times.start.AddDate(0, 0, 365)
	if rnd.Float64() < 0.72 {
		done := at.Add(time.Duration(rnd.ExpFloat64() * float64(6*24*time.Hour))).Truncate(time.Second)
		if done.Before(now) {
			r.State, r.ClosedAt, r.UpdatedAt = rathaus.StateClosed, done, done
			r.Resolution, r.StatusNotes = "fixed", "Erledigt. Vielen Dank für Ihre Meldung."
			return r
		}
	}
	switch x := rnd.Float64(); {
	case x < 0.4:
	case x < 0.7:
		r.State = rathaus.StateAccepted
	default:
		r.State = rathaus.StateInProgress
	}
	if r.State != rathaus.StateNew {
		r.UpdatedAt = at.Add(time.Duration(rnd.Float64() * float64(now.Sub(at)))).Truncate(time.Second)
	}
	return r
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// answers fills the service's required attributes, and half of the
// optional ones, with valid values of their datatype.
func (g *generator) answers(s *rathaus.Service, at time.Time) map[string]string {
	out := map[string]string{}
	for _, a := range s.Attributes {
		if !a.Variable || (!a.Required && g.rnd.IntN(2) == 0) {
			continue
		}
		out[a.Code] = AttributeValue(a, g.rnd, at)
	}
	return out
}

// AttributeValue returns a valid answer to attribute a.
func AttributeValue(a rathaus.Attribute, rnd *rand.Rand, now time.Time) string {
	switch a.Datatype {
	case rathaus.TypeNumber:
		return strconv.Itoa(1 + rnd.IntN(30))
	case rathaus.TypeDatetime:
		return now.Add(-time.Duration(rnd.IntN(72)) * time.Hour).UTC().Format(time.RFC3339)
	case rathaus.TypeSingleValueList, rathaus.TypeMultiValueList:
		if len(a.Values) > 0 {
			return a.Values[rnd.IntN(len(a.Values))].Key
		}
	}
	return "siehe Beschreibung"
}

// events appends the history casework would have written for r.
func (g *generator) events(evs []*rathaus.Event, r *rathaus.Request) []*rathaus.Event {
	ev := func(typ rathaus.EventType, at time.Time) *rathaus.Event {
		e := &rathaus.Event{JurisdictionID: r.JurisdictionID, RequestID: r.ID, Type: typ, At: at}
		evs = append(evs, e)
		return e
	}
	sub := ev(rathaus.EventSubmitted, r.SubmittedAt)
	sub.Public, sub.ToState, sub.Body = true, rathaus.StateNew, string(r.Channel)
	ev(rathaus.EventRouted, r.SubmittedAt).DepartmentID = r.DepartmentID
	switch r.State {
	case rathaus.StateAccepted, rathaus.StateInProgress:
		e := ev(rathaus.EventStateChanged, r.UpdatedAt)
		e.Public, e.FromState, e.ToState = true, rathaus.StateNew, r.State
	case rathaus.StateClosed:
		e := ev(rathaus.EventClosed, r.ClosedAt)
		e.Public, e.FromState, e.ToState, e.Body = true, rathaus.StateNew, rathaus.StateClosed, r.StatusNotes
	}
	return evs
}
