package open311test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
)

// response is one finished exchange. Its String form is what every failure
// message starts with, so that a red test names the exact call.
type response struct {
	method string
	url    string
	status int
	header http.Header
	body   []byte
}

func (r *response) String() string {
	b := r.body
	if len(b) > 300 {
		b = b[:300]
	}
	return fmt.Sprintf("%s %s -> %d %q: %q", r.method, r.url, r.status, r.header.Get("Content-Type"), b)
}

// filePart is one file in a multipart body.
type filePart struct {
	field       string // form field name, "media" for Open311
	filename    string
	contentType string
	data        []byte
}

// url builds {base}/{path}.{format}?query. jurisdiction_id is added unless
// q sets it (an empty value removes it).
func (s *suite) url(path, format string, q url.Values) string {
	v := url.Values{}
	for k, vs := range q {
		v[k] = vs
	}
	if _, ok := v["jurisdiction_id"]; !ok && s.env.Jurisdiction != "" {
		v.Set("jurisdiction_id", s.env.Jurisdiction)
	}
	if j, ok := v["jurisdiction_id"]; ok && len(j) == 1 && j[0] == "" {
		v.Del("jurisdiction_id")
	}
	u := s.env.BaseURL + "/" + path
	if format != "" {
		u += "." + format
	}
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

// do sends req and reads the whole body. A transport error fails the test
// at once: without a response there is nothing left to check.
func (s *suite) do(t *testing.T, req *http.Request) *response {
	t.Helper()
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	r := &response{method: req.Method, url: req.URL.String(), status: res.StatusCode, header: res.Header, body: body}
	if req.Method == http.MethodGet {
		s.mu.Lock()
		s.seen = append(s.seen, r)
		s.mu.Unlock()
	}
	return r
}

// get fetches {base}/{path}.{format} with the query q.
func (s *suite) get(t *testing.T, path, format string, q url.Values) *response {
	t.Helper()
	return s.getURL(t, s.url(path, format, q))
}

func (s *suite) getURL(t *testing.T, u string) *response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return s.do(t, req)
}

// postForm posts form as application/x-www-form-urlencoded to
// {base}/requests.{format}. jurisdiction_id is added unless form sets it.
func (s *suite) postForm(t *testing.T, format string, form url.Values) *response {
	t.Helper()
	form = s.withJurisdiction(form)
	return s.post(t, format, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// postMultipart posts form and files as multipart/form-data.
func (s *suite) postMultipart(t *testing.T, format string, form url.Values, files []filePart) *response {
	t.Helper()
	body, contentType := multipartBody(t, s.withJurisdiction(form), files)
	return s.post(t, format, contentType, bytes.NewReader(body))
}

func (s *suite) post(t *testing.T, format, contentType string, body io.Reader) *response {
	t.Helper()
	u := s.env.BaseURL + "/requests." + format
	req, err := http.NewRequest(http.MethodPost, u, body)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	req.Header.Set("Content-Type", contentType)
	return s.do(t, req)
}

func (s *suite) withJurisdiction(form url.Values) url.Values {
	v := url.Values{}
	for k, vs := range form {
		v[k] = vs
	}
	if _, ok := v["jurisdiction_id"]; !ok && s.env.Jurisdiction != "" {
		v.Set("jurisdiction_id", s.env.Jurisdiction)
	}
	if j, ok := v["jurisdiction_id"]; ok && len(j) == 1 && j[0] == "" {
		v.Del("jurisdiction_id")
	}
	return v
}

func multipartBody(t *testing.T, form url.Values, files []filePart) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				t.Fatalf("multipart field %s: %v", k, err)
			}
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f.field, f.filename))
		h.Set("Content-Type", f.contentType)
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatalf("multipart part %s: %v", f.filename, err)
		}
		if _, err := pw.Write(f.data); err != nil {
			t.Fatalf("multipart part %s: %v", f.filename, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("multipart close: %v", err)
	}
	return buf.Bytes(), w.FormDataContentType()
}
