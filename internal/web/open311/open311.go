// Package open311 serves the Mängelmelder as an Open311 GeoReport v2
// endpoint (http://wiki.open311.org/GeoReport_v2) in XML and JSON, with
// mySociety's servicerequestupdates feed and rathaus' extensions: paging
// (page, page_size), spatial queries (lat/long/radius, bbox) and
// extended_attributes (extensions=true).
//
// The handler serves paths relative to /open311/v2; the outer web handler
// mounts it with http.StripPrefix and applies rate limits. Every answer is
// rendered into a buffer first, so a failure half-way never leaves a
// truncated document on the wire.
package open311

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/media"
)

// Deps is what the handler needs.
type Deps struct {
	Cases   *casework.Cases
	Auth    *auth.Authenticator
	Blobs   *media.BlobStore
	Limits  media.Limits
	Log     *slog.Logger
	BaseURL string // public base URL, e.g. "http://127.0.0.1:8080"; media URLs are BaseURL+"/media/{id}"
	Now     func() time.Time
	// DefaultJurisdiction is the slug used when a call has no jurisdiction_id.
	DefaultJurisdiction string
}

// Changeset is the date of the last change of this API's behaviour, as
// discovery reports it.
const Changeset = "2026-03-01T00:00:00Z"

// MaxBody bounds a POST body as a whole: eight photos of a phone camera
// after client-side scaling plus the form fields.
const MaxBody = 12 << 20

// maxMemory is how much of a multipart body is kept in memory; file parts
// beyond it go to temporary files.
const maxMemory = 1 << 20

type handler struct {
	d Deps
	// photos bounds how many uploads are decoded at the same time: a
	// decoded photo may take tens of megabytes (see package media).
	photos chan struct{}
	// rows holds encoded entries of request lists (see rowcache.go).
	rows *rowCache
}

// NewHandler returns the Open311 handler.
func NewHandler(d Deps) http.Handler {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	d.BaseURL = strings.TrimSuffix(d.BaseURL, "/")
	h := &handler{d: d, photos: make(chan struct{}, max(1, runtime.NumCPU())), rows: newRowCache(rowCacheSize)}
	mux := http.NewServeMux()
	// ServeMux wildcards must be whole path segments, so "{name}.{fmt}"
	// is one wildcard that split cuts at the last dot.
	mux.HandleFunc("/{file}", h.top)
	mux.HandleFunc("/services/{file}", h.withFormat(http.MethodGet, h.serviceDefinition))
	mux.HandleFunc("/requests/{file}", h.withFormat(http.MethodGet, h.requestByID))
	mux.HandleFunc("/tokens/{file}", h.withFormat(http.MethodGet, h.token))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, "json", rathaus.NotFoundf("%s is not an Open311 resource", r.URL.Path))
	})
	return mux
}

// endpointFunc serves one resource in a format; name is the part of the
// last path segment before the format extension.
type endpointFunc func(w http.ResponseWriter, r *http.Request, format, name string) error

// split cuts "requests.json" into "requests" and "json". Only xml and json
// are formats.
func split(file string) (name, format string, ok bool) {
	i := strings.LastIndexByte(file, '.')
	if i <= 0 {
		return "", "", false
	}
	name, format = file[:i], file[i+1:]
	if format != "xml" && format != "json" {
		return "", "", false
	}
	return name, format, true
}

// top dispatches the resources directly below the base URL.
func (h *handler) top(w http.ResponseWriter, r *http.Request) {
	name, format, ok := split(r.PathValue("file"))
	if !ok {
		h.fail(w, r, "json", rathaus.NotFoundf("%s is not an Open311 resource; append .xml or .json", r.URL.Path))
		return
	}
	var fn endpointFunc
	method := http.MethodGet
	switch name {
	case "discovery":
		fn = h.discovery
	case "services":
		fn = h.services
	case "servicerequestupdates":
		fn = h.updates
	case "requests":
		if r.Method == http.MethodPost {
			method, fn = http.MethodPost, h.post
		} else {
			fn = h.list
		}
	default:
		h.fail(w, r, format, rathaus.NotFoundf("%s is not an Open311 resource", r.URL.Path))
		return
	}
	h.serve(w, r, method, format, name, fn)
}

func (h *handler) withFormat(method string, fn endpointFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, format, ok := split(r.PathValue("file"))
		if !ok || name == "" {
			h.fail(w, r, "json", rathaus.NotFoundf("%s is not an Open311 resource; append .xml or .json", r.URL.Path))
			return
		}
		h.serve(w, r, method, format, name, fn)
	}
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, method, format, name string, fn endpointFunc) {
	if r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead) {
		w.Header().Set("Allow", method)
		h.render(w, http.StatusMethodNotAllowed, format,
			errorList{Errors: []errorItem{{Code: http.StatusMethodNotAllowed, Description: "method " + r.Method + " is not allowed here; use " + method}}})
		return
	}
	if err := fn(w, r, format, name); err != nil {
		h.fail(w, r, format, err)
	}
}

