// Package jobs runs durable background work from the database: today the
// outbox worker that delivers mails written by casework.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/notify"
	"github.com/rathaus/rathaus/internal/store"
)

// Worker delivers outbox items. Delivery is at least once: an item is
// marked delivered after the send succeeds, so a crash between the two
// sends it again after the restart; a lease keeps two workers from sending
// it at the same time.
type Worker struct {
	db          *store.DB
	mailer      notify.Mailer
	now         func() time.Time
	log         *slog.Logger
	kick        chan struct{}
	Poll        time.Duration // how often to look for due items without a kick
	Lease       time.Duration // how long a claimed item is reserved
	Batch       int
	MaxAttempts int
}

// NewWorker returns an outbox worker.
func NewWorker(db *store.DB, mailer notify.Mailer, now func() time.Time, log *slog.Logger) *Worker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Worker{db: db, mailer: mailer, now: now, log: log, kick: make(chan struct{}, 1),
		Poll: 2 * time.Second, Lease: 2 * time.Minute, Batch: 20, MaxAttempts: 12}
}

// Kick wakes the worker at once (after a commit that enqueued mail).
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done. On SQLite, where this process owns the
// database file, it first releases leases left by a crashed predecessor.
func (w *Worker) Run(ctx context.Context) {
	if w.db.Dialect() == store.SQLite {
		var n int64
		err := w.db.WriteTx(ctx, func(tx *store.Tx) error {
			var err error
			n, err = tx.ReleaseOutboxLeases(ctx)
			return err
		})
		if err != nil {
			w.log.Error("outbox: release leases", "err", err)
		} else if n > 0 {
			w.log.Info("outbox: released leases of a previous run", "items", n)
		}
	}
	t := time.NewTicker(w.Poll)
	defer t.Stop()
	for {
		for {
			n, err := w.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				w.log.Error("outbox: delivery round failed", "err", err)
			}
			if n < w.Batch || err != nil {
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

// Backoff is the wait before attempt n+1: 30 s doubling, at most 6 hours.
func Backoff(attempts int) time.Duration {
	d := 30 * time.Second * time.Duration(math.Pow(2, float64(max(attempts-1, 0))))
	return min(d, 6*time.Hour)
}

// RunOnce claims and delivers one batch; it returns how many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	var items []*store.OutboxItem
	err := w.db.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		items, err = tx.ClaimOutbox(ctx, w.now(), w.Lease, w.Batch)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("jobs: claim outbox: %w", err)
	}
	for _, it := range items {
		sendErr := w.deliver(ctx, it)
		now := w.now()
		err := w.db.WriteTx(ctx, func(tx *store.Tx) error {
			switch {
			case sendErr == nil:
				return tx.MarkDelivered(ctx, it.ID, now)
			case isPermanent(sendErr) || it.Attempts >= w.MaxAttempts:
				w.log.Warn("outbox: giving up", "id", it.ID, "kind", it.Kind, "attempts", it.Attempts, "err", sendErr)
				return tx.MarkFailed(ctx, it.ID, now, sendErr.Error())
			default:
				w.log.Info("outbox: will retry", "id", it.ID, "kind", it.Kind, "attempts", it.Attempts, "err", sendErr)
				return tx.MarkRetry(ctx, it.ID, now.Add(Backoff(it.Attempts)), sendErr.Error())
			}
		})
		if err != nil {
			return len(items), fmt.Errorf("jobs: record outbox %d: %w", it.ID, err)
		}
	}
	return len(items), nil
}

func (w *Worker) deliver(ctx context.Context, it *store.OutboxItem) error {
	switch it.Kind {
	case "mail":
		var p casework.MailPayload
		if err := json.Unmarshal([]byte(it.Payload), &p); err != nil {
			return permanent{fmt.Errorf("decode mail payload: %w", err)}
		}
		return w.mailer.Send(ctx, p.Message)
	}
	return permanent{fmt.Errorf("unknown outbox kind %q", it.Kind)}
}

func isPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p) || notify.IsPermanent(err)
}

// permanent marks errors that no retry can fix.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }
