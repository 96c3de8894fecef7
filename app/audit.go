package app

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// auditShown bounds the entries the screen lists (the newest); the export takes them all.
const auditShown = 1000

// AuditScreen is « Journal des actions »: the audit journal (ECO.4.1.x) filtered by date,
// BAL, author and action, and its export as CSV with the columns chosen.
type AuditScreen struct {
	Window              fyne.Window
	From, To            *widget.Entry // JJ/MM/AAAA, both days included
	BAL, Author, Action *widget.Select
	Apply               *widget.Button
	Count               *widget.Label
	Table               *widget.Table
	Detail              *widget.Label   // the selected entry in full (the table cuts long texts)
	Columns             []*widget.Check // the columns to export, in AuditColumn order
	Export              *widget.Button
	Error               *widget.Label

	u       *UI
	s       Session // the session whose journal is shown: refused once it is locked
	j       AuditJournal
	loc     *time.Location
	bals    []string // the BAL select's values ("" = all)
	authors []string
	entries []AuditEntry
}

// auditJournal returns the session's journal, or nil.
func (u *UI) auditJournal() AuditJournal {
	j, _ := u.session.(AuditJournal)
	return j
}

// ShowAudit opens the journal window (nil without a session).
func (u *UI) ShowAudit() *AuditScreen {
	u.touch()
	j := u.auditJournal()
	if j == nil || u.locked {
		u.showError(u.tr.T("wizard.login.first"), nil)
		return nil
	}
	t := u.tr.T
	// Times in the workstation's zone, like every other screen: a pharmacy in La Réunion
	// reads its own time.
	s := &AuditScreen{u: u, s: u.session, j: j, loc: u.deps.Now().Location(), Window: u.app.NewWindow(t("audit.title"))}
	s.From, s.To = widget.NewEntry(), widget.NewEntry()
	for _, e := range []*widget.Entry{s.From, s.To} {
		e.SetPlaceHolder(t("patients.date.placeholder"))
		e.OnSubmitted = func(string) { u.touch(); s.Reload() }
	}
	s.bals = []string{""}
	balOpts := []string{t("audit.all.bals")}
	for _, b := range u.session.BALs() {
		s.bals = append(s.bals, b.Address)
		balOpts = append(balOpts, b.Address)
	}
	s.BAL = widget.NewSelect(balOpts, nil)
	s.BAL.SetSelectedIndex(0)
	s.authors = s.knownAuthors()
	authorOpts := append([]string{t("audit.all.authors")}, s.authors...)
	s.Author = widget.NewSelect(authorOpts, nil)
	s.Author.SetSelectedIndex(0)
	actionOpts := []string{t("audit.all.actions")}
	for _, a := range auditActions {
		actionOpts = append(actionOpts, actionLabel(t, a))
	}
	s.Action = widget.NewSelect(actionOpts, nil)
	s.Action.SetSelectedIndex(0)
	for _, sel := range []*widget.Select{s.BAL, s.Author, s.Action} {
		sel.OnChanged = func(string) { u.touch(); s.Reload() }
	}
	s.Apply = widget.NewButtonWithIcon(t("audit.apply"), theme.SearchIcon(), func() { u.touch(); s.Reload() })
	s.Count = widget.NewLabel("")
	s.Error = widget.NewLabel("")
	s.Error.Importance = widget.DangerImportance
	s.Error.Wrapping = fyne.TextWrapWord
	s.Error.Hide()
	s.Table = widget.NewTable(func() (int, int) { return len(s.entries), int(auditColumns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < len(s.entries) {
				o.(*widget.Label).SetText(AuditColumn(id.Col).value(t, s.loc, s.entries[id.Row]))
			}
		})
	s.Table.ShowHeaderRow = true
	s.Table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	s.Table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(AuditColumn(id.Col).header(t))
		}
	}
	for c, w := range []float32{150, 180, 230, 120, 300, 300, 80} {
		s.Table.SetColumnWidth(c, w)
	}
	s.Detail = widget.NewLabel("")
	s.Detail.Wrapping = fyne.TextWrapWord
	s.Detail.Selectable = true
	s.Table.OnSelected = func(id widget.TableCellID) {
		u.touch()
		if id.Row >= 0 && id.Row < len(s.entries) {
			s.Detail.SetText(s.detail(s.entries[id.Row]))
		}
	}
	var checks []fyne.CanvasObject
	for c := AuditColumn(0); c < auditColumns; c++ {
		ch := widget.NewCheck(c.header(t), nil)
		ch.SetChecked(true)
		s.Columns = append(s.Columns, ch)
		checks = append(checks, ch)
	}
	s.Export = widget.NewButtonWithIcon(t("audit.export"), theme.DocumentSaveIcon(), func() { u.touch(); s.pickExport() })

	dates := container.NewHBox(widget.NewLabel(t("audit.from")), sized(s.From, 130), widget.NewLabel(t("audit.to")), sized(s.To, 130), s.Apply)
	filters := container.NewVBox(dates, container.NewGridWithColumns(3, s.BAL, s.Author, s.Action))
	export := container.NewVBox(s.Detail, widget.NewSeparator(), widget.NewLabel(t("audit.columns")), container.NewGridWithColumns(4, checks...),
		container.NewHBox(layout.NewSpacer(), s.Export))
	s.Window.SetContent(container.NewBorder(container.NewVBox(filters, s.Error, s.Count), export, nil, nil, s.Table))
	s.Window.Resize(fyne.NewSize(980, 640))
	s.Reload()
	u.track(s.Window, nil)
	s.Window.Show()
	return s
}

