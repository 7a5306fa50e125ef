package ui

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/audit"
	"github.com/rathaus/rathaus/internal/calendar"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/media"
	"github.com/rathaus/rathaus/internal/store"
)

// adminForm carries a failed form back to its page: which form (Target),
// the message per field and what was typed.
type adminForm struct {
	Target string
	Errors map[string]string
	Values url.Values
}

// Err returns the message of field in the failed form target.
func (f adminForm) Err(target, field string) string {
	if f.Target != target {
		return ""
	}
	return f.Errors[field]
}

// Val returns what was typed into field of the failed form target.
func (f adminForm) Val(target, field string) string {
	if f.Target != target {
		return ""
	}
	return f.Values.Get(field)
}

// Failed reports whether form target failed.
func (f adminForm) Failed(target string) bool { return f.Target == target }

// Summary lists the messages for the error summary with their field IDs.
func (f adminForm) Summary() []fieldError {
	var out []fieldError
	for field, msg := range f.Errors {
		out = append(out, fieldError{ID: f.Target + "-" + field, Msg: msg})
	}
	return out
}

type fieldError struct{ ID, Msg string }

// failed turns a user error into a form state and status; other errors
// return ok false and must go to u.Error.
func failed(target string, err error, values url.Values) (adminForm, int, bool) {
	e, ok := rathaus.AsError(err)
	if !ok {
		return adminForm{}, 0, false
	}
	status := http.StatusUnprocessableEntity
	switch e.Kind {
	case rathaus.KindInvalid, rathaus.KindTooLarge:
	case rathaus.KindConflict:
		status = http.StatusConflict
	default:
		return adminForm{}, 0, false
	}
	field := e.Field
	if field == "" {
		field = "form"
	}
	return adminForm{Target: target, Errors: map[string]string{field: e.Msg}, Values: values}, status, true
}

// adminDone finishes a successful admin POST: flash and redirect.
func adminDone(w http.ResponseWriter, r *http.Request, flash, to string) {
	SetFlash(w, "admin.flash."+flash)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (u *UI) parseAdminForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		u.Error(w, r, rathaus.TooLargef("form", "the form is too large"))
		return false
	}
	return true
}

func formInt(f url.Values, name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(f.Get(name)))
	return n
}

func formID(f url.Values, name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(f.Get(name)), 10, 64)
	return n
}

func pathID(r *http.Request) int64 {
	n, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return n
}

// --- overview ---

type adminOverview struct {
	Departments, Users, Services, Rules, Keys int
	Audit                                     []audit.Entry
}

// AdminOverview shows what the administration holds and the latest audit entries.
func (u *UI) AdminOverview(w http.ResponseWriter, r *http.Request) {
	j, names, ok := u.jurisdictionNames(w, r)
	if !ok {
		return
	}
	rules, err := u.Cases.RoutingRules(r.Context(), j)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	keys, err := u.Cases.APIKeys(r.Context(), j)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	entries, err := u.Cases.RecentAudit(r.Context(), j, 20)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	u.Render(w, r, http.StatusOK, "admin", u.Catalog.T(Locale(r), "admin.title"), adminOverview{Departments: len(names.deps),
		Users: len(names.users), Services: len(names.services), Rules: len(rules), Keys: len(keys), Audit: entries})
}

// --- departments ---

type departmentsPage struct {
	Departments []*rathaus.Department
	Form        adminForm
}

// AdminDepartments lists the departments with edit forms and a create form.
func (u *UI) AdminDepartments(w http.ResponseWriter, r *http.Request) {
	u.renderDepartments(w, r, http.StatusOK, adminForm{})
}

func (u *UI) renderDepartments(w http.ResponseWriter, r *http.Request, status int, form adminForm) {
	_, j, err := u.staffContext(r)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	deps, err := u.Cases.Departments(r.Context(), j)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	u.Render(w, r, status, "admin_departments", u.Catalog.T(Locale(r), "admin.departments"), departmentsPage{Departments: deps, Form: form})
}

// AdminSaveDepartment creates (no {id}) or updates a department.
func (u *UI) AdminSaveDepartment(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil || !u.parseAdminForm(w, r) {
		if err != nil {
			u.Error(w, r, err)
		}
		return
	}
	f := r.PostForm
	d := &rathaus.Department{ID: pathID(r), Code: f.Get("code"), Name: f.Get("name"), Email: f.Get("email")}
	target := "new"
	if d.ID != 0 {
		target = "dep" + strconv.FormatInt(d.ID, 10)
	}
	if err := u.Cases.SaveDepartment(r.Context(), j, user, d); err != nil {
		if form, status, ok := failed(target, err, f); ok {
			u.renderDepartments(w, r, status, form)
			return
		}
		u.Error(w, r, err)
		return
	}
	adminDone(w, r, "saved", "/staff/admin/departments")
}

