package open311_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

func TestOpen311(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := newStack(t, db)
		t.Run("discovery", st.testDiscovery)
		t.Run("services", st.testServices)
		t.Run("routing", st.testRouting)
		t.Run("post", st.testPost)
		t.Run("post_multipart", st.testPostMultipart)
		t.Run("get", st.testGet)
		t.Run("query_errors", st.testQueryErrors)
		t.Run("history_and_updates", st.testHistoryAndUpdates)
		t.Run("staff_services_hidden", st.testStaffHidden)
		t.Run("list_cache", st.testListCache)
	})
}

func (st *stack) testDiscovery(t *testing.T) {
	a := st.get(t, "/discovery.xml", nil)
	want := `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<discovery><changeset>2026-03-01T00:00:00Z</changeset><contact>Stadtverwaltung Stadt Osnabrück</contact>` +
		`<key_service>API keys: ask the city&#39;s IT department</key_service><endpoints><endpoint>` +
		`<specification>http://wiki.open311.org/GeoReport_v2</specification><url>` + st.srv.URL + `/open311/v2</url>` +
		`<changeset>2026-03-01T00:00:00Z</changeset><type>production</type>` +
		`<formats><format>text/xml</format><format>application/json</format></formats></endpoint></endpoints></discovery>` + "\n"
	if a.status != http.StatusOK || string(a.body) != want {
		t.Errorf("discovery.xml = %d\n%s\nwant\n%s", a.status, a.body, want)
	}
	if ct := a.header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
}

func (st *stack) testServices(t *testing.T) {
	a := st.get(t, "/services.json", nil)
	if ct := a.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	want := `[{"service_code":"litter","service_name":"Wilder Müll","description":"Abfall im öffentlichen Raum","metadata":false,"type":"realtime","keywords":"","group":"Sauberkeit"},` +
		`{"service_code":"pothole","service_name":"Schlagloch","description":"Schäden in der Fahrbahn","metadata":true,"type":"realtime","keywords":"straße,loch","group":"Straße"}]` + "\n"
	if string(a.body) != want {
		t.Errorf("services.json (staff service laptop must be left out) =\n%s\nwant\n%s", a.body, want)
	}

	a = st.get(t, "/services/pothole.xml", url.Values{"jurisdiction_id": {"test"}})
	want = `<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<service_definition><service_code>pothole</service_code><attributes>` +
		`<attribute><variable>true</variable><code>depth</code><datatype>number</datatype><required>true</required>` +
		`<datatype_description>Eine Zahl, z. B. 3 oder 2.5</datatype_description><order>1</order><description>Tiefe in cm</description><values></values></attribute>` +
		`<attribute><variable>true</variable><code>kind</code><datatype>singlevaluelist</datatype><required>false</required>` +
		`<datatype_description>Einer der angegebenen Werte</datatype_description><order>2</order><description>Wo ist der Schaden?</description>` +
		`<values><value><key>road</key><name>Fahrbahn</name></value><value><key>walk</key><name>Gehweg</name></value></values></attribute>` +
		`</attributes></service_definition>` + "\n"
	if a.status != http.StatusOK || string(a.body) != want {
		t.Errorf("services/pothole.xml = %d\n%s\nwant\n%s", a.status, a.body, want)
	}

	tests := []struct {
		path   string
		q      url.Values
		status int
		body   string
	}{
		{"/services/laptop.json", nil, 404, `[{"code":404,"description":"service_code \"laptop\" not found"}]` + "\n"},
		{"/services/nope.json", nil, 404, `[{"code":404,"description":"service_code \"nope\" not found"}]` + "\n"},
		{"/services.json", url.Values{"jurisdiction_id": {"atlantis"}}, 404, `[{"code":404,"description":"jurisdiction_id \"atlantis\" not found"}]` + "\n"},
		{"/services.xml", url.Values{"jurisdiction_id": {"atlantis"}}, 404, `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
			`<errors><error><code>404</code><description>jurisdiction_id &#34;atlantis&#34; not found</description></error></errors>` + "\n"},
	}
	for _, tt := range tests {
		a := st.get(t, tt.path, tt.q)
		if a.status != tt.status || string(a.body) != tt.body {
			t.Errorf("GET %s?%s = %d %s, want %d %s", tt.path, tt.q.Encode(), a.status, a.body, tt.status, tt.body)
		}
	}
}

func (st *stack) testRouting(t *testing.T) {
	tests := []struct {
		method, path string
		status       int
		contentType  string
	}{
		{"GET", "/services.html", 404, "application/json; charset=utf-8"},
		{"GET", "/services", 404, "application/json; charset=utf-8"},
		{"GET", "/nothing.json", 404, "application/json; charset=utf-8"},
		{"GET", "/a/b/c.json", 404, "application/json; charset=utf-8"},
		{"GET", "/requests/1.csv", 404, "application/json; charset=utf-8"},
		{"DELETE", "/services.xml", 405, "text/xml; charset=utf-8"},
		{"POST", "/services.json", 405, "application/json; charset=utf-8"},
		{"GET", "/requests/abc.json", 404, "application/json; charset=utf-8"},
		{"GET", "/requests/999999.xml", 404, "text/xml; charset=utf-8"},
		{"GET", "/tokens/nope.json", 404, "application/json; charset=utf-8"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, st.base+tt.path, nil)
		a := st.do(t, req)
		if a.status != tt.status || a.header.Get("Content-Type") != tt.contentType {
			t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.path, a.status, a.header.Get("Content-Type"), tt.status, tt.contentType)
		}
		if !bytes.Contains(a.body, []byte(strconv.Itoa(tt.status))) {
			t.Errorf("%s %s: errors body %s does not carry the code", tt.method, tt.path, a.body)
		}
	}
}

