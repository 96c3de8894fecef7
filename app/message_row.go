package app

import (
	"image"
	"math"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"comptoir/app/fr"
	"comptoir/mail/patient"
)

// messageRow is one row of the list. First line: the sender, then the patient the message
// is about and their INS (a patient's own message: the patient is the sender); second line:
// the subject; the date on the right. Texts that do not fit end with « … »; an INS is shown
// whole or not at all (a cut INS looks like another patient's); hovering a row whose texts
// are cut shows them whole. Its icons are pre-rasterised images (rowIcons): an absent icon
// is an empty image in a fixed cell, so binding a row never recolours an SVG nor re-lays the
// row out.
type messageRow struct {
	widget.BaseWidget
	icons                                *rowIcons
	Handled, Replied                     *canvas.Image // « traité »; répondu or transféré
	Patient, Attachment, Receipt, Report *canvas.Image
	From, PatientName, INS               *widget.Label
	Subject, Date                        *widget.Label
	// Tips say what each shown icon means, in the order they show (rowTips); the row's
	// tooltip lists them.
	Tips []string

	env  Envelope
	ok   bool
	menu func(e Envelope, at fyne.Position) // right click
	// id is the list item the row shows; pick selects it. A row that takes right clicks
	// takes left clicks too (the desktop driver gives a click to the topmost widget that
	// takes any tap), so it selects itself as the list's own item would.
	id   widget.ListItemID
	pick func(widget.ListItemID)

	tips  *tooltips
	hover *canvas.Rectangle
	ins   string // the INS label's text when it fits ("INS 285…"); the label is empty when not
	line  *fyne.Container
}

func newMessageRow(tips *tooltips, icons *rowIcons) *messageRow {
	img := func() *canvas.Image {
		i := &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleSmooth}
		i.SetMinSize(fyne.NewSquareSize(theme.IconInlineSize()))
		return i
	}
	r := &messageRow{
		icons:       icons,
		Handled:     img(),
		Replied:     img(),
		Patient:     img(),
		Attachment:  img(),
		Receipt:     img(),
		Report:      img(),
		From:        widget.NewLabel(""),
		PatientName: widget.NewLabel(""),
		INS:         widget.NewLabel(""),
		Subject:     widget.NewLabel(""),
		Date:        widget.NewLabel(""),
		tips:        tips,
		hover:       canvas.NewRectangle(theme.Color(theme.ColorNameHover)),
	}
	for _, l := range []*widget.Label{r.From, r.PatientName, r.Subject} {
		l.Truncation = fyne.TextTruncateEllipsis
	}
	r.INS.Importance = widget.SuccessImportance
	r.hover.Hide()
	r.ExtendBaseWidget(r)
	return r
}

func (r *messageRow) CreateRenderer() fyne.WidgetRenderer {
	// Fixed cells: showing or hiding an icon never re-lays the row out.
	icons := container.NewGridWithColumns(2, r.Handled, r.Replied, r.Patient, r.Attachment, r.Receipt, r.Report)
	first := container.New(senderLine{r}, r.From, r.PatientName, r.INS)
	r.line = first
	return widget.NewSimpleRenderer(container.NewStack(r.hover,
		container.NewBorder(nil, nil, icons, r.Date, container.NewVBox(first, r.Subject))))
}

// senderLine lays out the sender, the patient and the INS on one line: the names share the
// room (each at least half when both are long), the INS keeps its whole width or is left
// out. (It empties the label rather than hiding it: a widget shown again inside a layout
// pass is not repainted by the desktop driver.)
type senderLine struct{ r *messageRow }

// namesFirst is the room the names keep (or less, all they need) before the INS gives way:
// who the message is from and about comes first; the INS shows whole beside them, or in the
// row's tooltip and the reader.
const namesFirst = 200

func (l senderLine) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = fyne.Max(h, o.MinSize().Height)
	}
	return fyne.NewSize(objs[0].MinSize().Width, h)
}

func (l senderLine) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	from, pat, ins := objs[0], objs[1], objs[2]
	natural := func(o fyne.CanvasObject) float32 { return textWidth(o.(*widget.Label)) }
	wf, wp := natural(from), natural(pat)
	wi := float32(0)
	if l.r.ins != "" {
		lb := ins.(*widget.Label)
		wi = labelWidth(l.r.ins, lb.TextStyle)
		text := l.r.ins
		if size.Width-wi < fyne.Min(wf+wp, namesFirst) {
			wi, text = 0, ""
		}
		if lb.Text != text {
			lb.Text = text
			lb.Refresh()
		}
	}
	room := size.Width - wi
	f, p := wf, wp
	if wf+wp > room {
		switch {
		case wp == 0:
			f = room
		case wf <= room/2:
			p = room - wf
		case wp <= room/2:
			f = room - wp
		default:
			f, p = room/2, room/2
		}
	}
	from.Move(fyne.NewPos(0, 0))
	from.Resize(fyne.NewSize(f, size.Height))
	pat.Move(fyne.NewPos(f, 0))
	pat.Resize(fyne.NewSize(p, size.Height))
	ins.Move(fyne.NewPos(f+p, 0))
	ins.Resize(fyne.NewSize(wi, size.Height))
}

