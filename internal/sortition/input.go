package sortition

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rathaus/rathaus"
)

// Value is one value of a category with its quota: a panel must seat at
// least Min and at most Max people with this value.
type Value struct {
	Name     string
	Min, Max int
}

// Category is one stratification dimension, such as gender or department.
type Category struct {
	Name   string
	Values []Value
}

// Person is one member of the pool. Values holds, per category, the index
// of the person's value in that category's Values.
type Person struct {
	ID     string
	Line   int      // line in the people file, 0 when built in code
	Values []int    // value index per category
	Record []string // the original row, written back for selected people
}

// Pool is a parsed people file.
type Pool struct {
	Header []string
	People []Person
}

// maxErrors bounds how many problems one error message lists.
const maxErrors = 20

// problems collects user-facing input problems so that one run reports
// many of them at once.
type problems struct {
	field string
	list  []string
	more  int
}

func (p *problems) addf(format string, args ...any) {
	if len(p.list) >= maxErrors {
		p.more++
		return
	}
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	msg := strings.Join(p.list, "\n")
	if p.more > 0 {
		msg += fmt.Sprintf("\n… und %d weitere", p.more)
	}
	return rathaus.Invalidf(p.field, "%s", msg)
}

// ReadQuotas reads a quotas file. Accepted headers are
// feature,value,min,max (the current form), category,name,min,max and
// category,feature,min,max (older forms, where the second column holds the
// value); further columns are ignored.
func ReadQuotas(r io.Reader) ([]Category, error) {
	t, err := readTable(r, "quotas")
	if err != nil {
		return nil, err
	}
	catCol, valCol := -1, -1
	if i := t.col("category"); i >= 0 {
		catCol = i
		for _, name := range []string{"value", "name", "feature"} {
			if j := t.col(name); j >= 0 {
				valCol = j
				break
			}
		}
	} else if i := t.col("feature"); i >= 0 {
		catCol = i
		for _, name := range []string{"value", "name"} {
			if j := t.col(name); j >= 0 {
				valCol = j
				break
			}
		}
	}
	minCol, maxCol := t.col("min"), t.col("max")
	if catCol < 0 || valCol < 0 || minCol < 0 || maxCol < 0 {
		return nil, rathaus.Invalidf("quotas", "Kopfzeile %q erkannt; erwartet wird feature,value,min,max (oder category,name,min,max bzw. category,feature,min,max)", strings.Join(t.header, string(t.comma)))
	}
	probs := problems{field: "quotas"}
	var cats []Category
	catIndex := map[string]int{}
	for k, row := range t.rows {
		line := t.lines[k]
		cat, val := cell(row, catCol), cell(row, valCol)
		if cat == "" || val == "" {
			probs.addf("Zeile %d: Kategorie oder Wert leer", line)
			continue
		}
		lo, err1 := strconv.Atoi(cell(row, minCol))
		hi, err2 := strconv.Atoi(cell(row, maxCol))
		if err1 != nil || err2 != nil || lo < 0 || hi < 0 {
			probs.addf("Zeile %d: min und max müssen ganze Zahlen ≥ 0 sein (min %q, max %q)", line, cell(row, minCol), cell(row, maxCol))
			continue
		}
		if lo > hi {
			probs.addf("Zeile %d: Quote %s=%s hat Minimum %d größer als Maximum %d", line, cat, val, lo, hi)
			continue
		}
		ci, ok := catIndex[strings.ToLower(cat)]
		if !ok {
			ci = len(cats)
			catIndex[strings.ToLower(cat)] = ci
			cats = append(cats, Category{Name: cat})
		}
		dup := false
		for _, v := range cats[ci].Values {
			if strings.EqualFold(v.Name, val) {
				probs.addf("Zeile %d: Quote %s=%s steht doppelt in der Datei", line, cat, val)
				dup = true
			}
		}
		if !dup {
			cats[ci].Values = append(cats[ci].Values, Value{Name: val, Min: lo, Max: hi})
		}
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	if len(cats) == 0 {
		return nil, rathaus.Invalidf("quotas", "keine Quoten in der Datei")
	}
	return cats, nil
}

// ReadPeople reads a people file: one row per person, an id column named
// idColumn (when idColumn is empty, a column named "id" if there is one,
// otherwise the row number starting at 1) and one column per category of
// cats. Other columns are kept in Record but otherwise ignored.
func ReadPeople(r io.Reader, cats []Category, idColumn string) (*Pool, error) {
	t, err := readTable(r, "people")
	if err != nil {
		return nil, err
	}
	idCol := -1
	if idColumn != "" {
		if idCol = t.col(idColumn); idCol < 0 {
			return nil, rathaus.Invalidf("people", "Spalte %q für die Kennung fehlt (vorhanden: %s)", idColumn, strings.Join(t.header, ", "))
		}
	} else {
		idCol = t.col("id")
	}
	probs := problems{field: "people"}
	catCols := make([]int, len(cats))
	for c, cat := range cats {
		if catCols[c] = t.col(cat.Name); catCols[c] < 0 {
			probs.addf("Spalte %q aus den Quoten fehlt in der Personendatei (vorhanden: %s)", cat.Name, strings.Join(t.header, ", "))
		}
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	pool := &Pool{Header: t.header}
	seen := map[string]int{}
	for k, row := range t.rows {
		line := t.lines[k]
		id := strconv.Itoa(k + 1)
		if idCol >= 0 {
			id = cell(row, idCol)
			if id == "" {
				probs.addf("Zeile %d: Kennung (Spalte %q) ist leer", line, t.header[idCol])
				continue
			}
		}
		if prev, ok := seen[id]; ok {
			probs.addf("Zeile %d: Kennung %q doppelt (schon in Zeile %d)", line, id, prev)
			continue
		}
		seen[id] = line
		p := Person{ID: id, Line: line, Values: make([]int, len(cats)), Record: row}
		ok := true
		for c, cat := range cats {
			v := cell(row, catCols[c])
			if v == "" {
				probs.addf("Zeile %d (Kennung %s): Zelle in Spalte %q ist leer", line, id, cat.Name)
				ok = false
				continue
			}
			p.Values[c] = valueIndex(cat, v)
			if p.Values[c] < 0 {
				probs.addf("Zeile %d (Kennung %s): Wert %q in Spalte %q fehlt in den Quoten", line, id, v, cat.Name)
				ok = false
			}
		}
		if ok {
			pool.People = append(pool.People, p)
		}
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	return pool, nil
}

func valueIndex(cat Category, v string) int {
	for i, val := range cat.Values {
		if strings.EqualFold(val.Name, v) {
			return i
		}
	}
	return -1
}
