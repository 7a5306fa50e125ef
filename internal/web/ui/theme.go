package ui

import (
	"fmt"
	"io"
	"net/http"
	"regexp"

	"github.com/rathaus/rathaus"
)

var themeColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Theme serves the jurisdiction's brand colours as CSS custom properties.
// A stylesheet rather than inline styles, because the content security
// policy allows styles only from this site. The colours were checked for
// contrast against white when they were saved.
func (u *UI) Theme(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	j, err := u.jurisdiction(r.Context())
	if err != nil {
		return
	}
	s, err := u.Cases.Settings(r.Context(), j)
	if err != nil {
		u.Log.Error("ui: theme", "err", err)
		return
	}
	if themeColor.MatchString(s.ColorPrimary) {
		fmt.Fprintf(w, ":root { --accent: %s; }\n", s.ColorPrimary)
	}
	if themeColor.MatchString(s.ColorSecondary) {
		fmt.Fprintf(w, "header.top { border-bottom: 6px solid %s; }\n", s.ColorSecondary)
	}
}

// Logo serves the jurisdiction's logo to everyone (it is on every page).
func (u *UI) Logo(w http.ResponseWriter, r *http.Request) {
	j, err := u.jurisdiction(r.Context())
	if err != nil {
		u.Error(w, r, err)
		return
	}
	s, err := u.Cases.Settings(r.Context(), j)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	if s.LogoKey == "" {
		u.Error(w, r, rathaus.NotFoundf("no logo"))
		return
	}
	rc, err := u.Blobs.Open(s.LogoKey)
	if err != nil {
		u.Error(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", s.LogoContentType)
	w.Header().Set("Cache-Control", "public, max-age=300")
	io.Copy(w, rc)
}
