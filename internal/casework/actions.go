package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/notify"
	"github.com/rathaus/rathaus/internal/store"
)

// change is one staff (or citizen) action on a request: the function
// mutates the request and returns the events it caused; change saves the
// request, the events, the audit entry and the mails in one transaction.
type change func(tx *store.Tx, r *rathaus.Request, now time.Time) ([]*rathaus.Event, error)

// act runs fn on request id. actor nil means the citizen (through the
// status link); then no permission check applies and no audit entry is
// written, since citizens are not privileged.
func (c *Cases) act(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id int64, action string, fn change) (*rathaus.Request, error) {
	now := c.now().UTC().Truncate(time.Microsecond)
	var out *rathaus.Request
	var mailed bool
	err := c.db.WriteTx(ctx, func(tx *store.Tx) error {
		r, err := tx.RequestForUpdate(ctx, j.ID, id)
		if err != nil {
			return err
		}
		if actor != nil {
			if err := rathaus.CanWork(actor, r); err != nil {
				return err
			}
		}
		events, err := fn(tx, r, now)
		if err != nil {
			return err
		}
		r.UpdatedAt = now
		if err := tx.UpdateRequest(ctx, r); err != nil {
			return err
		}
		for _, e := range events {
			e.JurisdictionID, e.RequestID, e.At = j.ID, r.ID, now
			if actor != nil {
				e.ActorID = actor.ID
			}
			if err := tx.AppendEvent(ctx, e); err != nil {
				return err
			}
			ok, err := c.enqueueMail(ctx, tx, j, r, e)
			if err != nil {
				return err
			}
			mailed = mailed || ok
		}
		if actor != nil {
			if _, err := tx.AppendAudit(ctx, audit.Entry{At: now, JurisdictionID: j.ID, ActorID: actor.ID, ActorName: actor.Email,
				Action: "request." + action, Target: r.Number, Detail: auditDetail(map[string]any{"state": r.State})}); err != nil {
				return err
			}
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("casework: %s request %d: %w", action, id, err)
	}
	if mailed {
		c.kick()
	}
	return out, nil
}

// MailPayload is the outbox payload of a mail.
type MailPayload struct {
	Message notify.Message `json:"message"`
}

// enqueueMail writes the citizen mails an event causes, if any: a receipt
// on submission to the reporter, then on acceptance, on a public reply and
// on closure to the reporter and every confirmed subscriber. Subscribers
// get the public report page, never the reporter's private status link.
func (c *Cases) enqueueMail(ctx context.Context, tx *store.Tx, j *rathaus.Jurisdiction, r *rathaus.Request, e *rathaus.Event) (bool, error) {
	var compose func(to string, rm notify.RequestMail) notify.Message
	switch e.Type {
	case rathaus.EventSubmitted:
		compose = func(to string, rm notify.RequestMail) notify.Message { return notify.ReceivedMail(to, "de", rm) }
	case rathaus.EventAccepted:
		compose = func(to string, rm notify.RequestMail) notify.Message { return notify.AcceptedMail(to, "de", rm) }
	case rathaus.EventReplied:
		compose = func(to string, rm notify.RequestMail) notify.Message {
			rm.Reply = e.Body
			return notify.RepliedMail(to, "de", rm)
		}
	case rathaus.EventClosed:
		compose = func(to string, rm notify.RequestMail) notify.Message {
			rm.Reply, rm.Reason = e.Body, r.Resolution
			return notify.ClosedMail(to, "de", rm)
		}
	default:
		return false, nil
	}
	recipients := []string{r.Reporter.Email}
	if e.Type != rathaus.EventSubmitted {
		var err error
		if recipients, err = c.Recipients(ctx, tx, r); err != nil {
			return false, err
		}
	}
	sent := false
	for i, to := range recipients {
		if to == "" {
			continue
		}
		rm := notify.RequestMail{Jurisdiction: j.Name, Number: r.Number, ServiceName: r.ServiceCode, StatusURL: c.StatusURL(j, r)}
		key := fmt.Sprintf("mail:event:%d", e.ID)
		if e.Type == rathaus.EventClosed && c.surveyLinks != nil && strings.EqualFold(to, r.Reporter.Email) && r.DuplicateOf == 0 {
			for i, u := range c.surveyLinks(r.ID) {
				rm.Ratings = append(rm.Ratings, notify.Rating{Score: i + 1, URL: u})
			}
		}
		if !strings.EqualFold(to, r.Reporter.Email) {
			rm.StatusURL = c.PublicURL(j, r)
			key = fmt.Sprintf("mail:event:%d:%d", e.ID, i)
		}
		payload, err := json.Marshal(MailPayload{Message: compose(to, rm)})
		if err != nil {
			return false, fmt.Errorf("casework: encode mail: %w", err)
		}
		if err := tx.Enqueue(ctx, &store.OutboxItem{JurisdictionID: j.ID, Kind: "mail", DedupeKey: key, Payload: string(payload), CreatedAt: e.At}); err != nil {
			return false, err
		}
		sent = true
	}
	return sent, nil
}

// Accept takes responsibility for a new request.
func (c *Cases) Accept(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id int64) (*rathaus.Request, error) {
	return c.act(ctx, j, actor, id, "accept", func(tx *store.Tx, r *rathaus.Request, now time.Time) ([]*rathaus.Event, error) {
		if r.State != rathaus.StateNew {
			return nil, rathaus.Conflictf("request %s is %s, only new requests can be accepted", r.Number, r.State)
		}
		from := r.State
		r.State = rathaus.StateAccepted
		return []*rathaus.Event{{Type: rathaus.EventAccepted, Public: true, FromState: from, ToState: r.State}}, nil
	})
}

// Assign gives a request to a staff member of its department (0 unassigns).
func (c *Cases) Assign(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id, assigneeID int64) (*rathaus.Request, error) {
	return c.act(ctx, j, actor, id, "assign", func(tx *store.Tx, r *rathaus.Request, now time.Time) ([]*rathaus.Event, error) {
		if r.State == rathaus.StateClosed {
			return nil, rathaus.Conflictf("request %s is closed", r.Number)
		}
		if assigneeID != 0 {
			u, err := tx.UserByID(ctx, assigneeID)
			if err != nil || u.JurisdictionID != j.ID || u.Disabled {
				return nil, rathaus.Invalidf("assignee", "no active staff member %d", assigneeID)
			}
			if u.Role == rathaus.RoleViewer {
				return nil, rathaus.Invalidf("assignee", "%s has the viewer role and cannot work requests", u.Name)
			}
		}
		r.AssigneeID = assigneeID
		return []*rathaus.Event{{Type: rathaus.EventAssigned, Body: fmt.Sprint(assigneeID)}}, nil
	})
}

// Transition moves a request to another open state.
func (c *Cases) Transition(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id int64, to rathaus.State) (*rathaus.Request, error) {
	return c.act(ctx, j, actor, id, "transition", func(tx *store.Tx, r *rathaus.Request, now time.Time) ([]*rathaus.Event, error) {
		if !to.Valid() {
			return nil, rathaus.Invalidf("state", "unknown state %q", to)
		}
		if err := rathaus.CanTransition(r.State, to); err != nil {
			return nil, err
		}
		from := r.State
		r.State = to
		return []*rathaus.Event{{Type: rathaus.EventStateChanged, Public: true, FromState: from, ToState: to}}, nil
	})
}

// Reply sends a public reply; the reporter is mailed.
func (c *Cases) Reply(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id int64, text string) (*rathaus.Request, error) {
	return c.act(ctx, j, actor, id, "reply", func(tx *store.Tx, r *rathaus.Request, now time.Time) ([]*rathaus.Event, error) {
		text = strings.TrimSpace(text)
		if text == "" {
			return nil, rathaus.Invalidf("reply", "is empty")
		}
		if err := checkText("reply", text, maxDescription); err != nil {
			return nil, err
		}
		r.StatusNotes = text
		return []*rathaus.Event{{Type: rathaus.EventReplied, Public: true, Body: text}}, nil
	})
}

// Note adds an internal note, never shown to the public.
func (c *Cases) Note(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id int64, text string) (*rathaus.Request, error) {
	return c.act(ctx, j, actor, id, "note", func(tx *store.Tx, r *rathaus.Request, now time.Time) ([]*rathaus.Event, error) {
		text = strings.TrimSpace(text)
		if text == "" {
			return nil, rathaus.Invalidf("note", "is empty")
		}
		if err := checkText("note", text, maxDescription); err != nil {
			return nil, err
		}
		return []*rathaus.Event{{Type: rathaus.EventNoted, Body: text}}, nil
	})
}

// Forward hands a request to another department with a reason; it becomes
// unassigned there.
func (c *Cases) Forward(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id, departmentID int64, reason string) (*rathaus.Request, error) {
	return c.act(ctx, j, actor, id, "forward", func(tx *store.Tx, r *rathaus.Request, now time.Time) ([]*rathaus.Event, error) {
		if r.State == rathaus.StateClosed {
			return nil, rathaus.Conflictf("request %s is closed", r.Number)
		}
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return nil, rathaus.Invalidf("reason", "a forward needs a reason")
		}
		if err := checkText("reason", reason, maxShortText*5); err != nil {
			return nil, err
		}
		if departmentID == r.DepartmentID {
			return nil, rathaus.Invalidf("department", "the request is already with this department")
		}
		deps, err := tx.Departments(ctx, j.ID)
		if err != nil {
			return nil, err
		}
		found := false
		for _, d := range deps {
			found = found || d.ID == departmentID
		}
		if !found {
			return nil, rathaus.Invalidf("department", "no department %d", departmentID)
		}
		r.DepartmentID, r.AssigneeID = departmentID, 0
		return []*rathaus.Event{{Type: rathaus.EventForwarded, DepartmentID: departmentID, Body: reason}}, nil
	})
}

// Merge closes a request as a duplicate of another open one.
func (c *Cases) Merge(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id, originalID int64) (*rathaus.Request, error) {
	return c.act(ctx, j, actor, id, "merge", func(tx *store.Tx, r *rathaus.Request, now time.Time) ([]*rathaus.Event, error) {
		if id == originalID {
			return nil, rathaus.Invalidf("duplicate_of", "a request cannot duplicate itself")
		}
		if r.State == rathaus.StateClosed {
			return nil, rathaus.Conflictf("request %s is closed", r.Number)
		}
		orig, err := tx.Request(ctx, j.ID, originalID)
		if err != nil {
			return nil, rathaus.Invalidf("duplicate_of", "no request %d", originalID)
		}
		if orig.DuplicateOf != 0 {
			return nil, rathaus.Invalidf("duplicate_of", "request %s is itself a duplicate", orig.Number)
		}
		from := r.State
		r.DuplicateOf, r.State, r.ClosedAt, r.Resolution = orig.ID, rathaus.StateClosed, now, "duplicate"
		r.StatusNotes = "Doppelte Meldung, wird unter " + orig.Number + " bearbeitet."
		return []*rathaus.Event{
			{Type: rathaus.EventMerged, Body: orig.Number},
			{Type: rathaus.EventClosed, Public: true, FromState: from, ToState: rathaus.StateClosed, Body: r.StatusNotes},
		}, nil
	})
}

// Resolutions are the reasons a request may be closed with.
var Resolutions = []string{"fixed", "not_responsible", "rejected", "no_action_needed"}

// Close closes a request with a resolution and a public closing message.
func (c *Cases) Close(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id int64, resolution, message string) (*rathaus.Request, error) {
	return c.act(ctx, j, actor, id, "close", func(tx *store.Tx, r *rathaus.Request, now time.Time) ([]*rathaus.Event, error) {
		if r.State == rathaus.StateClosed {
			return nil, rathaus.Conflictf("request %s is closed already", r.Number)
		}
		ok := false
		for _, res := range Resolutions {
			ok = ok || res == resolution
		}
		if !ok {
			return nil, rathaus.Invalidf("resolution", "must be one of %s", strings.Join(Resolutions, ", "))
		}
		message = strings.TrimSpace(message)
		if err := checkText("message", message, maxDescription); err != nil {
			return nil, err
		}
		from := r.State
		r.State, r.ClosedAt, r.Resolution = rathaus.StateClosed, now, resolution
		if message != "" {
			r.StatusNotes = message
		}
		return []*rathaus.Event{{Type: rathaus.EventClosed, Public: true, FromState: from, ToState: rathaus.StateClosed, Body: message}}, nil
	})
}

// Reopen reopens a closed request with a reason. actor nil means the
// reporter, through the private status link.
func (c *Cases) Reopen(ctx context.Context, j *rathaus.Jurisdiction, actor *rathaus.User, id int64, reason string) (*rathaus.Request, error) {
	return c.act(ctx, j, actor, id, "reopen", func(tx *store.Tx, r *rathaus.Request, now time.Time) ([]*rathaus.Event, error) {
		if r.State != rathaus.StateClosed {
			return nil, rathaus.Conflictf("request %s is not closed", r.Number)
		}
		if r.DuplicateOf != 0 {
			return nil, rathaus.Conflictf("request %s was merged into another request", r.Number)
		}
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return nil, rathaus.Invalidf("reason", "please say why the problem is not solved")
		}
		if err := checkText("reason", reason, maxDescription); err != nil {
			return nil, err
		}
		r.State, r.ClosedAt, r.Resolution = rathaus.StateInProgress, time.Time{}, ""
		return []*rathaus.Event{{Type: rathaus.EventReopened, Public: true, FromState: rathaus.StateClosed, ToState: r.State, Body: reason}}, nil
	})
}
