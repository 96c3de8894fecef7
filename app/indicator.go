package app

import (
	"io"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"comptoir/app/indicator"
)

// IndicatorScreen shows where the pharmacy stands on the incentive: MSSanté exchanges per
// month from the cache against the dispensings, typed in or imported (docs/indicateur.md).
type IndicatorScreen struct {
	Window      fyne.Window
	Summary     *widget.Label // the period's ratio against the 5 % target and the €240
	Table       *fyne.Container
	Chart       *IndicatorChart
	Month       *widget.Entry // manual entry: month and count
	Count       *widget.Entry
	SaveMonth   *widget.Button
	Import      *widget.Button
	Export      *widget.Button
	Problems    *widget.Label // import report, bad lines with their numbers
	Explanation *widget.Label

	u           *UI
	s           Session // the session the screen counts
	book        PatientBook
	loc         *time.Location
	dispensings indicator.Dispensings
	sums        []indicator.Summary
	table       indicator.Table
	loading     bool // a recount runs
}

// ShowIndicator opens the indicator window (nil without a session).
func (u *UI) ShowIndicator() *IndicatorScreen {
	u.touch()
	book := u.patientBook()
	if book == nil || u.locked {
		u.showError(u.tr.T("wizard.login.first"), nil)
		return nil
	}
	t := u.tr.T
	// Months in the workstation's zone: a dispensing's date is the pharmacy's, in La Réunion
	// as in Lyon.
	s := &IndicatorScreen{u: u, s: u.session, book: book, loc: u.deps.Now().Location(), Window: u.app.NewWindow(t("indicator.title"))}
	s.Summary = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.Summary.Wrapping = fyne.TextWrapWord
	s.Table = container.New(columns{len(indicatorColumns)})
	s.Chart = newIndicatorChart()
	s.Month = widget.NewEntry()
	s.Month.SetPlaceHolder(t("indicator.month.placeholder"))
	s.Count = widget.NewEntry()
	s.Count.SetPlaceHolder(t("indicator.count.placeholder"))
	s.SaveMonth = widget.NewButton(t("indicator.month.save"), func() { u.touch(); s.saveMonth() })
	s.Import = widget.NewButtonWithIcon(t("indicator.import"), theme.FolderOpenIcon(), func() { u.touch(); s.pickImport() })
	s.Export = widget.NewButtonWithIcon(t("indicator.export"), theme.DocumentSaveIcon(), func() { u.touch(); s.pickExport() })
	s.Problems = widget.NewLabel("")
	s.Problems.Wrapping = fyne.TextWrapWord
	s.Problems.Hide()
	s.Explanation = widget.NewLabel(indicator.Explanation)
	s.Explanation.Wrapping = fyne.TextWrapWord

	entry := container.NewBorder(nil, nil, widget.NewLabel(t("indicator.entry")),
		container.NewHBox(s.SaveMonth, s.Import, s.Export),
		container.NewGridWithColumns(2, s.Month, s.Count))
	top := container.NewVBox(s.Summary, entry, s.Problems)
	body := container.NewVBox(s.Chart, s.Table, widget.NewSeparator(), s.Explanation)
	s.Window.SetContent(container.NewBorder(top, nil, nil, nil, container.NewVScroll(body)))
	u.sizeWindow(s.Window, fyne.NewSize(1100, 760))
	s.recompute() // dispensings at once, exchanges once counted
	s.Reload()
	u.track(s.Window, nil)
	s.Window.Show()
	return s
}

// indicatorColumns are the table's headers, as translation keys.
var indicatorColumns = []string{"indicator.col.month", "indicator.col.sentpatients", "indicator.col.recvpatients",
	"indicator.col.sentpros", "indicator.col.recvpros", "indicator.col.exchanges", "indicator.col.dispensings",
	"indicator.col.ratio", "indicator.col.target"}

// Reload recounts the messages of the cache in the background (a large cache takes a
// moment), then redraws the table and chart; a recount already running is not repeated.
func (s *IndicatorScreen) Reload() {
	if s.loading {
		return
	}
	s.loading = true
	book := s.book
	go func() {
		sums, err := book.Summaries()
		s.u.deps.Do(func() {
			s.loading = false
			if err != nil {
				s.u.log.Warn("indicator summaries", "err", err)
				return
			}
			s.sums = sums
			s.recompute()
		})
	}()
}

// recompute rebuilds the table from the counted messages and the dispensings.
func (s *IndicatorScreen) recompute() {
	s.dispensings = s.loadDispensings()
	s.table = indicator.Compute(s.sums, s.dispensings, s.loc)
	s.render()
}

func (s *IndicatorScreen) loadDispensings() indicator.Dispensings {
	d, err := s.book.Dispensings()
	if err != nil {
		s.u.log.Warn("read dispensings", "err", err)
		return indicator.Dispensings{}
	}
	return d
}

func (s *IndicatorScreen) saveDispensings() error {
	return s.book.SetDispensings(s.dispensings)
}

// Computed returns the computed table (tests compare it with what the screen shows).
func (s *IndicatorScreen) Computed() indicator.Table { return s.table }

