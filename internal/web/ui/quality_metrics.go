package ui

import (
	"net/http"
	"net/netip"

	"github.com/rathaus/rathaus/internal/quality"
)

// OpenMetricsType is the content type of GET /metrics.
const OpenMetricsType = "application/openmetrics-text; version=1.0.0; charset=utf-8"

// fromLoopback reports whether r came straight from this machine: its
// peer is a loopback address and it carries no proxy header. A reverse
// proxy on the same host also connects from loopback, so a forwarded
// request (X-Forwarded-For, Forwarded, X-Real-IP) is refused as well; the
// proxy must still not forward /metrics (docs/quality.md).
func fromLoopback(r *http.Request) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !ap.Addr().Unmap().IsLoopback() {
		return false
	}
	h := r.Header
	return h.Get("X-Forwarded-For") == "" && h.Get("Forwarded") == "" && h.Get("X-Real-Ip") == ""
}

// Metrics is GET /metrics: today's indicators per service in the
// OpenMetrics text format, for a Prometheus on the same host. Anyone
// else gets 403.
func (u *UI) Metrics(w http.ResponseWriter, r *http.Request) {
	if !fromLoopback(r) {
		http.Error(w, "Forbidden", http.StatusForbidden)
		return
	}
	ctx := r.Context()
	j, err := u.jurisdiction(ctx)
	if err != nil {
		u.Log.Error("ui: metrics", "route", r.Pattern, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	today := u.today()
	rows, err := quality.Indicators(ctx, u.Cases.DB(), quality.Slice{JurisdictionID: j.ID, From: today, To: today, By: "service", Now: u.Now()})
	if err != nil {
		u.Log.Error("ui: metrics", "route", r.Pattern, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", OpenMetricsType)
	w.Header().Set("Cache-Control", "no-store")
	if err := quality.WriteOpenMetrics(w, "service", rows); err != nil {
		u.Log.Error("ui: metrics", "route", r.Pattern, "err", err)
	}
}
