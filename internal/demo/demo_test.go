package demo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/demo"
	"github.com/rathaus/rathaus/internal/geo"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

// now is a Monday morning; the seeded year runs from March 2025.
var now = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

const n = 150

func TestSeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		info, err := demo.SeedN(ctx, db, now, nil, n)
		if err != nil {
			t.Fatalf("SeedN: %v", err)
		}
		j := info.Jurisdiction
		if !info.Created || info.Requests != n || info.APIKey != "demo-key" || j.Slug != "demo" || j.Name != "Musterstadt" || j.State != "NI" {
			t.Fatalf("info = Created %v, Requests %d, APIKey %q, jurisdiction %+v", info.Created, info.Requests, info.APIKey, j)
		}
		area, err := geo.ParseGeoJSON(j.Boundary)
		if err != nil {
			t.Fatalf("boundary: %v", err)
		}

		t.Run("catalogue", func(t *testing.T) { checkCatalogue(t, db, j) })
		t.Run("logins", func(t *testing.T) { checkLogins(t, db, info) })
		t.Run("requests", func(t *testing.T) { checkRequests(t, db, j, area) })
		t.Run("audit", func(t *testing.T) {
			// The replay runs in global time order, so the audit log reads
			// like a real year: an unbroken chain with times never going back.
			v := audit.NewVerifier()
			var prev audit.Entry
			err := db.AuditEntries(ctx, func(e audit.Entry) error {
				if e.At.Before(prev.At) {
					t.Errorf("audit %d (%s) at %s is before %d (%s) at %s", e.Seq, e.Action, e.At, prev.Seq, prev.Action, prev.At)
				}
				prev = e
				return v.Next(e)
			})
			if err != nil {
				t.Fatalf("audit chain: %v", err)
			}
			if v.Count() < n {
				t.Errorf("%d audit entries, want one per staff action (more than %d)", v.Count(), n)
			}
		})

		t.Run("second seed writes nothing", func(t *testing.T) {
			before := auditCount(t, db)
			again, err := demo.SeedN(ctx, db, now.Add(24*time.Hour), nil, n)
			if err != nil {
				t.Fatalf("second SeedN: %v", err)
			}
			if again.Created || again.Requests != n || again.Jurisdiction.ID != j.ID || again.APIKey != info.APIKey {
				t.Errorf("second seed: Created %v, Requests %d, jurisdiction %d (want %d)", again.Created, again.Requests, again.Jurisdiction.ID, j.ID)
			}
			if fmt.Sprint(again.Logins) != fmt.Sprint(info.Logins) {
				t.Errorf("second seed logins = %v, want %v", again.Logins, info.Logins)
			}
			if after := auditCount(t, db); after != before {
				t.Errorf("audit entries went from %d to %d", before, after)
			}
			if got := len(allRequests(t, db, j)); got != n {
				t.Errorf("%d requests after the second seed, want %d", got, n)
			}
		})
	})
}

func checkCatalogue(t *testing.T, db *store.DB, j *rathaus.Jurisdiction) {
	ctx := context.Background()
	var deps []*rathaus.Department
	var svcs []*rathaus.Service
	var rules []store.RoutingRule
	err := db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		if deps, err = tx.Departments(ctx, j.ID); err != nil {
			return err
		}
		if svcs, err = tx.Services(ctx, j.ID); err != nil {
			return err
		}
		rules, err = tx.RoutingRules(ctx, j.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) < 4 {
		t.Errorf("%d departments, want at least 4", len(deps))
	}
	depIDs := map[int64]bool{}
	for _, d := range deps {
		depIDs[d.ID] = true
	}
	if len(svcs) < 12 {
		t.Errorf("%d services, want at least 12", len(svcs))
	}
	required := 0
	byCode := map[string]*rathaus.Service{}
	for _, s := range svcs {
		byCode[s.Code] = s
		if s.Kind != rathaus.KindReport || s.Audience != "public" || !s.Active || !depIDs[s.DefaultDepartment] ||
			s.ResponseHours < 8 || s.ResolutionHours < 40 || s.RetentionDays != 365 || s.Description == "" || s.Group == "" {
			t.Errorf("service %s = %+v", s.Code, s)
		}
		for _, a := range s.Attributes {
			if a.Required {
				required++
			}
		}
	}
	if required < 5 {
		t.Errorf("%d required attributes in the catalogue, want several", required)
	}
	attr := func(svc, code string) rathaus.Attribute {
		if s := byCode[svc]; s != nil {
			for _, a := range s.Attributes {
				if a.Code == code {
					return a
				}
			}
		}
		t.Errorf("service %s has no attribute %s", svc, code)
		return rathaus.Attribute{}
	}
	if a := attr("schlagloch", "depth"); a.Datatype != rathaus.TypeNumber || !a.Required || a.Description != "Tiefe in cm" {
		t.Errorf("schlagloch/depth = %+v", a)
	}
	if a := attr("strassenbeleuchtung", "fault"); a.Datatype != rathaus.TypeSingleValueList || !a.Required ||
		fmt.Sprint(keysOf(a.Values)) != "[aus flackert tagsueber_an]" {
		t.Errorf("strassenbeleuchtung/fault = %+v", a)
	}
	if a := attr("wilder_muell", "waste_type"); a.Datatype != rathaus.TypeMultiValueList {
		t.Errorf("wilder_muell/waste_type = %+v", a)
	}
	if a := attr("gruenschnitt", "urgent"); a.Datatype != rathaus.TypeSingleValueList || a.Required {
		t.Errorf("gruenschnitt/urgent = %+v", a)
	}
	areaRules := 0
	for _, r := range rules {
		if len(r.Area) > 0 {
			if _, err := geo.ParseGeoJSON(r.Area); err != nil {
				t.Errorf("rule %d: %v", r.ID, err)
			}
			areaRules++
		}
	}
	if areaRules == 0 {
		t.Errorf("no area routing rule among %d rules", len(rules))
	}
}

