package app

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// roleOrder is how roles are listed, most powerful first.
var roleOrder = []string{RoleAdmin, RoleManager, RoleUser}

// RolesScreen shows who may open the pharmacy's ORG BAL and lets an Administrateur or a
// Gestionnaire add a person, change a role or revoke an access. What the operator's rules
// forbid is shown as disabled buttons with the operator's explanation, before any attempt.
type RolesScreen struct {
	Window  fyne.Window
	BAL     string
	Caller  *widget.Label // "Votre rôle : …"
	Rows    []*MemberRow
	Status  *widget.Label
	Error   *widget.Label
	Search  *widget.Entry // directory search
	Found   []*widget.Button
	ID      *widget.Entry // national id of the person to add
	Name    *widget.Entry
	Add     map[string]*widget.Button // one per role; disabled when not grantable
	AddNote *widget.Label             // why some roles cannot be granted

	u       *UI
	s       Session // the session the screen acts for
	prov    Provisioner
	ctx     context.Context
	cancel  context.CancelFunc
	list    *fyne.Container
	found   *fyne.Container
	content *fyne.Container // the scrolled part: members, then the add form
	scroll  *container.Scroll
	members Members
}

// MemberRow is one member: their role buttons (the current one highlighted) and Retirer.
type MemberRow struct {
	Member Member
	Label  *widget.Label // name, national id, since
	Roles  map[string]*widget.Button
	Remove *widget.Button
	Reason *widget.Label
}

// rolesBAL is the ORG BAL whose roles the holder may manage ("" when none): the one shown
// in the main window if it qualifies, else the first.
func (u *UI) rolesBAL() string {
	if u.session == nil || u.locked {
		return ""
	}
	first := ""
	for _, b := range u.session.BALs() {
		if b.Kind != KindORG || (b.Role != RoleAdmin && b.Role != RoleManager) {
			continue
		}
		if u.Main != nil && u.Main.bal == b.Address {
			return b.Address
		}
		if first == "" {
			first = b.Address
		}
	}
	return first
}

// ShowRoles opens the roles screen of the pharmacy's ORG BAL (nil when the holder may not
// manage it: they are told why).
func (u *UI) ShowRoles() *RolesScreen {
	t := u.tr.T
	if u.deps.Provisioning == nil || u.session == nil || u.locked {
		u.showError(t("wizard.login.first"), nil)
		return nil
	}
	bal := u.rolesBAL()
	if bal == "" {
		u.showError(t("roles.denied"), nil)
		return nil
	}
	prov, err := u.deps.Provisioning.Open(u.session)
	if errors.Is(err, ErrNeedsCard) {
		u.showError(t("roles.needs.card"), nil) // logged in with the e-CPS
		return nil
	}
	if err != nil {
		u.showError(t("wizard.unavailable"), err)
		return nil
	}
	r := &RolesScreen{u: u, s: u.session, prov: prov, BAL: bal, Add: map[string]*widget.Button{}}
	r.ctx, r.cancel = context.WithCancel(u.ctx)
	r.build()
	r.Window.Show()
	r.reload()
	return r
}

