package quality_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/quality"
	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

// exportAll renders every indicator table the export offers, as the
// rebuild test compares them byte for byte.
func exportAll(t *testing.T, db *store.DB, jid int64, now time.Time) []byte {
	t.Helper()
	ctx := context.Background()
	var buf bytes.Buffer
	for _, period := range [][2]string{{"2026-03-23", "2026-04-30"}, {"2026-01-01", "2026-12-31"}, {"2026-04-08", "2026-04-08"}} {
		for _, by := range []string{"", "service", "department", "channel"} {
			rows, err := quality.Indicators(ctx, db, quality.Slice{JurisdictionID: jid, From: day(period[0]), To: day(period[1]), By: by, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if err := quality.WriteCSV(&buf, rows); err != nil {
				t.Fatal(err)
			}
			if err := quality.WriteJSON(&buf, rows); err != nil {
				t.Fatal(err)
			}
		}
		heat, err := quality.HeatMap(ctx, db, quality.Slice{JurisdictionID: jid, From: day(period[0]), To: day(period[1])}, quality.HeatOptions{Streets: 3})
		if err != nil {
			t.Fatal(err)
		}
		if err := json.NewEncoder(&buf).Encode(heat); err != nil {
			t.Fatal(err)
		}
		for _, iv := range []string{"day", "week", "month"} {
			pts, err := quality.Series(ctx, db, quality.Slice{JurisdictionID: jid, From: day(period[0]), To: day(period[1]), Now: now}, iv)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.NewEncoder(&buf).Encode(pts); err != nil {
				t.Fatal(err)
			}
		}
	}
	return buf.Bytes()
}

func TestRebuildEqualsIncremental(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := at("2026-05-04 12:00")
		p := quality.NewProjector(db, func() time.Time { return now }, nil)
		p.Batch = 3 // many small rounds, as a live server sees them
		tw := newTown(t, db)
		rounds := 0
		tw.after = func() {
			if _, err := p.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
			rounds++
		}
		handHistory(t, tw)
		// R3 was projected as closed on 10 April, then reopened and closed
		// on 13 April: its first closing day must leave no trace.
		incremental := exportAll(t, db, tw.j.ID, now)
		if n, err := p.CatchUp(ctx); err != nil || n != 0 {
			t.Fatalf("a second catch-up projected %d requests (%v), want 0", n, err)
		}
		if n, err := p.Rebuild(ctx); err != nil || n != 7 {
			t.Fatalf("Rebuild projected %d requests (%v), want 7", n, err)
		}
		rebuilt := exportAll(t, db, tw.j.ID, now)
		if !bytes.Equal(incremental, rebuilt) {
			t.Errorf("export after rebuild differs from the incremental one:\nincremental:\n%s\nrebuilt:\n%s", incremental, rebuilt)
		}
		if !bytes.Contains(rebuilt, []byte("pothole,Schlagloch,4,0,1.00,2.00,11.50,28.00,0.6667,0,0.3333,0.2500,0.0000,,0.5000,0.0,,3,2")) {
			t.Errorf("export lacks the hand-checked pothole row:\n%s", rebuilt)
		}
		if !bytes.Contains(rebuilt, []byte(`"Cells":[{"Cell":`)) {
			t.Errorf("export lacks heat map cells:\n%s", rebuilt)
		}
		if rounds < 8 {
			t.Errorf("only %d projector rounds ran", rounds)
		}
	})
}

func TestExportColumns(t *testing.T) {
	var buf bytes.Buffer
	v := 1.5
	rows := []quality.Row{{Key: "pothole", Label: "Schlagloch, Straße", Volume: 3, MedianResolutionHours: &v}}
	if err := quality.WriteCSV(&buf, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := "key,label,volume,backlog,median_first_response_hours,p90_first_response_hours,median_resolution_hours," +
		"p90_resolution_hours,within_sla_share,overdue_now,reopen_rate,duplicate_share,forward_rate,cost_per_case,csat," +
		"nps,backlog_median_age_hours,closed,ratings"
	if got := strings.Join(recs[0], ","); got != wantHeader {
		t.Errorf("header = %s\nwant     %s", got, wantHeader)
	}
	if got := strings.Join(recs[1], "|"); got != "pothole|Schlagloch, Straße|3|0|||1.50|||0||||||||0|0" {
		t.Errorf("row = %s", got)
	}
	buf.Reset()
	if err := quality.WriteJSON(&buf, rows); err != nil {
		t.Fatal(err)
	}
	var decoded []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &decoded); err != nil {
		t.Fatal(err)
	}
	if decoded[0]["median_resolution_hours"] != 1.5 || decoded[0]["csat"] != nil || decoded[0]["volume"] != 3.0 {
		t.Errorf("json row = %v", decoded[0])
	}
	buf.Reset()
	rows = append(rows, quality.Row{Key: `a"b`, Backlog: 2})
	if err := quality.WriteOpenMetrics(&buf, "service", rows); err != nil {
		t.Fatal(err)
	}
	om := buf.String()
	for _, want := range []string{"# TYPE rathaus_requests_backlog gauge\n", "rathaus_requests_backlog{service=\"a\\\"b\"} 2\n",
		"rathaus_requests_backlog{service=\"pothole\"} 0\n", "rathaus_resolution_median_hours{service=\"pothole\"} 1.5\n"} {
		if !strings.Contains(om, want) {
			t.Errorf("openmetrics lacks %q:\n%s", want, om)
		}
	}
	if strings.Contains(om, "rathaus_csat_ratio{") || !strings.HasSuffix(om, "# EOF\n") {
		t.Errorf("openmetrics wrote an undefined figure or lacks # EOF:\n%s", om)
	}
}

