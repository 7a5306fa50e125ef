package open311test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const specURL = "http://wiki.open311.org/GeoReport_v2"

var (
	serviceTypes = []string{"realtime", "batch", "blackbox"}
	datatypes    = []string{"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
)

func (s *suite) testDiscovery(t *testing.T) {
	base, err := url.Parse(s.env.BaseURL)
	if err != nil {
		t.Fatalf("Env.BaseURL %q: %v", s.env.BaseURL, err)
	}
	forEachFormat(t, func(t *testing.T, f string) {
		r := s.get(t, "discovery", f, nil)
		if !checkStatus(t, r, http.StatusOK) {
			return
		}
		checkContentType(t, r, f)
		d, ok := decodeOne[discovery](t, r, f, "discovery")
		if !ok {
			return
		}
		if d.Changeset != "" {
			checkTime(t, r, "changeset", d.Changeset)
		} else {
			t.Errorf("%s\nno changeset", r)
		}
		if strings.TrimSpace(d.Contact) == "" {
			t.Errorf("%s\nno contact", r)
		}
		if strings.TrimSpace(d.KeyService) == "" {
			t.Errorf("%s\nno key_service", r)
		}
		var found bool
		for _, e := range d.Endpoints {
			if e.Specification != specURL {
				continue
			}
			u, err := url.Parse(e.URL)
			if err != nil || u.Scheme == "" || u.Host == "" {
				t.Errorf("%s\nendpoint url %q is not absolute", r, e.URL)
				continue
			}
			if strings.TrimSuffix(u.Path, "/") != strings.TrimSuffix(base.Path, "/") {
				continue
			}
			found = true
			var xml, json bool
			for _, m := range e.Formats {
				xml = xml || m == "text/xml" || m == "application/xml"
				json = json || m == "application/json"
			}
			if !xml || !json {
				t.Errorf("%s\nendpoint %s formats %q, want an XML and application/json", r, e.URL, e.Formats)
			}
			if e.Changeset != "" {
				checkTime(t, r, "endpoint changeset", e.Changeset)
			}
		}
		if !found {
			t.Errorf("%s\nno endpoint with specification %q and path %q", r, specURL, base.Path)
		}
	})
}

func (s *suite) testServices(t *testing.T) {
	byFormat := map[string][]service{}
	forEachFormat(t, func(t *testing.T, f string) {
		r := s.get(t, "services", f, nil)
		if !checkStatus(t, r, http.StatusOK) {
			return
		}
		checkContentType(t, r, f)
		svcs, ok := decodeList[service](t, r, f, "services", "service")
		if !ok {
			return
		}
		if len(svcs) == 0 {
			t.Errorf("%s\nno services", r)
		}
		codes := map[string]bool{}
		for _, sv := range svcs {
			if sv.ServiceCode == "" || strings.TrimSpace(sv.ServiceName) == "" {
				t.Errorf("%s\nservice %+v lacks service_code or service_name", r, sv)
			}
			if codes[sv.ServiceCode] {
				t.Errorf("%s\nservice_code %q listed twice", r, sv.ServiceCode)
			}
			codes[sv.ServiceCode] = true
			if !contains(serviceTypes, sv.Type) {
				t.Errorf("%s\nservice %q: type %q, want one of %v", r, sv.ServiceCode, sv.Type, serviceTypes)
			}
		}
		byFormat[f] = svcs
	})
	j, x := byFormat["json"], byFormat["xml"]
	if j != nil && x != nil {
		if len(j) != len(x) {
			t.Fatalf("services.json lists %d services, services.xml %d", len(j), len(x))
		}
		for i := range j {
			if j[i] != x[i] {
				t.Errorf("service %d differs between formats:\njson %+v\nxml  %+v", i, j[i], x[i])
			}
		}
	}
	t.Run("metadata_service_with_required_attribute", func(t *testing.T) {
		s.catalogue(t)
		for _, d := range s.defs {
			for _, a := range d.Attributes {
				if a.Variable && a.Required {
					return
				}
			}
		}
		t.Errorf("no service has metadata=true and a required attribute; the attribute checks need one")
	})
}

func (s *suite) testDefinitions(t *testing.T) {
	svcs := s.catalogue(t)
	forEachFormat(t, func(t *testing.T, f string) {
		for _, sv := range svcs {
			if !sv.Metadata {
				continue
			}
			r := s.get(t, "services/"+url.PathEscape(sv.ServiceCode), f, nil)
			if !checkStatus(t, r, http.StatusOK) {
				continue
			}
			checkContentType(t, r, f)
			d, ok := decodeOne[serviceDefinition](t, r, f, "service_definition")
			if !ok {
				continue
			}
			if d.ServiceCode != sv.ServiceCode {
				t.Errorf("%s\nservice_code %q, want %q", r, d.ServiceCode, sv.ServiceCode)
			}
			if len(d.Attributes) == 0 {
				t.Errorf("%s\nmetadata=true but no attributes", r)
			}
			codes := map[string]bool{}
			for _, a := range d.Attributes {
				if a.Code == "" {
					t.Errorf("%s\nattribute without code", r)
				}
				if codes[a.Code] {
					t.Errorf("%s\nattribute code %q twice", r, a.Code)
				}
				codes[a.Code] = true
				if !contains(datatypes, a.Datatype) {
					t.Errorf("%s\nattribute %q: datatype %q, want one of %v", r, a.Code, a.Datatype, datatypes)
				}
				if strings.TrimSpace(a.Description) == "" {
					t.Errorf("%s\nattribute %q without description", r, a.Code)
				}
				if a.Order < 1 {
					t.Errorf("%s\nattribute %q: order %d, want a positive number", r, a.Code, a.Order)
				}
				list := a.Datatype == "singlevaluelist" || a.Datatype == "multivaluelist"
				if list && len(a.Values) == 0 {
					t.Errorf("%s\nattribute %q is a %s without values", r, a.Code, a.Datatype)
				}
				if !list && len(a.Values) > 0 {
					t.Errorf("%s\nattribute %q is a %s but has values", r, a.Code, a.Datatype)
				}
				keys := map[text]bool{}
				for _, v := range a.Values {
					if v.Key == "" || v.Name == "" {
						t.Errorf("%s\nattribute %q: value %+v lacks key or name", r, a.Code, v)
					}
					if keys[v.Key] {
						t.Errorf("%s\nattribute %q: value key %q twice", r, a.Code, v.Key)
					}
					keys[v.Key] = true
				}
			}
			if want, ok := s.defs[sv.ServiceCode]; ok && f == "xml" {
				if len(want.Attributes) != len(d.Attributes) {
					t.Errorf("%s\n%d attributes in XML, %d in JSON", r, len(d.Attributes), len(want.Attributes))
				}
			}
		}
	})
}
