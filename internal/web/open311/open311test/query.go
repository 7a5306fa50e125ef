package open311test

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func (s *suite) testQuery(t *testing.T) {
	base := s.baseService(t)
	lat, long := s.env.Inside[0], s.env.Inside[1]
	first := s.create(t, "json", s.validForm(t, base.ServiceCode, lat, long, false))
	second := s.create(t, "json", s.validForm(t, base.ServiceCode, lat, long, false))
	pair := []string{first.id, second.id}
	slices.Sort(pair)
	now := time.Now()

	forEachFormat(t, func(t *testing.T, f string) {
		t.Run("default", func(t *testing.T) {
			rs, r := s.requests(t, f, nil)
			got := ids(rs)
			if !contains(got, first.id) || !contains(got, second.id) {
				t.Errorf("%s\nrequests just created (%v) missing from %v", r, pair, got)
			}
			if len(rs) > 1000 {
				t.Errorf("%s\n%d requests, want at most 1000", r, len(rs))
			}
			checkNewestFirst(t, r, rs)
			// The timestamps may tie at second precision; the order of
			// creation may not.
			if i, j := slices.Index(got, second.id), slices.Index(got, first.id); i > j {
				t.Errorf("%s\n%s was created after %s but is listed later: want newest first", r, second.id, first.id)
			}
			for _, q := range rs {
				if ts, err := time.Parse(time.RFC3339, q.RequestedDatetime); err == nil && now.Sub(ts) > 90*24*time.Hour+time.Hour {
					t.Errorf("%s\nrequest %s from %s is outside the default 90 day window", r, q.ServiceRequestID, q.RequestedDatetime)
				}
			}
			if strings.Contains(string(r.body), "extended_attributes") {
				t.Errorf("%s\nextended_attributes without extensions=true", r)
			}
		})
		t.Run("service_request_id", func(t *testing.T) {
			rs, r := s.requests(t, f, url.Values{"service_request_id": {first.id + "," + second.id}})
			got := ids(rs)
			slices.Sort(got)
			if !slices.Equal(got, pair) {
				t.Errorf("%s\nservice_request_id=%s,%s returned %v", r, first.id, second.id, got)
			}
		})
		t.Run("service_code", func(t *testing.T) {
			codes := []string{base.ServiceCode}
			for _, sv := range s.services {
				if sv.ServiceCode != base.ServiceCode {
					codes = append(codes, sv.ServiceCode)
					break
				}
			}
			for n := 1; n <= len(codes); n++ {
				want := codes[:n]
				rs, r := s.requests(t, f, url.Values{"service_code": {strings.Join(want, ",")}})
				if !contains(ids(rs), first.id) {
					t.Errorf("%s\nrequest %s of service %s missing", r, first.id, base.ServiceCode)
				}
				for _, q := range rs {
					if !contains(want, q.ServiceCode) {
						t.Errorf("%s\nrequest %s has service_code %q, want one of %v", r, q.ServiceRequestID, q.ServiceCode, want)
					}
				}
			}
		})
		t.Run("status", func(t *testing.T) {
			for _, tt := range []struct {
				status  string
				allowed []string
				hasNew  bool
			}{
				{"open", []string{"open"}, true},
				{"closed", []string{"closed"}, false},
				{"open,closed", []string{"open", "closed"}, true},
			} {
				rs, r := s.requests(t, f, url.Values{"status": {tt.status}})
				if contains(ids(rs), first.id) != tt.hasNew {
					t.Errorf("%s\nstatus=%s: open request %s listed = %v, want %v", r, tt.status, first.id, !tt.hasNew, tt.hasNew)
				}
				for _, q := range rs {
					if !contains(tt.allowed, q.Status) {
						t.Errorf("%s\nstatus=%s returned request %s with status %q", r, tt.status, q.ServiceRequestID, q.Status)
					}
				}
			}
		})
		t.Run("dates", func(t *testing.T) {
			// A +01:00 start and a Z end: both W3C forms must be understood.
			start := now.Add(-time.Hour).In(time.FixedZone("CET", 3600)).Truncate(time.Second)
			end := now.Add(time.Hour).UTC().Truncate(time.Second)
			rs, r := s.requests(t, f, url.Values{"start_date": {start.Format(time.RFC3339)}, "end_date": {end.Format(time.RFC3339)}})
			if got := ids(rs); !contains(got, first.id) || !contains(got, second.id) {
				t.Errorf("%s\nrequests %v created now are not in the window %s..%s", r, pair, start, end)
			}
			for _, q := range rs {
				ts, err := time.Parse(time.RFC3339, q.RequestedDatetime)
				if err == nil && (ts.Before(start) || ts.After(end)) {
					t.Errorf("%s\nrequest %s requested %s, outside %s..%s", r, q.ServiceRequestID, q.RequestedDatetime, start, end)
				}
			}
			rs, r = s.requests(t, f, url.Values{"start_date": {"2001-03-02T09:00:00+01:00"}, "end_date": {"2001-03-03T09:00:00Z"}})
			if len(rs) != 0 {
				t.Errorf("%s\na window in 2001 returned %v", r, ids(rs))
			}
		})
		t.Run("paging", func(t *testing.T) {
			all, _ := s.requests(t, f, nil)
			if len(all) < 2 {
				t.Fatalf("need two requests to check paging, have %d", len(all))
			}
			for page, want := range map[int]string{1: string(all[0].ServiceRequestID), 2: string(all[1].ServiceRequestID)} {
				rs, r := s.requests(t, f, url.Values{"page": {strconv.Itoa(page)}, "page_size": {"1"}})
				if got := ids(rs); len(got) != 1 || got[0] != want {
					t.Errorf("%s\npage=%d&page_size=1 returned %v, want [%s]", r, page, got, want)
				}
			}
			rs, r := s.requests(t, f, url.Values{"page_size": {"2"}})
			if got := ids(rs); !slices.Equal(got, ids(all[:2])) {
				t.Errorf("%s\npage_size=2 returned %v, want %v", r, got, ids(all[:2]))
			}
		})
		t.Run("extensions", func(t *testing.T) {
			// requests checks extended_attributes on every element.
			rs, r := s.requests(t, f, url.Values{"extensions": {"true"}, "service_request_id": {first.id}})
			if len(rs) != 1 {
				t.Fatalf("%s\nwant request %s", r, first.id)
			}
			if x := rs[0].Extended; x != nil && x.DetailedStatus == "closed" {
				t.Errorf("%s\na request just created is closed", r)
			}
		})
	})
}

