package geo

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Area is a MultiPolygon: a service area, a district, a municipality. Each
// polygon is an outer ring followed by its holes; every ring is stored
// closed (first point == last point). The bbox is computed once, so that
// Contains can reject most points with four comparisons.
//
// Contains works in the lat/lon plane, not on the sphere: edges are straight
// lines in degrees. For areas the size of a city the difference to
// great-circle edges is far below GPS accuracy.
//
// The zero Area contains nothing. An Area is immutable and safe for
// concurrent use.
type Area struct {
	polys [][][]Point // polygon -> ring -> closed point list; ring 0 is the outer ring
	bbox  BBox
}

// IsZero reports whether a holds no polygon.
func (a Area) IsZero() bool { return len(a.polys) == 0 }

// BBox returns the smallest bbox around a (the zero BBox for the zero Area).
func (a Area) BBox() BBox { return a.bbox }

// Contains reports whether p lies inside one of a's polygons and not in one
// of that polygon's holes (even-odd ray casting). Points exactly on an edge
// may fall either way.
func (a Area) Contains(p Point) bool {
	if a.IsZero() || !a.bbox.Contains(p) {
		return false
	}
	for _, rings := range a.polys {
		if !inRing(rings[0], p) {
			continue
		}
		inHole := false
		for _, hole := range rings[1:] {
			if inRing(hole, p) {
				inHole = true
				break
			}
		}
		if !inHole {
			return true
		}
	}
	return false
}

// inRing casts a ray from p towards +Lon and counts crossed edges
// (W. R. Franklin's PNPOLY). The ring is closed, so the edge from the last
// to the first point is degenerate and never counts.
func inRing(ring []Point, p Point) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		a, b := ring[i], ring[j]
		if (a.Lat > p.Lat) != (b.Lat > p.Lat) &&
			p.Lon < (b.Lon-a.Lon)*(p.Lat-a.Lat)/(b.Lat-a.Lat)+a.Lon {
			in = !in
		}
	}
	return in
}

// AreaFromRings builds an Area of one polygon from an outer ring and
// optional holes. It is meant for code and tests that already hold valid
// coordinates: rings need not be closed (they are closed here), and a ring
// with fewer than three points, or invalid coordinates, yields the zero
// Area.
func AreaFromRings(outer []Point, holes ...[]Point) Area {
	rings := make([][]Point, 0, 1+len(holes))
	for _, r := range append([][]Point{outer}, holes...) {
		if len(r) < 3 {
			return Area{}
		}
		c := make([]Point, len(r), len(r)+1)
		copy(c, r)
		if c[0] != c[len(c)-1] {
			c = append(c, c[0])
		}
		if len(c) < 4 {
			return Area{}
		}
		for _, p := range c {
			if !p.Valid() {
				return Area{}
			}
		}
		rings = append(rings, c)
	}
	return newArea([][][]Point{rings})
}

func newArea(polys [][][]Point) Area {
	if len(polys) == 0 {
		return Area{}
	}
	b := BBox{MinLat: math.Inf(1), MinLon: math.Inf(1), MaxLat: math.Inf(-1), MaxLon: math.Inf(-1)}
	for _, rings := range polys {
		// Holes lie inside the outer ring, so the outer rings decide the bbox.
		for _, p := range rings[0] {
			b.MinLat = math.Min(b.MinLat, p.Lat)
			b.MaxLat = math.Max(b.MaxLat, p.Lat)
			b.MinLon = math.Min(b.MinLon, p.Lon)
			b.MaxLon = math.Max(b.MaxLon, p.Lon)
		}
	}
	return Area{polys: polys, bbox: b}
}

// geoJSON is the union of the GeoJSON objects ParseGeoJSON reads.
type geoJSON struct {
	Type        string            `json:"type"`
	Coordinates json.RawMessage   `json:"coordinates"`
	Geometry    json.RawMessage   `json:"geometry"`
	Features    []json.RawMessage `json:"features"`
}

// ParseGeoJSON reads an area from GeoJSON (RFC 7946): a Polygon or
// MultiPolygon geometry, a Feature with such a geometry, or a
// FeatureCollection whose features all have one (the area is their union).
//
// It is strict, because an area usually comes from an administrator's
// upload and a silent repair would hide a broken export: every ring must be
// closed (first position equal to the last; rings are not closed
// automatically), have at least four positions, and every position must be
// a valid [lon, lat] (a third value, the altitude, is ignored). Any other
// type, a Feature without geometry, a non-polygon feature in a collection
// and input without any polygon are errors.
func ParseGeoJSON(data []byte) (Area, error) {
	polys, err := parseObject(data)
	if err != nil {
		return Area{}, err
	}
	if len(polys) == 0 {
		return Area{}, fmt.Errorf("%w in GeoJSON", ErrEmpty)
	}
	return newArea(polys), nil
}

