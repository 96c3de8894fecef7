package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"comptoir/assets"
	"comptoir/mail/balrules"
)

// Wizard steps, in order.
const (
	StepKind    = iota // type of BAL
	StepCGU            // terms of use
	StepCard           // what the card holds, which situation
	StepAddress        // structure's address, computed BAL address
	StepVerify         // "Vérifiez puis confirmez"
	StepDone           // pending
)

// Wizard is the BAL creation wizard (seed: type, CGU, card, address, confirm, pending).
// Every step can go back; an error brings the user to the step holding the faulty field;
// cancelling before the confirmation leaves nothing anywhere.
type Wizard struct {
	Window fyne.Window
	Step   int

	Title, Error                   *widget.Label
	BackButton, NextButton, Cancel *widget.Button

	Kind       *widget.RadioGroup // StepKind
	CGUText    *widget.Label      // StepCGU
	Accept     *widget.Check
	CardInfo   *widget.Label      // StepCard
	Situations *widget.RadioGroup // one line per practice situation
	CertFile   *widget.Entry      // APP: the structure's .p12
	CertBrowse *widget.Button     // « Choisir… »: the file picker
	CertDialog *dialog.FileDialog // the picker, while open
	CertPass   *widget.Entry
	Name       *widget.Entry // StepAddress: structure name, postal code, town
	PostalCode *widget.Entry
	Town       *widget.Entry
	Directory  *widget.Label // where the structure's address comes from
	Address    *widget.Label // the computed address
	ListeRouge *widget.Check
	Summary    *widget.Label // StepVerify
	Result     *widget.Label // StepDone

	u      *UI
	s      Session
	prov   Provisioner
	ctx    context.Context
	cancel context.CancelFunc
	busy   bool

	kind      string
	cgu       CGU
	card      CardData
	sits      []CardSituation // situations offered, in Situations order
	bals      []BALStatus     // the holder's BALs at the operator (APP: role on the ORG BAL)
	structure Structure
	appCert   *AppCertificate
	address   string // computed, or the operator's suggestion for a homonym
	suggested bool
	steps     []fyne.CanvasObject
	body      *fyne.Container
	certBox   *fyne.Container
	buttons   *fyne.Container
	// structureForm holds the structure's fields (hidden for a PER BAL).
	structureForm *widget.Form
}

var kindOrder = []string{KindORG, KindPER, KindAPP}

// ShowBALWizard opens the BAL creation wizard for the open session (nil when impossible:
// the user is told why).
func (u *UI) ShowBALWizard() *Wizard {
	t := u.tr.T
	if u.deps.Provisioning == nil {
		u.showError(t("wizard.unavailable"), nil)
		return nil
	}
	if u.session == nil || u.locked {
		u.showError(t("wizard.login.first"), nil)
		return nil
	}
	prov, err := u.deps.Provisioning.Open(u.session)
	if errors.Is(err, ErrNeedsCard) {
		u.showError(t("wizard.needs.card"), nil) // logged in with the e-CPS
		return nil
	}
	if err != nil {
		u.showError(t("wizard.unavailable"), err)
		return nil
	}
	w := &Wizard{u: u, s: u.session, prov: prov}
	w.ctx, w.cancel = context.WithCancel(u.ctx)
	w.build()
	w.show(StepKind)
	w.Window.Show()
	return w
}

