package app

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// CardScreen is the login screen: the card and its PIN, or the e-CPS (Pro Santé Connect),
// then the holder and their BALs. In lock mode it is the lock screen: the same logins reopen
// the session.
type CardScreen struct {
	Content fyne.CanvasObject

	// Methods chooses the login: « Carte CPS » (CardTab) or « e-CPS (Pro Santé Connect) »
	// (ECPSTab, the panel ECPS).
	Methods          *container.AppTabs
	CardTab, ECPSTab *container.TabItem
	ECPS             *ECPSPanel

	Title       *widget.Label
	Reason      *widget.Label // why the screen is locked
	Status      *widget.Label // "Insérez votre carte CPS", "Carte détectée…"
	Readers     *widget.Select
	PIN         *widget.Entry
	LoginButton *widget.Button
	Error       *widget.Label // PIN refused, card locked…
	Holder      *widget.Label // identity after login
	BALs        *widget.Label // the openable BALs, one per line
	OpenButton  *widget.Button
	Situation   *widget.RadioGroup
	// Renewal is the offer to set the old cache aside, while a renewed card's login waits
	// for the holder's choice (nil otherwise).
	Renewal *RenewalPrompt

	u           *UI
	readers     []Reader
	want        string // label of the card the user chose (or logged in with)
	updating    bool   // setReaders is changing the selection itself
	busy        bool
	lastPSC     bool // the last session was opened with Pro Santé Connect: the lock screen offers it first
	loginBox    *fyne.Container
	holderBox   *fyne.Container
	holderTitle *widget.Label
	// situationBox offers the practice situations when the card holds several.
	situationBox *fyne.Container
	// cardReason: the lock screen says the card was pulled (cleared once it is back).
	cardReason bool
}

