package open311_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/rathaus/rathaus/internal/store"
	"github.com/rathaus/rathaus/internal/store/storetest"
)

// fuzzBoundary is the multipart boundary of the seeds; the fuzzer may
// change the Content-Type too.
const fuzzBoundary = "rathausfuzzboundary"

// FuzzPostRequest feeds arbitrary bodies to POST requests.json and asserts
// that every answer is 201 or a 4xx errors document: no panic, no 500.
func FuzzPostRequest(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", []byte(validForm().Encode()))
	f.Add("application/x-www-form-urlencoded", []byte("api_key=test-key&service_code=litter&lat=52.3&long=8.1&attribute[x][]=1"))
	f.Add("application/x-www-form-urlencoded", []byte("api_key=test-key&service_code=litter&lat=1e400&long=NaN"))
	f.Add("application/x-www-form-urlencoded", []byte("%zz&&=;"))
	body, _ := multipartBodyWith(f, fuzzBoundary, validForm(), pngImage(f, 8, 8))
	f.Add("multipart/form-data; boundary="+fuzzBoundary, body)
	f.Add("multipart/form-data; boundary="+fuzzBoundary, body[:len(body)/2])
	f.Add("multipart/form-data", []byte("--x\r\n\r\n"))
	f.Add("text/plain", []byte("hello"))
	f.Add("", []byte{})

	db := storetest.Open(f, store.SQLite)
	st := newStack(f, db)
	h := st.srv.Config.Handler
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/open311/v2/requests.json", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated && (rec.Code < 400 || rec.Code > 499) {
			t.Fatalf("Content-Type %q, body %q: status %d %s", contentType, body, rec.Code, rec.Body.Bytes())
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Fatalf("Content-Type of the answer %q", ct)
		}
	})
}

// multipartBodyWith is multipartBody with a fixed boundary, so that the
// seed corpus stays valid.
func multipartBodyWith(t testing.TB, boundary string, form url.Values, files ...[]byte) ([]byte, string) {
	t.Helper()
	b, ct := multipartBody(t, form, files...)
	old := ct[len("multipart/form-data; boundary="):]
	return bytes.ReplaceAll(b, []byte(old), []byte(boundary)), "multipart/form-data; boundary=" + boundary
}