// sized gives an entry a width (an HBox gives it its minimum).
func sized(o fyne.CanvasObject, w float32) fyne.CanvasObject {
	return container.NewGridWrap(fyne.NewSize(w, o.MinSize().Height), o)
}

// knownAuthors lists the authors of the latest entries, the session's own first.
func (s *AuditScreen) knownAuthors() []string {
	out := []string{s.j.Author()}
	es, err := s.j.Audit(AuditFilter{Limit: 10000})
	if err != nil {
		s.u.log.Warn("audit authors", "err", err)
	}
	for _, e := range es {
		if e.Author != "" && !slices.Contains(out, e.Author) {
			out = append(out, e.Author)
		}
	}
	return out
}

// filter reads the filter fields; a date that does not parse is a French error.
func (s *AuditScreen) filter() (AuditFilter, string) {
	t := s.u.tr.T
	var f AuditFilter
	day := func(e *widget.Entry) (time.Time, bool) {
		d, err := parseBirthDate(e.Text) // JJ/MM/AAAA, a past or present day
		if err != nil {
			return time.Time{}, false
		}
		if d.IsZero() {
			return d, true
		}
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, s.loc), true
	}
	from, ok1 := day(s.From)
	to, ok2 := day(s.To)
	if !ok1 || !ok2 {
		return f, t("audit.baddate")
	}
	f.From = from
	if !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // the whole day
	}
	if i := s.BAL.SelectedIndex(); i > 0 {
		f.BAL = s.bals[i]
	}
	if i := s.Author.SelectedIndex(); i > 0 {
		f.Author = s.authors[i-1]
	}
	if i := s.Action.SelectedIndex(); i > 0 {
		f.Action = auditActions[i-1]
	}
	return f, ""
}

// Reload reads the journal again with the filters.
func (s *AuditScreen) Reload() {
	t := s.u.tr.T
	s.Error.Hide()
	if s.u.refused(s.s, s.fail) {
		return
	}
	f, problem := s.filter()
	if problem != "" {
		s.Error.SetText(problem)
		s.Error.Show()
		return
	}
	f.Limit = auditShown
	es, err := s.j.Audit(f)
	if err != nil {
		s.u.log.Warn("audit", "err", err)
		s.Error.SetText(t("audit.readfailed"))
		s.Error.Show()
	}
	s.entries = es
	s.Detail.SetText("")
	s.Table.UnselectAll()
	if len(es) >= auditShown {
		s.Count.SetText(t("audit.count.limited", auditShown))
	} else {
		s.Count.SetText(t("audit.count", len(es)))
	}
	s.Table.Refresh()
}

// detail is one entry in full, one column a line.
func (s *AuditScreen) detail(e AuditEntry) string {
	var lines []string
	for c := AuditColumn(0); c < auditColumns; c++ {
		lines = append(lines, c.header(s.u.tr.T)+" : "+c.value(s.u.tr.T, s.loc, e))
	}
	return strings.Join(lines, "\n")
}

func (s *AuditScreen) fail(text string) {
	s.Error.SetText(text)
	s.Error.Show()
}

// Rows are the table's rows as shown, newest first.
func (s *AuditScreen) Rows() [][]string {
	out := make([][]string, len(s.entries))
	for i, e := range s.entries {
		row := make([]string, auditColumns)
		for c := range row {
			row[c] = AuditColumn(c).value(s.u.tr.T, s.loc, e)
		}
		out[i] = row
	}
	return out
}

// ExportCSV writes every entry the filters select (not only those shown) with the chosen
// columns.
func (s *AuditScreen) ExportCSV(w io.Writer) error {
	if !s.u.live(s.s) {
		return ErrLocked
	}
	f, problem := s.filter()
	if problem != "" {
		return fmt.Errorf("app: audit export: %s", problem)
	}
	f.Limit = 1 << 30
	es, err := s.j.Audit(f)
	if err != nil {
		return fmt.Errorf("app: audit export: %w", err)
	}
	var cols []AuditColumn
	for c, ch := range s.Columns {
		if ch.Checked {
			cols = append(cols, AuditColumn(c))
		}
	}
	if len(cols) == 0 {
		return errNoColumn
	}
	return writeAuditCSV(w, s.u.tr.T, s.loc, es, cols)
}

var errNoColumn = errors.New("app: audit export: no column chosen")

func (s *AuditScreen) pickExport() {
	t := s.u.tr.T
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		err = writeExport(w, s.ExportCSV)
		if msg := s.u.lockedError(err); msg != "" {
			s.fail(msg)
			return
		}
		if errors.Is(err, errNoColumn) {
			s.Error.SetText(t("audit.nocolumn"))
			s.Error.Show()
			return
		}
		if err != nil {
			s.u.showError(t("audit.export.failed"), err)
			return
		}
		s.u.notice(t("status.saved", w.URI().Name()))
	}, s.Window)
	d.SetFileName("journal-mssante-" + s.u.deps.Now().Format("2006-01-02") + ".csv")
	d.Show()
}
