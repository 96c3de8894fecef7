package app

import (
	"encoding/csv"
	"fmt"
	"io"
	"time"
)

// AuditEntry is one action of the audit journal (ECO.4.1.x): who, when, on which BAL, the
// request sent to the server and its response — never message contents.
type AuditEntry struct {
	Time                                   time.Time
	Author, BAL, Action, Request, Response string
	OK                                     bool
}

// AuditFilter selects journal entries: [From, To), and Author, BAL, Action when not empty.
type AuditFilter struct {
	From, To            time.Time
	Author, BAL, Action string
	Limit               int // 0: 1000
}

// AuditJournal is optionally implemented by a Session: the « Journal des actions » screen.
type AuditJournal interface {
	Audit(f AuditFilter) ([]AuditEntry, error) // newest first
	Author() string                            // the session's holder as the journal names them
}

// auditActions are the journal's actions (mail.Action*), in the order the filter lists them.
var auditActions = []string{"login", "fetch", "read", "flags", "send", "mdn", "delete"}

// AuditColumn is a column of the journal, on screen and in the CSV export.
type AuditColumn int

const (
	AuditTime AuditColumn = iota
	AuditAuthor
	AuditBAL
	AuditAction
	AuditRequest
	AuditResponse
	AuditResult
	auditColumns // the number of columns
)

// auditDateTime is how the journal writes times, in the workstation's zone.
const auditDateTime = "02/01/2006 15:04:05"

// header is the column's title.
func (c AuditColumn) header(t func(string, ...any) string) string {
	return t(fmt.Sprintf("audit.col.%d", int(c)))
}

// value is what the column shows of e.
func (c AuditColumn) value(t func(string, ...any) string, loc *time.Location, e AuditEntry) string {
	switch c {
	case AuditTime:
		return e.Time.In(loc).Format(auditDateTime)
	case AuditAuthor:
		return e.Author
	case AuditBAL:
		return e.BAL
	case AuditAction:
		return actionLabel(t, e.Action)
	case AuditRequest:
		return e.Request
	case AuditResponse:
		return e.Response
	case AuditResult:
		if e.OK {
			return t("audit.ok")
		}
		return t("audit.failed")
	}
	return ""
}

// actionLabel is the French name of a journal action (the code itself when unknown).
func actionLabel(t func(string, ...any) string, action string) string {
	if s := t("audit.action." + action); s != "audit.action."+action {
		return s
	}
	return action
}

// writeAuditCSV writes entries as a CSV file Excel opens as is: UTF-8 with a byte order
// mark, ';' between fields (the list separator of French Windows), CRLF line ends, the
// chosen columns with their titles on the first line.
func writeAuditCSV(w io.Writer, t func(string, ...any) string, loc *time.Location, entries []AuditEntry, cols []AuditColumn) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fmt.Errorf("app: audit CSV: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.Comma, cw.UseCRLF = ';', true
	row := make([]string, len(cols))
	for i, c := range cols {
		row[i] = c.header(t)
	}
	if err := cw.Write(row); err != nil {
		return fmt.Errorf("app: audit CSV: %w", err)
	}
	for _, e := range entries {
		for i, c := range cols {
			row[i] = csvSafe(c.value(t, loc, e))
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("app: audit CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("app: audit CSV: %w", err)
	}
	return nil
}

// csvSafe keeps a spreadsheet from reading a server's text as a formula (CSV injection): a
// field starting with = + - @ or a tab gets a leading apostrophe, which Excel hides.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
