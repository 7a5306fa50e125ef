package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/auth"
	"github.com/rathaus/rathaus/internal/calendar"
	"github.com/rathaus/rathaus/internal/casework"
	"github.com/rathaus/rathaus/internal/geo"
	"github.com/rathaus/rathaus/internal/media"
	"github.com/rathaus/rathaus/internal/store"
)

// dashboardEnv is the quality environment plus located reports, one closed
// request, and a handler whose clock runs 14 days ahead, so that every
// open request is overdue and the reports lie 14 days back.
type dashboardEnv struct {
	*staffEnv
	later   time.Time
	located []*rathaus.Request // the two extra potholes in e.req's cell
	closed  *rathaus.Request
}

// storeInboxAll selects every request of the jurisdiction.
func storeInboxAll() store.InboxFilter { return store.InboxFilter{Limit: 500} }

const dashTiles = "https://tile.example.org/{z}/{x}/{y}.png"

func newDashboardEnv(t *testing.T) *dashboardEnv {
	t.Helper()
	e := &dashboardEnv{staffEnv: newQualityEnv(t), later: time.Now().Add(14 * 24 * time.Hour)}
	ctx := context.Background()
	for _, s := range []casework.Submission{
		{ServiceCode: "pothole", HasLocation: true, Lat: 52.2801, Lon: 8.0402, Address: "Lindenstraße 7", Description: "Loch", Channel: rathaus.ChannelWeb},
		{ServiceCode: "pothole", HasLocation: true, Lat: 52.2803, Lon: 8.0405, Address: "Lindenstraße 9", Description: "Loch", Channel: rathaus.ChannelWeb},
	} {
		r, err := e.cases.Submit(ctx, e.j, s)
		if err != nil {
			t.Fatal(err)
		}
		e.located = append(e.located, r)
	}
	if _, err := e.cases.Submit(ctx, e.j, casework.Submission{ServiceCode: "litter", HasLocation: true, Lat: 52.3012, Lon: 8.1013,
		Address: "Am Wall 3", Description: "Müll", Channel: rathaus.ChannelPhone}); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.located {
		if geo.Cell(geo.Point{Lat: r.Lat, Lon: r.Lon}) != geo.Cell(geo.Point{Lat: e.req.Lat, Lon: e.req.Lon}) {
			t.Fatalf("test data: %s is not in the cell of %s", r.Number, e.req.Number)
		}
	}
	// One pothole without location is closed at once: resolution 0 hours,
	// within its target.
	var open []*rathaus.Request
	inbox, err := e.cases.Inbox(ctx, e.j, storeInboxAll())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range inbox.Requests {
		if r.ServiceCode == "pothole" && !r.HasLocation && e.closed == nil {
			if e.closed, err = e.cases.Close(ctx, e.j, e.users["admin"], r.ID, "fixed", ""); err != nil {
				t.Fatal(err)
			}
			continue
		}
		open = append(open, r)
	}
	if e.closed == nil || len(open) != 6 {
		t.Fatalf("test data: closed %v, %d open, want 6", e.closed, len(open))
	}
	e.project()
	h, err := NewHandler(Deps{Cases: e.cases, Auth: auth.New(e.db, time.Now), Blobs: e.blobs, Limits: media.DefaultLimits(),
		BaseURL: "http://web.test", DefaultJurisdiction: "web", PostsPerMinute: 100000, Log: testLog(t), TileURL: dashTiles,
		Now: func() time.Time { return e.later }})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	return e
}

// jsonBlock returns the contents of <script type="application/json" id="id">.
func jsonBlock(t *testing.T, body, id string, v any) {
	t.Helper()
	m := regexp.MustCompile(`<script type="application/json" id="` + id + `">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no JSON block %q in the page", id)
	}
	if err := json.Unmarshal([]byte(m[1]), v); err != nil {
		t.Fatalf("JSON block %q: %v\n%s", id, err, m[1])
	}
}

// tableRows returns the rows of the table with the given id as cell texts
// (row header first), tags stripped.
func tableRows(t *testing.T, body, id string) [][]string {
	t.Helper()
	table := regexp.MustCompile(`(?s)<table[^>]* id="` + id + `"[^>]*>.*?</table>`).FindString(body)
	if table == "" {
		t.Fatalf("no table %q in the page", id)
	}
	_, tbody, _ := strings.Cut(table, "<tbody>")
	var out [][]string
	tag := regexp.MustCompile(`<[^>]+>`)
	for _, tr := range regexp.MustCompile(`(?s)<tr>(.*?)</tr>`).FindAllStringSubmatch(tbody, -1) {
		var row []string
		for _, c := range regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`).FindAllStringSubmatch(tr[1], -1) {
			row = append(row, html.UnescapeString(strings.TrimSpace(tag.ReplaceAllString(c[1], ""))))
		}
		out = append(out, row)
	}
	return out
}

