package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"comptoir/app/annuaire"
	"comptoir/app/fr"
)

// AnnuaireUpdate is the "Mettre à jour l'annuaire" window: the extraction's location, a
// progress bar through the import's stages, the report with the lines set aside, and the
// FHIR API key for online lookups.
type AnnuaireUpdate struct {
	Window   fyne.Window
	Info     *widget.Label // what is imported now
	Source   *widget.Entry // https:// URL or file
	Browse   *widget.Button
	Start    *widget.Button
	Cancel   *widget.Button
	Stage    *widget.Label
	Progress *widget.ProgressBar
	Result   *widget.Label // success or failure, in French
	BadLines *widget.Label // "ligne N : raison", one per line
	APIKey   *widget.Entry
	SaveKey  *widget.Button

	// Done is closed when an update ends (tests wait on it); replaced at each start.
	Done chan struct{}

	u      *UI
	d      Annuaire
	cancel context.CancelFunc
}

// ShowAnnuaireUpdate opens the "Mettre à jour l'annuaire" window (nil without an Annuaire).
func (u *UI) ShowAnnuaireUpdate() *AnnuaireUpdate {
	u.touch()
	d := u.annuaireDir()
	if d == nil {
		return nil
	}
	t := u.tr.T
	w := &AnnuaireUpdate{u: u, d: d, Window: u.app.NewWindow(t("annuaire.update.title"))}
	w.Info = widget.NewLabel("")
	w.Info.Wrapping = fyne.TextWrapWord
	w.refreshInfo()
	w.Source = widget.NewEntry()
	w.Source.SetPlaceHolder(t("annuaire.update.source.placeholder"))
	w.Source.SetText(d.Source())
	w.Browse = widget.NewButtonWithIcon(t("annuaire.update.browse"), theme.FolderOpenIcon(), w.browse)
	w.Start = widget.NewButtonWithIcon(t("annuaire.update.start"), theme.DownloadIcon(), w.start)
	w.Start.Importance = widget.HighImportance
	w.Cancel = widget.NewButton(t("cancel"), func() {
		if w.cancel != nil {
			w.cancel()
		}
	})
	w.Cancel.Disable()
	w.Stage = widget.NewLabel("")
	w.Progress = widget.NewProgressBar()
	w.Result = widget.NewLabel("")
	w.Result.Wrapping = fyne.TextWrapWord
	w.BadLines = widget.NewLabel("")
	w.BadLines.Wrapping = fyne.TextWrapWord
	w.APIKey = widget.NewPasswordEntry()
	w.APIKey.SetText(d.APIKey())
	w.SaveKey = widget.NewButton(t("annuaire.key.save"), func() {
		if err := d.SetAPIKey(strings.TrimSpace(w.APIKey.Text)); err != nil {
			u.log.Warn("annuaire API key", "err", err)
			w.Result.SetText(t("annuaire.key.failed"))
			return
		}
		w.Result.SetText(t("annuaire.key.saved"))
	})
	source := container.NewBorder(nil, nil, widget.NewLabel(t("annuaire.update.source")), w.Browse, w.Source)
	key := container.NewBorder(nil, nil, widget.NewLabel(t("annuaire.key")), w.SaveKey, w.APIKey)
	w.Window.SetContent(container.NewBorder(
		container.NewVBox(w.Info, source, container.NewHBox(w.Start, w.Cancel), w.Stage, w.Progress, w.Result),
		container.NewVBox(widget.NewSeparator(), widget.NewLabel(t("annuaire.key.help")), key),
		nil, nil, container.NewVScroll(w.BadLines)))
	u.sizeWindow(w.Window, fyne.NewSize(720, 520))
	u.track(w.Window, func() {
		if w.cancel != nil {
			w.cancel() // the previous directory stays
		}
	})
	w.Window.Show()
	return w
}

func (w *AnnuaireUpdate) refreshInfo() {
	t := w.u.tr.T
	info, ok := w.d.Info()
	if !ok {
		w.Info.SetText(t("annuaire.notimported"))
		return
	}
	w.Info.SetText(t("annuaire.update.current", w.u.dateTime(info.Imported), info.Source,
		w.u.tr.N("count.entries", info.Entries), w.u.tr.N("count.addresses", info.Rows)))
}