// parseObject parses a top-level GeoJSON object: a geometry, a Feature or a
// FeatureCollection.
func parseObject(data []byte) ([][][]Point, error) {
	var obj geoJSON
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("geo: GeoJSON: %w", err)
	}
	switch obj.Type {
	case "Feature":
		return parseFeature(obj, "")
	case "FeatureCollection":
		if obj.Features == nil {
			return nil, fmt.Errorf("geo: GeoJSON: FeatureCollection has no features array")
		}
		var polys [][][]Point
		for i, f := range obj.Features {
			where := fmt.Sprintf(" feature %d", i)
			var feat geoJSON
			if err := json.Unmarshal(f, &feat); err != nil {
				return nil, fmt.Errorf("geo: GeoJSON%s: %w", where, err)
			}
			if feat.Type != "Feature" {
				return nil, fmt.Errorf("geo: GeoJSON%s: type %q, want Feature", where, feat.Type)
			}
			p, err := parseFeature(feat, where)
			if err != nil {
				return nil, err
			}
			polys = append(polys, p...)
		}
		return polys, nil
	}
	return parseGeometry(obj, "")
}

func parseFeature(f geoJSON, where string) ([][][]Point, error) {
	if len(f.Geometry) == 0 || string(f.Geometry) == "null" {
		return nil, fmt.Errorf("geo: GeoJSON%s: Feature has no geometry", where)
	}
	var g geoJSON
	if err := json.Unmarshal(f.Geometry, &g); err != nil {
		return nil, fmt.Errorf("geo: GeoJSON%s geometry: %w", where, err)
	}
	return parseGeometry(g, where)
}

// parseGeometry reads a Polygon or MultiPolygon; where says which part of
// the document it is, for error messages.
func parseGeometry(g geoJSON, where string) ([][][]Point, error) {
	switch g.Type {
	case "Polygon":
		var c [][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil || c == nil {
			return nil, fmt.Errorf("geo: GeoJSON%s: Polygon coordinates must be an array of rings of [lon, lat] positions", where)
		}
		rings, err := polygon(c, where)
		if err != nil {
			return nil, err
		}
		return [][][]Point{rings}, nil
	case "MultiPolygon":
		var c [][][][]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil || c == nil {
			return nil, fmt.Errorf("geo: GeoJSON%s: MultiPolygon coordinates must be an array of polygons", where)
		}
		polys := make([][][]Point, 0, len(c))
		for i, pc := range c {
			rings, err := polygon(pc, fmt.Sprintf("%s polygon %d", where, i))
			if err != nil {
				return nil, err
			}
			polys = append(polys, rings)
		}
		return polys, nil
	case "":
		return nil, fmt.Errorf("geo: GeoJSON%s: missing type", where)
	}
	return nil, fmt.Errorf("geo: GeoJSON%s: type %q is not supported; want Polygon, MultiPolygon, Feature or FeatureCollection", where, g.Type)
}

func polygon(c [][][]float64, where string) ([][]Point, error) {
	if len(c) == 0 {
		return nil, fmt.Errorf("geo: GeoJSON%s: polygon has no rings", where)
	}
	rings := make([][]Point, 0, len(c))
	for i, rc := range c {
		w := fmt.Sprintf("%s ring %d", where, i)
		if len(rc) < 4 {
			return nil, fmt.Errorf("geo: GeoJSON%s: %d positions, a ring needs at least 4", w, len(rc))
		}
		ring := make([]Point, len(rc))
		for j, pos := range rc {
			if len(pos) < 2 {
				return nil, fmt.Errorf("geo: GeoJSON%s position %d: want [lon, lat]", w, j)
			}
			p := Point{Lon: pos[0], Lat: pos[1]}
			if !p.Valid() {
				return nil, fmt.Errorf("geo: GeoJSON%s position %d: [%g, %g] is out of range (longitude first)", w, j, pos[0], pos[1])
			}
			ring[j] = p
		}
		if ring[0] != ring[len(ring)-1] {
			return nil, fmt.Errorf("geo: GeoJSON%s: ring is not closed (first position must equal the last)", w)
		}
		rings = append(rings, ring)
	}
	return rings, nil
}

// GeoJSON returns a as a GeoJSON MultiPolygon geometry. ParseGeoJSON reads
// it back to an equal Area (the zero Area gives an empty MultiPolygon, which
// ParseGeoJSON rejects).
func (a Area) GeoJSON() []byte {
	// Written by hand: the shape is fixed, and AppendFloat with precision -1
	// writes the shortest decimal that reads back to the same float64.
	buf := make([]byte, 0, 64)
	buf = append(buf, `{"type":"MultiPolygon","coordinates":[`...)
	for i, rings := range a.polys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '[')
		for j, ring := range rings {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '[')
			for k, p := range ring {
				if k > 0 {
					buf = append(buf, ',')
				}
				buf = append(buf, '[')
				buf = strconv.AppendFloat(buf, p.Lon, 'f', -1, 64)
				buf = append(buf, ',')
				buf = strconv.AppendFloat(buf, p.Lat, 'f', -1, 64)
				buf = append(buf, ']')
			}
			buf = append(buf, ']')
		}
		buf = append(buf, ']')
	}
	return append(buf, "]}"...)
}
