package jobs_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/jobs"
	"github.com/rathaus/rathaus/internal/notify"
	"github.com/rathaus/rathaus/internal/notify/smtptest"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestWorkerDeliversRetriesAndMarks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
		j := &rathaus.Jurisdiction{Slug: "t", Name: "Teststadt", State: "NI"}
		admin := &rathaus.User{Email: "admin@t.example", Name: "Admin", Role: rathaus.RoleAdmin, CreatedAt: clk.Now()}
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateJurisdiction(ctx, j, clk.Now()); err != nil {
				return err
			}
			admin.JurisdictionID = j.ID
			if err := tx.CreateUser(ctx, admin); err != nil {
				return err
			}
			return tx.CreateService(ctx, &rathaus.Service{JurisdictionID: j.ID, Code: "pothole", Name: "Schlagloch", Kind: rathaus.KindReport, Active: true})
		})
		if err != nil {
			t.Fatal(err)
		}
		cases := casework.New(db, clk.Now, casework.Config{BaseURL: "https://t.example"})
		r, err := cases.Submit(ctx, j, casework.Submission{ServiceCode: "pothole", Address: "Markt 1", Description: "Loch",
			Contact: rathaus.Contact{Email: "buerger@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		srv := smtptest.NewServer(t)
		mailer, err := notify.NewSMTPMailer(notify.SMTPConfig{Host: srv.Host(), Port: srv.Port(), From: "rathaus@t.example", TLS: "none"})
		if err != nil {
			t.Fatal(err)
		}
		w := jobs.NewWorker(db, mailer, clk.Now, nil)
		// The receipt goes out first.
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("receipt round: n=%d err=%v", n, err)
		}
		if got := srv.WaitFor(1, 2*time.Second); len(got) != 1 || !strings.Contains(got[0].Subject, "eingegangen") {
			t.Fatalf("receipt = %+v", got)
		}
		if _, err := cases.Accept(ctx, j, admin, r.ID); err != nil {
			t.Fatal(err)
		}
		srv.FailNext(451, 1)
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("first round: n=%d err=%v", n, err)
		}
		if got := len(srv.Messages()); got != 1 {
			t.Fatalf("a refused mail was recorded as received: %d", got)
		}
		// Not yet due: the backoff is 30 s.
		if n, _ := w.RunOnce(ctx); n != 0 {
			t.Fatalf("retried before the backoff: %d", n)
		}
		clk.Advance(31 * time.Second)
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("retry round: n=%d err=%v", n, err)
		}
		msgs := srv.WaitFor(2, 2*time.Second)
		if len(msgs) != 2 || msgs[1].To[0] != "buerger@example.org" || !strings.Contains(msgs[1].Subject, r.Number+" wurde angenommen") ||
			!strings.Contains(msgs[1].Body, "https://t.example/s/"+r.Token) {
			t.Fatalf("mail = %+v", msgs)
		}
		clk.Advance(time.Hour)
		if n, _ := w.RunOnce(ctx); n != 0 {
			t.Fatalf("a delivered item was claimed again: %d", n)
		}
		var items []*store.OutboxItem
		_ = db.ReadTx(ctx, func(tx *store.Tx) error { items, err = tx.OutboxItems(ctx, 10); return err })
		if len(items) != 2 || items[0].DeliveredAt.IsZero() || items[0].Attempts != 2 {
			t.Fatalf("outbox = %+v", items[0])
		}
		// A permanent refusal (550) is not retried.
		if _, err := cases.Reply(ctx, j, admin, r.ID, "Wir kümmern uns."); err != nil {
			t.Fatal(err)
		}
		srv.FailNext(550, 1)
		if n, _ := w.RunOnce(ctx); n != 1 {
			t.Fatal("reply mail not claimed")
		}
		_ = db.ReadTx(ctx, func(tx *store.Tx) error { items, err = tx.OutboxItems(ctx, 10); return err })
		if items[0].FailedAt.IsZero() || !strings.Contains(items[0].LastError, "550") {
			t.Fatalf("permanent failure not recorded: %+v", items[0])
		}
	})
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempts int
		want     time.Duration
	}{{1, 30 * time.Second}, {2, time.Minute}, {5, 8 * time.Minute}, {20, 6 * time.Hour}}
	for _, tt := range tests {
		if got := jobs.Backoff(tt.attempts); got != tt.want {
			t.Errorf("Backoff(%d) = %v, want %v", tt.attempts, got, tt.want)
		}
	}
}
