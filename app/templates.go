package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"comptoir/mail/patient"
)

// replyTemplates reads the reply templates from the cache's settings; the defaults until
// the user edits them, or when the saved ones cannot be read.
func (u *UI) replyTemplates() []patient.Template {
	b := u.patientBook()
	if b == nil {
		return patient.DefaultTemplates()
	}
	ts, err := b.ReplyTemplates()
	if err != nil {
		u.log.Warn("read templates", "err", err)
		return patient.DefaultTemplates()
	}
	return ts
}

// TemplatePicker is the composer's "Modèle de réponse" choice. Choosing a template asks for
// the values it needs that the composer cannot guess ({medicament}, {date}), then writes
// the filled text above the body (and the subject, for a new message).
type TemplatePicker struct {
	Select *widget.Select
	// Values are the entries of the last question asked, by placeholder; Fill applies them.
	Values map[string]*widget.Entry
	Fill   *widget.Button
	Ask    dialog.Dialog

	c         *Composer
	templates []patient.Template
	chosen    *patient.Template
}

// templatePicker builds the composer's template choice (hidden without a patient book).
func (c *Composer) templatePicker() fyne.CanvasObject {
	u := c.u
	tp := &TemplatePicker{c: c, templates: u.replyTemplates()}
	names := make([]string, len(tp.templates))
	for i, t := range tp.templates {
		names[i] = t.Name
	}
	tp.Select = widget.NewSelect(names, func(name string) { u.touch(); tp.Choose(name) })
	tp.Select.PlaceHolder = u.tr.T("templates.choose")
	c.Templates = tp
	if u.patientBook() == nil {
		tp.Select.Hide()
	}
	return tp.Select
}

// Choose applies the template named name, asking first for the values it lacks.
func (tp *TemplatePicker) Choose(name string) {
	tp.chosen = nil
	for i := range tp.templates {
		if tp.templates[i].Name == name {
			tp.chosen = &tp.templates[i]
		}
	}
	if tp.chosen == nil {
		return
	}
	values := tp.known()
	_, m1 := patient.Fill(tp.chosen.Subject, values)
	_, m2 := patient.Fill(tp.chosen.Body, values)
	missing := append(m1, m2...)
	tp.Values = map[string]*widget.Entry{}
	if len(missing) == 0 {
		tp.apply(values)
		return
	}
	t := tp.c.u.tr.T
	var items []*widget.FormItem
	for _, name := range missing {
		if tp.Values[name] != nil {
			continue
		}
		e := widget.NewEntry()
		e.SetPlaceHolder(t("templates.placeholder." + placeholderKey(name)))
		tp.Values[name] = e
		items = append(items, widget.NewFormItem(t("templates.field."+placeholderKey(name)), e))
	}
	tp.Fill = widget.NewButton(t("templates.fill"), func() {
		for k, e := range tp.Values {
			values[k] = strings.TrimSpace(e.Text)
		}
		if tp.Ask != nil {
			tp.Ask.Hide()
		}
		tp.apply(values)
	})
	tp.Fill.Importance = widget.HighImportance
	tp.Ask = dialog.NewCustomWithoutButtons(t("templates.ask", tp.chosen.Name),
		container.NewVBox(widget.NewForm(items...), tp.Fill), tp.c.Window)
	tp.Ask.Resize(fyne.NewSize(460, 240))
	tp.Ask.Show()
}

// placeholderKey names the translation of a placeholder; unknown ones share "other".
func placeholderKey(name string) string {
	switch name {
	case patient.PlaceholderPatient, patient.PlaceholderMedicament, patient.PlaceholderDate, patient.PlaceholderPharmacie:
		return name
	}
	return "other"
}

// known gathers the values the composer knows: the patient's name and the pharmacy's.
func (tp *TemplatePicker) known() map[string]string {
	c := tp.c
	v := map[string]string{}
	if i := c.From.SelectedIndex(); i >= 0 && i < len(c.bals) {
		if n := c.bals[i].DisplayName; n != "" {
			v[patient.PlaceholderPharmacie] = n
		}
	}
	if to, err := parseAddresses(c.To.Text); err == nil && len(to) > 0 {
		if name := tp.patientName(to[0]); name != "" {
			v[patient.PlaceholderPatient] = name
		}
	}
	return v
}

// patientName is "Prénom NOM" from the patient book, else the address's display name.
func (tp *TemplatePicker) patientName(a Address) string {
	if ins, err := patient.ParseAddress(a.Email); err == nil {
		if b := tp.c.u.patientBook(); b != nil {
			if ps, err := b.Patients(); err == nil {
				for _, p := range ps {
					if p.INS == ins && p.BirthName != "" {
						return strings.TrimSpace(p.FirstNames + " " + strings.ToUpper(p.BirthName))
					}
				}
			}
		}
	}
	return a.Name
}

