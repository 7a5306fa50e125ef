package open311test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	status400    = []int{http.StatusBadRequest}
	status403    = []int{http.StatusForbidden}
	status404    = []int{http.StatusNotFound}
	status400404 = []int{http.StatusBadRequest, http.StatusNotFound}
	status400413 = []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge}
)

// postCase is one invalid POST: a valid form for service, edited.
type postCase struct {
	name    string
	service string // service code; the base service if empty
	edit    func(f url.Values)
	files   []filePart // sent as multipart/form-data when set
	raw     func(t *testing.T, format string) *response
	status  []int
	fields  []string // the description must name one of them
	skip    string   // why the catalogue cannot exercise this case
}

// attributeOf finds a variable attribute for which match holds, and its service.
func (s *suite) attributeOf(match func(a attribute) bool) (string, attribute, bool) {
	for code, d := range s.defs {
		for _, a := range d.Attributes {
			if a.Variable && match(a) {
				return code, a, true
			}
		}
	}
	return "", attribute{}, false
}

func (s *suite) postCases(t *testing.T) []postCase {
	s.catalogue(t)
	outLat := strconv.FormatFloat(s.env.Outside[0], 'f', -1, 64)
	outLong := strconv.FormatFloat(s.env.Outside[1], 'f', -1, 64)
	cases := []postCase{
		{name: "missing_api_key", edit: func(f url.Values) { f.Del("api_key") }, status: status403, fields: []string{"api_key"}},
		{name: "wrong_api_key", edit: func(f url.Values) { f.Set("api_key", "wrong-"+s.run) }, status: status403, fields: []string{"api_key"}},
		{name: "unknown_jurisdiction", edit: func(f url.Values) { f.Set("jurisdiction_id", "nowhere-"+s.run) }, status: status404, fields: []string{"jurisdiction_id"}},
		{name: "missing_service_code", edit: func(f url.Values) { f.Del("service_code") }, status: status400, fields: []string{"service_code"}},
		{name: "unknown_service_code", edit: func(f url.Values) { f.Set("service_code", "no-such-service-"+s.run) }, status: status400404, fields: []string{"service_code"}},
		{name: "lat_without_long", edit: func(f url.Values) { f.Del("long") }, status: status400, fields: []string{"long"}},
		{name: "lat_out_of_range", edit: func(f url.Values) { f.Set("lat", "95") }, status: status400, fields: []string{"lat"}},
		{name: "long_not_a_number", edit: func(f url.Values) { f.Set("long", "east") }, status: status400, fields: []string{"long"}},
		{name: "outside_boundary", edit: func(f url.Values) { f.Set("lat", outLat); f.Set("long", outLong) }, status: status400, fields: []string{"lat", "long", "location"}},
		{name: "no_location", edit: func(f url.Values) { f.Del("lat"); f.Del("long"); f.Del("address_string") }, status: status400, fields: []string{"lat", "address_string"}},
		{name: "html_description", edit: func(f url.Values) { f.Set("description", "Gefahr <script>alert(1)</script> "+s.run) }, status: status400, fields: []string{"description"}},
		{name: "oversized_body", raw: s.oversized, status: status400413},
		{name: "text_as_media", edit: func(f url.Values) {},
			files:  []filePart{{"media", "notiz.png", "image/png", []byte("Dies ist kein Bild, sondern Text.\n")}},
			status: status400, fields: []string{"media"}},
	}

	req := postCase{name: "missing_required_attribute", status: status400}
	if code, a, ok := s.attributeOf(func(a attribute) bool { return a.Required }); ok {
		req.service, req.fields = code, []string{a.Code}
		req.edit = func(f url.Values) { f.Del("attribute[" + a.Code + "]") }
	} else {
		req.skip = "no service has a required attribute"
	}
	num := postCase{name: "number_attribute_not_a_number", status: status400}
	if code, a, ok := s.attributeOf(func(a attribute) bool { return a.Datatype == "number" }); ok {
		num.service, num.fields = code, []string{a.Code}
		num.edit = func(f url.Values) { f.Set("attribute["+a.Code+"]", "abc") }
	} else {
		num.skip = "no service has a number attribute"
	}
	single := postCase{name: "singlevaluelist_unknown_key", status: status400}
	if code, a, ok := s.attributeOf(func(a attribute) bool { return a.Datatype == "singlevaluelist" }); ok {
		single.service, single.fields = code, []string{a.Code}
		single.edit = func(f url.Values) { f.Set("attribute["+a.Code+"]", "no-such-key-"+s.run) }
	} else {
		single.skip = "no service has a singlevaluelist attribute"
	}
	return append(cases, req, num, single)
}

