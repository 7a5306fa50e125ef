package calendar

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func mustState(t *testing.T, code string) *Calendar {
	t.Helper()
	c, err := ForState(code)
	if err != nil {
		t.Fatalf("ForState(%q): %v", code, err)
	}
	return c
}

// local parses "2006-01-02 15:04" in the calendar's zone.
func local(t *testing.T, c *Calendar, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, c.Location())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAddBusinessHours(t *testing.T) {
	tests := []struct {
		name  string
		state string
		start string // local time of the state
		d     time.Duration
		want  string
	}{
		// The STYLE.md example.
		{"same day", "NW", "2026-03-02 09:00", 4 * time.Hour, "2026-03-02 13:00"},
		{"over the weekend", "NW", "2026-03-06 15:00", 4 * time.Hour, "2026-03-09 11:00"},
		{"over Good Friday and Easter Monday", "NW", "2026-04-02 15:00", 8 * time.Hour, "2026-04-07 15:00"},

		{"start on Saturday", "NW", "2026-03-07 10:00", 2 * time.Hour, "2026-03-09 10:00"},
		{"start at 17:00", "NW", "2026-03-02 17:00", time.Hour, "2026-03-03 09:00"},
		{"start at 07:00", "NW", "2026-03-02 07:00", time.Hour, "2026-03-02 09:00"},
		{"start at closing time", "NW", "2026-03-02 16:00", 30 * time.Minute, "2026-03-03 08:30"},
		{"ends at closing time", "NW", "2026-03-02 08:00", 8 * time.Hour, "2026-03-02 16:00"},
		{"one working week", "NW", "2026-03-02 08:00", 40 * time.Hour, "2026-03-06 16:00"},
		{"odd minutes", "NW", "2026-03-02 15:59", 90 * time.Minute, "2026-03-03 09:29"},
		{"zero on Saturday", "NW", "2026-03-07 10:00", 0, "2026-03-09 08:00"},
		{"zero in business hours", "NW", "2026-03-02 10:15", 0, "2026-03-02 10:15"},
		{"negative counts as zero", "NW", "2026-03-02 10:15", -time.Hour, "2026-03-02 10:15"},
		{"new year", "NW", "2025-12-31 15:00", 2 * time.Hour, "2026-01-02 09:00"},

		// Spring forward on Sunday 2026-03-29: Friday is UTC+1, Monday UTC+2,
		// and the deadline is still 09:00 on the Monday clock.
		{"DST starts", "NW", "2026-03-27 15:00", 2 * time.Hour, "2026-03-30 09:00"},
		// Fall back on Sunday 2026-10-25.
		{"DST ends", "NW", "2026-10-23 14:00", 3 * time.Hour, "2026-10-26 09:00"},
		{"DST starts in Poland", "PL", "2026-03-27 15:00", 2 * time.Hour, "2026-03-30 09:00"},

		// Corpus Christi, Thursday 2026-06-04: a holiday in NW, not in NI.
		{"Corpus Christi NW", "NW", "2026-06-03 12:00", 8 * time.Hour, "2026-06-05 12:00"},
		{"Corpus Christi NI", "NI", "2026-06-03 12:00", 8 * time.Hour, "2026-06-04 12:00"},
		// Reformation Day, Friday 2025-10-31: a holiday in NI, not in NW
		// (where All Saints falls on the Saturday).
		{"Reformation Day NI", "NI", "2025-10-30 12:00", 8 * time.Hour, "2025-11-03 12:00"},
		{"Reformation Day NW", "NW", "2025-10-30 12:00", 8 * time.Hour, "2025-10-31 12:00"},
		// Repentance Day, Wednesday 2026-11-18, only in Saxony.
		{"Repentance Day SN", "SN", "2026-11-17 12:00", 8 * time.Hour, "2026-11-19 12:00"},
		{"Repentance Day BY", "BY", "2026-11-17 12:00", 8 * time.Hour, "2026-11-18 12:00"},
		// Poland: 1 May is a Friday in 2026, 3 May a Sunday.
		{"Polish May holidays", "PL", "2026-04-30 12:00", 8 * time.Hour, "2026-05-04 12:00"},
		// Christmas Eve is a day off in Poland from 2025 on.
		{"Wigilia 2025", "PL", "2025-12-23 12:00", 8 * time.Hour, "2025-12-29 12:00"},
		{"no Wigilia 2024", "PL", "2024-12-23 12:00", 8 * time.Hour, "2024-12-24 12:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustState(t, tt.state)
			start, want := local(t, c, tt.start), local(t, c, tt.want)
			got := c.AddBusinessHours(start, tt.d)
			if !got.Equal(want) || got.Location() != c.Location() {
				t.Errorf("AddBusinessHours(%s, %s) = %s, want %s", tt.start, tt.d, got, want)
			}
			if tt.d > 0 {
				if back := c.BusinessDuration(start, got); back != tt.d {
					t.Errorf("BusinessDuration(%s, %s) = %s, want %s", tt.start, got, back, tt.d)
				}
			}
		})
	}
}

