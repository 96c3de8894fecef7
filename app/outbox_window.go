package app

import (
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// OutboxWindow is « Boîte d'envoi »: the messages waiting to be sent, each with what
// happens to it, « Modifier » and « Annuler l'envoi » while it has not reached the operator.
type OutboxWindow struct {
	Window fyne.Window
	Rows   []*OutboxRow
	Empty  *widget.Label // « Aucun message en attente. »
	Status *widget.Label // the last action's outcome, or why it failed

	u    *UI
	s    Session
	box  Outbox
	list *fyne.Container
}

// OutboxRow is one waiting message.
type OutboxRow struct {
	Entry        OutboxEntry
	Label, State *widget.Label
	Edit, Cancel *widget.Button
	Content      fyne.CanvasObject
}

// ShowOutbox opens the outbox window of the open session (nil when there is none).
func (u *UI) ShowOutbox() *OutboxWindow {
	u.touch()
	t := u.tr.T
	box, ok := u.session.(Outbox)
	if u.session == nil || u.locked || !ok {
		u.showError(t("wizard.login.first"), nil)
		return nil
	}
	if u.outbox != nil {
		u.outbox.Window.RequestFocus()
		u.outbox.refresh()
		return u.outbox
	}
	o := &OutboxWindow{u: u, s: u.session, box: box, Window: u.app.NewWindow(t("outbox.title"))}
	o.Empty = widget.NewLabel(t("outbox.empty"))
	o.Status = widget.NewLabel("")
	o.Status.Wrapping = fyne.TextWrapWord
	o.Status.Hide()
	o.list = container.NewVBox()
	help := widget.NewLabel(t("outbox.help"))
	help.Wrapping = fyne.TextWrapWord
	o.Window.SetContent(container.NewBorder(help, o.Status, nil, nil, container.NewVScroll(container.NewVBox(o.Empty, o.list))))
	o.Window.Resize(fyne.NewSize(720, 420))
	u.outbox = o
	u.track(o.Window, func() {
		if u.outbox == o {
			u.outbox = nil
		}
	})
	o.refresh()
	o.Window.Show()
	return o
}

// outboxChanged refreshes the outbox window after an engine event (count, submission,
// sending, refusal). UI goroutine.
func (u *UI) outboxChanged() {
	if u.outbox != nil && u.outbox.s == u.session {
		u.outbox.refresh()
	}
}

// refresh lists the waiting messages again.
func (o *OutboxWindow) refresh() {
	list, err := o.box.Outbox()
	if err != nil {
		o.u.log.Warn("list the outbox", "err", err)
		o.say(o.u.lockedError(err), true)
	}
	o.Rows = nil
	o.list.RemoveAll()
	for _, e := range list {
		r := o.row(e)
		o.Rows = append(o.Rows, r)
		o.list.Add(r.Content)
	}
	show(o.Empty, len(list) == 0)
	o.list.Refresh()
}

func (o *OutboxWindow) row(e OutboxEntry) *OutboxRow {
	t := o.u.tr.T
	r := &OutboxRow{Entry: e}
	to := strings.Join(e.To, ", ")
	subject := e.Subject
	if subject == "" {
		subject = t("outbox.nosubject")
	}
	r.Label = widget.NewLabel(t("outbox.line", subject, to, o.u.when(e.Queued)))
	r.Label.Wrapping = fyne.TextWrapWord
	r.State = widget.NewLabel(o.state(e))
	r.State.Wrapping = fyne.TextWrapWord
	r.State.Importance = widget.LowImportance
	if e.Refused != "" {
		r.State.Importance = widget.DangerImportance
	}
	r.Edit = widget.NewButtonWithIcon(t("outbox.edit"), theme.DocumentCreateIcon(), func() { o.edit(e) })
	r.Cancel = widget.NewButtonWithIcon(t("outbox.cancel"), theme.CancelIcon(), func() { o.cancel(e) })
	if !e.Cancellable {
		r.Edit.Disable()
		r.Cancel.Disable()
	}
	r.Content = container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(r.Edit, r.Cancel),
		container.NewVBox(r.Label, r.State)), widget.NewSeparator())
	return r
}

// state says, in French, what is happening to a waiting message.
func (o *OutboxWindow) state(e OutboxEntry) string {
	t := o.u.tr.T
	switch {
	case e.Refused != "":
		return t("outbox.state.refused", e.Refused)
	case e.Submitted:
		return t("outbox.state.submitted")
	case !e.Cancellable:
		return t("outbox.state.unknown")
	case e.Attempts > 0:
		return t("outbox.state.retry")
	}
	return t("outbox.state.waiting")
}

// when is a queue time, as a date and an hour.
func (u *UI) when(at time.Time) string { return at.Local().Format("02/01/2006 à 15:04") }

func (o *OutboxWindow) say(msg string, bad bool) {
	if msg == "" {
		o.Status.Hide()
		return
	}
	o.Status.SetText(msg)
	o.Status.Importance = widget.MediumImportance
	if bad {
		o.Status.Importance = widget.DangerImportance
	}
	o.Status.Show()
	o.Status.Refresh()
}

// cancel takes a message out of the outbox, after a confirmation.
func (o *OutboxWindow) cancel(e OutboxEntry) {
	o.u.touch()
	t := o.u.tr.T
	o.u.confirm(o.Window, t("outbox.cancel.title"), t("outbox.cancel.body", e.Subject), t("outbox.cancel.yes"), func(ok bool) {
		if !ok {
			return
		}
		if err := o.box.CancelOutbox(e.ID); err != nil {
			o.fail(err)
		} else {
			o.say(t("outbox.cancelled"), false)
		}
		o.refresh()
	})
}

// edit takes a message out of the outbox into a composer. It is kept as a draft at once:
// nothing is lost if the workstation stops before it is sent again.
func (o *OutboxWindow) edit(e OutboxEntry) {
	o.u.touch()
	t := o.u.tr.T
	d, err := o.box.EditOutbox(e.ID)
	if err != nil {
		o.fail(err)
		o.refresh()
		return
	}
	d.DraftID = newDraftID()
	if err := o.s.SaveDraft(d); err != nil {
		o.u.log.Warn("keep the edited message as a draft", "err", err)
	}
	o.refresh()
	o.say(t("outbox.editing"), false)
	bals := o.s.BALs()
	o.u.openComposer(o.s, bals, d.From.Email, d)
}

func (o *OutboxWindow) fail(err error) {
	t := o.u.tr.T
	o.u.log.Warn("outbox", "err", err)
	switch {
	case errors.Is(err, ErrAlreadySubmitted):
		o.say(t("outbox.toolate"), true)
	case errors.Is(err, ErrNotInOutbox):
		o.say(t("outbox.gone"), true)
	default:
		if msg := o.u.lockedError(err); msg != "" {
			o.say(msg, true)
			return
		}
		o.say(t("outbox.failed"), true)
	}
}
