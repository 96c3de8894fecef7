package session_test

import (
	"strings"
	"testing"

	"comptoir/app/session"
	"comptoir/cps/cpstest"
	"comptoir/mail"
)

func input(cfg session.Config) session.DiagnoseInput {
	return session.DiagnoseInput{
		Module: world.module,
		Operator: mail.OperatorConfig{Domain: cfg.Servers.Domain, IMAP: cfg.Servers.IMAPAddr, SMTP: cfg.Servers.SMTPAddr,
			ServerName: cfg.Servers.ServerName, TrustStore: []string{world.srv.TrustAnchorPath()}},
		APIURL: cfg.APIURL,
	}
}

func report(r session.Report) string {
	var b strings.Builder
	for _, c := range r.Checks {
		b.WriteString(c.Name + " : " + c.Detail + " → " + c.Fix + "\n")
	}
	return b.String()
}

// The one diagnostic checks every step with the session's card, and finds nothing wrong
// against a working operator.
func TestDiagnoseWithTheCard(t *testing.T) {
	cfg := config(t)
	s := open(t, cpstest.Titulaire, cfg)
	r := s.Diagnose(t.Context(), input(cfg))
	for _, c := range r.Checks {
		if c.Verdict == session.VerdictProblem {
			t.Errorf("problem: %s : %s", c.Name, c.Detail)
		}
	}
	text := report(r)
	for _, want := range []string{"Module de la carte CPS", "Certificat de la carte", "Serveur IMAP", "Serveur SMTP de soumission",
		"Connexion IMAP à " + world.seed.Titulaire, "Envoi (SMTP) depuis " + world.seed.Titulaire, "API de l'opérateur",
		"Liste de l'espace de confiance", "Annuaire Santé", "Signature de la carte"} {
		if !strings.Contains(text, want) {
			t.Errorf("the diagnostic has no %q step:\n%s", want, text)
		}
	}
}

// An unreachable operator is a problem, said in French with what to do — today
// « Tester la connexion » only opened a TCP connection and showed all green.
func TestDiagnoseUnreachableOperator(t *testing.T) {
	cfg := config(t)
	in := input(cfg)
	in.Operator.IMAP = blackHole(t)
	in.Operator.SMTP = "127.0.0.1:1"
	r := session.Diagnose(t.Context(), in)
	if r.Problems() < 2 {
		t.Fatalf("an unreachable operator gives %d problems:\n%s", r.Problems(), report(r))
	}
	text := report(r)
	for _, want := range []string{"Serveur IMAP", "connexion sécurisée refusée", "Serveur SMTP de soumission", "injoignable"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q:\n%s", want, text)
		}
	}
}
