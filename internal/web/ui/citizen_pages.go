package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/store"
)

// homePage is the view model of the start page.
type homePage struct {
	Latest []publicItem
}

// Home serves GET /: what the Mängelmelder is, the way to report, and the
// latest public reports.
func (u *UI) Home(w http.ResponseWriter, r *http.Request) {
	j, err := u.citizenJurisdiction(r.Context())
	if err != nil {
		u.Error(w, r, err)
		return
	}
	services, byCode, err := u.citizenServices(r.Context(), j)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	p := homePage{}
	if len(services) > 0 {
		rs, err := u.Cases.List(r.Context(), j, casework.Query{ServiceCodes: serviceCodes(services), PublicOnly: true, PublicFields: true, Limit: 5})
		if err != nil {
			u.Error(w, r, err)
			return
		}
		for _, req := range rs {
			p.Latest = append(p.Latest, newPublicItem(req, byCode))
		}
	}
	u.Render(w, r, http.StatusOK, "home", u.t(r, "citizen.home.title"), p)
}

// reportsPageSize is how many reports one page of the public list shows.
const reportsPageSize = 50

// reportsFilter is the GET form of the public list.
type reportsFilter struct {
	Service string
	Status  string // "", "open", "closed"
	Period  string // "", "7", "30", "90", "365" (days)
}

func (f reportsFilter) url(page int) string {
	v := url.Values{}
	if f.Service != "" {
		v.Set("service", f.Service)
	}
	if f.Status != "" {
		v.Set("status", f.Status)
	}
	if f.Period != "" {
		v.Set("period", f.Period)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/meldungen"
	}
	return "/meldungen?" + v.Encode()
}

// reportsPage is the view model of the public list and map.
type reportsPage struct {
	reportsFilter
	Services   []*rathaus.Service
	Periods    []string
	Items      []publicItem
	Page       int
	Prev, Next string
	Map        mapView
}

// Reports serves GET /meldungen: published reports, filtered, 50 a page,
// as a list and (with JavaScript) on a map of the same reports.
func (u *UI) Reports(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	j, err := u.citizenJurisdiction(ctx)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	services, byCode, err := u.citizenServices(ctx, j)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	qv := r.URL.Query()
	f := reportsFilter{Service: qv.Get("service"), Status: qv.Get("status"), Period: qv.Get("period")}
	q := casework.Query{ServiceCodes: serviceCodes(services), PublicOnly: true, Limit: reportsPageSize + 1}
	if f.Service != "" {
		if byCode[f.Service] == nil {
			f.Service = ""
		} else {
			q.ServiceCodes = []string{f.Service}
		}
	}
	switch f.Status {
	case "open":
		q.States = []rathaus.State{rathaus.StateNew, rathaus.StateAccepted, rathaus.StateInProgress, rathaus.StateWaiting}
	case "closed":
		q.States = []rathaus.State{rathaus.StateClosed}
	default:
		f.Status = ""
	}
	switch f.Period {
	case "7", "30", "90", "365":
		days, _ := strconv.Atoi(f.Period)
		q.From = u.Now().Add(-time.Duration(days) * 24 * time.Hour)
	default:
		f.Period = ""
	}
	page, _ := strconv.Atoi(qv.Get("page"))
	page = max(page, 1)
	q.Offset = (page - 1) * reportsPageSize
	p := reportsPage{reportsFilter: f, Services: services, Periods: []string{"7", "30", "90", "365"}, Page: page, Map: u.mapViewOf(j)}
	if len(services) > 0 {
		q.PublicFields = true
		rs, err := u.Cases.List(ctx, j, q)
		if err != nil {
			u.Error(w, r, err)
			return
		}
		if len(rs) > reportsPageSize {
			rs = rs[:reportsPageSize]
			p.Next = f.url(page + 1)
		}
		for _, req := range rs {
			p.Items = append(p.Items, newPublicItem(req, byCode))
		}
	}
	if page > 1 {
		p.Prev = f.url(page - 1)
	}
	u.Render(w, r, http.StatusOK, "reports", u.t(r, "citizen.reports.title"), p)
}

// requestView is the view model of the public report page and the private
// status page.
type requestView struct {
	*publicRequest
	Map mapView
	// Status page only:
	Private   bool
	Token     string
	CanReopen bool
	Reason    string
	Errors    []formError
	Err       map[string]string
}

