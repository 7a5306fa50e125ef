package open311test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func startFake(t *testing.T, mutant string) Env {
	t.Helper()
	f := &fake{mutant: mutant, key: "secret-key", base: "/open311/v2", media: map[string][]byte{}}
	srv := httptest.NewServer(f.handler())
	t.Cleanup(srv.Close)
	f.public = srv.URL
	return Env{
		BaseURL:      srv.URL + f.base,
		APIKey:       f.key,
		Jurisdiction: "test",
		Inside:       [2]float64{52.52, 13.405},
		Outside:      [2]float64{48.137, 11.575},
		Client:       srv.Client(),
	}
}

// TestFake runs the suite against the faithful fake, or against the mutant
// named by O311_MUTANT when TestMutants starts this binary again.
func TestFake(t *testing.T) {
	Run(t, startFake(t, os.Getenv("O311_MUTANT")))
}

// TestMutants proves that the suite can fail: each mutant breaks one rule
// of the contract, and the suite must report it in the named check.
func TestMutants(t *testing.T) {
	if os.Getenv("O311_MUTANT") != "" {
		t.Skip("inside a mutant run")
	}
	tests := []struct {
		mutant string
		check  string // a subtest that must fail
	}{
		{"leak_email", "TestFake/personal_data"},
		{"oldest_first", "TestFake/query/json/default"},
		{"ignore_radius", "TestFake/spatial/xml/radius"},
		{"accept_html", "TestFake/post_errors/html_description/json"},
		{"always_extended", "TestFake/post/urlencoded/xml"},
	}
	for _, tt := range tests {
		t.Run(tt.mutant, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestFake$", "-test.v")
			cmd.Env = append(os.Environ(), "O311_MUTANT="+tt.mutant)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed against mutant %s:\n%s", tt.mutant, tail(out))
			}
			if !bytes.Contains(out, []byte("--- FAIL: "+tt.check+" ")) {
				t.Errorf("mutant %s: %s did not fail:\n%s", tt.mutant, tt.check, tail(out))
			}
		})
	}
}

func tail(b []byte) string {
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

func TestDecodeXMLLists(t *testing.T) {
	body := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<service_requests>
  <request>
    <service_request_id>7</service_request_id>
    <lat>52.5</lat>
    <extended_attributes>
      <detailed_status>accepted</detailed_status>
      <status_history><entry><status>open</status></entry><entry><status>open</status></entry></status_history>
      <media_urls><url>http://a/1</url><url>http://a/2</url></media_urls>
    </extended_attributes>
  </request>
  <request><service_request_id>8</service_request_id>
    <extended_attributes><media_urls>http://b/1</media_urls><media_urls>http://b/2</media_urls></extended_attributes>
  </request>
</service_requests>`)
	r := &response{method: "GET", url: "test", status: 200, header: http.Header{}, body: body}
	rs, ok := decodeList[request](t, r, "xml", "service_requests", "request")
	if !ok || len(rs) != 2 {
		t.Fatalf("decoded %d requests, ok=%v", len(rs), ok)
	}
	a, b := rs[0], rs[1]
	if a.ServiceRequestID != "7" || a.Lat == nil || *a.Lat != 52.5 || a.Long != nil {
		t.Errorf("first request %+v", a)
	}
	if x := a.Extended; x == nil || x.DetailedStatus != "accepted" || len(x.StatusHistory) != 2 ||
		strings.Join(x.MediaURLs, " ") != "http://a/1 http://a/2" {
		t.Errorf("first extended %+v", a.Extended)
	}
	if x := b.Extended; x == nil || strings.Join(x.MediaURLs, " ") != "http://b/1 http://b/2" {
		t.Errorf("second extended %+v", b.Extended)
	}
	if _, err := decodeXMLList[request]([]byte(`<services><service/></services>`), "service_requests", "request"); err == nil {
		t.Error("wrong root accepted")
	}
	if _, err := decodeXMLList[request]([]byte(`<service_requests><service/></service_requests>`), "service_requests", "request"); err == nil {
		t.Error("wrong item accepted")
	}
}

func TestTextFromJSON(t *testing.T) {
	for in, want := range map[string]text{`"638344"`: "638344", `638344`: "638344", `null`: "", `true`: "true"} {
		var got text
		if err := got.UnmarshalJSON([]byte(in)); err != nil || got != want {
			t.Errorf("text from %s = %q, %v; want %q", in, got, err, want)
		}
	}
	var got text
	if err := got.UnmarshalJSON([]byte(`{"a":1}`)); err == nil {
		t.Errorf("an object decoded to text %q", got)
	}
}
