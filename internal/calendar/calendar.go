// Package calendar knows when a town hall works: business hours and the
// public holidays of each German Bundesland and of Poland. Service level
// deadlines ("answer within 16 business hours") are computed with it.
//
// All arithmetic happens in the wall-clock time of the calendar's zone:
// a business day runs from 08:00 to 16:00 local time whether that is UTC+1
// or UTC+2, and a duration counts real elapsed time inside those windows.
package calendar

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // the zone database, for hosts and containers without /usr/share/zoneinfo
)

// Calendar is the business calendar of one state. It is immutable and safe
// for concurrent use.
type Calendar struct {
	state      string
	loc        *time.Location
	start, end time.Duration // business hours as offsets from local midnight
	holidays   func(year int) []holiday
}

// Default business hours: Monday to Friday, 08:00 to 16:00 local time.
const (
	DefaultStart = 8 * time.Hour
	DefaultEnd   = 16 * time.Hour
)

// states lists the codes in the usual German order (alphabetical by the
// German name), Poland last.
var states = []string{"BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH", "PL"}

// States returns the codes ForState accepts: the 16 German Bundesländer
// and PL for Poland.
func States() []string {
	return append([]string(nil), states...)
}

// ForState returns the calendar of a German Bundesland (two-letter code such
// as "NW", zone Europe/Berlin) or of Poland ("PL", zone Europe/Warsaw), with
// the default business hours. The code is case-insensitive.
func ForState(code string) (*Calendar, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	valid := false
	for _, s := range states {
		valid = valid || s == code
	}
	if !valid {
		return nil, fmt.Errorf("calendar: unknown state %q; valid codes are %s", code, strings.Join(states, ", "))
	}
	zone, holidays := "Europe/Berlin", func(year int) []holiday { return germanHolidays(code, year) }
	if code == "PL" {
		zone, holidays = "Europe/Warsaw", polishHolidays
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("calendar: load zone %s: %w", zone, err)
	}
	return &Calendar{state: code, loc: loc, start: DefaultStart, end: DefaultEnd, holidays: holidays}, nil
}

// CheckHours reports whether start and end, offsets from local midnight,
// make valid business hours: 0 <= start < end <= 24h. Use it on
// configuration before calling WithHours.
func CheckHours(start, end time.Duration) error {
	if start < 0 || end > 24*time.Hour || start >= end {
		return fmt.Errorf("calendar: business hours %s to %s: want 0 <= start < end <= 24h", start, end)
	}
	return nil
}

// WithHours returns a copy of c with business hours from start to end,
// offsets from local midnight (8*time.Hour + 30*time.Minute is 08:30). It
// panics if CheckHours rejects them, because hours come from validated
// configuration and a silent fallback would put every deadline off.
func (c *Calendar) WithHours(start, end time.Duration) *Calendar {
	if err := CheckHours(start, end); err != nil {
		panic(err)
	}
	cp := *c
	cp.start, cp.end = start, end
	return &cp
}

// State returns the code the calendar was made for, such as "NW" or "PL".
func (c *Calendar) State() string { return c.state }

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Hours returns the business hours as offsets from local midnight.
func (c *Calendar) Hours() (start, end time.Duration) { return c.start, c.end }

// date is a civil date in the calendar's zone.
type date struct {
	year  int
	month time.Month
	day   int
}

func dateOf(t time.Time) date {
	y, m, d := t.Date()
	return date{y, m, d}
}

// next returns the following day; time.Date normalises 32 January and the
// like, and noon UTC keeps it clear of any zone transition.
func (d date) next() date {
	return dateOf(time.Date(d.year, d.month, d.day+1, 12, 0, 0, 0, time.UTC))
}

// at returns the instant at offset off from local midnight of d, read as
// wall-clock time: time.Date normalises the nanoseconds into hours and
// minutes before it looks up the zone offset, so 16h on a DST day is 16:00
// local time, not midnight plus 16 elapsed hours.
func (d date) at(off time.Duration, loc *time.Location) time.Time {
	return time.Date(d.year, d.month, d.day, 0, 0, 0, int(off), loc)
}

// IsHoliday reports whether the date of t in the calendar's zone is a public
// holiday, and its name.
func (c *Calendar) IsHoliday(t time.Time) (name string, ok bool) {
	return c.holidayOn(dateOf(t.In(c.loc)))
}

func (c *Calendar) holidayOn(d date) (string, bool) {
	for _, h := range c.holidays(d.year) {
		if h.month == d.month && h.day == d.day {
			return h.name, true
		}
	}
	return "", false
}

// IsBusinessDay reports whether the date of t in the calendar's zone is a
// weekday (Monday to Friday) and not a public holiday.
func (c *Calendar) IsBusinessDay(t time.Time) bool {
	return c.isBusinessDay(dateOf(t.In(c.loc)))
}

func (c *Calendar) isBusinessDay(d date) bool {
	switch time.Date(d.year, d.month, d.day, 12, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	_, holiday := c.holidayOn(d)
	return !holiday
}

// AddBusinessHours returns the instant at which d of business time has
// passed since t, in the calendar's location. If t lies outside business
// hours, the clock starts at the next business moment; so a d of 0 (or
// less) returns that moment. A deadline that ends exactly at closing time
// is that closing time (16:00), not the next morning.
func (c *Calendar) AddBusinessHours(t time.Time, d time.Duration) time.Time {
	t = t.In(c.loc)
	d = max(d, 0)
	for day := dateOf(t); ; day = day.next() {
		if !c.isBusinessDay(day) {
			continue
		}
		opens, closes := day.at(c.start, c.loc), day.at(c.end, c.loc)
		cur := t
		if cur.Before(opens) {
			cur = opens
		}
		if !cur.Before(closes) {
			continue
		}
		left := closes.Sub(cur)
		if d == 0 || d <= left {
			return cur.Add(d)
		}
		d -= left
	}
}

// BusinessDuration returns the business time between from and to: the
// part of [from, to] that lies within business hours on business days. It
// is 0 if to is not after from. For d >= 0,
// BusinessDuration(t, AddBusinessHours(t, d)) == d.
func (c *Calendar) BusinessDuration(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	from, to = from.In(c.loc), to.In(c.loc)
	var total time.Duration
	for day := dateOf(from); ; day = day.next() {
		opens := day.at(c.start, c.loc)
		if !opens.Before(to) {
			return total
		}
		if !c.isBusinessDay(day) {
			continue
		}
		lo, hi := opens, day.at(c.end, c.loc)
		if from.After(lo) {
			lo = from
		}
		if to.Before(hi) {
			hi = to
		}
		if hi.After(lo) {
			total += hi.Sub(lo)
		}
	}
}
