package quality_test

import (
	"context"
	"fmt"
	"github.com/rathaus/rathaus/internal/geo"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/quality"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

var berlin = mustLoc("Europe/Berlin")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at parses a local time in Europe/Berlin ("2026-03-27 15:00").
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
	if err != nil {
		panic(err)
	}
	return t
}

func day(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, berlin)
	if err != nil {
		panic(err)
	}
	return t
}

// town is a jurisdiction in Niedersachsen (business hours 08:00-16:00,
// Monday to Friday; Good Friday and Easter Monday are holidays) with two
// departments and three services.
type town struct {
	db                *store.DB
	j                 *rathaus.Jurisdiction
	tiefbau, ordnung  *rathaus.Department
	services          map[string]*rathaus.Service
	nextNumber, nextE int
	// after runs after each write of the history (a projector round in
	// the rebuild test).
	after func()
}

const staff = 7 // the actor ID of a staff member; 0 is the citizen or the system

func newTown(t *testing.T, db *store.DB) *town {
	t.Helper()
	ctx := context.Background()
	tw := &town{db: db, services: map[string]*rathaus.Service{}}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		tw.j = &rathaus.Jurisdiction{Slug: "musterstadt", Name: "Musterstadt", State: "NI"}
		if err := tx.CreateJurisdiction(ctx, tw.j, at("2026-01-01 00:00")); err != nil {
			return err
		}
		tw.tiefbau = &rathaus.Department{JurisdictionID: tw.j.ID, Code: "66", Name: "Tiefbau", Email: "tiefbau@musterstadt.de"}
		tw.ordnung = &rathaus.Department{JurisdictionID: tw.j.ID, Code: "32", Name: "Ordnungsamt", Email: "ordnung@musterstadt.de"}
		for _, d := range []*rathaus.Department{tw.tiefbau, tw.ordnung} {
			if err := tx.CreateDepartment(ctx, d); err != nil {
				return err
			}
		}
		for _, s := range []*rathaus.Service{
			{Code: "pothole", Name: "Schlagloch", ResponseHours: 8, ResolutionHours: 16, DefaultDepartment: tw.tiefbau.ID},
			{Code: "graffiti", Name: "Graffiti", ResponseHours: 8, ResolutionHours: 40, DefaultDepartment: tw.ordnung.ID},
			{Code: "bulky", Name: "Sperrmüll", DefaultDepartment: tw.ordnung.ID},
		} {
			s.JurisdictionID, s.Kind, s.Audience, s.Active, s.RetentionDays = tw.j.ID, rathaus.KindReport, "public", true, 365
			if err := tx.CreateService(ctx, s); err != nil {
				return err
			}
			tw.services[s.Code] = s
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tw
}

// ev is an event of a hand-built history; the request is filled in.
type ev struct {
	typ      rathaus.EventType
	when     string
	actor    int64
	from, to rathaus.State
	dept     int64
	body     string
}

// add stores a request of service with its submitted and routed events
// followed by evs, as casework would have written them.
func (tw *town) add(t *testing.T, service string, ch rathaus.Channel, submitted string, evs ...ev) int64 {
	t.Helper()
	ctx := context.Background()
	s := tw.services[service]
	tw.nextNumber++
	r := &rathaus.Request{JurisdictionID: tw.j.ID, Number: fmt.Sprintf("2026-%06d", tw.nextNumber), Token: fmt.Sprintf("tok%d", tw.nextNumber),
		ServiceID: s.ID, ServiceCode: s.Code, State: rathaus.StateNew, Channel: ch, DepartmentID: s.DefaultDepartment,
		Address: "Markt 1", Public: true, SubmittedAt: at(submitted).UTC(), UpdatedAt: at(submitted).UTC()}
	// Three neighbouring grid cells in turn, for the heat map.
	p := geo.Point{Lat: 52.2801 + 0.0025*float64(tw.nextNumber%3), Lon: 8.0402}
	r.HasLocation, r.Lat, r.Lon = true, p.Lat, p.Lon
	all := append([]ev{
		{typ: rathaus.EventSubmitted, when: submitted, to: rathaus.StateNew, body: string(ch)},
		{typ: rathaus.EventRouted, when: submitted, dept: s.DefaultDepartment},
	}, evs...)
	err := tw.db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := tx.InsertRequest(ctx, r, geo.Cell(p)); err != nil {
			return err
		}
		for _, e := range all {
			if err := tx.AppendEvent(ctx, &rathaus.Event{JurisdictionID: tw.j.ID, RequestID: r.ID, Type: e.typ, At: at(e.when).UTC(),
				ActorID: e.actor, FromState: e.from, ToState: e.to, DepartmentID: e.dept, Body: e.body}); err != nil {
				return err
			}
		}
		return setState(ctx, tx, tw.j.ID, r.ID, all)
	})
	if err != nil {
		t.Fatal(err)
	}
	if tw.after != nil {
		tw.after()
	}
	return r.ID
}