// --- staff ---

type usersPage struct {
	Users       []*rathaus.User
	Departments []*rathaus.Department
	DeptNames   map[int64]string
	Roles       []rathaus.Role
	Form        adminForm
}

// AdminUsers lists the staff with role forms and a create form.
func (u *UI) AdminUsers(w http.ResponseWriter, r *http.Request) {
	u.renderUsers(w, r, http.StatusOK, adminForm{})
}

func (u *UI) renderUsers(w http.ResponseWriter, r *http.Request, status int, form adminForm) {
	_, names, ok := u.jurisdictionNames(w, r)
	if !ok {
		return
	}
	u.Render(w, r, status, "admin_users", u.Catalog.T(Locale(r), "admin.users"), usersPage{Users: names.users,
		Departments: names.deps, DeptNames: names.Departments, Roles: rathaus.Roles, Form: form})
}

// AdminCreateUser adds a staff member with an initial password.
func (u *UI) AdminCreateUser(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil || !u.parseAdminForm(w, r) {
		if err != nil {
			u.Error(w, r, err)
		}
		return
	}
	f := r.PostForm
	nu := &rathaus.User{Name: f.Get("name"), Email: f.Get("email"), Role: rathaus.Role(f.Get("role")), DepartmentID: formID(f, "department")}
	if err := u.Cases.CreateStaff(r.Context(), j, user, nu, f.Get("password")); err != nil {
		f.Del("password") // never echo a password back
		if form, status, ok := failed("new", err, f); ok {
			u.renderUsers(w, r, status, form)
			return
		}
		u.Error(w, r, err)
		return
	}
	adminDone(w, r, "saved", "/staff/admin/users")
}

// AdminUpdateUser changes role, department and the disabled flag.
func (u *UI) AdminUpdateUser(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil || !u.parseAdminForm(w, r) {
		if err != nil {
			u.Error(w, r, err)
		}
		return
	}
	f := r.PostForm
	id := pathID(r)
	if err := u.Cases.UpdateStaff(r.Context(), j, user, id, rathaus.Role(f.Get("role")), formID(f, "department"), f.Get("disabled") == "1"); err != nil {
		if form, status, ok := failed("user"+strconv.FormatInt(id, 10), err, f); ok {
			u.renderUsers(w, r, status, form)
			return
		}
		u.Error(w, r, err)
		return
	}
	adminDone(w, r, "saved", "/staff/admin/users")
}

// --- service catalogue ---

type servicesPage struct {
	NewService  *rathaus.Service // defaults of the create form
	Services    []*rathaus.Service
	Departments []*rathaus.Department
	DeptNames   map[int64]string
	Form        adminForm
}

// AdminServices lists the catalogue with a create form.
func (u *UI) AdminServices(w http.ResponseWriter, r *http.Request) {
	u.renderServices(w, r, http.StatusOK, adminForm{})
}

func (u *UI) renderServices(w http.ResponseWriter, r *http.Request, status int, form adminForm) {
	_, names, ok := u.jurisdictionNames(w, r)
	if !ok {
		return
	}
	u.Render(w, r, status, "admin_services", u.Catalog.T(Locale(r), "admin.services"), servicesPage{NewService: &rathaus.Service{ResponseHours: 16,
		ResolutionHours: 80, RetentionDays: 365, Active: true}, Services: names.services,
		Departments: names.deps, DeptNames: names.Departments, Form: form})
}

type servicePage struct {
	Service     *rathaus.Service
	Departments []*rathaus.Department
	Datatypes   []string
	Edit        *rathaus.Attribute // attribute prefilled in the attribute form
	Form        adminForm
}

// ValuesText renders list values as "key=Name" lines.
func (p servicePage) ValuesText(a *rathaus.Attribute) string {
	if a == nil {
		return ""
	}
	var b strings.Builder
	for _, v := range a.Values {
		b.WriteString(v.Key + "=" + v.Name + "\n")
	}
	return b.String()
}

var datatypes = []string{rathaus.TypeString, rathaus.TypeText, rathaus.TypeNumber, rathaus.TypeDatetime, rathaus.TypeSingleValueList, rathaus.TypeMultiValueList}

// AdminService shows the edit form of a service and its attributes;
// ?attr=code prefills the attribute form for editing.
func (u *UI) AdminService(w http.ResponseWriter, r *http.Request) {
	u.renderService(w, r, http.StatusOK, adminForm{})
}

