package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/sortition"
	"github.com/rathaus/rathaus/internal/store"
)

// DrawWorker runs the sortition draws queued by the staff pages, one at a
// time (a LEXIMIN draw may take a minute of one core). A claimed draw
// holds a lease a little longer than the time limit; a worker that dies
// leaves it to expire and the draw runs again (on SQLite at once after
// the restart). A draw is fully determined when it is queued (the seed is
// fixed then), so a second run draws the same panel.
//
// The worker logs draw ids, status and durations only: pools and error
// texts may carry personal data and stay in the database.
type DrawWorker struct {
	db          *store.DB
	now         func() time.Time
	log         *slog.Logger
	kick        chan struct{}
	Poll        time.Duration // how often to look for queued draws without a kick
	Limit       time.Duration // time limit of one draw
	MaxAttempts int           // runs cut off by a crash before the draw fails
	Watch       time.Duration // how often a running draw checks that it was not cancelled or deleted
	draw        func(context.Context, sortition.Input) (*sortition.Outcome, error)
}

// NewDrawWorker returns a draw worker with a limit of 10 minutes.
func NewDrawWorker(db *store.DB, now func() time.Time, log *slog.Logger) *DrawWorker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &DrawWorker{db: db, now: now, log: log, kick: make(chan struct{}, 1),
		Poll: 5 * time.Second, Limit: 10 * time.Minute, MaxAttempts: 3, Watch: 2 * time.Second, draw: sortition.Draw}
}

// Kick wakes the worker at once (after a draw was queued).
func (w *DrawWorker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run works until ctx is done. On SQLite, where this process owns the
// database, it first puts draws left running by a crash back in the queue.
func (w *DrawWorker) Run(ctx context.Context) {
	if w.db.Dialect() == store.SQLite {
		var n int64
		err := w.db.WriteTx(ctx, func(tx *store.Tx) error {
			var err error
			n, err = tx.ReleaseSortitionLeases(ctx)
			return err
		})
		if err != nil {
			w.log.Error("sortition: release leases", "err", err)
		} else if n > 0 {
			w.log.Info("sortition: draws of a previous run queued again", "draws", n)
		}
	}
	t := time.NewTicker(w.Poll)
	defer t.Stop()
	for {
		for {
			ran, err := w.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				w.log.Error("sortition: draw round failed", "err", err)
			}
			if !ran || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.kick:
		}
	}
}

