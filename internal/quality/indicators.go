package quality

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/calendar"
	"github.com/rathaus/rathaus/internal/store"
)

// Slice says which requests an indicator table covers and how its rows
// are split.
type Slice struct {
	JurisdictionID int64
	// From and To are local dates (only the date counts), both inclusive.
	// Volume and first response count requests submitted on those days;
	// resolution, SLA, reopen and survey figures count requests finally
	// closed on those days ("resolved in the period").
	From, To time.Time
	// By splits rows: "service", "department", "channel", or "" for one row.
	By string
	// Filters; zero values do not filter.
	ServiceCode  string
	DepartmentID int64
	Channel      string
	// Now is the instant backlog age and "overdue now" refer to; zero
	// means time.Now().
	Now time.Time
	// Costs prices a case; nil leaves CostPerCase empty.
	Costs *Costs
}

// Costs configures the cost per case: what the intake of a case costs per
// channel, plus staff time at an hourly rate.
type Costs struct {
	PerChannel        map[string]float64 // e.g. {"web": 0.8, "phone": 6.5, "counter": 12}
	PerStaffHour      float64            // e.g. 58.0 (KGSt rate for a mid-grade post)
	StaffHoursPerCase map[string]float64 // per service code; "" is the default
}

// Row is one slice of an indicator table. Pointer fields are nil where
// the figure is undefined (no closed request, no rating, no SLA).
type Row struct {
	Key                      string             `json:"key"`
	Label                    string             `json:"label"`
	Volume                   int64              `json:"volume"`
	Backlog                  int64              `json:"backlog"`
	BacklogAgeHours          *float64           `json:"backlog_median_age_hours"` // median age of open requests, wall-clock hours
	MedianFirstResponseHours *float64           `json:"median_first_response_hours"`
	P90FirstResponseHours    *float64           `json:"p90_first_response_hours"`
	MedianResolutionHours    *float64           `json:"median_resolution_hours"`
	P90ResolutionHours       *float64           `json:"p90_resolution_hours"`
	Closed                   int64              `json:"closed"`
	WithinSLAShare           *float64           `json:"within_sla_share"`
	OverdueNow               int64              `json:"overdue_now"`
	ReopenRate               *float64           `json:"reopen_rate"`
	DuplicateShare           *float64           `json:"duplicate_share"`
	ForwardRate              *float64           `json:"forward_rate"`
	ChannelMix               map[string]float64 `json:"channel_mix"` // share of volume per channel
	CostPerCase              *float64           `json:"cost_per_case"`
	Ratings                  int64              `json:"ratings"`
	CSAT                     *float64           `json:"csat"` // share of ratings 4 or 5
	NPS                      *float64           `json:"nps"`  // % rating 5 minus % rating 1-3, -100..100
}

// groupColumn maps Slice.By to the store's column.
func groupColumn(by string) (string, error) {
	switch by {
	case "service":
		return "service_code", nil
	case "department":
		return "department_id", nil
	case "channel":
		return "channel", nil
	case "":
		return "", nil
	}
	return "", rathaus.Invalidf("by", "must be service, department or channel, not %q", by)
}

// parts collects what a row is computed from.
type parts struct {
	sums     store.DailySums
	channels map[string]int64
	resp     runs
	res      runs
	open     runs // submission instants of open requests, microseconds since 1970
	backlog  int64
	overdue  int64
	now      time.Time // the instant open requests' ages refer to
}

func (p *parts) add(s store.DailySums) {
	t := &p.sums
	t.Volume += s.Volume
	t.Duplicates += s.Duplicates
	t.Forwarded += s.Forwarded
	t.Responded += s.Responded
	t.ResponseSecs += s.ResponseSecs
	t.Closed += s.Closed
	t.ResolutionSecs += s.ResolutionSecs
	t.SLAClosed += s.SLAClosed
	t.WithinSLA += s.WithinSLA
	t.Reopened += s.Reopened
	t.SubmittedSecs += s.SubmittedSecs
	t.ClosedSubmittedSecs += s.ClosedSubmittedSecs
	t.Ratings += s.Ratings
	t.RatingSum += s.RatingSum
	t.Satisfied += s.Satisfied
	t.Promoters += s.Promoters
	t.Detractors += s.Detractors
	if s.Volume > 0 {
		p.channels[s.Channel] += s.Volume
	}
}

