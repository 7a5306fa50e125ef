package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/casework"
)

type historyEntry struct {
	Event      *rathaus.Event
	Actor      string
	Department string // forwarded / routed: the new department
	Assignee   string // assigned: the new assignee
}

type requestPage struct {
	Request     *rathaus.Request
	Service     string
	Department  string
	Assignee    string
	Overdue     bool
	Attributes  []attrRow
	Photos      []*rathaus.Media
	History     []historyEntry
	CanWork     bool
	Assignees   []*rathaus.User
	Departments []*rathaus.Department
	Next        []rathaus.State // states Transition allows
	Resolutions []string
	ShowMap     bool
	// ErrAction names the form whose POST failed; Err is its message and
	// Form what was typed.
	ErrAction string
	Err       string
	Form      url.Values
	// Survey is the citizen's rating, comment and answers (nil: not
	// rated); the free texts reach the department here.
	Survey *requestSurvey
}

type attrRow struct {
	Code, Label, Value string
}

// Value returns what the failed form had in field name.
func (p requestPage) Value(action, name string) string {
	if p.ErrAction != action {
		return ""
	}
	return p.Form.Get(name)
}

// StaffRequest shows one request with everything staff may see and the
// action forms.
func (u *UI) StaffRequest(w http.ResponseWriter, r *http.Request) {
	u.renderRequest(w, r, http.StatusOK, "", nil, nil)
}

func (u *UI) renderRequest(w http.ResponseWriter, r *http.Request, status int, action string, actionErr error, form url.Values) {
	user, j, err := u.staffContext(r)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		u.Error(w, r, rathaus.NotFoundf("request %q", r.PathValue("id")))
		return
	}
	req, err := u.Cases.Get(r.Context(), j, id)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	if !rathaus.CanView(user, req) {
		u.Error(w, r, rathaus.Forbiddenf("no access"))
		return
	}
	names, err := u.names(r.Context(), j)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	det, err := u.Cases.Details(r.Context(), req.ID)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	p := requestPage{Request: req, Service: names.Services[req.ServiceCode], Department: names.Departments[req.DepartmentID],
		Assignee: names.Users[req.AssigneeID], Overdue: overdue(req, u.Now()), Photos: det.Media[req.ID],
		CanWork: rathaus.CanWork(user, req) == nil, Departments: names.deps, Resolutions: casework.Resolutions,
		ShowMap: req.HasLocation && u.TileURL != "" && leafletVendored(), ErrAction: action, Form: form}
	if actionErr != nil {
		p.Err = errorText(actionErr)
	}
	if p.Service == "" {
		p.Service = req.ServiceCode
	}
	var svc *rathaus.Service
	for _, s := range names.services {
		if s.Code == req.ServiceCode {
			svc = s
		}
	}
	for code, v := range req.Attributes {
		label := code
		if svc != nil {
			for _, a := range svc.Attributes {
				if a.Code == code {
					label = a.Description
				}
			}
		}
		p.Attributes = append(p.Attributes, attrRow{Code: code, Label: label, Value: v})
	}
	sortAttrRows(p.Attributes)
	for _, e := range det.Events[req.ID] {
		h := historyEntry{Event: e, Actor: names.Users[e.ActorID], Department: names.Departments[e.DepartmentID]}
		if e.Type == rathaus.EventAssigned {
			if aid, err := strconv.ParseInt(e.Body, 10, 64); err == nil {
				h.Assignee = names.Users[aid]
			}
		}
		p.History = append(p.History, h)
	}
	for _, x := range names.users {
		if !x.Disabled && x.Role != rathaus.RoleViewer && (x.DepartmentID == req.DepartmentID || x.DepartmentID == 0) {
			p.Assignees = append(p.Assignees, x)
		}
	}
	for _, s := range rathaus.States {
		if rathaus.CanTransition(req.State, s) == nil {
			p.Next = append(p.Next, s)
		}
	}
	sv, err := u.requestSurveyOf(r, req)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	p.Survey = sv
	u.Render(w, r, status, "staff_request", u.Catalog.T(Locale(r), "staff.request.title", req.Number), p)
}

func sortAttrRows(rows []attrRow) {
	for i := 1; i < len(rows); i++ {
		for k := i; k > 0 && rows[k].Code < rows[k-1].Code; k-- {
			rows[k], rows[k-1] = rows[k-1], rows[k]
		}
	}
}

// errorText is the message of a domain error for the page.
func errorText(err error) string {
	if e, ok := rathaus.AsError(err); ok {
		return e.Msg
	}
	return err.Error()
}

