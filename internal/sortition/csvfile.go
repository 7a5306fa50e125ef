package sortition

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/rathaus/rathaus"
)

// MaxFileSize bounds an uploaded people or quotas file.
const MaxFileSize = 32 << 20

// table is a CSV file as spreadsheet programs write it, decoded to UTF-8.
type table struct {
	header []string
	rows   [][]string
	lines  []int // file line of each row, for error messages
	comma  rune
}

// readTable reads a CSV file with comma, semicolon or tab separators in
// UTF-8 (with or without byte order mark) or Windows-1252. field names the
// input in errors.
func readTable(r io.Reader, field string) (*table, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("sortition: read %s: %w", field, err)
	}
	if len(data) > MaxFileSize {
		return nil, rathaus.TooLargef(field, "Datei größer als %d MB", MaxFileSize>>20)
	}
	text := decodeText(data)
	firstLine, _, _ := strings.Cut(text, "\n")
	comma := sniffDelimiter(firstLine)
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	t := &table{comma: comma}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, rathaus.Invalidf(field, "CSV nicht lesbar: %v", err)
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if t.header == nil {
			t.header = rec
			continue
		}
		if blank(rec) {
			// Spreadsheets append rows of empty cells; they carry nothing.
			continue
		}
		t.rows = append(t.rows, rec)
		t.lines = append(t.lines, line)
	}
	if len(t.header) == 0 {
		return nil, rathaus.Invalidf(field, "Datei ist leer")
	}
	return t, nil
}

func blank(rec []string) bool {
	for _, s := range rec {
		if s != "" {
			return false
		}
	}
	return true
}

// col returns the index of the header named name (case-insensitive), or -1.
func (t *table) col(name string) int {
	for i, h := range t.header {
		if strings.EqualFold(h, name) {
			return i
		}
	}
	return -1
}

// cell returns row[i], or "" when the row is short.
func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

// decodeText strips a UTF-8 byte order mark and decodes Windows-1252 when
// the bytes are not valid UTF-8 (what Excel writes as "CSV" on German
// Windows).
func decodeText(data []byte) string {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if utf8.Valid(data) {
		return strings.ReplaceAll(string(data), "\r\n", "\n")
	}
	var b strings.Builder
	b.Grow(len(data) + len(data)/8)
	for _, c := range data {
		if c >= 0x80 && c < 0xa0 {
			b.WriteRune(cp1252[c-0x80])
		} else {
			b.WriteRune(rune(c))
		}
	}
	return strings.ReplaceAll(b.String(), "\r\n", "\n")
}

// cp1252 maps bytes 0x80–0x9F of Windows-1252; the rest equals Latin-1.
var cp1252 = [32]rune{
	'€', '\u0081', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u008d', 'Ž', '\u008f',
	'\u0090', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u009d', 'ž', 'Ÿ',
}

// sniffDelimiter picks the separator that occurs most often outside quotes
// in the header line.
func sniffDelimiter(line string) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ',' || r == ';' || r == '\t'):
			counts[r]++
		}
	}
	best := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}