func (s *IndicatorScreen) render() {
	t := s.u.tr.T
	s.Summary.SetText(s.summaryText())
	s.Table.RemoveAll()
	// Cells wrap between words: nine columns fit a 1024 px screen.
	cell := func(text string, bold bool) *widget.Label {
		l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: bold})
		l.Wrapping = fyne.TextWrapWord
		return l
	}
	for _, k := range indicatorColumns {
		s.Table.Add(cell(t(k), true))
	}
	for _, r := range s.table.Rows {
		for _, c := range s.RowCells(r) {
			s.Table.Add(cell(c, false))
		}
	}
	s.Table.Refresh()
	s.Chart.set(s.table.Rows)
}

// RowCells is what the table shows for one month.
func (s *IndicatorScreen) RowCells(r indicator.Row) []string {
	t := s.u.tr.T
	disp, ratio, target := "—", "—", "—"
	if r.HasDispensings {
		disp = strconv.Itoa(r.Dispensings)
	}
	if v, ok := r.Ratio(); ok {
		ratio = indicator.FormatPercent(v) + " %"
		target = t("indicator.reached")
		if !r.Reached() {
			target = s.u.tr.N("indicator.missing", int64(r.Missing()))
		}
	}
	return []string{r.Month.Label(), strconv.Itoa(r.SentPatients), strconv.Itoa(r.ReceivedPatients),
		strconv.Itoa(r.SentProfessionals), strconv.Itoa(r.ReceivedProfessionals), strconv.Itoa(r.Exchanges()),
		disp, ratio, target}
}

// summaryText states the period's ratio (months with known dispensings only).
func (s *IndicatorScreen) summaryText() string {
	t := s.u.tr.T
	r := s.table.Rated
	v, ok := r.Ratio()
	if !ok {
		return t("indicator.summary.none", indicator.TargetPercent, indicator.RewardEuros)
	}
	state := t("indicator.summary.reached", indicator.RewardEuros)
	if !r.Reached() {
		state = s.u.tr.N("indicator.summary.missing", int64(r.Missing()), indicator.RewardEuros)
	}
	n := s.u.tr.N
	return t("indicator.summary", indicator.FormatPercent(v), n("count.exchanges", int64(r.Exchanges())),
		n("count.dispensings", int64(r.Dispensings)), n("count.months", int64(s.table.RatedMonths)),
		indicator.TargetPercent) + " " + state
}

func (s *IndicatorScreen) problem(msg string) {
	s.Problems.SetText(msg)
	s.Problems.Show()
}

// saveMonth records the dispensings typed for one month.
func (s *IndicatorScreen) saveMonth() {
	t := s.u.tr.T
	if s.u.refused(s.s, s.problem) {
		return
	}
	m, err := indicator.ParseMonth(s.Month.Text)
	if err != nil {
		s.problem(t("indicator.month.bad", strings.TrimSpace(s.Month.Text)))
		return
	}
	n, err := indicator.ParseCount(s.Count.Text)
	if err != nil {
		s.problem(indicator.UserMessage(err))
		return
	}
	s.dispensings[m] = n
	if err := s.saveDispensings(); err != nil {
		s.u.log.Warn("save dispensings", "err", err)
		s.problem(t("settings.save.failed"))
		return
	}
	s.Problems.Hide()
	s.Month.SetText("")
	s.Count.SetText("")
	s.recompute()
}

// ImportDispensings reads a CSV export of the pharmacy software: its months replace those
// typed before; bad lines are listed with their numbers, never blocking the others.
func (s *IndicatorScreen) ImportDispensings(r io.Reader) {
	t := s.u.tr.T
	if s.u.refused(s.s, s.problem) {
		return
	}
	imp, err := indicator.ImportDispensings(r)
	if err != nil {
		s.u.log.Warn("import dispensings", "err", err)
		s.problem(t("indicator.import.failed"))
		return
	}
	s.dispensings.Merge(imp.Dispensings)
	if err := s.saveDispensings(); err != nil {
		s.u.log.Warn("save dispensings", "err", err)
		s.problem(t("settings.save.failed"))
		return
	}
	var b strings.Builder
	b.WriteString(s.u.tr.N("indicator.import.done", int64(len(imp.Dispensings))))
	for _, p := range imp.Problems {
		b.WriteString("\n" + p.String())
	}
	s.problem(b.String())
	s.recompute()
}

// ExportCSV writes the monthly table for a spreadsheet (docs/indicateur.md).
func (s *IndicatorScreen) ExportCSV(w io.Writer) error {
	if !s.u.live(s.s) {
		return ErrLocked
	}
	return indicator.WriteCSV(w, s.table)
}

func (s *IndicatorScreen) pickImport() {
	if s.u.refused(s.s, s.problem) {
		return
	}
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		defer r.Close()
		s.ImportDispensings(r)
	}, s.Window)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv", ".txt"}))
	d.Show()
}

func (s *IndicatorScreen) pickExport() {
	if s.u.refused(s.s, s.problem) {
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		err = writeExport(w, s.ExportCSV)
		if msg := s.u.lockedError(err); msg != "" {
			s.problem(msg)
			return
		}
		if err != nil {
			s.u.showError(s.u.tr.T("indicator.export.failed"), err)
			return
		}
		s.u.notice(s.u.tr.T("status.saved", w.URI().Name()))
	}, s.Window)
	d.SetFileName("indicateur-mssante.csv")
	d.Show()
}
