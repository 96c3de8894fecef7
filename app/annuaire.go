package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"comptoir/app/annuaire"
)

// Annuaire is the Annuaire Santé as the app uses it beyond the composer's suggestions: the
// "Contacter un professionnel" screen, the labels of the suggestions, and "Mettre à jour
// l'annuaire" in the settings. A Deps.Directory that implements it (wire.Annuaire does)
// enables them; any other Directory only feeds the suggestions.
type Annuaire interface {
	Directory
	// Search returns ranked entries; online adds the FHIR API's when a key is set (its
	// failure is an error wrapping annuaire.ErrOnline, with the offline results).
	// Before any import: annuaire.ErrNotImported.
	Search(ctx context.Context, text string, limit int, online bool) ([]annuaire.Result, error)
	ByAddress(addr string) (annuaire.Result, bool, error)
	Info() (annuaire.Info, bool)
	// Source is where the extraction is usually taken from (https:// URL or file), or "".
	Source() string
	// Update imports the extraction at src (file or https:// URL); the previous directory
	// stays in use until the new one is complete, and stays if the import fails.
	Update(ctx context.Context, src string, progress func(annuaire.Progress)) (*annuaire.ImportReport, error)
	// APIKey is the Annuaire Santé FHIR API key ("" when online lookup is off).
	APIKey() string
	SetAPIKey(key string) error
}

// annuaireDir returns the Annuaire Santé behind Deps.Directory, or nil.
func (u *UI) annuaireDir() Annuaire {
	a, _ := u.deps.Directory.(Annuaire)
	return a
}

// suggestionOf is how the composer offers an address: its readable name, then — when the
// Annuaire Santé knows it — the profession, the town, the address and its kind, so that
// homonyms can be told apart. Not on the UI goroutine: the directory is read.
func (u *UI) suggestionOf(a Address) Suggestion {
	s := Suggestion{Address: a, Name: a.Person(), Detail: a.Email}
	d := u.annuaireDir()
	if d == nil {
		return s
	}
	r, ok, err := d.ByAddress(a.Email)
	if err != nil || !ok {
		return s
	}
	m := mailboxOf(r, a.Email)
	s.Name = r.DisplayName()
	s.Address.Name = s.Name // the field shows what the list showed
	s.Detail = joinNonEmpty(" — ", resultTitle(r, m), placeOf(m, r), fmt.Sprintf("%s (%s)", m.Address, m.Kind))
	return s
}

// mailboxOf returns r's mailbox with address addr (the first one if none matches).
func mailboxOf(r annuaire.Result, addr string) annuaire.Mailbox {
	for _, m := range r.Mailboxes {
		if strings.EqualFold(m.Address, addr) {
			return m
		}
	}
	if len(r.Mailboxes) > 0 {
		return r.Mailboxes[0]
	}
	return annuaire.Mailbox{Address: addr}
}

// resultTitle is the profession and specialty of a professional, or the structure's
// service for a structure's mailbox.
func resultTitle(r annuaire.Result, m annuaire.Mailbox) string {
	if r.IsStructure() {
		return m.Service
	}
	if r.Specialty != "" && !strings.EqualFold(r.Specialty, r.Profession) {
		return joinNonEmpty(", ", r.Profession, r.Specialty)
	}
	return r.Profession
}