func (st *stack) testPost(t *testing.T) {
	tests := []struct {
		name   string
		form   url.Values
		query  string // URL query of the POST
		status int
		desc   string // part of the error description
	}{
		{"no key", with(validForm(), "api_key", ""), "", 403, "api_key is required"},
		{"wrong key", with(validForm(), "api_key", "nope"), "", 403, "api_key is not valid"},
		{"wrong key in the URL", validForm(), "api_key=nope", 403, "api_key is not valid"},
		{"key of another jurisdiction", with(validForm(), "api_key", "other-key"), "", 403, `not valid for jurisdiction_id "test"`},
		{"unknown jurisdiction", with(validForm(), "jurisdiction_id", "atlantis"), "", 404, `jurisdiction_id "atlantis" not found`},
		{"lat without long", with(validForm(), "long", ""), "", 400, "long: is required"},
		{"long without lat", with(validForm(), "lat", ""), "", 400, "lat: is required"},
		{"lat not a number", with(validForm(), "lat", "north"), "", 400, `lat: must be a decimal number, got "north"`},
		{"long NaN", with(validForm(), "long", "NaN"), "", 400, "long: must be a decimal number"},
		{"outside", with(validForm(), "lat", "52.52", "long", "13.40"), "", 400, "outside Stadt Osnabrück"},
		{"no location", with(validForm(), "lat", "", "long", "", "address_string", ""), "", 400, "a location is required"},
		{"missing required attribute", with(validForm(), "attribute[depth]", ""), "", 400, "attribute[depth]: is required"},
		{"bad number", with(validForm(), "attribute[depth]", "tief"), "", 400, `attribute[depth]: must be a number, got "tief"`},
		{"bad list value", with(validForm(), "attribute[kind]", "sky"), "", 400, `attribute[kind]: "sky" is not one of the allowed values (road, walk)`},
		{"unknown attribute", with(validForm(), "attribute[colour]", "red"), "", 400, "attribute[colour]: is not an attribute"},
		{"unknown service", with(validForm(), "service_code", "ufo"), "", 400, `service_code: "ufo" is not a service`},
		{"staff service", with(validForm(), "service_code", "laptop"), "", 400, `service_code: "laptop" is not a service`},
		{"no service", with(validForm(), "service_code", ""), "", 400, "service_code: is required"},
		{"markup", with(validForm(), "description", "<script>alert(1)</script>"), "", 400, "description: contains HTML markup"},
		{"bad email", with(validForm(), "email", "erika@"), "", 400, "email: is not a valid e-mail address"},
		{"key in the URL only", with(validForm(), "api_key", ""), "api_key=test-key", 201, ""},
		{"default jurisdiction", with(validForm(), "jurisdiction_id", ""), "", 201, ""},
		{"address only", with(validForm(), "lat", "", "long", ""), "", 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, format := range []string{"json", "xml"} {
				req, _ := http.NewRequest(http.MethodPost, st.base+"/requests."+format+"?"+tt.query, strings.NewReader(tt.form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				a := st.do(t, req)
				if a.status != tt.status {
					t.Fatalf("%s: status %d, want %d: %s", format, a.status, tt.status, a.body)
				}
				if cc := a.header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("%s: Cache-Control %q", format, cc)
				}
				if tt.status == 201 {
					if !bytes.Contains(a.body, []byte("Ihre Meldung wurde unter der Nummer "+strconv.Itoa(time.Now().Year())+"-")) {
						t.Errorf("%s: no service_notice with the number: %s", format, a.body)
					}
					continue
				}
				code, desc := errorOf(t, format, a)
				if code != tt.status || !contains(desc, tt.desc) {
					t.Errorf("%s: body %s, want code %d naming %q", format, a.body, tt.status, tt.desc)
				}
			}
		})
	}

	// A successful POST: the answer, and what GET shows of it.
	c := st.mustCreate(t, validForm())
	id, err := strconv.ParseInt(c.ServiceRequestID, 10, 64)
	if err != nil || c.Token == "" || c.AccountID != "acc-99" {
		t.Fatalf("POST answer %+v", c)
	}
	r, err := st.cases.Get(context.Background(), st.j, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.ServiceNotice != "Ihre Meldung wurde unter der Nummer "+r.Number+" erfasst." {
		t.Errorf("service_notice %q, number %s", c.ServiceNotice, r.Number)
	}
	wantReq := &rathaus.Request{ServiceCode: "pothole", Channel: rathaus.ChannelOpen311, HasLocation: true, Lat: 52.279, Lon: 8.0472,
		Address: "Rathausplatz 1, 49074 Osnabrück", Description: "Tiefes Loch vor Hausnummer 12",
		Reporter: rathaus.Contact{Email: "erika@example.org", FirstName: "Erika", LastName: "Mustermann", Phone: "+49 541 123456"},
		DeviceID: "dev-4711", AccountID: "acc-99", DepartmentID: st.dept["tief"].ID}
	if r.ServiceCode != wantReq.ServiceCode || r.Channel != wantReq.Channel || r.Lat != wantReq.Lat || r.Lon != wantReq.Lon ||
		r.Address != wantReq.Address || r.Description != wantReq.Description || r.Reporter != wantReq.Reporter ||
		r.DeviceID != wantReq.DeviceID || r.AccountID != wantReq.AccountID || r.DepartmentID != wantReq.DepartmentID ||
		r.Attributes["depth"] != "7" || r.Attributes["kind"] != "road" {
		t.Errorf("stored request %+v", r)
	}

	// The token resolves to the request.
	a := st.get(t, "/tokens/"+c.Token+".xml", nil)
	want := `<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<service_requests><request><service_request_id>` + c.ServiceRequestID +
		`</service_request_id><token>` + c.Token + `</token></request></service_requests>` + "\n"
	if a.status != 200 || string(a.body) != want {
		t.Errorf("token = %d %s, want %s", a.status, a.body, want)
	}
}

// errorOf decodes an errors answer with one error.
func errorOf(t testing.TB, format string, a answer) (int, string) {
	t.Helper()
	type item struct {
		Code        int    `json:"code" xml:"code"`
		Description string `json:"description" xml:"description"`
	}
	var items []item
	var err error
	if format == "json" {
		err = json.Unmarshal(a.body, &items)
	} else {
		var doc struct {
			XMLName xml.Name `xml:"errors"`
			Errors  []item   `xml:"error"`
		}
		err = xml.Unmarshal(a.body, &doc)
		items = doc.Errors
	}
	if err != nil || len(items) != 1 {
		t.Fatalf("errors answer %s: %v", a.body, err)
	}
	return items[0].Code, items[0].Description
}

func (st *stack) testPostMultipart(t *testing.T) {
	img := pngImage(t, 120, 80)
	body, ct := multipartBody(t, with(validForm(), "media_url", "https://example.org/foto.jpg"), img, img)
	a := st.post(t, "/requests.json", ct, body)
	if a.status != 201 {
		t.Fatalf("multipart POST: %d %s", a.status, a.body)
	}
	c := decodeJSON[[]wireRequest](t, a)[0]
	one := decodeJSON[[]wireRequest](t, st.get(t, "/requests/"+c.ServiceRequestID+".json", url.Values{"extensions": {"true"}}))[0]
	if one.Extended == nil || len(one.Extended.MediaURLs) != 3 {
		t.Fatalf("extended_attributes %+v", one.Extended)
	}
	for i, u := range one.Extended.MediaURLs[:2] {
		if !strings.HasPrefix(u, st.srv.URL+"/media/") {
			t.Errorf("media_urls[%d] = %q", i, u)
		}
	}
	if one.Extended.MediaURLs[2] != "https://example.org/foto.jpg" || one.MediaURL != one.Extended.MediaURLs[0] {
		t.Errorf("media_url %q, media_urls %q", one.MediaURL, one.Extended.MediaURLs)
	}

	tests := []struct {
		name   string
		files  [][]byte
		status int
		desc   string
	}{
		{"nine photos", slices.Repeat([][]byte{img}, 9), 400, "media: 9 files sent, the limit is 8"},
		{"not an image", [][]byte{[]byte("%PDF-1.4 hello")}, 400, "media: Dateityp"},
		{"body over 12 MiB", [][]byte{bytes.Repeat([]byte{0xff}, 13<<20)}, 413, "body: the request is larger than 12 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := multipartBody(t, validForm(), tt.files...)
			a := st.post(t, "/requests.json", ct, body)
			if a.status != tt.status || !contains(string(a.body), tt.desc) {
				t.Errorf("status %d %s, want %d naming %q", a.status, a.body, tt.status, tt.desc)
			}
		})
	}
	// A urlencoded body over the limit, too.
	big := "api_key=test-key&description=" + strings.Repeat("x", 13<<20)
	if a := st.post(t, "/requests.xml", "application/x-www-form-urlencoded", []byte(big)); a.status != 413 ||
		!contains(string(a.body), "<code>413</code>") {
		t.Errorf("big form: %d %s", a.status, a.body)
	}
	if a := st.post(t, "/requests.json", "text/plain", []byte("hello")); a.status != 400 || !contains(string(a.body), "Content-Type") {
		t.Errorf("text/plain: %d %s", a.status, a.body)
	}
}

