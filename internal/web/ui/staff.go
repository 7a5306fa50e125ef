package ui

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/store"
)

// inboxPageSize is how many requests one inbox page shows.
const inboxPageSize = 50

// staffNames maps IDs to display names for the staff pages.
type staffNames struct {
	Users       map[int64]string
	Departments map[int64]string
	Services    map[string]string
	deps        []*rathaus.Department
	users       []*rathaus.User
	services    []*rathaus.Service
}

func (u *UI) names(ctx context.Context, j *rathaus.Jurisdiction) (*staffNames, error) {
	n := &staffNames{Users: map[int64]string{}, Departments: map[int64]string{}, Services: map[string]string{}}
	var err error
	if n.deps, err = u.Cases.Departments(ctx, j); err != nil {
		return nil, err
	}
	if n.users, err = u.Cases.Staff(ctx, j); err != nil {
		return nil, err
	}
	if n.services, err = u.Cases.AllServices(ctx, j); err != nil {
		return nil, err
	}
	for _, d := range n.deps {
		n.Departments[d.ID] = d.Name
	}
	for _, x := range n.users {
		n.Users[x.ID] = x.Name
	}
	for _, s := range n.services {
		n.Services[s.Code] = s.Name
	}
	return n, nil
}

// staffContext returns the logged-in user and the default jurisdiction,
// refusing staff of another jurisdiction.
func (u *UI) staffContext(r *http.Request) (*rathaus.User, *rathaus.Jurisdiction, error) {
	user := auth.UserFrom(r.Context())
	if user == nil {
		return nil, nil, rathaus.Unauthorizedf("login needed")
	}
	j, err := u.jurisdiction(r.Context())
	if err != nil {
		return nil, nil, err
	}
	if user.JurisdictionID != j.ID {
		return nil, nil, rathaus.Forbiddenf("staff of another jurisdiction")
	}
	return user, j, nil
}

// InboxFilter is the inbox form as the user filled it in.
type InboxFilter struct {
	Dept    string // "" = own department, "all", or an ID
	Service string
	State   string
	Age     string // today, 7d, 30d, older
	Overdue bool
	Sort    string
	Q       string
	Page    int
}

