package open311test

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fake is a small in-memory Open311 server that keeps the contract the
// suite checks. It exists to test the suite: the suite must pass against
// it, and must fail against each of its mutants.
type fake struct {
	mutant string // "" for the faithful server; see mutants in open311test_test.go
	key    string
	base   string // URL path prefix, "/open311/v2"
	public string // scheme://host, set once the test server runs

	mu    sync.Mutex
	reqs  []*fakeRequest
	media map[string][]byte
}

type fakeRequest struct {
	id, token, code, description, address string
	lat, long                             *float64
	created                               time.Time
	mediaURL                              string
	media                                 []string
	email                                 string // personal data: stored, never shown
}

var (
	fakeZone   = time.FixedZone("CET", 3600)
	fakeBounds = [4]float64{52.3, 13.0, 52.7, 13.8} // min lat, min long, max lat, max long
)

type fakeService struct {
	XMLName     xml.Name `json:"-" xml:"service"`
	ServiceCode string   `json:"service_code" xml:"service_code"`
	ServiceName string   `json:"service_name" xml:"service_name"`
	Description string   `json:"description" xml:"description"`
	Metadata    bool     `json:"metadata" xml:"metadata"`
	Type        string   `json:"type" xml:"type"`
	Keywords    string   `json:"keywords" xml:"keywords"`
	Group       string   `json:"group" xml:"group"`
}

type fakeAttr struct {
	Variable    bool        `json:"variable" xml:"variable"`
	Code        string      `json:"code" xml:"code"`
	Datatype    string      `json:"datatype" xml:"datatype"`
	Required    bool        `json:"required" xml:"required"`
	DDesc       string      `json:"datatype_description" xml:"datatype_description"`
	Order       int         `json:"order" xml:"order"`
	Description string      `json:"description" xml:"description"`
	Values      []fakeValue `json:"values,omitempty" xml:"values>value,omitempty"`
}

type fakeValue struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

var fakeServices = []fakeService{
	{ServiceCode: "pothole", ServiceName: "Schlagloch", Description: "Schäden an der Fahrbahn", Type: "realtime", Keywords: "straße,loch", Group: "Straße"},
	{ServiceCode: "lamp", ServiceName: "Straßenlaterne", Description: "Laterne defekt", Metadata: true, Type: "realtime", Keywords: "licht", Group: "Licht"},
}

var fakeAttrs = []fakeAttr{
	{Variable: true, Code: "count", Datatype: "number", Required: true, Order: 1, Description: "Wie viele Laternen?"},
	{Variable: true, Code: "kind", Datatype: "singlevaluelist", Required: true, Order: 2, Description: "Art",
		Values: []fakeValue{{"led", "LED"}, {"sodium", "Natriumdampf"}}},
	{Variable: true, Code: "extras", Datatype: "multivaluelist", Order: 3, Description: "Weiteres",
		Values: []fakeValue{{"dark", "ganz dunkel"}, {"flicker", "flackert"}}},
	{Variable: true, Code: "seen_at", Datatype: "datetime", Order: 4, Description: "Wann bemerkt?"},
	{Variable: false, Code: "hint", Datatype: "text", Order: 5, Description: "Bitte Mast-Nummer angeben"},
}

type fakeError struct {
	XMLName     xml.Name `json:"-" xml:"error"`
	Code        int      `json:"code" xml:"code"`
	Description string   `json:"description" xml:"description"`
}

type fakeHist struct {
	Status          string `json:"status" xml:"status"`
	DetailedStatus  string `json:"detailed_status" xml:"detailed_status"`
	UpdatedDatetime string `json:"updated_datetime" xml:"updated_datetime"`
}

type fakeExt struct {
	DetailedStatus string     `json:"detailed_status" xml:"detailed_status"`
	StatusHistory  []fakeHist `json:"status_history" xml:"status_history>entry"`
	MediaURLs      []string   `json:"media_urls" xml:"media_urls>media_url"`
}

