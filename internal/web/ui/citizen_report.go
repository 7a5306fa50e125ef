package ui

import (
	"errors"
	"fmt"
	"math"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/geo"
	"github.com/rathaus/rathaus/internal/media"
)

// serviceGroup is one fieldset of the category list.
type serviceGroup struct {
	Name     string
	Services []*rathaus.Service
}

// citizenOption is one choice of a list question.
type citizenOption struct {
	Key, Name, ID string
	Checked       bool
}

// citizenAttr is one of the category's own questions, ready to render.
type citizenAttr struct {
	Code, Datatype, Description string
	Required, Variable          bool
	Name                        string // form field name: attribute[CODE]
	ID                          string // id of the input, or of the first option
	ErrID                       string // id of the error text
	DescribedBy                 string // ids for aria-describedby: hint and error
	Value                       string
	Options                     []citizenOption
	Select                      bool // a single choice with many options is a select
	Err                         string
}

// formError is one entry of the error summary.
type formError struct {
	Href, Msg string
}

// reportPage is the view model of the report form (both steps).
type reportPage struct {
	Q       string
	Groups  []serviceGroup
	NoMatch bool

	Service                                *rathaus.Service
	Attrs                                  []citizenAttr
	Lat, Long, Address, Description, Email string
	Errors                                 []formError
	Err                                    map[string]string // by field: location, address_string, description, media, email
	Checked                                bool              // the nearby check ran
	Nearby                                 []publicItem
	PhotosLost                             bool // photos were sent but must be chosen again
	Map                                    mapView
	MaxPhotos                              int
}