func (u *UI) renderService(w http.ResponseWriter, r *http.Request, status int, form adminForm) {
	_, j, err := u.staffContext(r)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	s, err := u.Cases.ServiceByID(r.Context(), j, pathID(r))
	if err != nil {
		u.Error(w, r, err)
		return
	}
	deps, err := u.Cases.Departments(r.Context(), j)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	p := servicePage{Service: s, Departments: deps, Datatypes: datatypes, Form: form}
	if code := r.URL.Query().Get("attr"); code != "" {
		for i := range s.Attributes {
			if s.Attributes[i].Code == code {
				p.Edit = &s.Attributes[i]
			}
		}
	}
	u.Render(w, r, status, "admin_service", s.Name, p)
}

// AdminSaveService creates (no {id}) or updates a service.
func (u *UI) AdminSaveService(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil || !u.parseAdminForm(w, r) {
		if err != nil {
			u.Error(w, r, err)
		}
		return
	}
	f := r.PostForm
	s := &rathaus.Service{ID: pathID(r)}
	if s.ID != 0 {
		if s, err = u.Cases.ServiceByID(r.Context(), j, s.ID); err != nil {
			u.Error(w, r, err)
			return
		}
	}
	s.Code, s.Group, s.Name, s.Description, s.Keywords = f.Get("code"), f.Get("group"), f.Get("name"), f.Get("description"), f.Get("keywords")
	s.ResponseHours, s.ResolutionHours, s.RetentionDays = formInt(f, "response_hours"), formInt(f, "resolution_hours"), formInt(f, "retention_days")
	s.DefaultDepartment, s.Active = formID(f, "default_department"), f.Get("active") == "1"
	if err := u.Cases.SaveService(r.Context(), j, user, s); err != nil {
		if form, status, ok := failed("svc", err, f); ok {
			if pathID(r) == 0 {
				u.renderServices(w, r, status, form)
			} else {
				u.renderService(w, r, status, form)
			}
			return
		}
		u.Error(w, r, err)
		return
	}
	adminDone(w, r, "saved", "/staff/admin/services/"+strconv.FormatInt(s.ID, 10))
}

// AdminSaveAttribute adds or replaces an attribute of a service.
func (u *UI) AdminSaveAttribute(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil || !u.parseAdminForm(w, r) {
		if err != nil {
			u.Error(w, r, err)
		}
		return
	}
	f := r.PostForm
	a := rathaus.Attribute{Code: f.Get("attr_code"), Datatype: f.Get("datatype"), Required: f.Get("required") == "1",
		Description: f.Get("attr_description"), Order: formInt(f, "order")}
	vals, err := casework.ParseValues(f.Get("values"))
	if err == nil {
		a.Values = vals
		err = u.Cases.SaveAttribute(r.Context(), j, user, pathID(r), a)
	}
	if err != nil {
		if form, status, ok := failed("attr", err, f); ok {
			u.renderService(w, r, status, form)
			return
		}
		u.Error(w, r, err)
		return
	}
	adminDone(w, r, "saved", "/staff/admin/services/"+strconv.FormatInt(pathID(r), 10))
}

// AdminRemoveAttribute removes an attribute of a service.
func (u *UI) AdminRemoveAttribute(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil || !u.parseAdminForm(w, r) {
		if err != nil {
			u.Error(w, r, err)
		}
		return
	}
	if err := u.Cases.RemoveAttribute(r.Context(), j, user, pathID(r), r.PathValue("code")); err != nil {
		u.Error(w, r, err)
		return
	}
	adminDone(w, r, "removed", "/staff/admin/services/"+strconv.FormatInt(pathID(r), 10))
}

// --- routing rules ---

type routingPage struct {
	Rules       []store.RoutingRule
	Services    []*rathaus.Service
	ServiceName map[string]string
	Departments []*rathaus.Department
	DeptNames   map[int64]string
	Form        adminForm
}

// AdminRouting lists the routing rules in order with a create form.
func (u *UI) AdminRouting(w http.ResponseWriter, r *http.Request) {
	u.renderRouting(w, r, http.StatusOK, adminForm{})
}

func (u *UI) renderRouting(w http.ResponseWriter, r *http.Request, status int, form adminForm) {
	j, names, ok := u.jurisdictionNames(w, r)
	if !ok {
		return
	}
	rules, err := u.Cases.RoutingRules(r.Context(), j)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	u.Render(w, r, status, "admin_routing", u.Catalog.T(Locale(r), "admin.routing"), routingPage{Rules: rules, Services: names.services,
		ServiceName: names.Services, Departments: names.deps, DeptNames: names.Departments, Form: form})
}

