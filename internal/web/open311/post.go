package open311

import (
	"errors"
	"fmt"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/media"
	"github.com/rathaus/rathaus/internal/store"
)

// maxPhotos is how many media parts one POST may carry.
const maxPhotos = 8

// post serves POST requests.{fmt}.
//
// address_id is accepted and ignored: rathaus has no address register, and
// address_string carries what the citizen sees.
func (h *handler) post(w http.ResponseWriter, r *http.Request, format, _ string) error {
	w.Header().Set("Cache-Control", "no-store")
	ctx := r.Context()

	// A key in the URL is checked before the body is read, so a client
	// without a valid key cannot make the server take in 12 MiB.
	var key *store.APIKey
	if k := r.URL.Query().Get("api_key"); k != "" {
		var err error
		if key, err = h.d.Auth.CheckAPIKey(ctx, k); err != nil {
			return err
		}
	}

	form, files, cleanup, err := readForm(w, r)
	if err != nil {
		return err
	}
	defer cleanup()

	if key == nil {
		if key, err = h.d.Auth.CheckAPIKey(ctx, form.Get("api_key")); err != nil {
			return err
		}
	}
	j, err := h.jurisdiction(ctx, form.Get("jurisdiction_id"))
	if err != nil {
		return err
	}
	if key.JurisdictionID != j.ID {
		return rathaus.Forbiddenf("api_key is not valid for jurisdiction_id %q", j.Slug)
	}

	sub, err := submission(form)
	if err != nil {
		return err
	}
	// Staff services (IT tickets, orders) are refused by casework.Submit
	// for every public channel, Open311 included.
	if len(files) > maxPhotos {
		return rathaus.Invalidf("media", "%d files sent, the limit is %d", len(files), maxPhotos)
	}
	for _, fh := range files {
		p, err := h.photo(r, fh)
		if err != nil {
			return err
		}
		sub.Photos = append(sub.Photos, p)
	}

	req, err := h.d.Cases.Submit(ctx, j, sub)
	if err != nil {
		return err
	}
	h.render(w, http.StatusCreated, format, createdList{Requests: []created{{
		ServiceRequestID: strconv.FormatInt(req.ID, 10),
		Token:            req.Token,
		ServiceNotice:    "Ihre Meldung wurde unter der Nummer " + req.Number + " erfasst.",
		AccountID:        req.AccountID,
	}}})
	return nil
}

// readForm reads a urlencoded or multipart body of at most MaxBody bytes
// and returns the fields (URL query merged in, body first) and the media
// files. cleanup removes the temporary files of a multipart body.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, []*multipart.FileHeader, func(), error) {
	nothing := func() {}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		mt = ""
	}
	tooLarge := rathaus.TooLargef("body", "the request is larger than %d MiB", MaxBody>>20)
	switch mt {
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			if isMaxBytes(err) {
				return nil, nil, nothing, tooLarge
			}
			return nil, nil, nothing, rathaus.Invalidf("body", "cannot read the form: %v", err)
		}
		return r.Form, nil, nothing, nil
	case "multipart/form-data":
		err := r.ParseMultipartForm(maxMemory)
		cleanup := func() {
			if r.MultipartForm != nil {
				_ = r.MultipartForm.RemoveAll()
			}
		}
		if err != nil {
			cleanup()
			if isMaxBytes(err) || errors.Is(err, multipart.ErrMessageTooLarge) {
				return nil, nil, nothing, tooLarge
			}
			return nil, nil, nothing, rathaus.Invalidf("body", "cannot read the multipart form: %v", err)
		}
		return r.Form, r.MultipartForm.File["media"], cleanup, nil
	}
	return nil, nil, nothing, rathaus.Invalidf("Content-Type",
		"must be application/x-www-form-urlencoded or multipart/form-data, got %q", r.Header.Get("Content-Type"))
}

// submission turns the form fields into a casework submission; casework
// validates the content.
func submission(form url.Values) (casework.Submission, error) {
	sub := casework.Submission{
		ServiceCode: strings.TrimSpace(form.Get("service_code")),
		Address:     form.Get("address_string"),
		Description: form.Get("description"),
		Contact: rathaus.Contact{Email: strings.TrimSpace(form.Get("email")), FirstName: strings.TrimSpace(form.Get("first_name")),
			LastName: strings.TrimSpace(form.Get("last_name")), Phone: strings.TrimSpace(form.Get("phone"))},
		DeviceID:  strings.TrimSpace(form.Get("device_id")),
		AccountID: strings.TrimSpace(form.Get("account_id")),
		MediaURL:  strings.TrimSpace(form.Get("media_url")),
		Channel:   rathaus.ChannelOpen311,
	}
	lat, hasLat := form["lat"]
	long, hasLong := form["long"]
	hasLat = hasLat && strings.TrimSpace(lat[0]) != ""
	hasLong = hasLong && strings.TrimSpace(long[0]) != ""
	switch {
	case hasLat && !hasLong:
		return sub, rathaus.Invalidf("long", "is required when lat is given")
	case hasLong && !hasLat:
		return sub, rathaus.Invalidf("lat", "is required when long is given")
	case hasLat:
		var err error
		if sub.Lat, err = parseCoord("lat", lat[0]); err != nil {
			return sub, err
		}
		if sub.Lon, err = parseCoord("long", long[0]); err != nil {
			return sub, err
		}
		sub.HasLocation = true
	}
	// attribute[CODE] (and attribute[CODE][] as PHP-style clients send
	// lists) carry the answers to the service's questions.
	for k, vs := range form {
		code, ok := attributeCode(k)
		if !ok {
			continue
		}
		if sub.Attributes == nil {
			sub.Attributes = map[string][]string{}
		}
		sub.Attributes[code] = append(sub.Attributes[code], vs...)
	}
	return sub, nil
}

func attributeCode(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, "attribute[")
	if !ok {
		return "", false
	}
	rest = strings.TrimSuffix(rest, "[]")
	code, ok := strings.CutSuffix(rest, "]")
	if !ok || code == "" {
		return "", false
	}
	return code, true
}

// parseCoord parses a latitude or longitude; casework checks the range.
func parseCoord(field, s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, rathaus.Invalidf(field, "must be a decimal number, got %q", truncate(s, 40))
	}
	return f, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// photo re-encodes one uploaded file and stores it.
func (h *handler) photo(r *http.Request, fh *multipart.FileHeader) (casework.Photo, error) {
	f, err := fh.Open()
	if err != nil {
		return casework.Photo{}, fmt.Errorf("open311: open upload %q: %w", fh.Filename, err)
	}
	defer f.Close()
	select {
	case h.photos <- struct{}{}:
	case <-r.Context().Done():
		return casework.Photo{}, r.Context().Err()
	}
	img, err := media.Process(f, h.d.Limits)
	<-h.photos
	if err != nil {
		return casework.Photo{}, err
	}
	key, err := h.d.Blobs.Put(r.Context(), img.Data)
	if err != nil {
		return casework.Photo{}, err
	}
	return casework.Photo{BlobKey: key, ContentType: img.ContentType, Width: img.Width, Height: img.Height}, nil
}