type fakeOut struct {
	XMLName           xml.Name `json:"-" xml:"request"`
	ID                string   `json:"service_request_id" xml:"service_request_id"`
	Token             string   `json:"token,omitempty" xml:"token,omitempty"`
	Status            string   `json:"status,omitempty" xml:"status,omitempty"`
	ServiceName       string   `json:"service_name,omitempty" xml:"service_name,omitempty"`
	ServiceCode       string   `json:"service_code,omitempty" xml:"service_code,omitempty"`
	Description       string   `json:"description,omitempty" xml:"description,omitempty"`
	ServiceNotice     string   `json:"service_notice" xml:"service_notice"`
	RequestedDatetime string   `json:"requested_datetime,omitempty" xml:"requested_datetime,omitempty"`
	UpdatedDatetime   string   `json:"updated_datetime,omitempty" xml:"updated_datetime,omitempty"`
	Address           string   `json:"address,omitempty" xml:"address,omitempty"`
	Lat               *float64 `json:"lat,omitempty" xml:"lat,omitempty"`
	Long              *float64 `json:"long,omitempty" xml:"long,omitempty"`
	MediaURL          string   `json:"media_url,omitempty" xml:"media_url,omitempty"`
	Email             string   `json:"email,omitempty" xml:"email,omitempty"`
	Ext               *fakeExt `json:"extended_attributes,omitempty" xml:"extended_attributes,omitempty"`
}

type fakeUpdate struct {
	XMLName          xml.Name `json:"-" xml:"request_update"`
	UpdateID         string   `json:"update_id" xml:"update_id"`
	ServiceRequestID string   `json:"service_request_id" xml:"service_request_id"`
	Status           string   `json:"status" xml:"status"`
	UpdatedDatetime  string   `json:"updated_datetime" xml:"updated_datetime"`
	Description      string   `json:"description" xml:"description"`
	MediaURL         string   `json:"media_url" xml:"media_url"`
}

type fakeFail struct {
	status int
	msg    string
}

func (e *fakeFail) Error() string { return e.msg }

func fail(status int, format string, args ...any) error {
	return &fakeFail{status, fmt.Sprintf(format, args...)}
}

func (f *fake) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+f.base+"/{file}", f.serve(f.top))
	mux.HandleFunc("GET "+f.base+"/services/{file}", f.serve(f.definition))
	mux.HandleFunc("GET "+f.base+"/requests/{file}", f.serve(f.request))
	mux.HandleFunc("GET "+f.base+"/tokens/{file}", f.serve(f.token))
	mux.HandleFunc("POST "+f.base+"/{file}", f.serve(f.post))
	mux.HandleFunc("GET "+f.base+"/media/{name}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		b, ok := f.media[r.PathValue("name")]
		f.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", http.DetectContentType(b))
		w.Write(b)
	})
	return mux
}

// answer is what a route returns: the XML root and the value (a slice is
// a list whose elements carry their own XML names).
type answer struct {
	status int
	root   string
	v      any
}

func (f *fake) serve(h func(r *http.Request, name, format string) (answer, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		file := r.PathValue("file")
		name, format, _ := strings.Cut(file, ".")
		if i := strings.LastIndex(file, "."); i >= 0 {
			name, format = file[:i], file[i+1:]
		}
		if format != "json" && format != "xml" {
			f.write(w, "xml", answer{404, "errors", []fakeError{{Code: 404, Description: "unsupported format " + format}}})
			return
		}
		if j := r.URL.Query().Get("jurisdiction_id"); j != "" && j != "test" {
			f.write(w, format, answer{404, "errors", []fakeError{{Code: 404, Description: "unknown jurisdiction_id " + j}}})
			return
		}
		a, err := h(r, name, format)
		if err != nil {
			var ff *fakeFail
			if !errors.As(err, &ff) {
				ff = &fakeFail{500, err.Error()}
			}
			a = answer{ff.status, "errors", []fakeError{{Code: ff.status, Description: ff.msg}}}
		}
		f.write(w, format, a)
	}
}

