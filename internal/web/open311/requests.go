package open311

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/geo"
)

// Query limits of GET requests.
const (
	defaultWindow = 90 * 24 * time.Hour // without dates: the last 90 days, as the spec says
	maxWindow     = 90 * 24 * time.Hour // a date range may not span more than 90 days
	maxPageSize   = 1000
	maxIDs        = 1000
)

// openStates are the workflow states that Open311 calls "open".
var openStates = []rathaus.State{rathaus.StateNew, rathaus.StateAccepted, rathaus.StateInProgress, rathaus.StateWaiting}

// list serves GET requests.{fmt}.
func (h *handler) list(w http.ResponseWriter, r *http.Request, format, _ string) error {
	q := r.URL.Query()
	j, err := h.jurisdiction(r.Context(), q.Get("jurisdiction_id"))
	if err != nil {
		return err
	}
	cq, err := h.query(q)
	if err != nil {
		return err
	}
	cat, err := h.catalogue(r.Context(), j)
	if err != nil {
		return err
	}
	// Only requests of public services: the store filters by code, so
	// that paging counts what the client sees; explicit ids are checked
	// one by one below.
	if len(cq.IDs) == 0 {
		var codes []string
		if len(cq.ServiceCodes) == 0 {
			codes = cat.active
		}
		for _, code := range cq.ServiceCodes {
			if ok, err := cat.public(r.Context(), code); err != nil {
				return err
			} else if ok {
				codes = append(codes, code)
			}
		}
		if len(codes) == 0 {
			return h.renderRequests(w, r, format, j, cat, nil, false)
		}
		cq.ServiceCodes = codes
	}
	ext := q.Get("extensions") == "true"
	if !ext && len(cq.IDs) == 0 {
		// Every code asked for is public (see above), so the versions
		// need no check; renderCached reads and checks what it encodes.
		cq.VersionsOnly = true
		rs, err := h.d.Cases.List(r.Context(), j, cq)
		if err != nil {
			return err
		}
		return h.renderCached(w, r, format, j, cat, rs)
	}
	cq.PublicFields = true
	rs, err := h.d.Cases.List(r.Context(), j, cq)
	if err != nil {
		return err
	}
	if rs, err = cat.publicOnly(r.Context(), rs); err != nil {
		return err
	}
	return h.renderRequests(w, r, format, j, cat, rs, ext)
}

