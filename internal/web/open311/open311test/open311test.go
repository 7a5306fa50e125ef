// Package open311test is a black-box conformance suite for an Open311
// GeoReport v2 server with the mySociety servicerequestupdates extension
// and rathaus' documented extensions (paging, extended_attributes, radius
// and bbox queries).
//
// It talks HTTP to a base URL only and never starts a server, so the same
// suite checks the in-process handler in a test and a deployed instance.
// Every check runs for both formats, .json and .xml, decodes the body with
// encoding/json or encoding/xml and asserts the values it sent.
//
// The suite creates requests in the jurisdiction it is pointed at (about
// twenty per run) and never deletes them: point it at a test jurisdiction.
package open311test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Env describes the server under test.
type Env struct {
	BaseURL      string     // e.g. "http://127.0.0.1:1234/open311/v2", no trailing slash
	APIKey       string     // a valid key for the jurisdiction
	Jurisdiction string     // the jurisdiction_id value, e.g. "test"
	Inside       [2]float64 // lat, long inside the jurisdiction boundary
	Outside      [2]float64 // a valid lat, long outside the boundary
	Client       *http.Client
}

// formats are the two representations every check runs for.
var formats = []string{"json", "xml"}

// detailedStatuses are rathaus' workflow states as shown in
// extended_attributes.detailed_status.
var detailedStatuses = []string{"new", "accepted", "in_progress", "waiting", "closed"}

// Run runs every check as a subtest of t.
func Run(t *testing.T, env Env) {
	s := newSuite(env)
	t.Run("discovery", s.testDiscovery)
	t.Run("services", s.testServices)
	t.Run("service_definitions", s.testDefinitions)
	t.Run("post", s.testPost)
	t.Run("post_errors", s.testPostErrors)
	t.Run("get_errors", s.testGetErrors)
	t.Run("query", s.testQuery)
	t.Run("spatial", s.testSpatial)
	t.Run("updates", s.testUpdates)
	// Last, because it also scans every GET body the earlier checks saw.
	t.Run("personal_data", s.testPersonalData)
}

// suite is the state shared by the checks of one Run. Subtests run one
// after another, so only the list of seen responses needs the mutex (a
// caller may still mark its own subtests parallel).
type suite struct {
	env    Env
	client *http.Client
	run    string // unique per Run, marks what this run created

	// Personal data sent with every created request; none of it may show
	// up in any GET answer.
	email, phone, firstName, lastName, deviceID string

	mu   sync.Mutex
	seen []*response // every GET answer, for the personal data check

	services []service                    // the catalogue, loaded once
	defs     map[string]serviceDefinition // definitions of metadata=true services
	n        int                          // counter for unique descriptions
}

func newSuite(env Env) *suite {
	c := env.Client
	if c == nil {
		c = http.DefaultClient
	}
	now := time.Now()
	run := strconv.FormatInt(now.UnixNano(), 36)
	digits := fmt.Sprintf("%08d", now.UnixNano()/1000%100000000)
	return &suite{
		env:       env,
		client:    c,
		run:       run,
		email:     "o311." + run + "@example.org",
		phone:     "+4930" + digits,
		firstName: "Erika" + run,
		lastName:  "Musterfrau" + run,
		deviceID:  "device-" + run,
	}
}

// phoneDigits is how the phone number would look after a server
// normalised away the plus sign.
func (s *suite) phoneDigits() string { return s.phone[1:] }

// catalogue loads the services and the definitions of those with
// metadata once; a check that needs them stops if that is impossible.
func (s *suite) catalogue(t *testing.T) []service {
	t.Helper()
	if s.services != nil {
		return s.services
	}
	r := s.get(t, "services", "json", nil)
	if !checkStatus(t, r, http.StatusOK) {
		t.FailNow()
	}
	svcs, ok := decodeList[service](t, r, "json", "", "")
	if !ok || len(svcs) == 0 {
		t.Fatalf("%s\nthe catalogue is empty: no service to post requests to", r)
	}
	defs := map[string]serviceDefinition{}
	for _, sv := range svcs {
		if !sv.Metadata {
			continue
		}
		r := s.get(t, "services/"+url.PathEscape(sv.ServiceCode), "json", nil)
		if !checkStatus(t, r, http.StatusOK) {
			t.FailNow()
		}
		d, ok := decodeOne[serviceDefinition](t, r, "json", "service_definition")
		if !ok {
			t.FailNow()
		}
		defs[sv.ServiceCode] = d
	}
	s.services, s.defs = svcs, defs
	return svcs
}