// maxForm bounds the body of the small action forms.
const maxForm = 64 << 10

// StaffAction handles the POST forms of the request page. Each form posts
// to /staff/requests/{id}/<action>; success redirects back with a flash,
// a validation error or conflict re-renders the page with the message next
// to the form, a missing permission shows the 403 page.
func (u *UI) StaffAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		user, j, err := u.staffContext(r)
		if err != nil {
			u.Error(w, r, err)
			return
		}
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			u.Error(w, r, rathaus.NotFoundf("request %q", r.PathValue("id")))
			return
		}
		if err := r.ParseForm(); err != nil {
			u.Error(w, r, rathaus.Invalidf("form", "the form could not be read"))
			return
		}
		f := r.PostForm
		ctx := r.Context()
		mediaID, _ := strconv.ParseInt(r.PathValue("mid"), 10, 64)
		switch action {
		case "accept":
			_, err = u.Cases.Accept(ctx, j, user, id)
		case "assign":
			var aid int64
			if s := f.Get("assignee"); s != "" {
				if aid, err = strconv.ParseInt(s, 10, 64); err != nil {
					err = rathaus.Invalidf("assignee", "Bitte wählen Sie eine Person.")
				}
			}
			if err == nil {
				_, err = u.Cases.Assign(ctx, j, user, id, aid)
			}
		case "state":
			_, err = u.Cases.Transition(ctx, j, user, id, rathaus.State(f.Get("state")))
		case "reply":
			_, err = u.Cases.Reply(ctx, j, user, id, f.Get("text"))
		case "note":
			_, err = u.Cases.Note(ctx, j, user, id, f.Get("text"))
		case "forward":
			dep, _ := strconv.ParseInt(f.Get("department"), 10, 64)
			_, err = u.Cases.Forward(ctx, j, user, id, dep, f.Get("reason"))
		case "merge":
			err = u.merge(r, user, j, id, strings.TrimSpace(f.Get("original")))
		case "close":
			_, err = u.Cases.Close(ctx, j, user, id, f.Get("resolution"), f.Get("message"))
		case "reopen":
			_, err = u.Cases.Reopen(ctx, j, user, id, f.Get("reason"))
		case "publish":
			_, err = u.Cases.SetPublic(ctx, j, user, id, f.Get("public") == "1")
		case "media_publish":
			err = u.Cases.SetMediaPublic(ctx, j, user, id, mediaID, f.Get("public") == "1")
		case "blur":
			var rect casework.Rect
			rect, err = parseRect(f)
			if err == nil {
				_, err = u.Cases.BlurMedia(ctx, j, user, id, mediaID, rect, u.Blobs)
			}
		default:
			err = rathaus.NotFoundf("action %q", action)
		}
		back := "/staff/requests/" + strconv.FormatInt(id, 10)
		switch rathaus.KindOf(err) {
		case rathaus.KindInternal:
			if err != nil {
				u.Error(w, r, err)
				return
			}
			SetFlash(w, "staff.flash."+action)
			http.Redirect(w, r, back, http.StatusSeeOther)
		case rathaus.KindInvalid, rathaus.KindTooLarge:
			u.renderRequest(w, r, http.StatusUnprocessableEntity, action, err, f)
		case rathaus.KindConflict:
			u.renderRequest(w, r, http.StatusConflict, action, err, f)
		default:
			u.Error(w, r, err)
		}
	}
}

func (u *UI) merge(r *http.Request, user *rathaus.User, j *rathaus.Jurisdiction, id int64, number string) error {
	if number == "" {
		return rathaus.Invalidf("original", "Bitte geben Sie die Nummer der ursprünglichen Meldung an.")
	}
	orig, err := u.Cases.ByNumber(r.Context(), j, number)
	if rathaus.KindOf(err) == rathaus.KindNotFound {
		return rathaus.Invalidf("original", "Eine Meldung %s gibt es nicht.", number)
	}
	if err != nil {
		return err
	}
	_, err = u.Cases.Merge(r.Context(), j, user, id, orig.ID)
	return err
}

func parseRect(f url.Values) (casework.Rect, error) {
	var vals [4]float64
	for i, k := range []string{"x", "y", "w", "h"} {
		v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(f.Get(k)), ",", "."), 64)
		if err != nil {
			return casework.Rect{}, rathaus.Invalidf(k, "Bitte geben Sie für %s eine Zahl an.", k)
		}
		vals[i] = v
	}
	return casework.Rect{X: vals[0], Y: vals[1], W: vals[2], H: vals[3], Percent: f.Get("unit") == "percent"}, nil
}
