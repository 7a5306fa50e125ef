package store_test

import (
	"context"
	"testing"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

func TestEmailConfirmationsAndReporterEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j, s := seed(t, db)
		r := insertRequest(t, db, j, s, t0, 52.28, 8.05, 1)
		c := &store.EmailConfirmation{JurisdictionID: j.ID, TokenHash: "abc", RequestID: r.ID, Email: "b@example.org",
			Kind: store.ConfirmReporter, CreatedAt: t0}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error { return tx.CreateEmailConfirmation(ctx, c) }); err != nil {
			t.Fatal(err)
		}
		if c.ID == 0 {
			t.Fatal("confirmation has no ID")
		}
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			got, err := tx.EmailConfirmationByHash(ctx, j.ID, "abc")
			if err != nil {
				return err
			}
			if got.ID != c.ID || got.Email != "b@example.org" || got.Kind != store.ConfirmReporter || !got.CreatedAt.Equal(t0) || !got.ConfirmedAt.IsZero() {
				t.Errorf("confirmation = %+v", got)
			}
			if _, err := tx.EmailConfirmationByHash(ctx, j.ID+1, "abc"); rathaus.KindOf(err) != rathaus.KindNotFound {
				t.Errorf("other jurisdiction: err = %v, want not found", err)
			}
			if err := tx.MarkEmailConfirmed(ctx, c.ID, t0.Add(60e9)); err != nil {
				return err
			}
			// A second confirmation keeps the first time.
			if err := tx.MarkEmailConfirmed(ctx, c.ID, t0.Add(120e9)); err != nil {
				return err
			}
			if got, _ = tx.EmailConfirmationByHash(ctx, j.ID, "abc"); !got.ConfirmedAt.Equal(t0.Add(60e9)) {
				t.Errorf("confirmed at %v, want %v", got.ConfirmedAt, t0.Add(60e9))
			}
			if err := tx.SetReporterEmail(ctx, j.ID, r.ID, "b@example.org"); err != nil {
				return err
			}
			if err := tx.SetReporterEmail(ctx, j.ID, r.ID+100, "x@example.org"); rathaus.KindOf(err) != rathaus.KindNotFound {
				t.Errorf("unknown request: err = %v, want not found", err)
			}
			got2, err := tx.Request(ctx, j.ID, r.ID)
			if err != nil {
				return err
			}
			if got2.Reporter.Email != "b@example.org" {
				t.Errorf("reporter e-mail = %q", got2.Reporter.Email)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestSubscribers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j, s := seed(t, db)
		r := insertRequest(t, db, j, s, t0, 52.28, 8.05, 1)
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			a := &store.Subscriber{JurisdictionID: j.ID, RequestID: r.ID, Email: "a@example.org", Token: "t-a", CreatedAt: t0}
			if created, err := tx.AddSubscriber(ctx, a); err != nil || !created || a.ID == 0 {
				t.Fatalf("first add: created=%v id=%d err=%v", created, a.ID, err)
			}
			b := &store.Subscriber{JurisdictionID: j.ID, RequestID: r.ID, Email: "b@example.org", Token: "t-b", CreatedAt: t0}
			if _, err := tx.AddSubscriber(ctx, b); err != nil {
				return err
			}
			again := &store.Subscriber{JurisdictionID: j.ID, RequestID: r.ID, Email: "a@example.org", Token: "t-other", CreatedAt: t0.Add(1e9)}
			created, err := tx.AddSubscriber(ctx, again)
			if err != nil {
				return err
			}
			if created || again.ID != a.ID || again.Token != "t-a" || !again.CreatedAt.Equal(t0) {
				t.Errorf("second add of the same address: created=%v %+v, want the existing row %+v", created, again, a)
			}
			if err := tx.ConfirmSubscriber(ctx, j.ID, r.ID, "b@example.org", t0.Add(5e9)); err != nil {
				return err
			}
			if err := tx.ConfirmSubscriber(ctx, j.ID, r.ID, "b@example.org", t0.Add(9e9)); err != nil {
				t.Errorf("confirming twice: %v", err)
			}
			if err := tx.ConfirmSubscriber(ctx, j.ID, r.ID, "nobody@example.org", t0); rathaus.KindOf(err) != rathaus.KindNotFound {
				t.Errorf("unknown subscriber: err = %v, want not found", err)
			}
			all, err := tx.Subscribers(ctx, j.ID, r.ID, false)
			if err != nil {
				return err
			}
			confirmed, err := tx.Subscribers(ctx, j.ID, r.ID, true)
			if err != nil {
				return err
			}
			if len(all) != 2 || all[0].Email != "a@example.org" || all[1].Email != "b@example.org" {
				t.Errorf("all subscribers = %+v", all)
			}
			if len(confirmed) != 1 || confirmed[0].Email != "b@example.org" || !confirmed[0].ConfirmedAt.Equal(t0.Add(5e9)) {
				t.Errorf("confirmed subscribers = %+v", confirmed)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