// Query returns the filter as URL parameters with another page number.
func (f InboxFilter) Query(page int) string {
	v := url.Values{}
	for k, s := range map[string]string{"dept": f.Dept, "service": f.Service, "state": f.State, "age": f.Age, "sort": f.Sort, "q": f.Q} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Overdue {
		v.Set("overdue", "1")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v.Encode()
}

// URL is the inbox address of the filter on another page.
func (f InboxFilter) URL(page int) string { return "/staff?" + f.Query(page) }

// StateURL is the first inbox page of the filter narrowed to a state.
func (f InboxFilter) StateURL(s rathaus.State) string {
	f.State = string(s)
	return f.URL(1)
}

// OverdueURL is the first inbox page of the filter narrowed to overdue requests.
func (f InboxFilter) OverdueURL() string {
	f.Overdue = true
	return f.URL(1)
}

type inboxRow struct {
	Request    *rathaus.Request
	Service    string
	Department string
	Assignee   string
	Overdue    bool
}

type inboxCount struct {
	State rathaus.State
	N     int
}

type inboxPage struct {
	Filter      InboxFilter
	DeptName    string // empty: all departments
	Counts      []inboxCount
	Overdue     int
	Rows        []inboxRow
	More        bool
	Departments []*rathaus.Department
	Services    []*rathaus.Service
	States      []rathaus.State
	NotFound    string // a searched number that does not exist
	Prev, Next  string // addresses of the neighbour pages
}

var numberPattern = regexp.MustCompile(`^\d{4}-\d{1,9}$`)

// StaffInbox shows the requests of a department with counts, filters,
// sorting, search and paging; the form is a plain GET form.
func (u *UI) StaffInbox(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	f := InboxFilter{Dept: q.Get("dept"), Service: q.Get("service"), State: q.Get("state"), Age: q.Get("age"),
		Overdue: q.Get("overdue") == "1", Sort: q.Get("sort"), Q: strings.TrimSpace(q.Get("q"))}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	f.Page = max(f.Page, 1)
	page := inboxPage{Filter: f, States: rathaus.States}
	if numberPattern.MatchString(f.Q) {
		req, err := u.Cases.ByNumber(r.Context(), j, f.Q)
		if err == nil {
			http.Redirect(w, r, "/staff/requests/"+strconv.FormatInt(req.ID, 10), http.StatusSeeOther)
			return
		}
		if rathaus.KindOf(err) != rathaus.KindNotFound {
			u.Error(w, r, err)
			return
		}
		page.NotFound = f.Q
	}
	names, err := u.names(r.Context(), j)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	page.Departments, page.Services = names.deps, names.services
	now := u.Now()
	sf := store.InboxFilter{ServiceCode: f.Service, Sort: f.Sort, Limit: inboxPageSize, Offset: (f.Page - 1) * inboxPageSize}
	switch f.Dept {
	case "":
		if user.Role != rathaus.RoleAdmin {
			sf.DepartmentID = user.DepartmentID
		}
	case "all":
	default:
		sf.DepartmentID, _ = strconv.ParseInt(f.Dept, 10, 64)
	}
	page.DeptName = names.Departments[sf.DepartmentID]
	if s := rathaus.State(f.State); s.Valid() {
		sf.State = s
	}
	y, m, d := now.In(berlin).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, berlin)
	switch f.Age {
	case "today":
		sf.SubmittedFrom = today
	case "7d":
		sf.SubmittedFrom = now.AddDate(0, 0, -7)
	case "30d":
		sf.SubmittedFrom = now.AddDate(0, 0, -30)
	case "older":
		sf.SubmittedTo = now.AddDate(0, 0, -30)
	}
	if f.Overdue {
		sf.OverdueAt = now
	}
	if page.NotFound == "" {
		sf.Text = f.Q
	}
	inbox, err := u.Cases.Inbox(r.Context(), j, sf)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	for _, s := range rathaus.States {
		if s != rathaus.StateClosed { // not counted: see store.InboxCounts
			page.Counts = append(page.Counts, inboxCount{State: s, N: inbox.Counts.ByState[s]})
		}
	}
	page.Overdue, page.More = inbox.Counts.Overdue, inbox.More
	for _, req := range inbox.Requests {
		row := inboxRow{Request: req, Service: names.Services[req.ServiceCode], Department: names.Departments[req.DepartmentID],
			Assignee: names.Users[req.AssigneeID], Overdue: overdue(req, now)}
		if row.Service == "" {
			row.Service = req.ServiceCode
		}
		page.Rows = append(page.Rows, row)
	}
	if f.Page > 1 {
		page.Prev = f.URL(f.Page - 1)
	}
	if page.More {
		page.Next = f.URL(f.Page + 1)
	}
	u.Render(w, r, http.StatusOK, "staff_inbox", u.Catalog.T(Locale(r), "staff.inbox.title"), page)
}

func overdue(r *rathaus.Request, now time.Time) bool {
	return r.State != rathaus.StateClosed && !r.ResolutionDue.IsZero() && r.ResolutionDue.Before(now)
}

// StaffMedia serves a photo to staff, hidden ones included; it is never
// cached by shared caches.
func (u *UI) StaffMedia(w http.ResponseWriter, r *http.Request) {
	_, j, err := u.staffContext(r)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		u.Error(w, r, rathaus.NotFoundf("media %q", r.PathValue("id")))
		return
	}
	m, err := u.Cases.Photo(r.Context(), j, id, true)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	f, err := u.Blobs.Open(m.BlobKey)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", m.ContentType)
	w.Header().Set("Cache-Control", "private, no-store")
	if _, err := io.Copy(w, f); err != nil {
		u.Log.Debug("staff media: write", "route", r.Pattern, "err", err)
	}
}

// leafletVendored reports whether Leaflet was copied into static/vendor.
func leafletVendored() bool {
	_, err := fs.Stat(staticFS, "static/vendor/leaflet/leaflet.js")
	return err == nil
}
