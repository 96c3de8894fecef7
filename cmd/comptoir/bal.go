package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"comptoir/app/annuaire"
	"comptoir/app/wire"
	"comptoir/assets"
	"comptoir/cps"
	"comptoir/mail/balrules"
	"comptoir/mail/provisioning"
	"comptoir/store"
)

// runBAL manages mailboxes at the operator:
//
//	comptoir bal create [--type ORG|PER|APP] --accepte-cgu [...]   creates a BAL (the wizard's steps)
//	comptoir bal liste                                             the BALs of the card, pending included
func runBAL(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: comptoir bal create|liste [options]", errUsage)
	}
	switch args[0] {
	case "create", "creer", "créer":
		return runBALCreate(ctx, env, args[1:])
	case "list", "liste":
		return runBALList(ctx, env, args[1:])
	}
	return fmt.Errorf("%w: sous-commande inconnue « %s » (create ou liste)", errUsage, args[0])
}

// balSession is a logged-in card and a provisioning client authenticated with it.
type balSession struct {
	card   *cps.Card
	client *provisioning.Client
	domain string
}

func (b *balSession) close() {
	b.client.Close()
	b.card.Close()
}

// apiConfig is the part of config.json naming the provisioning API (app.OperatorSettings).
type apiConfig struct {
	Operator struct {
		API string `json:"api"`
	} `json:"operator"`
}

func configPath(p string) (string, error) {
	if p != "" {
		return p, nil
	}
	dir, err := store.ConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "config.json"), nil
}

// openBALSession reads the configuration, asks for the PIN and opens the provisioning client
// with the card.
func openBALSession(ctx context.Context, env *cliEnv, o *mailOptions) (*balSession, error) {
	cfg, err := readConfigFile(o.config)
	if err != nil {
		return nil, err
	}
	path, err := configPath(o.config)
	if err != nil {
		return nil, err
	}
	raw, _ := os.ReadFile(path)
	var ac apiConfig
	if err := json.Unmarshal(raw, &ac); err != nil || ac.Operator.API == "" {
		return nil, fmt.Errorf("adresse de l'API de l'opérateur absente de %s (clé operator.api)", path)
	}
	op, err := cfg.Operator.Resolve(ctx, net.DefaultResolver)
	if err != nil {
		return nil, fmt.Errorf("opérateur introuvable ou magasin de confiance absent : %w", err)
	}
	card, err := loginCard(ctx, env, o, cfg)
	if err != nil {
		return nil, err
	}
	cl, err := provisioning.New(provisioning.Config{BaseURL: ac.Operator.API, Certificate: card.TLSCertificate(),
		Trust: op.Trust, MaxTLS: card.MaxTLSVersion(), Timeout: 30 * time.Second})
	if err != nil {
		card.Close()
		return nil, fmt.Errorf("API de l'opérateur : %w", err)
	}
	return &balSession{card: card, client: cl, domain: op.Domain}, nil
}

// loginCard finds the card (the first inserted, or the one labelled --lecteur) with the
// module of --module, else of the configuration, and logs in with the PIN typed on the
// terminal (one line of stdin for scripts).
func loginCard(ctx context.Context, env *cliEnv, o *mailOptions, cfg configFile) (*cps.Card, error) {
	modulePath, reader := o.module, o.reader
	if modulePath == "" {
		modulePath = cfg.Module
	}
	path, err := cps.FindModule(modulePath)
	if err != nil {
		return nil, fmt.Errorf("bibliothèque de la carte CPS introuvable : %w", err)
	}
	m, err := cps.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bibliothèque de la carte CPS : %w", err)
	}
	readers, err := m.Readers(ctx)
	if err != nil {
		return nil, fmt.Errorf("lecteurs de carte : %w", err)
	}
	var r *cps.Reader
	for i := range readers {
		if readers[i].CardPresent && (reader == "" || readers[i].Label == reader) {
			r = &readers[i]
			break
		}
	}
	if r == nil {
		return nil, errors.New("aucune carte CPS insérée")
	}
	fmt.Fprintf(env.stderr, "Code PIN de la carte « %s » : ", r.Label)
	pin, err := readPIN(env)
	fmt.Fprintln(env.stderr)
	if err != nil {
		return nil, fmt.Errorf("lecture du code PIN : %w", err)
	}
	card, err := m.Login(ctx, r.Slot, pin)
	clear(pin)
	switch {
	case errors.Is(err, cps.ErrPINLocked):
		return nil, errors.New("code PIN bloqué : débloquez la carte avec son code PUK")
	case errors.Is(err, cps.ErrPINIncorrect):
		return nil, errors.New("code PIN incorrect")
	case err != nil:
		return nil, fmt.Errorf("connexion à la carte : %w", err)
	}
	return card, nil
}

