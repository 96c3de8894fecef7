package app

import (
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"comptoir/mail"
)

// MainScreen is the mail window: BAL switcher, folders, message list, reader, status bar.
type MainScreen struct {
	Content fyne.CanvasObject

	BALButtons []*TipButton // one per BAL, in BALs() order: short name and unread count; the address on hover
	Folders    *widget.List
	Search     *widget.Entry
	List       *MessageList
	Reader     *ReaderView
	Status     *StatusBar
	Holder     *widget.Label // who is logged in, beside the switcher

	NewButton, ReplyButton, ReplyAllButton, ForwardButton *widget.Button
	SyncButton, LockButton, SettingsButton, AboutButton   *widget.Button

	u       *UI
	s       Session
	bals    []BAL
	bal     string
	folders []Folder
	folder  string
	model   *listModel
	current *Envelope
	balBar  *fyne.Container
	balAddr []string // the switcher's buttons' BALs
	row     int      // the list's selected row (-1: none)
	// searchSeq drops results of an older search that finishes after a newer one.
	searchSeq int
	rowsDrawn atomic.Int64 // rows bound for drawing (RowsDrawn)
}

func newMainScreen(u *UI, s Session) *MainScreen {
	t := u.tr.T
	m := &MainScreen{u: u, model: newListModel(), row: -1}
	m.balBar = container.NewHBox()
	m.Holder = widget.NewLabel(holderName(s.Holder()))
	m.Holder.Truncation = fyne.TextTruncateEllipsis
	m.Folders = widget.NewList(
		func() int { return len(m.folders) },
		func() fyne.CanvasObject { return widget.NewLabel("Boîte de réception (00000)") },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(m.folders) {
				o.(*widget.Label).SetText(m.folderText(m.folders[id]))
			}
		})
	m.Folders.OnSelected = func(id widget.ListItemID) {
		u.touch()
		if id < len(m.folders) && m.folders[id].Name != m.folder {
			m.selectFolder(m.folders[id].Name)
		}
	}
	m.Search = widget.NewEntry()
	m.Search.SetPlaceHolder(t("main.search"))
	m.Search.OnChanged = func(string) { u.touch(); m.search() }
	m.List = m.newMessageList()
	m.Reader = newReaderView(u, m)
	m.Status = newStatusBar(u)

	m.NewButton = widget.NewButtonWithIcon(t("main.new"), theme.MailComposeIcon(), func() {
		u.touch()
		if m.s != nil {
			m.compose(u.draftToReopen(m.s, m.bal))
		}
	})
	m.NewButton.Importance = widget.HighImportance
	m.ReplyButton = widget.NewButtonWithIcon(t("main.reply"), theme.MailReplyIcon(), func() { m.reply(false) })
	m.ReplyAllButton = widget.NewButtonWithIcon(t("main.replyall"), theme.MailReplyAllIcon(), func() { m.reply(true) })
	m.ForwardButton = widget.NewButtonWithIcon(t("main.forward"), theme.MailForwardIcon(), m.forward)
	// The less frequent actions are icons (named on hover, and in the menu): the toolbar fits
	// a 1024 px screen.
	iconButton := func(name string, icon fyne.Resource, tapped func()) (*widget.Button, fyne.CanvasObject) {
		b := newTipButton(u.tips, "", icon, func() string { return name }, tapped)
		return &b.Button, b
	}
	var sync, settings, about fyne.CanvasObject
	m.SyncButton, sync = iconButton(t("main.sync"), theme.ViewRefreshIcon(), func() {
		u.touch()
		if m.s != nil {
			m.s.SyncNow(m.bal)
		}
	})
	m.LockButton = widget.NewButtonWithIcon(t("main.lock"), theme.VisibilityOffIcon(), func() { u.Lock(t("lock.reason.user")) })
	m.SettingsButton, settings = iconButton(t("main.settings"), theme.SettingsIcon(), func() { u.ShowSettings() })
	m.AboutButton, about = iconButton(t("main.about"), theme.InfoIcon(), func() { u.ShowAbout() })
	m.setMessageActions(false)

	toolbar := container.NewBorder(nil, nil,
		container.NewHBox(m.NewButton, m.ReplyButton, m.ReplyAllButton, m.ForwardButton, sync),
		container.NewHBox(settings, about, m.LockButton))
	top := container.NewVBox(container.NewBorder(nil, nil, m.balBar, nil, m.Holder), toolbar, m.Status.Banner)
	left := container.NewBorder(widget.NewLabelWithStyle(t("main.folders"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, m.Folders)
	right := container.NewHSplit(container.NewBorder(m.Search, nil, nil, nil, m.List), m.Reader.Content)
	right.Offset = 0.46
	body := container.NewHSplit(left, right)
	body.Offset = 0.16
	m.Content = container.NewBorder(top, m.Status.Content, nil, nil, body)
	m.Status.name = m.balName
	m.rebind(s)
	return m
}

// rebind attaches the screen to session s (first login or unlock) and reloads it.
func (m *MainScreen) rebind(s Session) {
	m.unbind()
	m.s = s
	m.bals = s.BALs()
	m.Status.setOutbox(s.OutboxCount())
	m.buildBALBar()
	bal := m.bal
	if !m.hasBAL(bal) && len(m.bals) > 0 {
		bal = m.bals[0].Address
	}
	m.bal = ""
	if bal != "" {
		m.selectBAL(bal)
	}
}

// unbind detaches the screen from its session (lock).
func (m *MainScreen) unbind() {
	m.s = nil
	m.model.reset(0)
	m.current = nil
	m.Reader.clear()
}

func (m *MainScreen) hasBAL(addr string) bool {
	for _, b := range m.bals {
		if b.Address == addr {
			return true
		}
	}
	return false
}

// apply handles one engine event on the UI goroutine. Every kind of mail.Event is handled
// here; none is dropped or rewritten on the way.
func (m *MainScreen) apply(ev mail.Event) {
	t := m.u.tr.T
	switch e := ev.(type) {
	case mail.Online:
		m.Status.setOnline(e.BAL, true)
	case mail.Offline:
		m.Status.setOnline(e.BAL, false)
		if msg := mail.UserMessage(e.Err); msg != "" {
			m.Status.notice(msg) // a reason retrying will not fix (server over the limits, card refused)
		}
	case mail.Progress:
		m.Status.setProgress(e.Done, e.Total, m.u.deps.Now())
	case mail.NewMail:
		m.folderChanged(e.BAL, e.Folder)
	case mail.Changed:
		m.folderChanged(e.BAL, e.Folder)
	case mail.Synced:
		m.folderChanged(e.BAL, "") // a folder may have come or gone (« Archives » created)
	case mail.OutboxCount:
		m.Status.setOutbox(e.N)
		m.u.outboxChanged()
	case mail.Submitted:
		m.Status.notice(t("status.submitted"))
		m.u.outboxChanged()
	case mail.Sent:
		m.Status.notice(t("status.sent"))
		m.folderChanged(e.BAL, "") // « Envoyés » shows it at once
	case mail.SendFailed:
		m.u.showError(t("error.sendfailed"), e.Err)
		m.u.outboxChanged()
	case mail.BALAdded:
		m.balsChanged()
	case mail.BALRemoved:
		m.Status.forget(e.BAL)
		m.balsChanged()
	}
}

// folderChanged reloads what shows a folder whose content changed ("" : any of the BAL's).
func (m *MainScreen) folderChanged(bal, folder string) {
	if bal == m.bal && (folder == "" || !m.hasFolder(folder)) {
		m.reloadFolders() // the first sync found the folders, or one was created
	}
	m.refreshCounts()
	if bal == m.bal && (folder == m.folder || folder == "") {
		m.reloadList()
		m.followCurrent()
	}
	m.Status.synced(m.u.deps.Now())
}

// balsChanged rebuilds the switcher from the session's BAL list (one joined or left).
func (m *MainScreen) balsChanged() {
	if m.s == nil {
		return
	}
	m.bals = m.s.BALs()
	m.buildBALBar()
}

func (m *MainScreen) buildBALBar() {
	m.BALButtons, m.balAddr = nil, nil
	m.balBar.RemoveAll()
	for _, b := range m.bals {
		addr := b.Address
		btn := newTipButton(m.u.tips, "", nil, func() string { return m.balTip(addr) }, func() { m.u.touch(); m.selectBAL(addr) })
		m.BALButtons = append(m.BALButtons, btn)
		m.balAddr = append(m.balAddr, addr)
		m.balBar.Add(btn)
	}
	m.refreshCounts()
}

// balName is the switcher's short name of a BAL: Personnelle, Officine, or an APP BAL's
// own name; the display name (else the address's local part) when two would read the same.
func (m *MainScreen) balName(addr string) string {
	t := m.u.tr.T
	name := func(b BAL) string {
		if b.Kind == KindAPP && b.DisplayName != "" {
			return b.DisplayName
		}
		return t("bal.kind." + b.Kind)
	}
	for _, b := range m.bals {
		if b.Address != addr {
			continue
		}
		n := name(b)
		for _, o := range m.bals {
			if o.Address != addr && name(o) == n {
				if b.DisplayName != "" && b.DisplayName != n {
					return b.DisplayName
				}
				local, _, _ := strings.Cut(addr, "@")
				return local
			}
		}
		return n
	}
	return addr
}

// balTip is what hovering a BAL's button says: its kind and address.
func (m *MainScreen) balTip(addr string) string {
	for _, b := range m.bals {
		if b.Address == addr {
			return m.u.tr.T("bal.button", m.u.tr.T("bal.kind."+b.Kind), addr)
		}
	}
	return addr
}

// holderName is "Élise BONNEFOY — Pharmacien".
// holderName says who is logged in, and « e-CPS » when it is through Pro Santé Connect (what
// needs the card is refused then: the pharmacist sees why).
func holderName(h Holder) string {
	name := joinNonEmpty(" — ", strings.TrimSpace(strings.Join([]string{h.Title, h.GivenName, h.Surname}, " ")), h.Profession)
	if h.PSC {
		name += " (e-CPS)"
	}
	return name
}

// selectBAL shows the inbox of the BAL addr.
func (m *MainScreen) selectBAL(addr string) {
	if m.s == nil || addr == m.bal {
		return
	}
	m.bal = addr
	m.Search.SetText("")
	m.loadFolders()
	m.folder = ""
	name := "INBOX"
	if len(m.folders) > 0 && m.folders[0].Name != "INBOX" {
		name = m.folders[0].Name
	}
	m.selectFolder(name)
	m.refreshCounts()
}

func (m *MainScreen) hasFolder(name string) bool {
	for _, f := range m.folders {
		if f.Name == name {
			return true
		}
	}
	return false
}

// reloadFolders reads the BAL's folders again, the one shown staying selected.
func (m *MainScreen) reloadFolders() {
	if m.s == nil {
		return
	}
	m.loadFolders()
	for i, f := range m.folders {
		if f.Name == m.folder {
			m.Folders.Select(i) // the same folder: OnSelected does not reload it
		}
	}
}

func (m *MainScreen) loadFolders() {
	fs, err := m.s.Folders(m.bal)
	if err != nil {
		m.u.log.Warn("list folders", "err", err)
	}
	sort.SliceStable(fs, func(i, j int) bool { return folderRank(fs[i]) < folderRank(fs[j]) })
	m.folders = fs
	m.Folders.Refresh()
}

func folderRank(f Folder) int {
	switch {
	case strings.EqualFold(f.Name, "INBOX"):
		return 0
	case f.SpecialUse == `\Drafts`:
		return 1
	case f.SpecialUse == `\Sent`:
		return 2
	case f.SpecialUse == `\Trash`:
		return 4
	case f.SpecialUse != "":
		return 3
	}
	return 5
}

func (m *MainScreen) folderText(f Folder) string {
	t := m.u.tr.T
	name := f.Name
	switch {
	case strings.EqualFold(f.Name, "INBOX"):
		name = t("folder.inbox")
	case f.SpecialUse == `\Sent`:
		name = t("folder.sent")
	case f.SpecialUse == `\Drafts`:
		name = t("folder.drafts")
	case f.SpecialUse == `\Trash`:
		name = t("folder.trash")
	case f.SpecialUse == `\Junk`:
		name = t("folder.junk")
	}
	if f.Unread > 0 {
		return fmt.Sprintf("%s (%d)", name, f.Unread)
	}
	return name
}

func (m *MainScreen) selectFolder(name string) {
	m.folder = name
	for i, f := range m.folders {
		if f.Name == name {
			m.Folders.Select(i)
		}
	}
	m.current = nil
	m.Reader.clear()
	m.setMessageActions(false)
	m.unselect()
	m.reloadList()
	m.List.ScrollTo(0) // a folder opens on its newest mail
}

// refreshCounts updates the unread badges of the BALs and folders.
// balStateLabel says why a BAL cannot be opened now ("" when it can).
func balStateLabel(t func(string, ...any) string, s BALState) string {
	switch s {
	case BALPending:
		return t("bal.state.pending")
	case BALRetired:
		return t("bal.state.retired")
	case BALNeedsCertificate:
		return t("bal.state.needscert")
	}
	return ""
}

func (m *MainScreen) refreshCounts() {
	if m.s == nil {
		return
	}
	t := m.u.tr.T
	for i, b := range m.bals {
		_, unread, err := m.s.Counts(b.Address, "INBOX")
		if err != nil {
			unread = 0
		}
		label := m.balName(b.Address)
		if unread > 0 {
			label = fmt.Sprintf("%s (%d)", label, unread)
		}
		btn := m.BALButtons[i]
		btn.Importance = widget.MediumImportance
		if b.Address == m.bal {
			btn.Importance = widget.HighImportance
		}
		// A BAL that cannot be used yet (or any more) shows, with why, but does not open.
		if state := balStateLabel(t, b.State); state != "" {
			label += " — " + state
			btn.Disable()
		} else {
			btn.Enable()
		}
		btn.SetText(label)
		btn.Refresh()
	}
	for i := range m.folders {
		total, unread, err := m.s.Counts(m.bal, m.folders[i].Name)
		if err == nil {
			m.folders[i].Total, m.folders[i].Unread = total, unread
		}
	}
	m.Folders.Refresh()
}

func (m *MainScreen) setMessageActions(on bool) {
	for _, b := range []*widget.Button{m.ReplyButton, m.ReplyAllButton, m.ForwardButton} {
		if on {
			b.Enable()
		} else {
			b.Disable()
		}
	}
}

func (m *MainScreen) compose(d Draft) {
	if m.s == nil {
		return
	}
	m.u.openComposer(m.s, m.bals, m.bal, d)
}

func (m *MainScreen) reply(all bool) {
	m.u.touch()
	if m.s == nil || m.current == nil {
		return
	}
	d, err := m.s.ReplyDraft(m.current.Ref, all)
	if err != nil {
		m.u.showError(m.u.tr.T("error.reply"), err)
		return
	}
	m.compose(d)
}

func (m *MainScreen) forward() {
	m.u.touch()
	if m.s == nil || m.current == nil {
		return
	}
	d, err := m.s.ForwardDraft(m.current.Ref)
	if err != nil {
		m.u.showError(m.u.tr.T("error.reply"), err)
		return
	}
	m.compose(d)
}

// BALButton is the switcher's button of the BAL addr (nil if none).
func (m *MainScreen) BALButton(addr string) *TipButton {
	for i, a := range m.balAddr {
		if a == addr {
			return m.BALButtons[i]
		}
	}
	return nil
}

// FolderText is what the folder list's row i shows.
func (m *MainScreen) FolderText(i int) string { return m.folderText(m.folders[i]) }

// Tooltip lists the texts of the tooltip shown over the main window (nil when none).
func (m *MainScreen) Tooltip() []string { return m.u.tips.Texts() }
