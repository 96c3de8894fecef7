package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"comptoir/app/printing"
)

// printTitle names every print job: the queue of a shared print server is seen by others,
// so it never carries a patient's or a document's name.
const printTitle = "Comptoir"

// printable reports whether Comptoir prints p: only the kinds it can show itself (PDF, PNG,
// JPEG, plain text), told from the content (sniffKind), never from the name the sender chose,
// and images it would show (mayOpen).
func printable(p Part) bool { return mayOpen(p.Data) }

// PrintDialog is « Imprimer »: the printer to use (the system's default chosen), then the
// job's outcome in the status bar, or why it could not be printed.
type PrintDialog struct {
	Dialog      dialog.Dialog
	Printers    *widget.Select
	Status      *widget.Label // « Recherche des imprimantes… », or why printing is impossible
	PrintButton *widget.Button
	Cancel      *widget.Button

	u       *UI
	part    Part
	printer []printing.Printer
}

func (u *UI) printSystem() printing.System {
	if u.deps.Printing != nil {
		return u.deps.Printing
	}
	return printing.Default()
}

// printPart opens the print dialog for p (nil, with a message, when p is not printable).
func (u *UI) printPart(p Part) *PrintDialog {
	u.touch()
	t := u.tr.T
	if !printable(p) {
		u.showError(t("print.refused"), fmt.Errorf("app: print a part of type %s refused", http.DetectContentType(p.Data)))
		return nil
	}
	pd := &PrintDialog{u: u, part: p}
	pd.Printers = widget.NewSelect(nil, nil)
	pd.Printers.PlaceHolder = t("print.printer.choose")
	pd.Status = widget.NewLabel(t("print.searching"))
	pd.Status.Wrapping = fyne.TextWrapWord
	pd.PrintButton = widget.NewButton(t("print.print"), pd.print)
	pd.PrintButton.Importance = widget.HighImportance
	pd.PrintButton.Disable()
	pd.Cancel = widget.NewButton(t("cancel"), func() { pd.Dialog.Hide() })
	name := widget.NewLabel(t("print.document", cleanPartName(p.Name)))
	name.Wrapping = fyne.TextWrapWord
	content := container.NewVBox(name, widget.NewForm(widget.NewFormItem(t("print.printer"), pd.Printers)), pd.Status,
		container.NewHBox(pd.Cancel, pd.PrintButton))
	pd.Dialog = dialog.NewCustomWithoutButtons(t("print.title"), content, u.Window)
	pd.Dialog.Resize(fyne.NewSize(480, 240))
	pd.Dialog.Show()
	pd.load()
	return pd
}

// cleanPartName is an attachment's name for a sentence: no control or format characters
// (cleanName: a bidi override must not reverse the name), bounded.
func cleanPartName(s string) string { return clip(cleanName(s), 80) }

// load lists the printers off the UI goroutine.
func (pd *PrintDialog) load() {
	u := pd.u
	sys := u.printSystem()
	ctx, cancel := context.WithTimeout(u.context(), 10*time.Second)
	go func() {
		defer cancel()
		list, err := sys.Printers(ctx)
		u.deps.Do(func() {
			if err != nil {
				pd.fail(err)
				return
			}
			pd.printer = list
			names := make([]string, len(list))
			for i, p := range list {
				names[i] = p.Name
				if p.Default {
					names[i] = u.tr.T("print.printer.default", p.Name)
				}
			}
			pd.Printers.Options = names
			pd.Printers.SetSelectedIndex(0)
			pd.Status.SetText("")
			pd.Status.Hide()
			pd.PrintButton.Enable()
		})
	}()
}

// fail says why printing is impossible, in the dialog.
func (pd *PrintDialog) fail(err error) {
	u := pd.u
	u.log.Warn("print", "err", err)
	msg := printing.UserMessage(err)
	if msg == "" {
		msg = u.tr.T("print.failed")
	}
	pd.Status.SetText(msg)
	pd.Status.Importance = widget.DangerImportance
	pd.Status.Show()
	pd.Status.Refresh()
	pd.PrintButton.Disable()
}

// print writes the part to the session's temporary directory and submits it.
func (pd *PrintDialog) print() {
	u := pd.u
	u.touch()
	i := pd.Printers.SelectedIndex()
	if i < 0 || i >= len(pd.printer) {
		return
	}
	printer := pd.printer[i].Name
	path, err := u.tempFile(pd.part, sniffKind(pd.part.Data))
	if err != nil {
		pd.fail(err)
		return
	}
	pd.PrintButton.Disable()
	pd.Status.Importance = widget.MediumImportance
	pd.Status.SetText(u.tr.T("print.sending"))
	pd.Status.Show()
	sys := u.printSystem()
	ctx, cancel := context.WithTimeout(u.context(), 30*time.Second)
	go func() {
		defer cancel()
		job, err := sys.Print(ctx, path, printer, printTitle)
		u.deps.Do(func() {
			if err != nil {
				pd.fail(err)
				return
			}
			pd.Dialog.Hide()
			switch {
			case job.ID != "":
				u.notice(u.tr.T("print.sent.job", job.Printer, job.ID))
			case job.Printer != "":
				u.notice(u.tr.T("print.sent", job.Printer))
			default:
				u.notice(u.tr.T("print.sent.default"))
			}
		})
	}()
}

// context is the UI's background context (Start's), or a fresh one before Start.
func (u *UI) context() context.Context {
	if u.ctx != nil {
		return u.ctx
	}
	return context.Background()
}
