package quality

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/calendar"
	"github.com/rathaus/rathaus/internal/store"
)

// checkpointName is the projector's row in quality_checkpoint.
const checkpointName = "facts"

// Projector keeps request_facts and quality_daily up to date with the
// events. It needs no hook in casework: it reads events past a checkpoint,
// recomputes the facts of every request they touch from that request's
// whole history (Derive), and marks every day those facts enter or leave
// as dirty (quality_dirty_days, in the same transaction). When no events
// are left it recomputes the dirty days' rollup rows from the facts, so a
// burst that touches many days, such as a rebuild, recomputes each day
// once. Both steps are idempotent, so a batch
// that is processed twice (after a crash, or by two app nodes) changes
// nothing the second time.
//
// On PostgreSQL an event with a smaller ID can commit after one with a
// larger ID (IDs come from a sequence before commit). The projector
// therefore rescans the last Lookback event IDs before its checkpoint on
// every round; events whose request's facts already reflect them are
// skipped in SQL, so the rescan is cheap.
type Projector struct {
	db   *store.DB
	now  func() time.Time
	log  *slog.Logger
	kick chan struct{}
	// Poll is how often Run looks for new events without a kick; the
	// projector is never further behind than Poll plus one batch.
	Poll time.Duration
	// Batch is how many events one transaction processes at most.
	Batch int
	// Lookback is how many event IDs before the checkpoint are rescanned.
	Lookback int64
}

// NewProjector returns a projector over db.
func NewProjector(db *store.DB, now func() time.Time, log *slog.Logger) *Projector {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Projector{db: db, now: now, log: log, kick: make(chan struct{}, 1), Poll: 2 * time.Second, Batch: 2000, Lookback: 1000}
}

// Kick wakes Run at once (after a commit that wrote events).
func (p *Projector) Kick() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// Run catches up until ctx is done, then every Poll or Kick.
func (p *Projector) Run(ctx context.Context) {
	t := time.NewTicker(p.Poll)
	defer t.Stop()
	for {
		if n, err := p.CatchUp(ctx); err != nil && ctx.Err() == nil {
			p.log.Error("quality: projection failed", "err", err)
		} else if n > 0 {
			p.log.Debug("quality: projected requests", "requests", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.kick:
		}
	}
}

// CatchUp projects every event not yet reflected in the facts and returns
// how many requests it (re)computed.
func (p *Projector) CatchUp(ctx context.Context) (int, error) {
	var cp int64
	if err := p.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		cp, err = tx.QualityCheckpoint(ctx, checkpointName)
		return err
	}); err != nil {
		return 0, err
	}
	after := max(cp-p.Lookback, 0)
	cals := map[int64]*calendar.Calendar{}
	total := 0
	for {
		var n int
		var last int64
		err := p.db.WriteTx(ctx, func(tx *store.Tx) error {
			stale, err := tx.StaleEvents(ctx, after, p.Batch)
			if err != nil || len(stale) == 0 {
				return err
			}
			last = stale[len(stale)-1].EventID
			ids := make([]int64, 0, len(stale))
			seen := map[int64]bool{}
			for _, s := range stale {
				if !seen[s.RequestID] {
					seen[s.RequestID] = true
					ids = append(ids, s.RequestID)
				}
			}
			if err := project(ctx, tx, ids, cals); err != nil {
				return err
			}
			n = len(ids)
			return tx.SetQualityCheckpoint(ctx, checkpointName, max(cp, last), p.now())
		})
		if err != nil {
			return total, fmt.Errorf("quality: catch up after event %d: %w", after, err)
		}
		if n == 0 {
			return total, p.refreshRollup(ctx)
		}
		total += n
		after, cp = last, max(cp, last)
	}
}

