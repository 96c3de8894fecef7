package app

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Composer is the window that writes a new message, a reply or a forward.
type Composer struct {
	Window                 fyne.Window
	From                   *widget.Select
	To, Cc                 *AddressField
	Subject                *ShortcutEntry
	Body                   *ShortcutEntry
	DSN, MDN, NoReply      *widget.Check
	Attach                 *widget.Button
	AttachList             *widget.Label
	Send, SaveDraft, Close *widget.Button
	Discard                *widget.Button // « Supprimer le brouillon »
	Error                  *widget.Label
	Warning                dialog.Dialog   // the trust-space confirmation, while shown
	Templates              *TemplatePicker // reply templates (patients.go, templates.go)
	// Health is « Joindre un document de santé » (composer_health.go), HealthList what the
	// draft carries, HealthForm the form while open.
	Health, HealthRemove *widget.Button
	HealthList           *widget.Label
	HealthForm           *HealthForm
	// PatientForm and Identity are the patient flow a typed patient address opens
	// (composer_patients.go), while shown.
	PatientForm *PatientForm
	Identity    *IdentityCheck

	u       *UI
	s       Session
	bals    []BAL
	draft   Draft
	parts   []Part
	initial Draft           // what the fields held when opened: closing saves only a change
	layer   *fyne.Container // drawn over the form: the address suggestions
	done    bool            // sent, saved or discarded: closing keeps nothing more
	// health are the documents attached here, for the patient healthINS (rebuilt together
	// when one is added).
	health    []HealthDocument
	healthINS string
	patientOK map[string]bool // patient addresses confirmed (lower case)
}

// openComposer opens a composer on draft d from the BAL fromBAL.
func (u *UI) openComposer(s Session, bals []BAL, fromBAL string, d Draft) *Composer {
	t := u.tr.T
	if d.DraftID == "" {
		d.DraftID = newDraftID()
	}
	c := &Composer{u: u, s: s, bals: bals, draft: d, parts: append([]Part(nil), d.Parts...), layer: container.NewWithoutLayout()}
	c.trustReplyPatients(d)
	title := t("compose.title")
	if d.Subject != "" {
		title = displaySubject(d.Subject)
	}
	c.Window = u.app.NewWindow(title)
	opts := make([]string, len(bals))
	sel := 0
	for i, b := range bals {
		opts[i] = fmt.Sprintf("%s — %s", t("bal.kind."+b.Kind), b.Address)
		if b.Address == fromBAL || (d.From.Email != "" && b.Address == d.From.Email) {
			sel = i
		}
	}
	c.From = widget.NewSelect(opts, nil)
	if len(opts) > 0 {
		c.From.SetSelectedIndex(sel)
	}
	c.To = c.addressEntry(joinAddrs(d.To))
	c.Cc = c.addressEntry(joinAddrs(d.Cc))
	c.Subject = newShortcutEntry(false, c.shortcut)
	c.Subject.SetText(d.Subject)
	c.Body = newShortcutEntry(true, c.shortcut)
	c.Body.SetText(d.Text)
	c.Body.SetMinRowsVisible(12)
	c.DSN = widget.NewCheck(t("compose.dsn"), nil)
	c.DSN.SetChecked(d.RequestDSN)
	c.MDN = widget.NewCheck(t("compose.mdn"), nil)
	c.MDN.SetChecked(d.RequestMDN)
	c.NoReply = widget.NewCheck(t("compose.noreply"), nil)
	c.NoReply.SetChecked(d.NoReplyExpected)
	c.AttachList = widget.NewLabel("")
	c.AttachList.Wrapping = fyne.TextWrapWord
	c.Attach = widget.NewButtonWithIcon(t("compose.attach"), theme.MailAttachmentIcon(), c.pickFile)
	c.Send = widget.NewButtonWithIcon(t("compose.send"), theme.MailSendIcon(), c.send)
	c.Send.Importance = widget.HighImportance
	c.SaveDraft = widget.NewButtonWithIcon(t("compose.savedraft"), theme.DocumentSaveIcon(), c.saveDraft)
	c.Close = widget.NewButton(t("compose.close"), c.requestClose)
	c.Discard = widget.NewButtonWithIcon(t("compose.discard"), theme.DeleteIcon(), c.discard)
	c.Error = widget.NewLabel("")
	c.Error.Importance = widget.DangerImportance
	c.Error.Wrapping = fyne.TextWrapWord
	c.Error.Hide()
	c.refreshParts()

	form := widget.NewForm(
		widget.NewFormItem(t("compose.from"), c.From),
		widget.NewFormItem(t("compose.to"), c.To),
		widget.NewFormItem(t("compose.cc"), c.Cc),
		widget.NewFormItem(t("compose.subject"), c.Subject))
	options := container.NewHBox(c.DSN, c.MDN, c.NoReply, c.templatePicker())
	bottom := container.NewVBox(container.NewBorder(nil, nil, c.Attach, nil, c.AttachList), c.healthRow(), options, c.Error,
		container.NewHBox(c.Send, c.SaveDraft, c.Close, layout.NewSpacer(), c.Discard))
	c.Window.SetContent(container.NewStack(container.NewBorder(form, bottom, nil, nil, c.Body), c.layer))
	u.sizeWindow(c.Window, fyne.NewSize(760, 620))
	c.Window.SetCloseIntercept(c.requestClose)
	c.Window.SetOnClosed(func() {
		u.forgetComposer(c)
		c.keepOnClose()
	})
	c.Window.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: ctrl}, func(fyne.Shortcut) { c.send() })
	u.escapeCloses(c.Window)
	c.initial, _ = c.collectLenient()
	u.composers = append(u.composers, c)
	c.Window.Show()
	// Keyboard first: type the recipient of a new message, the text of a reply.
	if len(d.To) == 0 {
		c.Window.Canvas().Focus(c.To)
	} else {
		c.Window.Canvas().Focus(c.Body)
	}
	return c
}

