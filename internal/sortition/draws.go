package sortition

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/store"
)

// The settings every draw of the staff pages uses; the command line has
// the same defaults.
const (
	DefaultLegacyRuns  = 2000
	DefaultLotterySize = 1000
)

// Limits of the draw form.
const (
	MaxTitle = 200
	MaxSeed  = 500
)

// Draws is the staff side of sortition: it checks uploads and queues
// them, and deletes pools and draws, each with an audit entry that holds
// ids, counts and hashes but no personal data. A worker (internal/jobs)
// runs the queued draws.
type Draws struct {
	db   *store.DB
	now  func() time.Time
	kick func() // wakes the worker after a commit; may be nil
}

// NewDraws returns the service; kick, if not nil, is called after a draw
// is queued.
func NewDraws(db *store.DB, now func() time.Time, kick func()) *Draws {
	if kick == nil {
		kick = func() {}
	}
	return &Draws{db: db, now: now, kick: kick}
}

// Submission is a draw as the form sends it.
type Submission struct {
	Title string
	Input Input // Now and LegacyRuns/LotterySize are set by the worker
}

// Submit checks s by parsing its files against the quotas and the seat
// count, then queues the draw. Every problem is a rathaus.Invalid error
// naming the form field (title, people, quotas, already_selected, seats,
// algorithm, seed), and nothing is stored. An empty seed is
// replaced by a random one now, so that the queued draw is fully
// determined and a retry after a crash draws the same panel.
func (d *Draws) Submit(ctx context.Context, actor *rathaus.User, jurisdictionID int64, s Submission) (*store.SortitionDraw, error) {
	title := strings.TrimSpace(s.Title)
	in := s.Input
	in.Seed = strings.TrimSpace(in.Seed)
	in.IDColumn = strings.TrimSpace(in.IDColumn)
	switch {
	case title == "":
		return nil, rathaus.Invalidf("title", "Bitte einen Titel angeben.")
	case utf8.RuneCountInString(title) > MaxTitle:
		return nil, rathaus.Invalidf("title", "Der Titel ist länger als %d Zeichen.", MaxTitle)
	case utf8.RuneCountInString(in.Seed) > MaxSeed:
		return nil, rathaus.Invalidf("seed", "Der Startwert ist länger als %d Zeichen.", MaxSeed)
	case len(in.People) == 0:
		return nil, rathaus.Invalidf("people", "Bitte die Personendatei hochladen.")
	case len(in.Quotas) == 0:
		return nil, rathaus.Invalidf("quotas", "Bitte die Quotendatei hochladen.")
	}
	if _, err := ParseAlgorithm(string(in.Algorithm)); err != nil {
		return nil, err
	}
	p, err := Prepare(in)
	if err != nil {
		return nil, err
	}
	if in.Seed == "" {
		if in.Seed, err = NewSeed(); err != nil {
			return nil, err
		}
	}
	now := d.now()
	dr := &store.SortitionDraw{JurisdictionID: jurisdictionID, Title: title, Algorithm: string(in.Algorithm), Seats: in.Seats,
		Seed: in.Seed, IDColumn: in.IDColumn, KeepPool: in.KeepPool, PeopleName: in.PeopleName, QuotasName: in.QuotasName,
		PeopleSHA256: sum(in.People), QuotasSHA256: sum(in.Quotas), PoolSize: p.PoolSize(), CreatedBy: actor.ID, CreatedAt: now}
	if in.AlreadySelected != nil {
		dr.AlreadySHA256 = sum(in.AlreadySelected)
	}
	err = d.db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSortitionDraw(ctx, dr, store.SortitionPool{People: in.People, Quotas: in.Quotas, AlreadySelected: in.AlreadySelected}); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, actor, dr, "sortition.queue", map[string]any{
			"algorithm": dr.Algorithm, "seats": dr.Seats, "seed": dr.Seed, "pool_size": dr.PoolSize, "profile_types": p.Types(),
			"people_sha256": dr.PeopleSHA256, "quotas_sha256": dr.QuotasSHA256, "already_selected_sha256": dr.AlreadySHA256,
			"keep_pool": dr.KeepPool,
		})
	})
	if err != nil {
		return nil, err
	}
	d.kick()
	return dr, nil
}

// List returns the jurisdiction's draws, newest first.
func (d *Draws) List(ctx context.Context, jurisdictionID int64, limit int) ([]*store.SortitionDraw, error) {
	var out []*store.SortitionDraw
	err := d.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.SortitionDraws(ctx, jurisdictionID, limit)
		return err
	})
	return out, err
}

// Get returns one draw.
func (d *Draws) Get(ctx context.Context, jurisdictionID, id int64) (*store.SortitionDraw, error) {
	var out *store.SortitionDraw
	err := d.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.SortitionDraw(ctx, jurisdictionID, id)
		return err
	})
	return out, err
}

// File returns a result file of a finished draw.
func (d *Draws) File(ctx context.Context, jurisdictionID, id int64, name string) ([]byte, error) {
	var out []byte
	err := d.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.SortitionFile(ctx, jurisdictionID, id, name)
		return err
	})
	return out, err
}

// Report returns the parsed report of a finished draw.
func (d *Draws) Report(ctx context.Context, jurisdictionID, id int64) (*Report, error) {
	data, err := d.File(ctx, jurisdictionID, id, ReportJSON)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("sortition: report of draw %d: %w", id, err)
	}
	return &r, nil
}