// setState gives the request row the state its last state event left
// (the surveys check it; the facts come from the events alone).
func setState(ctx context.Context, tx *store.Tx, jid, id int64, evs []ev) error {
	r, err := tx.Request(ctx, jid, id)
	if err != nil {
		return err
	}
	for _, e := range evs {
		if e.to != "" {
			r.State = e.to
		}
	}
	return tx.UpdateRequest(ctx, r)
}

// appendEvents adds events to an existing request (a later day's work).
func (tw *town) appendEvents(t *testing.T, requestID int64, evs ...ev) {
	t.Helper()
	ctx := context.Background()
	err := tw.db.WriteTx(ctx, func(tx *store.Tx) error {
		for _, e := range evs {
			if err := tx.AppendEvent(ctx, &rathaus.Event{JurisdictionID: tw.j.ID, RequestID: requestID, Type: e.typ, At: at(e.when).UTC(),
				ActorID: e.actor, FromState: e.from, ToState: e.to, DepartmentID: e.dept, Body: e.body}); err != nil {
				return err
			}
		}
		return setState(ctx, tx, tw.j.ID, requestID, evs)
	})
	if err != nil {
		t.Fatal(err)
	}
	if tw.after != nil {
		tw.after()
	}
}

// handHistory builds the history whose indicators are worked out by hand
// in TestIndicatorsByHand. It returns the request IDs r[1]..r[7].
func handHistory(t *testing.T, tw *town) map[int]int64 {
	r := map[int]int64{}
	// R1 pothole (SLA 16 h), web. Submitted Friday 27 March 15:00 CET; the
	// clocks go forward on Sunday 29 March. Accepted Monday 30 March 09:00
	// CEST: first response = Fri 15-16 (1 h) + Mon 8-9 (1 h) = 2 h (wall
	// clock: 65 h, one hour lost to DST). Closed Monday 13:00: resolution
	// = 1 h + 5 h = 6 h, within the SLA. Rated 5.
	r[1] = tw.add(t, "pothole", rathaus.ChannelWeb, "2026-03-27 15:00",
		ev{typ: rathaus.EventAccepted, when: "2026-03-30 09:00", actor: staff, from: "new", to: "accepted"},
		ev{typ: rathaus.EventClosed, when: "2026-03-30 13:00", actor: staff, from: "accepted", to: "closed", body: "Erledigt."},
		ev{typ: rathaus.EventRated, when: "2026-03-31 18:00", body: "5"})
	// R2 pothole, phone. Submitted Thursday 2 April 14:00, accepted 15:00
	// (first response 1 h), waiting for the citizen from 15:30 (1.5 h on
	// the clock) over Good Friday, the Easter weekend and Easter Monday
	// until Tuesday 7 April 10:00; closed Wednesday 8 April 12:00:
	// resolution = 1.5 h + Tue 10-16 (6 h) + Wed 8-12 (4 h) = 11.5 h,
	// within the SLA.
	r[2] = tw.add(t, "pothole", rathaus.ChannelPhone, "2026-04-02 14:00",
		ev{typ: rathaus.EventAccepted, when: "2026-04-02 15:00", actor: staff, from: "new", to: "accepted"},
		ev{typ: rathaus.EventStateChanged, when: "2026-04-02 15:30", actor: staff, from: "accepted", to: "waiting"},
		ev{typ: rathaus.EventStateChanged, when: "2026-04-07 10:00", actor: staff, from: "waiting", to: "in_progress"},
		ev{typ: rathaus.EventClosed, when: "2026-04-08 12:00", actor: staff, from: "in_progress", to: "closed"})
	// R3 pothole, web. Submitted Tuesday 7 April 09:00, accepted 09:30
	// (0.5 h). Closed Friday 10 April 11:00 (Tue 7 h + Wed 8 h + Thu 8 h
	// + Fri 3 h = 26 h), reopened by the citizen Monday 13 April 09:00
	// (the clock stood still while it was closed), closed again Monday
	// 11:00: resolution = 26 h + 2 h = 28 h, over the SLA; reopened. Rated 2.
	r[3] = tw.add(t, "pothole", rathaus.ChannelWeb, "2026-04-07 09:00",
		ev{typ: rathaus.EventAccepted, when: "2026-04-07 09:30", actor: staff, from: "new", to: "accepted"},
		ev{typ: rathaus.EventClosed, when: "2026-04-10 11:00", actor: staff, from: "accepted", to: "closed"})
	// R5 pothole, web: a duplicate, merged and closed by staff one hour
	// after submission (first response 1 h); it counts in volume and the
	// duplicate share, not in resolution figures.
	r[5] = tw.add(t, "pothole", rathaus.ChannelWeb, "2026-04-08 10:00",
		ev{typ: rathaus.EventMerged, when: "2026-04-08 11:00", actor: staff, body: "2026-000002"},
		ev{typ: rathaus.EventClosed, when: "2026-04-08 11:00", actor: staff, from: "new", to: "closed"})
	tw.appendEvents(t, r[3],
		ev{typ: rathaus.EventReopened, when: "2026-04-13 09:00", from: "closed", to: "in_progress", body: "Loch ist noch da."},
		ev{typ: rathaus.EventClosed, when: "2026-04-13 11:00", actor: staff, from: "in_progress", to: "closed"},
		ev{typ: rathaus.EventRated, when: "2026-04-14 08:00", body: "2"})
	// R6 graffiti (SLA 40 h), e-mail. Submitted Monday 13 April 10:00 to
	// the Ordnungsamt, forwarded to Tiefbau at 10:30 (a forward is not a
	// response). Still open: 40 business hours from Monday 10:00 end on
	// Monday 20 April 10:00, so it is overdue on 4 May.
	r[6] = tw.add(t, "graffiti", rathaus.ChannelEmail, "2026-04-13 10:00",
		ev{typ: rathaus.EventForwarded, when: "2026-04-13 10:30", actor: staff, dept: tw.tiefbau.ID, body: "Brücke gehört Tiefbau"})
	// R7 bulky waste (no SLA), counter. Submitted Tuesday 14 April 09:00,
	// set to waiting by staff at 10:00 (first response 1 h), still waiting.
	r[7] = tw.add(t, "bulky", rathaus.ChannelCounter, "2026-04-14 09:00",
		ev{typ: rathaus.EventStateChanged, when: "2026-04-14 10:00", actor: staff, from: "new", to: "waiting"})
	// R4 graffiti, app, across the end of DST on Sunday 25 October.
	// Submitted Friday 23 October 14:00 CEST; set in progress by staff
	// Monday 26 October 08:30 CET: first response = 2 h + 0.5 h = 2.5 h.
	// Closed Tuesday 27 October 10:00: resolution = Fri 2 h + Mon 8 h (the
	// first response changes nothing: the clock runs on) + Tue 2 h = 12 h,
	// within 40 h.
	r[4] = tw.add(t, "graffiti", rathaus.ChannelApp, "2026-10-23 14:00",
		ev{typ: rathaus.EventStateChanged, when: "2026-10-26 08:30", actor: staff, from: "new", to: "in_progress"},
		ev{typ: rathaus.EventClosed, when: "2026-10-27 10:00", actor: staff, from: "in_progress", to: "closed"})
	return r
}