// baseService is the service plain requests go to: one without metadata
// if the catalogue has one, so that attribute rules do not get in the way.
func (s *suite) baseService(t *testing.T) service {
	t.Helper()
	svcs := s.catalogue(t)
	for _, sv := range svcs {
		if !sv.Metadata {
			return sv
		}
	}
	return svcs[0]
}

func (s *suite) serviceName(code string) string {
	for _, sv := range s.services {
		if sv.ServiceCode == code {
			return sv.ServiceName
		}
	}
	return ""
}

// validValue is a value that datatype must accept.
func validValue(a attribute) string {
	switch a.Datatype {
	case "number":
		return "3"
	case "datetime":
		return time.Now().UTC().Format(time.RFC3339)
	case "singlevaluelist", "multivaluelist":
		if len(a.Values) > 0 {
			return string(a.Values[0].Key)
		}
	}
	return "Testwert"
}

// validForm is a complete, valid POST for service code at lat/long with a
// unique description, carrying every required attribute (all attributes
// if all is true) and the run's personal data.
func (s *suite) validForm(t *testing.T, code string, lat, long float64, all bool) url.Values {
	t.Helper()
	s.catalogue(t)
	s.n++
	f := url.Values{
		"api_key":      {s.env.APIKey},
		"service_code": {code},
		"lat":          {strconv.FormatFloat(lat, 'f', -1, 64)},
		"long":         {strconv.FormatFloat(long, 'f', -1, 64)},
		"email":        {s.email},
		"phone":        {s.phone},
		"first_name":   {s.firstName},
		"last_name":    {s.lastName},
		"device_id":    {s.deviceID},
		"description":  {fmt.Sprintf("Conformance %s #%d: Schlagloch vor dem Rathaus", s.run, s.n)},
	}
	for _, a := range s.defs[code].Attributes {
		if !a.Variable || (!a.Required && !all) {
			continue
		}
		key := "attribute[" + a.Code + "]"
		f.Set(key, validValue(a))
		if a.Datatype == "multivaluelist" && len(a.Values) > 1 {
			f.Add(key, string(a.Values[1].Key))
		}
	}
	return f
}

// created is what a successful POST returned.
type created struct {
	id, token string
}

// checkCreated checks a POST answer: 201 (or 200), one element with a
// service_request_id and a token.
func checkCreated(t *testing.T, r *response, format string) (created, bool) {
	t.Helper()
	if !checkStatus(t, r, http.StatusCreated, http.StatusOK) {
		return created{}, false
	}
	checkContentType(t, r, format)
	rs, ok := decodeList[request](t, r, format, "service_requests", "request")
	if !ok {
		return created{}, false
	}
	if len(rs) != 1 {
		t.Errorf("%s\nPOST answer has %d elements, want 1", r, len(rs))
		return created{}, false
	}
	c := created{id: string(rs[0].ServiceRequestID), token: string(rs[0].Token)}
	if c.id == "" {
		t.Errorf("%s\nPOST answer without service_request_id", r)
		return c, false
	}
	if c.token == "" {
		t.Errorf("%s\nPOST answer without token", r)
	}
	return c, true
}

// create posts form and stops the calling check if that fails: the rest
// of the check is about the request it wanted.
func (s *suite) create(t *testing.T, format string, form url.Values) created {
	t.Helper()
	c, ok := checkCreated(t, s.postForm(t, format, form), format)
	if !ok {
		t.FailNow()
	}
	return c
}

// requests runs GET requests.{format} with q and checks what every
// request representation owes.
func (s *suite) requests(t *testing.T, format string, q url.Values) ([]request, *response) {
	t.Helper()
	r := s.get(t, "requests", format, q)
	if !checkStatus(t, r, http.StatusOK) {
		t.FailNow()
	}
	checkContentType(t, r, format)
	rs, ok := decodeList[request](t, r, format, "service_requests", "request")
	if !ok {
		t.FailNow()
	}
	for i := range rs {
		checkRequest(t, r, &rs[i], q.Get("extensions") == "true")
	}
	return rs, r
}

