package app

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ReaderView shows one message: headers, patient, text, attachments, XDM documents.
type ReaderView struct {
	Content fyne.CanvasObject

	Empty                       *widget.Label
	Subject                     *widget.Label
	From, To, Cc, Date, Patient *widget.Label
	Report                      *widget.Label // DSN/MDN: what the report says
	Notice                      *widget.Label // what could not be read in the message
	MDNBar                      *fyne.Container
	MDNSend, MDNIgnore          *widget.Button
	Body                        *widget.Label
	DocumentsTitle              *widget.Label
	Documents                   []*PartRow // XDM documents of the patient
	Signatures                  []*PartRow // the XDM package's signatures: save only
	DocumentsError              *widget.Label
	Attachments                 []*PartRow
	Preview                     *Preview
	Actions                     *ReaderActions // « Traité », « Non lu », « Archiver », « Supprimer »

	u       *UI
	m       *MainScreen
	msg     *Message
	details *fyne.Container
	scroll  *container.Scroll
	docs    *fyne.Container
	atts    *fyne.Container
	bodyCut bool // the text shown is the start of a longer one
	// The message being read off the UI goroutine (reader_load.go).
	loadCancel context.CancelFunc
	loadSeq    int
	loading    bool
	plist      *partList // the list of a message with many attachments (reader_parts.go)
}

func newReaderView(u *UI, m *MainScreen) *ReaderView {
	t := u.tr.T
	r := &ReaderView{u: u, m: m}
	r.Empty = widget.NewLabel(t("reader.empty"))
	r.Empty.Alignment = fyne.TextAlignCenter
	r.Subject = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.Subject.Wrapping = fyne.TextWrapWord
	r.From, r.To, r.Cc, r.Date = widget.NewLabel(""), widget.NewLabel(""), widget.NewLabel(""), widget.NewLabel("")
	for _, l := range []*widget.Label{r.From, r.To, r.Cc, r.Date} {
		l.Wrapping = fyne.TextWrapWord
	}
	r.Patient = widget.NewLabel("")
	r.Patient.Importance = widget.SuccessImportance
	r.Patient.Wrapping = fyne.TextWrapWord
	r.Report = widget.NewLabel("")
	r.Report.Importance = widget.WarningImportance
	r.Report.Wrapping = fyne.TextWrapWord
	r.Notice = widget.NewLabel("")
	r.Notice.Importance = widget.WarningImportance
	r.Notice.Wrapping = fyne.TextWrapWord
	r.MDNSend = widget.NewButton(t("reader.mdn.send"), r.sendMDN)
	r.MDNIgnore = widget.NewButton(t("reader.mdn.ignore"), func() { r.MDNBar.Hide() })
	ask := widget.NewLabel(t("reader.mdn.ask"))
	ask.Wrapping = fyne.TextWrapWord
	r.MDNBar = container.NewBorder(nil, nil, nil, container.NewHBox(r.MDNSend, r.MDNIgnore), ask)
	r.Body = widget.NewLabel("")
	r.Body.Wrapping = fyne.TextWrapWord
	r.Body.Selectable = true
	r.DocumentsTitle = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.docs = container.NewVBox()
	r.atts = container.NewVBox()
	r.Preview = newPreview(u)
	r.Actions = r.newActions()
	// The header lines close together, their text aligned with the body's.
	indent := theme.InnerPadding() * 3 / 4
	header := container.New(layout.NewCustomPaddedLayout(0, 0, indent, 0),
		container.NewThemeOverride(container.NewVBox(r.From, r.To, r.Cc, r.Date, r.Patient), compactTheme{}))
	r.details = container.NewVBox(r.Subject, header, r.Actions.Content, r.Report, r.Notice, r.MDNBar,
		widget.NewSeparator(), r.Body, r.DocumentsTitle, r.docs, r.atts, r.Preview.Content)
	r.scroll = container.NewVScroll(r.details)
	r.Content = container.NewStack(r.Empty, r.scroll)
	r.clear()
	return r
}