func ptr(v float64) *float64 { return &v }

func eqf(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) < 1e-9
}

func fstr(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func checkRow(t *testing.T, got, want quality.Row) {
	t.Helper()
	if got.Key != want.Key || got.Label != want.Label || got.Volume != want.Volume || got.Backlog != want.Backlog ||
		got.OverdueNow != want.OverdueNow || got.Closed != want.Closed || got.Ratings != want.Ratings {
		t.Errorf("row %s: key/label/volume/backlog/overdue/closed/ratings = %s/%s/%d/%d/%d/%d/%d, want %s/%s/%d/%d/%d/%d/%d", want.Key,
			got.Key, got.Label, got.Volume, got.Backlog, got.OverdueNow, got.Closed, got.Ratings,
			want.Key, want.Label, want.Volume, want.Backlog, want.OverdueNow, want.Closed, want.Ratings)
	}
	floats := []struct {
		name      string
		got, want *float64
	}{
		{"backlog age", got.BacklogAgeHours, want.BacklogAgeHours},
		{"median first response", got.MedianFirstResponseHours, want.MedianFirstResponseHours},
		{"p90 first response", got.P90FirstResponseHours, want.P90FirstResponseHours},
		{"median resolution", got.MedianResolutionHours, want.MedianResolutionHours},
		{"p90 resolution", got.P90ResolutionHours, want.P90ResolutionHours},
		{"within SLA", got.WithinSLAShare, want.WithinSLAShare},
		{"reopen rate", got.ReopenRate, want.ReopenRate},
		{"duplicate share", got.DuplicateShare, want.DuplicateShare},
		{"forward rate", got.ForwardRate, want.ForwardRate},
		{"cost per case", got.CostPerCase, want.CostPerCase},
		{"CSAT", got.CSAT, want.CSAT},
		{"NPS", got.NPS, want.NPS},
	}
	for _, f := range floats {
		if !eqf(f.got, f.want) {
			t.Errorf("row %s: %s = %s, want %s", want.Key, f.name, fstr(f.got), fstr(f.want))
		}
	}
	if want.ChannelMix != nil {
		if len(got.ChannelMix) != len(want.ChannelMix) {
			t.Errorf("row %s: channel mix %v, want %v", want.Key, got.ChannelMix, want.ChannelMix)
		}
		for ch, v := range want.ChannelMix {
			if math.Abs(got.ChannelMix[ch]-v) > 1e-9 {
				t.Errorf("row %s: channel mix %v, want %v", want.Key, got.ChannelMix, want.ChannelMix)
			}
		}
	}
}

// bothWays returns the indicators of s from the rollups after checking
// that the reference, computed from the facts with plain GROUP BY, gives
// the very same rows.
func bothWays(t *testing.T, db *store.DB, s quality.Slice) []quality.Row {
	t.Helper()
	ctx := context.Background()
	rows, err := quality.Indicators(ctx, db, s)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := quality.IndicatorsFromFacts(ctx, db, s)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows, ref) {
		t.Errorf("by %q: rollups and facts disagree:\nrollups: %+v\nfacts:   %+v", s.By, rows, ref)
	}
	return rows
}

