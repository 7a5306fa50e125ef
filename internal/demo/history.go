package demo

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/calendar"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/geo"
)

// The simulation first plans every report and every staff action with its
// time, then replays all of them through casework in global time order, so
// that request numbers, events and the audit chain advance as they would
// have in a real year.

// seed makes the demo reproducible: the same now gives the same town.
const seed = 20260302

// channelMix is the share of each intake channel.
var channelMix = []struct {
	ch     rathaus.Channel
	weight float64
}{
	{rathaus.ChannelWeb, 60}, {rathaus.ChannelOpen311, 15}, {rathaus.ChannelApp, 10},
	{rathaus.ChannelPhone, 10}, {rathaus.ChannelEmail, 5},
}

// hourWeight is how often citizens report at each local hour of the day.
var hourWeight = [24]float64{
	0.05, 0.03, 0.02, 0.02, 0.03, 0.1, 0.3, 0.6, 0.9, 1, 1, 1,
	0.9, 0.9, 1, 1, 1, 1, 0.9, 0.8, 0.7, 0.5, 0.3, 0.1,
}

type stepKind int

const (
	stepForward stepKind = iota
	stepAccept
	stepAssign
	stepProgress // new/accepted -> in_progress
	stepNote
	stepReply
	stepWaiting
	stepResume // waiting -> in_progress
	stepMerge
	stepClose
	stepReopen
)

// step is one planned action on a report.
type step struct {
	at         time.Time
	kind       stepKind
	text       string // reply, note, reason or closing message
	resolution string // stepClose
	byLead     bool   // stepAssign: the lead hands the case to the caseworker
}

// report is one planned request.
type report struct {
	svc   *serviceDef
	sub   casework.Submission
	at    time.Time
	steps []step
	dupOf int // index of the report this one duplicates, or -1
	// firstClose is when the plan closes the report for the first time
	// (zero: never), so that duplicates are only merged into open reports.
	firstClose time.Time

	// Set while replaying.
	id       int64
	dept     int64
	assignee int64
}

// planner invents the year of reports.
type planner struct {
	r        *rng
	cal      *calendar.Calendar
	now      time.Time
	from     time.Time // first possible submission
	area     geo.Area
	devices  []string
	svcTotal float64
}

func newPlanner(cal *calendar.Calendar, now time.Time) *planner {
	p := &planner{r: newRNG(seed), cal: cal, now: now, from: now.AddDate(-1, 0, 0).Add(time.Hour), area: geo.AreaFromRings(boundary)}
	for range 300 {
		p.devices = append(p.devices, strconv.FormatUint(p.r.Uint64(), 16))
	}
	return p
}

// plan returns n reports sorted by submission time, each with its actions
// up to now.
func (p *planner) plan(n int) []*report {
	reps := make([]*report, n)
	for i := range reps {
		reps[i] = p.draw()
	}
	slices.SortStableFunc(reps, func(a, b *report) int { return a.at.Compare(b.at) })
	for i, rep := range reps {
		p.history(reps, i, rep)
	}
	return reps
}

// draw picks a channel, a time and a service, then the place and content.
func (p *planner) draw() *report {
	r := p.r
	weights := make([]float64, len(channelMix))
	for i, c := range channelMix {
		weights[i] = c.weight
	}
	ch := channelMix[r.weightedIndex(weights)].ch
	svcWeights := make([]float64, len(services))
	for i, s := range services {
		svcWeights[i] = s.Weight
	}
	span := p.now.Sub(p.from)
	var at time.Time
	var svc *serviceDef
	for {
		frac := r.Float64()
		at = p.from.Add(time.Duration(frac * float64(span))).Truncate(time.Second)
		local := at.In(p.cal.Location())
		if ch == rathaus.ChannelPhone && !p.isOfficeTime(at) {
			continue // the phone is answered in office hours only
		}
		svc = &services[r.weightedIndex(svcWeights)]
		// Season, hour of day and a slowly growing audience (the service
		// becomes known over the year) thin out the uniform draw.
		growth := 0.75 + 0.5*frac
		accept := svc.Season[local.Month()-1] / 2.2 * hourWeight[local.Hour()] * growth / 1.25
		if ch == rathaus.ChannelPhone {
			accept = svc.Season[local.Month()-1] / 2.2 * growth / 1.25
		}
		if r.chance(accept) {
			break
		}
	}
	rep := &report{svc: svc, at: at, dupOf: -1}
	rep.sub = casework.Submission{ServiceCode: svc.Code, HasLocation: true, Channel: ch}
	pt, addr := p.place(svc)
	rep.sub.Lat, rep.sub.Lon, rep.sub.Address = pt.Lat, pt.Lon, addr
	p.content(rep)
	return rep
}

