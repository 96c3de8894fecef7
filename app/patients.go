package app

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"comptoir/app/indicator"
	"comptoir/mail/patient"
)

// PatientBook is what the patient, template and indicator screens need of a session: the
// patients and settings of the encrypted cache, and its messages seen per patient or as
// indicator summaries. A Session without it shows no patient screens.
type PatientBook interface {
	Patients() ([]patient.Patient, error) // by display name
	PutPatient(patient.Patient) error     // creates or updates (same INS)
	// PatientMessages lists a patient's messages across the session's BALs, newest first.
	PatientMessages(ins string) ([]PatientMessage, error)
	// Confidential reports whether the sender marked the message confidential.
	Confidential(ref Ref) bool
	// Summaries describes every cached message of the session's BALs for the indicator.
	Summaries() ([]indicator.Summary, error)
	// ReplyTemplates are the editable reply templates (the defaults until edited).
	ReplyTemplates() ([]patient.Template, error)
	SetReplyTemplates([]patient.Template) error
	// Dispensings are the indicator's dispensings per month.
	Dispensings() (indicator.Dispensings, error)
	SetDispensings(indicator.Dispensings) error
}

// PatientMessage is one message of a patient's conversation.
type PatientMessage struct {
	Envelope
	BALKind      string // PER, ORG or APP: where it was sent or received
	Sent         bool   // sent by the BAL (else received from the patient or about them)
	Confidential bool   // the sender marked it confidential
}

// IsConfidential: a patient's message to a personal BAL is confidential (the seed: "le patient
// a une ordonnance confidentielle" goes to the pharmacist's own BAL), as is any message the
// sender marked so.
func (p PatientMessage) IsConfidential() bool {
	return p.Confidential || (p.BALKind == KindPER && !p.Sent)
}

// patientBook returns the session's patient book, or nil.
func (u *UI) patientBook() PatientBook {
	b, _ := u.session.(PatientBook)
	return b
}

// PatientsScreen is the patients window: the list on the left, the selected patient's
// conversation across the BALs on the right.
type PatientsScreen struct {
	Window                  fyne.Window
	Filter                  *widget.Entry
	List                    *widget.List
	Header                  *widget.Label // name, INS, qualified or not
	Conversation            *widget.List
	Message                 *widget.Label // the selected message's text
	New, Edit, Write, Reply *widget.Button
	Refresh                 *widget.Button // reads the patients and the conversation again
	Error                   *widget.Label

	u        *UI
	s        Session // the session the screen shows
	book     PatientBook
	all      []patient.Patient
	shown    []patient.Patient
	current  *patient.Patient
	messages []PatientMessage
	selected *PatientMessage
}

// ShowPatients opens the patients window (nil without a session).
func (u *UI) ShowPatients() *PatientsScreen {
	u.touch()
	book := u.patientBook()
	if book == nil || u.locked {
		u.showError(u.tr.T("wizard.login.first"), nil)
		return nil
	}
	t := u.tr.T
	p := &PatientsScreen{u: u, s: u.session, book: book, Window: u.app.NewWindow(t("patients.title"))}
	p.Filter = widget.NewEntry()
	p.Filter.SetPlaceHolder(t("patients.filter"))
	p.Filter.OnChanged = func(string) { u.touch(); p.applyFilter() }
	// A row: the name, cut with « … » when long, and the INS always whole beside it.
	p.List = widget.NewList(func() int { return len(p.shown) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("NOM Prénom")
			name.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, nil, widget.NewLabel("INS 000000000000000"), name)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(p.shown) {
				row := o.(*fyne.Container)
				row.Objects[0].(*widget.Label).SetText(p.shown[id].DisplayName())
				row.Objects[1].(*widget.Label).SetText("INS " + string(p.shown[id].INS))
			}
		})
	p.List.OnSelected = func(id widget.ListItemID) {
		u.touch()
		if id < len(p.shown) {
			p.Select(string(p.shown[id].INS))
		}
	}
	p.Header = widget.NewLabelWithStyle(t("patients.none"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.Header.Wrapping = fyne.TextWrapWord
	p.Conversation = widget.NewList(func() int { return len(p.messages) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("00/00/0000 00:00 — Reçu — Officine — objet")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(p.messages) {
				o.(*widget.Label).SetText(p.messageText(p.messages[id]))
			}
		})
	p.Conversation.OnSelected = func(id widget.ListItemID) {
		u.touch()
		if id < len(p.messages) {
			p.openMessage(id)
		}
	}
	p.Message = widget.NewLabel("")
	p.Message.Wrapping = fyne.TextWrapWord
	p.Error = widget.NewLabel("")
	p.Error.Importance = widget.DangerImportance
	p.Error.Wrapping = fyne.TextWrapWord
	p.Error.Hide()
	p.New = widget.NewButtonWithIcon(t("patients.new"), theme.ContentAddIcon(), func() { u.touch(); p.ShowForm(nil) })
	p.Edit = widget.NewButtonWithIcon(t("patients.edit"), theme.DocumentCreateIcon(), func() {
		u.touch()
		if p.current != nil {
			c := *p.current
			p.ShowForm(&c)
		}
	})
	p.Write = widget.NewButtonWithIcon(t("patients.write"), theme.MailComposeIcon(), func() { u.touch(); p.AskIdentity() })
	p.Write.Importance = widget.HighImportance
	p.Reply = widget.NewButtonWithIcon(t("main.reply"), theme.MailReplyIcon(), func() { u.touch(); p.reply() })
	p.setActions()

	p.Refresh = widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), func() { u.touch(); p.Reload() })
	left := container.NewBorder(container.NewVBox(container.NewBorder(nil, nil, nil, p.Refresh, p.New), p.Filter), nil, nil, nil, p.List)
	msg := container.NewBorder(nil, p.Reply, nil, nil, container.NewVScroll(p.Message))
	conv := container.NewVSplit(p.Conversation, msg)
	conv.Offset = 0.45
	right := container.NewBorder(container.NewVBox(p.Header, container.NewHBox(p.Write, p.Edit), p.Error), nil, nil, nil, conv)
	split := container.NewHSplit(left, right)
	split.Offset = 0.32
	p.Window.SetContent(split)
	u.sizeWindow(p.Window, fyne.NewSize(1100, 700))
	p.Reload()
	u.track(p.Window, nil)
	p.Window.Show()
	return p
}

