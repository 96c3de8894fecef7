package main

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"comptoir/mail"
	"comptoir/mail/provisioning"
	"comptoir/store"
)

// appCertOptions select an IGC-Santé organisation certificate (APP BAL) instead of a card.
type appCertOptions struct {
	path, passFile string
}

func addAppCertFlags(fs *flag.FlagSet) *appCertOptions {
	a := &appCertOptions{}
	fs.StringVar(&a.path, "app-cert", "", "certificat logiciel de la structure (.p12) : BAL applicative, sans carte")
	fs.StringVar(&a.passFile, "app-cert-pass-file", "", "fichier contenant le mot de passe du .p12 (sinon il est demandé)")
	return a
}

// load reads the PKCS#12 file; its password comes from --app-cert-pass-file or is asked
// on the terminal (one line of stdin for scripts), never from argv or the environment.
func (a *appCertOptions) load(env *cliEnv) (*provisioning.OrgCertificate, error) {
	data, err := os.ReadFile(a.path)
	if err != nil {
		return nil, fmt.Errorf("certificat logiciel illisible : %w", err)
	}
	var pass []byte
	if a.passFile != "" {
		if fi, err := os.Stat(a.passFile); err == nil && fi.Mode().Perm()&0o077 != 0 {
			fmt.Fprintf(env.stderr, "Attention : %s est lisible par d'autres utilisateurs (chmod 600).\n", a.passFile)
		}
		pass, err = os.ReadFile(a.passFile)
		if err != nil {
			return nil, fmt.Errorf("fichier du mot de passe illisible : %w", err)
		}
		if i := bytes.IndexAny(pass, "\r\n"); i >= 0 {
			clear(pass[i:])
			pass = pass[:i]
		}
	} else {
		fmt.Fprintf(env.stderr, "Mot de passe du certificat %s : ", a.path)
		pass, err = readPIN(env)
		fmt.Fprintln(env.stderr)
		if err != nil {
			return nil, fmt.Errorf("lecture du mot de passe : %w", err)
		}
	}
	oc, err := provisioning.LoadP12(data, string(pass))
	clear(pass)
	switch {
	case errors.Is(err, provisioning.ErrP12Password):
		return nil, errors.New("mot de passe du certificat logiciel incorrect")
	case errors.Is(err, provisioning.ErrNotOrganisation):
		return nil, errors.New("ce fichier ne contient pas un certificat de structure (IGC-Santé ORGANISATIONS)")
	case err != nil:
		return nil, fmt.Errorf("certificat logiciel : %w", err)
	}
	return oc, nil
}

// openSendSession opens the sender of `comptoir send`: the card, or with --app-cert the
// structure's organisation certificate (an APP BAL used by the pharmacy's software).
func openSendSession(ctx context.Context, env *cliEnv, o *mailOptions, a *appCertOptions, bals []string) (*mailSession, error) {
	if a.path == "" {
		return openMailSession(ctx, env, o, bals)
	}
	_, op, err := resolveOperator(ctx, o.config)
	if err != nil {
		return nil, err
	}
	oc, err := a.load(env)
	if err != nil {
		return nil, err
	}
	// The APP BAL has its own cache (outbox, audit), keyed by the structure's id and
	// unlocked by the certificate's key.
	cachePath, err := store.PathFor(oc.StructureID)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(cachePath, oc.TLS.PrivateKey.(crypto.Signer), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return nil, errors.New("le cache de cette BAL applicative est utilisé par un autre processus")
		}
		return nil, fmt.Errorf("ouverture du cache : %w", err)
	}
	e := mail.NewEngine(mail.EngineConfig{
		Operator: op, Cert: oc.TLS,
		Author: fmt.Sprintf("Logiciel %s (%s)", oc.Organisation, oc.StructureID),
		Store:  st, BALs: bals, NIL: "Comptoir/" + version,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return &mailSession{store: st, engine: e}, nil
}