func TestIndicatorsByHand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tw := newTown(t, db)
		ids := handHistory(t, tw)
		p := quality.NewProjector(db, func() time.Time { return at("2026-05-04 12:00") }, nil)
		if _, err := p.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		now := at("2026-05-04 12:00")
		costs := &quality.Costs{PerChannel: map[string]float64{"web": 1, "phone": 7, "counter": 13, "email": 4},
			PerStaffHour: 60, StaffHoursPerCase: map[string]float64{"": 0.5, "pothole": 1}}
		spring := quality.Slice{JurisdictionID: tw.j.ID, From: day("2026-03-23"), To: day("2026-04-30"), Now: now, Costs: costs}

		rows := bothWays(t, db, spring)
		if len(rows) != 1 {
			t.Fatalf("got %d rows for the whole town, want 1", len(rows))
		}
		// Submitted in the period: R1, R2, R3, R5, R6, R7 (6). First
		// responses 2, 1, 0.5, 1, -, 1 h: sorted 0.5 1 1 1 2, median 1,
		// nearest-rank p90 = 5th = 2. Closed in the period, duplicates
		// excluded: R1 6 h, R2 11.5 h, R3 28 h: median 11.5, p90 = 3rd =
		// 28; within SLA 2 of 3; reopened 1 of 3. Backlog R6 and R7, aged
		// 506 h and 483 h on 4 May 12:00: median 494.5 h; R6 overdue, R7
		// waits (no SLA anyway). Ratings 5 and 2: CSAT 1/2, NPS (1-1)/2 = 0.
		// Cost: intake (3 web × 1 + phone 7 + e-mail 4 + counter 13) / 6 =
		// 27/6 = 4.5, plus 0.5 h × 60 = 30 (the default, no service filter).
		checkRow(t, rows[0], quality.Row{Key: "all", Label: "Musterstadt", Volume: 6, Backlog: 2, OverdueNow: 1, Closed: 3, Ratings: 2,
			BacklogAgeHours: ptr(494.5), MedianFirstResponseHours: ptr(1), P90FirstResponseHours: ptr(2),
			MedianResolutionHours: ptr(11.5), P90ResolutionHours: ptr(28), WithinSLAShare: ptr(2.0 / 3), ReopenRate: ptr(1.0 / 3),
			DuplicateShare: ptr(1.0 / 6), ForwardRate: ptr(1.0 / 6), CostPerCase: ptr(34.5), CSAT: ptr(0.5), NPS: ptr(0),
			ChannelMix: map[string]float64{"web": 0.5, "phone": 1.0 / 6, "email": 1.0 / 6, "counter": 1.0 / 6}})

		spring.By = "service"
		rows = bothWays(t, db, spring)
		if len(rows) != 3 {
			t.Fatalf("got %d service rows, want 3: %+v", len(rows), rows)
		}
		// bulky: R7 only: first response 1 h, waiting, no SLA; cost 13 + 30.
		checkRow(t, rows[0], quality.Row{Key: "bulky", Label: "Sperrmüll", Volume: 1, Backlog: 1, BacklogAgeHours: ptr(483),
			MedianFirstResponseHours: ptr(1), P90FirstResponseHours: ptr(1), DuplicateShare: ptr(0), ForwardRate: ptr(0),
			CostPerCase: ptr(43), ChannelMix: map[string]float64{"counter": 1}})
		// graffiti: R6 only (R4 is in October): forwarded, no response, overdue.
		checkRow(t, rows[1], quality.Row{Key: "graffiti", Label: "Graffiti", Volume: 1, Backlog: 1, OverdueNow: 1, BacklogAgeHours: ptr(506),
			DuplicateShare: ptr(0), ForwardRate: ptr(1), CostPerCase: ptr(34), ChannelMix: map[string]float64{"email": 1}})
		// pothole: R1, R2, R3, R5: responses 0.5 1 1 2 → median 1, p90 = 4th
		// = 2; resolutions as above; cost (3 + 7) / 4 + 60 = 62.5.
		checkRow(t, rows[2], quality.Row{Key: "pothole", Label: "Schlagloch", Volume: 4, Closed: 3, Ratings: 2,
			MedianFirstResponseHours: ptr(1), P90FirstResponseHours: ptr(2), MedianResolutionHours: ptr(11.5), P90ResolutionHours: ptr(28),
			WithinSLAShare: ptr(2.0 / 3), ReopenRate: ptr(1.0 / 3), DuplicateShare: ptr(0.25), ForwardRate: ptr(0),
			CostPerCase: ptr(62.5), CSAT: ptr(0.5), NPS: ptr(0), ChannelMix: map[string]float64{"web": 0.75, "phone": 0.25}})

		spring.By = "department"
		rows = bothWays(t, db, spring)
		// R6 now belongs to Tiefbau; only R7 stays with the Ordnungsamt.
		vol := map[string]int64{}
		for _, r := range rows {
			vol[r.Label] = r.Volume
		}
		if len(rows) != 2 || vol["Tiefbau"] != 5 || vol["Ordnungsamt"] != 1 {
			t.Errorf("volume by department = %v, want Tiefbau 5, Ordnungsamt 1", vol)
		}

		// The overdue list holds what "overdue now" counts: R6 only (R7
		// waits for the citizen, its clock is paused).
		overdue, more, err := quality.Overdue(ctx, db, quality.Slice{JurisdictionID: tw.j.ID, Now: now}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(overdue) != 1 || more || overdue[0].Request.ID != ids[6] || !overdue[0].Due.Before(now) {
			t.Errorf("overdue = %+v (more %v), want R6 (ID %d) alone", overdue, more, ids[6])
		}
		if overdue, _, _ := quality.Overdue(ctx, db, quality.Slice{JurisdictionID: tw.j.ID, Now: now, ServiceCode: "pothole"}, 10); len(overdue) != 0 {
			t.Errorf("overdue potholes = %+v, want none", overdue)
		}

		// October, across the end of DST: R4 alone.
		autumn := quality.Slice{JurisdictionID: tw.j.ID, From: day("2026-10-01"), To: day("2026-10-31"), Now: now, By: "channel"}
		rows = bothWays(t, db, autumn)
		// The backlog is the backlog of now, whatever the period: R6
		// (e-mail) and R7 (counter) give rows of their own with no volume.
		if len(rows) != 3 || rows[1].Key != "counter" || rows[1].Backlog != 1 || rows[1].Volume != 0 ||
			rows[2].Key != "email" || rows[2].Backlog != 1 || rows[2].OverdueNow != 1 {
			t.Fatalf("October by channel = %+v, want app, counter and e-mail rows", rows)
		}
		checkRow(t, rows[0], quality.Row{Key: "app", Label: "App", Volume: 1, Closed: 1, MedianFirstResponseHours: ptr(2.5),
			P90FirstResponseHours: ptr(2.5), MedianResolutionHours: ptr(12), P90ResolutionHours: ptr(12), WithinSLAShare: ptr(1),
			ReopenRate: ptr(0), DuplicateShare: ptr(0), ForwardRate: ptr(0)})
	})
}

