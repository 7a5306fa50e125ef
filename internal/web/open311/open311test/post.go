package open311test

import (
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// sqlText must come back verbatim: a server that builds SQL from strings
// either fails on it or mangles it.
const sqlText = `Robert'); DROP TABLE requests; -- and '; DROP TABLE requests; --`

func (s *suite) testPost(t *testing.T) {
	base := s.baseService(t)
	lat, long := s.env.Inside[0], s.env.Inside[1]

	t.Run("urlencoded", func(t *testing.T) {
		forEachFormat(t, func(t *testing.T, f string) {
			form := s.validForm(t, base.ServiceCode, lat, long, true)
			addr := "Marktplatz 1, " + s.run
			media := "https://example.org/photo-" + s.run + ".jpg"
			form.Set("address_string", addr)
			form.Set("address_id", "addr-"+s.run)
			form.Set("account_id", "acct-"+s.run)
			form.Set("media_url", media)
			before := time.Now()
			c := s.create(t, f, form)

			got, r := s.one(t, f, c.id, nil)
			if got.Status != "open" {
				t.Errorf("%s\nstatus %q, want open", r, got.Status)
			}
			if got.ServiceCode != base.ServiceCode {
				t.Errorf("%s\nservice_code %q, want %q", r, got.ServiceCode, base.ServiceCode)
			}
			if got.ServiceName != base.ServiceName {
				t.Errorf("%s\nservice_name %q, want %q from GET services", r, got.ServiceName, base.ServiceName)
			}
			if want := form.Get("description"); got.Description != want {
				t.Errorf("%s\ndescription %q, want %q", r, got.Description, want)
			}
			if got.Address != addr {
				t.Errorf("%s\naddress %q, want the address_string %q", r, got.Address, addr)
			}
			checkPoint(t, r, got, lat, long)
			if ts, ok := checkTime(t, r, "requested_datetime", got.RequestedDatetime); ok {
				if d := ts.Sub(before); d < -time.Minute || d > time.Minute {
					t.Errorf("%s\nrequested_datetime %s is %s away from now", r, got.RequestedDatetime, d)
				}
			}
			if strings.Contains(string(r.body), "extended_attributes") {
				t.Errorf("%s\nextended_attributes without extensions=true", r)
			}
			x, r := s.one(t, f, c.id, url.Values{"extensions": {"true"}})
			if got.MediaURL != media && (x.Extended == nil || !contains(x.Extended.MediaURLs, media)) {
				t.Errorf("%s\nthe posted media_url %q is neither media_url nor in media_urls", r, media)
			}
			if x.Extended != nil {
				var open bool
				for _, h := range x.Extended.StatusHistory {
					open = open || h.Status == "open"
				}
				if !open {
					t.Errorf("%s\nstatus_history %+v has no open entry for a new request", r, x.Extended.StatusHistory)
				}
			}

			tr := s.get(t, "tokens/"+url.PathEscape(c.token), f, nil)
			if checkStatus(t, tr, http.StatusOK) {
				checkContentType(t, tr, f)
				if ts, ok := decodeList[request](t, tr, f, "service_requests", "request"); ok {
					if len(ts) != 1 || string(ts[0].ServiceRequestID) != c.id || string(ts[0].Token) != c.token {
						t.Errorf("%s\ntoken answer %+v, want one element with service_request_id %q and token %q", tr, ts, c.id, c.token)
					}
				}
			}
		})
	})

	t.Run("attributes", func(t *testing.T) {
		forEachFormat(t, func(t *testing.T, f string) {
			s.catalogue(t)
			if len(s.defs) == 0 {
				t.Skip("no service with metadata=true")
			}
			for code := range s.defs {
				form := s.validForm(t, code, lat, long, true)
				c := s.create(t, f, form)
				got, r := s.one(t, f, c.id, nil)
				if got.ServiceCode != code {
					t.Errorf("%s\nservice_code %q, want %q", r, got.ServiceCode, code)
				}
			}
		})
	})

	t.Run("sql_text_verbatim", func(t *testing.T) {
		forEachFormat(t, func(t *testing.T, f string) {
			form := s.validForm(t, base.ServiceCode, lat, long, false)
			form.Set("description", sqlText+" "+s.run)
			c := s.create(t, f, form)
			got, r := s.one(t, f, c.id, nil)
			if want := sqlText + " " + s.run; got.Description != want {
				t.Errorf("%s\ndescription %q, want verbatim %q", r, got.Description, want)
			}
		})
	})

	t.Run("unicode_verbatim", func(t *testing.T) {
		forEachFormat(t, func(t *testing.T, f string) {
			form := s.validForm(t, base.ServiceCode, lat, long, false)
			want := "Straßenlaterne defekt – Łódź, Gießen & Köln " + s.run
			form.Set("description", want)
			c := s.create(t, f, form)
			got, r := s.one(t, f, c.id, nil)
			if got.Description != want {
				t.Errorf("%s\ndescription %q, want %q", r, got.Description, want)
			}
		})
	})

	t.Run("address_string_only", func(t *testing.T) {
		forEachFormat(t, func(t *testing.T, f string) {
			form := s.validForm(t, base.ServiceCode, lat, long, false)
			form.Del("lat")
			form.Del("long")
			addr := "Rathausplatz 2, " + s.run
			form.Set("address_string", addr)
			c := s.create(t, f, form)
			got, r := s.one(t, f, c.id, nil)
			if got.Address != addr {
				t.Errorf("%s\naddress %q, want %q", r, got.Address, addr)
			}
		})
	})

	t.Run("multipart", func(t *testing.T) {
		png, jpg := pngBytes(t), jpegBytes(t)
		tests := []struct {
			name  string
			files []filePart
		}{
			{"png", []filePart{{"media", "schlagloch.png", "image/png", png}}},
			{"jpeg", []filePart{{"media", "schlagloch.jpg", "image/jpeg", jpg}}},
			{"two_images", []filePart{
				{"media", "vorher.png", "image/png", png},
				{"media", "nachher.jpg", "image/jpeg", jpg},
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				forEachFormat(t, func(t *testing.T, f string) {
					form := s.validForm(t, base.ServiceCode, lat, long, false)
					c, ok := checkCreated(t, s.postMultipart(t, f, form, tt.files), f)
					if !ok {
						return
					}
					got, r := s.one(t, f, c.id, url.Values{"extensions": {"true"}})
					if want := form.Get("description"); got.Description != want {
						t.Errorf("%s\ndescription %q, want %q", r, got.Description, want)
					}
					if got.Extended == nil {
						return // checkRequest has said so
					}
					if n := len(got.Extended.MediaURLs); n < len(tt.files) {
						t.Errorf("%s\n%d media_urls, want %d, one per uploaded image", r, n, len(tt.files))
					}
					if len(got.Extended.MediaURLs) > 0 && got.MediaURL == "" {
						t.Errorf("%s\nmedia_urls set but media_url empty", r)
					}
					for _, m := range got.Extended.MediaURLs {
						s.checkMedia(t, m)
					}
				})
			})
		}
	})
}

// checkMedia fetches a media URL when it lies under Env.BaseURL and checks
// that it is an image. The contract only promises a URL; one elsewhere
// (a CDN, or the site's /media/ route that a test harness mounting only
// the Open311 handler does not serve) cannot be fetched reliably.
func (s *suite) checkMedia(t *testing.T, m string) {
	t.Helper()
	if !strings.HasPrefix(m, s.env.BaseURL+"/") {
		t.Logf("media URL %s lies outside %s: not fetched", m, s.env.BaseURL)
		return
	}
	r := s.getURL(t, m)
	if !checkStatus(t, r, http.StatusOK) {
		return
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "image/") {
		t.Errorf("%s\nmedia Content-Type %q, want image/*", r, ct)
	}
	if len(r.body) == 0 {
		t.Errorf("%s\nempty media body", r)
	}
}

// checkPoint checks that got lies at lat/long (to 1e-6 degrees, about 10 cm).
func checkPoint(t *testing.T, r *response, got request, lat, long float64) {
	t.Helper()
	if got.Lat == nil || got.Long == nil {
		t.Errorf("%s\nrequest %s without lat/long, want %v,%v", r, got.ServiceRequestID, lat, long)
		return
	}
	if math.Abs(*got.Lat-lat) > 1e-6 || math.Abs(*got.Long-long) > 1e-6 {
		t.Errorf("%s\nrequest %s at %v,%v, want %v,%v", r, got.ServiceRequestID, *got.Lat, *got.Long, lat, long)
	}
}
