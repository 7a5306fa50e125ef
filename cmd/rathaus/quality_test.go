package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/store"
)

// TestQualityCommands runs export, import and rebuild on requests that
// went through casework, as an operator would.
func TestQualityCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "q.db")
	db, err := openStore(ctx, dsn, newLogger("text", &bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, berlin) // a Monday
	clock := func() time.Time { return now }
	j := &rathaus.Jurisdiction{Slug: "musterstadt", Name: "Musterstadt", State: "NI"}
	lead := &rathaus.User{Email: "lead@musterstadt.de", Name: "Lea Lead", Role: rathaus.RoleAdmin}
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateJurisdiction(ctx, j, now); err != nil {
			return err
		}
		d := &rathaus.Department{JurisdictionID: j.ID, Code: "66", Name: "Tiefbau"}
		if err := tx.CreateDepartment(ctx, d); err != nil {
			return err
		}
		lead.JurisdictionID, lead.DepartmentID = j.ID, d.ID
		if err := tx.CreateUser(ctx, lead); err != nil {
			return err
		}
		return tx.CreateService(ctx, &rathaus.Service{JurisdictionID: j.ID, Code: "pothole", Name: "Schlagloch", Kind: rathaus.KindReport,
			Audience: "public", ResolutionHours: 16, DefaultDepartment: d.ID, Active: true, RetentionDays: 365})
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := casework.New(db, clock, casework.Config{})
	var ids []int64
	for _, ch := range []rathaus.Channel{rathaus.ChannelWeb, rathaus.ChannelWeb, rathaus.ChannelPhone} {
		r, err := cases.Submit(ctx, j, casework.Submission{ServiceCode: "pothole", Address: "Markt 1", Description: "Loch", Channel: ch})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	// Closed after 2, 4 and (the next day) 10 business hours.
	for i, d := range []time.Duration{2 * time.Hour, 2 * time.Hour, 22 * time.Hour} {
		now = now.Add(d)
		if _, err := cases.Close(ctx, j, lead, ids[i], "fixed", "Erledigt."); err != nil {
			t.Fatal(err)
		}
	}
	getenv := func(k string) string {
		if k == "RATHAUS_DB" {
			return dsn
		}
		return ""
	}
	var out, errs bytes.Buffer
	if err := runQuality(ctx, []string{"export", "--from", "2026-03-01", "--to", "2026-03-31", "--by", "channel"}, getenv, &out, &errs); err != nil {
		t.Fatalf("export: %v\n%s", err, errs.String())
	}
	recs, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// phone: one request, 10 business hours (Mon 9:00 to Tue 11:00: 7 + 3).
	// web: 2 and 4 hours, median 3, nearest-rank p90 4. The closing by
	// staff is also the first response.
	want := [][]string{
		{"phone", "Telefon", "1", "0", "10.00", "10.00", "10.00", "10.00", "1.0000"},
		{"web", "Web-Formular", "2", "0", "3.00", "4.00", "3.00", "4.00", "1.0000"},
	}
	if len(recs) != 3 || recs[0][0] != "key" {
		t.Fatalf("export:\n%s", out.String())
	}
	for i, w := range want {
		if got := recs[i+1][:len(w)]; strings.Join(got, "|") != strings.Join(w, "|") {
			t.Errorf("row %d = %v, want %v", i, got, w)
		}
	}
	first := out.String()

	out.Reset()
	if err := runQuality(ctx, []string{"rebuild"}, getenv, &out, &errs); err != nil || !strings.Contains(out.String(), "rebuilt the facts of 3 requests") {
		t.Fatalf("rebuild: %v %q", err, out.String())
	}
	out.Reset()
	if err := runQuality(ctx, []string{"export", "--from", "2026-03-01", "--to", "2026-03-31", "--by", "channel", "--catch-up=false"}, getenv, &out, &errs); err != nil {
		t.Fatal(err)
	}
	if out.String() != first {
		t.Errorf("export after rebuild differs:\n%s\nwant\n%s", out.String(), first)
	}
	out.Reset()
	if err := runQuality(ctx, []string{"export", "--from", "2026-03-01", "--to", "2026-03-31", "--by", "service", "--format", "openmetrics"}, getenv, &out, &errs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `rathaus_requests_submitted{service="pothole"} 3`) {
		t.Errorf("openmetrics:\n%s", out.String())
	}

	defs := filepath.Join(dir, "defs.csv")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(defs, []byte("code,name,unit,target,direction\nwait,Wartezeit,min,15,lower_is_better\n"), 0o600)
	os.WriteFile(bad, []byte("indicator,slice,period,value\nwait,,2026-03,12\nwait,,2026-03-xx,4\n"), 0o600)
	out.Reset()
	if err := runQuality(ctx, []string{"import", "--file", defs}, getenv, &out, &errs); err != nil || out.String() != "imported 1 definitions from "+defs+"\n" {
		t.Fatalf("import: %v %q", err, out.String())
	}
	err = runQuality(ctx, []string{"import", "--file", bad}, getenv, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "line 3, column 3") || !strings.Contains(err.Error(), "nothing was imported") {
		t.Errorf("bad import: %v", err)
	}
	if err := runQuality(ctx, []string{"export", "--from", "2026-03-31", "--to", "2026-03-01"}, getenv, &out, &errs); err == nil {
		t.Error("export with --to before --from succeeded")
	}
}