// query turns the query string of GET requests into a casework query.
// service_request_id overrides every other filter, as the spec says.
func (h *handler) query(q url.Values) (casework.Query, error) {
	var cq casework.Query
	page, size := 1, maxPageSize
	var err error
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 || page > 1_000_000 {
			return cq, rathaus.Invalidf("page", "must be a whole number from 1, got %q", truncate(v, 40))
		}
	}
	if v := q.Get("page_size"); v != "" {
		if size, err = strconv.Atoi(v); err != nil || size < 1 || size > maxPageSize {
			return cq, rathaus.Invalidf("page_size", "must be a whole number from 1 to %d, got %q", maxPageSize, truncate(v, 40))
		}
	}
	cq.Limit, cq.Offset = size, (page-1)*size

	if v := q.Get("service_request_id"); v != "" {
		for _, part := range strings.Split(v, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil || id <= 0 {
				return cq, rathaus.Invalidf("service_request_id", "%q is not a service request id", truncate(part, 40))
			}
			cq.IDs = append(cq.IDs, id)
		}
		if len(cq.IDs) > maxIDs {
			return cq, rathaus.Invalidf("service_request_id", "%d ids given, the limit is %d", len(cq.IDs), maxIDs)
		}
		return cq, nil
	}

	if v := q.Get("service_code"); v != "" {
		for _, code := range strings.Split(v, ",") {
			if code = strings.TrimSpace(code); code != "" {
				cq.ServiceCodes = append(cq.ServiceCodes, code)
			}
		}
	}
	if v := q.Get("status"); v != "" {
		for _, s := range strings.Split(v, ",") {
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "open":
				cq.States = append(cq.States, openStates...)
			case "closed":
				cq.States = append(cq.States, rathaus.StateClosed)
			default:
				return cq, rathaus.Invalidf("status", "must be open, closed or open,closed, got %q", truncate(s, 40))
			}
		}
	}

	from, err := parseDate(q, "start_date")
	if err != nil {
		return cq, err
	}
	to, err := parseDate(q, "end_date")
	if err != nil {
		return cq, err
	}
	switch {
	case from.IsZero() && to.IsZero():
		to = h.d.Now()
		from = to.Add(-defaultWindow)
	case to.IsZero():
		to = from.Add(maxWindow)
	case from.IsZero():
		from = to.Add(-maxWindow)
	}
	if to.Before(from) {
		return cq, rathaus.Invalidf("end_date", "is before start_date")
	}
	if to.Sub(from) > maxWindow {
		return cq, rathaus.Invalidf("end_date", "start_date and end_date may not span more than 90 days")
	}
	// end_date is inclusive in the spec ("latest datetime to include");
	// the store's upper bound is exclusive.
	cq.From, cq.To = from, to.Add(time.Microsecond)

	lat, long, radius := q.Get("lat"), q.Get("long"), q.Get("radius")
	if lat != "" || long != "" || radius != "" {
		if lat == "" || long == "" {
			return cq, rathaus.Invalidf("lat", "lat and long must be given together")
		}
		la, err := parseCoord("lat", lat)
		if err != nil {
			return cq, err
		}
		lo, err := parseCoord("long", long)
		if err != nil {
			return cq, err
		}
		if !geo.ValidLatLon(la, lo) {
			return cq, rathaus.Invalidf("lat", "lat/long (%g, %g) is not a valid position", la, lo)
		}
		if radius == "" {
			return cq, rathaus.Invalidf("radius", "is required with lat and long (metres)")
		}
		rad, err := strconv.ParseFloat(radius, 64)
		if err != nil || !(rad >= 1 && rad <= 5000) {
			return cq, rathaus.Invalidf("radius", "must be a number of metres from 1 to 5000, got %q", truncate(radius, 40))
		}
		cq.Near, cq.Radius = &geo.Point{Lat: la, Lon: lo}, rad
	}
	if v := q.Get("bbox"); v != "" {
		if cq.Near != nil {
			return cq, rathaus.Invalidf("bbox", "use either bbox or lat/long/radius, not both")
		}
		b, err := geo.ParseBBox(v)
		if err != nil {
			return cq, rathaus.Invalidf("bbox", "%v", strings.TrimPrefix(err.Error(), "geo: "))
		}
		cq.BBox = &b
	}
	return cq, nil
}

// parseDate reads an RFC 3339 date-time with an offset.
func parseDate(q url.Values, field string) (time.Time, error) {
	v := q.Get(field)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, rathaus.Invalidf(field, "must be a date and time like 2026-03-02T09:00:00+01:00, got %q", truncate(v, 40))
	}
	return t, nil
}

// requestByID serves GET requests/{id}.{fmt}.
func (h *handler) requestByID(w http.ResponseWriter, r *http.Request, format, idText string) error {
	q := r.URL.Query()
	j, err := h.jurisdiction(r.Context(), q.Get("jurisdiction_id"))
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return rathaus.NotFoundf("service_request_id %q not found", truncate(idText, 40))
	}
	req, err := h.d.Cases.Get(r.Context(), j, id)
	if rathaus.KindOf(err) == rathaus.KindNotFound {
		return rathaus.NotFoundf("service_request_id %d not found", id)
	}
	if err != nil {
		return err
	}
	cat, err := h.catalogue(r.Context(), j)
	if err != nil {
		return err
	}
	if ok, err := cat.public(r.Context(), req.ServiceCode); err != nil {
		return err
	} else if !ok {
		return rathaus.NotFoundf("service_request_id %d not found", id)
	}
	return h.renderRequests(w, r, format, j, cat, []*rathaus.Request{req}, q.Get("extensions") == "true")
}