func (f *fake) write(w http.ResponseWriter, format string, a answer) {
	var body []byte
	var err error
	if format == "json" {
		w.Header().Set("Content-Type", "application/json")
		body, err = json.Marshal(a.v)
	} else {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		var inner []byte
		inner, err = xml.Marshal(a.v)
		if a.root != "" && a.root != "discovery" && a.root != "service_definition" {
			inner = []byte("<" + a.root + ">" + string(inner) + "</" + a.root + ">")
		}
		body = append([]byte(xml.Header), inner...)
	}
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.WriteHeader(a.status)
	w.Write(body)
}

func (f *fake) top(r *http.Request, name, format string) (answer, error) {
	switch name {
	case "discovery":
		type endpoint struct {
			Specification string   `json:"specification" xml:"specification"`
			URL           string   `json:"url" xml:"url"`
			Changeset     string   `json:"changeset" xml:"changeset"`
			Type          string   `json:"type" xml:"type"`
			Formats       []string `json:"formats" xml:"formats>format"`
		}
		type disc struct {
			XMLName    xml.Name   `json:"-" xml:"discovery"`
			Changeset  string     `json:"changeset" xml:"changeset"`
			Contact    string     `json:"contact" xml:"contact"`
			KeyService string     `json:"key_service" xml:"key_service"`
			Endpoints  []endpoint `json:"endpoints" xml:"endpoints>endpoint"`
		}
		cs := "2026-03-02T09:00:00+01:00"
		return answer{200, "discovery", disc{Changeset: cs, Contact: "it@rathaus.example", KeyService: "Schlüssel beim IT-Amt",
			Endpoints: []endpoint{{specURL, f.public + f.base, cs, "production", []string{"text/xml", "application/json"}}}}}, nil
	case "services":
		return answer{200, "services", fakeServices}, nil
	case "requests":
		return f.list(r)
	case "servicerequestupdates":
		return f.updates(r)
	}
	return answer{}, fail(404, "no such resource %s", name)
}

func (f *fake) definition(r *http.Request, code, format string) (answer, error) {
	if code != "lamp" {
		return answer{}, fail(404, "unknown service %s", code)
	}
	type def struct {
		XMLName     xml.Name   `json:"-" xml:"service_definition"`
		ServiceCode string     `json:"service_code" xml:"service_code"`
		Attributes  []fakeAttr `json:"attributes" xml:"attributes>attribute"`
	}
	return answer{200, "service_definition", def{ServiceCode: code, Attributes: fakeAttrs}}, nil
}

func (f *fake) out(q *fakeRequest, ext bool) fakeOut {
	o := fakeOut{ID: q.id, Status: "open", ServiceCode: q.code, Description: q.description, Address: q.address,
		RequestedDatetime: q.created.In(fakeZone).Format(time.RFC3339), UpdatedDatetime: q.created.UTC().Format(time.RFC3339),
		Lat: q.lat, Long: q.long, MediaURL: q.mediaURL}
	for _, s := range fakeServices {
		if s.ServiceCode == q.code {
			o.ServiceName = s.ServiceName
		}
	}
	if len(q.media) > 0 {
		o.MediaURL = q.media[0]
	}
	if f.mutant == "leak_email" {
		o.Email = q.email
	}
	if ext || f.mutant == "always_extended" {
		media := slices.Clone(q.media)
		if q.mediaURL != "" {
			media = append(media, q.mediaURL)
		}
		o.Ext = &fakeExt{DetailedStatus: "new", MediaURLs: media,
			StatusHistory: []fakeHist{{"open", "new", o.RequestedDatetime}}}
	}
	return o
}

func (f *fake) request(r *http.Request, id, format string) (answer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, q := range f.reqs {
		if q.id == id {
			return answer{200, "service_requests", []fakeOut{f.out(q, r.FormValue("extensions") == "true")}}, nil
		}
	}
	return answer{}, fail(404, "no request %s", id)
}

