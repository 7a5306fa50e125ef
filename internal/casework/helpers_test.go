package casework_test

import (
	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/geo"
)

func pointOf(r *rathaus.Request) geo.Point { return geo.Point{Lat: r.Lat, Lon: r.Lon} }