// shortcut handles the composer's shortcuts typed in its text fields: Ctrl+Entrée sends.
func (c *Composer) shortcut(s fyne.Shortcut) bool {
	if isShortcut(s, fyne.KeyReturn, ctrl) || isShortcut(s, fyne.KeyEnter, ctrl) {
		c.send()
		return true
	}
	return false
}

func (u *UI) forgetComposer(c *Composer) {
	for i, x := range u.composers {
		if x == c {
			u.composers = append(u.composers[:i], u.composers[i+1:]...)
			return
		}
	}
}

// addressEntry is a To/Cc field suggesting recipients as the user types (AddressField).
func (c *Composer) addressEntry(initial string) *AddressField {
	f := newAddressField(c.layer, c.u.tr.T("compose.suggest.none"), c.suggestAsync, c.u.touch)
	f.SetText(initial)
	return f
}

// suggest returns the correspondents then the directory entries matching prefix.
func (c *Composer) suggest(prefix string) []Address {
	const limit = 8
	seen := map[string]bool{}
	var out []Address
	add := func(as []Address) {
		for _, a := range as {
			k := strings.ToLower(a.Email)
			if !seen[k] && len(out) < limit {
				seen[k] = true
				out = append(out, a)
			}
		}
	}
	add(c.s.Correspondents(prefix, limit))
	if d := c.u.deps.Directory; d != nil && len(out) < limit {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		add(d.Suggest(ctx, prefix, limit))
		cancel()
	}
	return out
}

// splitLastAddress splits "a@x, Bob <b" into "a@x, " and "Bob <b".
func splitLastAddress(s string) (head, last string) {
	i := strings.LastIndexAny(s, ",;")
	if i < 0 {
		return "", strings.TrimSpace(s)
	}
	return s[:i+1] + " ", strings.TrimSpace(s[i+1:])
}

// parseAddresses reads a comma-separated address field.
func parseAddresses(s string) ([]Address, error) {
	var out []Address
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		a, err := mail.ParseAddress(f)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", f, err)
		}
		// Domains are case-insensitive; local parts are kept (an INS holds "2A"/"2B").
		email := a.Address
		if i := strings.LastIndexByte(email, '@'); i >= 0 {
			email = email[:i] + strings.ToLower(email[i:])
		}
		out = append(out, Address{Name: a.Name, Email: email})
	}
	return out, nil
}