func (f *fake) token(r *http.Request, token, format string) (answer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, q := range f.reqs {
		if q.token == token {
			return answer{200, "service_requests", []fakeOut{{ID: q.id, Token: q.token}}}, nil
		}
	}
	return answer{}, fail(404, "no token %s", token)
}

func window(r *http.Request, now time.Time) (time.Time, time.Time, error) {
	start, end := now.Add(-90*24*time.Hour), now.Add(time.Hour)
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"start_date", &start}, {"end_date", &end}} {
		if v := r.FormValue(p.name); v != "" {
			ts, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return start, end, fail(400, "%s: %q is not a W3C datetime", p.name, v)
			}
			*p.t = ts
		}
	}
	if end.Before(start) {
		return start, end, fail(400, "end_date is before start_date")
	}
	return start, end, nil
}

func (f *fake) list(r *http.Request) (answer, error) {
	start, end, err := window(r, time.Now())
	if err != nil {
		return answer{}, err
	}
	if st := r.FormValue("status"); st != "" {
		for s := range strings.SplitSeq(st, ",") {
			if s != "open" && s != "closed" {
				return answer{}, fail(400, "status %q is neither open nor closed", s)
			}
		}
		if !strings.Contains(st, "open") {
			return answer{200, "service_requests", []fakeOut{}}, nil
		}
	}
	var box []float64
	if b := r.FormValue("bbox"); b != "" {
		for p := range strings.SplitSeq(b, ",") {
			v, err := strconv.ParseFloat(p, 64)
			if err != nil {
				return answer{}, fail(400, "bbox: %q is not a number", p)
			}
			box = append(box, v)
		}
		if len(box) != 4 || box[0] > box[2] || box[1] > box[3] {
			return answer{}, fail(400, "bbox wants min_lon,min_lat,max_lon,max_lat")
		}
	}
	radius := -1.0
	var clat, clong float64
	if v := r.FormValue("radius"); v != "" && f.mutant != "ignore_radius" {
		radius, _ = strconv.ParseFloat(v, 64)
		clat, _ = strconv.ParseFloat(r.FormValue("lat"), 64)
		clong, _ = strconv.ParseFloat(r.FormValue("long"), 64)
	}
	ids := strings.Split(r.FormValue("service_request_id"), ",")
	codes := strings.Split(r.FormValue("service_code"), ",")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeOut
	for i := len(f.reqs) - 1; i >= 0; i-- {
		q := f.reqs[i]
		switch {
		case ids[0] != "" && !slices.Contains(ids, q.id),
			codes[0] != "" && !slices.Contains(codes, q.code),
			q.created.Before(start) || q.created.After(end),
			box != nil && (q.lat == nil || *q.lat < box[1] || *q.lat > box[3] || *q.long < box[0] || *q.long > box[2]),
			radius >= 0 && (q.lat == nil || distance(clat, clong, *q.lat, *q.long) > radius):
			continue
		}
		out = append(out, f.out(q, r.FormValue("extensions") == "true"))
	}
	if f.mutant == "oldest_first" {
		slices.Reverse(out)
	}
	page, size := 1, 1000
	if v, err := strconv.Atoi(r.FormValue("page")); err == nil && v > 0 {
		page = v
	}
	if v, err := strconv.Atoi(r.FormValue("page_size")); err == nil && v > 0 && v <= 1000 {
		size = v
	}
	lo := min((page-1)*size, len(out))
	out = out[lo:min(lo+size, len(out))]
	if out == nil {
		out = []fakeOut{}
	}
	return answer{200, "service_requests", out}, nil
}

