package ui

import (
	"math"
	"strconv"

	"github.com/rathaus/rathaus/internal/quality"
)

// The dashboard's heat map: counts per grid cell, drawn by
// static/quality.js as coloured rectangles on the Leaflet map, and listed
// as a table of the busiest cells for the path without the map.

// heatTableRows is how many of the busiest cells the table lists (and
// whose street is looked up).
const heatTableRows = 10

// heatCellJSON is one rectangle of the JSON block: south, west, north,
// east, count and colour class. An array, not an object, keeps a block of
// 500 cells small.
type heatCellJSON [6]float64

// heatLegend is one colour class as the legend shows it.
type heatLegend struct {
	Class int
	Label string // "1", "4–7"
}

// heatRow is one row of the table of the busiest cells.
type heatRow struct {
	Street string // "" when the requests named no street
	Centre string // "52.2781, 8.0430"
	Count  int64
}

// heatView is the heat map section of the dashboard.
type heatView struct {
	Cells  []heatCellJSON
	Legend []heatLegend
	Rows   []heatRow
	Total  int64
	Shown  int  // cells on the map
	More   bool // more cells had requests than the map shows
}

// round6 rounds a coordinate to six decimals (about 0.1 m), which drops
// the float noise of the grid arithmetic (8.03200000000001) from the page.
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

func heatViewOf(h *quality.Heat) heatView {
	v := heatView{Total: h.Total, Shown: len(h.Cells), More: h.More}
	for i, c := range h.Classes {
		label := strconv.FormatInt(c.Min, 10)
		if c.Max != c.Min {
			label += "–" + strconv.FormatInt(c.Max, 10)
		}
		v.Legend = append(v.Legend, heatLegend{Class: i, Label: label})
	}
	for i, c := range h.Cells {
		v.Cells = append(v.Cells, heatCellJSON{round6(c.South), round6(c.West), round6(c.North), round6(c.East), float64(c.Count), float64(c.Class)})
		if i < heatTableRows {
			p := c.Centre()
			// Decimal points in every locale: the form map sites and GPS
			// devices accept when the coordinate is pasted.
			centre := strconv.FormatFloat(p.Lat, 'f', 4, 64) + ", " + strconv.FormatFloat(p.Lon, 'f', 4, 64)
			v.Rows = append(v.Rows, heatRow{Street: c.Street, Centre: centre, Count: c.Count})
		}
	}
	return v
}
