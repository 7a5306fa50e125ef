package ui

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/sortition"
	"github.com/rathaus/rathaus/internal/store"
)

// The sortition pages (lead and up): /staff/sortition lists the draws,
// /staff/sortition/new uploads a pool and queues a draw, and
// /staff/sortition/{id} shows its status, figures and panel with the
// result files. A worker (internal/jobs) runs the draws; the pool is
// deleted after the draw unless it is kept on purpose.

// maxSortitionFile bounds each uploaded file: a pool of 10 000 people
// with a dozen columns is about 1 MB.
const maxSortitionFile = 8 << 20

// maxSortitionBody bounds the whole form: three files and the fields.
const maxSortitionBody = 3*maxSortitionFile + 64<<10

// sortitionFields are the form fields in page order, for the error
// summary.
var sortitionFields = []string{"title", "people", "quotas", "already_selected", "id_column", "seats", "algorithm", "seed", "form"}

// sortitionForm is the draw form as it was filled in, with a message per
// field when it failed.
type sortitionForm struct {
	Errors map[string]string
	Values url.Values
}

// Err returns the message of field.
func (f sortitionForm) Err(field string) string { return f.Errors[field] }

// Val returns what was typed into field.
func (f sortitionForm) Val(field string) string { return f.Values.Get(field) }

// Summary lists the messages in page order, linked to their fields.
func (f sortitionForm) Summary() []fieldError {
	var out []fieldError
	for _, field := range sortitionFields {
		if msg, ok := f.Errors[field]; ok {
			out = append(out, fieldError{ID: "draw-" + field, Msg: msg})
		}
	}
	return out
}

type sortitionListPage struct {
	Draws []*store.SortitionDraw
}

// SortitionList is GET /staff/sortition: the draws, newest first.
func (u *UI) SortitionList(w http.ResponseWriter, r *http.Request) {
	_, j, err := u.staffContext(r)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	draws, err := u.Draws.List(r.Context(), j.ID, 200)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	u.Render(w, r, http.StatusOK, "sortition_list", u.Catalog.T(Locale(r), "sortition.title"), sortitionListPage{Draws: draws})
}

type sortitionNewPage struct {
	Form       sortitionForm
	MaxFileMB  int
	Algorithms []string
}

// SortitionForm is GET /staff/sortition/new.
func (u *UI) SortitionForm(w http.ResponseWriter, r *http.Request) {
	u.renderSortitionForm(w, r, http.StatusOK, sortitionForm{Values: url.Values{"algorithm": {"leximin"}}})
}

func (u *UI) renderSortitionForm(w http.ResponseWriter, r *http.Request, status int, f sortitionForm) {
	u.Render(w, r, status, "sortition_new", u.Catalog.T(Locale(r), "sortition.new"),
		sortitionNewPage{Form: f, MaxFileMB: maxSortitionFile >> 20, Algorithms: []string{string(sortition.Leximin), string(sortition.Legacy)}})
}

