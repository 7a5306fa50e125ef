package casework

import (
	"context"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/geo"
	"github.com/rathaus/rathaus/internal/store"
)

// Submission is a new request as a citizen or client sends it.
type Submission struct {
	ServiceCode string
	HasLocation bool
	Lat, Lon    float64
	Address     string
	Description string
	// Attributes holds the answers to the service's questions; list
	// attributes may have several values.
	Attributes map[string][]string
	Contact    rathaus.Contact
	DeviceID   string
	AccountID  string
	MediaURL   string
	Channel    rathaus.Channel
	Photos     []Photo
}

// Photo is an uploaded image that is already re-encoded and stored.
type Photo struct {
	BlobKey       string
	ContentType   string
	Width, Height int
}

// Limits of free-text fields, in characters.
const (
	maxDescription = 4000
	maxShortText   = 200
	maxAttribute   = 1000
	maxPhotos      = 8
)

var htmlTag = regexp.MustCompile(`<\s*/?\s*[a-zA-Z!][^>]*>`)

// checkText refuses invalid UTF-8, control characters and HTML markup in
// a free-text field. Markup is refused rather than escaped so that a client
// learns at once that the text will not be rendered as HTML anywhere.
func checkText(field, s string, limit int) error {
	if !utf8.ValidString(s) {
		return rathaus.Invalidf(field, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return rathaus.Invalidf(field, "is %d characters long, the limit is %d", n, limit)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return rathaus.Invalidf(field, "contains a control character (U+%04X)", r)
		}
	}
	if htmlTag.MatchString(s) {
		return rathaus.Invalidf(field, "contains HTML markup, which is not allowed; send plain text")
	}
	return nil
}