// TestMonthSeriesEqualsMonthTables checks that a month series, which
// reads whole months from the month rows, gives each month the figures of
// an indicator table over that month's days.
func TestMonthSeriesEqualsMonthTables(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tw := newTown(t, db)
		handHistory(t, tw)
		now := at("2026-05-04 12:00")
		if _, err := quality.NewProjector(db, func() time.Time { return now }, nil).CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		pts, err := quality.Series(ctx, db, quality.Slice{JurisdictionID: tw.j.ID, From: day("2026-03-15"), To: day("2026-10-31")}, "month")
		if err != nil {
			t.Fatal(err)
		}
		if len(pts) != 8 || pts[0].Period != "2026-03" || pts[7].Period != "2026-10" {
			t.Fatalf("got %d points from %s", len(pts), pts[0].Period)
		}
		volume := int64(0)
		for _, p := range pts {
			from := p.Start
			if p.Period == "2026-03" {
				from = day("2026-03-15")
			}
			to := time.Date(p.Start.Year(), p.Start.Month()+1, 0, 12, 0, 0, 0, time.UTC)
			rows := bothWays(t, db, quality.Slice{JurisdictionID: tw.j.ID, From: day(from.Format(time.DateOnly)), To: to, Now: now})
			// The backlog at the end of each month: none at the end of
			// March (R1 closed on the 30th); R6 and R7 from April on (R2
			// and R3 closed in April, R5 a merged duplicate, R4 submitted
			// and closed in October).
			backlog := int64(2)
			if p.Period == "2026-03" {
				backlog = 0
			}
			want := quality.Row{Key: p.Period, Label: p.Period, Backlog: backlog}
			if len(rows) == 1 {
				want = rows[0]
				want.Key, want.Label, want.Backlog, want.OverdueNow, want.BacklogAgeHours = p.Period, p.Period, backlog, 0, nil
			}
			checkRow(t, p.Row, want)
			volume += p.Volume
		}
		if volume != 7 {
			t.Errorf("the series counts %d requests, want all 7", volume)
		}
		// The mean age of the backlog at the end of each month: none open
		// at the end of March; at midnight after 30 April (CEST) R6 (13
		// April 10:00) is 422 h old and R7 (14 April 09:00) 399 h: 410.5 h;
		// a month later both are 744 h older.
		for i, want := range []*float64{nil, ptr(410.5), ptr(1154.5)} {
			got := pts[i].BacklogMeanAgeHours
			if (got == nil) != (want == nil) || got != nil && math.Abs(*got-*want) > 1e-9 {
				t.Errorf("%s: backlog mean age = %v, want %v", pts[i].Period, deref(got), deref(want))
			}
		}
		// A series that starts after R6 and R7 were submitted starts from
		// their backlog; one that ends before R1 was closed counts it.
		for _, tc := range []struct {
			from, to string
			want     []int64
		}{
			{"2026-05-01", "2026-05-20", []int64{2, 2, 2, 2}}, // ISO weeks 18 to 21
			{"2026-03-27", "2026-03-31", []int64{1, 1, 1, 0, 0}},
			{"2026-04-06", "2026-04-14", []int64{1, 2, 1, 1, 1, 1, 1, 1, 2}}, // R3 counts until its final closing on the 13th
		} {
			iv := "day"
			if len(tc.want) == 4 {
				iv = "week"
			}
			pts, err := quality.Series(ctx, db, quality.Slice{JurisdictionID: tw.j.ID, From: day(tc.from), To: day(tc.to)}, iv)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, p := range pts {
				got = append(got, p.Backlog)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("backlog series %s to %s = %v, want %v", tc.from, tc.to, got, tc.want)
			}
		}
	})
}