func (f *fake) updates(r *http.Request) (answer, error) {
	start, end, err := window(r, time.Now())
	if err != nil {
		return answer{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []fakeUpdate{}
	for _, q := range f.reqs {
		if q.created.Before(start) || q.created.After(end) {
			continue
		}
		out = append(out, fakeUpdate{UpdateID: "u" + q.id, ServiceRequestID: q.id, Status: "open",
			UpdatedDatetime: q.created.UTC().Format(time.RFC3339), Description: "eingegangen"})
	}
	return answer{200, "service_request_updates", out}, nil
}

func (f *fake) post(r *http.Request, name, format string) (answer, error) {
	if name != "requests" {
		return answer{}, fail(404, "no such resource %s", name)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 12<<20)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return answer{}, fail(413, "request body over 12 MiB")
		}
		return answer{}, fail(400, "body: %v", err)
	}
	v := r.PostForm
	if j := v.Get("jurisdiction_id"); j != "" && j != "test" {
		return answer{}, fail(404, "unknown jurisdiction_id %s", j)
	}
	if v.Get("api_key") != f.key {
		return answer{}, fail(403, "api_key missing or invalid")
	}
	code := v.Get("service_code")
	if code == "" {
		return answer{}, fail(400, "service_code is required")
	}
	if !slices.ContainsFunc(fakeServices, func(s fakeService) bool { return s.ServiceCode == code }) {
		return answer{}, fail(400, "service_code %q is unknown", code)
	}
	q := &fakeRequest{code: code, description: v.Get("description"), address: v.Get("address_string"),
		mediaURL: v.Get("media_url"), email: v.Get("email"), created: time.Now()}
	if strings.ContainsAny(q.description, "<>") && f.mutant != "accept_html" {
		return answer{}, fail(400, "description must not contain markup")
	}
	lat, long := v.Get("lat"), v.Get("long")
	switch {
	case lat == "" && long == "" && q.address == "":
		return answer{}, fail(400, "lat/long or address_string is required")
	case (lat == "") != (long == ""):
		return answer{}, fail(400, "lat and long go together")
	case lat != "":
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(long, 64)
		if err1 != nil || la < -90 || la > 90 {
			return answer{}, fail(400, "lat %q is not a latitude", lat)
		}
		if err2 != nil || lo < -180 || lo > 180 {
			return answer{}, fail(400, "long %q is not a longitude", long)
		}
		if la < fakeBounds[0] || la > fakeBounds[2] || lo < fakeBounds[1] || lo > fakeBounds[3] {
			return answer{}, fail(400, "lat/long lies outside the jurisdiction")
		}
		q.lat, q.long = &la, &lo
	}
	if code == "lamp" {
		for _, a := range fakeAttrs {
			val := v["attribute["+a.Code+"]"]
			if len(val) == 0 {
				if a.Required && a.Variable {
					return answer{}, fail(400, "attribute %s is required", a.Code)
				}
				continue
			}
			switch a.Datatype {
			case "number":
				if _, err := strconv.ParseFloat(val[0], 64); err != nil {
					return answer{}, fail(400, "attribute %s must be a number", a.Code)
				}
			case "singlevaluelist", "multivaluelist":
				for _, x := range val {
					if !slices.ContainsFunc(a.Values, func(fv fakeValue) bool { return fv.Key == x }) {
						return answer{}, fail(400, "attribute %s: %q is not a listed value", a.Code, x)
					}
				}
			}
		}
	}
	var files []*multipart.FileHeader
	if r.MultipartForm != nil {
		files = r.MultipartForm.File["media"]
	}
	var blobs [][]byte
	for _, fh := range files {
		fl, err := fh.Open()
		if err != nil {
			return answer{}, err
		}
		b, err := io.ReadAll(fl)
		fl.Close()
		if err != nil {
			return answer{}, err
		}
		if !strings.HasPrefix(http.DetectContentType(b), "image/") {
			return answer{}, fail(400, "media %s is not an image", fh.Filename)
		}
		blobs = append(blobs, b)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	q.id = strconv.Itoa(1000 + len(f.reqs))
	q.token = "t" + q.id
	for i, b := range blobs {
		name := fmt.Sprintf("%s-%d", q.id, i)
		f.media[name] = b
		q.media = append(q.media, f.public+f.base+"/media/"+name)
	}
	f.reqs = append(f.reqs, q)
	return answer{201, "service_requests", []fakeOut{{ID: q.id, Token: q.token, ServiceNotice: "Danke"}}}, nil
}