// statusOf maps domain error kinds to HTTP status codes. Open311 answers
// bad or missing API keys with 403.
var statusOf = map[rathaus.Kind]int{
	rathaus.KindInvalid:      http.StatusBadRequest,
	rathaus.KindUnauthorized: http.StatusForbidden,
	rathaus.KindForbidden:    http.StatusForbidden,
	rathaus.KindNotFound:     http.StatusNotFound,
	rathaus.KindTooLarge:     http.StatusRequestEntityTooLarge,
	rathaus.KindConflict:     http.StatusConflict,
}

// fail is the one place that turns an error into an Open311 errors answer.
// Domain errors show their text (it names the field at fault); anything
// else is logged and shown as "internal error".
func (h *handler) fail(w http.ResponseWriter, r *http.Request, format string, err error) {
	status, ok := statusOf[rathaus.KindOf(err)]
	desc := err.Error()
	if de, isDomain := rathaus.AsError(err); isDomain {
		desc = de.Error()
	}
	if !ok {
		status, desc = http.StatusInternalServerError, "internal error"
		h.d.Log.Error("open311: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	h.render(w, status, format, errorList{Errors: []errorItem{{Code: status, Description: desc}}})
}

// render writes v in format with the status. For JSON, a list document
// (errorList, serviceList, ...) is written as its bare array.
func (h *handler) render(w http.ResponseWriter, status int, format string, v any) {
	if l, ok := v.(requestList); ok && h.renderRequestList(w, status, format, l.Requests) {
		return
	}
	var buf bytes.Buffer
	var err error
	if format == "xml" {
		buf.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
		err = xml.NewEncoder(&buf).Encode(v)
		buf.WriteByte('\n')
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	} else {
		err = json.NewEncoder(&buf).Encode(jsonOf(v))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	if err != nil {
		h.d.Log.Error("open311: render", "format", format, "err", err)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`[{"code":500,"description":"internal error"}]` + "\n"))
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderRequestList writes a request list with the hand-written encoders
// of encode.go, into a buffer reused across calls (a list of a thousand
// requests is about half a megabyte). It reports false, having written
// nothing, for lists with extended attributes.
func (h *handler) renderRequestList(w http.ResponseWriter, status int, format string, rs []request) bool {
	return writePooled(w, status, func(b []byte) ([]byte, string, bool) {
		if format == "xml" {
			b = append(b, `<?xml version="1.0" encoding="utf-8"?>`+"\n"...)
			b, ok := appendRequestsXML(b, rs)
			return append(b, '\n'), "text/xml; charset=utf-8", ok
		}
		b, ok := appendRequestsJSON(b, rs)
		return b, "application/json; charset=utf-8", ok
	})
}

// writePooled writes the document that build appends to a buffer from
// listBuffers, with its content type; it writes nothing and reports false
// when build reports false.
func writePooled(w http.ResponseWriter, status int, build func(b []byte) ([]byte, string, bool)) bool {
	bp := listBuffers.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledBuffer {
			listBuffers.Put(bp)
		}
	}()
	b, contentType, ok := build((*bp)[:0])
	*bp = b
	if !ok {
		return false
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return true
}

// listBuffers holds encoding buffers of request lists; buffers that grew
// past maxPooledBuffer (an unusually long list) are left to the collector.
var listBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

const maxPooledBuffer = 4 << 20

// jsonOf returns the JSON form of a document: list documents are bare
// arrays (never null), single documents are objects.
func jsonOf(v any) any {
	switch v := v.(type) {
	case errorList:
		return nonNil(v.Errors)
	case serviceList:
		return nonNil(v.Services)
	case createdList:
		return nonNil(v.Requests)
	case tokenList:
		return nonNil(v.Requests)
	case requestList:
		return nonNil(v.Requests)
	case updateList:
		return nonNil(v.Updates)
	}
	return v
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// jurisdiction resolves jurisdiction_id (the default when absent).
func (h *handler) jurisdiction(ctx context.Context, slug string) (*rathaus.Jurisdiction, error) {
	slug = strings.TrimSpace(slug)
	if slug == "" {
		slug = h.d.DefaultJurisdiction
	}
	if slug == "" {
		return nil, rathaus.Invalidf("jurisdiction_id", "is required")
	}
	j, err := h.d.Cases.Jurisdiction(ctx, slug)
	if rathaus.KindOf(err) == rathaus.KindNotFound {
		return nil, rathaus.NotFoundf("jurisdiction_id %q not found", slug)
	}
	if err != nil {
		return nil, err
	}
	return j, nil
}

// isMaxBytes reports whether err comes from the body limit.
func isMaxBytes(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}