func (w *Wizard) build() {
	t := w.u.tr.T
	w.Window = w.u.app.NewWindow(t("wizard.title"))
	w.u.sizeWindow(w.Window, fyne.NewSize(720, 560))
	w.u.track(w.Window, w.closed)
	w.Title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.Title.SizeName = theme.SizeNameSubHeadingText
	w.Error = widget.NewLabel("")
	w.Error.Wrapping = fyne.TextWrapWord
	w.Error.Importance = widget.DangerImportance
	w.Error.Hide()
	w.BackButton = widget.NewButtonWithIcon(t("wizard.back"), theme.NavigateBackIcon(), w.back)
	w.NextButton = widget.NewButtonWithIcon(t("wizard.next"), theme.NavigateNextIcon(), w.next)
	w.NextButton.Importance = widget.HighImportance
	w.Cancel = widget.NewButton(t("cancel"), func() { w.Window.Close() })

	labels := []string{t("wizard.kind.ORG"), t("wizard.kind.PER"), t("wizard.kind.APP")}
	w.Kind = widget.NewRadioGroup(labels, func(string) { w.kindChanged() })
	w.Kind.Required = true
	w.Kind.SetSelected(labels[0])
	kindHelp := widget.NewLabel(t("wizard.kind.help"))
	kindHelp.Wrapping = fyne.TextWrapWord

	w.CGUText = widget.NewLabel(t("wizard.cgu.loading"))
	w.CGUText.Wrapping = fyne.TextWrapWord
	w.Accept = widget.NewCheck(t("wizard.cgu.accept"), func(bool) { w.refreshNext() })

	w.CardInfo = widget.NewLabel("")
	w.CardInfo.Wrapping = fyne.TextWrapWord
	w.Situations = widget.NewRadioGroup(nil, func(string) { w.situationChanged() })
	w.CertFile = widget.NewEntry()
	w.CertFile.SetPlaceHolder(t("wizard.app.cert.placeholder"))
	w.CertPass = widget.NewPasswordEntry()
	w.CertPass.SetPlaceHolder(t("wizard.app.pass"))
	w.CertBrowse = widget.NewButtonWithIcon(t("wizard.app.cert.choose"), theme.FolderOpenIcon(), w.pickCert)
	w.certBox = container.NewVBox(widget.NewLabel(t("wizard.app.cert")),
		container.NewBorder(nil, nil, nil, w.CertBrowse, w.CertFile), w.CertPass)

	w.Name = widget.NewEntry()
	w.PostalCode = widget.NewEntry()
	w.Town = widget.NewEntry()
	for _, e := range []*widget.Entry{w.Name, w.PostalCode, w.Town} {
		e.OnChanged = func(string) { w.recompute() }
	}
	w.Directory = widget.NewLabel("")
	w.Directory.Wrapping = fyne.TextWrapWord
	w.Address = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	w.ListeRouge = widget.NewCheck(t("wizard.listerouge"), nil)
	w.structureForm = widget.NewForm(
		widget.NewFormItem(t("wizard.structure.name"), w.Name),
		widget.NewFormItem(t("wizard.structure.cp"), w.PostalCode),
		widget.NewFormItem(t("wizard.structure.town"), w.Town))

	w.Summary = widget.NewLabel("")
	w.Summary.Wrapping = fyne.TextWrapWord
	w.Result = widget.NewLabel("")
	w.Result.Wrapping = fyne.TextWrapWord

	w.steps = []fyne.CanvasObject{
		container.NewVBox(kindHelp, w.Kind),
		container.NewBorder(nil, w.Accept, nil, nil, container.NewVScroll(w.CGUText)),
		container.NewVBox(w.CardInfo, w.Situations, w.certBox),
		container.NewVBox(w.Directory, w.structureForm, widget.NewLabel(t("wizard.address.computed")), w.Address, w.ListeRouge),
		container.NewVScroll(w.Summary),
		container.NewVBox(w.Result),
	}
	w.body = container.NewStack()
	w.buttons = container.NewHBox(w.Cancel, layout.NewSpacer(), w.BackButton, w.NextButton)
	w.Window.SetContent(container.NewBorder(container.NewVBox(w.Title, w.Error), w.buttons, nil, nil,
		container.NewPadded(w.body)))
}

// closed ends the wizard: nothing was created unless the confirmation was sent.
func (w *Wizard) closed() {
	w.cancel()
	w.prov.Close()
}

func (w *Wizard) selectedKind() string {
	i := indexOf(w.Kind.Options, w.Kind.Selected)
	if i < 0 || i >= len(kindOrder) {
		return KindORG
	}
	return kindOrder[i]
}

func (w *Wizard) kindChanged() {
	k := w.selectedKind()
	if k != w.kind {
		// What was read for another kind no longer holds.
		w.kind, w.address, w.suggested, w.appCert = k, "", false, nil
	}
}

