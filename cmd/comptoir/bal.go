package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"comptoir/app/annuaire"
	"comptoir/app/session"
	"comptoir/assets"
	"comptoir/cps"
	"comptoir/mail/balrules"
	"comptoir/mail/provisioning"
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

// userError gives the operator's French message, else err.
func userError(err error) error {
	var oe *provisioning.Error
	if errors.As(err, &oe) {
		return errors.New(oe.Message)
	}
	return err
}

// openCardSession opens the card's session for the BAL commands (they need the API).
func openCardSession(ctx context.Context, env *cliEnv, c *cardFlags) (*session.Session, error) {
	cfg, path, err := loadConfig(c.config)
	if err != nil {
		return nil, err
	}
	if cfg.Operator.API == "" {
		return nil, fmt.Errorf("adresse de l'API de l'opérateur absente de %s (clé operator.api)", path)
	}
	return openSession(ctx, env, c, nil, "")
}

func runBALList(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("bal liste", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	c := addCardFlags(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	s, err := openCardSession(ctx, env, c)
	if err != nil {
		return err
	}
	defer s.Close()
	list, err := s.Listing(ctx)
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
	cf := addCardFlags(fs)
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
	s, err := openCardSession(ctx, env, cf)
	if err != nil {
		return err
	}
	defer s.Close()

	// 1. CGU.
	cgu, err := s.CGU(ctx)
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
	id := s.Identity()
	card, _ := s.Card()
	fmt.Fprintf(env.stdout, "Carte lue : %s\nTitulaire : %s\n%s : %s\nProfession : %s\n", card.Card.Label(),
		strings.TrimSpace(id.GivenName+" "+strings.ToUpper(id.Surname)), id.IDType, id.NationalID[1:], id.Profession)
	for i, st := range id.Situations {
		line := st.StructureName
		if st.FINESS != "" {
			line += " — FINESS " + st.FINESS
		}
		fmt.Fprintf(env.stdout, "Situation %d : %s\n", i+1, line)
	}
	req := provisioning.CreateRequest{Kind: c.kind, CGUVersion: cgu.Version, Address: c.address, ListeRouge: c.listeRouge}
	var st provisioning.Structure
	var oc *provisioning.OrgCertificate
	if c.kind != balrules.KindPER {
		if st, oc, err = c.structure(ctx, env, s, ac); err != nil {
			return err
		}
		req.Structure, req.DisplayName = &st, st.Name
	}

	// 3. The address by the rules (the wizard's too), checked against a requested one.
	addr, err := session.BALAddress(c.kind, s.Domain(), id, st)
	if err != nil {
		return errors.New(balrules.UserMessage(err))
	}
	if c.address != "" {
		local, _, _ := strings.Cut(addr, "@")
		l, d, _ := strings.Cut(strings.ToLower(c.address), "@")
		if d != strings.ToLower(s.Domain()) || !balrules.Matches(l, local, c.kind) {
			return fmt.Errorf("%w: --adresse doit être %s, suivie au besoin d'un numéro (homonyme)", errUsage, addr)
		}
		addr = strings.ToLower(c.address)
	}
	fmt.Fprintf(env.stdout, "Adresse : %s\n", addr)

	// 4. Signed with the card's signature key; a homonym takes the operator's suggestion.
	b, err := s.CreateBAL(ctx, req, oc)
	var oe *provisioning.Error
	if errors.As(err, &oe) && oe.Code == provisioning.CodeAddressTaken && oe.Suggestion != "" && c.address == "" {
		fmt.Fprintf(env.stdout, "%s\nNouvelle demande avec l'adresse proposée : %s\n", oe.Message, oe.Suggestion)
		req.Address = oe.Suggestion
		b, err = s.CreateBAL(ctx, req, oc)
	}
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(env.stdout, "Demande signée avec la carte et transmise.\nLa boîte aux lettres %s est en attente de validation par l'ANS "+
		"et d'intégration dans l'Annuaire Santé (24 h minimum).\n", b.Address)
	if !c.wait {
		return nil
	}
	fmt.Fprintln(env.stdout, "Attente de la validation…")
	if _, err := s.WaitActive(ctx, b.Address); err != nil {
		return userError(err)
	}
	fmt.Fprintf(env.stdout, "La boîte aux lettres %s est active.\n", b.Address)
	return nil
}

// structure gives the ORG or APP BAL's structure with the session's rules (the wizard's
// too): the card's pharmacy situation, its postal address from the directory (ORG) or from
// the pharmacy's ORG BAL (APP, whose creator must be its Administrateur), flags overriding.
func (c *createOptions) structure(ctx context.Context, env *cliEnv, s *session.Session, ac *appCertOptions) (provisioning.Structure, *provisioning.OrgCertificate, error) {
	id := s.Identity()
	sits := id.Situations
	var sit cps.Situation
	switch {
	case c.situation > 0 && c.situation <= len(sits):
		sit = sits[c.situation-1]
	case c.situation != 0:
		return provisioning.Structure{}, nil, fmt.Errorf("%w: --situation entre 1 et %d", errUsage, len(sits))
	default:
		n := 0
		for _, x := range sits {
			if balrules.IsPharmacy(balrules.Situation{StructureName: x.StructureName, FINESS: x.FINESS, Sector: x.Sector}) {
				sit, n = x, n+1
			}
		}
		if n > 1 {
			return provisioning.Structure{}, nil, fmt.Errorf("%w: la carte porte plusieurs officines : choisissez avec --situation", errUsage)
		}
		if n == 0 && len(sits) > 0 {
			sit = sits[0]
		}
	}
	var listing []provisioning.BAL
	if c.kind == balrules.KindAPP {
		var err error
		if listing, err = s.Listing(ctx); err != nil {
			return provisioning.Structure{}, nil, userError(err)
		}
	}
	if err := session.Eligible(c.kind, id.Profession, sit, listing); err != nil {
		return provisioning.Structure{}, nil, errors.New(balrules.UserMessage(err))
	}
	var dir *annuaire.Directory
	if c.kind == balrules.KindORG && (c.postalCode == "" || c.town == "") {
		if path, err := basePath(c.directory); err == nil {
			if d, err := annuaire.Open(path); err == nil {
				defer d.Close()
				dir = d
			}
		}
	}
	st, src, err := session.RequestStructure(ctx, c.kind, sit, listing, dir)
	if err != nil {
		fmt.Fprintf(env.stderr, "Annuaire Santé : %v\n", err)
	}
	if src == session.FromDirectory {
		fmt.Fprintf(env.stdout, "Adresse de la structure (Annuaire Santé) : %s %s\n", st.PostalCode, st.City)
	}
	var oc *provisioning.OrgCertificate
	if c.kind == balrules.KindAPP {
		if oc, err = ac.load(env); err != nil {
			return st, nil, err
		}
		if oc.FINESS != sit.FINESS {
			return st, nil, fmt.Errorf("ce certificat logiciel est celui d'une autre structure (%s)", oc.Organisation)
		}
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
		return st, nil, fmt.Errorf("%w: la structure (FINESS %s) n'est pas dans l'Annuaire Santé importé : indiquez --code-postal et --ville", errUsage, sit.FINESS)
	}
	return st, oc, nil
}
