package bridge

import (
	"context"
	"time"

	"comptoir/app"
	"comptoir/app/session"
	"comptoir/cps"
	"comptoir/mail"
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

// Check runs every check with the saved configuration c and, when one is open, the session's
// card and BALs.
func (d Doctor) Check(ctx context.Context, c app.Config, s app.Session) []app.Check {
	in := session.DiagnoseInput{
		ModulePath:    c.Module,
		Module:        d.Module,
		Operator:      operatorConfig(c),
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

func operatorConfig(c app.Config) mail.OperatorConfig {
	return mail.OperatorConfig{Domain: c.Operator.Domain, IMAP: c.Operator.IMAP, SMTP: c.Operator.SMTP,
		TrustStore: c.Operator.TrustStore, Hosts: c.Operator.Hosts}
}