// DeletePool deletes the kept pool of a draw that is no longer waiting
// or running (the worker still needs it then).
func (d *Draws) DeletePool(ctx context.Context, actor *rathaus.User, jurisdictionID, id int64) error {
	now := d.now()
	return d.db.WriteTx(ctx, func(tx *store.Tx) error {
		dr, err := tx.SortitionDraw(ctx, jurisdictionID, id)
		if err != nil {
			return err
		}
		if dr.Status == store.DrawQueued || dr.Status == store.DrawRunning {
			return rathaus.Conflictf("Die Auslosung läuft noch; die Personendatei wird danach gebraucht.")
		}
		ok, err := tx.DeleteSortitionPool(ctx, jurisdictionID, id, now)
		if err != nil {
			return err
		}
		if !ok {
			return rathaus.Conflictf("Die Personendatei ist schon gelöscht.")
		}
		return appendAudit(ctx, tx, now, actor, dr, "sortition.pool_delete", map[string]any{"people_sha256": dr.PeopleSHA256})
	})
}

// Cancel stops a waiting or running draw: it fails with a note that it
// was stopped by hand, and its pool is deleted unless it is kept on
// purpose. A worker running it stops within a few seconds.
func (d *Draws) Cancel(ctx context.Context, actor *rathaus.User, jurisdictionID, id int64) error {
	now := d.now()
	return d.db.WriteTx(ctx, func(tx *store.Tx) error {
		dr, err := tx.SortitionDraw(ctx, jurisdictionID, id)
		if err != nil {
			return err
		}
		ok, err := tx.CancelSortitionDraw(ctx, jurisdictionID, id, now, "Von Hand abgebrochen.", !dr.KeepPool)
		if err != nil {
			return err
		}
		if !ok {
			return rathaus.Conflictf("Die Auslosung ist schon beendet.")
		}
		return appendAudit(ctx, tx, now, actor, dr, "sortition.cancel", map[string]any{"status": dr.Status, "pool_deleted": !dr.KeepPool})
	})
}

// Delete deletes a draw with its pool and results. A running draw can be
// deleted; its worker then finds nothing to finish.
func (d *Draws) Delete(ctx context.Context, actor *rathaus.User, jurisdictionID, id int64) error {
	now := d.now()
	return d.db.WriteTx(ctx, func(tx *store.Tx) error {
		dr, err := tx.SortitionDraw(ctx, jurisdictionID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteSortitionDraw(ctx, jurisdictionID, id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, actor, dr, "sortition.delete", map[string]any{"status": dr.Status,
			"panel_sha256": dr.PanelSHA256, "had_pool": dr.HasPool})
	})
}

// InputOf rebuilds the input of a stored draw for the worker.
func InputOf(dr *store.SortitionDraw, p *store.SortitionPool, now time.Time) Input {
	return Input{People: p.People, Quotas: p.Quotas, AlreadySelected: p.AlreadySelected, PeopleName: dr.PeopleName,
		QuotasName: dr.QuotasName, IDColumn: dr.IDColumn, Seats: dr.Seats, Algorithm: Algorithm(dr.Algorithm), Seed: dr.Seed,
		LegacyRuns: DefaultLegacyRuns, LotterySize: DefaultLotterySize, KeepPool: dr.KeepPool, Now: now}
}

// AuditTarget names a draw in the audit log.
func AuditTarget(id int64) string { return "sortition_draw:" + strconv.FormatInt(id, 10) }

// appendAudit records a staff action on a draw; actor nil is the system.
func appendAudit(ctx context.Context, tx *store.Tx, now time.Time, actor *rathaus.User, dr *store.SortitionDraw, action string, detail map[string]any) error {
	js, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("sortition: audit detail: %w", err)
	}
	e := audit.Entry{At: now, JurisdictionID: dr.JurisdictionID, ActorName: "system", Action: action, Target: AuditTarget(dr.ID), Detail: string(js)}
	if actor != nil {
		e.ActorID, e.ActorName = actor.ID, actor.Email
	}
	_, err = tx.AppendAudit(ctx, e)
	return err
}

// AuditDone records a finished draw, as the worker writes it in the
// transaction that stores the result: the figures anyone can check
// against the published report, no personal data.
func AuditDone(ctx context.Context, tx *store.Tx, now time.Time, dr *store.SortitionDraw, rep *Report) error {
	return appendAudit(ctx, tx, now, nil, dr, "sortition.draw", map[string]any{
		"algorithm": rep.Algorithm, "seed": rep.Seed, "seats": rep.Seats, "pool_size": rep.PoolSize,
		"people_sha256": rep.PeopleSHA256, "quotas_sha256": rep.QuotasSHA256, "already_selected_sha256": rep.AlreadySHA256,
		"panel_sha256": rep.PanelSHA256, "selected": len(rep.Selected), "min_probability": rep.MinProbability,
		"pool_deleted": rep.PoolDeleted,
	})
}

// AuditFailed records a draw that ended without a panel.
func AuditFailed(ctx context.Context, tx *store.Tx, now time.Time, dr *store.SortitionDraw, attempts int, poolDeleted bool) error {
	return appendAudit(ctx, tx, now, nil, dr, "sortition.failed", map[string]any{"attempts": attempts, "pool_deleted": poolDeleted})
}
