package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"

	"comptoir/mail/provisioning"
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
		pass, err = readSecret(env, fmt.Sprintf("Mot de passe du certificat %s : ", a.path))
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
