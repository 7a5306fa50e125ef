package geo

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// Two squares, the first with a square hole:
//
//	polygon 0: lon 8..9, lat 52..53, hole lon 8.4..8.6, lat 52.4..52.6
//	polygon 1: lon 10..11, lat 52..53
const twoSquares = `{"type":"MultiPolygon","coordinates":[
	[[[8,52],[9,52],[9,53],[8,53],[8,52]],
	 [[8.4,52.4],[8.4,52.6],[8.6,52.6],[8.6,52.4],[8.4,52.4]]],
	[[[10,52],[11,52],[11,53],[10,53],[10,52]]]]}`

func mustParse(t *testing.T, s string) Area {
	t.Helper()
	a, err := ParseGeoJSON([]byte(s))
	if err != nil {
		t.Fatalf("ParseGeoJSON: %v", err)
	}
	return a
}

func TestAreaContains(t *testing.T) {
	a := mustParse(t, twoSquares)
	// A concave L-shape: the notch (lat > 52.5, lon > 8.5) is outside.
	l := AreaFromRings([]Point{{52, 8}, {52, 9}, {52.5, 9}, {52.5, 8.5}, {53, 8.5}, {53, 8}})
	tests := []struct {
		name string
		area Area
		p    Point
		want bool
	}{
		{"in first polygon", a, Point{52.2, 8.2}, true},
		{"in the hole", a, Point{52.5, 8.5}, false},
		{"just outside the hole", a, Point{52.39, 8.5}, true},
		{"in second polygon", a, Point{52.5, 10.5}, true},
		{"between the polygons", a, Point{52.5, 9.5}, false},
		{"inside bbox, outside both", a, Point{52.5, 9.99}, false},
		{"outside bbox", a, Point{51, 8.5}, false},
		{"L: in the foot", l, Point{52.25, 8.9}, true},
		{"L: in the stem", l, Point{52.9, 8.1}, true},
		{"L: in the notch", l, Point{52.9, 8.9}, false},
		{"zero area", Area{}, Point{0, 0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.area.Contains(tt.p); got != tt.want {
				t.Errorf("Contains(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
	if want := (BBox{MinLat: 52, MinLon: 8, MaxLat: 53, MaxLon: 11}); a.BBox() != want {
		t.Errorf("BBox = %+v, want %+v", a.BBox(), want)
	}
	if a.IsZero() || !(Area{}).IsZero() {
		t.Error("IsZero wrong")
	}
}

func TestAreaFromRings(t *testing.T) {
	outer := []Point{{0, 0}, {0, 4}, {4, 4}, {4, 0}}
	hole := []Point{{1, 1}, {1, 2}, {2, 2}, {2, 1}, {1, 1}} // already closed
	a := AreaFromRings(outer, hole)
	if !a.Contains(Point{3, 3}) || a.Contains(Point{1.5, 1.5}) {
		t.Errorf("AreaFromRings with hole: Contains(3,3)=%v Contains(1.5,1.5)=%v", a.Contains(Point{3, 3}), a.Contains(Point{1.5, 1.5}))
	}
	if len(outer) != 4 {
		t.Error("AreaFromRings changed its argument")
	}
	want := `{"type":"MultiPolygon","coordinates":[[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[2,1],[2,2],[1,2],[1,1]]]]}`
	if got := string(a.GeoJSON()); got != want {
		t.Errorf("GeoJSON = %s\nwant %s", got, want)
	}
	for _, bad := range [][]Point{nil, {{0, 0}, {1, 1}}, {{0, 0}, {1, 1}, {0, 0}}, {{0, 0}, {1, 1}, {91, 0}}} {
		if a := AreaFromRings(bad); !a.IsZero() {
			t.Errorf("AreaFromRings(%v) is not zero", bad)
		}
	}
}

func TestParseGeoJSON(t *testing.T) {
	square := `{"type":"Polygon","coordinates":[[[8,52],[9,52],[9,53],[8,53],[8,52]]]}`
	other := `{"type":"Polygon","coordinates":[[[10,52,40.5],[11,52,41],[11,53,39],[10,53,40],[10,52,40.5]]]}`
	tests := []struct {
		name     string
		in       string
		polygons int
		bbox     BBox
		inside   Point
	}{
		{"Polygon", square, 1, BBox{MinLat: 52, MinLon: 8, MaxLat: 53, MaxLon: 9}, Point{52.5, 8.5}},
		{"Polygon with altitude", other, 1, BBox{MinLat: 52, MinLon: 10, MaxLat: 53, MaxLon: 11}, Point{52.5, 10.5}},
		{"MultiPolygon", twoSquares, 2, BBox{MinLat: 52, MinLon: 8, MaxLat: 53, MaxLon: 11}, Point{52.5, 10.5}},
		{"Feature", `{"type":"Feature","properties":{"name":"Innenstadt"},"geometry":` + square + `}`, 1,
			BBox{MinLat: 52, MinLon: 8, MaxLat: 53, MaxLon: 9}, Point{52.5, 8.5}},
		{"FeatureCollection", `{"type":"FeatureCollection","features":[
			{"type":"Feature","properties":null,"geometry":` + square + `},
			{"type":"Feature","properties":{},"geometry":` + twoSquares + `},
			{"type":"Feature","id":3,"geometry":` + other + `}]}`, 4,
			BBox{MinLat: 52, MinLon: 8, MaxLat: 53, MaxLon: 11}, Point{52.5, 10.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustParse(t, tt.in)
			if len(a.polys) != tt.polygons {
				t.Errorf("%d polygons, want %d", len(a.polys), tt.polygons)
			}
			if a.BBox() != tt.bbox {
				t.Errorf("BBox = %+v, want %+v", a.BBox(), tt.bbox)
			}
			if !a.Contains(tt.inside) {
				t.Errorf("Contains(%v) = false", tt.inside)
			}
			if a.Contains(Point{52.5, 9.5}) {
				t.Error("Contains(52.5, 9.5) = true, it lies between the squares")
			}
		})
	}
}

func TestParseGeoJSONErrors(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"not JSON", `{"type":`, "unexpected end"},
		{"no type", `{"coordinates":[]}`, "missing type"},
		{"Point", `{"type":"Point","coordinates":[8,52]}`, `type "Point" is not supported`},
		{"GeometryCollection", `{"type":"GeometryCollection","geometries":[]}`, `type "GeometryCollection" is not supported`},
		{"lower-case type", `{"type":"polygon","coordinates":[]}`, `type "polygon" is not supported`},
		{"no coordinates", `{"type":"Polygon"}`, "Polygon coordinates must be"},
		{"coordinates of wrong depth", `{"type":"Polygon","coordinates":[[8,52],[9,52],[9,53],[8,52]]}`, "Polygon coordinates must be"},
		{"polygon without rings", `{"type":"Polygon","coordinates":[]}`, "polygon has no rings"},
		{"ring of 3", `{"type":"Polygon","coordinates":[[[8,52],[9,52],[8,52]]]}`, "ring 0: 3 positions, a ring needs at least 4"},
		{"unclosed ring", `{"type":"Polygon","coordinates":[[[8,52],[9,52],[9,53],[8,53]]]}`, "ring 0: ring is not closed"},
		{"unclosed hole", `{"type":"MultiPolygon","coordinates":[[[[8,52],[9,52],[9,53],[8,52]]],[[[8,52],[9,52],[9,53],[8,52]],[[8.1,52.1],[8.2,52.1],[8.2,52.2],[8.1,52.3]]]]}`,
			"polygon 1 ring 1: ring is not closed"},
		{"latitude first", `{"type":"Polygon","coordinates":[[[52,8],[52,190],[53,9],[52,8]]]}`, "ring 0 position 1: [52, 190] is out of range"},
		{"short position", `{"type":"Polygon","coordinates":[[[8,52],[9],[9,53],[8,52]]]}`, "position 1: want [lon, lat]"},
		{"empty MultiPolygon", `{"type":"MultiPolygon","coordinates":[]}`, "no polygon"},
		{"Feature without geometry", `{"type":"Feature","geometry":null}`, "Feature has no geometry"},
		{"Feature with Point", `{"type":"Feature","geometry":{"type":"Point","coordinates":[8,52]}}`, `type "Point" is not supported`},
		{"Feature in Feature", `{"type":"Feature","geometry":{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[8,52],[9,52],[9,53],[8,52]]]}}}`, `type "Feature" is not supported`},
		{"FeatureCollection with a point", `{"type":"FeatureCollection","features":[
			{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[8,52],[9,52],[9,53],[8,52]]]}},
			{"type":"Feature","geometry":{"type":"Point","coordinates":[8,52]}}]}`, `feature 1: type "Point" is not supported`},
		{"FeatureCollection with a bare geometry", `{"type":"FeatureCollection","features":[{"type":"Polygon","coordinates":[[[8,52],[9,52],[9,53],[8,52]]]}]}`,
			`feature 0: type "Polygon", want Feature`},
		{"empty FeatureCollection", `{"type":"FeatureCollection","features":[]}`, "no polygon"},
		{"FeatureCollection without features", `{"type":"FeatureCollection"}`, "no features array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseGeoJSON([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ParseGeoJSON error = %v, want one containing %q", err, tt.wantErr)
			}
			if !a.IsZero() {
				t.Error("ParseGeoJSON returned an area with its error")
			}
		})
	}
	if _, err := ParseGeoJSON([]byte(`{"type":"FeatureCollection","features":[]}`)); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty collection: error %v is not ErrEmpty", err)
	}
}

