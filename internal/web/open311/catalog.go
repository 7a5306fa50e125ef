package open311

import (
	"net/http"
	"slices"

	"github.com/rathaus/rathaus"
)

// discovery serves GET discovery.{fmt}.
func (h *handler) discovery(w http.ResponseWriter, r *http.Request, format, _ string) error {
	j, err := h.jurisdiction(r.Context(), r.URL.Query().Get("jurisdiction_id"))
	if err != nil {
		return err
	}
	contact := "Stadtverwaltung " + j.Name
	h.render(w, http.StatusOK, format, discovery{
		Changeset:  Changeset,
		Contact:    contact,
		KeyService: "API keys: ask the city's IT department",
		Endpoints: []endpoint{{
			Specification: "http://wiki.open311.org/GeoReport_v2",
			URL:           h.d.BaseURL + "/open311/v2",
			Changeset:     Changeset,
			Type:          "production",
			Formats:       []string{"text/xml", "application/json"},
		}},
	})
	return nil
}

// services serves GET services.{fmt}: the active services that citizens
// may report to. Staff-only services (IT tickets, orders) are left out.
func (h *handler) services(w http.ResponseWriter, r *http.Request, format, _ string) error {
	j, err := h.jurisdiction(r.Context(), r.URL.Query().Get("jurisdiction_id"))
	if err != nil {
		return err
	}
	svcs, err := h.d.Cases.Services(r.Context(), j)
	if err != nil {
		return err
	}
	out := serviceList{Services: []service{}}
	for _, s := range svcs {
		if !offered(s) {
			continue
		}
		out.Services = append(out.Services, service{
			ServiceCode: s.Code, ServiceName: s.Name, Description: s.Description, Metadata: len(s.Attributes) > 0,
			Type: "realtime", Keywords: s.Keywords, Group: s.Group,
		})
	}
	h.render(w, http.StatusOK, format, out)
	return nil
}

// offered reports whether Open311 clients may see and use s.
func offered(s *rathaus.Service) bool {
	return s.Active && s.Audience != "staff"
}

// serviceDefinition serves GET services/{code}.{fmt}.
func (h *handler) serviceDefinition(w http.ResponseWriter, r *http.Request, format, code string) error {
	j, err := h.jurisdiction(r.Context(), r.URL.Query().Get("jurisdiction_id"))
	if err != nil {
		return err
	}
	s, err := h.d.Cases.Service(r.Context(), j, code)
	if rathaus.KindOf(err) == rathaus.KindNotFound || err == nil && !offered(s) {
		return rathaus.NotFoundf("service_code %q not found", code)
	}
	if err != nil {
		return err
	}
	attrs := slices.Clone(s.Attributes)
	slices.SortStableFunc(attrs, func(a, b rathaus.Attribute) int { return a.Order - b.Order })
	def := serviceDefinition{ServiceCode: s.Code, Attributes: []attribute{}}
	for _, a := range attrs {
		values := make([]valueEntry, len(a.Values))
		for i, v := range a.Values {
			values[i] = valueEntry{Key: v.Key, Name: v.Name}
		}
		def.Attributes = append(def.Attributes, attribute{
			Variable: a.Variable, Code: a.Code, Datatype: a.Datatype, Required: a.Required,
			DatatypeDescription: datatypeDescription(a.Datatype), Order: a.Order, Description: a.Description, Values: values,
		})
	}
	h.render(w, http.StatusOK, format, def)
	return nil
}

// datatypeDescription tells a client's user how to fill in a datatype.
func datatypeDescription(datatype string) string {
	switch datatype {
	case rathaus.TypeNumber:
		return "Eine Zahl, z. B. 3 oder 2.5"
	case rathaus.TypeDatetime:
		return "Datum und Uhrzeit, z. B. 2026-03-02T09:00:00+01:00"
	case rathaus.TypeSingleValueList:
		return "Einer der angegebenen Werte"
	case rathaus.TypeMultiValueList:
		return "Einer oder mehrere der angegebenen Werte"
	case rathaus.TypeText:
		return "Freitext, auch mehrzeilig"
	}
	return "Freitext, eine Zeile"
}