func (p *planner) isOfficeTime(t time.Time) bool {
	h := t.In(p.cal.Location()).Hour()
	return p.cal.IsBusinessDay(t) && h >= 8 && h < 16
}

// place returns a position inside the town: near one of the service's hot
// spots, or anywhere.
func (p *planner) place(svc *serviceDef) (geo.Point, string) {
	r := p.r
	if len(svc.Spots) > 0 && r.chance(svc.SpotShare) {
		spot := hotSpots[svc.Spots[r.IntN(len(svc.Spots))]]
		for range 20 {
			pt := geo.Point{
				Lat: spot.At.Lat + r.NormFloat64()*spot.Sigma,
				// A degree of longitude is shorter than one of latitude here.
				Lon: spot.At.Lon + r.NormFloat64()*spot.Sigma/math.Cos(spot.At.Lat*math.Pi/180),
			}
			if p.area.Contains(pt) {
				addr := ""
				if geo.Distance(pt, spot.At) < 150 {
					addr = spot.Address
				}
				return round(pt), addr
			}
		}
	}
	return round(geo.RandomPointIn(p.area, r.Rand)), ""
}

// round keeps six decimals (about 10 cm), as a phone's GPS reports them.
func round(pt geo.Point) geo.Point {
	return geo.Point{Lat: math.Round(pt.Lat*1e6) / 1e6, Lon: math.Round(pt.Lon*1e6) / 1e6}
}

// content fills in the answers, the description and the reporter.
func (p *planner) content(rep *report) {
	r := p.r
	rep.sub.Attributes = rep.svc.Answers(r)
	rep.sub.Description = rep.svc.Describe(r, rep.sub.Attributes)
	// Reporters leave no e-mail address, so the demo never mails anyone;
	// callers on the phone and letter writers give their name.
	named := map[rathaus.Channel]float64{rathaus.ChannelPhone: 0.7, rathaus.ChannelEmail: 0.8, rathaus.ChannelWeb: 0.15}[rep.sub.Channel]
	if r.chance(named) {
		rep.sub.Contact = rathaus.Contact{FirstName: r.pick(firstNames...), LastName: r.pick(lastNames...)}
	}
	if rep.sub.Channel == rathaus.ChannelApp {
		rep.sub.DeviceID = p.devices[r.IntN(len(p.devices))]
	}
}

// bh returns the moment h business hours after t.
func (p *planner) bh(t time.Time, h float64) time.Time {
	return p.cal.AddBusinessHours(t, time.Duration(h*float64(time.Hour))).Truncate(time.Second)
}

// uniform returns a float in [lo, hi).
func (p *planner) uniform(lo, hi float64) float64 { return lo + p.r.Float64()*(hi-lo) }