func (w *AnnuaireUpdate) browse() {
	dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		w.Source.SetText(r.URI().Path())
	}, w.Window).Show()
}

// start imports the extraction in the background; progress and the outcome come back
// through Deps.Do.
func (w *AnnuaireUpdate) start() {
	u, t := w.u, w.u.tr.T
	u.touch()
	src := strings.TrimSpace(w.Source.Text)
	if src == "" {
		w.Result.SetText(t("annuaire.update.nosource"))
		return
	}
	parent := u.ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	w.cancel = cancel
	w.Done = make(chan struct{})
	done := w.Done
	w.Start.Disable()
	w.Cancel.Enable()
	w.Result.SetText("")
	w.BadLines.SetText("")
	w.Progress.SetValue(0)
	w.Stage.SetText(t("annuaire.stage.start"))
	d := w.d
	go func() {
		defer close(done)
		defer cancel()
		rep, err := d.Update(ctx, src, func(p annuaire.Progress) {
			u.deps.Do(func() { w.progress(p) })
		})
		u.deps.Do(func() { w.finish(rep, err) })
	}()
}

func (w *AnnuaireUpdate) progress(p annuaire.Progress) {
	t := w.u.tr.T
	stage := map[annuaire.Stage]string{
		annuaire.StageDownloading: t("annuaire.stage.download"),
		annuaire.StageReading:     t("annuaire.stage.read"),
		annuaire.StageIndexing:    t("annuaire.stage.index"),
		annuaire.StageWriting:     t("annuaire.stage.write"),
	}[p.Stage]
	w.Stage.SetText(stage)
	if p.Total > 0 {
		w.Progress.SetValue(min(1, float64(p.Done)/float64(p.Total)))
	}
}

func (w *AnnuaireUpdate) finish(rep *annuaire.ImportReport, err error) {
	t := w.u.tr.T
	w.Start.Enable()
	w.Cancel.Disable()
	w.cancel = nil
	if err != nil {
		w.u.log.Warn("annuaire update", "err", err)
		w.Stage.SetText("")
		w.Progress.SetValue(0)
		w.Result.SetText(updateFailure(t, err))
		w.refreshInfo()
		return
	}
	w.Stage.SetText(t("annuaire.stage.done"))
	w.Progress.SetValue(1)
	secs := fmt.Sprintf("%.1f", rep.Duration.Round(100*time.Millisecond).Seconds())
	if w.u.tr.lang == "fr" {
		secs = strings.Replace(secs, ".", ",", 1)
	}
	w.Result.SetText(t("annuaire.update.ok", w.u.tr.N("count.entries", rep.Entries), w.u.tr.N("count.addresses", rep.Rows), secs))
	var b strings.Builder
	if rep.NoHeader {
		b.WriteString(t("annuaire.update.noheader") + "\n")
	}
	if len(rep.HeaderMismatch) > 0 {
		b.WriteString(t("annuaire.update.header", fmt.Sprint(rep.HeaderMismatch)) + "\n")
	}
	if rep.BadLines > 0 {
		b.WriteString(w.u.tr.N("annuaire.update.bad", rep.BadLines) + "\n")
		for _, l := range rep.Bad {
			b.WriteString(t("annuaire.update.badline", l.Line, l.Reason) + "\n")
		}
		if more := rep.BadLines - int64(len(rep.Bad)); more > 0 {
			b.WriteString(w.u.tr.N("annuaire.update.more", more) + "\n")
		}
	}
	w.BadLines.SetText(strings.TrimSpace(b.String()))
	w.refreshInfo()
}

// updateFailure says in French why the import failed; the previous directory is kept.
func updateFailure(t func(string, ...any) string, err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return t("annuaire.update.cancelled")
	case errors.Is(err, annuaire.ErrInsecureURL):
		return t("annuaire.update.insecure")
	case errors.Is(err, annuaire.ErrBadArchive):
		return t("annuaire.update.badarchive")
	}
	return t("annuaire.update.failed")
}

// FrenchCount writes n with French digit grouping (narrow no-break spaces), as the app and
// the command line show counts (fr.Number).
func FrenchCount(n int64) string { return fr.Number(n) }
