package casework

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

// TestInboxCountsServedStaleWhileRefreshing: fresh counts come from the
// cache, stale ones are served once and then replaced by a background
// recount.
func TestInboxCountsServedStaleWhileRefreshing(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	j := &rathaus.Jurisdiction{Slug: "c", Name: "Zählstadt", State: "NW"}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateJurisdiction(ctx, j, now); err != nil {
			return err
		}
		return tx.CreateService(ctx, &rathaus.Service{JurisdictionID: j.ID, Code: "x", Name: "X", Kind: rathaus.KindReport, Active: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	c := New(db, clock, Config{})
	submit := func() {
		if _, err := c.Submit(ctx, j, Submission{ServiceCode: "x", Address: "Markt 1"}); err != nil {
			t.Fatal(err)
		}
	}
	newCount := func() int {
		in, err := c.Inbox(ctx, j, store.InboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return in.Counts.ByState[rathaus.StateNew]
	}
	submit()
	if got := newCount(); got != 1 {
		t.Fatalf("first count = %d, want 1", got)
	}
	submit()
	if got := newCount(); got != 1 {
		t.Fatalf("fresh cached count = %d, want 1 (cached)", got)
	}
	advance(11 * time.Second)
	if got := newCount(); got != 1 {
		t.Fatalf("stale count = %d, want the stale 1 while refreshing", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for newCount() != 2 {
		if time.Now().After(deadline) {
			t.Fatal("the background refresh never delivered the new count 2")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
