package calendar

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestEaster(t *testing.T) {
	tests := []struct {
		year  int
		month time.Month
		day   int
	}{
		{2024, time.March, 31},
		{2025, time.April, 20},
		{2026, time.April, 5},
		{2027, time.March, 28},
		{2019, time.April, 21},
		{2000, time.April, 23},
		{1818, time.March, 22}, // the earliest possible date
		{2285, time.March, 22},
		{1943, time.April, 25}, // the latest possible date
		{2038, time.April, 25},
	}
	for _, tt := range tests {
		if m, d := easter(tt.year); m != tt.month || d != tt.day {
			t.Errorf("easter(%d) = %s %d, want %s %d", tt.year, m, d, tt.month, tt.day)
		}
	}
}

// list formats holidays as "MM-DD Name" lines for comparison.
func list(hs []Holiday) string {
	var b strings.Builder
	for _, h := range hs {
		fmt.Fprintf(&b, "%s %s\n", h.Date.Format("01-02"), h.Name)
	}
	return b.String()
}

func TestHolidays2026(t *testing.T) {
	// Easter Sunday 2026 is 5 April: Good Friday 3 April, Easter Monday
	// 6 April, Ascension +39 = 14 May, Whit Sunday +49 = 24 May, Whit Monday
	// +50 = 25 May, Corpus Christi +60 = 4 June. Repentance Day: 22 November
	// 2026 is a Sunday, so the Wednesday before is 18 November.
	common := func(lines ...string) string { return strings.Join(lines, "\n") + "\n" }
	tests := []struct {
		state string
		want  string
	}{
		{"NW", common("01-01 Neujahr", "04-03 Karfreitag", "04-06 Ostermontag", "05-01 Tag der Arbeit",
			"05-14 Christi Himmelfahrt", "05-25 Pfingstmontag", "06-04 Fronleichnam", "10-03 Tag der Deutschen Einheit",
			"11-01 Allerheiligen", "12-25 1. Weihnachtstag", "12-26 2. Weihnachtstag")},
		{"NI", common("01-01 Neujahr", "04-03 Karfreitag", "04-06 Ostermontag", "05-01 Tag der Arbeit",
			"05-14 Christi Himmelfahrt", "05-25 Pfingstmontag", "10-03 Tag der Deutschen Einheit",
			"10-31 Reformationstag", "12-25 1. Weihnachtstag", "12-26 2. Weihnachtstag")},
		{"BY", common("01-01 Neujahr", "01-06 Heilige Drei Könige", "04-03 Karfreitag", "04-06 Ostermontag",
			"05-01 Tag der Arbeit", "05-14 Christi Himmelfahrt", "05-25 Pfingstmontag", "06-04 Fronleichnam",
			"10-03 Tag der Deutschen Einheit", "11-01 Allerheiligen", "12-25 1. Weihnachtstag", "12-26 2. Weihnachtstag")},
		{"SL", common("01-01 Neujahr", "04-03 Karfreitag", "04-06 Ostermontag", "05-01 Tag der Arbeit",
			"05-14 Christi Himmelfahrt", "05-25 Pfingstmontag", "06-04 Fronleichnam", "08-15 Mariä Himmelfahrt",
			"10-03 Tag der Deutschen Einheit", "11-01 Allerheiligen", "12-25 1. Weihnachtstag", "12-26 2. Weihnachtstag")},
		{"SN", common("01-01 Neujahr", "04-03 Karfreitag", "04-06 Ostermontag", "05-01 Tag der Arbeit",
			"05-14 Christi Himmelfahrt", "05-25 Pfingstmontag", "10-03 Tag der Deutschen Einheit",
			"10-31 Reformationstag", "11-18 Buß- und Bettag", "12-25 1. Weihnachtstag", "12-26 2. Weihnachtstag")},
		{"BE", common("01-01 Neujahr", "03-08 Internationaler Frauentag", "04-03 Karfreitag", "04-06 Ostermontag",
			"05-01 Tag der Arbeit", "05-14 Christi Himmelfahrt", "05-25 Pfingstmontag",
			"10-03 Tag der Deutschen Einheit", "12-25 1. Weihnachtstag", "12-26 2. Weihnachtstag")},
		{"TH", common("01-01 Neujahr", "04-03 Karfreitag", "04-06 Ostermontag", "05-01 Tag der Arbeit",
			"05-14 Christi Himmelfahrt", "05-25 Pfingstmontag", "09-20 Weltkindertag", "10-03 Tag der Deutschen Einheit",
			"10-31 Reformationstag", "12-25 1. Weihnachtstag", "12-26 2. Weihnachtstag")},
		{"PL", common("01-01 Nowy Rok", "01-06 Święto Trzech Króli", "04-05 Wielkanoc", "04-06 Poniedziałek Wielkanocny",
			"05-01 Święto Pracy", "05-03 Święto Narodowe Trzeciego Maja", "05-24 Zielone Świątki", "06-04 Boże Ciało",
			"08-15 Wniebowzięcie Najświętszej Maryi Panny", "11-01 Wszystkich Świętych", "11-11 Narodowe Święto Niepodległości",
			"12-24 Wigilia Bożego Narodzenia", "12-25 Boże Narodzenie (pierwszy dzień)", "12-26 Boże Narodzenie (drugi dzień)")},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			c := mustState(t, tt.state)
			hs := c.Holidays(2026)
			if got := list(hs); got != tt.want {
				t.Errorf("Holidays(2026):\n%s\nwant:\n%s", got, tt.want)
			}
			for _, h := range hs {
				if h.Date.Location() != c.Location() || h.Date.Hour() != 0 || h.Date.Year() != 2026 {
					t.Errorf("%s: date %s is not local midnight in 2026", h.Name, h.Date)
				}
			}
		})
	}
}

