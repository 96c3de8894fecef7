package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"

	"comptoir/app/config"
	"comptoir/app/session"
	"comptoir/mail/msg"
	"comptoir/mail/trustlist"
)

// sessionConfig is what a session of the command line is opened with: the same as the app's
// (cmd/comptoir/gui.go), from the same config.json — servers, trust store, trust-space list,
// provisioning API and product reference.
func sessionConfig(ctx context.Context, cfg config.Config, log *slog.Logger) (session.Config, error) {
	op, err := cfg.Operator.Mail().Resolve(ctx, net.DefaultResolver)
	if err != nil {
		return session.Config{}, fmt.Errorf("opérateur introuvable ou magasin de confiance absent : %w", err)
	}
	return session.Config{Servers: op, APIURL: cfg.Operator.API, Trust: loadTrustList(log, op.RootCAs),
		TrustList: trustListConfig(), ProductRef: "Comptoir/" + version, Logger: log}, nil
}

// trustListConfig refreshes the trust-space list from the ANS's signed copy (its signer
// checked against the trust store's roots) into the data directory, where loadTrustList
// reads it.
func trustListConfig() session.TrustListConfig {
	p, err := trustlist.DefaultPath()
	if err != nil {
		return session.TrustListConfig{} // no data directory: no refresh
	}
	return session.TrustListConfig{Path: p, Source: trustlist.OfficialSource()}
}

// loadTrustList reads the workstation's trust-space list and verifies it again (its
// signature against roots, or its recorded checksum); without it recipients are not
// checked, which Build reports as a warning.
func loadTrustList(log *slog.Logger, roots *x509.CertPool) *msg.TrustList {
	p, err := trustlist.DefaultPath()
	if err != nil {
		return nil
	}
	tl, err := trustlist.LoadDomains(p, roots)
	if err != nil {
		log.Warn("trust-space list not loaded: recipients are not checked", "err", err)
		return nil
	}
	return tl
}

// cliLogger keeps the command line's output for the user: only warnings reach stderr.
func cliLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelError}))
}

// openSession logs in (the card, or with --app-cert an APP BAL's structure certificate),
// opens the session and asks the operator which BALs it may use; bal, when given, must be
// one of them (offline: one the cache knows).
func openSession(ctx context.Context, env *cliEnv, c *cardFlags, ac *appCertOptions, bal string) (*session.Session, error) {
	cfg, _, err := loadConfig(c.config)
	if err != nil {
		return nil, err
	}
	log := cliLogger(env.stderr)
	scfg, err := sessionConfig(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	var cred session.Credential
	if ac != nil && ac.path != "" {
		oc, err := ac.load(env)
		if err != nil {
			return nil, err
		}
		cred = session.AppCredential{Cert: oc, BAL: bal}
	} else {
		card, err := c.login(ctx, env)
		if err != nil {
			return nil, err
		}
		cred = session.CardCredential{Card: card}
	}
	s, err := session.Open(ctx, cred, scfg)
	if err != nil {
		if _, ok := cred.(session.CardCredential); ok {
			cred.(session.CardCredential).Card.Close()
		}
		return nil, sessionError(err)
	}
	if scfg.APIURL != "" {
		if err := s.RefreshBALs(ctx); err != nil {
			fmt.Fprintf(env.stderr, "Opérateur injoignable, BAL connues du cache : %v\n", err)
		}
	}
	if bal != "" {
		b, ok := s.BAL(bal)
		if !ok || !b.Syncable() {
			s.Close()
			return nil, balError(bal, b, ok, s.BALs())
		}
	}
	return s, nil
}

// sessionError is the French message for a session that did not open.
func sessionError(err error) error {
	if m := session.UserMessage(err); m != "" {
		return errors.New(m)
	}
	return fmt.Errorf("ouverture de la session : %w", err)
}

// balError says why --bal cannot be used, and which BALs can.
func balError(addr string, b session.BAL, known bool, all []session.BAL) error {
	var usable []string
	for _, x := range all {
		if x.Syncable() {
			usable = append(usable, x.Address)
		}
	}
	why := "n'est pas une boîte aux lettres de cette carte"
	switch {
	case !known:
	case b.Status == session.StatusPending:
		why = "attend encore sa validation par l'ANS"
	case b.Status == session.StatusRetired:
		why = "n'est plus accessible avec cette carte (droit retiré chez l'opérateur)"
	case b.NeedsCertificate:
		why = "est une BAL applicative : elle s'ouvre avec le certificat de la structure (--app-cert), pas avec la carte"
	}
	return fmt.Errorf("%s %s ; BAL utilisables : %s", addr, why, strings.Join(usable, ", "))
}
