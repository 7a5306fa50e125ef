package ui

import (
	"context"
	"strconv"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/quality"
	"github.com/rathaus/rathaus/internal/store"
)

// overdueRows bounds the overdue list of a drill-down; the inbox filter it
// links to has them all, with paging.
const overdueRows = 25

// overdueRow is one overdue request of the drill-down.
type overdueRow struct {
	ID         int64
	Number     string
	Service    string
	Department string
	Due        time.Time
	Late       string // business hours past the due time, formatted
}

// overdueList is the drill-down's list of overdue requests, most overdue
// first.
type overdueList struct {
	// AllChannels is true for a channel's drill-down: the list holds the
	// channel's requests, but the inbox cannot filter by channel, so its
	// link shows the overdue requests of every channel.
	AllChannels bool
	Rows        []overdueRow
	More        bool   // more than overdueRows are overdue
	InboxURL    string // the full inbox filter
}

// overdueList reads the open requests of the drill-down's service,
// department or channel whose resolution was due before now, from the quality facts.
func (u *UI) overdueList(ctx context.Context, j *rathaus.Jurisdiction, loc string, q QualityQuery) (overdueList, error) {
	f := InboxFilter{Dept: "all", Service: q.Service, Overdue: true, Sort: store.SortDue}
	if q.Department != 0 {
		f.Dept = strconv.FormatInt(q.Department, 10)
	}
	out := overdueList{InboxURL: f.URL(1), AllChannels: q.Channel != ""}
	now := u.Now()
	// The facts hold the requests the "overdue now" figure counts, with
	// the clock paused while a request waits for the citizen.
	overdue, more, err := quality.Overdue(ctx, u.Cases.DB(), quality.Slice{JurisdictionID: j.ID, ServiceCode: q.Service,
		DepartmentID: q.Department, Channel: q.Channel, Now: now}, overdueRows)
	if err != nil {
		return out, err
	}
	names, err := u.names(ctx, j)
	if err != nil {
		return out, err
	}
	cal, err := u.Cases.Calendar(ctx, j)
	if err != nil {
		return out, err
	}
	out.More = more
	for _, o := range overdue {
		r := o.Request
		late := cal.BusinessDuration(o.Due, now).Hours()
		row := overdueRow{ID: r.ID, Number: r.Number, Service: names.Services[r.ServiceCode], Department: names.Departments[r.DepartmentID],
			Due: o.Due, Late: decimal(loc, &late, 1, 1)}
		if row.Service == "" {
			row.Service = r.ServiceCode
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}
