package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
)

// checkAtOperator asks the operator whether the request would be accepted, when the user
// leaves the address step: a taken address is told there, with the operator's suggestion,
// not after the card has signed. It returns false when the operator cannot check (the
// wizard goes on; the refusal, if any, comes with the signed request).
func (w *Wizard) checkAtOperator() bool {
	ac, ok := w.prov.(AddressChecker)
	if !ok {
		return false
	}
	t := w.u.tr.T
	req := w.request()
	var addr string
	where := w.Directory.Text
	w.Directory.SetText(t("wizard.checking"))
	w.run(func(ctx context.Context) (err error) {
		addr, err = ac.Check(ctx, req)
		return err
	}, func(err error) {
		w.Directory.SetText(where)
		switch {
		case err == nil:
			if addr != "" && !strings.EqualFold(addr, w.address) {
				w.address = addr
				w.Address.SetText(addr)
			}
			w.setError("")
			w.show(StepVerify)
		case errors.Is(err, ErrCheckUnsupported):
			w.setError("")
			w.show(StepVerify)
		default:
			w.checkRefused(err)
		}
	})
	return true
}

// checkRefused keeps the user on the address step with the operator's reason (a taken
// address comes with the address it suggests), or brings them to the step holding the
// faulty field.
func (w *Wizard) checkRefused(err error) {
	t := w.u.tr.T
	var oe *OperatorError
	if !errors.As(err, &oe) {
		w.setError(w.opMessage(err, t("wizard.operator.error")))
		return
	}
	switch oe.Code {
	case CodeAddressTaken:
		w.address, w.suggested = oe.Suggestion, oe.Suggestion != ""
		w.Address.SetText(w.address)
		w.setError(t("wizard.homonym", oe.Suggestion))
	case CodeAlreadyExists, CodeInvalidAddress, CodeInvalidRequest:
		w.setError(w.opMessage(err, t("wizard.operator.error")))
	default:
		w.refused(err)
	}
}

// pickCert opens the file picker for the APP BAL's structure certificate (.p12, .pfx).
func (w *Wizard) pickCert() {
	w.u.touch()
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		w.CertDialog = nil
		if err != nil {
			w.u.log.Warn("choose the structure certificate", "err", err)
			return
		}
		if r == nil {
			return // cancelled
		}
		path := r.URI().Path()
		r.Close()
		w.CertFile.SetText(path)
		w.Window.Canvas().Focus(w.CertPass)
	}, w.Window)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".p12", ".pfx", ".P12", ".PFX"}))
	dir := filepath.Dir(strings.TrimSpace(w.CertFile.Text))
	if strings.TrimSpace(w.CertFile.Text) == "" {
		dir, _ = os.UserHomeDir()
	}
	if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
		d.SetLocation(l)
	}
	d.SetConfirmText(w.u.tr.T("wizard.app.cert.choose"))
	w.CertDialog = d
	d.Show()
}