// token serves GET tokens/{token}.{fmt}.
func (h *handler) token(w http.ResponseWriter, r *http.Request, format, token string) error {
	j, err := h.jurisdiction(r.Context(), r.URL.Query().Get("jurisdiction_id"))
	if err != nil {
		return err
	}
	req, err := h.d.Cases.ByToken(r.Context(), j, token)
	if rathaus.KindOf(err) == rathaus.KindNotFound {
		return rathaus.NotFoundf("token %q not found", truncate(token, 80))
	}
	if err != nil {
		return err
	}
	cat, err := h.catalogue(r.Context(), j)
	if err != nil {
		return err
	}
	if ok, err := cat.public(r.Context(), req.ServiceCode); err != nil {
		return err
	} else if !ok {
		return rathaus.NotFoundf("token %q not found", truncate(token, 80))
	}
	h.render(w, http.StatusOK, format, tokenList{Requests: []tokenAnswer{{ServiceRequestID: strconv.FormatInt(req.ID, 10), Token: req.Token}}})
	return nil
}

// renderRequests writes the public representation of rs.
func (h *handler) renderRequests(w http.ResponseWriter, r *http.Request, format string, j *rathaus.Jurisdiction, cat *catalogue, rs []*rathaus.Request, ext bool) error {
	ctx := r.Context()
	cal, err := h.d.Cases.Calendar(ctx, j)
	if err != nil {
		return err
	}
	loc := cal.Location()
	ids := make([]int64, len(rs))
	for i, req := range rs {
		ids[i] = req.ID
	}
	// Photos feed media_url; events only the extensions, so plain lists
	// do not load the histories.
	var det casework.Details
	if len(ids) > 0 && ext {
		if det, err = h.d.Cases.Details(ctx, ids...); err != nil {
			return err
		}
	} else if len(ids) > 0 {
		if det.Media, err = h.d.Cases.Photos(ctx, ids...); err != nil {
			return err
		}
	}
	out := requestList{Requests: make([]request, 0, len(rs))}
	for _, req := range rs {
		o, urls, err := h.entry(ctx, cat, req, det.Media[req.ID], loc)
		if err != nil {
			return err
		}
		if ext {
			o.Extended = &extended{DetailedStatus: string(req.State), StatusHistory: history(det.Events[req.ID], loc), MediaURLs: nonNil(urls)}
		}
		out.Requests = append(out.Requests, o)
	}
	h.render(w, http.StatusOK, format, out)
	return nil
}

// entry returns the public representation of req, without extended
// attributes, and the URLs of its photos.
func (h *handler) entry(ctx context.Context, cat *catalogue, req *rathaus.Request, ms []*rathaus.Media, loc *time.Location) (request, []string, error) {
	name, err := cat.serviceName(ctx, req.ServiceCode)
	if err != nil {
		return request{}, nil, err
	}
	o := request{
		ServiceRequestID:  strconv.FormatInt(req.ID, 10),
		Status:            req.State.Open311Status(),
		StatusNotes:       req.StatusNotes,
		ServiceName:       name,
		ServiceCode:       req.ServiceCode,
		AgencyResponsible: cat.departments[req.DepartmentID],
		ServiceNotice:     serviceNotice(req),
		RequestedDatetime: stamp(req.SubmittedAt, loc),
		UpdatedDatetime:   stamp(req.UpdatedAt, loc),
		Address:           req.Address,
	}
	if req.Public {
		o.Description = req.Description
	}
	if !req.ResolutionDue.IsZero() {
		o.ExpectedDatetime = stamp(req.ResolutionDue, loc)
	}
	if req.HasLocation {
		lat, lon := req.Lat, req.Lon
		o.Lat, o.Long = &lat, &lon
	}
	urls := h.mediaURLs(req, ms)
	if len(urls) > 0 {
		o.MediaURL = urls[0]
	}
	return o, urls, nil
}