func (r *messageRow) set(u *UI, e Envelope, ok bool) {
	r.env, r.ok = e, ok
	if !ok {
		setLabel(r.From, "…", false, widget.MediumImportance)
		r.ins = ""
		for _, l := range []*widget.Label{r.PatientName, r.INS, r.Subject, r.Date} {
			setLabel(l, "", false, widget.MediumImportance)
		}
		for _, i := range []*canvas.Image{r.Handled, r.Replied, r.Patient, r.Attachment, r.Receipt, r.Report} {
			r.setIcon(i, nil)
		}
		r.Tips = nil
		return
	}
	from, pat, ins := rowNames(e)
	before := r.lineState()
	imp := widget.MediumImportance
	if pat == "" && ins != "" {
		imp = widget.SuccessImportance // the patient wrote
	}
	setLabel(r.From, from, !e.Seen, imp)
	setLabel(r.PatientName, pat, false, widget.SuccessImportance)
	show(r.PatientName, pat != "")
	// The INS label's text is senderLine's to set, whole or empty as the room allows:
	// setting it here too would give it back its text without the room when the line's
	// texts did not change (no layout pass follows), and it would overflow onto the date.
	r.ins = ins
	setLabel(r.Subject, displaySubject(e.Subject), false, widget.MediumImportance)
	setLabel(r.Date, u.listDate(e.Date), false, widget.MediumImportance)
	r.setIcon(r.Handled, when(e.Handled, theme.ConfirmIcon()))
	switch {
	case e.Answered:
		r.setIcon(r.Replied, theme.MailReplyIcon())
	case e.Forwarded:
		r.setIcon(r.Replied, theme.MailForwardIcon())
	default:
		r.setIcon(r.Replied, nil)
	}
	r.setIcon(r.Patient, when(e.Patient != nil, theme.AccountIcon()))
	r.setIcon(r.Attachment, when(len(e.Attachments) > 0, theme.MailAttachmentIcon()))
	r.setIcon(r.Receipt, when(e.MDNRequested, theme.VisibilityIcon()))
	r.setIcon(r.Report, when(e.Kind == "dsn" || e.Kind == "mdn", theme.WarningIcon()))
	r.Tips = rowTips(u.tr, e)
	// A list row is reused for another message without being resized: share the first line
	// out again when its texts changed, or it keeps the previous message's widths.
	if r.line != nil && r.lineState() != before {
		r.line.Layout.Layout(r.line.Objects, r.line.Size())
	}
}

// when returns res if on, else nil (no icon).
func when(on bool, res fyne.Resource) fyne.Resource {
	if on {
		return res
	}
	return nil
}

// setIcon shows res (nil: nothing) in img, refreshing only on a change.
func (r *messageRow) setIcon(img *canvas.Image, res fyne.Resource) {
	var want image.Image
	if res != nil {
		want = r.icons.image(res)
	}
	if img.Image == want {
		return
	}
	img.Image = want
	img.Refresh()
}

// lineState is what the first line's layout depends on.
func (r *messageRow) lineState() [4]string {
	return [4]string{r.From.Text, r.PatientName.Text, r.ins, strconv.FormatBool(r.From.TextStyle.Bold)}
}

// rowNames are the row's sender, the patient beside it (none when the patient is the
// sender) and the INS label ("" without an INS).
func rowNames(e Envelope) (from, pat, ins string) {
	from = senderName(e.From)
	if e.Patient == nil {
		return from, "", ""
	}
	name := fr.PatientName(e.Patient.Name)
	ins = patientID(e.Patient)
	if e.Kind == "patient" || patient.IsAddress(e.From.Email) {
		if name == "" {
			name = fr.PatientName(e.From.Name)
		}
		if name == "" {
			name = e.From.Email
		}
		return clip(name, maxSubjectRunes), "", ins
	}
	return from, clip(name, maxSubjectRunes), ins
}

// cut reports whether l does not show its whole text (ellipsis, or hidden for want of room).
func cut(l *widget.Label) bool {
	if l.Text == "" {
		return false
	}
	if !l.Visible() {
		return true
	}
	return textWidth(l) > l.Size().Width+0.5
}

// textWidth is the room l needs to show its whole text on one line (0 without text).
func textWidth(l *widget.Label) float32 { return labelWidth(l.Text, l.TextStyle) }

// labelWidth is the room a label needs for text: the text, its padding, and 2 px that the
// truncation's shaper (which rounds the room down) wants more than fyne.MeasureText says.
func labelWidth(text string, style fyne.TextStyle) float32 {
	if text == "" {
		return 0
	}
	return float32(math.Ceil(float64(fyne.MeasureText(text, theme.TextSize(), style).Width))) + 2*theme.InnerPadding() + 2
}

// tip is the row's texts whole when some are cut, then what its icons mean.
func (r *messageRow) tip(t func(string, ...any) string) string {
	var lines []string
	if cut(r.From) || cut(r.PatientName) || r.INS.Text != r.ins || cut(r.Subject) {
		lines = []string{r.From.Text}
		if p := joinNonEmpty(" — ", r.PatientName.Text, r.ins); p != "" {
			if r.PatientName.Text == "" {
				lines[0] += " — " + p
			} else {
				lines = append(lines, t("list.tip.patient", p))
			}
		}
		lines = append(lines, r.Subject.Text)
	}
	return strings.Join(append(lines, r.Tips...), "\n")
}

func (r *messageRow) MouseIn(e *desktop.MouseEvent) {
	r.hover.FillColor = theme.Color(theme.ColorNameHover)
	r.hover.Show()
	r.hover.Refresh()
	r.tips.hover(r, r.tip(r.tips.u.tr.T), e.AbsolutePosition)
}

func (r *messageRow) MouseMoved(e *desktop.MouseEvent) {
	r.tips.hover(r, r.tip(r.tips.u.tr.T), e.AbsolutePosition)
}

func (r *messageRow) MouseOut() {
	r.hover.Hide()
	r.tips.leave(r)
}

// view is what the row shows, texts whole.
func (r *messageRow) view() RowView {
	return RowView{From: r.From.Text, Patient: r.PatientName.Text, INS: r.ins, Subject: r.Subject.Text, Date: r.Date.Text}
}
