// Package geo holds the plane and sphere geometry that the town hall needs:
// points, bounding boxes, great-circle distance, service areas (polygons with
// holes) and a fixed grid of cells for radius look-ups in SQL.
//
// Everything here is a pure function of its arguments. Coordinates are WGS 84
// degrees; GeoJSON and bbox strings use the longitude-first order of
// RFC 7946, Go values name Lat and Lon explicitly so the order never matters.
package geo

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// EarthRadius is the mean Earth radius in metres (IUGG), used by Distance
// and BBoxAround.
const EarthRadius = 6371008.8

// Point is a WGS 84 position in degrees.
type Point struct{ Lat, Lon float64 }

// Valid reports whether p is a finite position on the globe.
func (p Point) Valid() bool { return ValidLatLon(p.Lat, p.Lon) }

// ValidLatLon reports whether lat and lon are finite, lat lies in [-90, 90]
// and lon in [-180, 180].
func ValidLatLon(lat, lon float64) bool {
	// NaN fails every comparison, infinities fail the range checks.
	return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

// BBox is a rectangle in latitude and longitude, edges included. A BBox
// never crosses the antimeridian: MinLon <= MaxLon always.
type BBox struct{ MinLat, MinLon, MaxLat, MaxLon float64 }

// Contains reports whether p lies inside b or on its edge.
func (b BBox) Contains(p Point) bool {
	return p.Lat >= b.MinLat && p.Lat <= b.MaxLat && p.Lon >= b.MinLon && p.Lon <= b.MaxLon
}

// ParseBBox parses "min_lon,min_lat,max_lon,max_lat", the order of GeoJSON
// and of FixMyStreet's and Open311 clients' bbox query parameter. Spaces
// around the numbers are allowed.
func ParseBBox(s string) (BBox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return BBox{}, fmt.Errorf("geo: bbox %q: want 4 comma-separated numbers min_lon,min_lat,max_lon,max_lat, got %d", s, len(parts))
	}
	var v [4]float64
	for i, part := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return BBox{}, fmt.Errorf("geo: bbox %q: %q is not a number", s, strings.TrimSpace(part))
		}
		v[i] = f
	}
	b := BBox{MinLon: v[0], MinLat: v[1], MaxLon: v[2], MaxLat: v[3]}
	if !ValidLatLon(b.MinLat, b.MinLon) || !ValidLatLon(b.MaxLat, b.MaxLon) {
		return BBox{}, fmt.Errorf("geo: bbox %q: latitude must lie in [-90, 90] and longitude in [-180, 180]", s)
	}
	if b.MinLat > b.MaxLat || b.MinLon > b.MaxLon {
		return BBox{}, fmt.Errorf("geo: bbox %q: minimum greater than maximum", s)
	}
	return b, nil
}

// String formats b in the order ParseBBox reads.
func (b BBox) String() string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return f(b.MinLon) + "," + f(b.MinLat) + "," + f(b.MaxLon) + "," + f(b.MaxLat)
}

// ErrEmpty is returned for input that is well-formed but holds no polygon.
var ErrEmpty = errors.New("geo: no polygon")

func radians(deg float64) float64 { return deg * math.Pi / 180 }
func degrees(rad float64) float64 { return rad * 180 / math.Pi }

// Distance returns the great-circle distance between a and b in metres
// (haversine on a sphere of radius EarthRadius; within 0.5 % of the
// ellipsoidal distance).
func Distance(a, b Point) float64 {
	lat1, lat2 := radians(a.Lat), radians(b.Lat)
	dLat := lat2 - lat1
	dLon := radians(b.Lon - a.Lon)
	sLat, sLon := math.Sin(dLat/2), math.Sin(dLon/2)
	h := sLat*sLat + math.Cos(lat1)*math.Cos(lat2)*sLon*sLon
	// Rounding can push h a hair above 1 for antipodal points.
	h = math.Min(1, math.Max(0, h))
	return 2 * EarthRadius * math.Asin(math.Sqrt(h))
}

// bboxMargin widens BBoxAround by about 0.1 mm so that a point at exactly
// the radius, after rounding in Distance, still falls inside.
const bboxMargin = 1e-9

// BBoxAround returns the smallest bbox that contains every point within
// radiusMeters of p (great-circle distance). Near the poles, or where the
// circle would cross the antimeridian, the bbox spans all longitudes,
// because a BBox cannot wrap. A negative radius counts as 0.
func BBoxAround(p Point, radiusMeters float64) BBox {
	if !(radiusMeters > 0) {
		radiusMeters = 0
	}
	d := radiusMeters / EarthRadius // angular radius
	if d >= math.Pi {
		return BBox{MinLat: -90, MinLon: -180, MaxLat: 90, MaxLon: 180}
	}
	lat := radians(p.Lat)
	minLat, maxLat := lat-d, lat+d
	b := BBox{MinLat: degrees(minLat) - bboxMargin, MaxLat: degrees(maxLat) + bboxMargin}
	if minLat <= -math.Pi/2 || maxLat >= math.Pi/2 {
		// The circle holds a pole: every longitude is within reach.
		b.MinLon, b.MaxLon = -180, 180
	} else {
		// The widest longitude extent of a spherical cap (it is reached
		// poleward of p, not at p's latitude), see J. P. Matuschek,
		// "Finding Points Within a Distance of a Latitude/Longitude".
		dLon := degrees(math.Asin(math.Sin(d)/math.Cos(lat))) + bboxMargin
		b.MinLon, b.MaxLon = p.Lon-dLon, p.Lon+dLon
		if b.MinLon < -180 || b.MaxLon > 180 {
			b.MinLon, b.MaxLon = -180, 180
		}
	}
	b.MinLat = math.Max(b.MinLat, -90)
	b.MaxLat = math.Min(b.MaxLat, 90)
	return b
}
