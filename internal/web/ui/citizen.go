package ui

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/geo"
)

// This file holds what the citizen pages share: which services and
// requests the public may see, and the public view of a request, which
// copies only fields fit for publication so that no template can show
// the reporter's contact by mistake.

// citizenMaxForm bounds bodies of citizen forms without uploads.
const citizenMaxForm = 64 << 10

// citizenMaxUpload bounds the report form with photos, as Open311 does.
const citizenMaxUpload = 12 << 20

// citizenMaxPhotos is how many photos one report may carry.
const citizenMaxPhotos = 8

// photoSlots bounds how many uploads the citizen form decodes at once in
// this process: a decoded photo takes up to ~100 MB, and the bound belongs
// to the process's memory, not to one handler value.
var photoSlots = make(chan struct{}, max(2, runtime.NumCPU()))

// publicReport reports whether requests of s are shown on the public
// citizen pages: reports of services offered to the public.
func publicReport(s *rathaus.Service) bool {
	return s != nil && s.Kind == rathaus.KindReport && s.Audience != "staff"
}

// citizenServices returns the jurisdiction's public report services and a
// lookup by code.
func (u *UI) citizenServices(ctx context.Context, j *rathaus.Jurisdiction) ([]*rathaus.Service, map[string]*rathaus.Service, error) {
	all, err := u.Cases.Services(ctx, j)
	if err != nil {
		return nil, nil, err
	}
	var out []*rathaus.Service
	byCode := map[string]*rathaus.Service{}
	for _, s := range all {
		if publicReport(s) {
			out = append(out, s)
			byCode[s.Code] = s
		}
	}
	return out, byCode, nil
}

func serviceCodes(ss []*rathaus.Service) []string {
	codes := make([]string, len(ss))
	for i, s := range ss {
		codes[i] = s.Code
	}
	return codes
}

// citizenJurisdiction returns the jurisdiction the citizen pages serve.
func (u *UI) citizenJurisdiction(ctx context.Context) (*rathaus.Jurisdiction, error) {
	return u.jurisdiction(ctx)
}

// publicItem is a request as the public lists show it.
type publicItem struct {
	ID          int64
	Number      string
	ServiceName string
	SubmittedAt time.Time
	State       rathaus.State
	Open        bool
	Address     string
	Excerpt     string
	HasLocation bool
	Lat, Lon    string
}

func coord(f float64) string { return strconv.FormatFloat(f, 'f', 6, 64) }

// excerpt shortens a published description for lists.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	cut := string(r[:n])
	if i := strings.LastIndex(cut, " "); i > n/2 {
		cut = cut[:i]
	}
	return cut + " …"
}

func newPublicItem(r *rathaus.Request, services map[string]*rathaus.Service) publicItem {
	it := publicItem{ID: r.ID, Number: r.Number, SubmittedAt: r.SubmittedAt, State: r.State, Open: r.State != rathaus.StateClosed,
		Address: r.Address, HasLocation: r.HasLocation}
	if s := services[r.ServiceCode]; s != nil {
		it.ServiceName = s.Name
	}
	if r.Public {
		it.Excerpt = excerpt(r.Description, 140)
	}
	if r.HasLocation {
		it.Lat, it.Lon = coord(r.Lat), coord(r.Lon)
	}
	return it
}

// citizenEvent is one line of the public status history.
type citizenEvent struct {
	At    time.Time
	Label string // message key
	To    rathaus.State
	Text  string
}

// publicRequest is the public view of one request.
type publicRequest struct {
	publicItem
	Description string // empty unless published
	StatusNotes string
	ClosedAt    time.Time
	Merged      bool
	History     []citizenEvent
	Photos      []int64
}

// loadPublicRequest builds the public view of r. private adds what only
// the reporter sees through the status link (the text of a reopening).
func (u *UI) loadPublicRequest(ctx context.Context, r *rathaus.Request, services map[string]*rathaus.Service, private bool) (*publicRequest, error) {
	d, err := u.Cases.Details(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	p := &publicRequest{publicItem: newPublicItem(r, services), StatusNotes: r.StatusNotes, ClosedAt: r.ClosedAt, Merged: r.DuplicateOf != 0}
	if r.Public {
		p.Description = r.Description
	}
	for _, e := range d.Events[r.ID] {
		if !e.Public {
			continue
		}
		ev := citizenEvent{At: e.At, To: e.ToState}
		switch e.Type {
		case rathaus.EventSubmitted:
			ev.Label = "citizen.ev.submitted"
		case rathaus.EventAccepted:
			ev.Label = "citizen.ev.accepted"
		case rathaus.EventStateChanged:
			ev.Label = "citizen.ev.state_changed"
		case rathaus.EventReplied:
			ev.Label, ev.Text = "citizen.ev.replied", e.Body
		case rathaus.EventClosed:
			ev.Label, ev.Text = "citizen.ev.closed", e.Body
		case rathaus.EventReopened:
			ev.Label = "citizen.ev.reopened"
			if private {
				ev.Text = e.Body
			}
		default:
			continue
		}
		p.History = append(p.History, ev)
	}
	for _, m := range d.Media[r.ID] {
		if m.Public {
			p.Photos = append(p.Photos, m.ID)
		}
	}
	return p, nil
}

// mapView tells the map script where to look before it has markers.
type mapView struct {
	Enabled bool
	BBox    string // "minLat,minLon,maxLat,maxLon" of the jurisdiction, or ""
}

func (u *UI) mapViewOf(j *rathaus.Jurisdiction) mapView {
	mv := mapView{Enabled: u.TileURL != ""}
	if j != nil && len(j.Boundary) > 0 {
		if a, err := geo.ParseGeoJSON(j.Boundary); err == nil && !a.IsZero() {
			b := a.BBox()
			mv.BBox = fmt.Sprintf("%s,%s,%s,%s", coord(b.MinLat), coord(b.MinLon), coord(b.MaxLat), coord(b.MaxLon))
		}
	}
	return mv
}

// t translates for handlers.
func (u *UI) t(r *http.Request, key string, args ...any) string {
	return u.Catalog.T(Locale(r), key, args...)
}

// nearbyRadius and nearbyWindow define "the same problem" for duplicate
// hints: same service, open, within 200 m, reported in the last 30 days.
const (
	nearbyRadius = 200
	nearbyWindow = 30 * 24 * time.Hour
)

func (u *UI) nearby(ctx context.Context, j *rathaus.Jurisdiction, s *rathaus.Service, lat, lon float64, services map[string]*rathaus.Service) ([]publicItem, error) {
	rs, err := u.Cases.Nearby(ctx, j, s.Code, geo.Point{Lat: lat, Lon: lon}, nearbyRadius, u.Now().Add(-nearbyWindow))
	if err != nil {
		return nil, err
	}
	out := make([]publicItem, 0, len(rs))
	for _, r := range rs {
		out = append(out, newPublicItem(r, services))
	}
	return out, nil
}
