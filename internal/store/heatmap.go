package store

import (
	"context"
	"fmt"
	"github.com/rathaus/rathaus/internal/geo"
	"strings"
	"time"
)

// HeatFilter selects the located requests a heat map counts. Zero filter
// fields do not filter.
type HeatFilter struct {
	JurisdictionID int64
	From, To       time.Time // submitted_at: From inclusive, To exclusive
	ServiceCode    string
	DepartmentID   int64
	Channel        string
	// Limit is the most cells returned, the busiest first; 0 means
	// DefaultHeatCells.
	Limit int
}

// DefaultHeatCells bounds a heat map: a town of 100 km² has about 1,300
// grid cells, so 500 busy ones show every hot spot while the page stays
// small however many requests there are.
const DefaultHeatCells = 500

// CellCount is the number of requests submitted in one grid cell (see
// geo.Cell).
type CellCount struct {
	Cell  int64
	Count int64
}

func (f HeatFilter) where(arg func(any) string) string {
	// cell > 0 stands for has_location: a request without a location is
	// stored with cell 0, and so the index on (jurisdiction, cell,
	// submitted_at) answers the unfiltered map without reading the table.
	w := []string{"jurisdiction_id = " + arg(f.JurisdictionID), "cell > 0",
		"submitted_at >= " + arg(micros(f.From)), "submitted_at < " + arg(micros(f.To))}
	if f.ServiceCode != "" {
		w = append(w, "service_code = "+arg(f.ServiceCode))
	}
	if f.DepartmentID != 0 {
		w = append(w, "department_id = "+arg(f.DepartmentID))
	}
	if f.Channel != "" {
		w = append(w, "channel = "+arg(f.Channel))
	}
	return strings.Join(w, " AND ")
}

// HeatCells counts the filter's requests per grid cell, busiest cell
// first (ties by cell number), and reports whether more cells than the
// limit had requests. Only counts leave the database, never a request.
func (tx *Tx) HeatCells(ctx context.Context, f HeatFilter) ([]CellCount, bool, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultHeatCells
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	q := `SELECT cell, count(*) FROM requests WHERE ` + f.where(arg) + ` GROUP BY cell ORDER BY 2 DESC, 1 LIMIT ` + arg(limit+1)
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("store: heat cells: %w", err)
	}
	defer rows.Close()
	var out []CellCount
	for rows.Next() {
		var c CellCount
		if err := rows.Scan(&c.Cell, &c.Count); err != nil {
			return nil, false, fmt.Errorf("store: heat cells: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("store: heat cells: %w", err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// AddressCount is how many of a cell's requests gave one address.
type AddressCount struct {
	Address string
	Count   int64
}

// CellAddresses returns, for the given cells, the addresses the filter's
// requests gave and how often (counted among up to addressSample requests
// of each cell), most frequent first. The caller decides
// what of an address it may show (a street, not a house number).
func (tx *Tx) CellAddresses(ctx context.Context, f HeatFilter, cells []int64) (map[int64][]AddressCount, error) {
	out := map[int64][]AddressCount{}
	if len(cells) == 0 {
		return out, nil
	}
	// One cell at a time, each from at most addressSample of its requests:
	// a busy cell has thousands a year, and its main street shows in a
	// hundred as well (a sample of 500 was a third of the dashboard's CPU:
	// on SQLite each sampled request is a lookup of its row by id). On SQLite, which has no index on cell (00010
	// dropped it for the R*Tree), a cell is a box of the R*Tree over the
	// period, and the cell condition keeps exactly its requests.
	for _, c := range cells {
		if err := tx.cellAddresses(ctx, f, c, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// addressSample is how many requests of a cell CellAddresses reads.
const addressSample = 100

// cellAddresses adds the addresses of one cell to out.
func (tx *Tx) cellAddresses(ctx context.Context, f HeatFilter, cell int64, out map[int64][]AddressCount) error {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	from := "requests"
	where := f.where(arg) + ` AND address <> '' AND cell = ` + arg(cell)
	if tx.dialect == SQLite {
		b := geo.CellBBox(cell)
		from = "requests_space CROSS JOIN requests ON requests.id = requests_space.request_id"
		where += " AND min_lon >= " + arg(spaceUnit(b.MinLon, -1)) + " AND max_lon <= " + arg(spaceUnit(b.MaxLon, 1)) +
			" AND min_lat >= " + arg(spaceUnit(b.MinLat, -1)) + " AND max_lat <= " + arg(spaceUnit(b.MaxLat, 1)) +
			" AND max_t >= " + arg(spaceTime(f.From, -1)) + " AND min_t <= " + arg(spaceTime(f.To, 1))
	}
	q := `SELECT cell, address, count(*) FROM (SELECT cell, address FROM ` + from + ` WHERE ` + where + ` LIMIT ` + arg(addressSample) +
		`) AS sample GROUP BY cell, address ORDER BY 1, 3 DESC, 2`
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: cell addresses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cell int64
		var a AddressCount
		if err := rows.Scan(&cell, &a.Address, &a.Count); err != nil {
			return fmt.Errorf("store: cell addresses: %w", err)
		}
		out[cell] = append(out[cell], a)
	}
	return rows.Err()
}
