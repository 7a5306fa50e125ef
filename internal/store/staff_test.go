package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

func TestInboxFiltersCountsAndSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j, s := seed(t, db)
		base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			for i, st := range []rathaus.State{rathaus.StateNew, rathaus.StateNew, rathaus.StateClosed} {
				r := &rathaus.Request{JurisdictionID: j.ID, Number: fmt.Sprintf("2026-%06d", i+1), Token: fmt.Sprint("tok", i),
					ServiceID: s.ID, ServiceCode: s.Code, State: st, Channel: rathaus.ChannelWeb, DepartmentID: 7,
					Description: []string{"Loch 100%_sicher", "Müll", "Laterne"}[i], SubmittedAt: base.Add(time.Duration(i) * time.Hour),
					UpdatedAt: base, ResolutionDue: base.Add(time.Duration(3-i) * 24 * time.Hour)}
				if err := tx.InsertRequest(ctx, r, 0); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		numbers := func(f store.InboxFilter) string {
			t.Helper()
			f.JurisdictionID = j.ID
			var out string
			if err := db.ReadTx(ctx, func(tx *store.Tx) error {
				rs, _, err := tx.Inbox(ctx, f)
				for _, r := range rs {
					out += r.Number[len(r.Number)-1:]
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		for name, tt := range map[string]struct {
			f    store.InboxFilter
			want string
		}{
			"newest":          {store.InboxFilter{}, "321"},
			"oldest":          {store.InboxFilter{Sort: store.SortOldest}, "123"},
			"due":             {store.InboxFilter{Sort: store.SortDue}, "321"},
			"literal percent": {store.InboxFilter{Text: "100%_"}, "1"},
			"no wildcard":     {store.InboxFilter{Text: "%"}, "1"},
			"umlaut":          {store.InboxFilter{Text: "müll"}, "2"},
			"state":           {store.InboxFilter{State: rathaus.StateClosed}, "3"},
			"overdue":         {store.InboxFilter{OverdueAt: base.Add(50 * time.Hour)}, "2"},
			"other dept":      {store.InboxFilter{DepartmentID: 8}, ""},
		} {
			if got := numbers(tt.f); got != tt.want {
				t.Errorf("%s: %q, want %q", name, got, tt.want)
			}
		}
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			c, err := tx.InboxCounts(ctx, j.ID, 7, base.Add(50*time.Hour))
			if err != nil {
				return err
			}
			// Closed requests are not counted (an inbox does not need them).
			if c.ByState[rathaus.StateNew] != 2 || c.ByState[rathaus.StateClosed] != 0 || c.Overdue != 1 {
				t.Errorf("counts: %+v", c)
			}
			if err := tx.SaveSettings(ctx, &store.Settings{JurisdictionID: j.ID, ColorPrimary: "#00508c", UpdatedAt: base}); err != nil {
				return err
			}
			if err := tx.SaveSettings(ctx, &store.Settings{JurisdictionID: j.ID, ColorPrimary: "#112233", UpdatedAt: base}); err != nil {
				return err
			}
			got, err := tx.Settings(ctx, j.ID)
			if err == nil && got.ColorPrimary != "#112233" {
				t.Errorf("settings: %+v", got)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