func placeOf(m annuaire.Mailbox, r annuaire.Result) string {
	if m.Town != "" {
		return strings.TrimSpace(m.PostalCode + " " + m.Town)
	}
	return strings.TrimSpace(r.PostalCode() + " " + r.Town())
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// AnnuaireScreen is the "Contacter un professionnel" window: a search in the Annuaire Santé
// whose results list every address of each professional, each with an "Écrire" button.
type AnnuaireScreen struct {
	Window  fyne.Window
	Query   *widget.Entry
	Online  *widget.Check // also ask the FHIR API (shown when a key is set)
	Status  *widget.Label // count, "not imported yet", errors
	Rows    []*AnnuaireRow
	results *fyne.Container

	u   *UI
	seq int // drops the results of a search overtaken by a newer one
}

// AnnuaireRow is one result on the screen.
type AnnuaireRow struct {
	Result annuaire.Result
	Name   *widget.Label
	Detail *widget.Label    // profession, specialty, town
	Boxes  []*widget.Label  // one line per address: kind, address, structure, town
	Write  []*widget.Button // "Écrire", one per address
}

// annuaireLimit bounds the results shown: the user types more rather than scrolls.
const annuaireLimit = 30

// ShowAnnuaire opens the "Contacter un professionnel" window.
func (u *UI) ShowAnnuaire() *AnnuaireScreen {
	u.touch()
	t := u.tr.T
	s := &AnnuaireScreen{u: u, Window: u.app.NewWindow(t("annuaire.title"))}
	s.Query = widget.NewEntry()
	s.Query.SetPlaceHolder(t("annuaire.placeholder"))
	s.Query.OnChanged = func(string) { u.touch(); s.search(false) }
	s.Online = widget.NewCheck(t("annuaire.online"), func(bool) { s.search(false) })
	s.Query.OnSubmitted = func(string) { s.search(true) }
	s.Status = widget.NewLabel("")
	s.Status.Wrapping = fyne.TextWrapWord
	s.results = container.NewVBox()
	d := u.annuaireDir()
	if d == nil || d.APIKey() == "" {
		s.Online.Hide()
	}
	switch info, ok := annuaireInfo(d); {
	case d == nil:
		s.Status.SetText(t("annuaire.unavailable"))
		s.Query.Disable()
	case !ok:
		s.Status.SetText(t("annuaire.notimported"))
	default:
		s.Status.SetText(u.tr.N("annuaire.info", info.Entries, u.date(info.Imported)))
	}
	top := container.NewVBox(container.NewBorder(nil, nil, nil, s.Online, s.Query), s.Status)
	s.Window.SetContent(withMinWidth(container.NewBorder(top, nil, nil, nil, container.NewVScroll(s.results)), 600))
	u.sizeWindow(s.Window, fyne.NewSize(820, 640))
	s.Window.Canvas().Focus(s.Query)
	u.track(s.Window, nil)
	s.Window.Show()
	return s
}

func annuaireInfo(d Annuaire) (annuaire.Info, bool) {
	if d == nil {
		return annuaire.Info{}, false
	}
	return d.Info()
}

// search runs the query off the UI goroutine (online lookups take time) and shows its
// results unless a newer search started meanwhile. submitted is Enter: the online lookup
// then runs even if the box is not ticked.
func (s *AnnuaireScreen) search(submitted bool) {
	d := s.u.annuaireDir()
	if d == nil {
		return
	}
	s.seq++
	seq, text := s.seq, strings.TrimSpace(s.Query.Text)
	if text == "" {
		s.show(nil, nil)
		return
	}
	online := s.Online.Visible() && (s.Online.Checked || submitted)
	go func() {
		timeout := 2 * time.Second
		if online {
			timeout = 20 * time.Second
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		res, err := d.Search(ctx, text, annuaireLimit, online)
		cancel()
		s.u.deps.Do(func() {
			if seq == s.seq {
				s.show(res, err)
			}
		})
	}()
}

func (s *AnnuaireScreen) show(res []annuaire.Result, err error) {
	t := s.u.tr.T
	s.results.RemoveAll()
	s.Rows = nil
	switch {
	case errors.Is(err, annuaire.ErrNotImported) && len(res) == 0:
		s.Status.SetText(t("annuaire.notimported"))
	case errors.Is(err, annuaire.ErrOnline):
		s.u.log.Warn("annuaire online lookup", "err", err)
		s.Status.SetText(s.u.tr.N("annuaire.online.failed", int64(len(res))))
	case err != nil:
		s.u.log.Warn("annuaire search", "err", err)
		s.Status.SetText(t("annuaire.search.failed"))
	case s.Query.Text == "":
		s.Status.SetText("")
	case len(res) == 0:
		s.Status.SetText(t("annuaire.none"))
	default:
		s.Status.SetText(s.u.tr.N("annuaire.count", int64(len(res))))
		if s.u.session == nil {
			s.Status.SetText(s.u.tr.N("annuaire.count", int64(len(res))) + " " + t("annuaire.nosession"))
		}
	}
	for _, r := range res {
		row := s.newRow(r)
		s.Rows = append(s.Rows, row)
		objs := []fyne.CanvasObject{row.Name, row.Detail}
		for i := range row.Boxes {
			objs = append(objs, container.NewBorder(nil, nil, nil, row.Write[i], row.Boxes[i]))
		}
		s.results.Add(container.NewVBox(objs...))
		s.results.Add(widget.NewSeparator())
	}
	s.results.Refresh()
}

func (s *AnnuaireScreen) newRow(r annuaire.Result) *AnnuaireRow {
	t := s.u.tr.T
	row := &AnnuaireRow{Result: r}
	name := r.DisplayName()
	if r.Online {
		name += " " + t("annuaire.fromonline")
	}
	row.Name = widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	detail := t("annuaire.structure")
	if !r.IsStructure() {
		detail = joinNonEmpty(" — ", r.Profession, r.Specialty)
	}
	row.Detail = widget.NewLabel(joinNonEmpty(" — ", detail, r.Town()))
	for _, m := range r.Mailboxes {
		where := joinNonEmpty(", ", m.Structure, m.Service, placeOf(m, r))
		l := widget.NewLabel(joinNonEmpty(" — ", fmt.Sprintf("%s  %s", m.Kind, m.Address), where))
		l.Wrapping = fyne.TextWrapWord
		to := Address{Name: r.DisplayName(), Email: m.Address}
		b := widget.NewButtonWithIcon(t("annuaire.write"), theme.MailComposeIcon(), func() { s.write(to) })
		if s.u.session == nil {
			b.Disable() // writing needs the card's session
		}
		row.Boxes = append(row.Boxes, l)
		row.Write = append(row.Write, b)
	}
	return row
}

// write opens the composer to a, from the BAL shown in the main window if any.
func (s *AnnuaireScreen) write(a Address) {
	u, t := s.u, s.u.tr.T
	u.touch()
	d := Draft{To: []Address{a}}
	switch {
	case u.Main != nil && u.Main.s != nil:
		u.Main.compose(d)
	case u.session != nil:
		u.openComposer(u.session, u.session.BALs(), "", d)
	default:
		s.Status.SetText(t("annuaire.nosession"))
	}
}