func (tp *TemplatePicker) apply(values map[string]string) {
	c := tp.c
	subject, _ := patient.Fill(tp.chosen.Subject, values)
	body, _ := patient.Fill(tp.chosen.Body, values)
	if strings.TrimSpace(c.Subject.Text) == "" {
		c.Subject.SetText(subject)
	}
	if old := c.Body.Text; strings.TrimSpace(old) != "" {
		body += "\n\n" + old
	}
	c.Body.SetText(body)
}

// TemplatesEditor edits the reply templates, kept in the encrypted cache.
type TemplatesEditor struct {
	Window                      fyne.Window
	Choice                      *widget.Select
	Name, Subject, Body         *widget.Entry
	Add, Delete, Save, Defaults *widget.Button
	Error                       *widget.Label

	u         *UI
	s         Session // the session whose cache keeps the templates
	templates []patient.Template
	current   int
}

// ShowTemplates opens the templates editor (nil without a session).
func (u *UI) ShowTemplates() *TemplatesEditor {
	u.touch()
	if u.patientBook() == nil || u.locked {
		u.showError(u.tr.T("wizard.login.first"), nil)
		return nil
	}
	t := u.tr.T
	e := &TemplatesEditor{u: u, s: u.session, templates: u.replyTemplates(), current: -1, Window: u.app.NewWindow(t("templates.title"))}
	e.Choice = widget.NewSelect(nil, func(string) { e.pick(e.Choice.SelectedIndex()) })
	e.Name = widget.NewEntry()
	e.Subject = widget.NewEntry()
	e.Body = widget.NewMultiLineEntry()
	e.Body.Wrapping = fyne.TextWrapWord
	e.Body.SetMinRowsVisible(8)
	e.Error = widget.NewLabel("")
	e.Error.Importance = widget.DangerImportance
	e.Error.Wrapping = fyne.TextWrapWord
	e.Error.Hide()
	e.Add = widget.NewButton(t("templates.add"), func() {
		e.keep()
		e.templates = append(e.templates, patient.Template{Name: t("templates.new")})
		e.refresh(len(e.templates) - 1)
	})
	e.Delete = widget.NewButton(t("templates.delete"), func() {
		if e.current >= 0 && e.current < len(e.templates) {
			e.templates = append(e.templates[:e.current], e.templates[e.current+1:]...)
			e.current = -1
			e.refresh(0)
		}
	})
	e.Defaults = widget.NewButton(t("templates.defaults"), func() {
		e.templates = patient.DefaultTemplates()
		e.current = -1
		e.refresh(0)
	})
	e.Save = widget.NewButton(t("settings.save"), e.save)
	e.Save.Importance = widget.HighImportance
	help := widget.NewLabel(t("templates.help"))
	help.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(widget.NewFormItem(t("templates.name"), e.Name),
		widget.NewFormItem(t("compose.subject"), e.Subject))
	e.Window.SetContent(container.NewBorder(
		container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(e.Add, e.Delete), e.Choice), form),
		container.NewVBox(help, e.Error, container.NewHBox(e.Save, e.Defaults)), nil, nil, e.Body))
	u.sizeWindow(e.Window, fyne.NewSize(640, 520))
	e.refresh(0)
	u.track(e.Window, nil)
	e.Window.Show()
	return e
}

// keep copies the fields into the template being edited.
func (e *TemplatesEditor) keep() {
	if e.current >= 0 && e.current < len(e.templates) {
		e.templates[e.current] = patient.Template{Name: strings.TrimSpace(e.Name.Text), Subject: e.Subject.Text, Body: e.Body.Text}
	}
}

func (e *TemplatesEditor) refresh(sel int) {
	names := make([]string, len(e.templates))
	for i, t := range e.templates {
		names[i] = t.Name
	}
	e.current = -1
	e.Choice.SetOptions(names)
	if sel >= 0 && sel < len(names) {
		e.Choice.SetSelectedIndex(sel)
	} else {
		e.Choice.ClearSelected()
		e.Name.SetText("")
		e.Subject.SetText("")
		e.Body.SetText("")
	}
}

func (e *TemplatesEditor) pick(i int) {
	if i == e.current || i < 0 || i >= len(e.templates) {
		return
	}
	e.keep()
	e.current = i
	t := e.templates[i]
	e.Name.SetText(t.Name)
	e.Subject.SetText(t.Subject)
	e.Body.SetText(t.Body)
}

func (e *TemplatesEditor) save() {
	e.u.touch()
	e.Error.Hide()
	e.keep()
	if _, err := patient.MarshalTemplates(e.templates); err != nil {
		e.Error.SetText(patient.UserMessage(err))
		e.Error.Show()
		return
	}
	if e.u.refused(e.s, func(msg string) { e.Error.SetText(msg); e.Error.Show() }) {
		return
	}
	book := e.u.patientBook()
	if err := book.SetReplyTemplates(e.templates); err != nil {
		e.u.log.Warn("save templates", "err", err)
		e.Error.SetText(e.u.tr.T("settings.save.failed"))
		e.Error.Show()
		return
	}
	e.Window.Close()
}