// userError gives the operator's French message, else err.
func userError(err error) error {
	var oe *provisioning.Error
	if errors.As(err, &oe) {
		return errors.New(oe.Message)
	}
	return err
}

func runBALList(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("bal liste", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	o := addMailFlags(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	s, err := openBALSession(ctx, env, o)
	if err != nil {
		return err
	}
	defer s.close()
	list, err := s.client.BALs(ctx)
	if err != nil {
		return userError(err)
	}
	if len(list) == 0 {
		fmt.Fprintln(env.stdout, "Aucune boîte aux lettres.")
	}
	for _, b := range list {
		status := "active"
		if b.Status != provisioning.StatusActive {
			status = "en attente de validation (active vers le " + b.ActiveAt.Local().Format("02/01/2006 15:04") + ")"
		}
		role := ""
		if b.Role != "" {
			role = ", rôle " + b.Role
		}
		fmt.Fprintf(env.stdout, "%s  %s  %s%s\n", b.Kind, b.Address, status, role)
	}
	return nil
}

// createOptions are the flags of `bal create`.
type createOptions struct {
	kind, postalCode, town, name, directory, address string
	situation                                        int
	acceptCGU, listeRouge, wait                      bool
}

func runBALCreate(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("bal create", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var c createOptions
	fs.StringVar(&c.kind, "type", balrules.KindORG, "ORG (BAL de l'officine, fortement préconisée), PER (personnelle) ou APP (applicative)")
	fs.BoolVar(&c.acceptCGU, "accepte-cgu", false, "j'ai lu et j'accepte les CGU (affichées sans cette option)")
	fs.IntVar(&c.situation, "situation", 0, "numéro de la situation d'exercice de la carte (si elle en porte plusieurs)")
	fs.StringVar(&c.postalCode, "code-postal", "", "code postal de la structure (défaut : Annuaire Santé)")
	fs.StringVar(&c.town, "ville", "", "ville de la structure (défaut : Annuaire Santé)")
	fs.StringVar(&c.name, "nom", "", "nom de la structure (défaut : celui de la carte)")
	fs.StringVar(&c.directory, "annuaire", "", "Annuaire Santé importé (défaut : celui du poste)")
	fs.StringVar(&c.address, "adresse", "", "adresse demandée (homonyme : celle proposée par l'opérateur)")
	fs.BoolVar(&c.listeRouge, "liste-rouge", false, "ne pas publier la BAL dans l'Annuaire Santé")
	fs.BoolVar(&c.wait, "attendre", false, "attendre la validation (24 h minimum chez l'ANS)")
	o := addMailFlags(fs)
	ac := addAppCertFlags(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	c.kind = strings.ToUpper(c.kind)
	if c.kind != balrules.KindORG && c.kind != balrules.KindPER && c.kind != balrules.KindAPP {
		return fmt.Errorf("%w: --type ORG, PER ou APP", errUsage)
	}
	if c.kind == balrules.KindAPP && ac.path == "" {
		return fmt.Errorf("%w: une BAL applicative demande --app-cert FICHIER.p12 (certificat logiciel de la structure)", errUsage)
	}
	s, err := openBALSession(ctx, env, o)
	if err != nil {
		return err
	}
	defer s.close()

	// 1. CGU.
	cgu, err := s.client.CGU(ctx)
	if err != nil {
		return fmt.Errorf("CGU de l'opérateur : %w", userError(err))
	}
	if !c.acceptCGU {
		text, ok := assets.CGU(cgu.Version)
		if !ok {
			text = cgu.Title + "\n\n" + cgu.Text
		}
		fmt.Fprintln(env.stdout, text)
		return fmt.Errorf("%w: lisez les CGU ci-dessus (version %s) puis relancez avec --accepte-cgu pour les accepter", errUsage, cgu.Version)
	}

	// 2. What the card holds.
	id := s.card.Identity()
	fmt.Fprintf(env.stdout, "Carte lue : %s\nTitulaire : %s\n%s : %s\nProfession : %s\n", s.card.Label(),
		strings.TrimSpace(id.GivenName+" "+strings.ToUpper(id.Surname)), id.IDType, id.Number, id.Profession)
	sits := s.card.Situations()
	for i, st := range sits {
		line := st.StructureName
		if st.FINESS != "" {
			line += " — FINESS " + st.FINESS
		}
		fmt.Fprintf(env.stdout, "Situation %d : %s\n", i+1, line)
	}
	req := provisioning.CreateRequest{Kind: c.kind, CGUVersion: cgu.Version, HolderID: id.NationalID, Address: c.address, ListeRouge: c.listeRouge}
	parts := balrules.Parts{GivenName: id.GivenName, Surname: id.Surname}
	if c.kind != balrules.KindPER {
		st, err := c.structure(ctx, s, sits, ac, env, &req)
		if err != nil {
			return err
		}
		req.Structure, req.DisplayName = st, st.Name
		parts.StructureName, parts.PostalCode, parts.Town, parts.FINESS = st.Name, st.PostalCode, st.City, st.FINESS
	}

	// 3. The address by the rules, checked against a requested one.
	local, err := balrules.Local(c.kind, parts)
	if err != nil {
		return errors.New(balrules.UserMessage(err))
	}
	addr, err := balrules.Address(local, s.domain)
	if err != nil {
		return errors.New(balrules.UserMessage(err))
	}
	if c.address != "" {
		l, d, _ := strings.Cut(strings.ToLower(c.address), "@")
		if d != strings.ToLower(s.domain) || !balrules.Matches(l, local, c.kind) {
			return fmt.Errorf("%w: --adresse doit être %s, suivie au besoin d'un numéro (homonyme)", errUsage, addr)
		}
		addr = strings.ToLower(c.address)
	}
	fmt.Fprintf(env.stdout, "Adresse : %s\n", addr)

	// 4. Signed with the card's signature key; a homonym takes the operator's suggestion.
	signer, sigCert := s.card.DocumentSigner(), s.card.SignatureCertificate()
	if signer == nil || sigCert == nil {
		return errors.New("la carte ne porte pas de clé de signature")
	}
	b, err := s.client.CreateBAL(ctx, req, signer, sigCert)
	var oe *provisioning.Error
	if errors.As(err, &oe) && oe.Code == provisioning.CodeAddressTaken && oe.Suggestion != "" && c.address == "" {
		fmt.Fprintf(env.stdout, "%s\nNouvelle demande avec l'adresse proposée : %s\n", oe.Message, oe.Suggestion)
		req.Address, req.Nonce, req.Time = oe.Suggestion, "", ""
		b, err = s.client.CreateBAL(ctx, req, signer, sigCert)
	}
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(env.stdout, "Demande signée avec la carte et transmise.\nLa boîte aux lettres %s est en attente de validation par l'ANS "+
		"et d'intégration dans l'Annuaire Santé (24 h minimum).\n", b.Address)
	if c.wait {
		return waitActive(ctx, env, s.client, b)
	}
	return nil
}

// structure gives the ORG or APP BAL's structure: the card's pharmacy situation, its
// postal address from the directory (ORG) or from the pharmacy's ORG BAL (APP, whose
// creator must be its Administrateur), flags overriding.
func (c *createOptions) structure(ctx context.Context, s *balSession, sits []cps.Situation, ac *appCertOptions, env *cliEnv, req *provisioning.CreateRequest) (*provisioning.Structure, error) {
	var sit cps.Situation
	switch {
	case c.situation > 0 && c.situation <= len(sits):
		sit = sits[c.situation-1]
	case c.situation != 0:
		return nil, fmt.Errorf("%w: --situation entre 1 et %d", errUsage, len(sits))
	default:
		n := 0
		for _, x := range sits {
			if balrules.IsPharmacy(balrules.Situation{StructureName: x.StructureName, FINESS: x.FINESS, Sector: x.Sector}) {
				sit, n = x, n+1
			}
		}
		if n > 1 {
			return nil, fmt.Errorf("%w: la carte porte plusieurs officines : choisissez avec --situation", errUsage)
		}
		if n == 0 && len(sits) > 0 {
			sit = sits[0]
		}
	}
	rs := balrules.Situation{StructureName: sit.StructureName, FINESS: sit.FINESS, Sector: sit.Sector}
	st := &provisioning.Structure{FINESS: sit.FINESS, Name: sit.StructureName, Sector: sit.Sector}
	switch c.kind {
	case balrules.KindORG:
		if err := balrules.CheckORG(s.card.Identity().Profession, rs); err != nil {
			return nil, errors.New(balrules.UserMessage(err))
		}
		if c.postalCode == "" || c.town == "" {
			found, ok, err := directoryStructure(ctx, c.directory, sit.FINESS)
			if err != nil {
				fmt.Fprintf(env.stderr, "Annuaire Santé : %v\n", err)
			}
			if ok {
				st.Street, st.PostalCode, st.City = found.Street, found.PostalCode, found.City
				fmt.Fprintf(env.stdout, "Adresse de la structure (Annuaire Santé) : %s %s\n", st.PostalCode, st.City)
			}
		}
	case balrules.KindAPP:
		if sit.FINESS == "" {
			return nil, errors.New(balrules.UserMessage(balrules.ErrNoPharmacy))
		}
		bals, err := s.client.BALs(ctx)
		if err != nil {
			return nil, userError(err)
		}
		role := ""
		for _, b := range bals {
			if b.Kind == provisioning.KindORG && b.Structure != nil && b.Structure.FINESS == sit.FINESS {
				role, st = b.Role, b.Structure
			}
		}
		if err := balrules.CheckAPP(role); err != nil {
			return nil, errors.New(balrules.UserMessage(err))
		}
		oc, err := ac.load(env)
		if err != nil {
			return nil, err
		}
		if oc.FINESS != sit.FINESS {
			return nil, fmt.Errorf("ce certificat logiciel est celui d'une autre structure (%s)", oc.Organisation)
		}
		req.AppCertificate = oc.ChainPEM()
	}
	if c.name != "" {
		st.Name = c.name
	}
	if c.postalCode != "" {
		st.PostalCode = c.postalCode
	}
	if c.town != "" {
		st.City = c.town
	}
	if st.PostalCode == "" || st.City == "" {
		return nil, fmt.Errorf("%w: la structure (FINESS %s) n'est pas dans l'Annuaire Santé importé : indiquez --code-postal et --ville", errUsage, sit.FINESS)
	}
	return st, nil
}

// directoryStructure looks a FINESS up in the imported Annuaire Santé.
func directoryStructure(ctx context.Context, path, finess string) (provisioning.Structure, bool, error) {
	path, err := basePath(path)
	if err != nil {
		return provisioning.Structure{}, false, err
	}
	d, err := annuaire.Open(path)
	if err != nil {
		return provisioning.Structure{}, false, err
	}
	defer d.Close()
	return wire.StructureByFINESS(ctx, d, finess)
}

// waitActive polls the operator until the BAL is active (the ANS validation).
func waitActive(ctx context.Context, env *cliEnv, cl *provisioning.Client, b provisioning.BAL) error {
	fmt.Fprintln(env.stdout, "Attente de la validation…")
	wait := time.Until(b.ActiveAt)
	for {
		wait = min(max(wait, 250*time.Millisecond), 5*time.Minute)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		cur, err := cl.BAL(ctx, b.Address)
		if err != nil {
			return userError(err)
		}
		if cur.Status == provisioning.StatusActive {
			fmt.Fprintf(env.stdout, "La boîte aux lettres %s est active.\n", b.Address)
			return nil
		}
		wait *= 2
	}
}