func (st *stack) testGet(t *testing.T) {
	ctx := context.Background()
	litter := st.mustCreate(t, url.Values{"api_key": {"test-key"}, "service_code": {"litter"}, "lat": {"52.30"}, "long": {"8.10"},
		"description": {"Sperrmüll am Straßenrand"}, "email": {"max@example.org"}, "phone": {"0541 999"}, "first_name": {"Max"}})
	pothole := st.mustCreate(t, validForm())
	pid, _ := strconv.ParseInt(pothole.ServiceRequestID, 10, 64)
	lid, _ := strconv.ParseInt(litter.ServiceRequestID, 10, 64)
	if _, err := st.cases.Close(ctx, st.j, st.staff, lid, "fixed", "Abgeholt."); err != nil {
		t.Fatal(err)
	}

	a := st.get(t, "/requests/"+pothole.ServiceRequestID+".json", nil)
	got := decodeJSON[[]wireRequest](t, a)
	if len(got) != 1 {
		t.Fatalf("%s", a.body)
	}
	g := got[0]
	r, _ := st.cases.Get(ctx, st.j, pid)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if g.Status != "open" || g.ServiceName != "Schlagloch" || g.ServiceCode != "pothole" || g.Description != "Tiefes Loch vor Hausnummer 12" ||
		g.AgencyResponsible != "Fachbereich Tiefbau" || g.Address != "Rathausplatz 1, 49074 Osnabrück" ||
		g.Lat == nil || *g.Lat != 52.279 || g.Long == nil || *g.Long != 8.0472 ||
		g.RequestedDatetime != r.SubmittedAt.In(berlin).Format(time.RFC3339) ||
		g.ExpectedDatetime != r.ResolutionDue.In(berlin).Format(time.RFC3339) || g.Extended != nil {
		t.Errorf("GET request = %+v", g)
	}
	if !strings.HasSuffix(g.RequestedDatetime, "+01:00") && !strings.HasSuffix(g.RequestedDatetime, "+02:00") {
		t.Errorf("requested_datetime %q is not in Berlin time", g.RequestedDatetime)
	}
	if !bytes.Contains(a.body, []byte(`"lat":52.279,"long":8.0472`)) {
		t.Errorf("lat/long are not JSON numbers: %s", a.body)
	}
	// Personal data never leaves through GET.
	all := st.get(t, "/requests.json", url.Values{"extensions": {"true"}})
	allXML := st.get(t, "/requests.xml", url.Values{"extensions": {"true"}})
	for _, secret := range []string{"erika@example.org", "Mustermann", "541 123456", "dev-4711", "acc-99", "max@example.org", "0541 999", "Max<", `"Max"`} {
		if bytes.Contains(all.body, []byte(secret)) || bytes.Contains(allXML.body, []byte(secret)) {
			t.Errorf("GET requests leaks %q", secret)
		}
	}

	list := func(q url.Values) []string {
		t.Helper()
		a := st.get(t, "/requests.json", q)
		if a.status != 200 {
			t.Fatalf("GET requests?%s: %d %s", q.Encode(), a.status, a.body)
		}
		var ids []string
		for _, r := range decodeJSON[[]wireRequest](t, a) {
			if r.ServiceRequestID == pothole.ServiceRequestID || r.ServiceRequestID == litter.ServiceRequestID {
				ids = append(ids, r.ServiceRequestID)
			}
		}
		return ids
	}
	now := time.Now()
	tests := []struct {
		name string
		q    url.Values
		want []string
	}{
		{"ids", url.Values{"service_request_id": {litter.ServiceRequestID + "," + pothole.ServiceRequestID}}, []string{pothole.ServiceRequestID, litter.ServiceRequestID}},
		{"open", url.Values{"status": {"open"}}, []string{pothole.ServiceRequestID}},
		{"closed", url.Values{"status": {"closed"}}, []string{litter.ServiceRequestID}},
		{"open,closed", url.Values{"status": {"open,closed"}}, []string{pothole.ServiceRequestID, litter.ServiceRequestID}},
		{"service_code", url.Values{"service_code": {"litter"}}, []string{litter.ServiceRequestID}},
		{"two codes", url.Values{"service_code": {"litter,pothole"}}, []string{pothole.ServiceRequestID, litter.ServiceRequestID}},
		{"dates around now", url.Values{"start_date": {now.Add(-time.Hour).Format(time.RFC3339)}, "end_date": {now.Add(time.Hour).Format(time.RFC3339)}},
			[]string{pothole.ServiceRequestID, litter.ServiceRequestID}},
		{"dates before", url.Values{"start_date": {now.Add(-48 * time.Hour).Format(time.RFC3339)}, "end_date": {now.Add(-24 * time.Hour).Format(time.RFC3339)}}, nil},
		{"radius near the litter", url.Values{"lat": {"52.3001"}, "long": {"8.1001"}, "radius": {"100"}}, []string{litter.ServiceRequestID}},
		{"bbox around the pothole", url.Values{"bbox": {"8.04,52.27,8.05,52.28"}}, []string{pothole.ServiceRequestID}},
		{"page size 1", url.Values{"page_size": {"1"}, "service_code": {"litter,pothole"}}, []string{pothole.ServiceRequestID}},
		{"page 2", url.Values{"page_size": {"1"}, "page": {"2"}, "service_code": {"litter,pothole"}}, []string{litter.ServiceRequestID}},
	}
	for _, tt := range tests {
		if got := list(tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("%s: GET requests?%s = %v, want %v", tt.name, tt.q.Encode(), got, tt.want)
		}
	}
}

