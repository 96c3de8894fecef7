package app

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"comptoir/mail/msg"
	"comptoir/mail/patient"
	"comptoir/mail/xdm"
)

// HealthDocuments is optionally implemented by a Session with a PatientBook: the composer's
// « Joindre un document de santé ».
type HealthDocuments interface {
	// SetHealthDocuments makes docs the health documents of d about the patient ins of the
	// book, whose INS must be qualified: d.Documents (CDA R2 level 1 in IHE XDM, authored by
	// the card holder) and d.Patient. Errors: patient.ErrNotQualified, msg.ErrNotPDF…
	SetHealthDocuments(d *Draft, ins string, docs []HealthDocument) error
}

// HealthDocument is a PDF the user sends as a health document.
type HealthDocument struct {
	Type  xdm.DocType // one of xdm.PharmacyDocTypes()
	Title string      // "": the type's label
	Name  string      // the file's name, as the composer lists it
	PDF   []byte
}

// maxHealthPDF bounds a PDF read for a health document (Mon Espace Santé takes 25 MB in all).
const maxHealthPDF = 25 << 20

// healthSender returns the session's health documents side, or nil.
func (c *Composer) healthSender() HealthDocuments {
	if _, ok := c.s.(PatientBook); !ok {
		return nil
	}
	h, _ := c.s.(HealthDocuments)
	return h
}

// healthRow is the composer's « Joindre un document de santé » button and the list of the
// documents attached, with the button that removes them.
func (c *Composer) healthRow() fyne.CanvasObject {
	t := c.u.tr.T
	c.Health = widget.NewButtonWithIcon(t("compose.health"), theme.DocumentIcon(), func() { c.u.touch(); c.ShowHealthForm() })
	c.HealthList = widget.NewLabel("")
	c.HealthList.Wrapping = fyne.TextWrapWord
	c.HealthRemove = widget.NewButtonWithIcon(t("compose.health.remove"), theme.DeleteIcon(), func() {
		c.u.touch()
		c.health, c.healthINS = nil, ""
		c.draft.Documents, c.draft.Patient = nil, nil
		c.refreshHealth()
	})
	if c.healthSender() == nil {
		c.Health.Hide()
	}
	c.refreshHealth()
	return container.NewVBox(container.NewHBox(c.Health, c.HealthRemove), c.HealthList)
}

// refreshHealth lists the health documents the draft carries (attached here, forwarded, or
// from a saved draft) with their patient.
func (c *Composer) refreshHealth() {
	t := c.u.tr.T
	pkg := c.draft.Documents
	if pkg == nil || len(pkg.Documents) == 0 {
		c.HealthList.SetText("")
		c.HealthList.Hide()
		c.HealthRemove.Hide()
		return
	}
	var titles []string
	for i, d := range pkg.Documents {
		title := d.Title
		if i < len(c.health) { // attached here: the type as the user chose it, and the file
			h := c.health[i]
			title = h.Type.Label
			if h.Title != "" {
				title = h.Title
			}
			title += " (" + h.Name + ")"
		}
		titles = append(titles, title)
	}
	who := strings.TrimSpace(strings.ToUpper(pkg.Patient.Family) + " " + pkg.Patient.Given)
	if pkg.Patient.ID != "" {
		who += " — " + pkg.Patient.Label() + " " + pkg.Patient.ID
	}
	c.HealthList.SetText(t("compose.health.list", who, strings.Join(titles, ", ")))
	c.HealthList.Show()
	c.HealthRemove.Show()
}

// HealthForm is « Joindre un document de santé »: the patient (a qualified INS of the
// patient book), the document type, an optional title and the PDF.
type HealthForm struct {
	Window  fyne.Window
	Patient *widget.Select
	Type    *widget.Select
	Title   *widget.Entry
	Choose  *widget.Button
	File    *widget.Label
	Add     *widget.Button
	Error   *widget.Label

	c        *Composer
	patients []patient.Patient
	types    []xdm.DocType
	name     string
	pdf      []byte
}