type seriesJSON struct {
	Periods []string `json:"periods"`
	Charts  []struct {
		ID     string `json:"id"`
		Unit   string `json:"unit"`
		Series []struct {
			Label  string     `json:"label"`
			Values []*float64 `json:"values"`
		} `json:"series"`
	} `json:"charts"`
}

func val(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

func TestQualityDashboardCharts(t *testing.T) {
	e := newDashboardEnv(t)
	berlin := berlinZone(t)
	submitted := time.Now().In(berlin).Format(time.DateOnly)
	for _, tt := range []struct {
		name, path string
		periods    int
		// want: chart id -> series label -> value on the submission day
		want map[string]map[string]string
	}{
		{"town by day", "/staff/quality", 30, map[string]map[string]string{
			"volume": {"Eingänge": "7", "Abgeschlossen": "1"},
			"hours":  {"Erste Reaktion (Median, Std.)": "0", "Bearbeitungsdauer (Median, Std.)": "0", "Bearbeitungsdauer (90 %, Std.)": "0"},
			"shares": {"In der Zielzeit erledigt": "100", "Wiedereröffnungsquote": "0"},
		}},
		{"litter by day", "/staff/quality?period=30&by=service&service=litter&interval=day", 30, map[string]map[string]string{
			"volume": {"Eingänge": "2", "Abgeschlossen": "0"},
			"hours":  {"Bearbeitungsdauer (Median, Std.)": "null"},
			"shares": {"In der Zielzeit erledigt": "null"},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := e.do("lead", http.MethodGet, tt.path, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s: %d", tt.path, w.Code)
			}
			body := w.Body.String()
			var d seriesJSON
			jsonBlock(t, body, "quality-series", &d)
			if len(d.Periods) != tt.periods || d.Periods[len(d.Periods)-1] != e.later.In(berlin).Format(time.DateOnly) {
				t.Fatalf("periods = %v, want %d days up to the handler's today", d.Periods, tt.periods)
			}
			day := slices.Index(d.Periods, submitted)
			if day < 0 {
				t.Fatalf("periods %v lack the submission day %s", d.Periods, submitted)
			}
			if got := []string{d.Charts[0].ID, d.Charts[1].ID, d.Charts[2].ID}; !slices.Equal(got, []string{"volume", "hours", "shares"}) {
				t.Fatalf("charts = %v", got)
			}
			for _, c := range d.Charts {
				rows := tableRows(t, body, "table-"+c.ID)
				if len(rows) != len(d.Periods) {
					t.Fatalf("table-%s has %d rows, want %d", c.ID, len(rows), len(d.Periods))
				}
				for si, s := range c.Series {
					if len(s.Values) != len(d.Periods) {
						t.Fatalf("%s/%s: %d values for %d periods", c.ID, s.Label, len(s.Values), len(d.Periods))
					}
					if want, ok := tt.want[c.ID][s.Label]; ok && val(s.Values[day]) != want {
						t.Errorf("%s/%s on %s = %s, want %s", c.ID, s.Label, submitted, val(s.Values[day]), want)
					}
					// The table says in words what the chart draws.
					for i, v := range s.Values {
						cell := rows[i][si+1]
						if rows[i][0] != d.Periods[i] || (v == nil) != (cell == "k. A.") {
							t.Errorf("table-%s row %d = %q, chart value %s", c.ID, i, rows[i], val(v))
						}
					}
					if other := (day + 1) % len(d.Periods); c.ID == "volume" && val(s.Values[other]) != "0" {
						t.Errorf("%s/%s on %s = %s, want 0", c.ID, s.Label, d.Periods[other], val(s.Values[other]))
					}
				}
			}
			if rows := tableRows(t, body, "table-shares"); tt.name == "town by day" && rows[day][1] != "100,0\u00a0%" {
				t.Errorf("shares table on %s = %q, want 100,0 %%", submitted, rows[day])
			}
			for _, s := range []string{`<div class="chart-canvas" data-chart="volume" data-x-label="Tag" role="img" aria-label="Eingänge und Abschlüsse: `,
				`<script src="/static/vendor/uplot/uPlot.iife.min.js"></script>`, `<script src="/static/quality.js"></script>`} {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
		})
	}
	// The default step follows the period; an explicit one is kept in links.
	body := e.do("lead", http.MethodGet, "/staff/quality?period=365&by=department", nil).Body.String()
	var d seriesJSON
	jsonBlock(t, body, "quality-series", &d)
	if len(d.Periods) < 12 || len(d.Periods) > 13 || !regexp.MustCompile(`^\d{4}-\d{2}$`).MatchString(d.Periods[0]) {
		t.Errorf("a year's periods = %v, want 12 or 13 months", d.Periods)
	}
	body = e.do("lead", http.MethodGet, "/staff/quality?period=90&by=service&interval=month", nil).Body.String()
	if !strings.Contains(body, `href="/staff/quality?by=service&amp;interval=month&amp;period=90&amp;service=pothole"`) {
		t.Errorf("drill-down link does not keep the interval")
	}
}

func TestQualityDashboardHeatMap(t *testing.T) {
	e := newDashboardEnv(t)
	cellA := geo.CellBBox(geo.Cell(geo.Point{Lat: e.req.Lat, Lon: e.req.Lon}))
	cellB := geo.CellBBox(geo.Cell(geo.Point{Lat: 52.3012, Lon: 8.1013}))
	r6 := func(x float64) float64 { return math.Round(x*1e6) / 1e6 }
	rect := func(b geo.BBox, n, class float64) [6]float64 {
		return [6]float64{r6(b.MinLat), r6(b.MinLon), r6(b.MaxLat), r6(b.MaxLon), n, class}
	}
	for _, tt := range []struct {
		name, path string
		cells      [][6]float64
		rows       [][]string
		legend     []string
	}{
		{"town", "/staff/quality", [][6]float64{rect(cellA, 3, 2), rect(cellB, 1, 0)},
			[][]string{{"Lindenstraße", centre(cellA), "3"}, {"Am Wall", centre(cellB), "1"}}, []string{"1", "2", "3"}},
		{"litter only", "/staff/quality?period=30&by=service&service=litter", [][6]float64{rect(cellB, 1, 0)},
			[][]string{{"Am Wall", centre(cellB), "1"}}, []string{"1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := e.do("lead", http.MethodGet, tt.path, nil).Body.String()
			var cells [][6]float64
			jsonBlock(t, body, "quality-heat-data", &cells)
			if !slices.Equal(cells, tt.cells) {
				t.Errorf("heat cells = %v, want %v", cells, tt.cells)
			}
			if rows := tableRows(t, body, "heat-table"); fmt.Sprint(rows) != fmt.Sprint(tt.rows) {
				t.Errorf("heat table = %q, want %q", rows, tt.rows)
			}
			var legend []string
			for _, m := range regexp.MustCompile(`<li><span class="swatch heat-\d"></span>([^<]+)</li>`).FindAllStringSubmatch(body, -1) {
				legend = append(legend, m[1])
			}
			if !slices.Equal(legend, tt.legend) {
				t.Errorf("legend = %q, want %q", legend, tt.legend)
			}
			if !strings.Contains(body, `<div id="heat-map" class="map" role="region" aria-label="Karte: Meldungen je Feld" data-tiles="`+dashTiles+`" hidden>`) {
				t.Errorf("page lacks the map element")
			}
			// Counts only: no house number, reporter or description leaves the server.
			for _, s := range []string{"Lindenstraße 7", "Markt 1", "melder@example.org", "Tiefes Loch"} {
				if strings.Contains(body, s) {
					t.Errorf("dashboard shows %q", s)
				}
			}
		})
	}
	// Nothing located in the slice: a sentence instead of a map.
	body := e.do("lead", http.MethodGet, fmt.Sprintf("/staff/quality?period=30&by=department&department=%d", e.gruen.ID), nil).Body.String()
	if !strings.Contains(body, `id="heat-empty"`) || strings.Contains(body, `id="heat-map"`) {
		t.Errorf("an empty slice shows a map")
	}
}

// centre is how the heat table writes the middle of a cell.
func centre(b geo.BBox) string {
	return fmt.Sprintf("%.4f, %.4f", (b.MinLat+b.MaxLat)/2, (b.MinLon+b.MaxLon)/2)
}

// overdueBound is how many overdue requests a drill-down lists (ui.overdueRows).
const overdueBound = 25

func TestQualityDashboardOverdue(t *testing.T) {
	e := newDashboardEnv(t)
	cal, err := calendar.ForState("NI")
	if err != nil {
		t.Fatal(err)
	}
	// The open potholes, most overdue first (ties by ID).
	var potholes []*rathaus.Request
	inbox, err := e.cases.Inbox(context.Background(), e.j, storeInboxAll())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range inbox.Requests {
		if r.ServiceCode == "pothole" && r.State != rathaus.StateClosed {
			potholes = append(potholes, r)
		}
	}
	slices.SortFunc(potholes, func(a, b *rathaus.Request) int {
		if c := a.ResolutionDue.Compare(b.ResolutionDue); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	var want [][]string
	for _, r := range potholes {
		late := fmt.Sprintf("%.1f", cal.BusinessDuration(r.ResolutionDue, e.later).Hours())
		want = append(want, []string{r.Number, "Schlagloch", "Bauhof", r.ResolutionDue.In(berlinZone(t)).Format("02.01.2006 15:04"),
			strings.Replace(late, ".", ",", 1)})
	}
	if len(want) != 4 {
		t.Fatalf("test data: %d open potholes, want 4", len(want))
	}

	body := e.do("lead", http.MethodGet, "/staff/quality?period=30&by=service&service=pothole", nil).Body.String()
	if rows := tableRows(t, body, "overdue-table"); fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("overdue table = %q\nwant %q", rows, want)
	}
	if !strings.Contains(body, fmt.Sprintf(`<a href="/staff/requests/%d">%s</a>`, potholes[0].ID, potholes[0].Number)) {
		t.Errorf("the first overdue row does not link to its request")
	}
	if !strings.Contains(body, `id="overdue-inbox">`) || !strings.Contains(body, `href="/staff?dept=all&amp;overdue=1&amp;service=pothole&amp;sort=due"`) {
		t.Errorf("the overdue list lacks the link to the inbox filter")
	}
	if strings.Contains(body, `id="overdue-more"`) {
		t.Errorf("four overdue requests are said to be more than the list shows")
	}

	for _, tt := range []struct {
		name, path string
		rows       int
		has        string
	}{
		{"department", fmt.Sprintf("/staff/quality?period=30&by=department&department=%d", e.bau.ID), 6,
			fmt.Sprintf(`href="/staff?dept=%d&amp;overdue=1&amp;sort=due"`, e.bau.ID)},
		{"empty department", fmt.Sprintf("/staff/quality?period=30&by=department&department=%d", e.gruen.ID), 0, `id="overdue-none"`},
		{"empty department's name", fmt.Sprintf("/staff/quality?period=30&by=department&department=%d", e.gruen.ID), 0,
			"<h1>Qualität der Bearbeitung – Grünflächen</h1>"},
		// The phone requests are listed (the litter report above and the
		// staff test's phone report); the inbox link cannot narrow to
		// the channel, and the page says so.
		{"channel", "/staff/quality?period=30&by=channel&channel=phone", 2, "Der Posteingang filtert nicht nach Eingangskanal"},
		{"channel with no overdue", "/staff/quality?period=30&by=channel&channel=counter", 0, `id="overdue-none"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := e.do("lead", http.MethodGet, tt.path, nil).Body.String()
			if n := strings.Count(regexp.MustCompile(`(?s)<table id="overdue-table".*?</table>`).FindString(body), "<tr>") - 1; max(n, 0) != tt.rows {
				t.Errorf("overdue rows = %d, want %d", max(n, 0), tt.rows)
			}
			if !strings.Contains(body, tt.has) {
				t.Errorf("page lacks %q", tt.has)
			}
		})
	}
	// Past the bound the list keeps the longest overdue and says there are more.
	for range overdueBound + 1 - len(want) {
		if _, err := e.cases.Submit(context.Background(), e.j, casework.Submission{ServiceCode: "pothole", Address: "Ring 1",
			Description: "Loch", Channel: rathaus.ChannelWeb}); err != nil {
			t.Fatal(err)
		}
	}
	e.project() // the list reads the quality facts, as serve's projector keeps them
	body = e.do("lead", http.MethodGet, "/staff/quality?period=30&by=service&service=pothole", nil).Body.String()
	rows := tableRows(t, body, "overdue-table")
	if len(rows) != overdueBound || rows[0][0] != want[0][0] || !strings.Contains(body, `id="overdue-more"`) {
		t.Errorf("with %d overdue: %d rows, first %q, note shown %v; want %d rows, first %s, the note",
			overdueBound+1, len(rows), rows[0][0], strings.Contains(body, `id="overdue-more"`), overdueBound, want[0][0])
	}

	// The overview links to the inbox filter but lists nothing itself.
	body = e.do("lead", http.MethodGet, "/staff/quality", nil).Body.String()
	if strings.Contains(body, `id="quality-overdue"`) || !strings.Contains(body, `href="/staff?overdue=1&amp;dept=all"`) {
		t.Errorf("overview: overdue section shown or inbox link missing")
	}
}