func (st *stack) testQueryErrors(t *testing.T) {
	now := time.Now()
	tests := []struct {
		path  string
		q     url.Values
		field string
	}{
		{"/requests.json", url.Values{"service_request_id": {"12,abc"}}, `service_request_id: "abc" is not`},
		{"/requests.json", url.Values{"start_date": {"gestern"}}, "start_date: must be"},
		{"/requests.json", url.Values{"end_date": {"2026-03-02"}}, "end_date: must be"},
		{"/requests.json", url.Values{"start_date": {now.Format(time.RFC3339)}, "end_date": {now.Add(-time.Hour).Format(time.RFC3339)}}, "end_date: is before start_date"},
		{"/requests.json", url.Values{"start_date": {now.Add(-100 * 24 * time.Hour).Format(time.RFC3339)}, "end_date": {now.Format(time.RFC3339)}}, "90 days"},
		{"/requests.json", url.Values{"status": {"pending"}}, `status: must be open, closed`},
		{"/requests.json", url.Values{"page": {"0"}}, "page: "},
		{"/requests.json", url.Values{"page_size": {"1001"}}, "page_size: "},
		{"/requests.json", url.Values{"page_size": {"x"}}, "page_size: "},
		{"/requests.json", url.Values{"lat": {"52.3"}, "long": {"8.1"}}, "radius: is required"},
		{"/requests.json", url.Values{"lat": {"52.3"}, "long": {"8.1"}, "radius": {"99999"}}, "radius: must be"},
		{"/requests.json", url.Values{"lat": {"52.3"}}, "lat: lat and long"},
		{"/requests.json", url.Values{"lat": {"x"}, "long": {"8.1"}, "radius": {"10"}}, "lat: must be a decimal"},
		{"/requests.json", url.Values{"bbox": {"1,2,3"}}, "bbox: "},
		{"/requests.json", url.Values{"bbox": {"8,52,7,53"}}, "bbox: "},
		{"/servicerequestupdates.json", url.Values{"start_date": {now.Add(-40 * 24 * time.Hour).Format(time.RFC3339)}, "end_date": {now.Format(time.RFC3339)}}, "31 days"},
		{"/servicerequestupdates.json", url.Values{"start_date": {"x"}}, "start_date: "},
	}
	for _, tt := range tests {
		a := st.get(t, tt.path, tt.q)
		if a.status != 400 {
			t.Errorf("GET %s?%s = %d %s, want 400", tt.path, tt.q.Encode(), a.status, a.body)
			continue
		}
		if code, desc := errorOf(t, "json", a); code != 400 || !contains(desc, tt.field) {
			t.Errorf("GET %s?%s = %d %s, want 400 naming %q", tt.path, tt.q.Encode(), a.status, a.body, tt.field)
		}
	}
}