// maxGeoJSONUpload bounds an uploaded .geojson area or boundary.
const maxGeoJSONUpload = 2 << 20

// parseUploadForm reads a multipart (or plain) form up to limit bytes.
func parseUploadForm(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	err := r.ParseMultipartForm(1 << 20)
	if errors.Is(err, http.ErrNotMultipart) {
		err = r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return rathaus.TooLargef("form", "Die Datei ist zu groß.")
	}
	if err != nil {
		return rathaus.Invalidf("form", "Das Formular konnte nicht gelesen werden.")
	}
	return nil
}

// fileText returns the uploaded file field name, if any, or the text field.
func fileText(r *http.Request, fileField, textField string, limit int64) (string, error) {
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File[fileField]; len(fhs) > 0 && fhs[0].Size > 0 {
			return readUpload(fhs[0], limit, textField)
		}
	}
	return r.PostForm.Get(textField), nil
}

func readUpload(fh *multipart.FileHeader, limit int64, field string) (string, error) {
	f, err := fh.Open()
	if err != nil {
		return "", rathaus.Invalidf(field, "Die Datei konnte nicht gelesen werden.")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return "", rathaus.Invalidf(field, "Die Datei konnte nicht gelesen werden.")
	}
	if int64(len(data)) > limit {
		return "", rathaus.TooLargef(field, "Die Datei ist zu groß.")
	}
	return string(data), nil
}

// AdminAddRule adds a routing rule; the area comes from the textarea or
// an uploaded .geojson file.
func (u *UI) AdminAddRule(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	if err := parseUploadForm(w, r, maxGeoJSONUpload+64<<10); err != nil {
		if form, status, ok := failed("rule", err, url.Values{}); ok {
			u.renderRouting(w, r, status, form)
			return
		}
		u.Error(w, r, err)
		return
	}
	f := r.PostForm
	area, err := fileText(r, "area_file", "area", maxGeoJSONUpload)
	if err == nil {
		f.Set("area", area)
		rule := &store.RoutingRule{Position: formInt(f, "position"), ServiceCode: f.Get("service"), DepartmentID: formID(f, "department"),
			Area: []byte(strings.TrimSpace(area))}
		err = u.Cases.AddRoutingRule(r.Context(), j, user, rule)
	}
	if err != nil {
		if form, status, ok := failed("rule", err, f); ok {
			u.renderRouting(w, r, status, form)
			return
		}
		u.Error(w, r, err)
		return
	}
	adminDone(w, r, "saved", "/staff/admin/routing")
}

// AdminDeleteRule deletes a routing rule.
func (u *UI) AdminDeleteRule(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil || !u.parseAdminForm(w, r) {
		if err != nil {
			u.Error(w, r, err)
		}
		return
	}
	if err := u.Cases.DeleteRoutingRule(r.Context(), j, user, pathID(r)); err != nil {
		u.Error(w, r, err)
		return
	}
	adminDone(w, r, "removed", "/staff/admin/routing")
}

// --- API keys ---

type apiKeysPage struct {
	Keys   []*store.APIKey
	NewKey string // shown once, right after creation
	Form   adminForm
}

// AdminAPIKeys lists the API keys with a create form.
func (u *UI) AdminAPIKeys(w http.ResponseWriter, r *http.Request) {
	u.renderAPIKeys(w, r, http.StatusOK, "", adminForm{})
}

func (u *UI) renderAPIKeys(w http.ResponseWriter, r *http.Request, status int, newKey string, form adminForm) {
	_, j, err := u.staffContext(r)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	keys, err := u.Cases.APIKeys(r.Context(), j)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	u.Render(w, r, status, "admin_apikeys", u.Catalog.T(Locale(r), "admin.apikeys"), apiKeysPage{Keys: keys, NewKey: newKey, Form: form})
}

// AdminCreateAPIKey creates a key and shows it once. This answer is not a
// redirect on purpose: the key must not travel in a URL or a cookie, and
// the page is sent with Cache-Control no-store.
func (u *UI) AdminCreateAPIKey(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil || !u.parseAdminForm(w, r) {
		if err != nil {
			u.Error(w, r, err)
		}
		return
	}
	key, _, err := u.Cases.CreateAPIKey(r.Context(), j, user, r.PostForm.Get("name"))
	if err != nil {
		if form, status, ok := failed("key", err, r.PostForm); ok {
			u.renderAPIKeys(w, r, status, "", form)
			return
		}
		u.Error(w, r, err)
		return
	}
	u.renderAPIKeys(w, r, http.StatusOK, key, adminForm{})
}

