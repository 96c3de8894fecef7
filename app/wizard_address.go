package app

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"comptoir/mail/balrules"
)

// enterAddress fills the structure's fields (ORG: the card's situation and the directory's
// postal address; APP: the ORG BAL's structure) and computes the address.
func (w *Wizard) enterAddress() {
	t := w.u.tr.T
	structured := w.kind != KindPER
	for _, e := range []fyne.CanvasObject{w.Name, w.PostalCode, w.Town, w.Directory} {
		if structured {
			e.Show()
		} else {
			e.Hide()
		}
	}
	if structured {
		w.structureForm.Show()
	} else {
		w.structureForm.Hide()
	}
	if !structured {
		w.recompute()
		return
	}
	s, _ := w.situation()
	if w.structure.FINESS == s.FINESS && w.Name.Text != "" {
		w.recompute() // back from a later step: keep what the user typed
		return
	}
	w.structure = Structure{FINESS: s.FINESS, Name: s.StructureName, Sector: s.Sector}
	w.Name.SetText(s.StructureName)
	w.PostalCode.SetText("")
	w.Town.SetText("")
	if w.kind == KindAPP {
		if st := w.orgStructure(s.FINESS); st != nil {
			w.structure = *st
			w.Name.SetText(st.Name)
			w.PostalCode.SetText(st.PostalCode)
			w.Town.SetText(st.Town)
			w.Directory.SetText(t("wizard.structure.fromorg"))
		}
		w.recompute()
		return
	}
	w.Directory.SetText(t("wizard.structure.searching"))
	var st Structure
	var found bool
	w.run(func(ctx context.Context) (err error) {
		st, found, err = w.prov.Structure(ctx, s.FINESS)
		return err
	}, func(err error) {
		switch {
		case err != nil:
			w.u.log.Warn("directory lookup", "err", err)
			w.Directory.SetText(t("wizard.structure.notfound", s.FINESS))
		case !found:
			w.Directory.SetText(t("wizard.structure.notfound", s.FINESS))
		default:
			w.structure.Street = st.Street
			w.PostalCode.SetText(st.PostalCode)
			w.Town.SetText(titleCase(st.Town))
			w.Directory.SetText(t("wizard.structure.found", s.FINESS))
		}
		w.recompute()
	})
}

// titleCase writes a directory town ("SAINT-ETIENNE") as people do ("Saint-Etienne").
func titleCase(s string) string {
	b := []byte(strings.ToLower(s))
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == ' ' || c == '-' || c == '\''
	}
	return string(b)
}

// compute applies the address rules (the session's, shared with `comptoir bal create`) to
// what the steps hold.
func (w *Wizard) compute() (string, error) {
	return w.prov.Address(w.kind, Structure{FINESS: w.structure.FINESS, Name: strings.TrimSpace(w.Name.Text),
		PostalCode: strings.TrimSpace(w.PostalCode.Text), Town: strings.TrimSpace(w.Town.Text)})
}

// recompute shows the address the rules give (or the operator's suggestion for a homonym).
func (w *Wizard) recompute() {
	a, err := w.compute()
	switch {
	case err != nil:
		w.Address.SetText("—")
	case w.suggested && w.address != "":
		w.Address.SetText(w.address)
	default:
		w.address = a
		w.Address.SetText(a)
	}
}

// checkAddress validates the address step; on a faulty field it says so and focuses it.
func (w *Wizard) checkAddress() error {
	_, err := w.compute()
	if err == nil {
		w.setError("")
		return nil
	}
	w.setError(balrules.UserMessage(err))
	var field *widget.Entry
	switch {
	case errors.Is(err, balrules.ErrPostalCode):
		field = w.PostalCode
	case errors.Is(err, balrules.ErrEmptyName) && strings.TrimSpace(w.Name.Text) == "":
		field = w.Name
	case errors.Is(err, balrules.ErrEmptyName):
		field = w.Town
	}
	if field != nil {
		w.Window.Canvas().Focus(field)
	}
	return err
}