func (r *RolesScreen) build() {
	t := r.u.tr.T
	r.Window = r.u.app.NewWindow(t("roles.title"))
	r.u.sizeWindow(r.Window, fyne.NewSize(900, 640))
	r.u.track(r.Window, func() { r.cancel(); r.prov.Close() })
	head := widget.NewLabelWithStyle(t("roles.header", r.BAL), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.Caller = widget.NewLabel("")
	r.Status = widget.NewLabel("")
	r.Error = widget.NewLabel("")
	r.Error.Wrapping = fyne.TextWrapWord
	r.Error.Importance = widget.DangerImportance
	r.Error.Hide()
	r.list = container.NewVBox()

	r.Search = widget.NewEntry()
	r.Search.SetPlaceHolder(t("roles.search"))
	r.Search.OnSubmitted = func(string) { r.search() }
	r.found = container.NewVBox()
	r.ID = widget.NewEntry()
	r.ID.SetPlaceHolder(t("roles.id.placeholder"))
	r.Name = widget.NewEntry()
	r.Name.SetPlaceHolder(t("roles.name.placeholder"))
	addRow := container.NewHBox()
	for _, role := range roleOrder {
		b := widget.NewButtonWithIcon(t("roles.add", role), theme.ContentAddIcon(), func() { r.add(role) })
		b.Disable()
		r.Add[role] = b
		addRow.Add(b)
	}
	r.AddNote = widget.NewLabel("")
	r.AddNote.Wrapping = fyne.TextWrapWord
	r.AddNote.Hide()
	addBox := container.NewVBox(
		widget.NewLabelWithStyle(t("roles.add.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewBorder(nil, nil, nil, widget.NewButtonWithIcon(t("roles.search.button"), theme.SearchIcon(), r.search), r.Search),
		r.found,
		widget.NewForm(widget.NewFormItem(t("roles.id"), r.ID), widget.NewFormItem(t("roles.name"), r.Name)),
		addRow, r.AddNote)
	closeBtn := widget.NewButton(t("wizard.close"), func() { r.Window.Close() })
	top := container.NewVBox(head, r.Caller, r.Error)
	r.content = container.NewVBox(r.list, widget.NewSeparator(), addBox)
	r.scroll = container.NewVScroll(r.content)
	r.Window.SetContent(container.NewBorder(top, container.NewBorder(nil, nil, r.Status, closeBtn), nil, nil, r.scroll))
}

// run does f off the UI goroutine, then done on it; nothing is asked of the operator once
// the session is locked.
func (r *RolesScreen) run(f func(ctx context.Context) error, done func(err error)) {
	if r.u.refused(r.s, r.showError) {
		return
	}
	ctx := r.ctx
	go func() {
		err := f(ctx)
		r.u.deps.Do(func() {
			if ctx.Err() == nil {
				done(err)
			}
		})
	}()
}

func (r *RolesScreen) setError(err error) {
	if err == nil {
		r.Error.Hide()
		return
	}
	msg := r.u.tr.T("wizard.operator.error")
	var oe *OperatorError
	switch {
	case errors.As(err, &oe) && oe.Message != "":
		msg = oe.Message
	case r.u.lockedError(err) != "":
		msg = r.u.lockedError(err)
	default:
		r.u.log.Warn("roles", "err", err)
	}
	r.showError(msg)
}

func (r *RolesScreen) showError(msg string) {
	r.Error.SetText(msg)
	r.Error.Show()
}

// reload asks the operator who the members are and what the caller may do to each.
func (r *RolesScreen) reload() {
	var m Members
	r.run(func(ctx context.Context) (err error) {
		m, err = r.prov.Members(ctx, r.BAL)
		return err
	}, func(err error) {
		if err != nil {
			r.setError(err)
			return
		}
		r.members = m
		r.render()
	})
}

func (r *RolesScreen) render() {
	t := r.u.tr.T
	r.Caller.SetText(t("roles.caller", r.members.CallerRole))
	r.Rows = nil
	r.list.RemoveAll()
	for _, m := range r.members.Members {
		row := r.newRow(m)
		r.Rows = append(r.Rows, row)
		buttons := container.NewHBox()
		for _, role := range roleOrder {
			buttons.Add(row.Roles[role])
		}
		buttons.Add(row.Remove)
		r.list.Add(container.NewVBox(container.NewBorder(nil, nil, row.Label, buttons), row.Reason, widget.NewSeparator()))
	}
	var denied []string
	for _, role := range roleOrder {
		if contains(r.members.Grantable, role) {
			r.Add[role].Enable()
		} else {
			r.Add[role].Disable()
			denied = append(denied, role)
		}
	}
	switch {
	case len(denied) == 0:
		r.AddNote.Hide()
	case r.members.CallerRole == RoleManager:
		r.AddNote.SetText(t("roles.add.manager"))
		r.AddNote.Show()
	default:
		r.AddNote.SetText(t("roles.add.none"))
		r.AddNote.Show()
	}
	r.relayout()
}

// relayout lays the scrolled part out again once rows were added or removed.
func (r *RolesScreen) relayout() {
	r.list.Refresh()
	r.content.Refresh()
	r.scroll.Refresh()
}

func (r *RolesScreen) newRow(m Member) *MemberRow {
	t := r.u.tr.T
	since := t("roles.since.unknown")
	if !m.Since.IsZero() {
		since = t("roles.since", m.Since.In(time.Local).Format("02/01/2006"))
	}
	name := m.Name
	if name == "" {
		name = m.NationalID
	}
	row := &MemberRow{Member: m, Roles: map[string]*widget.Button{},
		Label: widget.NewLabel(name + " — " + m.Role + "\n" + t("roles.member.id", m.NationalID) + "\n" + since)}
	for _, role := range roleOrder {
		b := widget.NewButton(role, func() {
			if role != m.Role {
				r.setRole(m, role)
			}
		})
		switch {
		case role == m.Role:
			b.Importance = widget.HighImportance // the current role, highlighted
		case contains(m.AllowedRoles, role):
		default:
			b.Disable()
		}
		row.Roles[role] = b
	}
	row.Remove = widget.NewButtonWithIcon(t("roles.remove"), theme.DeleteIcon(), func() { r.remove(m) })
	row.Remove.Importance = widget.DangerImportance
	if !m.MayRemove {
		row.Remove.Disable()
	}
	row.Reason = widget.NewLabel(m.Reason)
	row.Reason.Wrapping = fyne.TextWrapWord
	row.Reason.Importance = widget.WarningImportance
	if m.Reason == "" || (m.MayRemove && len(m.AllowedRoles) >= len(roleOrder)) {
		row.Reason.Hide()
	}
	return row
}

func (r *RolesScreen) setRole(m Member, role string) {
	t := r.u.tr.T
	r.u.touch()
	r.run(func(ctx context.Context) error {
		return r.prov.SetMember(ctx, r.BAL, m.NationalID, role, m.Name)
	}, func(err error) {
		r.setError(err)
		if err == nil {
			r.Status.SetText(t("roles.changed", displayName(m), role))
		}
		r.reload()
	})
}

func (r *RolesScreen) remove(m Member) {
	t := r.u.tr.T
	r.u.touch()
	if r.u.refused(r.s, r.showError) {
		return
	}
	r.u.confirm(r.Window, t("roles.remove.title"), t("roles.remove.confirm", displayName(m), r.BAL), t("roles.remove"), func(ok bool) {
		if !ok {
			return
		}
		r.run(func(ctx context.Context) error {
			return r.prov.RemoveMember(ctx, r.BAL, m.NationalID)
		}, func(err error) {
			r.setError(err)
			if err == nil {
				r.Status.SetText(t("roles.removed", displayName(m)))
			}
			r.reload()
		})
	})
}

func displayName(m Member) string {
	if m.Name != "" {
		return m.Name
	}
	return m.NationalID
}

// validNationalID accepts an RPPS ('8' + 11 digits) or an ADELI ('0' + 9 characters) id.
func validNationalID(id string) bool {
	if len(id) < 2 || (id[0] != '8' && id[0] != '0') {
		return false
	}
	for _, c := range id[1:] {
		if !unicode.IsDigit(c) && !(c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return id[0] == '8' && len(id) == 12 || id[0] == '0' && len(id) == 10
}

// add gives role to the person typed (or picked from the directory).
func (r *RolesScreen) add(role string) {
	t := r.u.tr.T
	r.u.touch()
	if r.u.refused(r.s, r.showError) {
		return
	}
	id := strings.ToUpper(strings.TrimSpace(r.ID.Text))
	name := strings.TrimSpace(r.Name.Text)
	if !validNationalID(id) {
		r.Error.SetText(t("roles.id.invalid"))
		r.Error.Show()
		r.Window.Canvas().Focus(r.ID)
		return
	}
	r.run(func(ctx context.Context) error {
		return r.prov.SetMember(ctx, r.BAL, id, role, name)
	}, func(err error) {
		r.setError(err)
		if err == nil {
			r.Status.SetText(t("roles.added", firstNonEmpty(name, id), role))
			r.ID.SetText("")
			r.Name.SetText("")
		}
		r.reload()
	})
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// search looks the typed words up in the directory; a result fills the id and name.
func (r *RolesScreen) search() {
	t := r.u.tr.T
	q := strings.TrimSpace(r.Search.Text)
	if q == "" {
		return
	}
	var people []Person
	r.run(func(ctx context.Context) (err error) {
		people, err = r.prov.FindPeople(ctx, q, 10)
		return err
	}, func(err error) {
		r.found.RemoveAll()
		r.Found = nil
		if err != nil {
			r.u.log.Warn("directory search", "err", err)
			r.found.Add(widget.NewLabel(t("roles.search.error")))
			return
		}
		if len(people) == 0 {
			r.found.Add(widget.NewLabel(t("roles.search.none")))
		}
		for _, p := range people {
			label := strings.Join(nonEmpty(p.Name, p.Profession, p.Town), " — ")
			b := widget.NewButton(label, func() {
				r.ID.SetText(p.NationalID)
				r.Name.SetText(p.Name)
			})
			r.Found = append(r.Found, b)
			r.found.Add(b)
		}
		r.relayout()
	})
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
