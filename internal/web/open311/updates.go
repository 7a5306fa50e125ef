package open311

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rathaus/rathaus"
)

// Limits of servicerequestupdates.
const (
	defaultUpdatesWindow = 24 * time.Hour
	maxUpdatesWindow     = 31 * 24 * time.Hour
	maxUpdates           = 1000
)

// updates serves mySociety's GET servicerequestupdates.{fmt}: the public
// changes in [start_date, end_date], oldest first, each with the status
// the request had after it.
func (h *handler) updates(w http.ResponseWriter, r *http.Request, format, _ string) error {
	ctx := r.Context()
	q := r.URL.Query()
	j, err := h.jurisdiction(ctx, q.Get("jurisdiction_id"))
	if err != nil {
		return err
	}
	from, err := parseDate(q, "start_date")
	if err != nil {
		return err
	}
	to, err := parseDate(q, "end_date")
	if err != nil {
		return err
	}
	switch {
	case from.IsZero() && to.IsZero():
		to = h.d.Now()
		from = to.Add(-defaultUpdatesWindow)
	case to.IsZero():
		to = h.d.Now()
	case from.IsZero():
		from = to.Add(-defaultUpdatesWindow)
	}
	if to.Before(from) {
		return rathaus.Invalidf("end_date", "is before start_date")
	}
	if to.Sub(from) > maxUpdatesWindow {
		return rathaus.Invalidf("end_date", "start_date and end_date may not span more than 31 days")
	}
	cal, err := h.d.Cases.Calendar(ctx, j)
	if err != nil {
		return err
	}
	ups, err := h.d.Cases.Updates(ctx, j, from, to.Add(time.Microsecond), maxUpdates)
	if err != nil {
		return err
	}
	// The status after an event needs the history before it: replay
	// every event of the requests concerned.
	var ids []int64
	seen := map[int64]bool{}
	for _, u := range ups {
		if !seen[u.Request.ID] {
			seen[u.Request.ID] = true
			ids = append(ids, u.Request.ID)
		}
	}
	after := map[int64]rathaus.State{} // event ID -> state after it
	if len(ids) > 0 {
		det, err := h.d.Cases.Details(ctx, ids...)
		if err != nil {
			return err
		}
		for _, evs := range det.Events {
			state := rathaus.StateNew
			for _, e := range evs {
				if e.ToState != "" {
					state = e.ToState
				}
				after[e.ID] = state
			}
		}
	}
	cat, err := h.catalogue(ctx, j)
	if err != nil {
		return err
	}
	out := updateList{Updates: make([]requestUpdate, 0, len(ups))}
	for _, u := range ups {
		if ok, err := cat.public(ctx, u.Request.ServiceCode); err != nil {
			return err
		} else if !ok {
			continue
		}
		state, ok := after[u.Event.ID]
		if !ok {
			state = u.Request.State
		}
		out.Updates = append(out.Updates, requestUpdate{
			UpdateID:           strconv.FormatInt(u.Event.ID, 10),
			ServiceRequestID:   strconv.FormatInt(u.Request.ID, 10),
			Status:             state.Open311Status(),
			UpdatedDatetime:    stamp(u.Event.At, cal.Location()),
			Description:        publicBody(u.Event),
			ExternalStatusCode: string(state),
		})
	}
	h.render(w, http.StatusOK, format, out)
	return nil
}
