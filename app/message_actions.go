package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// The actions on the messages of a shared BAL: « traité », non lu, archiver, supprimer, from
// the reader's buttons and the list's right-click menu (SharedMailbox).

// shared is the session's shared-mailbox actions (nil when it has none).
func (m *MainScreen) shared() SharedMailbox {
	sm, _ := m.s.(SharedMailbox)
	return sm
}

// inSent reports whether the list shows the BAL's Sent folder.
func (m *MainScreen) inSent() bool {
	for _, f := range m.folders {
		if f.Name == m.folder {
			return f.SpecialUse == `\Sent`
		}
	}
	return false
}

// rowEnvelope is what a row shows of e: in « Envoyés », its recipients instead of the
// sender (the BAL itself).
func (m *MainScreen) rowEnvelope(e Envelope) Envelope {
	if !m.inSent() || len(e.To)+len(e.Cc) == 0 {
		return e
	}
	names := make([]string, 0, len(e.To)+len(e.Cc))
	for _, a := range append(append([]Address{}, e.To...), e.Cc...) {
		names = append(names, a.Person())
	}
	e.From = Address{Name: m.u.tr.T("list.to", strings.Join(names, ", "))}
	e.Patient = nil // the recipient line says who it went to
	e.Seen = true
	return e
}

// rowTips say what each icon of a row means, in the order they show.
func rowTips(tr *translator, e Envelope) []string {
	var tips []string
	if e.Handled {
		tips = append(tips, handledText(tr, e))
	}
	switch {
	case e.Answered && e.Forwarded:
		tips = append(tips, tr.T("icon.answered.forwarded"))
	case e.Answered:
		tips = append(tips, tr.T("icon.answered"))
	case e.Forwarded:
		tips = append(tips, tr.T("icon.forwarded"))
	}
	if e.Patient != nil {
		tips = append(tips, tr.T("icon.patient"))
	}
	if len(e.Attachments) > 0 {
		tips = append(tips, tr.T("icon.attachment", len(e.Attachments)))
	}
	if e.MDNRequested {
		tips = append(tips, tr.T("icon.mdn"))
	}
	if e.Kind == "dsn" || e.Kind == "mdn" {
		tips = append(tips, tr.T("icon.report"))
	}
	return tips
}

// handledText is « Traité par Élise BONNEFOY le 03/12/2026 à 18:05 », or « Traité » when
// the BAL's journal does not say who.
func handledText(tr *translator, e Envelope) string {
	if e.HandledBy == "" {
		return tr.T("handled.plain")
	}
	return tr.T("handled.by", e.HandledBy, e.HandledAt.Local().Format("02/01/2006 à 15:04"))
}

// Tapped selects the row (left click), which opens its message.
func (r *messageRow) Tapped(*fyne.PointEvent) {
	if r.ok && r.pick != nil {
		r.pick(r.id)
	}
}

// TappedSecondary opens the row's menu (right click).
func (r *messageRow) TappedSecondary(ev *fyne.PointEvent) {
	if r.ok && r.menu != nil {
		r.menu(r.env, ev.AbsolutePosition)
	}
}

// RowMenu is the right-click menu of row i (nil for a row not loaded).
func (m *MainScreen) RowMenu(i int) *fyne.Menu {
	e, ok := m.envelopeAt(i)
	if !ok {
		return nil
	}
	return m.rowMenu(e)
}

// showRowMenu shows e's menu where the user clicked.
func (m *MainScreen) showRowMenu(e Envelope, at fyne.Position) {
	m.u.touch()
	m.u.tips.hide() // the row's tooltip would show through the menu
	if m.s == nil {
		return
	}
	widget.ShowPopUpMenuAtPosition(m.rowMenu(e), m.u.Window.Canvas(), at)
}

// rowMenu is what can be done to e: open, reply, forward, « traité », read or unread,
// archive, delete (the last two ask first).
func (m *MainScreen) rowMenu(e Envelope) *fyne.Menu {
	t := m.u.tr.T
	open := func(then func()) func() {
		return func() {
			m.u.touch()
			m.open(e)
			if then != nil {
				then()
			}
		}
	}
	items := []*fyne.MenuItem{
		fyne.NewMenuItem(t("menu.row.open"), open(nil)),
		fyne.NewMenuItem(t("main.reply"), open(func() { m.reply(false) })),
		fyne.NewMenuItem(t("main.replyall"), open(func() { m.reply(true) })),
		fyne.NewMenuItem(t("main.forward"), open(m.forward)),
	}
	if sm := m.shared(); sm != nil {
		handled := t("menu.row.handled")
		if e.Handled {
			handled = t("menu.row.unhandled")
		}
		read := fyne.NewMenuItem(t("menu.row.unread"), func() { m.markUnread(e) })
		if !e.Seen {
			read = fyne.NewMenuItem(t("menu.row.read"), func() { m.markRead(e) })
		}
		items = append(items, fyne.NewMenuItemSeparator(),
			fyne.NewMenuItem(handled, func() { m.setHandled(e, !e.Handled) }),
			read,
			fyne.NewMenuItemSeparator(),
			fyne.NewMenuItem(t("menu.row.archive"), func() { m.askRemove(e, true) }),
			fyne.NewMenuItem(t("menu.row.delete"), func() { m.askRemove(e, false) }))
	}
	return fyne.NewMenu("", items...)
}

