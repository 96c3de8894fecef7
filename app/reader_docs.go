package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"comptoir/app/fr"
	"comptoir/mail/xdm"
)

// showDocuments fills the documents area of the reader: why the IHE_XDM.ZIP could not be
// read (the archive is then an attachment to save), the patient's documents (a DICOM object
// as imaging to save, a document that does not match its metadata with the problem
// underneath) and the package's signatures, saved but never shown as documents.
func (r *ReaderView) showDocuments(msg *Message) {
	t := r.u.tr.T
	r.Documents, r.Signatures = nil, nil
	r.docs.RemoveAll()
	if r.DocumentsError == nil {
		r.DocumentsError = warningLabel("")
	}
	r.DocumentsError.SetText(msg.DocumentsError)
	show(r.DocumentsError, msg.DocumentsError != "")
	r.docs.Add(r.DocumentsError)
	if len(msg.Documents)+len(msg.Signatures) == 0 {
		r.DocumentsTitle.Hide()
		return
	}
	who := t("reader.documents.unknown")
	if msg.Patient != nil {
		who = patientText(msg.Patient)
	}
	r.DocumentsTitle.SetText(t("reader.documents", who))
	r.DocumentsTitle.Show()
	for _, d := range msg.Documents {
		label := clip(cleanName(d.Title), maxSubjectRunes)
		if !d.Date.IsZero() {
			label = fmt.Sprintf("%s — %s", label, r.u.date(d.Date))
		}
		part := Part{Attachment: Attachment{Name: d.FileName, ContentType: d.ContentType, Size: int64(len(d.Data))}, Data: d.Data, Sniff: d.Sniff}
		var row *PartRow
		switch {
		case d.Damaged:
			row = newUnreadableRow(r.u, part, label)
		case d.Kind == xdm.KindDICOM:
			row = newSaveOnlyRow(r.u, part, fmt.Sprintf("%s — %s", label, d.Kind.Label()))
		default:
			row = newPartRow(r.u, r.Preview, part, label)
		}
		r.Documents = append(r.Documents, row)
		r.docs.Add(row.Content)
		r.addProblem(d)
	}
	for _, d := range msg.Signatures {
		part := Part{Attachment: Attachment{Name: d.FileName, ContentType: d.ContentType, Size: int64(len(d.Data))}, Data: d.Data, Sniff: d.Sniff}
		row := newSaveOnlyRow(r.u, part, t("reader.signature"))
		r.Signatures = append(r.Signatures, row)
		r.docs.Add(row.Content)
		r.addProblem(d)
	}
}

// addProblem says, under its row, that d does not match its metadata.
func (r *ReaderView) addProblem(d Document) {
	if d.Problem != "" {
		l := warningLabel(d.Problem)
		l.Importance = widget.DangerImportance
		r.docs.Add(l)
	}
}

// newSaveOnlyRow is a row for what Comptoir cannot show (imaging, a signature): Save only.
func newSaveOnlyRow(u *UI, p Part, label string) *PartRow {
	t := u.tr.T
	row := &PartRow{u: u, part: p}
	row.Name = widget.NewLabel(fmt.Sprintf("%s (%s)", label, humanSize(p.Size)))
	row.Name.Wrapping = fyne.TextWrapWord // what it is stays readable: « imagerie (non affichable) »
	row.Save = widget.NewButtonWithIcon(t("part.save"), theme.DocumentSaveIcon(), func() { u.savePart(p) })
	row.PreviewButton = widget.NewButtonWithIcon(t("part.preview"), theme.VisibilityIcon(), nil)
	row.Open = widget.NewButtonWithIcon(t("part.open"), theme.FileIcon(), nil)
	row.Print = widget.NewButtonWithIcon(t("part.print"), theme.DocumentPrintIcon(), nil)
	for _, b := range []*widget.Button{row.PreviewButton, row.Open, row.Print} {
		b.Disable()
		b.Hide()
	}
	row.Content = container.NewBorder(nil, nil, widget.NewIcon(theme.MailAttachmentIcon()), row.Save, row.Name)
	return row
}

// newUnreadableRow is a row for a document that could not be read from its archive: its
// name, and no action (the problem underneath says to save the archive).
func newUnreadableRow(u *UI, p Part, label string) *PartRow {
	row := newSaveOnlyRow(u, p, label)
	row.Name.SetText(fmt.Sprintf("%s (%s)", label, u.tr.T("reader.document.unreadable")))
	row.Save.Disable()
	row.Save.Hide()
	return row
}

func warningLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Importance = widget.WarningImportance
	l.Wrapping = fyne.TextWrapWord
	return l
}

// patientText is "NOM Prénom — INS 2850…", "… — identifiant local IPP000123", or the name
// alone when no identifier is known.
func patientText(p *Patient) string {
	name, who := fr.PatientName(p.Name), patientID(p)
	switch {
	case who == "":
		return name
	case name == "":
		return who
	}
	return name + " — " + who
}

// patientID is the patient's identifier with its name: « INS 285… », « identifiant local … »
// ("" when unknown).
func patientID(p *Patient) string {
	label, id := p.IDLabel, p.ID
	if id == "" && p.INS != "" {
		label, id = "INS", p.INS
	}
	if id == "" {
		return ""
	}
	return strings.TrimSpace(label + " " + id)
}
