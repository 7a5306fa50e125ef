package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/geo"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

func TestHeatCellsAndAddresses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j, s := seed(t, db)
		type req struct {
			cell    int64
			at      time.Duration // after t0
			channel rathaus.Channel
			dept    int64
			address string
		}
		reqs := []req{
			{100, 0, rathaus.ChannelWeb, 1, "Lindenstraße 2"},
			{100, time.Hour, rathaus.ChannelWeb, 1, "Lindenstraße 4"},
			{100, 2 * time.Hour, rathaus.ChannelPhone, 2, "Lindenstraße 2"},
			{200, 3 * time.Hour, rathaus.ChannelWeb, 1, ""},
			{200, 4 * time.Hour, rathaus.ChannelWeb, 2, "Am Wall 3"},
			{101, 5 * time.Hour, rathaus.ChannelPhone, 1, "Markt 1"},
			{100, -48 * time.Hour, rathaus.ChannelWeb, 1, "Lindenstraße 9"}, // before the period
			{100, 50 * time.Hour, rathaus.ChannelWeb, 1, "Lindenstraße 9"},  // after it
			{0, time.Hour, rathaus.ChannelWeb, 1, "ohne Ort"},               // no location
		}
		// The cells are named 100, 200 and 101 in the table; the requests
		// lie in three real grid cells (SQLite finds a cell's requests
		// through the R*Tree by the cell's box), which label maps back.
		places := map[int64]geo.Point{100: {Lat: 52.2801, Lon: 8.0402}, 200: {Lat: 52.3012, Lon: 8.1013}, 101: {Lat: 52.2830, Lon: 8.0402}}
		cellOf, label := map[int64]int64{}, map[int64]int64{}
		for name, p := range places {
			cellOf[name], label[geo.Cell(p)] = geo.Cell(p), name
		}
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			for i, q := range reqs {
				at := t0.Add(q.at)
				p := places[q.cell]
				r := &rathaus.Request{JurisdictionID: j.ID, Number: fmt.Sprintf("2026-%06d", i+1), Token: fmt.Sprint("heat", i),
					ServiceID: s.ID, ServiceCode: s.Code, State: rathaus.StateNew, Channel: q.channel, DepartmentID: q.dept,
					HasLocation: q.cell != 0, Lat: p.Lat, Lon: p.Lon, Address: q.address, SubmittedAt: at, UpdatedAt: at}
				if err := tx.InsertRequest(ctx, r, cellOf[q.cell]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		base := store.HeatFilter{JurisdictionID: j.ID, From: t0, To: t0.Add(24 * time.Hour)}
		tests := []struct {
			name string
			f    func(store.HeatFilter) store.HeatFilter
			want string
			more bool
		}{
			{"all", func(f store.HeatFilter) store.HeatFilter { return f }, "100:3 200:2 101:1", false},
			{"bounded", func(f store.HeatFilter) store.HeatFilter { f.Limit = 2; return f }, "100:3 200:2", true},
			{"channel", func(f store.HeatFilter) store.HeatFilter { f.Channel = "phone"; return f }, "100:1 101:1", false},
			{"department", func(f store.HeatFilter) store.HeatFilter { f.DepartmentID = 2; return f }, "100:1 200:1", false},
			{"service", func(f store.HeatFilter) store.HeatFilter { f.ServiceCode = "litter"; return f }, "", false},
			{"other jurisdiction", func(f store.HeatFilter) store.HeatFilter { f.JurisdictionID++; return f }, "", false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var got string
				var more bool
				err := db.ReadTx(ctx, func(tx *store.Tx) error {
					cs, m, err := tx.HeatCells(ctx, tt.f(base))
					for i, c := range cs {
						if i > 0 {
							got += " "
						}
						got += fmt.Sprintf("%d:%d", label[c.Cell], c.Count)
					}
					more = m
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want || more != tt.more {
					t.Errorf("HeatCells = %q (more %v), want %q (more %v)", got, more, tt.want, tt.more)
				}
			})
		}

		var addrs map[int64][]store.AddressCount
		if err := db.ReadTx(ctx, func(tx *store.Tx) error {
			var err error
			addrs, err = tx.CellAddresses(ctx, base, []int64{cellOf[100], cellOf[200]})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(addrs[cellOf[100]], addrs[cellOf[200]], len(addrs))
		if want := "[{Lindenstraße 2 2} {Lindenstraße 4 1}] [{Am Wall 3 1}] 2"; got != want {
			t.Errorf("CellAddresses = %s, want %s", got, want)
		}
	})
}