// oversized posts a form body just over 12 MiB.
func (s *suite) oversized(t *testing.T, format string) *response {
	form := s.withJurisdiction(s.validForm(t, s.baseService(t).ServiceCode, s.env.Inside[0], s.env.Inside[1], true))
	body := form.Encode() + "&description=" + strings.Repeat("x", 12<<20+1024)
	return s.post(t, format, "application/x-www-form-urlencoded", strings.NewReader(body))
}

// snapshot is what GET requests shows, to prove that a rejected POST
// changed nothing: the count and the newest request.
type snapshot struct {
	n      int
	newest string
}

func (s *suite) snapshot(t *testing.T) snapshot {
	t.Helper()
	rs, _ := s.requests(t, "json", nil)
	sn := snapshot{n: len(rs)}
	if len(rs) > 0 {
		sn.newest = string(rs[0].ServiceRequestID)
	}
	return sn
}

func (s *suite) testPostErrors(t *testing.T) {
	base := s.baseService(t)
	for _, tc := range s.postCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip != "" {
				t.Skip(tc.skip)
			}
			forEachFormat(t, func(t *testing.T, f string) {
				before := s.snapshot(t)
				var r *response
				if tc.raw != nil {
					r = tc.raw(t, f)
				} else {
					code := tc.service
					if code == "" {
						code = base.ServiceCode
					}
					form := s.validForm(t, code, s.env.Inside[0], s.env.Inside[1], true)
					tc.edit(form)
					if tc.files != nil {
						r = s.postMultipart(t, f, form, tc.files)
					} else {
						r = s.postForm(t, f, form)
					}
				}
				checkError(t, r, f, tc.status, tc.fields...)
				if after := s.snapshot(t); after != before {
					t.Errorf("%s\nthe rejected POST changed GET requests: %+v before, %+v after", r, before, after)
				}
			})
		})
	}
}

func (s *suite) testGetErrors(t *testing.T) {
	s.catalogue(t)
	code := s.baseService(t).ServiceCode
	nowhere := url.Values{"jurisdiction_id": {"nowhere-" + s.run}}
	now := time.Now()
	tests := []struct {
		name   string
		path   string
		q      url.Values
		status []int
		fields []string
	}{
		{"unknown_jurisdiction/discovery", "discovery", nowhere, status404, []string{"jurisdiction_id"}},
		{"unknown_jurisdiction/services", "services", nowhere, status404, []string{"jurisdiction_id"}},
		{"unknown_jurisdiction/service_definition", "services/" + url.PathEscape(code), nowhere, status404, []string{"jurisdiction_id"}},
		{"unknown_jurisdiction/requests", "requests", nowhere, status404, []string{"jurisdiction_id"}},
		{"unknown_jurisdiction/servicerequestupdates", "servicerequestupdates", nowhere, status404, []string{"jurisdiction_id"}},
		{"unknown_service_definition", "services/no-such-service-" + s.run, nil, status404, []string{"service"}},
		{"unknown_request", "requests/999999999", nil, status404, nil},
		{"bad_start_date", "requests", url.Values{"start_date": {"yesterday"}}, status400, []string{"start_date"}},
		{"bad_end_date", "requests", url.Values{"end_date": {"2026-13-45"}}, status400, []string{"end_date"}},
		{"end_before_start", "requests", url.Values{
			"start_date": {now.UTC().Format(time.RFC3339)},
			"end_date":   {now.Add(-24 * time.Hour).UTC().Format(time.RFC3339)},
		}, status400, []string{"end_date", "start_date"}},
		{"bad_status", "requests", url.Values{"status": {"pending"}}, status400, []string{"status"}},
		{"bbox_three_numbers", "requests", url.Values{"bbox": {"13.3,52.4,13.5"}}, status400, []string{"bbox"}},
		{"bbox_not_numbers", "requests", url.Values{"bbox": {"a,b,c,d"}}, status400, []string{"bbox"}},
		{"bbox_min_above_max", "requests", url.Values{"bbox": {"13.5,52.5,13.3,52.4"}}, status400, []string{"bbox"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachFormat(t, func(t *testing.T, f string) {
				checkError(t, s.get(t, tt.path, f, tt.q), f, tt.status, tt.fields...)
			})
		})
	}
	t.Run("unsupported_format", func(t *testing.T) {
		r := s.get(t, "services", "csv", nil)
		if !checkStatus(t, r, http.StatusNotFound, http.StatusBadRequest) {
			return
		}
		f := "json"
		if strings.Contains(r.header.Get("Content-Type"), "xml") {
			f = "xml"
		}
		checkError(t, r, f, []int{r.status})
	})
}