// AdminRevokeAPIKey revokes a key.
func (u *UI) AdminRevokeAPIKey(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil || !u.parseAdminForm(w, r) {
		if err != nil {
			u.Error(w, r, err)
		}
		return
	}
	if err := u.Cases.RevokeAPIKey(r.Context(), j, user, pathID(r)); err != nil {
		u.Error(w, r, err)
		return
	}
	adminDone(w, r, "revoked", "/staff/admin/apikeys")
}

// --- settings ---

type settingsPage struct {
	Name, State, BaseURL, Boundary string
	ColorPrimary, ColorSecondary   string
	HasLogo                        bool
	States                         []string
	Form                           adminForm
}

// AdminSettings shows the jurisdiction settings form.
func (u *UI) AdminSettings(w http.ResponseWriter, r *http.Request) {
	_, j, err := u.staffContext(r)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	s, err := u.Cases.Settings(r.Context(), j)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	u.Render(w, r, http.StatusOK, "admin_settings", u.Catalog.T(Locale(r), "admin.settings"), settingsPage{Name: j.Name, State: j.State,
		BaseURL: j.BaseURL, Boundary: string(j.Boundary), ColorPrimary: s.ColorPrimary, ColorSecondary: s.ColorSecondary,
		HasLogo: s.LogoKey != "", States: calendar.States()})
}

// maxLogoUpload bounds the settings form with a logo.
const maxLogoUpload = 12 << 20

// AdminSaveSettings validates and saves the settings; a logo upload goes
// through media.Process like every other image.
func (u *UI) AdminSaveSettings(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	err = parseUploadForm(w, r, maxLogoUpload)
	f := r.PostForm
	if f == nil {
		f = url.Values{}
	}
	ch := casework.SettingsChange{Name: f.Get("name"), State: f.Get("state"), BaseURL: f.Get("base_url"),
		ColorPrimary: f.Get("color_primary"), ColorSecondary: f.Get("color_secondary")}
	if err == nil {
		ch.Boundary, err = fileText(r, "boundary_file", "boundary", maxGeoJSONUpload)
		f.Set("boundary", ch.Boundary)
	}
	if err == nil && r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["logo"]; len(fhs) > 0 && fhs[0].Size > 0 {
			ch.LogoKey, err = u.storeLogo(r, fhs[0])
			ch.LogoContentType = "image/jpeg"
		}
	}
	if err == nil {
		err = u.Cases.SaveSettings(r.Context(), j, user, ch)
	}
	if err != nil {
		if form, status, ok := failed("settings", err, f); ok {
			s, _ := u.Cases.Settings(r.Context(), j)
			u.Render(w, r, status, "admin_settings", u.Catalog.T(Locale(r), "admin.settings"), settingsPage{Name: ch.Name, State: ch.State,
				BaseURL: ch.BaseURL, Boundary: ch.Boundary, ColorPrimary: ch.ColorPrimary, ColorSecondary: ch.ColorSecondary,
				HasLogo: s != nil && s.LogoKey != "", States: calendar.States(), Form: form})
			return
		}
		u.Error(w, r, err)
		return
	}
	adminDone(w, r, "saved", "/staff/admin/settings")
}

func (u *UI) storeLogo(r *http.Request, fh *multipart.FileHeader) (string, error) {
	f, err := fh.Open()
	if err != nil {
		return "", rathaus.Invalidf("logo", "Die Datei konnte nicht gelesen werden.")
	}
	defer f.Close()
	img, err := media.Process(f, u.Limits)
	if err != nil {
		if e, ok := rathaus.AsError(err); ok {
			return "", &rathaus.Error{Kind: e.Kind, Field: "logo", Msg: e.Msg}
		}
		return "", err
	}
	return u.Blobs.Put(r.Context(), img.Data)
}

// StaffLogo serves the jurisdiction's logo (the same as the public /logo,
// kept for the settings page).
func (u *UI) StaffLogo(w http.ResponseWriter, r *http.Request) {
	if _, _, err := u.staffContext(r); err != nil {
		u.Error(w, r, err)
		return
	}
	u.Logo(w, r)
}

// jurisdictionNames loads what every administration page starts with: the
// jurisdiction and the names of its staff, departments and services. On
// failure it has answered the request and reports false.
func (u *UI) jurisdictionNames(w http.ResponseWriter, r *http.Request) (*rathaus.Jurisdiction, *staffNames, bool) {
	_, j, err := u.staffContext(r)
	if err != nil {
		u.Error(w, r, err)
		return nil, nil, false
	}
	names, err := u.names(r.Context(), j)
	if err != nil {
		u.Error(w, r, err)
		return nil, nil, false
	}
	return j, names, true
}
