package quality

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rathaus/rathaus"
	"github.com/rathaus/rathaus/internal/store"
)

// Directions of an indicator or target.
const (
	HigherIsBetter = "higher_is_better"
	LowerIsBetter  = "lower_is_better"
)

// Headers of the two CSV files ImportCSV reads.
var (
	DefinitionHeader = []string{"code", "name", "unit", "target", "direction"}
	ValueHeader      = []string{"indicator", "slice", "period", "value"}
)

// ImportError names the line and column (both from 1) of a CSV file at
// fault. It unwraps to an Invalid domain error.
type ImportError struct {
	Line, Column int
	Msg          string
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

func (e *ImportError) Unwrap() error {
	return rathaus.Invalidf(fmt.Sprintf("line %d, column %d", e.Line, e.Column), "%s", e.Msg)
}

// ImportResult says what ImportCSV stored.
type ImportResult struct {
	Kind string // "definitions" or "values"
	Rows int
}

// maxImport bounds an import file; a year of monthly values for every
// department fits many times over.
const maxImport = 8 << 20

var codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

var periodPattern = regexp.MustCompile(`^\d{4}(-(0[1-9]|1[0-2])(-\d{2})?|-Q[1-4])?$`)

// ImportCSV reads manual indicator definitions (header
// code,name,unit,target,direction) or values (header
// indicator,slice,period,value) for a jurisdiction. Commas or semicolons
// separate fields (a semicolon file may use decimal commas, as German
// spreadsheets write them). The whole file is checked first: on any error
// nothing is imported and the error is an *ImportError naming the line and
// column.
func ImportCSV(ctx context.Context, db *store.DB, jurisdictionID int64, r io.Reader, now time.Time) (ImportResult, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxImport+1))
	if err != nil {
		return ImportResult{}, fmt.Errorf("quality: read import: %w", err)
	}
	if len(data) > maxImport {
		return ImportResult{}, rathaus.TooLargef("file", "is larger than %d MB", maxImport>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	first, _, _ := bytes.Cut(data, []byte("\n"))
	sep := ','
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		sep = ';'
	}
	cr := csv.NewReader(bufio.NewReader(bytes.NewReader(data)))
	cr.Comma = sep
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return ImportResult{}, csvError(err, "the file is empty or its header cannot be read")
	}
	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(header[i]))
	}
	var kind string
	switch {
	case equal(header, DefinitionHeader):
		kind = "definitions"
	case equal(header, ValueHeader):
		kind = "values"
	default:
		return ImportResult{}, &ImportError{Line: 1, Column: 1, Msg: fmt.Sprintf("header must be %q or %q",
			strings.Join(DefinitionHeader, string(sep)), strings.Join(ValueHeader, string(sep)))}
	}
	var known map[string]*store.ManualIndicator
	if err := db.ReadTx(ctx, func(tx *store.Tx) error {
		list, err := tx.ManualIndicators(ctx, jurisdictionID)
		known = map[string]*store.ManualIndicator{}
		for _, m := range list {
			known[m.Code] = m
		}
		return err
	}); err != nil {
		return ImportResult{}, err
	}
	var defs []*store.ManualIndicator
	var vals []store.ManualValue
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return ImportResult{}, csvError(err, "")
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		bad := func(col int, format string, args ...any) error {
			return &ImportError{Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
		}
		if kind == "definitions" {
			m := &store.ManualIndicator{JurisdictionID: jurisdictionID, Code: rec[0], Name: rec[1], Unit: rec[2], Direction: rec[4]}
			if !codePattern.MatchString(m.Code) {
				return ImportResult{}, bad(1, "code %q must be 1 to 64 lower-case letters, digits, _ . or -", m.Code)
			}
			if prev, dup := seen[m.Code]; dup {
				return ImportResult{}, bad(1, "code %q is defined on line %d already", m.Code, prev)
			}
			seen[m.Code] = line
			if m.Name == "" || len(m.Name) > 200 {
				return ImportResult{}, bad(2, "name must be 1 to 200 characters")
			}
			if len(m.Unit) > 40 {
				return ImportResult{}, bad(3, "unit must be at most 40 characters")
			}
			if rec[3] != "" {
				v, err := parseNumber(rec[3], sep)
				if err != nil {
					return ImportResult{}, bad(4, "target %q is not a number", rec[3])
				}
				m.Target = &v
			}
			if m.Direction != HigherIsBetter && m.Direction != LowerIsBetter {
				return ImportResult{}, bad(5, "direction must be %s or %s, not %q", HigherIsBetter, LowerIsBetter, m.Direction)
			}
			defs = append(defs, m)
			continue
		}
		ind := known[rec[0]]
		if ind == nil {
			return ImportResult{}, bad(1, "no indicator %q is defined; import its definition first", rec[0])
		}
		if len(rec[1]) > 200 {
			return ImportResult{}, bad(2, "slice must be at most 200 characters")
		}
		if !periodPattern.MatchString(rec[2]) || !validPeriod(rec[2]) {
			return ImportResult{}, bad(3, "period %q must be a year (2026), month (2026-03), quarter (2026-Q1) or date (2026-03-02)", rec[2])
		}
		key := rec[0] + "\x00" + rec[1] + "\x00" + rec[2]
		if prev, dup := seen[key]; dup {
			return ImportResult{}, bad(1, "indicator %s, slice %q, period %s is given on line %d already", rec[0], rec[1], rec[2], prev)
		}
		seen[key] = line
		v, err := parseNumber(rec[3], sep)
		if err != nil {
			return ImportResult{}, bad(4, "value %q is not a number", rec[3])
		}
		vals = append(vals, store.ManualValue{IndicatorID: ind.ID, SliceKey: rec[1], Period: rec[2], Value: v, UpdatedAt: now})
	}
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		for _, m := range defs {
			if err := tx.UpsertManualIndicator(ctx, m); err != nil {
				return err
			}
		}
		for _, v := range vals {
			if err := tx.UpsertManualValue(ctx, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("quality: import %s: %w", kind, err)
	}
	return ImportResult{Kind: kind, Rows: len(defs) + len(vals)}, nil
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// csvError turns a csv.ParseError into an ImportError.
func csvError(err error, fallback string) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			msg = "wrong number of fields"
		}
		return &ImportError{Line: pe.Line, Column: max(pe.Column, 1), Msg: msg}
	}
	if fallback == "" {
		fallback = err.Error()
	}
	return &ImportError{Line: 1, Column: 1, Msg: fallback}
}

// parseNumber reads a finite number; with sep ';' a decimal comma is
// accepted too.
func parseNumber(s string, sep rune) (float64, error) {
	if sep == ';' && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("not a number")
	}
	return v, nil
}

// validPeriod checks that a date period names a real day.
func validPeriod(p string) bool {
	if len(p) != len("2006-01-02") {
		return true
	}
	_, err := time.Parse(time.DateOnly, p)
	return err == nil
}