// checkNewestFirst checks that requested_datetime never increases.
func checkNewestFirst(t *testing.T, r *response, rs []request) {
	t.Helper()
	var prev time.Time
	for i, q := range rs {
		ts, err := time.Parse(time.RFC3339, q.RequestedDatetime)
		if err != nil {
			return // checkRequest reports it
		}
		if i > 0 && ts.After(prev) {
			t.Errorf("%s\nrequest %s (%s) comes after an older one: want newest first", r, q.ServiceRequestID, q.RequestedDatetime)
			return
		}
		prev = ts
	}
}

// distance is the great-circle distance in metres.
func distance(lat1, lon1, lat2, lon2 float64) float64 {
	const earth = 6371008.8
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * earth * math.Asin(math.Sqrt(a))
}

func (s *suite) testSpatial(t *testing.T) {
	base := s.baseService(t)
	lat, long := s.env.Inside[0], s.env.Inside[1]
	near := s.create(t, "json", s.validForm(t, base.ServiceCode, lat+0.00045, long, false)) // about 50 m north
	far := s.create(t, "json", s.validForm(t, base.ServiceCode, lat+0.018, long, false))    // about 2 km north
	ll := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

	forEachFormat(t, func(t *testing.T, f string) {
		t.Run("radius", func(t *testing.T) {
			for _, tt := range []struct {
				radius    float64
				near, far bool
			}{{200, true, false}, {5000, true, true}} {
				rs, r := s.requests(t, f, url.Values{"lat": {ll(lat)}, "long": {ll(long)}, "radius": {ll(tt.radius)}})
				got := ids(rs)
				if contains(got, near.id) != tt.near || contains(got, far.id) != tt.far {
					t.Errorf("%s\nradius=%v: near %s listed %v (want %v), far %s listed %v (want %v)", r, tt.radius,
						near.id, contains(got, near.id), tt.near, far.id, contains(got, far.id), tt.far)
				}
				for _, q := range rs {
					if q.Lat == nil || q.Long == nil {
						t.Errorf("%s\nrequest %s without a location in a radius query", r, q.ServiceRequestID)
						continue
					}
					if d := distance(lat, long, *q.Lat, *q.Long); d > tt.radius+1 {
						t.Errorf("%s\nrequest %s is %.0f m away, radius %v", r, q.ServiceRequestID, d, tt.radius)
					}
				}
			}
		})
		t.Run("bbox", func(t *testing.T) {
			const d = 0.002
			minLon, minLat, maxLon, maxLat := long-d, lat-d, long+d, lat+d
			bbox := strings.Join([]string{ll(minLon), ll(minLat), ll(maxLon), ll(maxLat)}, ",")
			rs, r := s.requests(t, f, url.Values{"bbox": {bbox}})
			got := ids(rs)
			if !contains(got, near.id) || contains(got, far.id) {
				t.Errorf("%s\nbbox=%s: want %s in and %s out, got %v", r, bbox, near.id, far.id, got)
			}
			for _, q := range rs {
				if q.Lat == nil || q.Long == nil || *q.Lat < minLat || *q.Lat > maxLat || *q.Long < minLon || *q.Long > maxLon {
					t.Errorf("%s\nrequest %s at %v,%v is outside bbox %s", r, q.ServiceRequestID, q.Lat, q.Long, bbox)
				}
			}
		})
	})
}