func keysOf(vs []rathaus.AttributeValue) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Key)
	}
	return out
}

func checkLogins(t *testing.T, db *store.DB, info demo.Info) {
	ctx := context.Background()
	a := auth.New(db, time.Now)
	roles := map[rathaus.Role]bool{}
	for _, l := range info.Logins {
		_, u, err := a.Login(ctx, l.Email, l.Password)
		if err != nil {
			t.Errorf("Login(%s): %v", l.Email, err)
			continue
		}
		if string(u.Role) != l.Role || u.JurisdictionID != info.Jurisdiction.ID {
			t.Errorf("Login(%s) = role %s in %d, want %s in %d", l.Email, u.Role, u.JurisdictionID, l.Role, info.Jurisdiction.ID)
		}
		if (l.Department == "") != (u.DepartmentID == 0) {
			t.Errorf("Login(%s): department %q but department ID %d", l.Email, l.Department, u.DepartmentID)
		}
		roles[u.Role] = true
	}
	for _, r := range rathaus.Roles {
		if !roles[r] {
			t.Errorf("no demo login with role %s", r)
		}
	}
	if _, _, err := a.Login(ctx, info.Logins[0].Email, "wrong-password-1"); rathaus.KindOf(err) != rathaus.KindUnauthorized {
		t.Errorf("Login with a wrong password: err = %v, want unauthorized", err)
	}
	k, err := a.CheckAPIKey(ctx, "demo-key")
	if err != nil || k.JurisdictionID != info.Jurisdiction.ID {
		t.Errorf("CheckAPIKey(demo-key) = %+v, %v", k, err)
	}
}

