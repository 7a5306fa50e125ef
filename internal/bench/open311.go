package bench

import (
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
)

// Open311Setup is what the Open311 scenarios need to know about the server
// and the seeded data.
type Open311Setup struct {
	BaseURL  string // e.g. "http://127.0.0.1:34567", without /open311/v2
	HelloURL string // the hello-world reference on the same process
	APIKey   string
	Services []*rathaus.Service // offered to Open311 clients, with their attributes
	Seeded   *Seeded
	Now      func() time.Time
	// POSTTarget is the POST throughput goal in requests per second; 0
	// means none (the issue sets 2,000/s for SQLite only).
	POSTTarget float64
}

// Scenario names, in the order Open311Scenarios returns them.
const (
	ScenarioHello    = "hello world (ceiling)"
	ScenarioList     = "GET requests (90 days, page_size 1000)"
	ScenarioBBox     = "GET requests bbox 3×2 km (90 days)"
	ScenarioRadius   = "GET requests 200 m radius, 1 service, 30 days"
	ScenarioByID     = "GET requests/{id}"
	ScenarioPost     = "POST requests"
	open311Prefix    = "/open311/v2"
	bboxHalfHeightKm = 1.0
	bboxHalfWidthKm  = 1.5
)

// Open311Scenarios returns the hello-world reference and the Open311 calls
// of the benchmark, with their targets (on 2 cores): bbox and radius
// p95 < 20 ms, the 90-day list p95 < 50 ms, POST throughput as configured.
func Open311Scenarios(s Open311Setup) []Scenario {
	get := func(path string, q url.Values) (*http.Request, error) {
		u := s.BaseURL + open311Prefix + path
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		return http.NewRequest(http.MethodGet, u, nil)
	}
	randomService := func(rnd *rand.Rand) *rathaus.Service { return s.Services[rnd.IntN(len(s.Services))] }
	post := Scenario{Name: ScenarioPost, Status: http.StatusCreated, New: func(rnd *rand.Rand) (*http.Request, error) {
		svc := randomService(rnd)
		p := s.Seeded.HotSpotPoint(rnd)
		if rnd.IntN(5) == 0 {
			p = s.Seeded.UniformPoint(rnd)
		}
		f := url.Values{
			"api_key":      {s.APIKey},
			"service_code": {svc.Code},
			"lat":          {strconv.FormatFloat(p.Lat, 'f', 6, 64)},
			"long":         {strconv.FormatFloat(p.Lon, 'f', 6, 64)},
			"description":  {svc.Name + ": " + phrases[rnd.IntN(len(phrases))]},
		}
		if rnd.IntN(3) == 0 {
			f.Set("address_string", streets[rnd.IntN(len(streets))]+" "+strconv.Itoa(1+rnd.IntN(120)))
		}
		for _, a := range svc.Attributes {
			if a.Variable && a.Required {
				f.Set("attribute["+a.Code+"]", AttributeValue(a, rnd, s.Now()))
			}
		}
		req, err := http.NewRequest(http.MethodPost, s.BaseURL+open311Prefix+"/requests.json", strings.NewReader(f.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	}}
	if s.POSTTarget > 0 {
		post.Target = Target{Metric: RPS, Limit: s.POSTTarget}
	}
	return []Scenario{
		{Name: ScenarioHello, Status: http.StatusOK, New: func(*rand.Rand) (*http.Request, error) {
			return http.NewRequest(http.MethodGet, s.HelloURL, nil)
		}},
		{Name: ScenarioList, Status: http.StatusOK, Target: Target{Metric: P95, Limit: 50}, New: func(*rand.Rand) (*http.Request, error) {
			return get("/requests.json", url.Values{"page_size": {"1000"}})
		}},
		{Name: ScenarioBBox, Status: http.StatusOK, Target: Target{Metric: P95, Limit: 20}, New: func(rnd *rand.Rand) (*http.Request, error) {
			c := s.Seeded.HotSpotPoint(rnd)
			dLat := bboxHalfHeightKm / 111.32
			dLon := bboxHalfWidthKm / (111.32 * math.Cos(c.Lat*math.Pi/180))
			f := func(x float64) string { return strconv.FormatFloat(x, 'f', 6, 64) }
			return get("/requests.json", url.Values{"bbox": {f(c.Lon-dLon) + "," + f(c.Lat-dLat) + "," + f(c.Lon+dLon) + "," + f(c.Lat+dLat)}})
		}},
		{Name: ScenarioRadius, Status: http.StatusOK, Target: Target{Metric: P95, Limit: 20}, New: func(rnd *rand.Rand) (*http.Request, error) {
			p := s.Seeded.HotSpotPoint(rnd)
			return get("/requests.json", url.Values{
				"lat":          {strconv.FormatFloat(p.Lat, 'f', 6, 64)},
				"long":         {strconv.FormatFloat(p.Lon, 'f', 6, 64)},
				"radius":       {"200"},
				"service_code": {randomService(rnd).Code},
				"start_date":   {s.Now().Add(-30 * 24 * time.Hour).UTC().Format(time.RFC3339)},
			})
		}},
		{Name: ScenarioByID, Status: http.StatusOK, New: func(rnd *rand.Rand) (*http.Request, error) {
			return get("/requests/"+strconv.FormatInt(s.Seeded.RandomID(rnd), 10)+".json", nil)
		}},
		post,
	}
}

// Offered returns the services an Open311 client may post to: active,
// public reports.
func Offered(svcs []*rathaus.Service) []*rathaus.Service {
	var out []*rathaus.Service
	for _, s := range svcs {
		if s.Active && s.Kind == rathaus.KindReport && s.Audience == "public" {
			out = append(out, s)
		}
	}
	return out
}