// ShowHealthForm opens the form (nil when the session cannot send health documents).
func (c *Composer) ShowHealthForm() *HealthForm {
	hs := c.healthSender()
	if hs == nil || c.u.refused(c.s, c.fail) {
		return nil
	}
	t := c.u.tr.T
	f := &HealthForm{c: c, types: xdm.PharmacyDocTypes()}
	f.Window = c.u.app.NewWindow(t("compose.health.title"))
	f.Error = widget.NewLabel("")
	f.Error.Importance = widget.DangerImportance
	f.Error.Wrapping = fyne.TextWrapWord
	f.Error.Hide()
	all, err := c.s.(PatientBook).Patients()
	if err != nil {
		c.u.log.Warn("list patients", "err", err)
	}
	var opts []string
	sel := -1
	for _, p := range all {
		if p.Qualified {
			if string(p.INS) == c.healthINS {
				sel = len(f.patients)
			}
			f.patients = append(f.patients, p)
			opts = append(opts, t("patients.row", p.DisplayName(), p.INS.Grouped()))
		}
	}
	f.Patient = widget.NewSelect(opts, nil)
	f.Patient.PlaceHolder = t("compose.health.patient.choose")
	if sel >= 0 {
		f.Patient.SetSelectedIndex(sel)
	}
	labels := make([]string, len(f.types))
	for i, dt := range f.types {
		labels[i] = dt.Label
	}
	f.Type = widget.NewSelect(labels, nil)
	f.Type.PlaceHolder = t("compose.health.type.choose")
	f.Title = widget.NewEntry()
	f.Title.SetPlaceHolder(t("compose.health.title.placeholder"))
	f.File = widget.NewLabel(t("compose.health.nofile"))
	f.File.Truncation = fyne.TextTruncateEllipsis
	f.Choose = widget.NewButtonWithIcon(t("compose.health.choose"), theme.FolderOpenIcon(), f.pickPDF)
	f.Add = widget.NewButtonWithIcon(t("compose.health.add"), theme.ContentAddIcon(), f.add)
	f.Add.Importance = widget.HighImportance
	hint := widget.NewLabel(t("compose.health.hint"))
	hint.Wrapping = fyne.TextWrapWord
	if len(f.patients) == 0 {
		f.fail(t("compose.health.nopatient"))
		f.Add.Disable()
	}
	if c.draft.Documents != nil && len(c.health) == 0 {
		// Forwarded, or kept in a saved draft: not rebuilt here, one patient per message.
		f.fail(t("compose.health.already"))
		f.Add.Disable()
	}
	form := widget.NewForm(
		widget.NewFormItem(t("compose.health.patient"), f.Patient),
		widget.NewFormItem(t("compose.health.type"), f.Type),
		widget.NewFormItem(t("compose.health.doctitle"), f.Title),
		widget.NewFormItem(t("compose.health.file"), container.NewBorder(nil, nil, nil, f.Choose, f.File)))
	f.Window.SetContent(container.NewVBox(hint, form, f.Error,
		container.NewHBox(f.Add, widget.NewButton(t("cancel"), func() { f.Window.Close() }))))
	f.Window.Resize(fyne.NewSize(760, 560)) // room for the file dialog
	c.HealthForm = f
	c.u.track(f.Window, func() {
		if c.HealthForm == f {
			c.HealthForm = nil
		}
	})
	f.Window.Show()
	return f
}

func (f *HealthForm) fail(text string) {
	f.Error.SetText(text)
	f.Error.Show()
}

// SetPDF is the chosen file (the file dialog's and the tests' way in).
func (f *HealthForm) SetPDF(name string, data []byte) {
	f.name, f.pdf = name, data
	f.File.SetText(fmt.Sprintf("%s (%s)", name, humanSize(int64(len(data)))))
}

func (f *HealthForm) pickPDF() {
	f.c.u.touch()
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		defer r.Close()
		data, err := io.ReadAll(io.LimitReader(r, maxHealthPDF+1))
		if err != nil {
			f.fail(f.c.u.tr.T("error.open"))
			return
		}
		if len(data) > maxHealthPDF {
			f.fail(f.c.u.tr.T("compose.health.toolarge"))
			return
		}
		f.SetPDF(r.URI().Name(), data)
	}, f.Window)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".pdf", ".PDF"}))
	d.Resize(fyne.NewSize(720, 500))
	d.Show()
}

// add builds the documents (the session wraps each PDF in a CDA) and closes the form.
func (f *HealthForm) add() {
	c := f.c
	c.u.touch()
	t := c.u.tr.T
	f.Error.Hide()
	if c.u.refused(c.s, f.fail) {
		return
	}
	pi, ti := f.Patient.SelectedIndex(), f.Type.SelectedIndex()
	switch {
	case pi < 0:
		f.fail(t("compose.health.patient.missing"))
		return
	case ti < 0:
		f.fail(t("compose.health.type.missing"))
		return
	case f.pdf == nil:
		f.fail(t("compose.health.file.missing"))
		return
	}
	ins := string(f.patients[pi].INS)
	if c.healthINS != "" && ins != c.healthINS {
		f.fail(t("compose.health.onepatient"))
		return
	}
	docs := append(append([]HealthDocument(nil), c.health...),
		HealthDocument{Type: f.types[ti], Title: strings.TrimSpace(f.Title.Text), Name: f.name, PDF: f.pdf})
	d := c.draft
	if err := c.healthSender().SetHealthDocuments(&d, ins, docs); err != nil {
		c.u.log.Warn("health documents", "err", err)
		if msg := c.u.lockedError(err); msg != "" {
			f.fail(msg)
			return
		}
		f.fail(healthError(t, err))
		return
	}
	c.draft.Documents, c.draft.Patient = d.Documents, d.Patient
	c.health, c.healthINS = docs, ins
	c.refreshHealth()
	f.Window.Close()
}

// healthError is the French reason a health document could not be attached.
func healthError(t func(string, ...any) string, err error) string {
	switch {
	case errors.Is(err, patient.ErrNotQualified):
		return patient.UserMessage(err)
	case errors.Is(err, ErrNotAuthor):
		return t("compose.health.notauthor")
	case errors.Is(err, msg.ErrNotPDF), errors.Is(err, msg.ErrInvalidINS), errors.Is(err, msg.ErrNoDocument),
		errors.Is(err, msg.ErrBadAttachment):
		return msg.UserMessage(err)
	}
	return t("compose.health.failed")
}

// ErrNotAuthor is what a HealthDocuments returns when the card may not author a health
// document (the session core's ErrNoAuthorProfession).
var ErrNotAuthor = errors.New("app: the card cannot author a health document")
