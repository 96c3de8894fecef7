package app

import (
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"comptoir/mail/patient"
)

// PatientForm creates a patient by hand or edits one: INS (key checked), birth name,
// first names, birth date, sex and the "INS qualifié" flag.
type PatientForm struct {
	Window                            fyne.Window
	INS, BirthName, FirstNames, Birth *widget.Entry
	Sex                               *widget.Select
	Qualified                         *widget.Check
	Save                              *widget.Button
	Error                             *widget.Label

	u     *UI
	s     Session // the session the form writes to: refused once it is locked
	book  PatientBook
	saved func(patient.Patient) // after a successful save
}

// sexChoices are the Sex select's options, in patient.Sex order.
var sexChoices = []patient.Sex{patient.Female, patient.Male}

// ShowForm opens the form, empty for a new patient or filled with x.
func (p *PatientsScreen) ShowForm(x *patient.Patient) *PatientForm {
	if p.u.refused(p.s, p.fail) {
		return nil
	}
	return p.u.showPatientForm(p.s, p.book, x, func(saved patient.Patient) {
		p.Reload()
		p.Select(string(saved.INS))
	})
}

// showPatientForm opens the patient form on s's book, empty or filled with x (its INS then
// fixed); saved is called once the patient is kept.
func (u *UI) showPatientForm(s Session, book PatientBook, x *patient.Patient, saved func(patient.Patient)) *PatientForm {
	t := u.tr.T
	f := &PatientForm{u: u, s: s, book: book, saved: saved}
	title := t("patients.new")
	if x != nil && x.DisplayName() != "" {
		title = x.DisplayName()
	}
	f.Window = u.app.NewWindow(title)
	f.INS = widget.NewEntry()
	f.INS.SetPlaceHolder("2 85 04 69 123 045 ..")
	f.BirthName = widget.NewEntry()
	f.FirstNames = widget.NewEntry()
	f.Birth = widget.NewEntry()
	f.Birth.SetPlaceHolder(t("patients.date.placeholder"))
	f.Sex = widget.NewSelect(sexLabels(), nil)
	f.Sex.PlaceHolder = t("patients.sex.choose")
	f.Qualified = widget.NewCheck(t("patients.form.qualified"), nil)
	if x != nil {
		f.INS.SetText(string(x.INS))
		f.INS.Disable() // the INS identifies the record
		f.BirthName.SetText(x.BirthName)
		f.FirstNames.SetText(x.FirstNames)
		if !x.BirthDate.IsZero() {
			f.Birth.SetText(x.BirthDate.Format("02/01/2006"))
		}
		f.Sex.SetSelectedIndex(sexIndex(x.Sex))
		f.Qualified.SetChecked(x.Qualified)
	}
	f.Error = widget.NewLabel("")
	f.Error.Importance = widget.DangerImportance
	f.Error.Wrapping = fyne.TextWrapWord
	f.Error.Hide()
	f.Save = widget.NewButton(t("settings.save"), f.save)
	f.Save.Importance = widget.HighImportance
	hint := widget.NewLabel(t("patients.form.hint"))
	hint.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem(t("patients.form.ins"), f.INS),
		widget.NewFormItem(t("patients.form.birthname"), f.BirthName),
		widget.NewFormItem(t("patients.form.firstnames"), f.FirstNames),
		widget.NewFormItem(t("patients.form.birthdate"), f.Birth),
		widget.NewFormItem(t("patients.form.sex"), f.Sex))
	f.Window.SetContent(container.NewVBox(form, f.Qualified, hint, f.Error,
		container.NewHBox(f.Save, widget.NewButton(t("cancel"), func() { f.Window.Close() }))))
	u.sizeWindow(f.Window, fyne.NewSize(560, 420))
	u.track(f.Window, nil)
	f.Window.Show()
	return f
}

func sexLabels() []string {
	out := make([]string, len(sexChoices))
	for i, s := range sexChoices {
		out[i] = s.Label()
	}
	return out
}

func sexIndex(s patient.Sex) int {
	for i, c := range sexChoices {
		if c == s {
			return i
		}
	}
	return -1
}

func (f *PatientForm) fail(msg string) {
	f.Error.SetText(msg)
	f.Error.Show()
}

// parseBirthDate reads JJ/MM/AAAA (also with - or .); empty gives the zero time.
func parseBirthDate(s string) (time.Time, error) {
	s = strings.TrimSpace(strings.NewReplacer("-", "/", ".", "/", " ", "").Replace(s))
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse("02/01/2006", s)
	if err != nil {
		d, err = time.Parse("2/1/2006", s)
	}
	if err != nil || d.After(time.Now()) {
		return time.Time{}, errors.New("app: birth date not a past JJ/MM/AAAA date")
	}
	return d, nil
}