// Rebuild deletes all facts and rollups and recomputes them from the
// events. Readers see partial figures until it returns.
func (p *Projector) Rebuild(ctx context.Context) (int, error) {
	if err := p.db.WriteTx(ctx, func(tx *store.Tx) error { return tx.ResetQuality(ctx) }); err != nil {
		return 0, fmt.Errorf("quality: rebuild: %w", err)
	}
	return p.CatchUp(ctx)
}

// project recomputes the facts of the given requests inside tx and marks
// the rollup days they enter or leave as dirty.
func project(ctx context.Context, tx *store.Tx, ids []int64, cals map[int64]*calendar.Calendar) error {
	sources, err := tx.FactSources(ctx, ids)
	if err != nil {
		return err
	}
	old, err := tx.Facts(ctx, ids)
	if err != nil {
		return err
	}
	events, err := tx.Events(ctx, ids...)
	if err != nil {
		return err
	}
	byRequest := map[int64][]*rathaus.Event{}
	for _, e := range events {
		byRequest[e.RequestID] = append(byRequest[e.RequestID], e)
	}
	services := map[int64]map[int64]*rathaus.Service{} // jurisdiction -> service ID -> service
	days := map[int64]map[int]bool{}                   // jurisdiction -> days to recompute
	touch := func(jid int64, ds ...int) {
		if days[jid] == nil {
			days[jid] = map[int]bool{}
		}
		for _, d := range ds {
			if d != 0 {
				days[jid][d] = true
			}
		}
	}
	facts := make([]*store.RequestFact, 0, len(ids))
	for _, id := range ids {
		src, ok := sources[id]
		if !ok {
			continue // events of a request that no longer exists: nothing to measure
		}
		cal, err := calendarOf(ctx, tx, src.JurisdictionID, cals)
		if err != nil {
			return err
		}
		if services[src.JurisdictionID] == nil {
			list, err := tx.Services(ctx, src.JurisdictionID)
			if err != nil {
				return err
			}
			m := map[int64]*rathaus.Service{}
			for _, s := range list {
				m[s.ID] = s
			}
			services[src.JurisdictionID] = m
		}
		f := Derive(src, byRequest[id], services[src.JurisdictionID][src.ServiceID], cal)
		facts = append(facts, f)
		touch(f.JurisdictionID, f.SubmittedDay, f.ClosedDay)
		if o := old[id]; o != nil {
			touch(o.JurisdictionID, o.SubmittedDay, o.ClosedDay)
		}
	}
	if err := tx.UpsertFacts(ctx, facts); err != nil {
		return err
	}
	for jid, set := range days {
		list := make([]int, 0, len(set))
		for d := range set {
			list = append(list, d)
		}
		slices.Sort(list)
		if err := tx.MarkDirtyDays(ctx, jid, list); err != nil {
			return err
		}
	}
	return nil
}

// refreshRollup recomputes the rollup rows of every day marked dirty, a
// few hundred days per transaction.
func (p *Projector) refreshRollup(ctx context.Context) error {
	for {
		var n int
		err := p.db.WriteTx(ctx, func(tx *store.Tx) error {
			jid, days, err := tx.DirtyDays(ctx, 200)
			if err != nil || len(days) == 0 {
				return err
			}
			n = len(days)
			if err := tx.RecomputeDaily(ctx, jid, days); err != nil {
				return err
			}
			return tx.ClearDirtyDays(ctx, jid, days)
		})
		if err != nil {
			return fmt.Errorf("quality: refresh rollup: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}

func calendarOf(ctx context.Context, tx *store.Tx, jurisdictionID int64, cals map[int64]*calendar.Calendar) (*calendar.Calendar, error) {
	if c := cals[jurisdictionID]; c != nil {
		return c, nil
	}
	j, err := tx.JurisdictionByID(ctx, jurisdictionID)
	if err != nil {
		return nil, err
	}
	c, err := calendar.ForState(j.State)
	if err != nil {
		return nil, fmt.Errorf("quality: calendar of %s: %w", j.Slug, err)
	}
	cals[jurisdictionID] = c
	return c, nil
}