func TestGeoJSONRoundTrip(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	// Floats that print badly with a fixed precision: 17 significant
	// digits, a tiny value, and 0.1+0.2.
	ring := []Point{{52.123456789012345, 7.000000000000001}, {-33.8688, 151.2093}, {1e-7, -179.99999999}, {89.9999, 0.1 + 0.2}}
	areas := []Area{
		mustParse(t, twoSquares),
		AreaFromRings(ring),
	}
	for range 20 {
		n := 3 + rnd.IntN(20)
		r := make([]Point, n)
		for i := range r {
			r[i] = Point{Lat: rnd.Float64()*180 - 90, Lon: rnd.Float64()*360 - 180}
		}
		areas = append(areas, AreaFromRings(r))
	}
	for i, a := range areas {
		data := a.GeoJSON()
		back, err := ParseGeoJSON(data)
		if err != nil {
			t.Fatalf("area %d: ParseGeoJSON(%s): %v", i, data, err)
		}
		if !reflect.DeepEqual(back, a) {
			t.Errorf("area %d: round trip changed the area:\n%s\n%s", i, data, back.GeoJSON())
		}
	}
	if got := string((Area{}).GeoJSON()); got != `{"type":"MultiPolygon","coordinates":[]}` {
		t.Errorf("zero Area GeoJSON = %s", got)
	}
}

func TestRandomPointIn(t *testing.T) {
	a := mustParse(t, twoSquares)
	rnd := rand.New(rand.NewPCG(3, 4))
	var inFirst, inSecond int
	for range 1000 {
		p := RandomPointIn(a, rnd)
		if !a.Contains(p) {
			t.Fatalf("RandomPointIn returned %v outside the area", p)
		}
		if p.Lon < 9.5 {
			inFirst++
		} else {
			inSecond++
		}
	}
	// Both squares are drawn from; the first is 4 % smaller (its hole).
	if inFirst < 380 || inSecond < 400 {
		t.Errorf("points per polygon: %d and %d, want about 490 and 510", inFirst, inSecond)
	}
	defer func() {
		if recover() == nil {
			t.Error("RandomPointIn(zero Area) did not panic")
		}
	}()
	RandomPointIn(Area{}, rnd)
}