func newCardScreen(u *UI) *CardScreen {
	c := &CardScreen{u: u}
	t := u.tr.T
	c.Title = widget.NewLabelWithStyle(t("card.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	c.Title.SizeName = theme.SizeNameHeadingText
	c.Reason = widget.NewLabel("")
	c.Reason.Alignment = fyne.TextAlignCenter
	c.Reason.Wrapping = fyne.TextWrapWord // the reasons are sentences: they must fit the form
	c.Reason.Importance = widget.DangerImportance
	c.Reason.Hide()
	c.Status = widget.NewLabel(t("card.insert"))
	c.Status.Alignment = fyne.TextAlignCenter
	c.Readers = widget.NewSelect(nil, func(string) {
		if r, ok := c.selected(); ok && !c.updating && r.Label != "" {
			c.want = r.Label
		}
		c.refreshStatus()
	})
	c.Readers.PlaceHolder = t("card.reader.none")
	c.PIN = widget.NewPasswordEntry()
	c.PIN.SetPlaceHolder(t("card.pin.placeholder"))
	c.PIN.OnChanged = c.filterPIN
	c.PIN.OnSubmitted = func(string) { c.login() }
	c.LoginButton = widget.NewButtonWithIcon(t("card.login"), theme.LoginIcon(), c.login)
	c.LoginButton.Importance = widget.HighImportance
	c.LoginButton.Disable() // until a reader with a card is listed
	c.Error = widget.NewLabel("")
	c.Error.Wrapping = fyne.TextWrapWord
	c.Error.Importance = widget.DangerImportance
	c.Error.Hide()
	c.Holder = widget.NewLabel("")
	c.Holder.Wrapping = fyne.TextWrapWord
	c.BALs = widget.NewLabel("")
	c.BALs.Wrapping = fyne.TextWrapWord
	c.Situation = widget.NewRadioGroup(nil, nil)
	c.situationBox = container.NewVBox(widget.NewLabelWithStyle(t("card.situation"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), c.Situation)
	c.OpenButton = widget.NewButtonWithIcon(t("card.open"), theme.MailComposeIcon(), c.open)
	c.OpenButton.Importance = widget.HighImportance

	c.loginBox = container.NewVBox(
		widget.NewLabel(t("card.reader")), c.Readers,
		widget.NewLabel(t("card.pin")), c.PIN, c.LoginButton, c.Error)
	c.holderTitle = widget.NewLabelWithStyle(t("card.holder"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.holderBox = container.NewVBox(c.holderTitle, c.Holder, c.situationBox,
		widget.NewLabelWithStyle(t("card.bals"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), c.BALs,
		c.OpenButton)
	c.holderBox.Hide()
	c.ECPS = newECPSPanel(u)
	c.CardTab = container.NewTabItem(t("login.method.card"), container.NewVBox(c.Status, c.loginBox))
	c.ECPSTab = container.NewTabItem(t("login.method.ecps"), c.ECPS.Content)
	c.Methods = container.NewAppTabs(c.CardTab, c.ECPSTab)
	if u.cfg.PSCNationalID != "" && u.deps.PSC != nil {
		// This workstation's user logged in with the e-CPS last time.
		c.Methods.Select(c.ECPSTab)
	}
	form := container.NewVBox(c.Title, c.Reason, c.Methods, c.holderBox)
	c.Content = container.NewCenter(container.NewGridWrap(fyne.NewSize(480, 600), form))
	return c
}

func (c *CardScreen) setReaders(rs []Reader, err error) {
	c.readers = rs
	opts := make([]string, len(rs))
	sel, wanted := -1, -1
	for i, r := range rs {
		opts[i] = r.Description
		if r.CardPresent && r.Label != "" {
			opts[i] = fmt.Sprintf("%s — %s", r.Description, r.Label)
		}
		if r.CardPresent && sel < 0 {
			sel = i
		}
		if r.CardPresent && c.want != "" && r.Label == c.want {
			wanted = i
		}
	}
	c.updating = true
	defer func() { c.updating = false }()
	c.Readers.SetOptions(opts)
	switch {
	case wanted >= 0:
		c.Readers.SetSelectedIndex(wanted)
	case sel >= 0:
		c.Readers.SetSelectedIndex(sel)
	case len(rs) > 0:
		c.Readers.SetSelectedIndex(0)
	default:
		c.Readers.ClearSelected()
	}
	if err != nil {
		c.Status.SetText(c.u.tr.T("card.reader.error"))
		return
	}
	c.refreshStatus()
}

func (c *CardScreen) selected() (Reader, bool) {
	i := c.Readers.SelectedIndex()
	if i < 0 || i >= len(c.readers) {
		return Reader{}, false
	}
	return c.readers[i], true
}

func (c *CardScreen) refreshStatus() {
	t := c.u.tr.T
	r, ok := c.selected()
	switch {
	case len(c.readers) == 0:
		c.Status.SetText(t("card.reader.none"))
	case !ok || !r.CardPresent:
		c.Status.SetText(t("card.insert"))
	default:
		c.Status.SetText(t("card.detected", r.Label))
	}
	c.LoginButton.Disable()
	if ok && r.CardPresent && !c.busy {
		c.LoginButton.Enable()
	}
}

// filterPIN keeps at most 4 digits in the PIN entry.
func (c *CardScreen) filterPIN(s string) {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' && b.Len() < 4 {
			b.WriteRune(r)
		}
	}
	if b.String() != s {
		c.PIN.SetText(b.String())
	}
}

func (c *CardScreen) login() {
	t := c.u.tr.T
	r, ok := c.selected()
	if c.busy {
		return
	}
	if !ok || !r.CardPresent {
		c.showError(t("card.insert"))
		return
	}
	if len(c.PIN.Text) != 4 {
		c.showError(t("card.pin.format"))
		return
	}
	if r.Label != "" {
		c.want = r.Label
	}
	pin := []byte(c.PIN.Text)
	c.PIN.SetText("")
	c.busy = true
	c.LoginButton.Disable()
	c.Status.SetText(t("card.login.busy"))
	ctx := c.u.ctx
	go func() {
		s, err := c.u.deps.Cards.Login(ctx, r.Slot, pin)
		clear(pin)
		c.u.deps.Do(func() { c.loginDone(s, err) })
	}()
}

func (c *CardScreen) loginDone(s Session, err error) {
	t := c.u.tr.T
	c.busy = false
	c.refreshStatus()
	var pe *PINError
	if err != nil {
		c.u.log.Warn("login refused", "err", err)
	}
	switch {
	case err == nil:
		c.Error.Hide()
		c.loggedIn(s, false)
		return
	case errors.As(err, &pe):
		c.showError(c.pinMessage(pe))
		if pe.Locked {
			c.LoginButton.Disable()
		}
	case c.renewed(err):
		return
	case errors.Is(err, ErrNoCard):
		c.showError(t("card.insert"))
	default:
		c.showError(t("card.login.failed", err))
	}
	c.u.deps.Do(func() { c.u.Window.Canvas().Focus(c.PIN) })
}

// pinMessage says what a refused PIN means. In French it is the card layer's own sentence
// (cps.UserMessage, the one the command line prints); other languages translate the state.
func (c *CardScreen) pinMessage(pe *PINError) string {
	t := c.u.tr.T
	if c.u.tr.lang == "fr" && pe.Message != "" {
		return pe.Message
	}
	switch {
	case pe.Locked:
		return t("card.pin.locked")
	case pe.FinalTry:
		return t("card.pin.final")
	case pe.CountLow:
		return t("card.pin.low")
	}
	return t("card.pin.wrong")
}

func (c *CardScreen) showError(msg string) {
	c.Error.SetText(msg)
	c.Error.Show()
}

// loggedIn hands a new session to the UI; psc tells it was opened with Pro Santé Connect.
func (c *CardScreen) loggedIn(s Session, psc bool) {
	c.lastPSC = psc
	if !psc {
		c.ECPS.abandon() // an e-CPS request still waiting must not open a second session
	}
	c.u.onSession(s)
}

// showHolder shows who logged in and the BALs they may open.
func (c *CardScreen) showHolder(s Session) {
	t := c.u.tr.T
	h := s.Holder()
	lines := []string{strings.TrimSpace(strings.Join([]string{h.Title, h.GivenName, h.Surname}, " "))}
	if h.Profession != "" {
		lines = append(lines, h.Profession)
	}
	if len(h.NationalID) > 1 {
		lines = append(lines, t("card.holder.id", h.IDType, h.NationalID[1:]))
	}
	if len(h.Situations) == 1 {
		lines = append(lines, h.Situations...)
	}
	c.Holder.SetText(strings.Join(lines, "\n"))
	c.Situation.Options = h.Situations
	c.Situation.Selected = ""
	if h.Situation >= 0 && h.Situation < len(h.Situations) {
		c.Situation.Selected = h.Situations[h.Situation]
	}
	c.Situation.Refresh()
	show(c.situationBox, len(h.Situations) > 1)
	var bals []string
	for _, b := range s.BALs() {
		line := fmt.Sprintf("%s — %s", t("bal.kind."+b.Kind), b.Address)
		if state := balStateLabel(t, b.State); state != "" {
			line += " — " + state
		}
		bals = append(bals, line)
	}
	if len(bals) == 0 {
		bals = []string{t("card.bals.none")}
	}
	c.holderTitle.SetText(t("card.holder"))
	if h.PSC {
		c.holderTitle.SetText(t("card.holder.psc"))
		bals = append(bals, "", t("card.psc.needscard"))
	}
	c.BALs.SetText(strings.Join(bals, "\n"))
	c.Methods.Hide()
	c.Error.Hide()
	c.holderBox.Show()
	if len(s.BALs()) == 0 {
		c.OpenButton.Disable()
	} else {
		c.OpenButton.Enable()
	}
}

// reset leaves lock mode after a successful unlock.
func (c *CardScreen) reset() {
	t := c.u.tr.T
	c.Title.SetText(t("card.title"))
	c.Reason.Hide()
	c.LoginButton.SetText(t("card.login"))
	c.Error.Hide()
}

// showLocked turns the screen into the lock screen.
func (c *CardScreen) showLocked(reason string) {
	t := c.u.tr.T
	c.Title.SetText(t("lock.title"))
	c.Reason.SetText(reason)
	c.Reason.Show()
	c.cardReason = reason == t("lock.reason.card")
	c.holderBox.Hide()
	c.Methods.Show()
	c.Error.Hide()
	c.ECPS.Error.Hide() // an earlier attempt's message is not about this lock
	c.PIN.SetText("")
	c.LoginButton.SetText(t("lock.unlock"))
	if c.lastPSC {
		c.Methods.Select(c.ECPSTab)
	} else {
		c.Methods.Select(c.CardTab)
	}
	c.refreshStatus()
}

// needsChoice reports whether the holder has something to choose before the mailbox opens:
// several practice situations, or no BAL to open (the screen says so).
func (c *CardScreen) needsChoice(s Session) bool {
	if len(s.Holder().Situations) > 1 {
		return true
	}
	for _, b := range s.BALs() {
		if b.State == BALActive {
			return false
		}
	}
	return true
}

// open opens the mailbox, as the situation chosen (its entity signs the personal BAL's mail).
func (c *CardScreen) open() {
	if s := c.u.session; s != nil && len(c.Situation.Options) > 1 {
		if ch, ok := s.(SituationChooser); ok {
			for i, o := range c.Situation.Options {
				if o == c.Situation.Selected {
					ch.SetSituation(i)
				}
			}
		}
	}
	c.u.openMain()
}