// renderCached writes the list of the requests that versions names (ID
// and version of each, in order), with the entries rowCache holds for
// those versions; the others are read, encoded and kept.
func (h *handler) renderCached(w http.ResponseWriter, r *http.Request, format string, j *rathaus.Jurisdiction, cat *catalogue, versions []*rathaus.Request) error {
	ctx := r.Context()
	cal, err := h.d.Cases.Calendar(ctx, j)
	if err != nil {
		return err
	}
	loc := cal.Location()
	isXML := format == "xml"
	form := entryForm(cat.fingerprint(loc), isXML)
	entries := make([][]byte, len(versions))
	keys := make([]rowKey, len(versions))
	for i, v := range versions {
		keys[i] = rowKey{id: v.ID, version: v.Version, form: form}
	}
	h.rows.getAll(keys, entries)
	var missing []int64
	for i, v := range versions {
		if entries[i] == nil {
			missing = append(missing, v.ID)
		}
	}
	if len(missing) > 0 {
		rs, media, err := h.d.Cases.PublicRequests(ctx, j, missing)
		if err != nil {
			return err
		}
		if rs, err = cat.publicOnly(ctx, rs); err != nil {
			return err
		}
		fresh := make(map[int64][]byte, len(rs))
		for _, req := range rs {
			o, _, err := h.entry(ctx, cat, req, media[req.ID], loc)
			if err != nil {
				return err
			}
			var b []byte
			if isXML {
				b = appendRequestXML(nil, &o)
			} else {
				b = appendRequestJSON(nil, &o)
			}
			fresh[req.ID] = b
			// The row may be newer than the version listed; it is kept
			// under its own version.
			if cat.fingerprinted(req.ServiceCode) {
				h.rows.put(rowKey{id: req.ID, version: req.Version, form: form}, b)
			}
		}
		for i, v := range versions {
			if entries[i] == nil {
				entries[i] = fresh[v.ID] // nil if it is no longer public: left out
			}
		}
	}
	h.writeEntries(w, isXML, entries)
	return nil
}

// writeEntries writes a request list of encoded entries (nil ones left
// out), with the bytes the list encoders of encode.go write.
func (h *handler) writeEntries(w http.ResponseWriter, isXML bool, entries [][]byte) {
	writePooled(w, http.StatusOK, func(b []byte) ([]byte, string, bool) {
		if isXML {
			b = append(b, `<?xml version="1.0" encoding="utf-8"?>`+"\n<service_requests>"...)
			for _, e := range entries {
				b = append(b, e...)
			}
			return append(b, "</service_requests>\n"...), "text/xml; charset=utf-8", true
		}
		b = append(b, '[')
		first := true
		for _, e := range entries {
			if e == nil {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			b, first = append(b, e...), false
		}
		return append(b, "]\n"...), "application/json; charset=utf-8", true
	})
}

// serviceNotice tells the public under which number a request runs and,
// for merged duplicates, where the work goes on.
func serviceNotice(req *rathaus.Request) string {
	if req.DuplicateOf != 0 {
		return "Vorgang " + req.Number + " wurde mit Meldung " + strconv.FormatInt(req.DuplicateOf, 10) + " zusammengeführt."
	}
	return "Vorgang " + req.Number
}

// mediaURLs returns the public photo URLs of a request, then the client's
// own media_url.
func (h *handler) mediaURLs(req *rathaus.Request, ms []*rathaus.Media) []string {
	var urls []string
	for _, m := range ms {
		if m.Public {
			urls = append(urls, h.d.BaseURL+"/media/"+strconv.FormatInt(m.ID, 10))
		}
	}
	if req.MediaURL != "" {
		urls = append(urls, req.MediaURL)
	}
	return urls
}

// history replays the events of a request and keeps the public ones, each
// with the state it left the request in.
func history(evs []*rathaus.Event, loc *time.Location) []historyEntry {
	out := []historyEntry{}
	state := rathaus.StateNew
	for _, e := range evs {
		if e.ToState != "" {
			state = e.ToState
		}
		if !e.Public {
			continue
		}
		out = append(out, historyEntry{Status: state.Open311Status(), DetailedStatus: string(state),
			UpdatedDatetime: stamp(e.At, loc), Description: publicBody(e)})
	}
	return out
}

// publicBody is the text of an event the public may read: replies and the
// messages of closing and reopening. Other bodies are internal (the
// submitted event's body is the channel, a note is never public).
func publicBody(e *rathaus.Event) string {
	switch e.Type {
	case rathaus.EventReplied, rathaus.EventClosed, rathaus.EventReopened:
		return e.Body
	}
	return ""
}

// stamp formats t in RFC 3339 in the jurisdiction's time zone.
func stamp(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.RFC3339)
}