// show displays step n.
func (w *Wizard) show(n int) {
	t := w.u.tr.T
	w.Step = n
	w.Title.SetText(t(fmt.Sprintf("wizard.step.%d", n)))
	w.body.Objects = []fyne.CanvasObject{w.steps[n]}
	w.body.Refresh()
	w.BackButton.Show()
	if n == StepKind || n == StepDone {
		w.BackButton.Hide()
	}
	w.NextButton.SetText(t("wizard.next"))
	w.Cancel.Show()
	switch n {
	case StepKind:
		w.kindChanged()
	case StepCGU:
		if w.cgu.Version == "" {
			w.loadCGU()
		}
	case StepCard:
		w.readCard()
	case StepAddress:
		w.enterAddress()
	case StepVerify:
		w.Summary.SetText(w.summary())
		w.NextButton.SetText(t("wizard.confirm"))
	case StepDone:
		w.NextButton.SetText(t("wizard.close"))
		w.Cancel.Hide()
	}
	w.refreshNext()
	w.relayout()
}

// relayout lays the step out again after its texts changed (a container whose size does
// not change is not laid out by Fyne on its own).
func (w *Wizard) relayout() {
	if c, ok := w.steps[w.Step].(*fyne.Container); ok {
		c.Refresh()
	}
	w.body.Refresh()
	w.buttons.Refresh() // "Suivant" becomes "Confirmer et signer avec la carte"
}

func (w *Wizard) setError(msg string) {
	if msg == "" {
		w.Error.Hide()
		return
	}
	w.Error.SetText(msg)
	w.Error.Show()
}

// refreshNext enables "Suivant" when the step is complete.
func (w *Wizard) refreshNext() {
	ok := !w.busy
	switch w.Step {
	case StepCGU:
		ok = ok && w.cgu.Version != "" && w.Accept.Checked
	case StepCard:
		ok = ok && w.cardError() == nil
	}
	if ok {
		w.NextButton.Enable()
	} else {
		w.NextButton.Disable()
	}
}

func (w *Wizard) back() {
	if w.busy || w.Step == StepKind || w.Step == StepDone {
		return
	}
	w.setError("")
	w.show(w.Step - 1)
}

func (w *Wizard) next() {
	if w.busy {
		return
	}
	w.u.touch()
	if w.Step != StepDone && w.u.refused(w.s, w.setError) {
		return
	}
	switch w.Step {
	case StepCard:
		if err := w.loadAppCert(); err != nil {
			w.setError(err.Error())
			return
		}
	case StepAddress:
		if err := w.checkAddress(); err != nil {
			return
		}
		if w.checkAtOperator() {
			return // goes on once the operator answered
		}
	case StepVerify:
		w.submit()
		return
	case StepDone:
		w.Window.Close()
		return
	}
	w.setError("")
	w.show(w.Step + 1)
}

// run does f off the UI goroutine, then done on it; the buttons wait meanwhile. Nothing is
// asked of the operator once the session is locked.
func (w *Wizard) run(f func(ctx context.Context) error, done func(err error)) {
	if w.u.refused(w.s, w.setError) {
		return
	}
	w.busy = true
	w.refreshNext()
	ctx := w.ctx
	go func() {
		err := f(ctx)
		w.u.deps.Do(func() {
			w.busy = false
			if ctx.Err() != nil {
				return // closed meanwhile
			}
			done(err)
			w.refreshNext()
			w.relayout()
		})
	}()
}

// loadCGU asks the operator for the current version and shows its text: the embedded one
// when this version ships with Comptoir, else the operator's.
func (w *Wizard) loadCGU() {
	t := w.u.tr.T
	var c CGU
	w.run(func(ctx context.Context) (err error) {
		c, err = w.prov.CGU(ctx)
		return err
	}, func(err error) {
		if err != nil {
			w.u.log.Warn("CGU", "err", err)
			w.setError(w.opMessage(err, t("wizard.cgu.error")))
			return
		}
		w.cgu = c
		text, ok := assets.CGU(c.Version)
		if !ok {
			text = c.Title + "\n\n" + c.Text
		}
		w.CGUText.SetText(text)
		w.setError("")
	})
}