func TestAddBusinessHoursDSTOffsets(t *testing.T) {
	// The same check in absolute terms: a calendar that ignored the zone
	// change would be an hour off.
	nw := mustState(t, "NW")
	got := nw.AddBusinessHours(time.Date(2026, 3, 27, 14, 0, 0, 0, time.UTC), 2*time.Hour) // 15:00 CET
	if want := time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("over the spring DST change: got %s, want %s (09:00 CEST)", got.UTC(), want)
	}
	got = nw.AddBusinessHours(time.Date(2026, 10, 23, 12, 0, 0, 0, time.UTC), 3*time.Hour) // 14:00 CEST
	if want := time.Date(2026, 10, 26, 8, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("over the autumn DST change: got %s, want %s (09:00 CET)", got.UTC(), want)
	}
	// An instant given in UTC is read in the calendar's zone: 08:00Z is
	// 09:00 in Berlin.
	got = nw.AddBusinessHours(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), time.Hour)
	if want := local(t, nw, "2026-03-02 10:00"); !got.Equal(want) || got.Location() != nw.Location() {
		t.Errorf("from UTC: got %s, want %s", got, want)
	}
}

func TestBusinessDuration(t *testing.T) {
	tests := []struct {
		name     string
		state    string
		from, to string
		want     time.Duration
	}{
		{"within a day", "NW", "2026-03-02 09:00", "2026-03-02 11:30", 150 * time.Minute},
		{"over a weekend", "NW", "2026-03-06 14:00", "2026-03-09 10:00", 4 * time.Hour},
		{"over Easter", "NW", "2026-04-02 08:00", "2026-04-07 08:00", 8 * time.Hour},
		{"Easter week", "NW", "2026-03-30 00:00", "2026-04-06 00:00", 32 * time.Hour},
		{"a plain week", "NW", "2026-03-02 00:00", "2026-03-09 00:00", 40 * time.Hour},
		{"overnight", "NW", "2026-03-02 17:00", "2026-03-03 07:00", 0},
		{"weekend only", "NW", "2026-03-07 00:00", "2026-03-08 23:59", 0},
		{"reversed", "NW", "2026-03-03 10:00", "2026-03-02 10:00", 0},
		{"equal", "NW", "2026-03-02 10:00", "2026-03-02 10:00", 0},
		{"over spring DST", "NW", "2026-03-27 15:00", "2026-03-30 09:00", 2 * time.Hour},
		{"over autumn DST", "NW", "2026-10-23 14:00", "2026-10-26 09:00", 3 * time.Hour},
		{"Corpus Christi NW", "NW", "2026-06-03 00:00", "2026-06-06 00:00", 16 * time.Hour},
		{"Corpus Christi NI", "NI", "2026-06-03 00:00", "2026-06-06 00:00", 24 * time.Hour},
		// 2026 has 261 weekdays; 8 of the 11 NW holidays fall on one
		// (3 Oct and 26 Dec are Saturdays, 1 Nov a Sunday).
		{"a year in NW", "NW", "2026-01-01 00:00", "2027-01-01 00:00", (261 - 8) * 8 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustState(t, tt.state)
			if got := c.BusinessDuration(local(t, c, tt.from), local(t, c, tt.to)); got != tt.want {
				t.Errorf("BusinessDuration(%s, %s) = %s, want %s", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

// TestAddAndDurationInverse checks BusinessDuration(t, AddBusinessHours(t, d))
// == d for random starts (business-hour aligned and not) and durations, in
// every state and with other business hours.
func TestAddAndDurationInverse(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 12))
	cals := []*Calendar{mustState(t, "NW").WithHours(7*time.Hour+30*time.Minute, 15*time.Hour+45*time.Minute),
		mustState(t, "PL").WithHours(0, 24*time.Hour)}
	for _, s := range States() {
		cals = append(cals, mustState(t, s))
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 3000 {
		c := cals[rnd.IntN(len(cals))]
		start := base.Add(time.Duration(rnd.IntN(3*365*24*60)) * time.Minute)
		if rnd.IntN(2) == 0 {
			start = c.AddBusinessHours(start, 0) // aligned: a business moment
		}
		d := time.Duration(rnd.IntN(300*60)) * time.Minute
		end := c.AddBusinessHours(start, d)
		if got := c.BusinessDuration(start, end); got != d {
			t.Fatalf("%s: BusinessDuration(%s, AddBusinessHours(.., %s) = %s) = %s", c.State(), start.In(c.Location()), d, end, got)
		}
		if end.Before(start) {
			t.Fatalf("%s: AddBusinessHours(%s, %s) = %s, before the start", c.State(), start, d, end)
		}
		// The end lies within business hours (closing time included).
		lo, hi := c.Hours()
		l := end.In(c.Location())
		off := time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute + time.Duration(l.Second())*time.Second
		if hi == 24*time.Hour && off == 0 {
			off = hi // midnight closing time shows as 00:00 of the next day
			l = l.Add(-time.Minute)
		}
		if !c.IsBusinessDay(l) || off < lo || off > hi {
			t.Fatalf("%s: AddBusinessHours(%s, %s) = %s, outside business hours", c.State(), start, d, end)
		}
	}
}

func TestWithHours(t *testing.T) {
	nw := mustState(t, "NW")
	early := nw.WithHours(7*time.Hour, 15*time.Hour+30*time.Minute)
	if got, want := early.AddBusinessHours(local(t, nw, "2026-03-02 15:00"), time.Hour), local(t, nw, "2026-03-03 07:30"); !got.Equal(want) {
		t.Errorf("with 07:00-15:30: got %s, want %s", got, want)
	}
	if s, e := nw.Hours(); s != 8*time.Hour || e != 16*time.Hour {
		t.Errorf("WithHours changed the original: %s-%s", s, e)
	}
	for _, h := range [][2]time.Duration{{-time.Hour, 8 * time.Hour}, {8 * time.Hour, 8 * time.Hour}, {9 * time.Hour, 8 * time.Hour}, {0, 25 * time.Hour}} {
		if CheckHours(h[0], h[1]) == nil {
			t.Errorf("CheckHours(%s, %s) = nil", h[0], h[1])
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("WithHours(%s, %s) did not panic", h[0], h[1])
				}
			}()
			nw.WithHours(h[0], h[1])
		}()
	}
	if err := CheckHours(0, 24*time.Hour); err != nil {
		t.Errorf("CheckHours(0, 24h) = %v", err)
	}
}

func TestForState(t *testing.T) {
	if got := strings.Join(States(), " "); got != "BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH PL" {
		t.Errorf("States() = %s", got)
	}
	States()[0] = "XX" // the caller's copy
	if States()[0] != "BW" {
		t.Error("States returns the package's slice")
	}
	for _, s := range States() {
		c := mustState(t, s)
		want := "Europe/Berlin"
		if s == "PL" {
			want = "Europe/Warsaw"
		}
		if c.Location().String() != want || c.State() != s {
			t.Errorf("ForState(%s): zone %s, state %s", s, c.Location(), c.State())
		}
	}
	if c, err := ForState(" nw "); err != nil || c.State() != "NW" {
		t.Errorf("ForState(\" nw \") = %v, %v", c, err)
	}
	_, err := ForState("NRW")
	if err == nil || !strings.Contains(err.Error(), `"NRW"`) || !strings.Contains(err.Error(), "BW, BY, BE") || !strings.Contains(err.Error(), "PL") {
		t.Errorf("ForState(NRW) error = %v, want one naming the valid codes", err)
	}
}
