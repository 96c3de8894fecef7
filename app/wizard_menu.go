package app

import "fyne.io/fyne/v2"

// balMenu is the "Boîtes aux lettres" menu: create a BAL, and for the Administrateurs and
// Gestionnaires of the pharmacy's ORG BAL, its roles screen. nil without Provisioning.
func (u *UI) balMenu() *fyne.Menu {
	if u.deps.Provisioning == nil {
		return nil
	}
	t := u.tr.T
	items := []*fyne.MenuItem{fyne.NewMenuItem(t("menu.bal.create"), func() { u.ShowBALWizard() })}
	if u.rolesBAL() != "" {
		items = append(items, fyne.NewMenuItem(t("menu.bal.roles"), func() { u.ShowRoles() }))
	}
	return fyne.NewMenu(t("menu.bal"), items...)
}
