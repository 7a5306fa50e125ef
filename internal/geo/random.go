package geo

import "math/rand/v2"

// RandomPointIn returns a random point inside a, for demo data: it draws
// points uniformly in degrees within a's bbox until one falls inside a
// (uniform in degrees, not in square metres, which is close enough within a
// city). It panics for the zero Area, and for an area that covers almost
// nothing of its bbox (after a million misses), because either is a bug in
// the caller's data.
func RandomPointIn(a Area, rnd *rand.Rand) Point {
	if a.IsZero() {
		panic("geo: RandomPointIn on the zero Area")
	}
	b := a.bbox
	for range 1_000_000 {
		p := Point{
			Lat: b.MinLat + rnd.Float64()*(b.MaxLat-b.MinLat),
			Lon: b.MinLon + rnd.Float64()*(b.MaxLon-b.MinLon),
		}
		if a.Contains(p) {
			return p
		}
	}
	panic("geo: RandomPointIn: area covers almost none of its bbox")
}
