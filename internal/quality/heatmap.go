package quality

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/rathaus/rathaus/internal/geo"
	"github.com/rathaus/rathaus/internal/store"
)

// HeatCell is one grid cell of a heat map: where it is, how many requests
// were submitted in it, and its colour class.
type HeatCell struct {
	Cell                     int64
	South, West, North, East float64
	Count                    int64
	Class                    int // index into Heat.Classes
	// Street is the street most of the cell's requests named, without a
	// house number; "" when they named none (or the cell is not among
	// the top cells, see HeatOptions.Streets).
	Street string
}

// Centre is the middle of the cell.
func (c HeatCell) Centre() geo.Point {
	return geo.Point{Lat: (c.South + c.North) / 2, Lon: (c.West + c.East) / 2}
}

// HeatClass is a colour class of a heat map: cells with Min to Max
// requests.
type HeatClass struct {
	Min, Max int64
}

// Heat is a heat map of requests: counts per grid cell of about
// 280 × 270 m, never single requests, so it can be drawn without showing
// where one citizen stood.
type Heat struct {
	Cells   []HeatCell // busiest first
	More    bool       // more cells had requests than the limit
	Total   int64      // requests counted in Cells
	Classes []HeatClass
}

// HeatOptions bound a heat map.
type HeatOptions struct {
	Cells   int // most cells; 0: store.DefaultHeatCells
	Streets int // the busiest cells whose street is looked up
}

// heatClasses is the number of colour classes a legend can tell apart.
const heatClasses = 5

// HeatMap counts the requests of s submitted from s.From to s.To (local
// dates, inclusive) per grid cell; s.By is ignored.
func HeatMap(ctx context.Context, db *store.DB, s Slice, o HeatOptions) (*Heat, error) {
	e, err := loadEnv(ctx, db, s.JurisdictionID)
	if err != nil {
		return nil, err
	}
	return e.heatMap(ctx, db, s, o)
}

func (e *env) heatMap(ctx context.Context, db *store.DB, s Slice, o HeatOptions) (*Heat, error) {
	loc := e.cal.Location()
	from := time.Date(s.From.Year(), s.From.Month(), s.From.Day(), 0, 0, 0, 0, loc)
	to := time.Date(s.To.Year(), s.To.Month(), s.To.Day()+1, 0, 0, 0, 0, loc)
	f := store.HeatFilter{JurisdictionID: s.JurisdictionID, From: from, To: to, ServiceCode: s.ServiceCode,
		DepartmentID: s.DepartmentID, Channel: s.Channel, Limit: o.Cells}
	qf, err := e.filter(s)
	if err != nil {
		return nil, err
	}
	h := &Heat{}
	err = db.ReadTx(ctx, func(tx *store.Tx) error {
		// The counts come from the projector's cell rollups; only the
		// streets of the few top cells read requests.
		counts, more, err := tx.CellCounts(ctx, qf, o.Cells)
		if err != nil {
			return err
		}
		h.More = more
		for _, c := range counts {
			b := geo.CellBBox(c.Cell)
			h.Cells = append(h.Cells, HeatCell{Cell: c.Cell, South: b.MinLat, West: b.MinLon, North: b.MaxLat, East: b.MaxLon, Count: c.Count})
			h.Total += c.Count
		}
		top := make([]int64, 0, o.Streets)
		for _, c := range h.Cells[:min(o.Streets, len(h.Cells))] {
			top = append(top, c.Cell)
		}
		addrs, err := tx.CellAddresses(ctx, f, top)
		if err != nil {
			return err
		}
		for i := range h.Cells[:len(top)] {
			h.Cells[i].Street = mainStreet(addrs[h.Cells[i].Cell])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("quality: heat map: %w", err)
	}
	if len(h.Cells) > 0 {
		h.Classes = classesUpTo(h.Cells[0].Count)
		for i := range h.Cells {
			for h.Cells[i].Count > h.Classes[h.Cells[i].Class].Max {
				h.Cells[i].Class++
			}
		}
	}
	return h, nil
}

// classesUpTo splits 1..top into at most heatClasses classes of
// geometrically growing width: reports cluster, so a few cells have many
// and most have a handful, and equal widths would paint nearly every cell
// in the lowest class.
func classesUpTo(top int64) []HeatClass {
	if top <= heatClasses {
		out := make([]HeatClass, top)
		for i := range out {
			out[i] = HeatClass{int64(i + 1), int64(i + 1)}
		}
		return out
	}
	out := make([]HeatClass, 0, heatClasses)
	lo := int64(1)
	for k := 1; k <= heatClasses; k++ {
		// The epsilon keeps 32^(1/5) = 2.0000000000000004 at 2.
		hi := int64(math.Ceil(math.Pow(float64(top), float64(k)/heatClasses) - 1e-9))
		// Leave at least one count for each class still to come.
		hi = min(max(hi, lo), top-int64(heatClasses-k))
		if k == heatClasses {
			hi = top
		}
		out = append(out, HeatClass{lo, hi})
		lo = hi + 1
	}
	return out
}

// houseNumber matches a trailing house number such as "2", "12a", "3-5"
// or "7 / 9".
var houseNumber = regexp.MustCompile(`\s+\d+\s*[a-zA-Z]?(\s*[-–/]\s*\d+\s*[a-zA-Z]?)?$`)

// streetOf is the street of an address: its first part (before a comma,
// which usually starts the postcode and town) without the house number,
// so that a table of hot spots never names a citizen's front door.
func streetOf(address string) string {
	s, _, _ := strings.Cut(address, ",")
	s = strings.TrimSpace(houseNumber.ReplaceAllString(strings.TrimSpace(s), ""))
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
		return "" // only a number: no street to show
	}
	return s
}

// mainStreet is the street that most of a cell's addresses name; ties go
// to the first (the store sorts by count).
func mainStreet(addrs []store.AddressCount) string {
	counts := map[string]int64{}
	best, bestN := "", int64(0)
	for _, a := range addrs {
		s := streetOf(a.Address)
		if s == "" {
			continue
		}
		counts[s] += a.Count
		if counts[s] > bestN {
			best, bestN = s, counts[s]
		}
	}
	return best
}
