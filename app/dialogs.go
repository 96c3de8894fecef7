package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// showError shows a French message; err's English detail goes to the log only.
func (u *UI) showError(msg string, err error) {
	if err != nil {
		u.log.Warn(msg, "err", err)
	}
	l := widget.NewLabel(msg)
	l.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(u.tr.T("error.title"), u.tr.T("ok"), l, u.Window)
	d.Resize(fyne.NewSize(420, 160))
	u.trackDialog(u.Window, d)
	d.Show()
}

// info shows a French message with an OK button.
func (u *UI) info(title, msg string) {
	l := widget.NewLabel(msg)
	l.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(title, u.tr.T("ok"), l, u.Window)
	d.Resize(fyne.NewSize(480, 200))
	d.Show()
}

// confirm asks a yes/no question with French buttons.
func (u *UI) confirm(w fyne.Window, title, msg, yes string, then func(ok bool)) dialog.Dialog {
	l := widget.NewLabel(msg)
	l.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(title, yes, u.tr.T("cancel"), l, then, w)
	d.Resize(fyne.NewSize(480, 220))
	u.trackDialog(w, d)
	d.Show()
	return d
}