// setHandled marks e « traité » (on) or takes the mark off.
func (m *MainScreen) setHandled(e Envelope, on bool) {
	m.u.touch()
	sm := m.shared()
	if sm == nil {
		return
	}
	if err := sm.MarkHandled(e.Ref, on); err != nil {
		m.actionFailed(err)
		return
	}
	t := m.u.tr.T
	if on {
		m.Status.notice(t("status.handled", displaySubject(e.Subject)))
	} else {
		m.Status.notice(t("status.unhandled", displaySubject(e.Subject)))
	}
	m.changed(e.Ref)
}

func (m *MainScreen) markUnread(e Envelope) {
	m.u.touch()
	if sm := m.shared(); sm != nil {
		if err := sm.MarkUnread(e.Ref); err != nil {
			m.actionFailed(err)
			return
		}
		m.changed(e.Ref)
	}
}

func (m *MainScreen) markRead(e Envelope) {
	m.u.touch()
	if err := m.s.MarkRead(e.Ref); err != nil {
		m.actionFailed(err)
		return
	}
	m.changed(e.Ref)
}

// askRemove archives or deletes e once the user confirmed.
func (m *MainScreen) askRemove(e Envelope, archive bool) {
	m.u.touch()
	t := m.u.tr.T
	var remove func(Ref) error
	if d, ok := m.s.(Deleter); ok && !archive {
		remove = d.Delete
	} else if sm := m.shared(); sm != nil && archive {
		remove = sm.Archive
	}
	if remove == nil {
		return
	}
	title, body, yes, done := t("delete.title"), t("delete.body", displaySubject(e.Subject)), t("delete.yes"), t("status.deleted")
	if archive {
		title, body, yes, done = t("archive.title"), t("archive.body", displaySubject(e.Subject)), t("archive.yes"), t("status.archived")
	}
	m.u.confirm(m.u.Window, title, body, yes, func(ok bool) {
		if !ok || m.s == nil {
			return
		}
		if err := remove(e.Ref); err != nil {
			m.actionFailed(err)
			return
		}
		if m.current != nil && m.current.Ref == e.Ref {
			m.current = nil
			m.Reader.clear()
			m.setMessageActions(false)
		}
		m.unselect()
		m.reloadList()
		m.refreshCounts()
		m.Status.notice(done)
	})
}

func (m *MainScreen) actionFailed(err error) {
	if msg := m.u.lockedError(err); msg != "" {
		m.u.showError(msg, err)
		return
	}
	m.u.showError(m.u.tr.T("error.action"), err)
}

// changed shows the new state of the message ref in the list and, when it is open, in
// the reader (without marking it read again).
func (m *MainScreen) changed(ref Ref) {
	m.reloadList()
	m.refreshCounts()
	if m.current == nil || m.current.Ref != ref {
		return
	}
	msg, err := m.s.Open(ref)
	if err != nil {
		m.u.log.Warn("reopen after a change", "err", err)
		return
	}
	m.current = &msg.Envelope
	m.Reader.showState(msg.Envelope)
}

// followCurrent shows in the reader what changed of the open message in the cache (another
// counter marked it « traité », a sync brought its flags), without reopening it.
func (m *MainScreen) followCurrent() {
	er, ok := m.s.(EnvelopeReader)
	if !ok || m.current == nil {
		return
	}
	e, err := er.Envelope(m.current.Ref)
	if err != nil {
		return // gone: the list no longer shows it either
	}
	// The reader's addresses are the parsed message's; only the state is taken.
	cur := *m.current
	cur.Seen, cur.Answered, cur.Forwarded = e.Seen, e.Answered, e.Forwarded
	cur.Handled, cur.HandledBy, cur.HandledAt = e.Handled, e.HandledBy, e.HandledAt
	m.current = &cur
	m.Reader.showState(cur)
}