func TestImportCSV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tw := newTown(t, db)
		now := at("2026-05-04 12:00")
		defs := "code,name,unit,target,direction\nwait_counter,Wartezeit Bürgerbüro,min,15,lower_is_better\nstaff_sick,Krankenquote,%,,lower_is_better\n"
		res, err := quality.ImportCSV(ctx, db, tw.j.ID, strings.NewReader(defs), now)
		if err != nil || res.Kind != "definitions" || res.Rows != 2 {
			t.Fatalf("import definitions = %+v, %v", res, err)
		}
		bad := []struct {
			name, file   string
			line, column int
		}{
			{"unknown header", "foo,bar\n1,2\n", 1, 1},
			{"unknown indicator", "indicator;slice;period;value\nwait_counter;;2026-03;12,5\nwait_cnt;;2026-03;3\n", 3, 1},
			{"bad period", "indicator,slice,period,value\nwait_counter,,2026-03,12\nwait_counter,32,2026-13,4\n", 3, 3},
			{"impossible date", "indicator,slice,period,value\nwait_counter,,2026-02-30,12\n", 2, 3},
			{"not a number", "indicator,slice,period,value\nwait_counter,,2026-03,12\nwait_counter,32,2026-04,zwölf\n", 3, 4},
			{"duplicate", "indicator,slice,period,value\nwait_counter,,2026-03,12\nstaff_sick,,2026-03,4\nwait_counter,,2026-03,13\n", 4, 1},
			{"field count", "indicator,slice,period,value\nwait_counter,,2026-03,12\nwait_counter,,2026-04\n", 3, 1},
			{"bad direction", "code,name,unit,target,direction\nx,X,,1,up\n", 2, 5},
			{"bad quote", "indicator,slice,period,value\nwait_counter,\"a\"b,2026-03,1\n", 2, 16},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				_, err := quality.ImportCSV(ctx, db, tw.j.ID, strings.NewReader(tt.file), now)
				var ie *quality.ImportError
				if !errors.As(err, &ie) || ie.Line != tt.line || ie.Column != tt.column {
					t.Fatalf("error = %v, want line %d column %d", err, tt.line, tt.column)
				}
				if rathaus.KindOf(err) != rathaus.KindInvalid {
					t.Errorf("kind = %v, want invalid", rathaus.KindOf(err))
				}
			})
		}
		var inds []*store.ManualIndicator
		var vals []store.ManualValue
		read := func() {
			t.Helper()
			if err := db.ReadTx(ctx, func(tx *store.Tx) error {
				var err error
				if inds, err = tx.ManualIndicators(ctx, tw.j.ID); err != nil {
					return err
				}
				vals, err = tx.ManualValues(ctx, inds[1].ID)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		read()
		if len(inds) != 2 || len(vals) != 0 {
			t.Fatalf("after refused imports: %d indicators, %d values; want 2 and none (all or nothing)", len(inds), len(vals))
		}
		good := "\ufeffindicator;slice;period;value\nwait_counter;;2026-03;12,5\nwait_counter;32;2026-Q1;9\n"
		if res, err := quality.ImportCSV(ctx, db, tw.j.ID, strings.NewReader(good), now); err != nil || res.Rows != 2 {
			t.Fatalf("import values = %+v, %v", res, err)
		}
		read()
		if inds[1].Code != "wait_counter" || inds[1].Target == nil || *inds[1].Target != 15 || len(vals) != 2 ||
			vals[0].Period != "2026-03" || vals[0].Value != 12.5 || vals[1].SliceKey != "32" || vals[1].Value != 9 {
			t.Errorf("stored %+v %+v", inds[1], vals)
		}
	})
}

func TestSurveyAndAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tw := newTown(t, db)
		r := handHistory(t, tw)
		now := at("2026-05-04 12:00")
		clock := func() time.Time { return now }
		p := quality.NewProjector(db, clock, nil)
		kicked := 0
		sv, err := quality.NewSurveys(db, []byte(strings.Repeat("k", 32)), clock, func() { kicked++ })
		if err != nil {
			t.Fatal(err)
		}
		links := sv.Links("https://musterstadt.de", r[2])
		tok := sv.Token(r[2])
		if links[3] != "https://musterstadt.de/bewertung/"+tok+"?score=4" {
			t.Errorf("link 4 = %s", links[3])
		}
		if _, err := sv.Rate(ctx, tw.j.ID, tok[:len(tok)-1]+"A", 4, ""); rathaus.KindOf(err) != rathaus.KindNotFound {
			t.Errorf("forged token: %v, want not found", err)
		}
		if _, err := sv.Rate(ctx, tw.j.ID, sv.Token(r[6]), 4, ""); rathaus.KindOf(err) != rathaus.KindConflict {
			t.Errorf("rating an open request: %v, want conflict", err)
		}
		if _, err := sv.Rate(ctx, tw.j.ID, tok, 6, ""); rathaus.KindOf(err) != rathaus.KindInvalid {
			t.Errorf("score 6: %v, want invalid", err)
		}
		if _, err := sv.Rate(ctx, tw.j.ID, tok, 3, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := sv.Rate(ctx, tw.j.ID, tok, 4, "Schnell erledigt, danke!"); err != nil {
			t.Fatal(err)
		}
		if kicked != 2 {
			t.Errorf("onRated called %d times, want 2", kicked)
		}
		if _, err := p.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		rows, err := quality.Indicators(ctx, db, quality.Slice{JurisdictionID: tw.j.ID, From: day("2026-03-23"), To: day("2026-04-30"), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		// Ratings now 5, 4 (R2's latest) and 2: CSAT 2/3, NPS (1-1)/3 = 0.
		if rows[0].Ratings != 3 || !eqf(rows[0].CSAT, ptr(2.0/3)) || !eqf(rows[0].NPS, ptr(0)) {
			t.Errorf("after the survey: ratings %d, CSAT %s, NPS %s; want 3, 0.667, 0", rows[0].Ratings, fstr(rows[0].CSAT), fstr(rows[0].NPS))
		}

		// Targets, evaluated on Tuesday 12 May. Windows are aligned
		// multiples of their length counted from Monday 5 January 1970, so
		// the last complete 28-day window is 13 April to 10 May, and the
		// last complete week 4 to 10 May. Closed in the 28 days: R3 alone
		// (28 h, over its 16 h target): within SLA 0, under the target 0.9.
		targets := []*store.QualityTarget{
			{Indicator: "within_sla_share", By: "service", SliceKey: "pothole", Threshold: 0.9, Direction: quality.HigherIsBetter, WindowDays: 28, DepartmentID: tw.tiefbau.ID},
			{Indicator: "median_resolution_hours", By: "department", SliceKey: itoa(tw.tiefbau.ID), Threshold: 40, Direction: quality.LowerIsBetter, WindowDays: 28},
			{Indicator: "within_sla_share", Threshold: 0.9, Direction: quality.HigherIsBetter, WindowDays: 7},
		}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			for _, tg := range targets {
				tg.JurisdictionID, tg.CreatedAt = tw.j.ID, now
				if err := quality.CheckTarget(tg); err != nil {
					return err
				}
				if err := tx.CreateQualityTarget(ctx, tg); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		al := quality.NewAlerts(db, func() time.Time { return at("2026-05-12 12:00") }, nil)
		for round := range 2 {
			sts, err := al.Evaluate(ctx, tw.j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(sts) != 3 {
				t.Fatalf("%d statuses, want 3", len(sts))
			}
			if s := sts[0]; !s.Missed || !eqf(s.Value, ptr(0)) || s.From.Format(time.DateOnly) != "2026-04-13" ||
				s.To.Format(time.DateOnly) != "2026-05-10" || s.Recipient != "tiefbau@musterstadt.de" || s.AlertAdded != (round == 0) {
				t.Errorf("round %d: pothole SLA status = %+v value %s", round, s, fstr(s.Value))
			}
			// Tiefbau's median is R3's 28 h, under 40 h: met.
			if s := sts[1]; s.Missed || !eqf(s.Value, ptr(28)) {
				t.Errorf("tiefbau median status = %+v value %s", s, fstr(s.Value))
			}
			// Nothing closed from 4 to 10 May: nothing to judge.
			if s := sts[2]; s.Missed || s.Value != nil {
				t.Errorf("weekly status = %+v", s)
			}
		}
		var items []*store.OutboxItem
		if err := db.ReadTx(ctx, func(tx *store.Tx) error {
			items, err = tx.OutboxItems(ctx, 10)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(items) != 1 || items[0].DedupeKey != "alert:"+itoa(targets[0].ID)+":2026-04-13" || items[0].Kind != "mail" {
			t.Fatalf("outbox = %+v, want one alert mail", items)
		}
		var mp casework.MailPayload
		if err := json.Unmarshal([]byte(items[0].Payload), &mp); err != nil {
			t.Fatal(err)
		}
		if mp.Message.To != "tiefbau@musterstadt.de" || !strings.Contains(mp.Message.Text, "gemessen: 0.00") ||
			!strings.Contains(mp.Message.Subject, "Schlagloch") || mp.Message.Validate() != nil {
			t.Errorf("alert mail = %+v (%v)", mp.Message, mp.Message.Validate())
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