func TestHolidayRulesOverTheYears(t *testing.T) {
	tests := []struct {
		state string
		date  string
		want  string // "" means no holiday
	}{
		{"NW", "2026-06-04", "Fronleichnam"},
		{"NI", "2026-06-04", ""},
		{"NI", "2026-10-31", "Reformationstag"},
		{"NW", "2026-10-31", ""},
		{"NW", "2017-10-31", "Reformationstag"}, // every state, once
		{"BY", "2017-10-31", "Reformationstag"},
		{"NW", "2018-10-31", ""},
		{"NI", "2016-10-31", ""},
		{"HB", "2018-10-31", "Reformationstag"},
		{"BB", "2016-10-31", "Reformationstag"},
		{"BE", "2018-03-08", ""},
		{"BE", "2019-03-08", "Internationaler Frauentag"},
		{"MV", "2022-03-08", ""},
		{"MV", "2023-03-08", "Internationaler Frauentag"},
		{"BE", "2020-05-08", "Tag der Befreiung"},
		{"BE", "2025-05-08", "Tag der Befreiung"},
		{"BE", "2026-05-08", ""},
		{"TH", "2018-09-20", ""},
		{"TH", "2019-09-20", "Weltkindertag"},
		{"BY", "2026-08-15", ""}, // only in Catholic municipalities, left out
		{"SL", "2026-08-15", "Mariä Himmelfahrt"},
		{"ST", "2026-01-06", "Heilige Drei Könige"},
		{"NW", "2026-01-06", ""},
		{"SN", "2025-11-19", "Buß- und Bettag"}, // 22 Nov 2025 is a Saturday
		{"SN", "2023-11-22", "Buß- und Bettag"}, // 22 Nov 2023 is itself a Wednesday
		{"SN", "2024-11-20", "Buß- und Bettag"},
		{"BY", "2024-11-20", ""},
		{"NW", "2008-05-01", "Tag der Arbeit"}, // also Ascension that year
		{"PL", "2024-12-24", ""},
		{"PL", "2025-12-24", "Wigilia Bożego Narodzenia"},
		{"PL", "2010-01-06", ""},
		{"PL", "2011-01-06", "Święto Trzech Króli"},
		{"PL", "2018-11-12", "Narodowe Święto Niepodległości (100. rocznica)"},
		{"PL", "2025-06-19", "Boże Ciało"},
		{"PL", "2025-06-08", "Zielone Świątki"},
	}
	for _, tt := range tests {
		c := mustState(t, tt.state)
		name, ok := c.IsHoliday(local(t, c, tt.date+" 12:00"))
		if name != tt.want || ok != (tt.want != "") {
			t.Errorf("%s IsHoliday(%s) = %q, %v; want %q", tt.state, tt.date, name, ok, tt.want)
		}
	}
	// Two holidays on one date are both listed.
	var may1 []string
	for _, h := range mustState(t, "NW").Holidays(2008) {
		if h.Date.Month() == time.May && h.Date.Day() == 1 {
			may1 = append(may1, h.Name)
		}
	}
	if strings.Join(may1, ",") != "Tag der Arbeit,Christi Himmelfahrt" {
		t.Errorf("1 May 2008 = %v", may1)
	}
}

func TestIsHolidayUsesTheCalendarZone(t *testing.T) {
	nw := mustState(t, "NW")
	// 23:30 UTC on 24 December is 00:30 on Christmas Day in Berlin.
	if name, ok := nw.IsHoliday(time.Date(2026, 12, 24, 23, 30, 0, 0, time.UTC)); !ok || name != "1. Weihnachtstag" {
		t.Errorf("IsHoliday(2026-12-24 23:30Z) = %q, %v; want 1. Weihnachtstag", name, ok)
	}
	if nw.IsBusinessDay(time.Date(2026, 12, 24, 23, 30, 0, 0, time.UTC)) {
		t.Error("IsBusinessDay(2026-12-24 23:30Z) = true, it is Christmas Day in Berlin")
	}
	if !nw.IsBusinessDay(time.Date(2026, 12, 24, 22, 30, 0, 0, time.UTC)) {
		t.Error("IsBusinessDay(2026-12-24 22:30Z) = false, it is 23:30 on a Thursday in Berlin")
	}
}

func TestIsBusinessDay(t *testing.T) {
	nw := mustState(t, "NW")
	tests := []struct {
		date string
		want bool
	}{
		{"2026-03-02", true},  // Monday
		{"2026-03-06", true},  // Friday
		{"2026-03-07", false}, // Saturday
		{"2026-03-08", false}, // Sunday
		{"2026-04-03", false}, // Good Friday
		{"2026-04-07", true},  // Tuesday after Easter
		{"2026-12-24", true},  // Christmas Eve is a working day in Germany
	}
	for _, tt := range tests {
		if got := nw.IsBusinessDay(local(t, nw, tt.date+" 12:00")); got != tt.want {
			t.Errorf("IsBusinessDay(%s) = %v, want %v", tt.date, got, tt.want)
		}
	}
}
