// Package casework runs the request lifecycle: submit, route, assign,
// transition, reply, forward, merge, close, reopen. Every change writes its
// event, its audit entry and its outbox mail in one transaction, so nothing
// that was acknowledged is lost and no mail is sent for a change that did
// not commit.
package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/calendar"
	"github.com/rathaus/rathaus/internal/geo"
	"github.com/rathaus/rathaus/internal/mapindex"
	"github.com/rathaus/rathaus/internal/store"
)

// Cases is the request engine.
type Cases struct {
	db      *store.DB
	now     func() time.Time
	log     *slog.Logger
	baseURL string // public URL for status links in mails

	mu     sync.Mutex
	cache  map[int64]*compiled // per jurisdiction: boundary, rules, calendar, services
	bySlug map[string]cachedJurisdiction
	counts map[countsKey]cachedCounts // inbox counts, see Inbox
	group  groupCommit                // batches submissions into shared transactions
	// kick wakes the outbox worker after a commit that enqueued something.
	kick        func()
	surveyLinks func(requestID int64) [5]string
	maps        *mapindex.Index // may be nil: lists go to SQL
}

// Config holds what Cases needs besides the database.
type Config struct {
	BaseURL string       // e.g. "https://maengel.example.de"; used in mails
	Kick    func()       // called after commits that wrote outbox items; may be nil
	Log     *slog.Logger // may be nil
	// SurveyLinks returns the one-click rating links (scores 1 to 5) that
	// the reporter's closing mail carries; nil means no survey.
	SurveyLinks func(requestID int64) [5]string
	// MapIndex answers lists of versions (Open311's lists without
	// extensions, with or without a box) from memory; nil sends them to
	// SQL.
	MapIndex *mapindex.Index
}

// New returns the request engine.
func New(db *store.DB, now func() time.Time, cfg Config) *Cases {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	kick := cfg.Kick
	if kick == nil {
		kick = func() {}
	}
	return &Cases{db: db, now: now, log: log, baseURL: cfg.BaseURL, cache: map[int64]*compiled{},
		bySlug: map[string]cachedJurisdiction{}, kick: kick, surveyLinks: cfg.SurveyLinks, maps: cfg.MapIndex}
}

// DB returns the engine's database (for read-only callers in the web layer).
func (c *Cases) DB() *store.DB { return c.db }

// compiled is a jurisdiction's routing data, parsed once and cached for a
// short time so that a burst of submissions does not re-parse polygons;
// the short TTL lets changes made on another app node take effect.
type compiled struct {
	loaded   time.Time
	boundary geo.Area
	rules    []compiledRule
	cal      *calendar.Calendar
	services map[string]*rathaus.Service // by code, active or not
	active   []*rathaus.Service          // active services by group and name
	depts    []*rathaus.Department       // by name
}

type cachedJurisdiction struct {
	j      *rathaus.Jurisdiction
	loaded time.Time
}

type compiledRule struct {
	serviceCode  string
	area         geo.Area
	departmentID int64
}

const cacheTTL = 10 * time.Second

// Invalidate drops cached routing data of a jurisdiction (after an admin
// changed rules, the boundary or the Bundesland).
func (c *Cases) Invalidate(jurisdictionID int64) {
	c.mu.Lock()
	delete(c.cache, jurisdictionID)
	clear(c.bySlug)
	clear(c.counts)
	c.mu.Unlock()
}

