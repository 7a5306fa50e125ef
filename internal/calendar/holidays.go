package calendar

import (
	"slices"
	"time"
)

// Holiday is a public holiday: its date (midnight in the calendar's zone)
// and its name in the state's language.
type Holiday struct {
	Date time.Time
	Name string
}

// holiday is a date within a year, before it is placed in a zone.
type holiday struct {
	month time.Month
	day   int
	name  string
}

// Holidays returns the public holidays of year, sorted by date. Two
// holidays may share a date (Ascension fell on 1 May in 2008); both are
// listed.
func (c *Calendar) Holidays(year int) []Holiday {
	hs := c.holidays(year)
	out := make([]Holiday, len(hs))
	for i, h := range hs {
		out[i] = Holiday{Date: time.Date(year, h.month, h.day, 0, 0, 0, 0, c.loc), Name: h.name}
	}
	slices.SortStableFunc(out, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return out
}

// easter returns the date of Easter Sunday in the Gregorian calendar, by
// the "Anonymous Gregorian algorithm" (Meeus/Jones/Butcher), valid for every
// year from 1583.
func easter(year int) (time.Month, int) {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	n := h + l - 7*m + 114
	return time.Month(n / 31), n%31 + 1
}

// easterOffset returns the holiday days after Easter Sunday (negative:
// before).
func easterOffset(year, days int, name string) holiday {
	m, d := easter(year)
	t := time.Date(year, m, d+days, 12, 0, 0, 0, time.UTC)
	return holiday{t.Month(), t.Day(), name}
}

// in reports whether state is one of states.
func in(state string, states ...string) bool {
	for _, s := range states {
		if s == state {
			return true
		}
	}
	return false
}

// germanHolidays returns the public holidays of a Bundesland, by the state
// laws as of 2026, including the changes since 2017 so that deadlines of
// recent years come out right. Holidays that hold only in some
// municipalities of a state are left out, because a calendar per state
// cannot know the municipality: Corpus Christi in parts of Saxony and
// Thuringia, Assumption Day (15 August) in the Bavarian municipalities with
// a mainly Catholic population, the Augsburg Peace Festival. Sundays that
// some state laws name (Easter Sunday and Whit Sunday in Brandenburg) are
// left out too; they are no business days anyway.
func germanHolidays(state string, year int) []holiday {
	hs := []holiday{
		{time.January, 1, "Neujahr"},
		easterOffset(year, -2, "Karfreitag"),
		easterOffset(year, 1, "Ostermontag"),
		{time.May, 1, "Tag der Arbeit"},
		easterOffset(year, 39, "Christi Himmelfahrt"),
		easterOffset(year, 50, "Pfingstmontag"),
		{time.October, 3, "Tag der Deutschen Einheit"},
		{time.December, 25, "1. Weihnachtstag"},
		{time.December, 26, "2. Weihnachtstag"},
	}
	add := func(h holiday) { hs = append(hs, h) }
	if in(state, "BW", "BY", "ST") {
		add(holiday{time.January, 6, "Heilige Drei Könige"})
	}
	if state == "BE" && year >= 2019 || state == "MV" && year >= 2023 {
		add(holiday{time.March, 8, "Internationaler Frauentag"})
	}
	// Berlin made the 75th and 80th anniversaries of the end of the war
	// one-off holidays.
	if state == "BE" && (year == 2020 || year == 2025) {
		add(holiday{time.May, 8, "Tag der Befreiung"})
	}
	if in(state, "BW", "BY", "HE", "NW", "RP", "SL") {
		add(easterOffset(year, 60, "Fronleichnam"))
	}
	if state == "SL" {
		add(holiday{time.August, 15, "Mariä Himmelfahrt"})
	}
	if state == "TH" && year >= 2019 {
		add(holiday{time.September, 20, "Weltkindertag"})
	}
	// Reformation Day: in the eastern states since 1990, in the northern
	// ones since 2018, and in every state once for the 500th anniversary.
	if in(state, "BB", "MV", "SN", "ST", "TH") ||
		in(state, "HB", "HH", "NI", "SH") && year >= 2018 || year == 2017 {
		add(holiday{time.October, 31, "Reformationstag"})
	}
	if in(state, "BW", "BY", "NW", "RP", "SL") {
		add(holiday{time.November, 1, "Allerheiligen"})
	}
	if state == "SN" {
		add(repentanceDay(year))
	}
	return hs
}

// repentanceDay returns Buß- und Bettag, the last Wednesday before
// 23 November (16 to 22 November).
func repentanceDay(year int) holiday {
	t := time.Date(year, time.November, 22, 12, 0, 0, 0, time.UTC)
	for t.Weekday() != time.Wednesday {
		t = t.AddDate(0, 0, -1)
	}
	return holiday{time.November, t.Day(), "Buß- und Bettag"}
}

// polishHolidays returns the statutory days off in Poland (ustawa o dniach
// wolnych od pracy). The employer's duty to grant another day off for a
// holiday on a Saturday is a matter of working time, not a holiday, so it is
// not modelled.
func polishHolidays(year int) []holiday {
	hs := []holiday{
		{time.January, 1, "Nowy Rok"},
		easterOffset(year, 0, "Wielkanoc"),
		easterOffset(year, 1, "Poniedziałek Wielkanocny"),
		{time.May, 1, "Święto Pracy"},
		{time.May, 3, "Święto Narodowe Trzeciego Maja"},
		easterOffset(year, 49, "Zielone Świątki"),
		easterOffset(year, 60, "Boże Ciało"),
		{time.August, 15, "Wniebowzięcie Najświętszej Maryi Panny"},
		{time.November, 1, "Wszystkich Świętych"},
		{time.November, 11, "Narodowe Święto Niepodległości"},
		{time.December, 25, "Boże Narodzenie (pierwszy dzień)"},
		{time.December, 26, "Boże Narodzenie (drugi dzień)"},
	}
	if year >= 2011 {
		hs = append(hs, holiday{time.January, 6, "Święto Trzech Króli"})
	}
	if year == 2018 { // once, for the centenary of independence
		hs = append(hs, holiday{time.November, 12, "Narodowe Święto Niepodległości (100. rocznica)"})
	}
	if year >= 2025 {
		hs = append(hs, holiday{time.December, 24, "Wigilia Bożego Narodzenia"})
	}
	return hs
}
