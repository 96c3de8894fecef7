package bridge

import (
	"context"
	"time"

	"comptoir/app"
	"comptoir/app/session"
	"comptoir/cps"
)

// Doctor runs « Tester la connexion » with the session core's diagnostic, the one
// `comptoir doctor` prints.
type Doctor struct {
	// Module, when set, is the already loaded card module (a module is initialised once per
	// process); otherwise the saved module path is found and loaded.
	Module        *cps.Module
	TrustListPath string
	// DirectoryImported tells when the Annuaire Santé was imported (zero: never); may be nil.
	DirectoryImported func() time.Time
}

// Check runs every check with the saved configuration and, when one is open, the session's
// card and BALs.
func (d Doctor) Check(ctx context.Context, saved app.Settings, s app.Session) []app.Check {
	layers, lerr := saved.LoadLayers()
	c := layers.Effective
	in := session.DiagnoseInput{
		Settings:      layers,
		SettingsErr:   lerr,
		ModulePath:    c.Module,
		Module:        d.Module,
		Operator:      c.Operator.Mail(),
		APIURL:        c.Operator.API,
		TrustListPath: d.TrustListPath,
	}
	if d.DirectoryImported != nil {
		in.DirectoryImported = d.DirectoryImported()
	}
	var r session.Report
	if bs, ok := s.(*Session); ok && bs != nil {
		r = bs.s.Diagnose(ctx, in)
	} else {
		r = session.Diagnose(ctx, in)
	}
	out := make([]app.Check, len(r.Checks))
	for i, ch := range r.Checks {
		out[i] = app.Check{Name: ch.Name, Detail: ch.Detail, Fix: ch.Fix,
			OK:      ch.Verdict == session.VerdictOK || ch.Verdict == session.VerdictInfo,
			Warning: ch.Verdict == session.VerdictWarning}
	}
	return out
}
