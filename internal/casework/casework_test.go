package casework_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/geo"
	"github.com/rathaus/rathaus/internal/mapindex"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

// A square boundary around central Osnabrück and an "old town" area inside.
const (
	boundary = `{"type":"Polygon","coordinates":[[[7.95,52.20],[8.15,52.20],[8.15,52.35],[7.95,52.35],[7.95,52.20]]]}`
	oldTown  = `{"type":"Polygon","coordinates":[[[8.03,52.27],[8.06,52.27],[8.06,52.29],[8.03,52.29],[8.03,52.27]]]}`
)

type fixture struct {
	db                *store.DB
	cases             *casework.Cases
	j                 *rathaus.Jurisdiction
	roads, order      *rathaus.Department
	admin, roadWorker *rathaus.User
	orderWorker       *rathaus.User
	viewer            *rathaus.User
	now               time.Time
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	// Thursday before Easter 2026, 15:00 in Osnabrück.
	f := &fixture{db: db, now: time.Date(2026, 4, 2, 13, 0, 0, 0, time.UTC)}
	f.j = &rathaus.Jurisdiction{Slug: "os", Name: "Osnabrück", State: "NI", Boundary: []byte(boundary)}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateJurisdiction(ctx, f.j, f.now); err != nil {
			return err
		}
		f.roads = &rathaus.Department{JurisdictionID: f.j.ID, Code: "roads", Name: "Straßen"}
		f.order = &rathaus.Department{JurisdictionID: f.j.ID, Code: "order", Name: "Ordnungsamt"}
		for _, d := range []*rathaus.Department{f.roads, f.order} {
			if err := tx.CreateDepartment(ctx, d); err != nil {
				return err
			}
		}
		services := []*rathaus.Service{
			{Code: "pothole", Name: "Schlagloch", ResponseHours: 8, ResolutionHours: 40, DefaultDepartment: f.roads.ID,
				Attributes: []rathaus.Attribute{
					{Code: "depth", Datatype: rathaus.TypeNumber, Required: true, Variable: true, Description: "Tiefe in cm"},
					{Code: "lane", Datatype: rathaus.TypeSingleValueList, Variable: true, Values: []rathaus.AttributeValue{{Key: "road", Name: "Fahrbahn"}, {Key: "bike", Name: "Radweg"}}},
					{Code: "kinds", Datatype: rathaus.TypeMultiValueList, Variable: true, Values: []rathaus.AttributeValue{{Key: "a"}, {Key: "b"}}},
					{Code: "seen", Datatype: rathaus.TypeDatetime, Variable: true},
				}},
			{Code: "graffiti", Name: "Graffiti", DefaultDepartment: f.roads.ID},
		}
		for _, s := range services {
			s.JurisdictionID, s.Kind, s.Active = f.j.ID, rathaus.KindReport, true
			if err := tx.CreateService(ctx, s); err != nil {
				return err
			}
		}
		if err := tx.CreateRoutingRule(ctx, &store.RoutingRule{JurisdictionID: f.j.ID, Position: 1, ServiceCode: "graffiti", Area: []byte(oldTown), DepartmentID: f.order.ID}); err != nil {
			return err
		}
		f.admin = &rathaus.User{JurisdictionID: f.j.ID, Email: "admin@os.example", Name: "Admin", Role: rathaus.RoleAdmin}
		f.roadWorker = &rathaus.User{JurisdictionID: f.j.ID, Email: "road@os.example", Name: "Rita", Role: rathaus.RoleCaseworker, DepartmentID: f.roads.ID}
		f.orderWorker = &rathaus.User{JurisdictionID: f.j.ID, Email: "order@os.example", Name: "Otto", Role: rathaus.RoleCaseworker, DepartmentID: f.order.ID}
		f.viewer = &rathaus.User{JurisdictionID: f.j.ID, Email: "view@os.example", Name: "Vera", Role: rathaus.RoleViewer}
		for _, u := range []*rathaus.User{f.admin, f.roadWorker, f.orderWorker, f.viewer} {
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.cases = casework.New(db, func() time.Time { return f.now }, casework.Config{BaseURL: "https://os.example"})
	return f
}

func pothole(lat, lon float64) casework.Submission {
	return casework.Submission{ServiceCode: "pothole", HasLocation: true, Lat: lat, Lon: lon, Description: "Tiefes Loch",
		Attributes: map[string][]string{"depth": {"12"}}, Channel: rathaus.ChannelOpen311}
}

func TestSubmitRoutesAndSetsDueDates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		r, err := f.cases.Submit(ctx, f.j, pothole(52.28, 8.04))
		if err != nil {
			t.Fatal(err)
		}
		if r.Number != "2026-000001" || r.DepartmentID != f.roads.ID || r.State != rathaus.StateNew {
			t.Errorf("request = %s dept %d state %s", r.Number, r.DepartmentID, r.State)
		}
		// 15:00 Thursday + 8 business hours: 1 h Thursday, Good Friday and
		// Easter Monday are holidays in Lower Saxony, so 7 h on Tuesday:
		// 15:00 CEST on 7 April = 13:00 UTC.
		if want := time.Date(2026, 4, 7, 13, 0, 0, 0, time.UTC); !r.ResponseDue.Equal(want) {
			t.Errorf("ResponseDue = %v, want %v", r.ResponseDue, want)
		}
		g := casework.Submission{ServiceCode: "graffiti", HasLocation: true, Lat: 52.28, Lon: 8.04, Description: "Tag an der Wand"}
		inTown, err := f.cases.Submit(ctx, f.j, g)
		if err != nil {
			t.Fatal(err)
		}
		g.Lat, g.Lon = 52.22, 7.97
		outside, err := f.cases.Submit(ctx, f.j, g)
		if err != nil {
			t.Fatal(err)
		}
		if inTown.DepartmentID != f.order.ID || outside.DepartmentID != f.roads.ID {
			t.Errorf("graffiti routing: old town -> %d (want %d), elsewhere -> %d (want %d)", inTown.DepartmentID, f.order.ID, outside.DepartmentID, f.roads.ID)
		}
		d, err := f.cases.Details(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		evs := d.Events[r.ID]
		if len(evs) != 2 || evs[0].Type != rathaus.EventSubmitted || evs[1].Type != rathaus.EventRouted || evs[1].DepartmentID != f.roads.ID {
			t.Errorf("events = %+v", evs)
		}
	})
}

func TestSubmitRefusesBadInputAndWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		mod := func(fn func(*casework.Submission)) casework.Submission {
			s := pothole(52.28, 8.04)
			fn(&s)
			return s
		}
		tests := []struct {
			name  string
			sub   casework.Submission
			field string
		}{
			{"no service", mod(func(s *casework.Submission) { s.ServiceCode = "" }), "service_code"},
			{"unknown service", mod(func(s *casework.Submission) { s.ServiceCode = "ufo" }), "service_code"},
			{"missing required attribute", mod(func(s *casework.Submission) { s.Attributes = nil }), "attribute[depth]"},
			{"number attribute not a number", mod(func(s *casework.Submission) { s.Attributes["depth"] = []string{"tief"} }), "attribute[depth]"},
			{"list value not allowed", mod(func(s *casework.Submission) { s.Attributes["lane"] = []string{"sky"} }), "attribute[lane]"},
			{"two values for a single list", mod(func(s *casework.Submission) { s.Attributes["lane"] = []string{"road", "bike"} }), "attribute[lane]"},
			{"multi list with unknown key", mod(func(s *casework.Submission) { s.Attributes["kinds"] = []string{"a", "z"} }), "attribute[kinds]"},
			{"bad datetime", mod(func(s *casework.Submission) { s.Attributes["seen"] = []string{"gestern"} }), "attribute[seen]"},
			{"unknown attribute", mod(func(s *casework.Submission) { s.Attributes["color"] = []string{"red"} }), "attribute[color]"},
			{"lat out of range", mod(func(s *casework.Submission) { s.Lat = 95 }), "lat"},
			{"outside boundary", mod(func(s *casework.Submission) { s.Lat, s.Lon = 52.52, 13.40 }), "lat"},
			{"no location", mod(func(s *casework.Submission) { s.HasLocation = false }), "lat"},
			{"html in description", mod(func(s *casework.Submission) { s.Description = "<script>alert(1)</script>" }), "description"},
			{"control character", mod(func(s *casework.Submission) { s.Description = "a\x00b" }), "description"},
			{"description too long", mod(func(s *casework.Submission) { s.Description = strings.Repeat("x", 4001) }), "description"},
			{"bad email", mod(func(s *casework.Submission) { s.Contact.Email = "not an address" }), "email"},
			{"bad phone", mod(func(s *casework.Submission) { s.Contact.Phone = "call me" }), "phone"},
			{"bad media_url", mod(func(s *casework.Submission) { s.MediaURL = "javascript:alert(1)" }), "media_url"},
		}
		for _, tt := range tests {
			_, err := f.cases.Submit(ctx, f.j, tt.sub)
			e, ok := rathaus.AsError(err)
			if !ok || e.Kind != rathaus.KindInvalid || e.Field != tt.field {
				t.Errorf("%s: err = %v, want invalid %s", tt.name, err, tt.field)
			}
		}
		rs, err := f.cases.List(ctx, f.j, casework.Query{})
		if err != nil || len(rs) != 0 {
			t.Fatalf("bad submissions wrote %d requests (err %v)", len(rs), err)
		}
		// SQL in text is just text.
		s := pothole(52.28, 8.04)
		s.Description = "'; DROP TABLE requests; --"
		r, err := f.cases.Submit(ctx, f.j, s)
		if err != nil || r.Description != s.Description {
			t.Fatalf("sql text: %v %q", err, r.Description)
		}
	})
}

func TestStaffActionsPermissionsAndHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		s := pothole(52.28, 8.04)
		s.Contact.Email = "buerger@example.org"
		r, err := f.cases.Submit(ctx, f.j, s)
		if err != nil {
			t.Fatal(err)
		}
		// Wrong department and viewer are refused and change nothing.
		for _, u := range []*rathaus.User{f.orderWorker, f.viewer} {
			if _, err := f.cases.Accept(ctx, f.j, u, r.ID); rathaus.KindOf(err) != rathaus.KindForbidden {
				t.Errorf("accept by %s: %v, want forbidden", u.Email, err)
			}
		}
		steps := []struct {
			name string
			do   func() (*rathaus.Request, error)
			want rathaus.State
		}{
			{"accept", func() (*rathaus.Request, error) { return f.cases.Accept(ctx, f.j, f.roadWorker, r.ID) }, rathaus.StateAccepted},
			{"assign", func() (*rathaus.Request, error) { return f.cases.Assign(ctx, f.j, f.roadWorker, r.ID, f.roadWorker.ID) }, rathaus.StateAccepted},
			{"start", func() (*rathaus.Request, error) {
				return f.cases.Transition(ctx, f.j, f.roadWorker, r.ID, rathaus.StateInProgress)
			}, rathaus.StateInProgress},
			{"reply", func() (*rathaus.Request, error) { return f.cases.Reply(ctx, f.j, f.roadWorker, r.ID, "Wir sind dran.") }, rathaus.StateInProgress},
			{"note", func() (*rathaus.Request, error) {
				return f.cases.Note(ctx, f.j, f.roadWorker, r.ID, "Bauhof informiert")
			}, rathaus.StateInProgress},
			{"forward", func() (*rathaus.Request, error) {
				return f.cases.Forward(ctx, f.j, f.roadWorker, r.ID, f.order.ID, "Privatgrund")
			}, rathaus.StateInProgress},
			{"close", func() (*rathaus.Request, error) {
				return f.cases.Close(ctx, f.j, f.orderWorker, r.ID, "fixed", "Erledigt.")
			}, rathaus.StateClosed},
			{"reopen by citizen", func() (*rathaus.Request, error) { return f.cases.Reopen(ctx, f.j, nil, r.ID, "Loch ist wieder da") }, rathaus.StateInProgress},
		}
		for _, st := range steps {
			f.now = f.now.Add(time.Hour)
			got, err := st.do()
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if got.State != st.want {
				t.Fatalf("%s: state %s, want %s", st.name, got.State, st.want)
			}
		}
		// After the forward, the road worker may no longer act.
		if _, err := f.cases.Note(ctx, f.j, f.roadWorker, r.ID, "x"); rathaus.KindOf(err) != rathaus.KindForbidden {
			t.Errorf("note after forward: %v", err)
		}
		// A closed request cannot be closed twice; new cannot go to closed by Transition.
		if _, err := f.cases.Transition(ctx, f.j, f.admin, r.ID, rathaus.StateClosed); rathaus.KindOf(err) != rathaus.KindConflict {
			t.Errorf("transition to closed: %v", err)
		}
		d, err := f.cases.Details(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, e := range d.Events[r.ID] {
			types = append(types, string(e.Type))
		}
		want := "submitted routed accepted assigned state_changed replied noted forwarded closed reopened"
		if strings.Join(types, " ") != want {
			t.Errorf("history = %s\nwant      %s", strings.Join(types, " "), want)
		}
		var mails []string
		_ = db.ReadTx(ctx, func(tx *store.Tx) error {
			items, err := tx.OutboxItems(ctx, 100)
			for _, it := range items {
				mails = append(mails, it.DedupeKey)
			}
			return err
		})
		// receipt, accepted, replied, closed
		if len(mails) != 4 {
			t.Errorf("outbox has %d mails, want 4: %v", len(mails), mails)
		}
	})
}