func checkRequests(t *testing.T, db *store.DB, j *rathaus.Jurisdiction, area geo.Area) {
	ctx := context.Background()
	reqs := allRequests(t, db, j)
	if len(reqs) != n {
		t.Fatalf("%d requests, want %d", len(reqs), n)
	}
	ids := make([]int64, len(reqs))
	for i, r := range reqs {
		ids[i] = r.ID
	}
	var events []*rathaus.Event
	var rules []store.RoutingRule
	if err := db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		if events, err = tx.Events(ctx, ids...); err != nil {
			return err
		}
		rules, err = tx.RoutingRules(ctx, j.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	byReq := map[int64][]*rathaus.Event{}
	for _, e := range events {
		byReq[e.RequestID] = append(byReq[e.RequestID], e)
	}
	yearAgo := now.AddDate(-1, 0, 0)
	states := map[rathaus.State]int{}
	channels := map[rathaus.Channel]int{}
	for _, r := range reqs {
		states[r.State]++
		channels[r.Channel]++
		if !r.HasLocation || !area.Contains(geo.Point{Lat: r.Lat, Lon: r.Lon}) {
			t.Errorf("%s at (%g, %g) is outside the boundary", r.Number, r.Lat, r.Lon)
		}
		if r.SubmittedAt.Before(yearAgo) || !r.SubmittedAt.Before(now) {
			t.Errorf("%s submitted %s, want within the year before %s", r.Number, r.SubmittedAt, now)
		}
		if r.Reporter.Email != "" {
			t.Errorf("%s has reporter e-mail %q; the demo must not mail anyone", r.Number, r.Reporter.Email)
		}
		if r.Description == "" || r.ResponseDue.IsZero() || r.ResolutionDue.Before(r.SubmittedAt) {
			t.Errorf("%s: description %q, due %s / %s", r.Number, r.Description, r.ResponseDue, r.ResolutionDue)
		}
		evs := byReq[r.ID]
		if len(evs) < 2 || evs[0].Type != rathaus.EventSubmitted || evs[1].Type != rathaus.EventRouted {
			t.Errorf("%s history starts %v", r.Number, types(evs))
			continue
		}
		prev := r.SubmittedAt
		for _, e := range evs {
			if e.At.Before(prev) || e.At.After(now) {
				t.Errorf("%s: event %s at %s out of order (previous %s, now %s)", r.Number, e.Type, e.At, prev, now)
			}
			prev = e.At
		}
		last := evs[len(evs)-1]
		if r.State == rathaus.StateClosed {
			if last.Type != rathaus.EventClosed || !last.At.Equal(r.ClosedAt) || r.ClosedAt.Before(r.SubmittedAt) || r.Resolution == "" {
				t.Errorf("%s closed at %s (%s) but history ends %s at %s", r.Number, r.ClosedAt, r.Resolution, last.Type, last.At)
			}
		} else if !r.ClosedAt.IsZero() {
			t.Errorf("%s is %s with ClosedAt %s", r.Number, r.State, r.ClosedAt)
		}
		if r.DuplicateOf != 0 && r.Resolution != "duplicate" {
			t.Errorf("%s duplicates %d but resolution is %q", r.Number, r.DuplicateOf, r.Resolution)
		}
		// The area rules must have routed every matching report.
		for _, rule := range rules {
			ra, _ := geo.ParseGeoJSON(rule.Area)
			if rule.ServiceCode == r.ServiceCode && !ra.IsZero() && ra.Contains(geo.Point{Lat: r.Lat, Lon: r.Lon}) {
				if evs[1].DepartmentID != rule.DepartmentID {
					t.Errorf("%s (%s) in a rule's area routed to %d, want %d", r.Number, r.ServiceCode, evs[1].DepartmentID, rule.DepartmentID)
				}
				break
			}
		}
	}
	closed := states[rathaus.StateClosed]
	if closed < n*6/10 || closed > n*97/100 || states[rathaus.StateNew] == 0 || states[rathaus.StateInProgress] == 0 {
		t.Errorf("state distribution %v: want mostly closed, and some new and in progress", states)
	}
	if channels[rathaus.ChannelWeb] < n/3 || channels[rathaus.ChannelPhone] == 0 || channels[rathaus.ChannelOpen311]+channels[rathaus.ChannelApp] == 0 {
		t.Errorf("channel mix %v: want mostly web, some phone and clients", channels)
	}
}

func types(evs []*rathaus.Event) []rathaus.EventType {
	var out []rathaus.EventType
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func allRequests(t *testing.T, db *store.DB, j *rathaus.Jurisdiction) []*rathaus.Request {
	t.Helper()
	var out []*rathaus.Request
	err := db.ReadTx(context.Background(), func(tx *store.Tx) error {
		var err error
		out, err = tx.Requests(context.Background(), store.RequestFilter{JurisdictionID: j.ID, Limit: 10000})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func auditCount(t *testing.T, db *store.DB) int {
	t.Helper()
	count := 0
	if err := db.AuditEntries(context.Background(), func(audit.Entry) error { count++; return nil }); err != nil {
		t.Fatal(err)
	}
	return count
}

// TestSeedReproducible: the same now gives the same town, so that
// screenshots and browser tests see the same data on every run.
func TestSeedReproducible(t *testing.T) {
	ctx := context.Background()
	var towns [2]string
	for i := range towns {
		db := storetest.Open(t, store.SQLite)
		info, err := demo.SeedN(ctx, db, now, nil, 40)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range allRequests(t, db, info.Jurisdiction) {
			towns[i] += fmt.Sprintf("%s %s %s %s %.6f,%.6f %s %q\n", r.Number, r.SubmittedAt.Format(time.RFC3339), r.ServiceCode,
				r.State, r.Lat, r.Lon, r.Attributes, r.Description)
		}
	}
	if towns[0] != towns[1] {
		t.Errorf("two seeds differ:\n%s\n---\n%s", towns[0], towns[1])
	}
	if towns[0] == "" {
		t.Error("no requests seeded")
	}
}