// validate checks everything that does not need the database except the
// service; it returns the attributes as stored (lists joined by commas).
func (sub *Submission) validate(s *rathaus.Service) (map[string]string, error) {
	if err := checkText("description", sub.Description, maxDescription); err != nil {
		return nil, err
	}
	short := []struct{ field, value string }{
		{"address_string", sub.Address}, {"first_name", sub.Contact.FirstName}, {"last_name", sub.Contact.LastName},
		{"phone", sub.Contact.Phone}, {"device_id", sub.DeviceID}, {"account_id", sub.AccountID},
	}
	for _, f := range short {
		if err := checkText(f.field, f.value, maxShortText); err != nil {
			return nil, err
		}
	}
	if sub.Contact.Email != "" {
		if len(sub.Contact.Email) > 254 {
			return nil, rathaus.Invalidf("email", "is longer than 254 characters")
		}
		a, err := mail.ParseAddress(sub.Contact.Email)
		if err != nil || a.Address != sub.Contact.Email {
			return nil, rathaus.Invalidf("email", "is not a valid e-mail address")
		}
	}
	if sub.Contact.Phone != "" && strings.Trim(sub.Contact.Phone, "+0123456789 ()/-.") != "" {
		return nil, rathaus.Invalidf("phone", "may contain only digits, spaces and + ( ) / - .")
	}
	if sub.MediaURL != "" {
		u, err := url.Parse(sub.MediaURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(sub.MediaURL) > 2000 {
			return nil, rathaus.Invalidf("media_url", "must be an http or https URL")
		}
	}
	if sub.HasLocation {
		if !geo.ValidLatLon(sub.Lat, sub.Lon) {
			return nil, rathaus.Invalidf("lat", "lat/long (%g, %g) is not a valid position", sub.Lat, sub.Lon)
		}
	} else if strings.TrimSpace(sub.Address) == "" {
		return nil, rathaus.Invalidf("lat", "a location is required: send lat and long, or address_string")
	}
	if len(sub.Photos) > maxPhotos {
		return nil, rathaus.Invalidf("media", "%d photos sent, the limit is %d", len(sub.Photos), maxPhotos)
	}
	return checkAttributes(s, sub.Attributes)
}

// checkAttributes validates answers against the service's attribute
// definitions, as Open311 datatypes say.
func checkAttributes(s *rathaus.Service, given map[string][]string) (map[string]string, error) {
	known := map[string]bool{}
	out := map[string]string{}
	for _, a := range s.Attributes {
		known[a.Code] = true
		field := "attribute[" + a.Code + "]"
		vals := nonEmpty(given[a.Code])
		if !a.Variable {
			continue
		}
		if len(vals) == 0 {
			if a.Required {
				return nil, rathaus.Invalidf(field, "is required for service %s (%s)", s.Code, a.Description)
			}
			continue
		}
		if a.Datatype != rathaus.TypeMultiValueList && len(vals) > 1 {
			return nil, rathaus.Invalidf(field, "takes one value, got %d", len(vals))
		}
		for _, v := range vals {
			if err := checkText(field, v, maxAttribute); err != nil {
				return nil, err
			}
			switch a.Datatype {
			case rathaus.TypeNumber:
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
					return nil, rathaus.Invalidf(field, "must be a number, got %q", v)
				}
			case rathaus.TypeDatetime:
				if _, err := time.Parse(time.RFC3339, v); err != nil {
					return nil, rathaus.Invalidf(field, "must be a date and time like 2026-03-02T09:00:00+01:00, got %q", v)
				}
			case rathaus.TypeSingleValueList, rathaus.TypeMultiValueList:
				if !hasKey(a.Values, v) {
					return nil, rathaus.Invalidf(field, "%q is not one of the allowed values (%s)", v, keys(a.Values))
				}
			}
		}
		out[a.Code] = strings.Join(vals, ",")
	}
	for code := range given {
		if !known[code] {
			return nil, rathaus.Invalidf("attribute["+code+"]", "is not an attribute of service %s", s.Code)
		}
	}
	return out, nil
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func hasKey(vs []rathaus.AttributeValue, k string) bool {
	for _, v := range vs {
		if v.Key == k {
			return true
		}
	}
	return false
}

func keys(vs []rathaus.AttributeValue) string {
	ks := make([]string, len(vs))
	for i, v := range vs {
		ks[i] = v.Key
	}
	return strings.Join(ks, ", ")
}

// prepared is a validated, routed submission waiting for its transaction.
type prepared struct {
	j      *rathaus.Jurisdiction
	s      *rathaus.Service
	r      *rathaus.Request
	cell   int64
	year   int
	photos []Photo
	// after runs in the same transaction once the request has its ID and
	// number (SubmitWeb asks for an address confirmation there).
	after func(ctx context.Context, tx *store.Tx, r *rathaus.Request) error
}

// prepare does everything before the transaction: find the service,
// validate, check the boundary, route and compute the SLA due times. The
// request has no number and no ID yet.
func (c *Cases) prepare(ctx context.Context, j *rathaus.Jurisdiction, sub Submission) (*prepared, error) {
	if strings.TrimSpace(sub.ServiceCode) == "" {
		return nil, rathaus.Invalidf("service_code", "is required")
	}
	cp, err := c.compiledFor(ctx, j)
	if err != nil {
		return nil, err
	}
	s := cp.services[sub.ServiceCode]
	if s == nil || (s.Audience == "staff" && sub.Channel.Public()) {
		return nil, rathaus.Invalidf("service_code", "%q is not a service of %s", sub.ServiceCode, j.Name)
	}
	if !s.Active {
		return nil, rathaus.Invalidf("service_code", "%q is no longer offered", s.Code)
	}
	attrs, err := sub.validate(s)
	if err != nil {
		return nil, err
	}
	if sub.HasLocation && !cp.boundary.IsZero() && !cp.boundary.Contains(geo.Point{Lat: sub.Lat, Lon: sub.Lon}) {
		return nil, rathaus.Invalidf("lat", "the position (%g, %g) is outside %s", sub.Lat, sub.Lon, j.Name)
	}
	now := c.now().UTC().Truncate(time.Microsecond)
	r := &rathaus.Request{
		JurisdictionID: j.ID, Token: auth.NewToken(), ServiceID: s.ID, ServiceCode: s.Code, State: rathaus.StateNew,
		HasLocation: sub.HasLocation, Lat: sub.Lat, Lon: sub.Lon, Address: strings.TrimSpace(sub.Address),
		Description: strings.TrimSpace(sub.Description), Attributes: attrs, Channel: sub.Channel, Reporter: sub.Contact,
		DeviceID: sub.DeviceID, AccountID: sub.AccountID, MediaURL: sub.MediaURL, Public: true,
		SubmittedAt: now, UpdatedAt: now,
	}
	if r.Channel == "" {
		r.Channel = rathaus.ChannelWeb
	}
	r.DepartmentID = cp.route(s, r)
	if s.ResponseHours > 0 {
		r.ResponseDue = cp.cal.AddBusinessHours(now, time.Duration(s.ResponseHours)*time.Hour).UTC()
	}
	if s.ResolutionHours > 0 {
		r.ResolutionDue = cp.cal.AddBusinessHours(now, time.Duration(s.ResolutionHours)*time.Hour).UTC()
	}
	p := &prepared{j: j, s: s, r: r, year: now.In(cp.cal.Location()).Year(), photos: sub.Photos}
	if r.HasLocation {
		p.cell = geo.Cell(geo.Point{Lat: r.Lat, Lon: r.Lon})
	}
	return p, nil
}

// write stores a prepared submission in tx: number, request, submitted and
// routed events, the receipt mail, photos. It reports whether mail was
// enqueued.
func (c *Cases) write(ctx context.Context, tx *store.Tx, p *prepared) (bool, error) {
	r, j := p.r, p.j
	var err error
	if r.Number, err = tx.NextRequestNumber(ctx, j.ID, p.year); err != nil {
		return false, err
	}
	if err := tx.InsertRequest(ctx, r, p.cell); err != nil {
		return false, err
	}
	mailed := false
	for _, e := range []*rathaus.Event{
		{Type: rathaus.EventSubmitted, Public: true, ToState: rathaus.StateNew, Body: string(r.Channel)},
		{Type: rathaus.EventRouted, DepartmentID: r.DepartmentID},
	} {
		e.JurisdictionID, e.RequestID, e.At = j.ID, r.ID, r.SubmittedAt
		if err := tx.AppendEvent(ctx, e); err != nil {
			return false, err
		}
		ok, err := c.enqueueMail(ctx, tx, j, r, e)
		if err != nil {
			return false, err
		}
		mailed = mailed || ok
	}
	for _, ph := range p.photos {
		m := &rathaus.Media{RequestID: r.ID, BlobKey: ph.BlobKey, ContentType: ph.ContentType, Width: ph.Width, Height: ph.Height,
			Public: true, CreatedAt: r.SubmittedAt}
		if err := tx.AddMedia(ctx, j.ID, m); err != nil {
			return false, err
		}
	}
	if p.after != nil {
		if err := p.after(ctx, tx, r); err != nil {
			return false, err
		}
		mailed = true
	}
	return mailed, nil
}

// Submit validates, routes and stores a new request with its submitted and
// routed events (and the receipt mail) in one transaction, which it may
// share with other submissions arriving at the same moment.
func (c *Cases) Submit(ctx context.Context, j *rathaus.Jurisdiction, sub Submission) (*rathaus.Request, error) {
	p, err := c.prepare(ctx, j, sub)
	if err != nil {
		return nil, err
	}
	if err := c.commit(ctx, p); err != nil {
		return nil, fmt.Errorf("casework: submit %s: %w", p.s.Code, err)
	}
	return p.r, nil
}
