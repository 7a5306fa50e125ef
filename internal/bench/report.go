package bench

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// Machine describes where a benchmark ran.
type Machine struct {
	CPUs      int
	CPUModel  string
	GoVersion string
	OS        string
}

// ThisMachine describes the current machine; the CPU model comes from
// /proc/cpuinfo where there is one.
func ThisMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, CPUModel: "unknown"}
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return m
	}
	defer f.Close()
	if model := cpuModel(f); model != "" {
		m.CPUModel = model
	}
	return m
}

// cpuModel returns the first "model name" of a /proc/cpuinfo text.
func cpuModel(f *os.File) string {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// DialectRun is the measurement on one database.
type DialectRun struct {
	Dialect    string
	Seed       *Seeded
	Notes      []string          // printed above the table
	Targets    map[string]Target // by scenario name
	Results    []Result          // the hello-world reference first
	Concurrent int
}

// Report is one run of the Open311 benchmark.
type Report struct {
	Machine  Machine
	Date     time.Time
	Reports  int
	Duration time.Duration // measured period per scenario
	Warmup   time.Duration
	Command  string
	Runs     []DialectRun
	Notes    []string // findings, printed below the tables
}

// Markdown renders r as the section of docs/benchmarks.md.
func (r Report) Markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("`%s`\n\n", r.Command)
	p("- Date: %s\n", r.Date.UTC().Format("2006-01-02 15:04 MST"))
	p("- Machine: %d CPUs, %s, %s, %s\n", r.Machine.CPUs, r.Machine.CPUModel, r.Machine.OS, r.Machine.GoVersion)
	p("- Data: %s reports of the demo town (30 hot spots, σ 150–800 m, 20 %% uniform; one year; about 70 %% closed)\n", thousands(r.Reports))
	p("- Load: %d concurrent keep-alive clients in the same process, %s warm-up, then %s per scenario\n", firstConc(r.Runs), r.Warmup, r.Duration)
	p("- Ceiling: a hello-world handler on a second listener of the same process, same server settings, same client\n\n")
	for _, run := range r.Runs {
		p("### %s\n\n", run.Dialect)
		if run.Seed != nil {
			rate := 0.0
			if run.Seed.Duration > 0 {
				rate = float64(run.Seed.Requests) / run.Seed.Duration.Seconds()
			}
			p("Seeded %s reports and %s events in %s (%s reports/s).\n\n", thousands(run.Seed.Requests), thousands(run.Seed.Events),
				run.Seed.Duration.Round(100*time.Millisecond), thousands(int(rate)))
		}
		for _, n := range run.Notes {
			p("%s\n\n", n)
		}
		p("| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | %% of ceiling | target | met? |\n")
		p("|---|---:|---:|---:|---:|---:|---:|---|---|\n")
		var ceiling float64
		for _, res := range run.Results {
			if res.Name == ScenarioHello {
				ceiling = res.RPS
			}
		}
		for _, res := range run.Results {
			t := run.Targets[res.Name]
			met, judged := t.Met(res)
			verdict := "–"
			switch {
			case res.Errors > 0:
				verdict = fmt.Sprintf("**failed: %d errors**", res.Errors)
			case judged && met:
				verdict = "yes"
			case judged:
				verdict = "**no**"
			}
			share := "–"
			if ceiling > 0 && res.Name != ScenarioHello {
				share = fmt.Sprintf("%.1f %%", 100*res.RPS/ceiling)
			}
			p("| %s | %s | %s | %.2f | %.2f | %.2f | %s | %s | %s |\n", res.Name, thousands(res.Requests), thousands(int(res.RPS+0.5)),
				ms(res.P50), ms(res.P95), ms(res.P99), share, t, verdict)
		}
		p("\n")
		for _, res := range run.Results {
			if res.FirstError != "" {
				p("First error of %s: `%s`\n\n", res.Name, strings.ReplaceAll(truncate(res.FirstError, 300), "`", "'"))
			}
		}
	}
	for _, n := range r.Notes {
		p("%s\n\n", n)
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func firstConc(runs []DialectRun) int {
	if len(runs) == 0 {
		return 0
	}
	return runs[0].Concurrent
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// thousands formats n with a comma every three digits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Markers delimit the Open311 section of docs/benchmarks.md; the rest of
// the file belongs to other benchmarks.
const (
	BeginMarker = "<!-- open311:begin -->"
	EndMarker   = "<!-- open311:end -->"
)

// ReplaceSection returns doc with the text between the lines begin and
// end replaced by section, leaving everything outside untouched. Without
// the markers, it appends them with section at the end of doc. A begin
// marker without an end marker after it is an error, because replacing
// "to the end" could eat another benchmark's section.
func ReplaceSection(doc, begin, end, section string) (string, error) {
	if section != "" && !strings.HasSuffix(section, "\n") {
		section += "\n"
	}
	block := begin + "\n" + section + end
	i := strings.Index(doc, begin)
	if i < 0 {
		if strings.Contains(doc, end) {
			return "", fmt.Errorf("bench: %q without %q before it", end, begin)
		}
		switch {
		case doc == "":
		case strings.HasSuffix(doc, "\n\n"):
		case strings.HasSuffix(doc, "\n"):
			doc += "\n"
		default:
			doc += "\n\n"
		}
		return doc + block + "\n", nil
	}
	k := strings.Index(doc[i+len(begin):], end)
	if k < 0 {
		return "", fmt.Errorf("bench: %q without %q after it", begin, end)
	}
	if strings.Count(doc, begin) > 1 {
		return "", fmt.Errorf("bench: %q appears more than once", begin)
	}
	return doc[:i] + block + doc[i+len(begin)+k+len(end):], nil
}

// WriteSection replaces the marked section of the file at path (creating
// the file if it does not exist) with section.
func WriteSection(path, section string) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("bench: %w", err)
	}
	doc := string(old)
	if doc == "" {
		doc = "# Benchmarks\n\nEach section is written by a `rathaus bench` command; edit outside the marker lines only.\n"
	}
	out, err := ReplaceSection(doc, BeginMarker, EndMarker, section)
	if err != nil {
		return fmt.Errorf("bench: %s: %w", path, err)
	}
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}