// collect builds the draft from the fields.
func (c *Composer) collect() (Draft, error) {
	d := c.draft
	if i := c.From.SelectedIndex(); i >= 0 && i < len(c.bals) {
		d.From = Address{Name: c.bals[i].DisplayName, Email: c.bals[i].Address}
	}
	var err error
	if d.To, err = parseAddresses(c.To.Text); err != nil {
		return d, fmt.Errorf("%s %w", c.u.tr.T("compose.bad.address"), err)
	}
	if d.Cc, err = parseAddresses(c.Cc.Text); err != nil {
		return d, fmt.Errorf("%s %w", c.u.tr.T("compose.bad.address"), err)
	}
	d.Subject = c.Subject.Text
	d.Text = c.Body.Text
	d.RequestDSN = c.DSN.Checked
	d.RequestMDN = c.MDN.Checked
	d.NoReplyExpected = c.NoReply.Checked
	d.Parts = c.parts
	return d, nil
}

func (c *Composer) fail(msg string) {
	c.Error.SetText(msg)
	c.Error.Show()
}

func (c *Composer) send() {
	c.u.touch()
	t := c.u.tr.T
	if c.u.refused(c.s, c.fail) {
		return
	}
	d, err := c.collect()
	if err != nil {
		c.fail(err.Error())
		return
	}
	if len(d.To)+len(d.Cc) == 0 {
		c.fail(t("compose.no.recipient"))
		return
	}
	if addr := c.unconfirmedPatient(d); addr != "" {
		c.confirmPatient(addr)
		return
	}
	if problem := c.u.patientSizeProblem(d); problem != "" {
		c.fail(problem)
		return
	}
	var all []string
	for _, a := range append(append([]Address{}, d.To...), d.Cc...) {
		all = append(all, a.Email)
	}
	if out := c.s.OutsideTrust(all); len(out) > 0 {
		c.Warning = c.u.confirm(c.Window, t("compose.trust.title"), t("compose.trust.body", strings.Join(out, ", ")),
			t("compose.trust.send"), func(ok bool) {
				c.Warning = nil
				if ok {
					c.submit(d)
				}
			})
		return
	}
	c.submit(d)
}

// submit hands d to the engine: it is durable in the outbox once Send returns, online or not.
func (c *Composer) submit(d Draft) {
	t := c.u.tr.T
	c.Send.Disable()
	s := c.s
	go func() {
		_, err := s.Send(context.Background(), d)
		c.u.deps.Do(func() {
			c.Send.Enable()
			if err != nil {
				c.u.log.Warn("send", "err", err)
				if msg := c.u.lockedError(err); msg != "" {
					c.fail(msg)
					return
				}
				c.fail(c.u.sendFailure(err))
				return
			}
			c.u.notice(t("status.queued"))
			c.done = true
			c.Window.Close()
		})
	}()
}

func (c *Composer) pickFile() {
	c.u.touch()
	dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		defer r.Close()
		data, err := io.ReadAll(io.LimitReader(r, 64<<20))
		if err != nil {
			c.fail(c.u.tr.T("error.open"))
			return
		}
		c.AddAttachment(r.URI().Name(), data)
	}, c.Window).Show()
}

// AddAttachment attaches data under name (the file dialog's and the tests' way in).
func (c *Composer) AddAttachment(name string, data []byte) {
	ct := mime.TypeByExtension(strings.ToLower(filepath.Ext(name)))
	if ct == "" {
		ct = "application/octet-stream"
	}
	c.parts = append(c.parts, Part{Attachment: Attachment{Name: name, ContentType: ct, Size: int64(len(data))}, Data: data})
	c.refreshParts()
}

func (c *Composer) refreshParts() {
	if len(c.parts) == 0 {
		c.AttachList.SetText(c.u.tr.T("compose.noattach"))
		return
	}
	names := make([]string, len(c.parts))
	for i, p := range c.parts {
		names[i] = fmt.Sprintf("%s (%s)", p.Name, humanSize(p.Size))
	}
	c.AttachList.SetText(strings.Join(names, ", "))
}
