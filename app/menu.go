package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// mainMenu is the window menu: Comptoir (settings, about, lock) and, in demo mode,
// Démonstration (pull the card, cut the network).
func (u *UI) mainMenu() *fyne.MainMenu {
	t := u.tr.T
	lock := fyne.NewMenuItem(t("main.lock"), func() {
		if u.session != nil {
			u.Lock(t("lock.reason.user"))
		}
	})
	// Ours, so that it reads in the application's language: without one the desktop driver
	// appends « Quit » in the system's. Its action stays the driver's: every window is
	// asked to close, as by the window manager.
	quit := fyne.NewMenuItem(t("menu.quit"), nil)
	quit.IsQuit = true
	menus := []*fyne.Menu{fyne.NewMenu(t("menu.app"),
		fyne.NewMenuItem(t("main.settings"), func() { u.ShowSettings() }),
		fyne.NewMenuItem(t("annuaire.title"), func() { u.ShowAnnuaire() }),
		fyne.NewMenuItem(t("outbox.menu"), func() { u.ShowOutbox() }),
		fyne.NewMenuItem(t("patients.title"), func() { u.ShowPatients() }),
		fyne.NewMenuItem(t("indicator.title"), func() { u.ShowIndicator() }),
		fyne.NewMenuItem(t("templates.title"), func() { u.ShowTemplates() }),
		fyne.NewMenuItem(t("audit.title"), func() { u.ShowAudit() }),
		fyne.NewMenuItem(t("main.about"), func() { u.ShowAbout() }),
		lock, fyne.NewMenuItemSeparator(), quit)}
	if m := u.messageMenu(); m != nil {
		menus = append(menus, m)
	}
	if m := u.balMenu(); m != nil {
		menus = append(menus, m)
	}
	if d := u.deps.Demo; d != nil {
		items := []*fyne.MenuItem{
			fyne.NewMenuItem(t("demo.pull"), func() { go d.PullCard() }),
			fyne.NewMenuItem(t("demo.insert"), func() { go d.InsertCard() }),
			fyne.NewMenuItemSeparator(),
			fyne.NewMenuItem(t("demo.network.off"), func() { go d.SetNetwork(false) }),
			fyne.NewMenuItem(t("demo.network.on"), func() { go d.SetNetwork(true) })}
		if d.ApproveECPS != nil {
			items = append(items, fyne.NewMenuItemSeparator(),
				fyne.NewMenuItem(t("demo.ecps.approve"), func() { go d.ApproveECPS() }))
		}
		if d.DenyECPS != nil {
			items = append(items, fyne.NewMenuItem(t("demo.ecps.deny"), func() { go d.DenyECPS() }))
		}
		if d.EndPSC != nil {
			items = append(items, fyne.NewMenuItem(t("demo.ecps.end"), func() { go d.EndPSC() }))
		}
		menus = append(menus, fyne.NewMenu(t("menu.demo"), items...))
	}
	return fyne.NewMainMenu(menus...)
}

// messageMenu is the « Message » menu of the open mailbox, with the counter's shortcuts
// (nil before the mailbox opens and while locked). Menu shortcuts reach the window even from a text field.
func (u *UI) messageMenu() *fyne.Menu {
	if u.Main == nil || u.locked {
		return nil
	}
	t := u.tr.T
	main := func(f func(m *MainScreen)) func() {
		return func() {
			if m := u.Main; m != nil && m.s != nil && !u.locked && u.showing(m.Content) {
				u.touch()
				f(m)
			}
		}
	}
	item := func(label string, key fyne.KeyName, mod fyne.KeyModifier, f func(m *MainScreen)) *fyne.MenuItem {
		it := fyne.NewMenuItem(label, main(f))
		if key != "" {
			it.Shortcut = &desktop.CustomShortcut{KeyName: key, Modifier: mod}
		}
		return it
	}
	return fyne.NewMenu(t("menu.message"),
		item(t("main.new"), fyne.KeyN, ctrl, func(m *MainScreen) { m.NewButton.OnTapped() }),
		item(t("main.reply"), fyne.KeyR, ctrl, func(m *MainScreen) { m.reply(false) }),
		item(t("main.replyall"), fyne.KeyR, ctrl|fyne.KeyModifierShift, func(m *MainScreen) { m.reply(true) }),
		item(t("main.forward"), "", 0, func(m *MainScreen) { m.forward() }),
		item(t("menu.delete"), "", 0, func(m *MainScreen) { m.askDelete() }),
		fyne.NewMenuItemSeparator(),
		item(t("menu.search"), fyne.KeyF, ctrl, func(m *MainScreen) { u.Window.Canvas().Focus(m.Search) }),
		item(t("menu.print"), fyne.KeyP, ctrl, func(m *MainScreen) { m.Reader.printCurrent() }),
		item(t("main.sync"), "", 0, func(m *MainScreen) { m.SyncButton.OnTapped() }))
}