// summary is the "Vérifiez puis confirmez" text.
func (w *Wizard) summary() string {
	t := w.u.tr.T
	c := w.card
	lines := []string{
		t("wizard.verify.kind", t("bal.kind."+w.kind)),
		t("wizard.card.name", strings.TrimSpace(c.GivenName+" "+strings.ToUpper(c.Surname))),
		t("wizard.card.id", c.IDType, strings.TrimPrefix(c.NationalID, c.NationalID[:min(1, len(c.NationalID))])),
	}
	if w.kind != KindPER {
		lines = append(lines,
			t("wizard.verify.structure", strings.TrimSpace(w.Name.Text), w.structure.FINESS),
			t("wizard.verify.place", strings.TrimSpace(w.PostalCode.Text), strings.TrimSpace(w.Town.Text)))
	}
	if w.appCert != nil {
		lines = append(lines, t("wizard.verify.cert", w.appCert.Organisation, w.appCert.StructureID))
	}
	lines = append(lines, t("wizard.verify.address", w.address), t("wizard.verify.cgu", w.cgu.Version))
	if w.ListeRouge.Checked {
		lines = append(lines, t("wizard.listerouge"))
	}
	return strings.Join(lines, "\n") + "\n\n" + t("wizard.verify.sign")
}

// request is what the confirmation sends.
func (w *Wizard) request() CreateRequest {
	r := CreateRequest{Kind: w.kind, CGUVersion: w.cgu.Version, Address: w.address, ListeRouge: w.ListeRouge.Checked}
	if w.kind != KindPER {
		st := w.structure
		st.Name, st.PostalCode, st.Town = strings.TrimSpace(w.Name.Text), strings.TrimSpace(w.PostalCode.Text), strings.TrimSpace(w.Town.Text)
		r.Structure = &st
		r.DisplayName = st.Name
	}
	if w.appCert != nil {
		r.AppCertificate = w.appCert.PEM
	}
	return r
}

// submit signs the request with the card and sends it; refusals bring the user back to
// the step holding the faulty field.
func (w *Wizard) submit() {
	t := w.u.tr.T
	req := w.request()
	var b BALStatus
	w.setError("")
	w.Summary.SetText(w.summary() + "\n\n" + t("wizard.sending"))
	w.run(func(ctx context.Context) (err error) {
		b, err = w.prov.Create(ctx, req)
		return err
	}, func(err error) {
		if err != nil {
			w.refused(err)
			return
		}
		w.u.log.Info("BAL requested", "kind", b.Kind, "status", b.Status)
		w.Result.SetText(t("wizard.pending", b.Address))
		w.show(StepDone)
		// The session watches the pending BAL: when the operator activates it, the engine
		// adds it (mail.BALAdded) and the switcher shows it.
		if w.u.Main != nil {
			w.u.Main.balsChanged()
		}
	})
}

// refused routes an operator refusal to its step.
func (w *Wizard) refused(err error) {
	t := w.u.tr.T
	msg := w.opMessage(err, t("wizard.operator.error"))
	var oe *OperatorError
	if !errors.As(err, &oe) {
		w.Summary.SetText(w.summary())
		w.setError(msg)
		return
	}
	switch oe.Code {
	case CodeAddressTaken:
		w.address, w.suggested = oe.Suggestion, oe.Suggestion != ""
		w.show(StepAddress)
		w.setError(t("wizard.homonym", oe.Suggestion))
		return
	case CodeCGUOutdated:
		w.cgu = CGU{}
		w.Accept.SetChecked(false)
		w.show(StepCGU)
	case CodeInvalidAddress, CodeInvalidRequest:
		w.show(StepAddress)
	case CodeAlreadyExists, CodeBadSignature, CodeSignerMismatch, CodeStaleRequest, CodeCertRequired,
		CodeNotPharmacist, CodeAdminOnly:
		w.show(StepCard)
	default:
		w.Summary.SetText(w.summary())
	}
	w.setError(msg)
}

// opMessage is the operator's French message for err, else fallback.
func (w *Wizard) opMessage(err error, fallback string) string {
	var oe *OperatorError
	if errors.As(err, &oe) && oe.Message != "" {
		return oe.Message
	}
	if msg := w.u.lockedError(err); msg != "" {
		return msg
	}
	if err != nil {
		w.u.log.Warn("provisioning", "err", err)
	}
	return fallback
}