func (r *ReaderView) clear() {
	r.stopLoad()
	r.msg = nil
	r.details.Hide()
	r.Empty.Show()
	r.Preview.clear()
}

// show displays msg.
func (r *ReaderView) show(msg *Message) {
	t := r.u.tr.T
	r.msg = msg
	r.Empty.Hide()
	r.details.Show()
	r.Subject.SetText(displaySubject(msg.Subject))
	r.From.SetText(t("reader.from", clip(msg.From.String(), maxAddressRunes)))
	r.To.SetText(t("reader.to", clip(joinAddrs(msg.To), maxAddressRunes)))
	r.Cc.SetText(t("reader.cc", clip(joinAddrs(msg.Cc), maxAddressRunes)))
	show(r.Cc, len(msg.Cc) > 0)
	r.Date.SetText(t("reader.date", r.u.dateTime(msg.Date)))
	r.showState(msg.Envelope)
	if msg.Patient != nil {
		r.Patient.SetText(t("reader.patient", clip(patientText(msg.Patient), maxSubjectRunes)))
		r.Patient.Show()
	} else {
		r.Patient.Hide()
	}
	if note := r.u.confidentialNote(r.m.bals, msg); note != "" {
		if msg.Patient != nil {
			note = r.Patient.Text + " — " + note
		}
		r.Patient.SetText(note)
		r.Patient.Show()
	}
	r.Report.SetText(msg.ReportLabel)
	show(r.Report, msg.ReportLabel != "")
	show(r.MDNBar, msg.AskMDN)
	body, cut := bodyForDisplay(msg.Text)
	r.Body.SetText(body)
	r.bodyCut = cut
	r.showNotice(msg)

	r.showDocuments(msg)
	r.showAttachments(msg.Parts)
	r.previewFirst(msg.Parts)
	r.scroll.ScrollToTop() // a message opens at its top, whatever the previous one's position
}

// showNotice says what of the message could not be read.
func (r *ReaderView) showNotice(msg *Message) {
	t := r.u.tr.T
	var notes []string
	if msg.Defects > 0 {
		notes = append(notes, t("reader.defects"))
	}
	if r.bodyCut {
		notes = append(notes, t("reader.text.cut", FrenchCount(int64(maxBodyRunes))))
	}
	r.Notice.SetText(strings.Join(notes, "\n"))
	show(r.Notice, len(notes) > 0)
}

func (r *ReaderView) sendMDN() {
	r.u.touch()
	if r.msg == nil || r.m.s == nil {
		return
	}
	if err := r.m.s.SendMDN(r.msg.Ref); err != nil {
		r.u.showError(r.u.tr.T("error.mdn"), err)
		return
	}
	r.MDNBar.Hide()
	r.m.Status.notice(r.u.tr.T("status.mdn.sent"))
}

func joinAddrs(as []Address) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// PartRow is an attachment or document with its actions. Only a part whose content is a
// kind Comptoir shows itself (PDF, PNG, JPEG, plain text) can be opened or printed; any
// other can only be saved, and the row says why.
type PartRow struct {
	Content                          fyne.CanvasObject
	Name                             *widget.Label
	Warning                          *widget.Label // shown for a part that can only be saved
	PreviewButton, Open, Save, Print *widget.Button
	PrintDialog                      *PrintDialog // the last « Imprimer » dialog opened

	u       *UI
	preview *Preview
	part    Part
}

// newPartRow shows p under label (its name, cleaned of format characters).
func newPartRow(u *UI, pv *Preview, p Part, label string) *PartRow {
	row := newPartRowWidgets(u, pv)
	row.set(p, label)
	return row
}