// ReportForm serves GET /melden: the category list, or with ?service= the
// report form of that category.
func (u *UI) ReportForm(w http.ResponseWriter, r *http.Request) {
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
	if code := r.URL.Query().Get("service"); code != "" {
		s := byCode[code]
		if s == nil {
			u.Error(w, r, rathaus.NotFoundf("service %q not found", code))
			return
		}
		p := &reportPage{Service: s, Err: map[string]string{}, Map: u.mapViewOf(j), MaxPhotos: citizenMaxPhotos}
		p.Attrs = citizenAttrs(s, nil, nil)
		u.Render(w, r, http.StatusOK, "report", u.t(r, "citizen.report.title_service", s.Name), p)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p := &reportPage{Q: q, Groups: groupServices(filterServices(services, q))}
	p.NoMatch = q != "" && len(p.Groups) == 0
	if p.NoMatch {
		p.Groups = groupServices(services)
	}
	u.Render(w, r, http.StatusOK, "report", u.t(r, "citizen.report.title"), p)
}

// filterServices keeps the services whose name, group, description or
// keywords contain every word of q, ignoring case.
func filterServices(ss []*rathaus.Service, q string) []*rathaus.Service {
	words := strings.Fields(strings.ToLower(q))
	if len(words) == 0 {
		return ss
	}
	var out []*rathaus.Service
	for _, s := range ss {
		hay := strings.ToLower(s.Name + " " + s.Group + " " + s.Description + " " + s.Keywords + " " + s.Code)
		all := true
		for _, w := range words {
			all = all && strings.Contains(hay, w)
		}
		if all {
			out = append(out, s)
		}
	}
	return out
}

// groupServices groups services by their group, in catalogue order.
func groupServices(ss []*rathaus.Service) []serviceGroup {
	var out []serviceGroup
	idx := map[string]int{}
	for _, s := range ss {
		i, ok := idx[s.Group]
		if !ok {
			i = len(out)
			idx[s.Group] = i
			out = append(out, serviceGroup{Name: s.Group})
		}
		out[i].Services = append(out[i].Services, s)
	}
	return out
}

// citizenAttrs prepares the questions of s with the given answers and
// errors (by field name attribute[CODE]).
func citizenAttrs(s *rathaus.Service, form url.Values, errs map[string]string) []citizenAttr {
	attrs := slices.Clone(s.Attributes)
	slices.SortStableFunc(attrs, func(a, b rathaus.Attribute) int { return a.Order - b.Order })
	out := make([]citizenAttr, 0, len(attrs))
	for _, a := range attrs {
		name := "attribute[" + a.Code + "]"
		ca := citizenAttr{Code: a.Code, Datatype: a.Datatype, Description: a.Description, Required: a.Required && a.Variable,
			Variable: a.Variable, Name: name, ID: "attr-" + a.Code, ErrID: "attr-" + a.Code + "-err", Value: form.Get(name), Err: errs[name]}
		if ca.Description == "" {
			ca.Description = a.Code
		}
		var described []string
		if a.Datatype == rathaus.TypeDatetime {
			described = append(described, ca.ID+"-hint")
		}
		if ca.Err != "" {
			described = append(described, ca.ErrID)
		}
		ca.DescribedBy = strings.Join(described, " ")
		switch a.Datatype {
		case rathaus.TypeSingleValueList, rathaus.TypeMultiValueList:
			chosen := map[string]bool{}
			for _, v := range form[name] {
				chosen[v] = true
			}
			ca.Select = a.Datatype == rathaus.TypeSingleValueList && len(a.Values) > 5
			for i, v := range a.Values {
				label := v.Name
				if label == "" {
					label = v.Key
				}
				ca.Options = append(ca.Options, citizenOption{Key: v.Key, Name: label, ID: fmt.Sprintf("attr-%s-%d", a.Code, i), Checked: chosen[v.Key]})
			}
			if !ca.Select && len(ca.Options) > 0 {
				ca.ID = ca.Options[0].ID
			}
		}
		out = append(out, ca)
	}
	return out
}

// ReportPost serves POST /melden: action=check lists open reports of the
// same category nearby, subscribe=ID follows one of them instead of filing
// a duplicate, anything else submits the report.
func (u *UI) ReportPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	j, err := u.citizenJurisdiction(ctx)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	_, byCode, err := u.citizenServices(ctx, j)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, citizenMaxUpload)
	err = r.ParseMultipartForm(1 << 20)
	if errors.Is(err, http.ErrNotMultipart) {
		err = r.ParseForm()
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	form := r.PostForm
	code := form.Get("service")
	if code == "" {
		code = r.URL.Query().Get("service") // the form's action carries it for bodies too large to read
	}
	s := byCode[code]
	if s == nil {
		u.Error(w, r, rathaus.NotFoundf("service %q not found", code))
		return
	}
	p := &reportPage{Service: s, Err: map[string]string{}, Map: u.mapViewOf(j), MaxPhotos: citizenMaxPhotos}
	title := u.t(r, "citizen.report.title_service", s.Name)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || errors.Is(err, multipart.ErrMessageTooLarge) {
			p.Attrs = citizenAttrs(s, nil, nil)
			p.addError("media", "media", u.t(r, "citizen.err.toolarge", citizenMaxUpload>>20))
			u.Render(w, r, http.StatusRequestEntityTooLarge, "report", title, p)
			return
		}
		u.Error(w, r, rathaus.Invalidf("body", "cannot read the form"))
		return
	}
	var files []*multipart.FileHeader
	if r.MultipartForm != nil {
		files = r.MultipartForm.File["media"]
	}
	p.Lat, p.Long = strings.TrimSpace(form.Get("lat")), strings.TrimSpace(form.Get("long"))
	p.Address, p.Description, p.Email = form.Get("address_string"), form.Get("description"), strings.TrimSpace(form.Get("email"))
	attrErrs := map[string]string{}
	sub := casework.Submission{ServiceCode: s.Code, Address: p.Address, Description: p.Description, Channel: rathaus.ChannelWeb}

	// The position: both coordinates or none.
	lat, lon, hasPos, posErr := parsePosition(p.Lat, p.Long)
	if posErr {
		p.addError("location", "location", u.t(r, "citizen.err.coords"))
	}
	sub.HasLocation, sub.Lat, sub.Lon = hasPos, lat, lon
	redisplay := func(status int) {
		p.Attrs = citizenAttrs(s, form, attrErrs)
		p.PhotosLost = len(files) > 0
		if hasPos && !posErr {
			p.Checked = true
			if p.Nearby, err = u.nearby(ctx, j, s, lat, lon, byCode); err != nil {
				u.Error(w, r, err)
				return
			}
		}
		u.Render(w, r, status, "report", title, p)
	}

	if id := form.Get("subscribe"); id != "" {
		rid, _ := strconv.ParseInt(id, 10, 64)
		sn, err := u.Cases.Subscribe(ctx, j, rid, p.Email)
		if err != nil {
			switch e, _ := rathaus.AsError(err); {
			case e != nil && e.Field == "email" && p.Email == "":
				p.addError("email", "email", u.t(r, "citizen.err.email_subscribe"))
			case e != nil && e.Field == "email":
				p.addError("email", "email", u.t(r, "citizen.err.email"))
			case rathaus.KindOf(err) == rathaus.KindConflict:
				p.addError("nearby", "nearby", u.t(r, "citizen.err.closed"))
			default:
				u.Error(w, r, err)
				return
			}
			redisplay(http.StatusUnprocessableEntity)
			return
		}
		flash := "citizen.flash.subscribe_pending"
		if sn.Confirmed {
			flash = "citizen.flash.subscribed"
		}
		SetFlash(w, flash)
		http.Redirect(w, r, fmt.Sprintf("/meldungen/%d", sn.Request.ID), http.StatusSeeOther)
		return
	}
	if form.Get("action") == "check" {
		if !hasPos && !posErr {
			p.addError("location", "location", u.t(r, "citizen.err.check_needs_position"))
			redisplay(http.StatusUnprocessableEntity)
			return
		}
		if posErr {
			redisplay(http.StatusUnprocessableEntity)
			return
		}
		redisplay(http.StatusOK)
		return
	}

	// Everything the form can check itself is checked at once, so the
	// citizen sees all problems together; casework checks again.
	if !hasPos && !posErr && strings.TrimSpace(p.Address) == "" {
		p.addError("location", "location", u.t(r, "citizen.err.location"))
	}
	sub.Attributes = map[string][]string{}
	for _, a := range s.Attributes {
		if !a.Variable {
			continue
		}
		name := "attribute[" + a.Code + "]"
		vals := nonBlank(form[name])
		if msg := u.checkAnswer(r, a, vals); msg != "" {
			attrErrs[name] = msg
			p.Errors = append(p.Errors, formError{Href: "#" + attrAnchor(a), Msg: a.Description + ": " + msg})
			continue
		}
		if a.Datatype == rathaus.TypeDatetime && len(vals) == 1 {
			vals = []string{localToRFC3339(vals[0])}
		}
		if len(vals) > 0 {
			sub.Attributes[a.Code] = vals
		}
	}
	if p.Email != "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email {
			p.addError("email", "email", u.t(r, "citizen.err.email"))
		}
	}
	if len(files) > citizenMaxPhotos {
		p.addError("media", "media", u.t(r, "citizen.err.photos", citizenMaxPhotos))
	}
	if len(p.Errors) > 0 {
		redisplay(http.StatusUnprocessableEntity)
		return
	}
	for _, fh := range files {
		ph, err := u.citizenPhoto(r, fh)
		if err != nil {
			if e, ok := rathaus.AsError(err); ok {
				p.addError("media", "media", fh.Filename+": "+e.Msg)
				redisplay(http.StatusUnprocessableEntity)
				return
			}
			u.Error(w, r, err)
			return
		}
		sub.Photos = append(sub.Photos, ph)
	}
	req, err := u.Cases.SubmitWeb(ctx, j, sub, p.Email)
	if err != nil {
		e, ok := rathaus.AsError(err)
		if !ok || rathaus.KindOf(err) != rathaus.KindInvalid {
			u.Error(w, r, err)
			return
		}
		switch {
		case e.Field == "lat" || e.Field == "long":
			key := "citizen.err.location"
			if hasPos {
				key = "citizen.err.outside"
			}
			p.addError("location", "location", u.t(r, key))
		case e.Field == "address_string" || e.Field == "description":
			p.addError(e.Field, e.Field, u.t(r, "citizen.err.text"))
		case e.Field == "email":
			p.addError("email", "email", u.t(r, "citizen.err.email"))
		case e.Field == "media":
			p.addError("media", "media", e.Msg)
		case strings.HasPrefix(e.Field, "attribute["):
			code := strings.TrimSuffix(strings.TrimPrefix(e.Field, "attribute["), "]")
			anchor := "attr-" + code
			for _, a := range s.Attributes {
				if a.Code == code {
					anchor = attrAnchor(a)
				}
			}
			attrErrs[e.Field] = u.t(r, "citizen.err.answer")
			p.Errors = append(p.Errors, formError{Href: "#" + anchor, Msg: u.t(r, "citizen.err.answer")})
		default:
			u.Error(w, r, err)
			return
		}
		redisplay(http.StatusUnprocessableEntity)
		return
	}
	target := "/melden/danke/" + url.PathEscape(req.Token)
	if p.Email != "" {
		target += "?mail=1"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// addError records an error of a field (key) and its summary entry, which
// links to the element with id anchor.
func (p *reportPage) addError(key, anchor, msg string) {
	if _, dup := p.Err[key]; dup {
		return
	}
	p.Err[key] = msg
	p.Errors = append(p.Errors, formError{Href: "#" + anchor, Msg: msg})
}

func attrAnchor(a rathaus.Attribute) string {
	if (a.Datatype == rathaus.TypeMultiValueList || (a.Datatype == rathaus.TypeSingleValueList && len(a.Values) <= 5)) && len(a.Values) > 0 {
		return "attr-" + a.Code + "-0"
	}
	return "attr-" + a.Code
}

func nonBlank(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parsePosition reads the coordinate inputs: none given is fine (the
// address path), one or a bad number is an error.
func parsePosition(latS, lonS string) (lat, lon float64, ok, bad bool) {
	if latS == "" && lonS == "" {
		return 0, 0, false, false
	}
	var err1, err2 error
	lat, err1 = strconv.ParseFloat(strings.ReplaceAll(latS, ",", "."), 64)
	lon, err2 = strconv.ParseFloat(strings.ReplaceAll(lonS, ",", "."), 64)
	if err1 != nil || err2 != nil || math.IsNaN(lat+lon) || !geo.ValidLatLon(lat, lon) {
		return 0, 0, false, true
	}
	return lat, lon, true, false
}

// checkAnswer returns the message for a bad answer to a, or "".
func (u *UI) checkAnswer(r *http.Request, a rathaus.Attribute, vals []string) string {
	if len(vals) == 0 {
		if a.Required {
			return u.t(r, "citizen.err.required")
		}
		return ""
	}
	if a.Datatype != rathaus.TypeMultiValueList && len(vals) > 1 {
		return u.t(r, "citizen.err.answer")
	}
	for _, v := range vals {
		switch a.Datatype {
		case rathaus.TypeNumber:
			if f, err := strconv.ParseFloat(v, 64); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return u.t(r, "citizen.err.number")
			}
		case rathaus.TypeDatetime:
			if localToRFC3339(v) == "" {
				return u.t(r, "citizen.err.datetime")
			}
		case rathaus.TypeSingleValueList, rathaus.TypeMultiValueList:
			found := false
			for _, o := range a.Values {
				found = found || o.Key == v
			}
			if !found {
				return u.t(r, "citizen.err.choice")
			}
		}
	}
	return ""
}

// localToRFC3339 turns the value of a datetime-local input (local time of
// the town hall) into RFC 3339, as casework stores it; "" if unreadable.
func localToRFC3339(v string) string {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, v, berlin); err == nil {
			return t.Format(time.RFC3339)
		}
	}
	return ""
}