// collect validates the form: a well-formed INS whose key matches, a name, and a birth
// date and sex that agree with the INS (required to mark the INS qualified).
func (f *PatientForm) collect() (patient.Patient, string) {
	t := f.u.tr.T
	ins, err := patient.ParseINS(f.INS.Text)
	if err != nil {
		return patient.Patient{}, patient.UserMessage(err)
	}
	x := patient.Patient{INS: ins, BirthName: strings.TrimSpace(f.BirthName.Text),
		FirstNames: strings.TrimSpace(f.FirstNames.Text), Qualified: f.Qualified.Checked, Sex: ins.Sex()}
	if x.BirthName == "" {
		return x, t("patients.form.noname")
	}
	if x.BirthDate, err = parseBirthDate(f.Birth.Text); err != nil {
		return x, t("patients.form.baddate")
	}
	if i := f.Sex.SelectedIndex(); i >= 0 {
		x.Sex = sexChoices[i]
	}
	if x.BirthDate.IsZero() {
		if x.Qualified {
			return x, t("patients.form.qualified.needs")
		}
		return x, ""
	}
	if err := x.Confirm(); err != nil {
		return x, patient.UserMessage(err)
	}
	return x, ""
}

func (f *PatientForm) save() {
	f.u.touch()
	f.Error.Hide()
	if f.u.refused(f.s, f.fail) {
		return
	}
	x, problem := f.collect()
	if problem != "" {
		f.fail(problem)
		return
	}
	if err := f.book.PutPatient(x); err != nil {
		f.u.log.Warn("save patient", "err", err)
		f.fail(f.u.tr.T("patients.form.savefailed"))
		return
	}
	f.Window.Close()
	if f.saved != nil {
		f.saved(x)
	}
}

// IdentityCheck asks, before writing to a patient, for the birth date and sex to confirm
// the INS (ECO.2.2.6): the address is built only if they match the record and the INS.
type IdentityCheck struct {
	Window fyne.Window
	Birth  *widget.Entry
	Sex    *widget.Select
	OK     *widget.Button
	Error  *widget.Label
	// Composer is the message opened once the identity is confirmed.
	Composer *Composer

	u    *UI
	s    Session // refused once it is locked
	x    patient.Patient
	done func(addr string, x patient.Patient) // once confirmed, with the address built
}

// AskIdentity opens the confirmation for the selected patient; an unqualified INS is refused
// at once with what to do.
func (p *PatientsScreen) AskIdentity() *IdentityCheck {
	if p.current == nil || p.u.refused(p.s, p.fail) {
		return nil
	}
	t := p.u.tr.T
	if !p.current.Qualified {
		p.fail(t("patients.write.unqualified"))
		return nil
	}
	p.Error.Hide()
	var c *IdentityCheck
	s := p.s
	c = p.u.askIdentity(s, *p.current, t("patients.confirm.ok"), func(addr string, x patient.Patient) {
		bals := s.BALs()
		c.Composer = p.u.openComposer(s, bals, defaultPatientBAL(bals),
			Draft{To: []Address{{Name: x.DisplayName(), Email: addr}}, NoReplyExpected: true})
		c.Composer.trustPatient(addr)
	})
	return c
}

// askIdentity asks for the birth date and sex of x, a patient with a qualified INS, and calls
// done with the patient's address once they match (ECO.2.2.6); ok names the button.
func (u *UI) askIdentity(s Session, x patient.Patient, ok string, done func(addr string, x patient.Patient)) *IdentityCheck {
	t := u.tr.T
	c := &IdentityCheck{u: u, s: s, x: x, done: done}
	c.Window = u.app.NewWindow(t("patients.confirm.title"))
	c.Birth = widget.NewEntry()
	c.Birth.SetPlaceHolder(t("patients.date.placeholder"))
	c.Sex = widget.NewSelect(sexLabels(), nil)
	c.Sex.PlaceHolder = t("patients.sex.choose")
	c.Error = widget.NewLabel("")
	c.Error.Importance = widget.DangerImportance
	c.Error.Wrapping = fyne.TextWrapWord
	c.Error.Hide()
	c.OK = widget.NewButton(ok, c.confirm)
	c.OK.Importance = widget.HighImportance
	intro := widget.NewLabel(t("patients.confirm.body", c.x.DisplayName(), c.x.INS.Grouped()))
	intro.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(widget.NewFormItem(t("patients.form.birthdate"), c.Birth),
		widget.NewFormItem(t("patients.form.sex"), c.Sex))
	c.Window.SetContent(container.NewVBox(intro, form, c.Error,
		container.NewHBox(c.OK, widget.NewButton(t("cancel"), func() { c.Window.Close() }))))
	u.sizeWindow(c.Window, fyne.NewSize(520, 300))
	u.track(c.Window, nil)
	c.Window.Show()
	return c
}

func (c *IdentityCheck) fail(msg string) {
	c.Error.SetText(msg)
	c.Error.Show()
}

func (c *IdentityCheck) confirm() {
	u := c.u
	u.touch()
	t := u.tr.T
	if u.refused(c.s, c.fail) {
		return
	}
	birth, err := parseBirthDate(c.Birth.Text)
	if err != nil || birth.IsZero() {
		c.fail(t("patients.form.baddate"))
		return
	}
	i := c.Sex.SelectedIndex()
	if i < 0 {
		c.fail(t("patients.confirm.nosex"))
		return
	}
	x := c.x
	if !x.BirthDate.IsZero() && !dateOnly(x.BirthDate).Equal(dateOnly(birth)) || x.Sex != sexChoices[i] {
		c.fail(t("patients.confirm.mismatch"))
		return
	}
	x.BirthDate, x.Sex = birth, sexChoices[i]
	addr, err := patient.Address(x)
	if err != nil {
		c.fail(patient.UserMessage(err))
		return
	}
	c.Window.Close()
	c.done(addr, x)
}