// RequestPage serves GET /meldungen/{id}.
func (u *UI) RequestPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	j, err := u.citizenJurisdiction(ctx)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		u.Error(w, r, rathaus.NotFoundf("request %q not found", r.PathValue("id")))
		return
	}
	req, err := u.Cases.Get(ctx, j, id)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	u.renderRequestView(w, r, j, req, false, http.StatusOK, nil)
}

// StatusPage serves GET /s/{token}: the reporter's private status page.
func (u *UI) StatusPage(w http.ResponseWriter, r *http.Request) {
	j, err := u.citizenJurisdiction(r.Context())
	if err != nil {
		u.Error(w, r, err)
		return
	}
	req, err := u.Cases.ByToken(r.Context(), j, r.PathValue("token"))
	if err != nil {
		u.Error(w, r, err)
		return
	}
	u.renderRequestView(w, r, j, req, true, http.StatusOK, nil)
}

func (u *UI) renderRequestView(w http.ResponseWriter, r *http.Request, j *rathaus.Jurisdiction, req *rathaus.Request, private bool, status int, v *requestView) {
	_, byCode, err := u.citizenServices(r.Context(), j)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	if byCode[req.ServiceCode] == nil {
		// Staff tickets, orders and requests of withdrawn services are
		// not public.
		u.Error(w, r, rathaus.NotFoundf("request %d not found", req.ID))
		return
	}
	pr, err := u.loadPublicRequest(r.Context(), req, byCode, private)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	if v == nil {
		v = &requestView{Err: map[string]string{}}
	}
	v.publicRequest, v.Map, v.Private = pr, u.mapViewOf(j), private
	if private {
		v.Token = req.Token
		v.CanReopen = req.State == rathaus.StateClosed && req.DuplicateOf == 0
	}
	page := "request"
	if private {
		page = "status"
	}
	u.Render(w, r, status, page, u.t(r, "citizen.request.title", pr.Number), v)
}

// Reopen serves POST /s/{token}/reopen: the reporter says the problem is
// not solved.
func (u *UI) Reopen(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, citizenMaxForm)
	if err := r.ParseForm(); err != nil {
		u.Error(w, r, rathaus.TooLargef("reason", "the form is too large"))
		return
	}
	j, err := u.citizenJurisdiction(ctx)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	token := r.PathValue("token")
	req, err := u.Cases.ByToken(ctx, j, token)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	reason := r.PostForm.Get("reason")
	v := &requestView{Reason: reason, Err: map[string]string{}}
	status := http.StatusUnprocessableEntity
	switch {
	case strings.TrimSpace(reason) == "":
		v.Err["reason"] = u.t(r, "citizen.err.reason")
	default:
		_, err = u.Cases.Reopen(ctx, j, nil, req.ID, reason)
		switch e, _ := rathaus.AsError(err); {
		case err == nil:
			SetFlash(w, "citizen.flash.reopened")
			http.Redirect(w, r, "/s/"+url.PathEscape(token), http.StatusSeeOther)
			return
		case rathaus.KindOf(err) == rathaus.KindConflict:
			status = http.StatusConflict
			v.Err["reopen"] = u.t(r, "citizen.err.not_closed")
		case e != nil && e.Field == "reason":
			v.Err["reason"] = u.t(r, "citizen.err.text")
		default:
			u.Error(w, r, err)
			return
		}
	}
	for _, k := range []string{"reopen", "reason"} {
		if msg := v.Err[k]; msg != "" {
			v.Errors = append(v.Errors, formError{Href: "#reason", Msg: msg})
		}
	}
	u.renderRequestView(w, r, j, req, true, status, v)
}

// confirmPage is the view model of the e-mail confirmation page.
type confirmPage struct {
	Subscriber bool
	Again      bool
	Number     string
	RequestURL string // the public page of the report
}

// Confirm serves GET /bestaetigen/{token}: the link of a confirmation mail.
func (u *UI) Confirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	j, err := u.citizenJurisdiction(ctx)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	c, err := u.Cases.ConfirmEmail(ctx, j, r.PathValue("token"))
	if err != nil {
		if rathaus.KindOf(err) == rathaus.KindInvalid {
			u.Render(w, r, http.StatusGone, "error", u.t(r, "citizen.confirm.title"), errorPage{Key: "citizen.confirm.expired"})
			return
		}
		u.Error(w, r, err)
		return
	}
	p := confirmPage{Subscriber: c.Kind == store.ConfirmSubscriber, Again: c.Again, Number: c.Request.Number,
		RequestURL: "/meldungen/" + strconv.FormatInt(c.Request.ID, 10)}
	u.Render(w, r, http.StatusOK, "confirm", u.t(r, "citizen.confirm.title"), p)
}
