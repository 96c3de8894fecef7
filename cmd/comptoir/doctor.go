package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"comptoir/app/annuaire"
	"comptoir/app/config"
	"comptoir/app/fr"
	"comptoir/app/session"
	"comptoir/mail/trustlist"
)

// runDoctor runs the one diagnostic of Comptoir (the app's « Tester la connexion » too): the
// card, the operator's servers step by step, the logins with the card (--login), the
// provisioning API, the trust list and the directory; it says in French what to do, and
// exits non-zero when something is wrong (an unreachable operator included).
func runDoctor(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	c := addCardFlags(fs)
	login := fs.Bool("login", false, "vérifie aussi le code PIN, le certificat, une signature et la connexion à chaque BAL (demande le code PIN)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	files, err := configFiles(c.config)
	if err != nil {
		return fmt.Errorf("dossier de configuration : %w", err)
	}
	// A broken file is a problem the diagnostic reports; what could be read is still checked.
	layers, lerr := files.LoadLayers()
	cfg := layers.Effective
	fmt.Fprintln(env.stdout, "Diagnostic du poste Comptoir")
	module := c.module
	if module == "" {
		module = cfg.Module
	}
	in := session.DiagnoseInput{Settings: layers, SettingsErr: lerr, ModulePath: module,
		Operator: cfg.Operator.Mail(), APIURL: cfg.Operator.API}
	if p, err := trustlist.DefaultPath(); err == nil {
		in.TrustListPath = p
	}
	if p, err := annuaire.DefaultPath(); err == nil {
		if d, err := annuaire.Open(p); err == nil {
			if info, ok := d.Info(); ok {
				in.DirectoryImported = info.Imported
			}
			d.Close()
		}
	}
	var r session.Report
	if *login {
		r = doctorLoggedIn(ctx, env, c, cfg, in)
	} else {
		r = session.Diagnose(ctx, in)
	}
	printReport(env.stdout, r)
	if n := r.Problems(); n > 0 {
		return fmt.Errorf("%s : suivez les indications « Que faire » ci-dessus", fr.Count(int64(n), "problème détecté", "problèmes détectés"))
	}
	fmt.Fprintln(env.stdout, "Tout est en ordre.")
	return nil
}

// doctorLoggedIn logs the card in and runs the diagnostic in its session, so the logins to
// each BAL are tried; a card that cannot log in is itself the problem reported.
func doctorLoggedIn(ctx context.Context, env *cliEnv, c *cardFlags, cfg config.Config, in session.DiagnoseInput) session.Report {
	card, err := c.login(ctx, env)
	if err != nil {
		r := session.Diagnose(ctx, in)
		r.Checks = append(r.Checks, session.Check{Name: "Connexion à la carte", Detail: err.Error(),
			Fix: "Vérifiez le code PIN ; en cas de doute, arrêtez avant le blocage de la carte.", Verdict: session.VerdictProblem})
		return r
	}
	scfg, err := sessionConfig(ctx, cfg, cliLogger(io.Discard))
	if err != nil {
		defer card.Close()
		in.Card = card
		return session.Diagnose(ctx, in)
	}
	s, err := session.Open(ctx, session.CardCredential{Card: card}, scfg)
	if err != nil {
		defer card.Close()
		in.Card = card
		r := session.Diagnose(ctx, in)
		r.Checks = append(r.Checks, session.Check{Name: "Cache du poste", Detail: sessionError(err).Error(),
			Fix: "Fermez l'autre Comptoir ouvert avec cette carte, puis relancez le diagnostic.", Verdict: session.VerdictProblem})
		return r
	}
	defer s.Close()
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	_ = s.RefreshBALs(rctx)
	cancel()
	return s.Diagnose(ctx, in)
}

func printReport(w io.Writer, r session.Report) {
	for _, ch := range r.Checks {
		label := map[session.Verdict]string{session.VerdictOK: "[OK]       ", session.VerdictInfo: "[INFO]     ",
			session.VerdictWarning: "[ATTENTION]", session.VerdictProblem: "[PROBLÈME] "}[ch.Verdict]
		fmt.Fprintf(w, "%s %s : %s\n", label, ch.Name, ch.Detail)
		if ch.Fix != "" && ch.Verdict != session.VerdictOK {
			fmt.Fprintf(w, "            Que faire : %s\n", ch.Fix)
		}
	}
}
