package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ReaderActions are the reader's buttons for a shared BAL: « Traité », « Non lu »,
// « Archiver », « Supprimer », and who marked the message « traité », when.
type ReaderActions struct {
	Content                         *fyne.Container
	Handled, Unread, Archive, Trash *widget.Button
	HandledBy                       *widget.Label // « Traité par Élise BONNEFOY le … »
}

func (r *ReaderView) newActions() *ReaderActions {
	t := r.u.tr.T
	a := &ReaderActions{}
	a.Handled = widget.NewButtonWithIcon(t("reader.handled"), theme.ConfirmIcon(), func() { r.act(func(m *MainScreen, e Envelope) { m.setHandled(e, !e.Handled) }) })
	a.Unread = widget.NewButtonWithIcon(t("reader.unread"), theme.MailComposeIcon(), func() { r.act(func(m *MainScreen, e Envelope) { m.markUnread(e) }) })
	a.Archive = widget.NewButtonWithIcon(t("reader.archive"), theme.DownloadIcon(), func() { r.act(func(m *MainScreen, e Envelope) { m.askRemove(e, true) }) })
	a.Trash = widget.NewButtonWithIcon(t("reader.delete"), theme.DeleteIcon(), func() { r.act(func(m *MainScreen, e Envelope) { m.askRemove(e, false) }) })
	a.HandledBy = widget.NewLabel("")
	a.HandledBy.Importance = widget.SuccessImportance
	a.HandledBy.Wrapping = fyne.TextWrapWord
	a.Content = container.NewVBox(container.NewHBox(a.Handled, a.Unread, a.Archive, a.Trash), a.HandledBy)
	return a
}

// act applies f to the message shown.
func (r *ReaderView) act(f func(m *MainScreen, e Envelope)) {
	r.u.touch()
	if r.msg == nil || r.m.s == nil {
		return
	}
	f(r.m, r.msg.Envelope)
}

// showState shows e's « traité » state and the actions the session offers.
func (r *ReaderView) showState(e Envelope) {
	t := r.u.tr.T
	a := r.Actions
	if r.msg != nil {
		r.msg.Envelope = e
	}
	if r.m.shared() == nil {
		a.Content.Hide()
		return
	}
	a.Content.Show()
	if e.Handled {
		a.Handled.SetText(t("reader.unhandled"))
		a.HandledBy.SetText(handledText(r.u.tr, e))
		a.HandledBy.Show()
	} else {
		a.Handled.SetText(t("reader.handled"))
		a.HandledBy.Hide()
	}
	a.Content.Refresh()
}
