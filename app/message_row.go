package app

import (
	"image"
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
// is an empty image in a fixed cell. Its texts are RowTexts, measured and cut without
// shaping (rowMeasure), and the row lays them out itself: binding a row to another message
// at a frame costs no text shaping, no SVG and no container layout.
type messageRow struct {
	widget.BaseWidget
	icons                                *rowIcons
	Handled, Replied                     *canvas.Image // « traité »; répondu or transféré
	Patient, Attachment, Receipt, Report *canvas.Image
	From, PatientName, INS               *RowText
	Subject, Date                        *RowText
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
	grid  *fyne.Container // the icons, in fixed cells
	objs  []fyne.CanvasObject
}

func newMessageRow(tips *tooltips, icons *rowIcons, measure *rowMeasure) *messageRow {
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
		From:        newRowText(measure),
		PatientName: newRowText(measure),
		INS:         newRowText(measure),
		Subject:     newRowText(measure),
		Date:        newRowText(measure),
		tips:        tips,
		hover:       canvas.NewRectangle(theme.Color(theme.ColorNameHover)),
	}
	r.INS.Whole = true
	r.grid = container.NewGridWithColumns(2, r.Handled, r.Replied, r.Patient, r.Attachment, r.Receipt, r.Report)
	r.objs = []fyne.CanvasObject{r.hover, r.grid, r.From, r.PatientName, r.INS, r.Subject, r.Date}
	r.hover.Hide()
	r.ExtendBaseWidget(r)
	return r
}

func (r *messageRow) CreateRenderer() fyne.WidgetRenderer { return messageRowRenderer{r} }

type messageRowRenderer struct{ r *messageRow }

func (m messageRowRenderer) Layout(size fyne.Size)        { m.r.layout(m.r.Theme(), size) }
func (m messageRowRenderer) MinSize() fyne.Size           { return m.r.minSize(m.r.Theme()) }
func (m messageRowRenderer) Refresh()                     { m.r.layout(m.r.Theme(), m.r.Size()) }
func (m messageRowRenderer) Objects() []fyne.CanvasObject { return m.r.objs }
func (m messageRowRenderer) Destroy()                     {}

// minSize: the icons, the date, and room for « … » between.
func (r *messageRow) minSize(th fyne.Theme) fyne.Size {
	pad := th.Size(theme.SizeNamePadding)
	g := r.grid.MinSize()
	texts := fyne.Max(r.From.MinSize().Width, r.Subject.MinSize().Width)
	h := 2*r.From.height(th) + pad
	return fyne.NewSize(g.Width+pad+texts+pad+r.Date.need(th), fyne.Max(g.Height, h))
}

// layout places the icons on the left, the date on the right (as wide as it needs), the
// sender line and the subject between, and cuts the texts to their room. It is arithmetic
// on measured advances: a rebound row calls it for its new texts.
func (r *messageRow) layout(th fyne.Theme, size fyne.Size) {
	pad := th.Size(theme.SizeNamePadding)
	r.hover.Resize(size)
	gw := r.grid.MinSize().Width
	r.grid.Resize(fyne.NewSize(gw, size.Height))
	dw := r.Date.need(th)
	lh := r.From.height(th)
	r.Date.Move(fyne.NewPos(size.Width-dw, 0))
	r.Date.Resize(fyne.NewSize(dw, lh))
	x := gw + pad
	w := fyne.Max(0, size.Width-dw-pad-x)
	r.layoutSender(th, x, w, lh)
	r.Subject.Move(fyne.NewPos(x, lh+pad))
	r.Subject.Resize(fyne.NewSize(w, lh))
	for _, t := range [...]*RowText{r.From, r.PatientName, r.INS, r.Subject, r.Date} {
		t.sync(th)
	}
}

// namesFirst is the room the names keep (or less, all they need) before the INS gives way:
// who the message is from and about comes first; the INS shows whole beside them, or in the
// row's tooltip and the reader.
const namesFirst = 200

// layoutSender lays out the sender, the patient and the INS on one line from x, w wide: the
// names share the room (each at least half when both are long), the INS keeps its whole
// width or is left out.
func (r *messageRow) layoutSender(th fyne.Theme, x, w, h float32) {
	wf, wp, wi := r.From.need(th), r.PatientName.need(th), r.INS.need(th)
	if w-wi < fyne.Min(wf+wp, namesFirst) {
		wi = 0
	}
	room := w - wi
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
	r.From.Move(fyne.NewPos(x, 0))
	r.From.Resize(fyne.NewSize(f, h))
	r.PatientName.Move(fyne.NewPos(x+f, 0))
	r.PatientName.Resize(fyne.NewSize(p, h))
	r.INS.Move(fyne.NewPos(x+f+p, 0))
	r.INS.Resize(fyne.NewSize(wi, h))
}

func (r *messageRow) set(u *UI, e Envelope, ok bool) {
	r.env, r.ok = e, ok
	if !ok {
		r.From.set("…", false, widget.MediumImportance)
		for _, l := range [...]*RowText{r.PatientName, r.INS, r.Subject, r.Date} {
			l.set("", false, widget.MediumImportance)
		}
		for _, i := range [...]*canvas.Image{r.Handled, r.Replied, r.Patient, r.Attachment, r.Receipt, r.Report} {
			r.setIcon(i, nil)
		}
		r.Tips = nil
		r.relayout()
		return
	}
	from, pat, ins := rowNames(e)
	imp := widget.MediumImportance
	if pat == "" && ins != "" {
		imp = widget.SuccessImportance // the patient wrote
	}
	r.From.set(from, !e.Seen, imp)
	r.PatientName.set(pat, false, widget.SuccessImportance)
	r.INS.set(ins, false, widget.SuccessImportance)
	r.Subject.set(displaySubject(e.Subject), false, widget.MediumImportance)
	r.Date.set(u.listDate(e.Date), false, widget.MediumImportance)
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
	r.relayout()
}

// relayout shares the row out again for its new texts: a list row is reused for another
// message without being resized.
func (r *messageRow) relayout() {
	if s := r.Size(); !s.IsZero() {
		r.layout(r.Theme(), s)
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

// tip is the row's texts whole when some are cut, then what its icons mean.
func (r *messageRow) tip(t func(string, ...any) string) string {
	var lines []string
	if r.From.Cut() || r.PatientName.Cut() || r.INS.Cut() || r.Subject.Cut() {
		lines = []string{r.From.Text}
		if p := joinNonEmpty(" — ", r.PatientName.Text, r.INS.Text); p != "" {
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
	return RowView{From: r.From.Text, Patient: r.PatientName.Text, INS: r.INS.Text, Subject: r.Subject.Text, Date: r.Date.Text}
}