func TestMergeAndNearby(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		a, err := f.cases.Submit(ctx, f.j, pothole(52.2800, 8.0400))
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.cases.Submit(ctx, f.j, pothole(52.2805, 8.0402)) // about 57 m north
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.cases.Submit(ctx, f.j, pothole(52.2900, 8.0400)); err != nil { // about 1.1 km
			t.Fatal(err)
		}
		near, err := f.cases.Nearby(ctx, f.j, "pothole", pointOf(a), 200, f.now.Add(-30*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(near) != 2 {
			t.Fatalf("nearby = %d requests, want 2", len(near))
		}
		m, err := f.cases.Merge(ctx, f.j, f.admin, b.ID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.State != rathaus.StateClosed || m.DuplicateOf != a.ID || m.Resolution != "duplicate" {
			t.Errorf("merged = %+v", m)
		}
		near, _ = f.cases.Nearby(ctx, f.j, "pothole", pointOf(a), 200, f.now.Add(-30*24*time.Hour))
		if len(near) != 1 || near[0].ID != a.ID {
			t.Errorf("after merge nearby = %d", len(near))
		}
		if _, err := f.cases.Reopen(ctx, f.j, nil, b.ID, "x"); rathaus.KindOf(err) != rathaus.KindConflict {
			t.Errorf("reopen merged: %v", err)
		}
	})
}

func TestClosingMailCarriesSurveyLinks(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	f := setup(t, db)
	f.cases = casework.New(db, func() time.Time { return f.now }, casework.Config{BaseURL: "https://os.example",
		SurveyLinks: func(id int64) [5]string {
			var out [5]string
			for i := range out {
				out[i] = fmt.Sprintf("https://os.example/bewertung/t%d?score=%d", id, i+1)
			}
			return out
		}})
	s := pothole(52.28, 8.04)
	s.Contact.Email = "buerger@example.org"
	r, err := f.cases.Submit(ctx, f.j, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.cases.Close(ctx, f.j, f.admin, r.ID, "fixed", "Erledigt."); err != nil {
		t.Fatal(err)
	}
	var text string
	_ = db.ReadTx(ctx, func(tx *store.Tx) error {
		items, err := tx.OutboxItems(ctx, 10)
		for _, it := range items {
			var p casework.MailPayload
			if json.Unmarshal([]byte(it.Payload), &p) == nil && strings.Contains(p.Message.Subject, "abgeschlossen") {
				text = p.Message.Text
			}
		}
		return err
	})
	for score := 1; score <= 5; score++ {
		want := fmt.Sprintf("%d: https://os.example/bewertung/t%d?score=%d", score, r.ID, score)
		if !strings.Contains(text, want) {
			t.Errorf("closing mail lacks %q:\n%s", want, text)
		}
	}
}

// TestBoxListsAreNewestFirstAcrossSlices checks that a box query, which
// casework reads in time slices, returns exactly the page a single sorted
// query would: dense recent reports, sparse old ones, and pages that end
// inside, at and past a slice boundary.
func TestBoxListsAreNewestFirstAcrossSlices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		end := f.now
		// Hours before end: a burst in the last day, a few per week before.
		var ages []int
		for i := range 40 {
			ages = append(ages, i/2)
		}
		for i := range 12 {
			ages = append(ages, 48+i*150)
		}
		var inBox []*rathaus.Request
		for i, h := range ages {
			f.now = end.Add(-time.Duration(h)*time.Hour - time.Duration(i)*time.Second)
			lat := 52.2800 + float64(i%5)*0.001
			if i%7 == 3 {
				lat = 52.3100 // outside the box
			}
			r, err := f.cases.Submit(ctx, f.j, pothole(lat, 8.0400))
			if err != nil {
				t.Fatal(err)
			}
			if lat < 52.30 {
				inBox = append(inBox, r)
			}
		}
		f.now = end
		slices.SortFunc(inBox, func(a, b *rathaus.Request) int {
			if c := b.SubmittedAt.Compare(a.SubmittedAt); c != 0 {
				return c
			}
			return int(b.ID - a.ID)
		})
		box := geo.BBox{MinLat: 52.27, MinLon: 8.03, MaxLat: 52.29, MaxLon: 8.05}
		// Lists of versions (Open311's) with a map index take their
		// requests from it; the page must be the same.
		maps := mapindex.New(db, func() time.Time { return f.now }, 0)
		if err := maps.Warm(ctx, f.j.ID); err != nil {
			t.Fatal(err)
		}
		indexed := casework.New(db, func() time.Time { return f.now }, casework.Config{MapIndex: maps})
		for _, tt := range []struct {
			limit, offset int
			versions      bool
		}{{5, 0, false}, {20, 0, false}, {30, 0, false}, {1000, 0, false}, {10, 25, false}, {10, 40, false}, {10, 100, false},
			{5, 0, true}, {30, 0, true}, {0, 0, true}, {10, 25, true}, {10, 100, true}} {
			cases := f.cases
			if tt.versions {
				cases = indexed
			}
			got, err := cases.List(ctx, f.j, casework.Query{BBox: &box, From: end.Add(-90 * 24 * time.Hour), To: end.Add(time.Second),
				Limit: tt.limit, Offset: tt.offset, VersionsOnly: tt.versions})
			if err != nil {
				t.Fatal(err)
			}
			limit := tt.limit
			if limit == 0 {
				limit = store.DefaultLimit
			}
			want := inBox[min(tt.offset, len(inBox)):min(tt.offset+limit, len(inBox))]
			if len(got) != len(want) {
				t.Fatalf("limit %d offset %d versions %v: %d requests, want %d", tt.limit, tt.offset, tt.versions, len(got), len(want))
			}
			for i := range want {
				if got[i].ID != want[i].ID || !got[i].SubmittedAt.Equal(want[i].SubmittedAt) {
					t.Fatalf("limit %d offset %d versions %v: entry %d is request %d (%s), want %d (%s)", tt.limit, tt.offset,
						tt.versions, i, got[i].ID, got[i].SubmittedAt, want[i].ID, want[i].SubmittedAt)
				}
			}
		}
	})
}
