package ui

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus/rathaus/internal/quality"
)

// This file holds what the quality pages share: the period arithmetic and
// the formatting of figures for a locale. The pages are quality_*.go.

// qualityFigures is one row of a quality table, formatted for display:
// an undefined figure (no closed request, no rating) reads "k. A." in
// words, never a blank cell.
type qualityFigures struct {
	Key, Label          string
	Volume              int64
	Backlog             int64
	Overdue             int64
	Closed              int64
	MedianFirstResponse string
	MedianResolution    string
	WithinSLA           string
	ReopenRate          string
	CSAT                string
	Ratings             int64
	HasCSAT             bool
}

// figures formats a row in locale: hours with one decimal, shares as
// percentages with one decimal.
func (u *UI) figures(locale string, r quality.Row) qualityFigures {
	na := u.Catalog.T(locale, "quality.na")
	or := func(s string) string {
		if s == "" {
			return na
		}
		return s
	}
	return qualityFigures{
		Key: r.Key, Label: r.Label, Volume: r.Volume, Backlog: r.Backlog, Overdue: r.OverdueNow, Closed: r.Closed, Ratings: r.Ratings,
		MedianFirstResponse: or(decimal(locale, r.MedianFirstResponseHours, 1, 1)),
		MedianResolution:    or(decimal(locale, r.MedianResolutionHours, 1, 1)),
		WithinSLA:           or(percent(locale, r.WithinSLAShare)),
		ReopenRate:          or(percent(locale, r.ReopenRate)),
		CSAT:                or(percent(locale, r.CSAT)),
		HasCSAT:             r.CSAT != nil,
	}
}

// decimal formats *p × scale with the locale's decimal separator; nil is "".
func decimal(locale string, p *float64, scale float64, decimals int) string {
	if p == nil {
		return ""
	}
	s := strconv.FormatFloat(*p*scale, 'f', decimals, 64)
	if locale != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func percent(locale string, p *float64) string {
	s := decimal(locale, p, 100, 1)
	if s == "" {
		return ""
	}
	return s + "\u00a0%"
}

// today is the town hall's current local date at noon UTC, the form the
// quality package takes dates in (only the date counts).
func (u *UI) today() time.Time {
	n := u.Now().In(berlin)
	return time.Date(n.Year(), n.Month(), n.Day(), 12, 0, 0, 0, time.UTC)
}

// attachment sets the headers of a download named name.
func attachment(w http.ResponseWriter, contentType, name string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
}

// writeRows sends rows as a CSV or JSON download.
func (u *UI) writeRows(w http.ResponseWriter, r *http.Request, format, basename string, rows []quality.Row) {
	var err error
	switch format {
	case "csv":
		attachment(w, "text/csv; charset=utf-8", basename+".csv")
		err = quality.WriteCSV(w, rows)
	case "json":
		attachment(w, "application/json; charset=utf-8", basename+".json")
		err = quality.WriteJSON(w, rows)
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		u.Log.Error("ui: quality download", "route", r.Pattern, "err", err)
	}
}
