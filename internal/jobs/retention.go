package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/store"
)

// EraseExpired removes personal data whose retention period has ended and
// records how many requests were erased in the audit log.
func EraseExpired(ctx context.Context, db *store.DB, now time.Time, log *slog.Logger) (int64, error) {
	var n int64
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		if n, err = tx.EraseExpiredContacts(ctx, now); err != nil || n == 0 {
			return err
		}
		_, err = tx.AppendAudit(ctx, audit.Entry{At: now, ActorName: "system", Action: "retention.erase",
			Detail: fmt.Sprintf(`{"requests":%d}`, n)})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("jobs: retention: %w", err)
	}
	if n > 0 && log != nil {
		log.Info("retention: erased personal data", "requests", n)
	}
	return n, nil
}

// RunRetention erases expired personal data every interval until ctx is done.
func RunRetention(ctx context.Context, db *store.DB, now func() time.Time, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := EraseExpired(ctx, db, now(), log); err != nil && ctx.Err() == nil {
			log.Error("retention failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