// newPartRowWidgets makes a row's widgets, shown by set; the list of a message with many
// attachments (reader_parts.go) rebinds a few rows to the part each shows.
func newPartRowWidgets(u *UI, pv *Preview) *PartRow {
	t := u.tr.T
	row := &PartRow{u: u, preview: pv}
	row.Name = widget.NewLabel("")
	row.Name.Truncation = fyne.TextTruncateEllipsis
	row.PreviewButton = widget.NewButtonWithIcon(t("part.preview"), theme.VisibilityIcon(), row.ShowPreview)
	row.Open = widget.NewButtonWithIcon(t("part.open"), theme.FileIcon(), func() { u.openPart(row.part) })
	row.Save = widget.NewButtonWithIcon(t("part.save"), theme.DocumentSaveIcon(), func() { u.savePart(row.part) })
	row.Print = widget.NewButtonWithIcon(t("part.print"), theme.DocumentPrintIcon(), func() { row.PrintDialog = u.printPart(row.part) })
	row.Warning = widget.NewLabel(t("part.saveonly"))
	row.Warning.Importance = widget.WarningImportance
	row.Warning.Wrapping = fyne.TextWrapWord
	// The name on its own line: beside four buttons it had no room left on a 1024 px screen
	// (only « … » showed), and which file it is comes first.
	row.Content = container.NewVBox(
		container.NewBorder(nil, nil, widget.NewIcon(theme.MailAttachmentIcon()), nil, row.Name),
		container.NewHBox(layout.NewSpacer(), row.PreviewButton, row.Open, row.Save, row.Print), row.Warning)
	return row
}

// set shows p under label: what can be done with it and, for what can only be saved or
// opens as another kind than its name says, why. A widget is refreshed only if it changes:
// the list of many attachments rebinds its rows at each message.
func (row *PartRow) set(p Part, label string) {
	t := row.u.tr.T
	p.Sniff = p.sniff() // once: told when the message was read, or from Data
	row.part = p
	setText(row.Name, fmt.Sprintf("%s (%s)", clip(label, maxSubjectRunes), humanSize(p.Size)))
	open, warning := true, t("part.saveonly")
	switch k := p.Sniff.kind; {
	case !k.openable():
		open = false
	case !p.Sniff.mayOpen(): // an image too large to show
		open, warning = false, t("part.toolarge")
	case !nameMatchesKind(p.Name, k):
		// Opened under the extension of what it is: say so when the name says otherwise
		// ("ordonnance.js" is opened as text, in a text editor).
		warning = t("part.opensas", clip(safeName(label), maxSubjectRunes), t("kind."+strings.TrimPrefix(k.Ext, ".")))
	default:
		warning = ""
	}
	setEnabled(row.PreviewButton, row.CanPreview())
	setEnabled(row.Open, open)
	setEnabled(row.Print, open)
	if warning != "" {
		setText(row.Warning, warning)
	}
	show(row.Warning, warning != "")
}

// setText changes l's text, refreshing it only on a change (measuring text is costly).
func setText(l *widget.Label, s string) {
	if l.Text != s {
		l.SetText(s)
	}
}

func setEnabled(b *widget.Button, on bool) {
	switch {
	case on && b.Disabled():
		b.Enable()
	case !on && !b.Disabled():
		b.Disable()
	}
}

// CanPreview reports whether the part is an image or a PDF.
func (p *PartRow) CanPreview() bool { return previewKind(p.part) != "" }

// ShowPreview shows the part in the reader's preview area.
func (p *PartRow) ShowPreview() {
	p.u.touch()
	p.preview.show(p.part)
	// Below the text and the attachments: bring it into view, now and once its image is
	// shown (the pane may not be tall enough to scroll that far before).
	if m := p.u.Main; m != nil && m.Reader.Preview == p.preview {
		r := m.Reader
		r.ScrollToPreview()
		p.preview.shown = func() {
			p.preview.shown = nil
			if m.Reader == r {
				r.ScrollToPreview()
			}
		}
	}
}

// ScrollToPreview scrolls the reader so that the preview starts at its top.
func (r *ReaderView) ScrollToPreview() {
	r.scroll.Offset.Y = r.Preview.Content.Position().Y
	r.scroll.Refresh()
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f Mo", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d Ko", n>>10)
	}
	return fmt.Sprintf("%d o", n)
}