// history plans what staff (and sometimes the reporter) did with report i.
func (p *planner) history(reps []*report, i int, rep *report) {
	r := p.r
	svc := rep.svc
	last := rep.at
	add := func(s step) {
		// Every action comes at least a minute after the previous one.
		if earliest := last.Add(time.Minute); s.at.Before(earliest) {
			s.at = earliest.Add(time.Duration(r.IntN(600)) * time.Second)
		}
		last = s.at
		rep.steps = append(rep.steps, s)
	}
	var triageDelay float64
	switch x := r.Float64(); {
	case x < 0.70:
		triageDelay = p.uniform(0.2, 3)
	case x < 0.92:
		triageDelay = p.uniform(3, 12)
	default:
		triageDelay = p.uniform(12, 60)
	}
	if p.now.Sub(rep.at) < 21*24*time.Hour && r.chance(0.25) {
		// The inbox is never empty: of the last three weeks' reports,
		// some wait days for triage (holidays, sick leave, a busy week).
		triageDelay = p.uniform(40, 120)
	}
	triage := p.bh(rep.at, triageDelay)

	if r.chance(0.03) {
		if orig := p.original(reps, i, triage); orig >= 0 {
			// A second citizen reports the same problem a few metres away.
			rep.dupOf = orig
			o := reps[orig]
			pt := round(geo.Point{Lat: o.sub.Lat + r.NormFloat64()*0.0002, Lon: o.sub.Lon + r.NormFloat64()*0.0003})
			if !p.area.Contains(pt) {
				pt = geo.Point{Lat: o.sub.Lat, Lon: o.sub.Lon}
			}
			rep.sub.Lat, rep.sub.Lon, rep.sub.Address = pt.Lat, pt.Lon, o.sub.Address
			rep.sub.Attributes = o.sub.Attributes
			rep.sub.Description = svc.Describe(r, rep.sub.Attributes)
			add(step{at: triage, kind: stepMerge})
			rep.firstClose = last
			p.truncate(rep)
			return
		}
	}

	switch x := r.Float64(); {
	case x < 0.07:
		msgs, ok := notResponsible[svc.Group]
		if !ok {
			msgs = notResponsible[""]
		}
		add(step{at: triage, kind: stepClose, resolution: "not_responsible", text: r.pick(msgs...)})
		rep.firstClose = last
		p.truncate(rep)
		return
	case x < 0.09:
		add(step{at: triage, kind: stepClose, resolution: "rejected", text: r.pick(rejected...)})
		rep.firstClose = last
		p.truncate(rep)
		return
	case x < 0.14 && len(svc.Forward) > 0:
		add(step{at: triage, kind: stepForward})
		add(step{at: p.bh(last, p.uniform(0.5, 8)), kind: stepAccept})
	default:
		add(step{at: triage, kind: stepAccept})
	}
	if r.chance(0.6) {
		add(step{at: p.bh(last, p.uniform(0.05, 1)), kind: stepAssign, byLead: r.chance(0.7)})
	}
	resolveAt := p.bh(rep.at, float64(svc.ResolutionHours)*r.logNormal(0.5, 0.6))
	if r.chance(0.75) {
		add(step{at: p.bh(last, p.uniform(0.5, 8)), kind: stepProgress})
		if r.chance(0.3) {
			add(step{at: p.bh(last, p.uniform(0.1, 2)), kind: stepNote, text: r.pick(notes...)})
		}
	}
	if r.chance(0.04) {
		add(step{at: p.bh(last, p.uniform(0.5, 4)), kind: stepReply, text: r.pick(waitingQuestions...)})
		add(step{at: last.Add(time.Minute), kind: stepWaiting})
		add(step{at: p.bh(last, p.uniform(8, 40)), kind: stepResume})
	}
	if r.chance(0.45) && len(svc.Replies) > 0 {
		add(step{at: p.bh(last, p.uniform(0.5, 16)), kind: stepReply, text: r.pick(svc.Replies...)})
	}
	switch x := r.Float64(); {
	case x < 0.04:
		// A backlog case: still open after all this time.
		p.truncate(rep)
		return
	case x < 0.09:
		add(step{at: p.bh(last, p.uniform(2, 16)), kind: stepClose, resolution: "no_action_needed", text: r.pick(noActionNeeded...)})
		rep.firstClose = last
		p.truncate(rep)
		return
	}
	if !resolveAt.After(last) {
		resolveAt = p.bh(last, p.uniform(1, 8))
	}
	add(step{at: resolveAt, kind: stepClose, resolution: "fixed", text: r.pick(svc.Fixed...)})
	rep.firstClose = last
	if r.chance(0.03) {
		// The reporter disagrees, through the status link, a few days later.
		reopen := last.Add(time.Duration(p.uniform(24, 14*24) * float64(time.Hour))).Truncate(time.Second)
		add(step{at: reopen, kind: stepReopen, text: r.pick(reopenReasons...)})
		if r.chance(0.8) {
			add(step{at: p.bh(last, p.uniform(4, 40)), kind: stepClose, resolution: "fixed", text: r.pick(refixed...)})
		}
	}
	p.truncate(rep)
}

// original returns an earlier open report of the same service from the
// last two weeks that report i may duplicate, or -1.
func (p *planner) original(reps []*report, i int, mergeAt time.Time) int {
	rep := reps[i]
	for j := i - 1; j >= 0; j-- {
		o := reps[j]
		if rep.at.Sub(o.at) > 14*24*time.Hour {
			break
		}
		if o.svc != rep.svc || o.dupOf >= 0 {
			continue
		}
		if o.firstClose.IsZero() || o.firstClose.After(mergeAt) {
			return j
		}
	}
	return -1
}

