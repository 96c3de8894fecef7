package indicator

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteCSV exports the monthly table for a spreadsheet: UTF-8 with BOM, ';' separated,
// CRLF line ends, French decimal comma, one row per month then the totals.
func WriteCSV(w io.Writer, t Table) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("\uFEFF")
	writeRecord(bw, "Mois", "Envoyés aux patients", "Reçus de patients",
		"Envoyés aux professionnels", "Reçus de professionnels", "Échanges MSSanté",
		"Délivrances", "Taux (%)", fmt.Sprintf("Objectif %d %% atteint", TargetPercent))
	for _, r := range t.Rows {
		writeRow(bw, r)
	}
	if len(t.Rows) > 0 {
		tot := t.Total
		writeRecord(bw, "Total", itoa(tot.SentPatients), itoa(tot.ReceivedPatients),
			itoa(tot.SentProfessionals), itoa(tot.ReceivedProfessionals), itoa(tot.Exchanges()),
			itoa(tot.Dispensings), ratioCell(t.Rated), reachedCell(t.Rated))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("patient: write indicator CSV: %w", err)
	}
	return nil
}

func writeRow(bw *bufio.Writer, r Row) {
	disp := ""
	if r.HasDispensings {
		disp = itoa(r.Dispensings)
	}
	writeRecord(bw, r.Month.String(), itoa(r.SentPatients), itoa(r.ReceivedPatients),
		itoa(r.SentProfessionals), itoa(r.ReceivedProfessionals), itoa(r.Exchanges()),
		disp, ratioCell(r), reachedCell(r))
}

// FormatPercent formats a ratio as a French percentage with two decimals: "4,25".
func FormatPercent(ratio float64) string {
	return strings.Replace(strconv.FormatFloat(ratio*100, 'f', 2, 64), ".", ",", 1)
}

func ratioCell(r Row) string {
	ratio, ok := r.Ratio()
	if !ok {
		return ""
	}
	return FormatPercent(ratio)
}

func reachedCell(r Row) string {
	if _, ok := r.Ratio(); !ok {
		return ""
	}
	if r.Reached() {
		return "oui"
	}
	return "non"
}

func itoa(n int) string { return strconv.Itoa(n) }

func writeRecord(bw *bufio.Writer, cells ...string) {
	for i, c := range cells {
		if i > 0 {
			bw.WriteByte(';')
		}
		if strings.ContainsAny(c, ";\"\r\n") {
			c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		}
		bw.WriteString(c)
	}
	bw.WriteString("\r\n")
}
