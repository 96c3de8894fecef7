package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// ShowAbout shows "À propos de Comptoir" with the version.
func (u *UI) ShowAbout() dialog.Dialog {
	u.touch()
	t := u.tr.T
	v := u.deps.Version
	if v == "" {
		v = "dev"
	}
	text := widget.NewLabel(t("about.text", v))
	text.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(t("about.title"), t("ok"), container.NewVBox(
		widget.NewLabelWithStyle("Comptoir", fyne.TextAlignCenter, fyne.TextStyle{Bold: true}), text), u.Window)
	d.Resize(fyne.NewSize(460, 260))
	u.trackDialog(u.Window, d)
	d.Show()
	return d
}