// SortitionCreate is POST /staff/sortition: it checks the uploads by
// parsing them (so format and quota problems appear on the form, with
// line and quota) and queues the draw. A failed form stores nothing.
func (u *UI) SortitionCreate(w http.ResponseWriter, r *http.Request) {
	user, j, err := u.staffContext(r)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	loc := Locale(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxSortitionBody)
	// Everything stays in memory (maxMemory = the body limit): the pool
	// is personal data and must not land in temporary files.
	err = r.ParseMultipartForm(maxSortitionBody)
	if errors.Is(err, http.ErrNotMultipart) {
		err = r.ParseForm()
	}
	if err != nil {
		f := sortitionForm{Errors: map[string]string{"form": u.Catalog.T(loc, "sortition.err.form")}, Values: url.Values{}}
		status := http.StatusBadRequest
		if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
			f.Errors["form"] = u.Catalog.T(loc, "sortition.err.toolarge", maxSortitionFile>>20)
			status = http.StatusRequestEntityTooLarge
		}
		u.renderSortitionForm(w, r, status, f)
		return
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	vals := r.PostForm
	f := sortitionForm{Errors: map[string]string{}, Values: vals}
	in := sortition.Input{IDColumn: vals.Get("id_column"), Seed: vals.Get("seed"), KeepPool: vals.Get("keep_pool") == "1"}
	title := vals.Get("title")
	if strings.TrimSpace(title) == "" {
		f.Errors["title"] = u.Catalog.T(loc, "sortition.err.title")
	}
	seats, err := strconv.Atoi(strings.TrimSpace(vals.Get("seats")))
	if err != nil || seats <= 0 {
		f.Errors["seats"] = u.Catalog.T(loc, "sortition.err.seats")
	}
	in.Seats = seats
	alg, err := sortition.ParseAlgorithm(vals.Get("algorithm"))
	if err != nil {
		f.Errors["algorithm"] = u.Catalog.T(loc, "sortition.err.algorithm")
	}
	in.Algorithm = alg
	var files = []struct {
		field    string
		required bool
		data     *[]byte
		name     *string
	}{
		{"people", true, &in.People, &in.PeopleName},
		{"quotas", true, &in.Quotas, &in.QuotasName},
		{"already_selected", false, &in.AlreadySelected, nil},
	}
	for _, fl := range files {
		data, name, err := uploadedFile(r, fl.field)
		switch {
		case errors.Is(err, errUploadTooLarge):
			f.Errors[fl.field] = u.Catalog.T(loc, "sortition.err.toolarge", maxSortitionFile>>20)
		case err != nil:
			f.Errors[fl.field] = u.Catalog.T(loc, "sortition.err.unreadable")
		case data == nil && fl.required:
			f.Errors[fl.field] = u.Catalog.T(loc, "sortition.err."+fl.field)
		}
		*fl.data = data
		if fl.name != nil {
			*fl.name = name
		}
	}
	if len(f.Errors) == 0 {
		d, err := u.Draws.Submit(r.Context(), user, j.ID, sortition.Submission{Title: title, Input: in})
		if err == nil {
			SetFlash(w, "sortition.flash.queued")
			http.Redirect(w, r, "/staff/sortition/"+strconv.FormatInt(d.ID, 10), http.StatusSeeOther)
			return
		}
		e, ok := rathaus.AsError(err)
		if !ok || (e.Kind != rathaus.KindInvalid && e.Kind != rathaus.KindTooLarge) {
			u.Error(w, r, err)
			return
		}
		field := e.Field
		if !slices.Contains(sortitionFields, field) {
			field = "form"
		}
		f.Errors[field] = e.Msg
	}
	u.renderSortitionForm(w, r, http.StatusUnprocessableEntity, f)
}

var errUploadTooLarge = rathaus.TooLargef("", "upload too large")

// uploadedFile returns the bytes and base name of the file in field, nil
// when none was chosen.
func uploadedFile(r *http.Request, field string) ([]byte, string, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File[field]) == 0 {
		return nil, "", nil
	}
	fh := r.MultipartForm.File[field][0]
	if fh.Size == 0 && fh.Filename == "" {
		return nil, "", nil // browsers send an empty part for an empty file input
	}
	if fh.Size > maxSortitionFile {
		return nil, "", errUploadTooLarge
	}
	data, err := readAll(fh)
	if err != nil {
		return nil, "", err
	}
	if len(data) == 0 {
		return nil, "", nil
	}
	return data, filepath.Base(fh.Filename), nil
}

func readAll(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxSortitionFile+1))
}

// sortitionDrawPage is the view model of /staff/sortition/{id}.
type sortitionDrawPage struct {
	Draw           *store.SortitionDraw
	Report         *sortition.Report
	Running        bool
	CanDeletePool  bool
	MinProbability string
	Gini, GeoMean  string
	PanelHeader    []string
	Panel          [][]string
	Files          []string
	DeleteError    string
	RefreshSeconds int
}

// SortitionDraw is GET /staff/sortition/{id}. While the draw waits or
// runs, the page reloads itself (meta refresh, no script needed).
func (u *UI) SortitionDraw(w http.ResponseWriter, r *http.Request) {
	u.renderSortitionDraw(w, r, http.StatusOK, "")
}