// readCard shows what the logged-in card holds and lists its practice situations.
func (w *Wizard) readCard() {
	t := w.u.tr.T
	w.card = w.prov.Card()
	c := w.card
	lines := []string{
		t("wizard.card.read", c.Label),
		t("wizard.card.name", strings.TrimSpace(c.GivenName+" "+strings.ToUpper(c.Surname))),
		t("wizard.card.id", c.IDType, strings.TrimPrefix(c.NationalID, c.NationalID[:min(1, len(c.NationalID))])),
		t("wizard.card.profession", c.Profession),
	}
	w.CardInfo.SetText(strings.Join(lines, "\n"))
	w.sits = c.Situations
	opts := make([]string, len(w.sits))
	prefer := -1
	for i, s := range w.sits {
		opts[i] = s.StructureName
		if s.FINESS != "" {
			opts[i] = t("wizard.card.situation", s.StructureName, s.FINESS)
		}
		if prefer < 0 && (w.kind == KindPER || balrules.IsPharmacy(ruleSituation(s))) {
			prefer = i
		}
	}
	prev := w.Situations.Selected
	w.Situations.Options = opts
	switch {
	case w.kind == KindPER:
		w.Situations.Hide()
	case prev != "" && contains(opts, prev):
		w.Situations.Show()
		w.Situations.SetSelected(prev)
	case len(opts) > 0:
		w.Situations.Show()
		w.Situations.SetSelected(opts[max(prefer, 0)])
	}
	w.Situations.Refresh()
	w.certBox.Hide()
	if w.kind == KindAPP {
		w.certBox.Show()
		w.loadBALs()
	}
	w.situationChanged()
}

func contains(list []string, s string) bool { return indexOf(list, s) >= 0 }

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// loadBALs fetches the holder's BALs: an APP BAL needs the Administrateur role on the
// structure's ORG BAL.
func (w *Wizard) loadBALs() {
	var bals []BALStatus
	w.run(func(ctx context.Context) (err error) {
		bals, err = w.prov.BALs(ctx)
		return err
	}, func(err error) {
		if err != nil {
			w.setError(w.opMessage(err, w.u.tr.T("wizard.operator.error")))
			return
		}
		w.bals = bals
		w.situationChanged()
	})
}

func ruleSituation(s CardSituation) balrules.Situation {
	return balrules.Situation{StructureName: s.StructureName, FINESS: s.FINESS, Sector: s.Sector}
}

func (w *Wizard) situation() (CardSituation, bool) {
	i := indexOf(w.Situations.Options, w.Situations.Selected)
	if i < 0 || i >= len(w.sits) {
		return CardSituation{}, false
	}
	return w.sits[i], true
}

func (w *Wizard) situationChanged() {
	if w.Step != StepCard {
		return
	}
	if err := w.cardError(); err != nil {
		w.setError(err.Error())
	} else {
		w.setError("")
	}
	w.refreshNext()
}

// cardError says, in French, why this card cannot create the chosen kind of BAL.
func (w *Wizard) cardError() error {
	t := w.u.tr.T
	if w.kind == KindPER {
		if w.card.NationalID == "" {
			return errors.New(t("wizard.card.none"))
		}
		return nil
	}
	if _, ok := w.situation(); !ok {
		return errors.New(t("wizard.card.nosituation"))
	}
	if w.kind == KindAPP && w.bals == nil {
		return errors.New(t("wizard.app.checking"))
	}
	if err := w.prov.Eligible(w.kind, indexOf(w.Situations.Options, w.Situations.Selected)); err != nil {
		return errors.New(balrules.UserMessage(err))
	}
	return nil
}

// orgStructure is the structure of the holder's ORG BAL for finess (an APP BAL's).
func (w *Wizard) orgStructure(finess string) *Structure {
	for _, b := range w.bals {
		if b.Kind == KindORG && b.Structure != nil && b.Structure.FINESS == finess {
			return b.Structure
		}
	}
	return nil
}

// loadAppCert reads the APP BAL's organisation certificate chosen on the card step.
func (w *Wizard) loadAppCert() error {
	t := w.u.tr.T
	if w.kind != KindAPP {
		return nil
	}
	path := strings.TrimSpace(w.CertFile.Text)
	if path == "" {
		return errors.New(t("wizard.app.cert.missing"))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		w.u.log.Warn("read organisation certificate", "err", err)
		return errors.New(t("wizard.app.cert.unreadable"))
	}
	pass := []byte(w.CertPass.Text)
	ac, err := w.prov.AppCertificate(data, pass)
	clear(pass)
	if err != nil {
		w.u.log.Warn("organisation certificate", "err", err)
		return errors.New(t("wizard.app.cert.bad"))
	}
	if s, _ := w.situation(); ac.FINESS != s.FINESS {
		return errors.New(t("wizard.app.cert.other", ac.Organisation))
	}
	w.appCert = &ac
	return nil
}
