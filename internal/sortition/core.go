package sortition

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
)

// Names of the result files of a draw, as Execute writes them and the
// staff pages offer them for download.
const (
	SelectedCSV      = "selected.csv"
	ProbabilitiesCSV = "probabilities.csv"
	DistributionCSV  = "distribution.csv"
	LotteryCSV       = "lottery.csv"
	ReportText       = "report.txt"
	ReportJSON       = "report.json"
)

// Input is one draw with its files in memory: what Execute reads from
// disk and what the staff pages receive as uploads.
type Input struct {
	People          []byte
	Quotas          []byte
	AlreadySelected []byte // optional: people who stay on the panel (replacements)
	PeopleName      string // file names, recorded in the report
	QuotasName      string
	IDColumn        string
	Seats           int // full panel size, including AlreadySelected
	Algorithm       Algorithm
	Seed            string // empty: a random seed is made and recorded
	LegacyRuns      int
	LotterySize     int
	// KeepPool records in the report that the caller keeps the people
	// file; otherwise the report says it was deleted, and the caller
	// must delete it.
	KeepPool bool
	Now      time.Time // recorded in the report
}

// Prepared is an Input that has been parsed and checked: every format
// and quota problem shows up in Prepare, before any time is spent on the
// draw.
type Prepared struct {
	in       Input
	header   []string
	instance *Instance
	kept     []string
}

// Prepare parses the files of in and checks them against the quotas and
// the seat count. Its errors are rathaus.Invalid errors naming the field
// (people, quotas, already_selected, seats) with lines and quotas.
func Prepare(in Input) (*Prepared, error) {
	cats, err := ReadQuotas(bytes.NewReader(in.Quotas))
	if err != nil {
		return nil, err
	}
	pool, err := ReadPeople(bytes.NewReader(in.People), cats, in.IDColumn)
	if err != nil {
		return nil, err
	}
	p := &Prepared{in: in, header: pool.Header}
	people := pool.People
	drawCats, seats := cats, in.Seats
	if in.AlreadySelected != nil {
		kept, err := ReadPeople(bytes.NewReader(in.AlreadySelected), cats, in.IDColumn)
		if err != nil {
			return nil, asField(err, "already_selected")
		}
		keptIDs := map[string]bool{}
		var vals [][]int
		for _, k := range kept.People {
			keptIDs[k.ID] = true
			vals = append(vals, k.Values)
			p.kept = append(p.kept, k.ID)
		}
		people = nil
		for _, q := range pool.People {
			if !keptIDs[q.ID] {
				people = append(people, q)
			}
		}
		if drawCats, seats, err = ReduceForKept(cats, vals, in.Seats); err != nil {
			return nil, err
		}
	}
	if p.instance, err = NewInstance(drawCats, people, seats); err != nil {
		return nil, err
	}
	return p, nil
}

// PoolSize is the number of people who can be drawn (the pool without
// the already selected).
func (p *Prepared) PoolSize() int { return len(p.instance.People) }

// Types is the number of profiles in the pool.
func (p *Prepared) Types() int { return len(p.instance.Types) }

// File is one result file.
type File struct {
	Name string
	Data []byte
}

// Outcome is a finished draw: its report and its result files in the
// order SelectedCSV, ProbabilitiesCSV, DistributionCSV, LotteryCSV (only
// with a lottery), ReportText, ReportJSON.
type Outcome struct {
	Report *Report
	Files  []File
}

// File returns the data of the result file name, nil if there is none.
func (o *Outcome) File(name string) []byte {
	for _, f := range o.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

// Draw parses in and draws: Prepare, then Prepared.Draw.
func Draw(ctx context.Context, in Input) (*Outcome, error) {
	p, err := Prepare(in)
	if err != nil {
		return nil, err
	}
	return p.Draw(ctx)
}

// Draw runs the algorithm and renders the result files. It honours ctx,
// so a caller bounds LEXIMIN with a deadline.
func (p *Prepared) Draw(ctx context.Context) (*Outcome, error) {
	cfg := p.in
	if cfg.Seed == "" {
		s, err := NewSeed()
		if err != nil {
			return nil, err
		}
		cfg.Seed = s
	}
	in := p.instance
	rep := &Report{
		Time: cfg.Now.UTC(), Algorithm: cfg.Algorithm, Seed: cfg.Seed,
		PeopleFile: cfg.PeopleName, PeopleSHA256: sum(cfg.People),
		QuotasFile: cfg.QuotasName, QuotasSHA256: sum(cfg.Quotas),
		Seats: cfg.Seats, AlreadySelected: p.kept,
	}
	if cfg.AlreadySelected != nil {
		rep.AlreadySHA256 = sum(cfg.AlreadySelected)
	}
	res, err := Run(ctx, in, Options{Algorithm: cfg.Algorithm, Seed: cfg.Seed, LegacyRuns: cfg.LegacyRuns, LotterySize: cfg.LotterySize})
	if err != nil {
		return nil, err
	}
	rep.PoolSize, rep.Types, rep.Panels = len(in.People), len(in.Types), len(res.Panels)
	for _, i := range res.Selected {
		rep.Selected = append(rep.Selected, in.People[i].ID)
	}
	rep.PanelSHA256 = sum([]byte(strings.Join(rep.Selected, "\n")))
	rep.MinProbability, rep.Gini, rep.GeoMean = res.Fairness.Min, res.Fairness.Gini, res.Fairness.GeoMean
	rep.Seconds = res.Duration.Seconds()
	rep.PoolDeleted = !cfg.KeepPool

	out := &Outcome{Report: rep, Files: []File{
		{SelectedCSV, selectedCSV(p.header, in, res)},
		{ProbabilitiesCSV, probabilitiesCSV(in, res)},
		{DistributionCSV, distributionCSV(in, res)},
	}}
	if len(res.Lottery) > 0 {
		out.Files = append(out.Files, File{LotteryCSV, lotteryCSV(res)})
	}
	for _, f := range out.Files {
		rep.Files = append(rep.Files, f.Name)
	}
	rep.Files = append(rep.Files, ReportText, ReportJSON)
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sortition: %w", err)
	}
	out.Files = append(out.Files, File{ReportText, []byte(rep.Text())}, File{ReportJSON, append(js, '\n')})
	return out, nil
}

// asField moves a people-file error of the already-selected file to its
// own field, so a form shows it next to the right upload.
func asField(err error, field string) error {
	if e, ok := rathaus.AsError(err); ok && e.Field == "people" {
		c := *e
		c.Field = field
		return &c
	}
	return err
}
