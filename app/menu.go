package app

import "fyne.io/fyne/v2"

// mainMenu is the window menu: Comptoir (settings, about, lock) and, in demo mode,
// Démonstration (pull the card, cut the network).
func (u *UI) mainMenu() *fyne.MainMenu {
	t := u.tr.T
	lock := fyne.NewMenuItem(t("main.lock"), func() {
		if u.session != nil {
			u.Lock(t("lock.reason.user"))
		}
	})
	menus := []*fyne.Menu{fyne.NewMenu(t("menu.app"),
		fyne.NewMenuItem(t("main.settings"), func() { u.ShowSettings() }),
		fyne.NewMenuItem(t("annuaire.title"), func() { u.ShowAnnuaire() }),
		fyne.NewMenuItem(t("patients.title"), func() { u.ShowPatients() }),
		fyne.NewMenuItem(t("indicator.title"), func() { u.ShowIndicator() }),
		fyne.NewMenuItem(t("templates.title"), func() { u.ShowTemplates() }),
		fyne.NewMenuItem(t("audit.title"), func() { u.ShowAudit() }),
		fyne.NewMenuItem(t("main.about"), func() { u.ShowAbout() }),
		lock)}
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