func (u *UI) renderSortitionDraw(w http.ResponseWriter, r *http.Request, status int, deleteErr string) {
	_, j, err := u.staffContext(r)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	ctx := r.Context()
	d, err := u.Draws.Get(ctx, j.ID, pathID(r))
	if err != nil {
		u.Error(w, r, err)
		return
	}
	loc := Locale(r)
	p := sortitionDrawPage{Draw: d, Running: d.Status == store.DrawQueued || d.Status == store.DrawRunning, DeleteError: deleteErr, RefreshSeconds: 3}
	p.CanDeletePool = d.HasPool && !p.Running
	if d.Status == store.DrawDone {
		if p.Report, err = u.Draws.Report(ctx, j.ID, d.ID); err != nil {
			u.Error(w, r, err)
			return
		}
		p.MinProbability = decimal(loc, &p.Report.MinProbability, 1, 4)
		p.Gini = decimal(loc, &p.Report.Gini, 1, 4)
		p.GeoMean = decimal(loc, &p.Report.GeoMean, 1, 4)
		p.Files = p.Report.Files
		sel, err := u.Draws.File(ctx, j.ID, d.ID, sortition.SelectedCSV)
		if err != nil {
			u.Error(w, r, err)
			return
		}
		rows, err := csv.NewReader(bytes.NewReader(sel)).ReadAll()
		if err != nil {
			u.Error(w, r, err)
			return
		}
		if len(rows) > 0 {
			p.PanelHeader, p.Panel = rows[0], rows[1:]
		}
	}
	u.Render(w, r, status, "sortition_draw", d.Title, p)
}

// sortitionTypes are the content types of the result files.
var sortitionTypes = map[string]string{
	sortition.SelectedCSV: "text/csv; charset=utf-8", sortition.ProbabilitiesCSV: "text/csv; charset=utf-8",
	sortition.DistributionCSV: "text/csv; charset=utf-8", sortition.LotteryCSV: "text/csv; charset=utf-8",
	sortition.ReportText: "text/plain; charset=utf-8", sortition.ReportJSON: "application/json; charset=utf-8",
}

// SortitionFile is GET /staff/sortition/{id}/files/{name}: a result file
// as a download.
func (u *UI) SortitionFile(w http.ResponseWriter, r *http.Request) {
	_, j, err := u.staffContext(r)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	name := r.PathValue("name")
	ct, ok := sortitionTypes[name]
	if !ok {
		u.Error(w, r, rathaus.NotFoundf("no file %q", name))
		return
	}
	id := pathID(r)
	data, err := u.Draws.File(r.Context(), j.ID, id, name)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	attachment(w, ct, "auslosung-"+strconv.FormatInt(id, 10)+"-"+name)
	w.Write(data)
}

// SortitionCancel is POST /staff/sortition/{id}/cancel: stops a waiting
// or running draw.
func (u *UI) SortitionCancel(w http.ResponseWriter, r *http.Request) {
	u.sortitionAction(w, r, "cancelled", func(user *rathaus.User, j *rathaus.Jurisdiction, id int64) error {
		return u.Draws.Cancel(r.Context(), user, j.ID, id)
	})
}

// SortitionDeletePool is POST /staff/sortition/{id}/delete-pool.
func (u *UI) SortitionDeletePool(w http.ResponseWriter, r *http.Request) {
	u.sortitionAction(w, r, "pool_deleted", func(user *rathaus.User, j *rathaus.Jurisdiction, id int64) error {
		return u.Draws.DeletePool(r.Context(), user, j.ID, id)
	})
}

// SortitionDelete is POST /staff/sortition/{id}/delete: the draw with its
// results and pool, after the confirmation box was ticked.
func (u *UI) SortitionDelete(w http.ResponseWriter, r *http.Request) {
	u.sortitionAction(w, r, "deleted", func(user *rathaus.User, j *rathaus.Jurisdiction, id int64) error {
		if r.PostForm.Get("confirm") != "1" {
			return rathaus.Invalidf("confirm", "%s", u.Catalog.T(Locale(r), "sortition.err.confirm"))
		}
		return u.Draws.Delete(r.Context(), user, j.ID, id)
	})
}

func (u *UI) sortitionAction(w http.ResponseWriter, r *http.Request, flash string, act func(*rathaus.User, *rathaus.Jurisdiction, int64) error) {
	user, j, err := u.staffContext(r)
	if err != nil || !u.parseAdminForm(w, r) {
		if err != nil {
			u.Error(w, r, err)
		}
		return
	}
	id := pathID(r)
	if err := act(user, j, id); err != nil {
		if e, ok := rathaus.AsError(err); ok && (e.Kind == rathaus.KindInvalid || e.Kind == rathaus.KindConflict) {
			u.renderSortitionDraw(w, r, http.StatusUnprocessableEntity, e.Msg)
			return
		}
		u.Error(w, r, err)
		return
	}
	SetFlash(w, "sortition.flash."+flash)
	to := "/staff/sortition/" + strconv.FormatInt(id, 10)
	if flash == "deleted" {
		to = "/staff/sortition"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