// TestTableAndSeriesEqualsApart checks that the dashboard's one read of
// the rollups gives the very rows of Indicators and the very points of
// Series, for every split and interval, drill-downs included.
func TestTableAndSeriesEqualsApart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tw := newTown(t, db)
		handHistory(t, tw)
		now := at("2026-05-04 12:00")
		if _, err := quality.NewProjector(db, func() time.Time { return now }, nil).CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		page, err := quality.NewPage(ctx, db, tw.j.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, by := range []string{"", "service", "department", "channel"} {
			for _, iv := range []string{"day", "week", "month"} {
				for _, drill := range []quality.Slice{{}, {ServiceCode: "pothole"}, {Channel: "web"}} {
					s := drill
					s.JurisdictionID, s.From, s.To, s.By, s.Now = tw.j.ID, day("2026-03-15"), day("2026-10-31"), by, now
					wantRows, err := quality.Indicators(ctx, db, s)
					if err != nil {
						t.Fatal(err)
					}
					wantPts, err := quality.Series(ctx, db, s, iv)
					if err != nil {
						t.Fatal(err)
					}
					rows, pts, err := page.TableAndSeries(ctx, s, iv)
					if err != nil {
						t.Fatal(err)
					}
					name := fmt.Sprintf("by %q, %s, drill %q%q", by, iv, drill.ServiceCode, drill.Channel)
					if len(wantRows) == 0 || len(wantPts) == 0 {
						t.Fatalf("%s: nothing to compare (%d rows, %d points)", name, len(wantRows), len(wantPts))
					}
					if !reflect.DeepEqual(rows, wantRows) {
						t.Errorf("%s: rows\n%+v\nwant\n%+v", name, rows, wantRows)
					}
					if !reflect.DeepEqual(pts, wantPts) {
						t.Errorf("%s: points differ:\n%+v\nwant\n%+v", name, pts, wantPts)
					}
				}
			}
		}
	})
}

// deref shows a *float64 in a message.
func deref(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}