// updates fetches GET servicerequestupdates.{format} with q, without an
// api_key: the mySociety extension is a public read.
func (s *suite) updates(t *testing.T, format string, q url.Values) ([]requestUpdate, *response) {
	t.Helper()
	r := s.get(t, "servicerequestupdates", format, q)
	if !checkStatus(t, r, http.StatusOK) {
		t.FailNow()
	}
	checkContentType(t, r, format)
	var us []requestUpdate
	if format == "json" {
		// The extension is defined for XML; for JSON accept the plain
		// array that every other list uses, or an object wrapping it.
		if err := json.Unmarshal(r.body, &us); err != nil {
			var wrapped struct {
				Updates []requestUpdate `json:"service_request_updates"`
			}
			if err2 := json.Unmarshal(r.body, &wrapped); err2 != nil || wrapped.Updates == nil {
				t.Fatalf("%s\ndecode json updates: %v", r, err)
			}
			us = wrapped.Updates
		}
	} else {
		var ok bool
		if us, ok = decodeList[requestUpdate](t, r, format, "service_request_updates", "request_update"); !ok {
			t.FailNow()
		}
	}
	return us, r
}

func (s *suite) testUpdates(t *testing.T) {
	base := s.baseService(t)
	c := s.create(t, "json", s.validForm(t, base.ServiceCode, s.env.Inside[0], s.env.Inside[1], false))
	now := time.Now()
	start := now.Add(-10 * time.Minute).UTC().Truncate(time.Second)
	end := now.Add(10 * time.Minute).UTC().Truncate(time.Second)
	forEachFormat(t, func(t *testing.T, f string) {
		us, r := s.updates(t, f, url.Values{"start_date": {start.Format(time.RFC3339)}, "end_date": {end.Format(time.RFC3339)}})
		seen := map[text]bool{}
		var submitted bool
		for _, u := range us {
			if u.UpdateID == "" {
				t.Errorf("%s\nupdate without update_id: %+v", r, u)
			}
			if seen[u.UpdateID] {
				t.Errorf("%s\nupdate_id %q twice", r, u.UpdateID)
			}
			seen[u.UpdateID] = true
			if u.ServiceRequestID == "" {
				t.Errorf("%s\nupdate %s without service_request_id", r, u.UpdateID)
			}
			if u.Status != "open" && u.Status != "closed" {
				t.Errorf("%s\nupdate %s: status %q, want open or closed", r, u.UpdateID, u.Status)
			}
			if ts, ok := checkTime(t, r, "updated_datetime", u.UpdatedDatetime); ok && (ts.Before(start) || ts.After(end)) {
				t.Errorf("%s\nupdate %s at %s is outside %s..%s", r, u.UpdateID, u.UpdatedDatetime, start, end)
			}
			if string(u.ServiceRequestID) == c.id && u.Status == "open" {
				submitted = true
			}
		}
		if !submitted {
			t.Errorf("%s\nno open update for request %s submitted at %s", r, c.id, now.Format(time.RFC3339))
		}
		old, r := s.updates(t, f, url.Values{"start_date": {"2001-03-02T09:00:00+01:00"}, "end_date": {"2001-03-03T09:00:00Z"}})
		if len(old) != 0 {
			t.Errorf("%s\na window in 2001 returned %d updates", r, len(old))
		}
	})
}

// testPersonalData creates a request carrying personal data, reads it
// every way the API offers, and then scans every GET answer of the whole
// run for that data.
func (s *suite) testPersonalData(t *testing.T) {
	base := s.baseService(t)
	form := s.validForm(t, base.ServiceCode, s.env.Inside[0], s.env.Inside[1], false)
	c := s.create(t, "json", form)
	now := time.Now()
	window := url.Values{
		"start_date": {now.Add(-10 * time.Minute).UTC().Format(time.RFC3339)},
		"end_date":   {now.Add(10 * time.Minute).UTC().Format(time.RFC3339)},
	}
	for _, f := range formats {
		s.one(t, f, c.id, nil)
		s.one(t, f, c.id, url.Values{"extensions": {"true"}})
		s.requests(t, f, url.Values{"extensions": {"true"}})
		s.updates(t, f, window)
		s.get(t, "tokens/"+url.PathEscape(c.token), f, nil)
	}
	secrets := map[string]string{
		"email":      s.email,
		"phone":      s.phoneDigits(),
		"first_name": s.firstName,
		"last_name":  s.lastName,
		"device_id":  s.deviceID,
	}
	s.mu.Lock()
	seen := slices.Clone(s.seen)
	s.mu.Unlock()
	for _, r := range seen {
		body := string(r.body)
		for field, v := range secrets {
			if strings.Contains(body, v) {
				t.Errorf("%s\nGET answer contains the %s %q sent with a POST", r, field, v)
			}
		}
	}
}