// truncate drops the actions that would lie in the future: recent reports
// are still new or in progress.
func (p *planner) truncate(rep *report) {
	for k, s := range rep.steps {
		if !s.at.Before(p.now) {
			rep.steps = rep.steps[:k]
			break
		}
	}
	if !rep.firstClose.Before(p.now) {
		rep.firstClose = time.Time{}
	}
}

// simClock is the engine's clock during the replay.
type simClock struct{ t time.Time }

func (c *simClock) Now() time.Time { return c.t }

// team is who works the requests of each department.
type team struct {
	caseworker map[int64]*rathaus.User // by department ID
	lead       map[int64]*rathaus.User
	deptByCode map[string]int64
}

// actor returns who acts on a request in its current department.
func (tm *team) actor(rep *report) *rathaus.User {
	if rep.assignee != 0 {
		if u := tm.caseworker[rep.dept]; u != nil && u.ID == rep.assignee {
			return u
		}
		if u := tm.lead[rep.dept]; u != nil && u.ID == rep.assignee {
			return u
		}
	}
	return tm.caseworker[rep.dept]
}

// replay runs the plan through casework in time order.
func replay(ctx context.Context, cases *casework.Cases, clock *simClock, j *rathaus.Jurisdiction, tm *team, reps []*report) error {
	type action struct {
		at        time.Time
		rep, step int // step -1 = submit
	}
	var actions []action
	for i, rep := range reps {
		actions = append(actions, action{rep.at, i, -1})
		for k, s := range rep.steps {
			actions = append(actions, action{s.at, i, k})
		}
	}
	slices.SortStableFunc(actions, func(a, b action) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.rep, b.rep), cmp.Compare(a.step, b.step))
	})
	for _, a := range actions {
		if err := ctx.Err(); err != nil {
			return err
		}
		clock.t = a.at
		rep := reps[a.rep]
		if a.step < 0 {
			req, err := cases.Submit(ctx, j, rep.sub)
			if err != nil {
				return fmt.Errorf("demo: submit %s: %w", rep.svc.Code, err)
			}
			rep.id, rep.dept = req.ID, req.DepartmentID
			continue
		}
		if err := apply(ctx, cases, j, tm, reps, rep, rep.steps[a.step]); err != nil {
			return fmt.Errorf("demo: request %d (%s): %w", rep.id, rep.svc.Code, err)
		}
	}
	return nil
}

// apply runs one planned step.
func apply(ctx context.Context, cases *casework.Cases, j *rathaus.Jurisdiction, tm *team, reps []*report, rep *report, s step) error {
	var err error
	actor := tm.actor(rep)
	switch s.kind {
	case stepForward:
		for _, f := range rep.svc.Forward {
			to := tm.deptByCode[f.Dept]
			if to != rep.dept {
				if _, err = cases.Forward(ctx, j, actor, rep.id, to, f.Reason); err == nil {
					rep.dept, rep.assignee = to, 0
				}
				break
			}
		}
	case stepAccept:
		_, err = cases.Accept(ctx, j, actor, rep.id)
	case stepAssign:
		// Where there is a lead, the lead hands the case to the caseworker
		// or keeps it; elsewhere the caseworker takes it.
		assignee := tm.caseworker[rep.dept]
		if lead := tm.lead[rep.dept]; lead != nil {
			actor = lead
			if !s.byLead {
				assignee = lead
			}
		}
		if _, err = cases.Assign(ctx, j, actor, rep.id, assignee.ID); err == nil {
			rep.assignee = assignee.ID
		}
	case stepProgress, stepResume:
		_, err = cases.Transition(ctx, j, actor, rep.id, rathaus.StateInProgress)
	case stepWaiting:
		_, err = cases.Transition(ctx, j, actor, rep.id, rathaus.StateWaiting)
	case stepNote:
		_, err = cases.Note(ctx, j, actor, rep.id, s.text)
	case stepReply:
		_, err = cases.Reply(ctx, j, actor, rep.id, s.text)
	case stepMerge:
		_, err = cases.Merge(ctx, j, actor, rep.id, reps[rep.dupOf].id)
	case stepClose:
		_, err = cases.Close(ctx, j, actor, rep.id, s.resolution, s.text)
	case stepReopen:
		_, err = cases.Reopen(ctx, j, nil, rep.id, s.text) // the reporter, through the status link
	}
	return err
}