// source says where gather reads from.
type source int

const (
	// fromRollups reads quality_daily and quality_daily_values: a few rows
	// per day and slice, whatever the number of requests.
	fromRollups source = iota
	// fromFacts reads request_facts, one row per request, with plain
	// GROUP BY queries: the reference the rollups must equal.
	fromFacts
)

// reading says what gather reads and where it files it.
type reading struct {
	f   store.QualityFilter
	src source
	// keys maps a key of f.GroupBy to the keys of the parts it counts
	// towards (none drops it): one row read may count towards a table
	// row and a series point at once.
	keys func(string) []string
	// backlog, if set, reads the open requests with this filter (its
	// days are ignored) and files them under backlogKey(key), "" to drop.
	backlog    *store.QualityFilter
	backlogKey func(string) string
	now        time.Time
}

// gather reads the totals, the durations and the backlog of rd. The four
// reads run at the same time, each in its own read transaction: on a
// year of a busy town each decodes hundreds of thousands of values, and a
// page waits for the slowest instead of their sum. A page may so combine
// rollups a projector step apart, which it may anyway between two
// requests.
func gather(ctx context.Context, db *store.DB, rd reading) (map[string]*parts, error) {
	var (
		sums     []store.DailySums
		resp     map[string][][]int64
		res      map[string][][]int64
		open     map[string]*store.BacklogValues
		g, gctx  = errgroup.WithContext(ctx)
		inReadTx = func(f func(tx *store.Tx) error) func() error {
			return func() error { return db.ReadTx(gctx, f) }
		}
	)
	g.Go(inReadTx(func(tx *store.Tx) (err error) {
		totals := tx.DailyTotals
		if rd.src == fromFacts {
			totals = tx.FactTotals
		}
		sums, err = totals(gctx, rd.f)
		return err
	}))
	g.Go(inReadTx(func(tx *store.Tx) (err error) {
		resp, err = durations(gctx, tx, rd.src, rd.f, "first_response")
		return err
	}))
	g.Go(inReadTx(func(tx *store.Tx) (err error) {
		res, err = durations(gctx, tx, rd.src, rd.f, "resolution")
		return err
	}))
	if rd.backlog != nil {
		g.Go(inReadTx(func(tx *store.Tx) (err error) {
			open, err = backlog(gctx, tx, rd.src, *rd.backlog)
			return err
		}))
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	out := map[string]*parts{}
	get := func(k string) *parts {
		p := out[k]
		if p == nil {
			p = &parts{channels: map[string]int64{}}
			out[k] = p
		}
		return p
	}
	for _, s := range sums {
		for _, k := range rd.keys(s.Key) {
			get(k).add(s)
		}
	}
	file := func(vals map[string][][]int64, into func(*parts) *runs) {
		for key, vs := range vals {
			for _, k := range rd.keys(key) {
				r := into(get(k))
				for _, run := range vs {
					r.add(run)
				}
			}
		}
	}
	file(resp, func(p *parts) *runs { return &p.resp })
	file(res, func(p *parts) *runs { return &p.res })
	// Due instants before now, counted per sorted run: the instant of now
	// in whole microseconds, rounded up, has exactly those below it that
	// lie before now.
	nowUS := rd.now.UnixMicro()
	if time.UnixMicro(nowUS).Before(rd.now) {
		nowUS++
	}
	for key, b := range open {
		k := rd.backlogKey(key)
		if k == "" {
			continue
		}
		p := get(k)
		p.now = rd.now
		for _, run := range b.Submitted {
			p.open.add(run)
			p.backlog += int64(len(run))
		}
		due := runs{}
		for _, run := range b.Due {
			due.add(run)
		}
		p.overdue += int64(due.below(nowUS))
	}
	return out, nil
}

// durations returns the durations of metric per key as sorted runs, from
// src.
func durations(ctx context.Context, tx *store.Tx, src source, f store.QualityFilter, metric string) (map[string][][]int64, error) {
	if src == fromRollups {
		return tx.DurationRuns(ctx, f, metric)
	}
	ds, err := tx.Durations(ctx, f, metric)
	if err != nil {
		return nil, err
	}
	vals := map[string][]int64{}
	for _, d := range ds {
		vals[d.Key] = append(vals[d.Key], d.Secs)
	}
	out := map[string][][]int64{}
	for k, vs := range vals {
		slices.Sort(vs)
		out[k] = [][]int64{vs}
	}
	return out, nil
}

// backlog returns the open requests per key, from src.
func backlog(ctx context.Context, tx *store.Tx, src source, f store.QualityFilter) (map[string]*store.BacklogValues, error) {
	if src == fromRollups {
		return tx.Backlog(ctx, f)
	}
	open, err := tx.OpenFacts(ctx, f)
	if err != nil {
		return nil, err
	}
	type lists struct{ sub, due []int64 }
	vals := map[string]*lists{}
	for _, o := range open {
		l := vals[o.Key]
		if l == nil {
			l = &lists{}
			vals[o.Key] = l
		}
		l.sub = append(l.sub, o.SubmittedAt.UnixMicro())
		if !o.DueAt.IsZero() {
			l.due = append(l.due, o.DueAt.UnixMicro())
		}
	}
	out := map[string]*store.BacklogValues{}
	for k, l := range vals {
		b := &store.BacklogValues{}
		slices.Sort(l.sub)
		b.Submitted = [][]int64{l.sub} // an open request has a submission instant
		if len(l.due) > 0 {
			slices.Sort(l.due)
			b.Due = [][]int64{l.due}
		}
		out[k] = b
	}
	return out, nil
}

// row turns parts into the published figures.
func (p *parts) row(key, label, serviceCode string, costs *Costs) Row {
	s := p.sums
	r := Row{Key: key, Label: label, Volume: s.Volume, Backlog: p.backlog, OverdueNow: p.overdue, Closed: s.Closed, Ratings: s.Ratings}
	// The age of an open request falls as its submission instant rises,
	// so the median age is the age of the median instant(s).
	now := p.now
	r.BacklogAgeHours = hours(&p.open, func(r *runs) (float64, bool) {
		return medianOf(r, func(us int64) int64 { return max(now.Sub(time.UnixMicro(us)), 0).Microseconds() })
	}, 3600e6)
	r.MedianFirstResponseHours = hours(&p.resp, median, 3600)
	r.P90FirstResponseHours = hours(&p.resp, p90, 3600)
	r.MedianResolutionHours = hours(&p.res, median, 3600)
	r.P90ResolutionHours = hours(&p.res, p90, 3600)
	r.WithinSLAShare = ratio(s.WithinSLA, s.SLAClosed)
	r.ReopenRate = ratio(s.Reopened, s.Closed)
	r.DuplicateShare = ratio(s.Duplicates, s.Volume)
	r.ForwardRate = ratio(s.Forwarded, s.Volume)
	r.CSAT = ratio(s.Satisfied, s.Ratings)
	if s.Ratings > 0 {
		v := float64(s.Promoters-s.Detractors) * 100 / float64(s.Ratings)
		r.NPS = &v
	}
	r.ChannelMix = map[string]float64{}
	for ch, n := range p.channels {
		r.ChannelMix[ch] = float64(n) / float64(s.Volume)
	}
	if costs != nil && s.Volume > 0 {
		var intake float64
		for ch, n := range p.channels {
			intake += float64(n) * costs.PerChannel[ch]
		}
		staff, ok := costs.StaffHoursPerCase[serviceCode]
		if !ok {
			staff = costs.StaffHoursPerCase[""]
		}
		v := intake/float64(s.Volume) + staff*costs.PerStaffHour
		r.CostPerCase = &v
	}
	return r
}

// hours applies a quantile to vs and converts the result, counted in
// units of which per make an hour.
func hours(vs *runs, quantile func(*runs) (float64, bool), per float64) *float64 {
	v, ok := quantile(vs)
	if !ok {
		return nil
	}
	h := v / per
	return &h
}

func ratio(a, b int64) *float64 {
	if b == 0 {
		return nil
	}
	v := float64(a) / float64(b)
	return &v
}

// env is what labelling and day arithmetic need of a jurisdiction.
type env struct {
	j        *rathaus.Jurisdiction
	cal      *calendar.Calendar
	services map[string]*rathaus.Service
	depts    map[int64]*rathaus.Department
}

func loadEnv(ctx context.Context, db *store.DB, jurisdictionID int64) (*env, error) {
	e := &env{services: map[string]*rathaus.Service{}, depts: map[int64]*rathaus.Department{}}
	err := db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		if e.j, err = tx.JurisdictionByID(ctx, jurisdictionID); err != nil {
			return err
		}
		ss, err := tx.Services(ctx, jurisdictionID)
		if err != nil {
			return err
		}
		for _, s := range ss {
			e.services[s.Code] = s
		}
		ds, err := tx.Departments(ctx, jurisdictionID)
		if err != nil {
			return err
		}
		for _, d := range ds {
			e.depts[d.ID] = d
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("quality: load jurisdiction %d: %w", jurisdictionID, err)
	}
	if e.cal, err = calendar.ForState(e.j.State); err != nil {
		return nil, fmt.Errorf("quality: %w", err)
	}
	return e, nil
}

// channelLabels are the German names of the channels.
var channelLabels = map[string]string{
	"web": "Web-Formular", "open311": "Open311-App", "app": "App", "phone": "Telefon", "email": "E-Mail", "counter": "Bürgerbüro",
}

func (e *env) label(by, key string) string {
	switch by {
	case "service":
		if s := e.services[key]; s != nil {
			return s.Name
		}
	case "department":
		id, _ := strconv.ParseInt(key, 10, 64)
		if d := e.depts[id]; d != nil {
			return d.Name
		}
		if id == 0 {
			return "ohne Fachbereich"
		}
	case "channel":
		if l, ok := channelLabels[key]; ok {
			return l
		}
	case "":
		return e.j.Name
	}
	return key
}

func (e *env) filter(s Slice) (store.QualityFilter, error) {
	col, err := groupColumn(s.By)
	if err != nil {
		return store.QualityFilter{}, err
	}
	if s.From.IsZero() || s.To.IsZero() {
		return store.QualityFilter{}, rathaus.Invalidf("from", "a period needs a first and a last day")
	}
	f := store.QualityFilter{JurisdictionID: s.JurisdictionID, FromDay: civilDay(s.From), ToDay: civilDay(s.To),
		GroupBy: col, ServiceCode: s.ServiceCode, DepartmentID: s.DepartmentID, Channel: s.Channel}
	if f.FromDay > f.ToDay {
		return f, rathaus.Invalidf("to", "the last day %s is before the first day %s", s.To.Format(time.DateOnly), s.From.Format(time.DateOnly))
	}
	return f, nil
}

// civilDay is the date of t as written (t's own zone), as YYYYMMDD: a
// period given as dates means those dates in the town hall's calendar.
func civilDay(t time.Time) int {
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}

// Indicators returns one row per slice (sorted by key), or one row for the
// whole jurisdiction when s.By is "". It reads the rollups, so its cost
// grows with the days and slices asked for, not with the requests.
func Indicators(ctx context.Context, db *store.DB, s Slice) ([]Row, error) {
	return indicators(ctx, db, s, fromRollups)
}

// IndicatorsFromFacts computes the same rows as Indicators straight from
// request_facts with plain GROUP BY queries, one row per request read. It
// is the reference that tests and `rathaus bench quality` hold the rollups
// against; on large data it is slow.
func IndicatorsFromFacts(ctx context.Context, db *store.DB, s Slice) ([]Row, error) {
	return indicators(ctx, db, s, fromFacts)
}

func indicators(ctx context.Context, db *store.DB, s Slice, src source) ([]Row, error) {
	e, err := loadEnv(ctx, db, s.JurisdictionID)
	if err != nil {
		return nil, err
	}
	return e.indicators(ctx, db, s, src, true)
}

// indicators computes the rows of s; without withBacklog, Backlog,
// BacklogAgeHours and OverdueNow stay empty (a target that watches
// neither need not read the open requests).
func (e *env) indicators(ctx context.Context, db *store.DB, s Slice, src source, withBacklog bool) ([]Row, error) {
	f, err := e.filter(s)
	if err != nil {
		return nil, err
	}
	rd := reading{f: f, src: src, now: nowOf(s), keys: func(k string) []string { return []string{rowKey(s.By, k)} }}
	if withBacklog {
		rd.backlog, rd.backlogKey = &f, func(k string) string { return rowKey(s.By, k) }
	}
	ps, err := gather(ctx, db, rd)
	if err != nil {
		return nil, fmt.Errorf("quality: indicators: %w", err)
	}
	return e.rows(s, ps), nil
}

// rowKey is the table row a key of the split by counts towards.
func rowKey(by, key string) string {
	if by == "" {
		return "all"
	}
	return key
}

func nowOf(s Slice) time.Time {
	if s.Now.IsZero() {
		return time.Now()
	}
	return s.Now
}

// rows turns the parts of a table into its rows, sorted by key.
func (e *env) rows(s Slice, ps map[string]*parts) []Row {
	keys := make([]string, 0, len(ps))
	for k := range ps {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	rows := make([]Row, 0, len(keys))
	for _, k := range keys {
		svc := ""
		if s.By == "service" {
			svc = k
		} else if s.ServiceCode != "" {
			svc = s.ServiceCode
		}
		rows = append(rows, ps[k].row(k, e.label(s.By, k), svc, s.Costs))
	}
	return rows
}

// Point is one period of a series.
type Point struct {
	Period string    `json:"period"` // "2026-03-02", "2026-W10" or "2026-03"
	Start  time.Time `json:"start"`  // first day, midnight in the calendar's zone
	Row
	// BacklogMeanAgeHours is the mean age, in wall-clock hours, of the
	// requests open at the end of the period (Row.Backlog), at that end
	// or now, whichever is earlier; nil when none is open.
	BacklogMeanAgeHours *float64 `json:"backlog_mean_age_hours"`
}

// Series returns the indicators of s (its By is ignored) per "day",
// "week" (ISO, Monday first) or "month", one point per period from s.From
// to s.To, empty periods included. A point's Backlog is the backlog at
// the end of its period (see fillBacklog); the backlog's age and overdue
// refer to now and are left empty in a series.
func Series(ctx context.Context, db *store.DB, s Slice, interval string) ([]Point, error) {
	e, err := loadEnv(ctx, db, s.JurisdictionID)
	if err != nil {
		return nil, err
	}
	s.By = ""
	f, err := e.filter(s)
	if err != nil {
		return nil, err
	}
	points, periodOf, err := e.periods(s, f, interval)
	if err != nil {
		return nil, err
	}
	f.GroupBy = "day"
	// A month point sums its days; whole months may then come as one
	// month row, keyed by the first of the month, which maps to the same
	// label as every other day of it.
	f.MonthRows = interval == "month"
	ps, err := gather(ctx, db, reading{f: f, src: fromRollups, keys: func(k string) []string { return []string{periodOf[k]} }})
	if err != nil {
		return nil, fmt.Errorf("quality: series: %w", err)
	}
	if err := e.fillPoints(ctx, db, points, ps, f, s); err != nil {
		return nil, fmt.Errorf("quality: series: %w", err)
	}
	return points, nil
}

// firstRollupDay is a day before any request: where the count of a
// backlog series starts.
const firstRollupDay = 20000101

// backlogBefore counts the requests of f's slice (its grouping and days
// aside) submitted before f's first day and not finally closed before it,
// merged duplicates left out: the backlog a series starts from. It sums
// the rollups of every day before, the whole months from the month rows.
func backlogBefore(ctx context.Context, db *store.DB, f store.QualityFilter) (backlogSum, error) {
	first := time.Date(f.FromDay/10000, time.Month(f.FromDay/100%100), f.FromDay%100, 12, 0, 0, 0, time.UTC)
	g := f
	g.GroupBy, g.MonthRows, g.FromDay, g.ToDay = "", false, firstRollupDay, civilDay(first.AddDate(0, 0, -1))
	var b backlogSum
	if g.ToDay < g.FromDay {
		return b, nil
	}
	var sums []store.DailySums
	if err := db.ReadTx(ctx, func(tx *store.Tx) (err error) {
		sums, err = tx.DailyTotals(ctx, g)
		return err
	}); err != nil {
		return b, fmt.Errorf("backlog before %d: %w", f.FromDay, err)
	}
	for _, s := range sums {
		b.add(s)
	}
	return b, nil
}

// backlogSum is the backlog at some instant: how many requests are open
// and the sum of their submission instants (seconds since 1970).
type backlogSum struct{ n, secs int64 }

// add moves the requests submitted and finally closed in s in and out.
func (b *backlogSum) add(s store.DailySums) {
	b.n += s.Volume - s.Duplicates - s.Closed
	b.secs += s.SubmittedSecs - s.ClosedSubmittedSecs
}

// fillBacklog sets each point's Backlog to the backlog at the end of its
// period: the requests submitted by then and not finally closed by then,
// merged duplicates left out (a merge closes them; they count neither in
// nor out). From the rollups that is the backlog before the series plus,
// period by period, the requests submitted that were no duplicates less
// those finally closed. At the end of today it is the backlog of now
// (requests reopened from a merge aside).
//
// The mean age of that backlog is its count times the period's end less
// the sum of its submission instants, over the count. The end is the
// start of the next period (the day after s.To for the last), or now if
// that is earlier.
func fillBacklog(points []Point, ps map[string]*parts, before backlogSum, s Slice, loc *time.Location) {
	b := before
	now := nowOf(s)
	for i := range points {
		if p := ps[points[i].Period]; p != nil {
			b.add(p.sums)
		}
		points[i].Backlog = b.n
		end := time.Date(s.To.Year(), s.To.Month(), s.To.Day()+1, 0, 0, 0, 0, loc)
		if i+1 < len(points) {
			end = points[i+1].Start
		}
		if now.Before(end) {
			end = now
		}
		if b.n > 0 {
			h := float64(b.n*end.Unix()-b.secs) / float64(b.n) / 3600
			points[i].BacklogMeanAgeHours = &h
		}
	}
}

// periods lists the empty points of a series of s per interval and maps
// every day of it (YYYYMMDD) to its point's label.
func (e *env) periods(s Slice, f store.QualityFilter, interval string) ([]Point, map[string]string, error) {
	periodOf := map[string]string{}
	var points []Point
	loc := e.cal.Location()
	last := ""
	for d := time.Date(s.From.Year(), s.From.Month(), s.From.Day(), 12, 0, 0, 0, time.UTC); civilDay(d) <= f.ToDay; d = d.AddDate(0, 0, 1) {
		var label string
		var start time.Time
		switch interval {
		case "day":
			label, start = d.Format(time.DateOnly), d
		case "week":
			y, w := d.ISOWeek()
			label, start = fmt.Sprintf("%d-W%02d", y, w), d.AddDate(0, 0, -((int(d.Weekday())+6)%7))
		case "month":
			label, start = d.Format("2006-01"), time.Date(d.Year(), d.Month(), 1, 12, 0, 0, 0, time.UTC)
		default:
			return nil, nil, rathaus.Invalidf("interval", "must be day, week or month, not %q", interval)
		}
		periodOf[strconv.Itoa(civilDay(d))] = label
		if label != last {
			points = append(points, Point{Period: label, Start: time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc)})
			last = label
		}
	}
	return points, periodOf, nil
}

// fillPoints computes each point's row from its parts, and its backlog
// from the rollups before the series (f's slice) and the parts.
func (e *env) fillPoints(ctx context.Context, db *store.DB, points []Point, ps map[string]*parts, f store.QualityFilter, s Slice) error {
	for i := range points {
		p := ps[points[i].Period]
		if p == nil {
			p = &parts{channels: map[string]int64{}}
		}
		points[i].Row = p.row(points[i].Period, points[i].Period, s.ServiceCode, s.Costs)
	}
	before, err := backlogBefore(ctx, db, f)
	if err != nil {
		return err
	}
	fillBacklog(points, ps, before, s, e.cal.Location())
	return nil
}

// Page reads the parts of one dashboard page for one jurisdiction with
// one read of its catalogue (the jurisdiction, its services and
// departments), which every part needs for labels and dates.
type Page struct {
	db *store.DB
	e  *env
}

// NewPage loads the jurisdiction's catalogue for a page.
func NewPage(ctx context.Context, db *store.DB, jurisdictionID int64) (*Page, error) {
	e, err := loadEnv(ctx, db, jurisdictionID)
	if err != nil {
		return nil, err
	}
	return &Page{db: db, e: e}, nil
}

// TableAndSeries is the package's TableAndSeries; s must be of the
// page's jurisdiction.
func (p *Page) TableAndSeries(ctx context.Context, s Slice, interval string) ([]Row, []Point, error) {
	if err := p.check(s); err != nil {
		return nil, nil, err
	}
	return p.e.tableAndSeries(ctx, p.db, s, interval)
}

// HeatMap is the package's HeatMap; s must be of the page's jurisdiction.
func (p *Page) HeatMap(ctx context.Context, s Slice, o HeatOptions) (*Heat, error) {
	if err := p.check(s); err != nil {
		return nil, err
	}
	return p.e.heatMap(ctx, p.db, s, o)
}

func (p *Page) check(s Slice) error {
	if s.JurisdictionID != p.e.j.ID {
		return fmt.Errorf("quality: a page of jurisdiction %d asked for jurisdiction %d", p.e.j.ID, s.JurisdictionID)
	}
	return nil
}

// TableAndSeries returns what Indicators and Series return for s, from
// one read of the rollups: every rollup row, keyed by day and slice,
// counts towards its table row and its series point, and the decoded
// value lists are shared by both (quantiles read sorted runs without
// reordering them). The staff dashboard shows both for the same slice
// and period; reading them apart decoded every duration twice.
func TableAndSeries(ctx context.Context, db *store.DB, s Slice, interval string) ([]Row, []Point, error) {
	e, err := loadEnv(ctx, db, s.JurisdictionID)
	if err != nil {
		return nil, nil, err
	}
	return e.tableAndSeries(ctx, db, s, interval)
}

func (e *env) tableAndSeries(ctx context.Context, db *store.DB, s Slice, interval string) ([]Row, []Point, error) {
	f, err := e.filter(s)
	if err != nil {
		return nil, nil, err
	}
	points, periodOf, err := e.periods(s, f, interval)
	if err != nil {
		return nil, nil, err
	}
	table := f
	f.GroupBy = strings.TrimSuffix("day,"+f.GroupBy, ",")
	f.MonthRows = interval == "month"
	// Table rows and points share one map; "t:" and "p:" keep them apart.
	rd := reading{f: f, src: fromRollups, now: nowOf(s), backlog: &table,
		keys: func(k string) []string {
			day, key := k, ""
			if s.By != "" {
				day, key = store.DaySplitKey(k)
			}
			return []string{"t:" + rowKey(s.By, key), "p:" + periodOf[day]}
		},
		backlogKey: func(k string) string { return "t:" + rowKey(s.By, k) }}
	ps, err := gather(ctx, db, rd)
	if err != nil {
		return nil, nil, fmt.Errorf("quality: indicators and series: %w", err)
	}
	tps, pps := map[string]*parts{}, map[string]*parts{}
	for k, p := range ps {
		if key, ok := strings.CutPrefix(k, "t:"); ok {
			tps[key] = p
		} else {
			pps[strings.TrimPrefix(k, "p:")] = p
		}
	}
	if err := e.fillPoints(ctx, db, points, pps, f, s); err != nil {
		return nil, nil, fmt.Errorf("quality: indicators and series: %w", err)
	}
	return e.rows(s, tps), points, nil
}