// one fetches GET requests/{id}.{format}, which must hold exactly that request.
func (s *suite) one(t *testing.T, format, id string, q url.Values) (request, *response) {
	t.Helper()
	r := s.get(t, "requests/"+url.PathEscape(id), format, q)
	if !checkStatus(t, r, http.StatusOK) {
		t.FailNow()
	}
	checkContentType(t, r, format)
	rs, ok := decodeList[request](t, r, format, "service_requests", "request")
	if !ok {
		t.FailNow()
	}
	if len(rs) != 1 {
		t.Fatalf("%s\n%d requests, want 1", r, len(rs))
	}
	checkRequest(t, r, &rs[0], q.Get("extensions") == "true")
	if got := string(rs[0].ServiceRequestID); got != id {
		t.Errorf("%s\nservice_request_id %q, want %q", r, got, id)
	}
	return rs[0], r
}

// checkRequest checks the invariants of any request representation.
func checkRequest(t *testing.T, r *response, q *request, extensions bool) {
	t.Helper()
	id := q.ServiceRequestID
	if id == "" {
		t.Errorf("%s\nrequest without service_request_id", r)
	}
	if q.Status != "open" && q.Status != "closed" {
		t.Errorf("%s\nrequest %s: status %q, want open or closed", r, id, q.Status)
	}
	if q.ServiceCode == "" {
		t.Errorf("%s\nrequest %s: no service_code", r, id)
	}
	checkTime(t, r, "requested_datetime", q.RequestedDatetime)
	if q.UpdatedDatetime != "" {
		checkTime(t, r, "updated_datetime", q.UpdatedDatetime)
	}
	if q.ExpectedDatetime != "" {
		checkTime(t, r, "expected_datetime", q.ExpectedDatetime)
	}
	if q.Lat != nil && (*q.Lat < -90 || *q.Lat > 90) {
		t.Errorf("%s\nrequest %s: lat %v out of range", r, id, *q.Lat)
	}
	if q.Long != nil && (*q.Long < -180 || *q.Long > 180) {
		t.Errorf("%s\nrequest %s: long %v out of range", r, id, *q.Long)
	}
	if !extensions {
		if q.Extended != nil {
			t.Errorf("%s\nrequest %s: extended_attributes without extensions=true", r, id)
		}
		return
	}
	x := q.Extended
	if x == nil {
		t.Errorf("%s\nrequest %s: no extended_attributes with extensions=true", r, id)
		return
	}
	if !contains(detailedStatuses, x.DetailedStatus) {
		t.Errorf("%s\nrequest %s: detailed_status %q, want one of %v", r, id, x.DetailedStatus, detailedStatuses)
	}
	if (x.DetailedStatus == "closed") != (q.Status == "closed") {
		t.Errorf("%s\nrequest %s: detailed_status %q contradicts status %q", r, id, x.DetailedStatus, q.Status)
	}
	if len(x.StatusHistory) == 0 {
		t.Errorf("%s\nrequest %s: empty status_history", r, id)
	}
	for _, h := range x.StatusHistory {
		if h.Status != "open" && h.Status != "closed" {
			t.Errorf("%s\nrequest %s: status_history status %q, want open or closed", r, id, h.Status)
		}
		if h.DetailedStatus != "" && !contains(detailedStatuses, h.DetailedStatus) {
			t.Errorf("%s\nrequest %s: status_history detailed_status %q, want one of %v", r, id, h.DetailedStatus, detailedStatuses)
		}
		checkTime(t, r, "status_history updated_datetime", h.UpdatedDatetime)
	}
	for _, m := range x.MediaURLs {
		if u, err := url.Parse(m); err != nil || u.Scheme == "" || u.Host == "" {
			t.Errorf("%s\nrequest %s: media_urls entry %q is not an absolute URL", r, id, m)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func ids(rs []request) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r.ServiceRequestID)
	}
	return out
}

// forEachFormat runs check once per format as a subtest.
func forEachFormat(t *testing.T, check func(t *testing.T, format string)) {
	t.Helper()
	for _, f := range formats {
		t.Run(f, func(t *testing.T) { check(t, f) })
	}
}
