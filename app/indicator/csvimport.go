package indicator

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// MaxImportSize bounds the export read by ImportDispensings (a daily export of ten years
// is well under 1 MB).
const MaxImportSize = 16 << 20

// Import is the result of reading a dispensings export. Bad lines never stop it.
type Import struct {
	Dispensings Dispensings // per month; daily rows are summed into their month
	Rows        int         // lines accepted
	Problems    []LineProblem
	Encoding    string // "UTF-8", "Windows-1252" or "UTF-16"
	Separator   rune   // ';', ',' or '\t'
}

// LineProblem is a line of the export that was left out, and why (French, for the user).
type LineProblem struct {
	Line   int    // 1-based, counting every line of the file
	Text   string // the line as read, shortened
	Reason string
}

// String is the French sentence shown in the import report.
func (p LineProblem) String() string {
	return fmt.Sprintf("ligne %d : %s (« %s »)", p.Line, p.Reason, p.Text)
}

// ImportDispensings reads the dispensings export of the pharmacy software, as described
// in docs/indicateur.md: two columns, a month or a date then a number; an optional
// header row naming them; ';', ',' or tab separated; UTF-8 (with or without BOM),
// UTF-16 with BOM, or Windows-1252. It fails only when r cannot be read or is too large.
func ImportDispensings(r io.Reader) (*Import, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportSize+1))
	if err != nil {
		return nil, fmt.Errorf("patient: read dispensings export: %w", err)
	}
	if len(data) > MaxImportSize {
		return nil, fmt.Errorf("patient: dispensings export larger than %d bytes", MaxImportSize)
	}
	text, enc, err := decodeText(data)
	if err != nil {
		return nil, fmt.Errorf("patient: decode dispensings export: %w", err)
	}
	imp := &Import{Dispensings: Dispensings{}, Encoding: enc}
	periodCol, countCol := 0, 1
	first := true
	for i, line := range splitLines(text) {
		n := i + 1
		if strings.TrimSpace(line) == "" {
			continue
		}
		if first {
			imp.Separator = detectSeparator(line)
		}
		cells := splitFields(line, imp.Separator)
		if first {
			first = false
			if _, _, ok := parsePeriod(cells[0]); !ok && isHeader(cells) {
				periodCol, countCol = headerColumns(cells)
				continue
			}
		}
		m, c, reason := parseRow(cells, periodCol, countCol)
		if reason != "" {
			imp.Problems = append(imp.Problems, LineProblem{Line: n, Text: shorten(line), Reason: reason})
			continue
		}
		imp.Dispensings[m] += c
		imp.Rows++
	}
	return imp, nil
}

func parseRow(cells []string, periodCol, countCol int) (Month, int, string) {
	if periodCol >= len(cells) || countCol >= len(cells) {
		return Month{}, 0, "il manque une colonne (mois ou date, puis nombre de délivrances)"
	}
	p := strings.TrimSpace(cells[periodCol])
	m, _, ok := parsePeriod(p)
	if !ok {
		if strings.HasPrefix(foldFrench(p), "total") {
			return Month{}, 0, "ligne de total ignorée"
		}
		return Month{}, 0, fmt.Sprintf("« %s » n'est ni un mois ni une date", shorten(p))
	}
	c, err := ParseCount(cells[countCol])
	if err != nil {
		v := strings.TrimSpace(cells[countCol])
		if v == "" {
			return Month{}, 0, "le nombre de délivrances est vide"
		}
		return Month{}, 0, fmt.Sprintf("« %s » n'est pas un nombre entier positif", shorten(v))
	}
	return m, c, ""
}

// decodeText turns the export into UTF-8 text and names the encoding found.
func decodeText(data []byte) (string, string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		out, err := dec.Bytes(data)
		return string(out), "UTF-16", err
	}
	if utf8.Valid(data) {
		return string(data), "UTF-8", nil
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	return string(out), "Windows-1252", err
}

func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

// detectSeparator prefers ';' (French spreadsheets), then tab, then ','.
func detectSeparator(line string) rune {
	for _, sep := range []rune{';', '\t', ','} {
		if len(splitFields(line, sep)) > 1 {
			return sep
		}
	}
	return ';'
}

// splitFields splits one line on sep, honouring double quotes ("a;b" and "" inside).
func splitFields(line string, sep rune) []string {
	var fields []string
	var b strings.Builder
	quoted := false
	runes := []rune(line)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case r == '"' && quoted && i+1 < len(runes) && runes[i+1] == '"':
			b.WriteRune('"')
			i++
		case r == '"':
			quoted = !quoted
		case r == sep && !quoted:
			fields = append(fields, b.String())
			b.Reset()
		default:
			b.WriteRune(r)
		}
	}
	return append(fields, b.String())
}

// isHeader: a first row with no period and no number in any cell is a header.
func isHeader(cells []string) bool {
	for _, c := range cells {
		if _, _, ok := parsePeriod(c); ok {
			return false
		}
		if _, err := ParseCount(c); err == nil {
			return false
		}
	}
	return true
}

// headerColumns finds the period and count columns by name, else takes the first two.
func headerColumns(cells []string) (period, count int) {
	period, count = -1, -1
	for i, c := range cells {
		f := foldFrench(strings.TrimSpace(c))
		switch {
		case period < 0 && hasAnyPrefix(f, "mois", "date", "periode", "jour", "month"):
			period = i
		case count < 0 && containsAny(f, "delivr", "dispens", "nombre", "nb", "quantite", "total", "count"):
			count = i
		}
	}
	if period < 0 {
		period = 0
	}
	if count < 0 {
		count = 1
		if period == 1 {
			count = 0
		}
	}
	return period, count
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func shorten(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	return string([]rune(s)[:57]) + "…"
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