func (st *stack) testHistoryAndUpdates(t *testing.T) {
	ctx := context.Background()
	start := time.Now().Add(-time.Second)
	c := st.mustCreate(t, validForm())
	id, _ := strconv.ParseInt(c.ServiceRequestID, 10, 64)
	steps := []func() error{
		func() error { _, err := st.cases.Accept(ctx, st.j, st.staff, id); return err },
		func() error { _, err := st.cases.Reply(ctx, st.j, st.staff, id, "Wir kümmern uns darum."); return err },
		func() error { _, err := st.cases.Note(ctx, st.j, st.staff, id, "intern: Kolonne 3"); return err },
		func() error { _, err := st.cases.Close(ctx, st.j, st.staff, id, "fixed", "Repariert."); return err },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	one := decodeJSON[[]wireRequest](t, st.get(t, "/requests/"+c.ServiceRequestID+".json", url.Values{"extensions": {"true"}}))[0]
	if one.Status != "closed" || one.Extended == nil || one.Extended.DetailedStatus != "closed" {
		t.Fatalf("closed request = %+v", one)
	}
	type entry struct{ status, detailed, desc string }
	var got []entry
	for _, h := range one.Extended.StatusHistory {
		got = append(got, entry{h.Status, h.DetailedStatus, h.Description})
	}
	// The internal note is not in the history.
	want := []entry{{"open", "new", ""}, {"open", "accepted", ""}, {"open", "accepted", "Wir kümmern uns darum."}, {"closed", "closed", "Repariert."}}
	if !slices.Equal(got, want) {
		t.Errorf("status_history = %+v, want %+v", got, want)
	}

	a := st.get(t, "/servicerequestupdates.json", url.Values{"start_date": {start.Format(time.RFC3339)}})
	type update struct {
		UpdateID, ServiceRequestID, Status, UpdatedDatetime, Description, MediaURL, ExternalStatusCode string
	}
	var ups []update
	for _, u := range decodeJSON[[]struct {
		UpdateID           string `json:"update_id"`
		ServiceRequestID   string `json:"service_request_id"`
		Status             string `json:"status"`
		UpdatedDatetime    string `json:"updated_datetime"`
		Description        string `json:"description"`
		ExternalStatusCode string `json:"external_status_code"`
	}](t, a) {
		if u.ServiceRequestID == c.ServiceRequestID {
			if _, err := time.Parse(time.RFC3339, u.UpdatedDatetime); err != nil || u.UpdateID == "" {
				t.Errorf("update %+v", u)
			}
			ups = append(ups, update{Status: u.Status, Description: u.Description, ExternalStatusCode: u.ExternalStatusCode})
		}
	}
	wantUps := []update{{Status: "open", ExternalStatusCode: "new"}, {Status: "open", ExternalStatusCode: "accepted"},
		{Status: "open", Description: "Wir kümmern uns darum.", ExternalStatusCode: "accepted"},
		{Status: "closed", Description: "Repariert.", ExternalStatusCode: "closed"}}
	if !slices.Equal(ups, wantUps) {
		t.Errorf("updates = %+v\n%s", ups, a.body)
	}
	x := st.get(t, "/servicerequestupdates.xml", url.Values{"start_date": {start.Format(time.RFC3339)}})
	if !bytes.HasPrefix(x.body, []byte(`<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<service_request_updates><request_update><update_id>`)) {
		t.Errorf("updates XML %s", x.body)
	}
}

// Requests of staff services (IT orders, tickets) never show through
// Open311, whichever way a client asks.
func (st *stack) testStaffHidden(t *testing.T) {
	ctx := context.Background()
	start := time.Now().Add(-time.Second)
	r, err := st.cases.Submit(ctx, st.j, casework.Submission{ServiceCode: "laptop", Address: "Rathaus, Zimmer 101",
		Description: "Neuer Laptop für Frau Schmidt", Channel: rathaus.ChannelIntranet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.cases.Reply(ctx, st.j, st.staff, r.ID, "Bestellt."); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(r.ID, 10)
	for _, c := range []struct {
		path string
		q    url.Values
	}{
		{"/requests.json", nil},
		{"/requests.json", url.Values{"service_code": {"laptop"}}},
		{"/requests.json", url.Values{"service_code": {"laptop,litter"}}},
		{"/requests.json", url.Values{"service_request_id": {id}}},
		{"/servicerequestupdates.json", url.Values{"start_date": {start.Format(time.RFC3339)}}},
	} {
		a := st.get(t, c.path, c.q)
		if a.status != 200 || bytes.Contains(a.body, []byte("Laptop")) || bytes.Contains(a.body, []byte("Bestellt")) ||
			bytes.Contains(a.body, []byte(`"service_request_id":"`+id+`"`)) {
			t.Errorf("GET %s?%s shows the staff request %s: %d %s", c.path, c.q.Encode(), id, a.status, a.body)
		}
	}
	for _, path := range []string{"/requests/" + id + ".json", "/tokens/" + r.Token + ".json"} {
		if a := st.get(t, path, nil); a.status != 404 {
			t.Errorf("GET %s = %d %s, want 404", path, a.status, a.body)
		}
	}
}
