// Package demo seeds Musterstadt, the demo municipality behind
// `rathaus demo` and the browser tests: departments, a report catalogue
// with Open311 attributes, routing rules, a login per role, the API key
// "demo-key" and a year of reports with a plausible history.
//
// The history is not written into tables directly: every submission and
// every staff action runs through casework on a simulated clock, so that
// numbers, events, SLA due dates and audit entries are exactly what the
// engine would have produced in a real year.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/calendar"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/store"
)

// Slug is the jurisdiction ID of the demo town.
const Slug = "demo"

// APIKey is the demo's fixed Open311 API key.
const APIKey = "demo-key"

// DefaultRequests is how many reports Seed invents.
const DefaultRequests = 2000

// Login is a staff account of the demo, with its password in the clear.
type Login struct {
	Email, Password, Role, Department string
}

// Info describes the demo town.
type Info struct {
	Jurisdiction *rathaus.Jurisdiction
	Logins       []Login
	APIKey       string
	Created      bool // false when the demo existed already (then nothing was written)
	Requests     int
}

// Seed creates the demo town with DefaultRequests reports from the year
// before now, unless it exists already.
func Seed(ctx context.Context, db *store.DB, now time.Time, log *slog.Logger) (Info, error) {
	return SeedN(ctx, db, now, log, DefaultRequests)
}

// SeedN is Seed with n reports (tests use a few hundred). If jurisdiction
// "demo" exists, SeedN writes nothing and describes it. The same now and
// n give the same town (except for the random request tokens).
//
// The setup is not one transaction (casework commits each action), so a
// seed that is interrupted leaves a partial demo; delete it by starting
// with a fresh database.
func SeedN(ctx context.Context, db *store.DB, now time.Time, log *slog.Logger, n int) (Info, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	info := Info{Logins: logins(), APIKey: APIKey}
	var j *rathaus.Jurisdiction
	err := db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		j, err = tx.Jurisdiction(ctx, Slug)
		return err
	})
	switch {
	case err == nil:
		info.Jurisdiction = j
		info.Requests, err = countRequests(ctx, db, j.ID)
		return info, err
	case rathaus.KindOf(err) != rathaus.KindNotFound:
		return info, fmt.Errorf("demo: look up jurisdiction: %w", err)
	}

	started := time.Now()
	now = now.UTC().Truncate(time.Second)
	clock := &simClock{t: now.AddDate(-1, 0, 0).Add(-24 * time.Hour)}
	j, tm, err := setup(ctx, db, clock)
	if err != nil {
		return info, err
	}
	info.Jurisdiction, info.Created = j, true
	cal, err := calendar.ForState(j.State)
	if err != nil {
		return info, fmt.Errorf("demo: %w", err)
	}
	reps := newPlanner(cal, now).plan(n)
	cases := casework.New(db, clock.Now, casework.Config{Log: log})
	if err := replay(ctx, cases, clock, j, tm, reps); err != nil {
		return info, err
	}
	if info.Requests, err = countRequests(ctx, db, j.ID); err != nil {
		return info, err
	}
	log.Info("demo town seeded", "jurisdiction", j.Slug, "requests", info.Requests, "duration", time.Since(started).Round(time.Millisecond))
	return info, nil
}

func logins() []Login {
	names := map[string]string{}
	for _, d := range departments {
		names[d.Code] = d.Name
	}
	out := make([]Login, len(staffList))
	for i, s := range staffList {
		out[i] = Login{Email: s.Email, Password: s.Password, Role: string(s.Role), Department: names[s.Dept]}
	}
	return out
}

// setup writes the town, its catalogue and rules in one transaction, then
// the staff and the API key, all at the clock's time (a day before the
// first report).
func setup(ctx context.Context, db *store.DB, clock *simClock) (*rathaus.Jurisdiction, *team, error) {
	j := &rathaus.Jurisdiction{Slug: Slug, Name: "Musterstadt", State: "NI", Boundary: polygonJSON(boundary)}
	tm := &team{caseworker: map[int64]*rathaus.User{}, lead: map[int64]*rathaus.User{}, deptByCode: map[string]int64{}}
	now := clock.Now()
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateJurisdiction(ctx, j, now); err != nil {
			return err
		}
		if _, err := tx.AppendAudit(ctx, audit.Entry{At: now, JurisdictionID: j.ID, ActorName: "demo", Action: "jurisdiction.add", Target: j.Slug}); err != nil {
			return err
		}
		for _, d := range departments {
			dep := &rathaus.Department{JurisdictionID: j.ID, Code: d.Code, Name: d.Name, Email: d.Email}
			if err := tx.CreateDepartment(ctx, dep); err != nil {
				return err
			}
			tm.deptByCode[d.Code] = dep.ID
		}
		for _, s := range services {
			svc := &rathaus.Service{JurisdictionID: j.ID, Code: s.Code, Group: s.Group, Name: s.Name, Description: s.Description,
				Keywords: s.Keywords, Kind: rathaus.KindReport, Audience: "public", Attributes: s.Attributes,
				ResponseHours: s.ResponseHours, ResolutionHours: s.ResolutionHours, RetentionDays: 365,
				DefaultDepartment: tm.deptByCode[s.Dept], Active: true}
			if err := tx.CreateService(ctx, svc); err != nil {
				return err
			}
		}
		for i, rr := range routingRules {
			rule := &store.RoutingRule{JurisdictionID: j.ID, Position: (i + 1) * 10, ServiceCode: rr.Service,
				Area: polygonJSON(rr.Area), DepartmentID: tm.deptByCode[rr.Dept]}
			if err := tx.CreateRoutingRule(ctx, rule); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("demo: create %s: %w", Slug, err)
	}
	a := auth.New(db, clock.Now)
	for _, s := range staffList {
		clock.t = clock.t.Add(time.Minute)
		u := &rathaus.User{JurisdictionID: j.ID, Email: s.Email, Name: s.Name, Role: s.Role, DepartmentID: tm.deptByCode[s.Dept]}
		if err := a.AddUser(ctx, u, s.Password, "demo"); err != nil {
			return nil, nil, fmt.Errorf("demo: add user %s: %w", s.Email, err)
		}
		switch s.Role {
		case rathaus.RoleCaseworker:
			tm.caseworker[u.DepartmentID] = u
		case rathaus.RoleLead:
			tm.lead[u.DepartmentID] = u
		}
	}
	clock.t = clock.t.Add(time.Minute)
	if _, err := a.StoreAPIKey(ctx, j.ID, "Demo-Client", APIKey, APIKey, "demo"); err != nil {
		return nil, nil, fmt.Errorf("demo: %w", err)
	}
	return j, tm, nil
}

// countRequests counts the requests of a jurisdiction. (It read them a
// page at a time with OFFSET, which took minutes for a benchmark's 1.5
// million.)
func countRequests(ctx context.Context, db *store.DB, jurisdictionID int64) (int, error) {
	var n int
	err := db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.CountRequests(ctx, jurisdictionID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("demo: %w", err)
	}
	return n, nil
}