// Reload reads the patients again from the cache (new mail may have added some).
func (p *PatientsScreen) Reload() {
	if p.u.refused(p.s, p.fail) {
		return
	}
	all, err := p.book.Patients()
	if err != nil {
		p.u.log.Warn("list patients", "err", err)
	}
	p.all = all
	p.applyFilter()
	if p.current != nil {
		p.Select(string(p.current.INS))
	}
}

func (p *PatientsScreen) applyFilter() {
	q := strings.ToLower(strings.TrimSpace(p.Filter.Text))
	p.shown = p.shown[:0]
	for _, x := range p.all {
		if q == "" || strings.Contains(strings.ToLower(x.DisplayName()), q) || strings.Contains(string(x.INS), strings.ToUpper(q)) {
			p.shown = append(p.shown, x)
		}
	}
	p.List.Refresh()
}

// Rows lists the texts of the patient list, as shown.
func (p *PatientsScreen) Rows() []string {
	out := make([]string, len(p.shown))
	for i, x := range p.shown {
		out[i] = p.rowText(x)
	}
	return out
}

func (p *PatientsScreen) rowText(x patient.Patient) string {
	return p.u.tr.T("patients.row", x.DisplayName(), x.INS)
}

// Select shows the conversation of the patient ins.
func (p *PatientsScreen) Select(ins string) bool {
	for i := range p.all {
		if string(p.all[i].INS) == ins {
			x := p.all[i]
			p.current = &x
			break
		}
	}
	if p.current == nil || string(p.current.INS) != ins {
		return false
	}
	t := p.u.tr.T
	q := t("patients.unqualified")
	if p.current.Qualified {
		q = t("patients.qualified")
	}
	if p.current.Unconfirmed { // created from a message: « non vérifié » until saved by hand
		q += " — " + t("patients.unconfirmed")
	}
	p.Header.SetText(t("patients.header", p.current.DisplayName(), p.current.INS.Grouped(), q))
	msgs, err := p.book.PatientMessages(ins)
	if err != nil {
		p.u.log.Warn("patient messages", "err", err)
	}
	p.messages = msgs
	p.selected = nil
	p.Message.SetText("")
	p.Conversation.UnselectAll()
	p.Conversation.Refresh()
	p.setActions()
	return true
}

// ConversationRows lists the texts of the selected patient's conversation, newest first.
func (p *PatientsScreen) ConversationRows() []string {
	out := make([]string, len(p.messages))
	for i, m := range p.messages {
		out[i] = p.messageText(m)
	}
	return out
}

func (p *PatientsScreen) messageText(m PatientMessage) string {
	t := p.u.tr.T
	dir := t("patients.received")
	if m.Sent {
		dir = t("patients.sent")
	}
	s := fmt.Sprintf("%s — %s — %s (%s) — %s", m.Date.Local().Format("02/01/2006 15:04"), dir,
		t("bal.kind."+m.BALKind), m.BAL, displaySubject(m.Subject))
	if m.IsConfidential() {
		s += " — " + t("patients.confidential")
	}
	return s
}

func (p *PatientsScreen) openMessage(i int) {
	if p.u.refused(p.s, p.fail) {
		return
	}
	m := p.messages[i]
	p.selected = &m
	msg, err := p.s.Open(m.Ref)
	if err != nil {
		p.u.showError(p.u.tr.T("error.open"), err)
		return
	}
	p.Message.SetText(msg.Text)
	p.setActions()
}

// SelectMessage opens the conversation's message whose subject is subject, else the newest
// whose subject contains it.
func (p *PatientsScreen) SelectMessage(subject string) bool {
	for _, exact := range []bool{true, false} {
		for i, m := range p.messages {
			if m.Subject == subject || !exact && strings.Contains(m.Subject, subject) {
				p.Conversation.Select(i)
				return true
			}
		}
	}
	return false
}

func (p *PatientsScreen) setActions() {
	for _, b := range []*widget.Button{p.Edit, p.Write} {
		if p.current != nil {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	if p.selected != nil {
		p.Reply.Enable()
	} else {
		p.Reply.Disable()
	}
}

func (p *PatientsScreen) fail(msg string) {
	p.Error.SetText(msg)
	p.Error.Show()
}

// reply answers the selected message from the BAL it arrived in.
func (p *PatientsScreen) reply() {
	s := p.s
	if p.selected == nil || p.u.refused(s, p.fail) {
		return
	}
	d, err := s.ReplyDraft(p.selected.Ref, false)
	if err != nil {
		p.u.showError(p.u.tr.T("error.reply"), err)
		return
	}
	p.u.openComposer(s, s.BALs(), p.selected.BAL, d)
}

// defaultPatientBAL is the BAL a new message to a patient leaves from: the pharmacy's
// (ORG), where patients may write back, else the first one.
func defaultPatientBAL(bals []BAL) string {
	for _, b := range bals {
		if b.Kind == KindORG {
			return b.Address
		}
	}
	if len(bals) > 0 {
		return bals[0].Address
	}
	return ""
}

// dateOnly drops the time of day and zone, to compare birth dates.
func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
