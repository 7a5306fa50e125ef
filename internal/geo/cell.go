package geo

import "math"

// The grid: fixed steps in degrees, so that a cell number is a pure function
// of the position and can be stored in an indexed integer column. In
// Germany and Poland (latitude 47° to 55°) a cell is about 278 m north-south
// and 230 m to 300 m east-west. A radius query becomes
// "cell IN (CellsCovering(BBoxAround(p, r)))" followed by an exact Distance
// check on the few candidates.
const (
	CellLatStep = 0.0025 // degrees latitude per cell
	CellLonStep = 0.004  // degrees longitude per cell

	// cellLonFactor separates the latitude index from the longitude index in
	// the cell number; the longitude index is at most 360/0.004 = 90000.
	cellLonFactor = 10_000_000
)

// cellIndex numbers the rows (lat) and columns (lon) of the grid from 0 at
// the south pole and the antimeridian. Rounding in the division is monotone,
// so a larger coordinate never gets a smaller index; that is what makes
// CellsCovering complete.
func cellIndex(lat, lon float64) (int64, int64) {
	lat = math.Min(90, math.Max(-90, lat))
	lon = math.Min(180, math.Max(-180, lon))
	return int64(math.Floor((lat + 90) / CellLatStep)), int64(math.Floor((lon + 180) / CellLonStep))
}

// Cell returns the number of the grid cell that holds p: the latitude index
// times 10,000,000 plus the longitude index, both counted from 0 at
// (-90, -180) in steps of CellLatStep and CellLonStep. A point on the line
// between two cells belongs to the cell to its north or east. Coordinates out of range are
// clamped to the globe; the line lon = 180 forms its own column, it is not
// folded onto -180.
func Cell(p Point) int64 {
	i, j := cellIndex(p.Lat, p.Lon)
	return i*cellLonFactor + j
}

// CellBBox returns the rectangle of the cell number c.
func CellBBox(c int64) BBox {
	i, j := c/cellLonFactor, c%cellLonFactor
	return BBox{
		MinLat: float64(i)*CellLatStep - 90,
		MinLon: float64(j)*CellLonStep - 180,
		MaxLat: float64(i+1)*CellLatStep - 90,
		MaxLon: float64(j+1)*CellLonStep - 180,
	}
}

// CellIntersects reports whether cell c holds points of b, by the grid's
// own row and column numbers: CellBBox's rectangle is computed back from
// them and can miss, by a rounding, a point that Cell files under c.
func CellIntersects(c int64, b BBox) bool {
	if !(b.MinLat <= b.MaxLat && b.MinLon <= b.MaxLon) {
		return false
	}
	i, j := c/cellLonFactor, c%cellLonFactor
	i0, j0 := cellIndex(b.MinLat, b.MinLon)
	i1, j1 := cellIndex(b.MaxLat, b.MaxLon)
	return i0 <= i && i <= i1 && j0 <= j && j <= j1
}

// CellsCovering returns, in ascending order, the number of every cell that
// intersects b, or nil and false if that would be more than maxCells (a
// query over so many cells is better answered from the bbox alone). An
// empty or NaN bbox gives nil and true.
func CellsCovering(b BBox, maxCells int) ([]int64, bool) {
	if !(b.MinLat <= b.MaxLat && b.MinLon <= b.MaxLon) {
		return nil, true
	}
	i0, j0 := cellIndex(b.MinLat, b.MinLon)
	i1, j1 := cellIndex(b.MaxLat, b.MaxLon)
	n := (i1 - i0 + 1) * (j1 - j0 + 1) // at most 72001 * 90001, no overflow
	if n > int64(maxCells) {
		return nil, false
	}
	cells := make([]int64, 0, n)
	for i := i0; i <= i1; i++ {
		for j := j0; j <= j1; j++ {
			cells = append(cells, i*cellLonFactor+j)
		}
	}
	return cells, true
}