func (c *Cases) compiledFor(ctx context.Context, j *rathaus.Jurisdiction) (*compiled, error) {
	c.mu.Lock()
	cp := c.cache[j.ID]
	c.mu.Unlock()
	if cp != nil && c.now().Sub(cp.loaded) < cacheTTL {
		return cp, nil
	}
	cp = &compiled{loaded: c.now()}
	var err error
	if len(j.Boundary) > 0 {
		if cp.boundary, err = geo.ParseGeoJSON(j.Boundary); err != nil {
			return nil, fmt.Errorf("casework: boundary of %s: %w", j.Slug, err)
		}
	}
	if cp.cal, err = calendar.ForState(j.State); err != nil {
		return nil, fmt.Errorf("casework: calendar of %s: %w", j.Slug, err)
	}
	var rules []store.RoutingRule
	cp.services = map[string]*rathaus.Service{}
	if err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		if rules, err = tx.RoutingRules(ctx, j.ID); err != nil {
			return err
		}
		services, err := tx.AllServices(ctx, j.ID)
		if err != nil {
			return err
		}
		for _, s := range services {
			cp.services[s.Code] = s
		}
		if cp.active, err = tx.Services(ctx, j.ID); err != nil {
			return err
		}
		cp.depts, err = tx.Departments(ctx, j.ID)
		return err
	}); err != nil {
		return nil, err
	}
	for _, r := range rules {
		cr := compiledRule{serviceCode: r.ServiceCode, departmentID: r.DepartmentID}
		if len(r.Area) > 0 {
			if cr.area, err = geo.ParseGeoJSON(r.Area); err != nil {
				return nil, fmt.Errorf("casework: routing rule %d: %w", r.ID, err)
			}
		}
		cp.rules = append(cp.rules, cr)
	}
	c.mu.Lock()
	c.cache[j.ID] = cp
	c.mu.Unlock()
	return cp, nil
}

// route picks the department of a new request: the first rule whose
// service and area match, else the service's default department.
func (cp *compiled) route(s *rathaus.Service, r *rathaus.Request) int64 {
	p := geo.Point{Lat: r.Lat, Lon: r.Lon}
	for _, rule := range cp.rules {
		if rule.serviceCode != "" && rule.serviceCode != s.Code {
			continue
		}
		if !rule.area.IsZero() && (!r.HasLocation || !rule.area.Contains(p)) {
			continue
		}
		return rule.departmentID
	}
	return s.DefaultDepartment
}

// Calendar returns the business calendar of a jurisdiction.
func (c *Cases) Calendar(ctx context.Context, j *rathaus.Jurisdiction) (*calendar.Calendar, error) {
	cp, err := c.compiledFor(ctx, j)
	if err != nil {
		return nil, err
	}
	return cp.cal, nil
}

// Jurisdiction returns the jurisdiction with the given slug. Every page
// and API call needs it, so it is cached for a few seconds; the copy
// returned is the caller's own.
func (c *Cases) Jurisdiction(ctx context.Context, slug string) (*rathaus.Jurisdiction, error) {
	c.mu.Lock()
	cj, ok := c.bySlug[slug]
	c.mu.Unlock()
	if ok && c.now().Sub(cj.loaded) < cacheTTL {
		j := *cj.j
		return &j, nil
	}
	var j *rathaus.Jurisdiction
	err := c.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		j, err = tx.Jurisdiction(ctx, slug)
		return err
	})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.bySlug) > 1000 {
		clear(c.bySlug)
	}
	c.bySlug[slug] = cachedJurisdiction{j: j, loaded: c.now()}
	c.mu.Unlock()
	out := *j
	return &out, nil
}

// StatusURL is the citizen's private status link of a request.
func (c *Cases) StatusURL(j *rathaus.Jurisdiction, r *rathaus.Request) string {
	base := j.BaseURL
	if base == "" {
		base = c.baseURL
	}
	return base + "/s/" + r.Token
}

// PublicURL is the public page of a request.
func (c *Cases) PublicURL(j *rathaus.Jurisdiction, r *rathaus.Request) string {
	base := j.BaseURL
	if base == "" {
		base = c.baseURL
	}
	return fmt.Sprintf("%s/meldungen/%d", base, r.ID)
}

// auditDetail encodes an audit detail object.
func auditDetail(kv map[string]any) string {
	b, err := json.Marshal(kv)
	if err != nil {
		return "{}"
	}
	return string(b)
}
