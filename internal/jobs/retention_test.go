package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/jobs"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

func TestRetentionErasesContactOfOldClosedRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)}
		j := &rathaus.Jurisdiction{Slug: "t", Name: "T", State: "NI"}
		admin := &rathaus.User{Email: "a@t.example", Name: "A", Role: rathaus.RoleAdmin}
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateJurisdiction(ctx, j, clk.Now()); err != nil {
				return err
			}
			admin.JurisdictionID = j.ID
			if err := tx.CreateUser(ctx, admin); err != nil {
				return err
			}
			return tx.CreateService(ctx, &rathaus.Service{JurisdictionID: j.ID, Code: "x", Name: "X", Kind: rathaus.KindReport, Active: true, RetentionDays: 30})
		})
		if err != nil {
			t.Fatal(err)
		}
		cases := casework.New(db, clk.Now, casework.Config{})
		sub := casework.Submission{ServiceCode: "x", Address: "Markt 1", Contact: rathaus.Contact{Email: "p@example.org", FirstName: "Paula", Phone: "0541 1"}, DeviceID: "dev1"}
		closed, _ := cases.Submit(ctx, j, sub)
		open, _ := cases.Submit(ctx, j, sub)
		if _, err := cases.Subscribe(ctx, j, closed.ID, "follower@example.org"); err != nil {
			t.Fatal(err)
		}
		if _, err := cases.Close(ctx, j, admin, closed.ID, "fixed", ""); err != nil {
			t.Fatal(err)
		}
		if n, err := jobs.EraseExpired(ctx, db, clk.Now().Add(29*24*time.Hour), nil); err != nil || n != 0 {
			t.Fatalf("before the period ends: n=%d err=%v", n, err)
		}
		n, err := jobs.EraseExpired(ctx, db, clk.Now().Add(31*24*time.Hour), nil)
		if err != nil || n != 1 {
			t.Fatalf("after the period: n=%d err=%v", n, err)
		}
		c, _ := cases.Get(ctx, j, closed.ID)
		o, _ := cases.Get(ctx, j, open.ID)
		if c.Reporter != (rathaus.Contact{}) || c.DeviceID != "" || c.State != rathaus.StateClosed {
			t.Errorf("closed request keeps personal data: %+v", c.Reporter)
		}
		var subs []*store.Subscriber
		_ = db.ReadTx(ctx, func(tx *store.Tx) error { subs, err = tx.Subscribers(ctx, j.ID, closed.ID, false); return err })
		if len(subs) != 0 {
			t.Errorf("subscribers of an erased request remain: %+v", subs)
		}
		if o.Reporter.Email != "p@example.org" {
			t.Errorf("open request lost its contact")
		}
		var last audit.Entry
		_ = db.AuditEntries(ctx, func(e audit.Entry) error { last = e; return nil })
		if last.Action != "retention.erase" || last.Detail != `{"requests":1}` {
			t.Errorf("audit = %+v", last)
		}
	})
}