// citizenPhoto re-encodes one upload and stores it, as Open311 does.
func (u *UI) citizenPhoto(r *http.Request, fh *multipart.FileHeader) (casework.Photo, error) {
	f, err := fh.Open()
	if err != nil {
		return casework.Photo{}, fmt.Errorf("ui: open upload: %w", err)
	}
	defer f.Close()
	select {
	case photoSlots <- struct{}{}:
	case <-r.Context().Done():
		return casework.Photo{}, r.Context().Err()
	}
	img, err := media.Process(f, u.Limits)
	<-photoSlots
	if err != nil {
		return casework.Photo{}, err
	}
	key, err := u.Blobs.Put(r.Context(), img.Data)
	if err != nil {
		return casework.Photo{}, err
	}
	return casework.Photo{BlobKey: key, ContentType: img.ContentType, Width: img.Width, Height: img.Height}, nil
}

// reportDonePage is the view model of the thanks page.
type reportDonePage struct {
	Number    string
	StatusURL string
	MailSent  bool
}

// ReportDone serves GET /melden/danke/{token}: the number and the private
// status link of a new report.
func (u *UI) ReportDone(w http.ResponseWriter, r *http.Request) {
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
	p := reportDonePage{Number: req.Number, StatusURL: u.Cases.StatusURL(j, req), MailSent: r.URL.Query().Get("mail") == "1"}
	u.Render(w, r, http.StatusOK, "report_done", u.t(r, "citizen.done.title"), p)
}
