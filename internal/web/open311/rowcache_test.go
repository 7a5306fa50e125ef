package open311_test

import (
	"bytes"
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// The lists of GET requests come from cached entries (rowcache.go). They
// must be byte for byte what the uncached path writes for the same
// requests, on the first call and on later ones, and must change with
// each change of a request, of its photos and of the catalogue.
func (st *stack) testListCache(t *testing.T) {
	ctx := context.Background()
	img := pngImage(t, 60, 40)
	body, ct := multipartBody(t, with(validForm(), "description", `Loch "tief" & gefährlich, 3 < 5 cm`), img)
	a := st.post(t, "/requests.json", ct, body)
	if a.status != 201 {
		t.Fatalf("POST: %d %s", a.status, a.body)
	}
	created := decodeJSON[[]wireRequest](t, a)[0]
	id, _ := strconv.ParseInt(created.ServiceRequestID, 10, 64)
	st.mustCreate(t, with(validForm(), "description", "Noch ein Loch"))

	// uncached asks for the same requests by ID, which the cache does not
	// serve, in the same order.
	uncached := func(format string, list []byte) []byte {
		t.Helper()
		var ids []string
		for _, r := range decodeJSON[[]wireRequest](t, answer{status: 200, body: list}) {
			ids = append(ids, r.ServiceRequestID)
		}
		return st.get(t, "/requests."+format, url.Values{"service_request_id": {strings.Join(ids, ",")}}).body
	}
	check := func(step string) wireRequest {
		t.Helper()
		first := st.get(t, "/requests.json", nil)
		second := st.get(t, "/requests.json", nil)
		if first.status != 200 || !bytes.Equal(first.body, second.body) {
			t.Fatalf("%s: second list differs from the first:\n%s\n%s", step, first.body, second.body)
		}
		if want := uncached("json", first.body); !bytes.Equal(first.body, want) {
			t.Errorf("%s: cached JSON list\n%s\nwant\n%s", step, first.body, want)
		}
		x1, x2 := st.get(t, "/requests.xml", nil), st.get(t, "/requests.xml", nil)
		if want := uncached("xml", first.body); !bytes.Equal(x1.body, want) || !bytes.Equal(x2.body, want) {
			t.Errorf("%s: cached XML list\n%s\nwant\n%s", step, x2.body, want)
		}
		for _, r := range decodeJSON[[]wireRequest](t, first) {
			if r.ServiceRequestID == created.ServiceRequestID {
				return r
			}
		}
		t.Fatalf("%s: request %d not listed", step, id)
		return wireRequest{}
	}

	r := check("new")
	if r.MediaURL == "" || r.Status != "open" {
		t.Fatalf("new request listed as %+v", r)
	}
	if _, err := st.cases.Reply(ctx, st.j, st.staff, id, "Wir sind dran."); err != nil {
		t.Fatal(err)
	}
	if r = check("replied"); r.StatusNotes != "Wir sind dran." {
		t.Errorf("after the reply, status_notes = %q", r.StatusNotes)
	}
	photos, err := st.cases.Photos(ctx, id)
	if err != nil || len(photos[id]) != 1 {
		t.Fatalf("photos of %d: %v, %v", id, photos, err)
	}
	if err := st.cases.SetMediaPublic(ctx, st.j, st.staff, id, photos[id][0].ID, false); err != nil {
		t.Fatal(err)
	}
	if r = check("photo hidden"); r.MediaURL != "" {
		t.Errorf("after hiding the photo, media_url = %q", r.MediaURL)
	}
	svc, err := st.cases.Service(ctx, st.j, "pothole")
	if err != nil {
		t.Fatal(err)
	}
	svc.Name, svc.RetentionDays = "Schlagloch oder Riss", 365
	if err := st.cases.SaveService(ctx, st.j, st.staff, svc); err != nil {
		t.Fatal(err)
	}
	if r = check("service renamed"); r.ServiceName != "Schlagloch oder Riss" {
		t.Errorf("after renaming the service, service_name = %q", r.ServiceName)
	}
}