// catalogue caches the services and department names of one
// jurisdiction for the length of one call.
type catalogue struct {
	h           *handler
	j           *rathaus.Jurisdiction
	services    map[string]*rathaus.Service // by code; nil: no such service
	active      []string                    // codes of active services open to Open311, sorted
	departments map[int64]string
	// codes and departmentIDs are the services and departments read at
	// the start, sorted: what fingerprint covers.
	codes         []string
	departmentIDs []int64
}

func (h *handler) catalogue(ctx context.Context, j *rathaus.Jurisdiction) (*catalogue, error) {
	svcs, err := h.d.Cases.Services(ctx, j)
	if err != nil {
		return nil, err
	}
	deps, err := h.d.Cases.Departments(ctx, j)
	if err != nil {
		return nil, err
	}
	c := &catalogue{h: h, j: j, services: map[string]*rathaus.Service{}, departments: map[int64]string{}}
	for _, s := range svcs {
		c.services[s.Code] = s
		c.codes = append(c.codes, s.Code)
		if offered(s) {
			c.active = append(c.active, s.Code)
		}
	}
	slices.Sort(c.active)
	slices.Sort(c.codes)
	for _, d := range deps {
		c.departments[d.ID] = d.Name
		c.departmentIDs = append(c.departmentIDs, d.ID)
	}
	slices.Sort(c.departmentIDs)
	return c, nil
}

// fingerprinted reports whether fingerprint covers the name of service
// code (a retired service, looked up later, is not).
func (c *catalogue) fingerprinted(code string) bool {
	_, ok := slices.BinarySearch(c.codes, code)
	return ok
}

// service returns the service with code, or nil; Services lists only
// active ones, so a retired service is looked up once.
func (c *catalogue) service(ctx context.Context, code string) (*rathaus.Service, error) {
	if s, ok := c.services[code]; ok {
		return s, nil
	}
	s, err := c.h.d.Cases.Service(ctx, c.j, code)
	if rathaus.KindOf(err) == rathaus.KindNotFound {
		s, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.services[code] = s
	return s, nil
}

// public reports whether requests of service code may be shown to Open311
// clients: staff services (IT tickets, orders) are never shown, also when
// they are retired.
func (c *catalogue) public(ctx context.Context, code string) (bool, error) {
	s, err := c.service(ctx, code)
	if err != nil || s == nil {
		return false, err
	}
	return s.Audience != "staff", nil
}

// serviceName returns the name of a service, or its code when it is gone.
func (c *catalogue) serviceName(ctx context.Context, code string) (string, error) {
	s, err := c.service(ctx, code)
	if err != nil {
		return "", err
	}
	if s == nil {
		return code, nil
	}
	return s.Name, nil
}

// publicOnly keeps the requests of public services.
func (c *catalogue) publicOnly(ctx context.Context, rs []*rathaus.Request) ([]*rathaus.Request, error) {
	kept := rs[:0]
	for _, r := range rs {
		ok, err := c.public(ctx, r.ServiceCode)
		if err != nil {
			return nil, err
		}
		if ok {
			kept = append(kept, r)
		}
	}
	return kept, nil
}
