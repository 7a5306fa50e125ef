// Package quality measures the public services that run through rathaus:
// indicators derived from every request's event history (volume, backlog,
// response and resolution times in business hours, SLA compliance, reopen,
// duplicate and forward rates, channel mix, cost per case), citizen
// surveys (CSAT, NPS), manual indicators, targets with alert mails, and
// exports (CSV, JSON, OpenMetrics).
//
// Everything measured is derived from events: Derive turns one request's
// history into its facts, the Projector keeps a request_facts table and a
// daily rollup up to date from new events, and Indicators reads them.
// Rebuild recomputes both from the events and must give the same figures.
package quality

import (
	"strconv"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/calendar"
	"github.com/rathaus/rathaus/internal/store"
)

// Day returns the local date of t in the calendar's zone as YYYYMMDD, the
// form days take in request_facts and quality_daily.
func Day(cal *calendar.Calendar, t time.Time) int {
	y, m, d := t.In(cal.Location()).Date()
	return y*10000 + int(m)*100 + d
}

// isResponse reports whether e is the first sign of life the citizen sees
// from staff: acceptance or a reply (only staff can do either), or a state
// change or closure done by a staff member (ActorID set). A closure by the
// system is not a response.
func isResponse(e *rathaus.Event) bool {
	switch e.Type {
	case rathaus.EventAccepted, rathaus.EventReplied:
		return true
	case rathaus.EventStateChanged, rathaus.EventClosed:
		return e.ActorID != 0
	}
	return false
}

// Derive computes the facts of one request from its events (in ID order),
// its service's SLA and its jurisdiction's calendar. It is a pure function:
// the projector and a rebuild call it the same way, so they agree.
//
// The SLA clock counts business time (calendar.BusinessDuration) while the
// request is open and not waiting for the citizen; it stops while the
// request waits and while it is closed, and starts again on reopening.
// First response and resolution times are read off that clock, so a wait
// never counts against the department.
func Derive(src store.FactSource, events []*rathaus.Event, svc *rathaus.Service, cal *calendar.Calendar) *store.RequestFact {
	f := &store.RequestFact{
		RequestID: src.ID, JurisdictionID: src.JurisdictionID, ServiceCode: src.ServiceCode,
		DepartmentID: src.DepartmentID, Channel: src.Channel, SubmittedAt: src.SubmittedAt,
		FirstResponseSecs: -1, ResolutionSecs: -1, Open: true,
	}
	if svc != nil && svc.ResolutionHours > 0 {
		f.SLASecs = int64(svc.ResolutionHours) * 3600
	}
	for _, e := range events {
		if e.Type == rathaus.EventSubmitted {
			f.SubmittedAt = e.At
			break
		}
	}
	state := rathaus.StateNew
	var active time.Duration // business time on the clock so far
	since := f.SubmittedAt   // the clock runs since then; zero while stopped
	for _, e := range events {
		if !since.IsZero() && e.At.After(since) {
			active += cal.BusinessDuration(since, e.At)
			since = e.At
		}
		if f.FirstResponseSecs < 0 && isResponse(e) {
			f.FirstResponseSecs = int64(active / time.Second)
		}
		switch e.Type {
		case rathaus.EventRouted, rathaus.EventForwarded:
			if e.DepartmentID != 0 {
				f.DepartmentID = e.DepartmentID
			}
			f.Forwarded = f.Forwarded || e.Type == rathaus.EventForwarded
		case rathaus.EventMerged:
			f.Duplicate = true
		case rathaus.EventReopened:
			f.Reopened = true
		case rathaus.EventRated:
			if n, err := strconv.Atoi(e.Body); err == nil && n >= 1 && n <= 5 {
				f.Rating = n
			}
		}
		if e.ToState != "" {
			state = e.ToState
		}
		if state == rathaus.StateClosed && e.Type == rathaus.EventClosed {
			f.ClosedAt = e.At
			f.ResolutionSecs = int64(active / time.Second)
		}
		if state == rathaus.StateWaiting || state == rathaus.StateClosed {
			since = time.Time{}
		} else if since.IsZero() {
			since = e.At
		}
		f.LastEventID = e.ID
	}
	f.SubmittedDay = Day(cal, f.SubmittedAt)
	f.Open = state != rathaus.StateClosed
	f.Waiting = state == rathaus.StateWaiting
	if f.Open {
		f.ClosedAt, f.ResolutionSecs = time.Time{}, -1
		if f.SLASecs > 0 && !since.IsZero() {
			left := max(time.Duration(f.SLASecs)*time.Second-active, 0)
			f.DueAt = cal.AddBusinessHours(since, left).UTC()
		}
	} else {
		f.ClosedDay = Day(cal, f.ClosedAt)
		f.WithinSLA = f.SLASecs > 0 && f.ResolutionSecs <= f.SLASecs
	}
	return f
}
