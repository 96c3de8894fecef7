package app

import (
	"fyne.io/fyne/v2"
)

// balActivated tells the user that a BAL the holder asked for became active: the session
// watched it and the engine now synchronises it (mail.BALAdded). UI goroutine.
func (u *UI) balActivated(b BAL) {
	t := u.tr.T
	text := t("wizard.active.text", b.Address)
	u.app.SendNotification(fyne.NewNotification(t("wizard.active.title"), text))
	if u.Main != nil {
		u.Main.Status.notice(text)
	}
	u.Window.SetMainMenu(u.mainMenu())
}