// RunOnce claims one due draw and runs it; it reports whether there was
// one.
func (w *DrawWorker) RunOnce(ctx context.Context) (bool, error) {
	var dr *store.SortitionDraw
	err := w.db.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		dr, err = tx.ClaimSortitionDraw(ctx, w.now(), w.Limit+time.Minute)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("jobs: claim sortition draw: %w", err)
	}
	if dr == nil {
		return false, nil
	}
	if dr.Attempts > w.MaxAttempts {
		w.log.Warn("sortition: giving up", "draw", dr.ID, "attempts", dr.Attempts-1)
		return true, w.fail(ctx, dr, fmt.Sprintf("Abgebrochen: %d Läufe wurden unterbrochen (Neustart oder Absturz des Servers).", dr.Attempts-1))
	}
	var pool *store.SortitionPool
	err = w.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		pool, err = tx.SortitionPool(ctx, dr.JurisdictionID, dr.ID)
		return err
	})
	if rathaus.KindOf(err) == rathaus.KindNotFound {
		return true, w.fail(ctx, dr, "Die Personendatei ist nicht mehr vorhanden.")
	}
	if err != nil {
		return true, fmt.Errorf("jobs: pool of sortition draw %d: %w", dr.ID, err)
	}
	start := time.Now()
	runCtx, cancel := context.WithTimeout(ctx, w.Limit)
	stopped := w.watch(runCtx, cancel, dr)
	out, drawErr := w.draw(runCtx, sortition.InputOf(dr, pool, w.now()))
	cancel()
	if drawErr != nil {
		switch {
		case stopped.Load():
			w.log.Info("sortition: draw stopped by hand", "draw", dr.ID)
			return true, nil
		case ctx.Err() != nil:
			// Shutting down: the draw stays claimed and runs again after
			// the restart (SQLite) or when its lease ends (PostgreSQL).
			return true, nil
		case errors.Is(drawErr, context.DeadlineExceeded):
			w.log.Warn("sortition: time limit", "draw", dr.ID, "limit", w.Limit.String())
			return true, w.fail(ctx, dr, fmt.Sprintf("Zeitgrenze von %s überschritten. Für so große Pools ist LEGACY schneller.", w.Limit))
		}
		if e, ok := rathaus.AsError(drawErr); ok && e.Kind == rathaus.KindInvalid {
			w.log.Info("sortition: draw impossible", "draw", dr.ID, "field", e.Field)
			return true, w.fail(ctx, dr, e.Msg)
		}
		w.log.Error("sortition: draw failed", "draw", dr.ID, "err", drawErr)
		return true, w.fail(ctx, dr, "Interner Fehler bei der Auslosung.")
	}
	res := store.SortitionResult{PanelSHA256: out.Report.PanelSHA256, Files: map[string][]byte{}}
	for _, f := range out.Files {
		res.Files[f.Name] = f.Data
	}
	now := w.now()
	err = w.db.WriteTx(ctx, func(tx *store.Tx) error {
		ok, err := tx.FinishSortitionDraw(ctx, dr.JurisdictionID, dr.ID, now, res, !dr.KeepPool)
		if err != nil || !ok {
			return err // !ok: deleted while it ran; nothing to record
		}
		return sortition.AuditDone(ctx, tx, now, dr, out.Report)
	})
	if err != nil {
		return true, fmt.Errorf("jobs: store sortition draw %d: %w", dr.ID, err)
	}
	w.log.Info("sortition: draw done", "draw", dr.ID, "algorithm", dr.Algorithm, "seats", dr.Seats,
		"seconds", time.Since(start).Seconds(), "pool_deleted", !dr.KeepPool)
	return true, nil
}

// watch checks every w.Watch while the draw runs whether it is still
// running in the database (not cancelled or deleted by staff) and cancels
// its context if not, so a stopped LEXIMIN run frees its core at once.
// The returned flag tells that it did.
func (w *DrawWorker) watch(ctx context.Context, cancel context.CancelFunc, dr *store.SortitionDraw) *atomic.Bool {
	var stopped atomic.Bool
	go func() {
		t := time.NewTicker(w.Watch)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			var cur *store.SortitionDraw
			err := w.db.ReadTx(ctx, func(tx *store.Tx) error {
				var err error
				cur, err = tx.SortitionDraw(ctx, dr.JurisdictionID, dr.ID)
				return err
			})
			if rathaus.KindOf(err) == rathaus.KindNotFound || (err == nil && cur.Status != store.DrawRunning) {
				stopped.Store(true)
				cancel()
				return
			}
		}
	}()
	return &stopped
}

// fail records reason on the draw and deletes the pool unless it is kept
// on purpose: a failed draw needs a new upload anyway.
func (w *DrawWorker) fail(ctx context.Context, dr *store.SortitionDraw, reason string) error {
	now := w.now()
	err := w.db.WriteTx(ctx, func(tx *store.Tx) error {
		ok, err := tx.FailSortitionDraw(ctx, dr.JurisdictionID, dr.ID, now, reason, !dr.KeepPool)
		if err != nil || !ok {
			return err
		}
		return sortition.AuditFailed(ctx, tx, now, dr, dr.Attempts, !dr.KeepPool)
	})
	if err != nil {
		return fmt.Errorf("jobs: record failed sortition draw %d: %w", dr.ID, err)
	}
	return nil
}
