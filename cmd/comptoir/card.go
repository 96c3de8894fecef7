package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"comptoir/cps"
)

// runCard implements "comptoir card" (readers and cards) and "comptoir card info"
// (log in, print the holder's identity and practice situations).
func runCard(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) > 0 && args[0] == "info" {
		return runCardInfo(ctx, env, args[1:])
	}
	fs := flag.NewFlagSet("card", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	c := addCardFlags(fs)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: sous-commande inconnue « %s » (attendu : info)", errUsage, fs.Arg(0))
	}
	m, err := c.openModule()
	if err != nil {
		return err
	}
	readers, err := m.Readers(ctx)
	if err != nil {
		return cardError(err)
	}
	fmt.Fprintf(env.stdout, "Module PKCS#11 : %s\n", m.Path())
	if len(readers) == 0 {
		fmt.Fprintln(env.stdout, "Aucun lecteur de carte.")
		return nil
	}
	fmt.Fprintln(env.stdout, "Lecteurs :")
	for _, r := range readers {
		card := "pas de carte"
		if r.CardPresent {
			card = fmt.Sprintf("carte « %s » (n° de série %s)", r.Label, r.Serial)
		}
		fmt.Fprintf(env.stdout, "  [%d] %s : %s\n", r.Slot, r.Description, card)
	}
	return nil
}

// cardInfo is the --json form of "comptoir card info".
type cardInfo struct {
	NationalID string          `json:"national_id"`
	IDType     string          `json:"id_type"`
	Number     string          `json:"number"`
	Surname    string          `json:"surname"`
	GivenName  string          `json:"given_name"`
	Profession string          `json:"profession"`
	Specialty  string          `json:"specialty,omitempty"`
	Card       cardDetails     `json:"card"`
	Situations []situationInfo `json:"situations"`
}

type cardDetails struct {
	Slot          uint   `json:"slot"`
	Label         string `json:"label"`
	Serial        string `json:"serial"`
	RSAPSS        bool   `json:"rsa_pss"`
	MaxTLS        string `json:"max_tls"`
	CertNotAfter  string `json:"certificate_not_after"`
	CertIssuer    string `json:"certificate_issuer"`
	HasSignature  bool   `json:"signature_key"`
	PrivateKeyOps int64  `json:"private_key_ops"`
}

type situationInfo struct {
	Index           int    `json:"index"`
	StructureName   string `json:"structure_name"`
	StructureIDType int    `json:"structure_id_type"`
	StructureID     string `json:"structure_id"`
	FINESS          string `json:"finess,omitempty"`
	Sector          string `json:"sector"`
}

func runCardInfo(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("card info", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	cf := addCardFlags(fs)
	asJSON := fs.Bool("json", false, "sortie JSON pour les scripts")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: argument inattendu « %s » (le code PIN n'est jamais passé en argument)", errUsage, fs.Arg(0))
	}
	c, err := cf.login(ctx, env)
	if err != nil {
		return err
	}
	defer c.Close()
	info := describeCard(c)
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	printCardInfo(env.stdout, info)
	return nil
}

func describeCard(c *cps.Card) cardInfo {
	id := c.Identity()
	cert := c.AuthCertificate()
	info := cardInfo{
		NationalID: id.NationalID,
		IDType:     id.IDType.String(),
		Number:     id.Number,
		Surname:    id.Surname,
		GivenName:  id.GivenName,
		Profession: id.Profession,
		Specialty:  id.Specialty,
		Card: cardDetails{
			Slot:          c.Slot(),
			Label:         c.Label(),
			Serial:        c.Serial(),
			RSAPSS:        c.SupportsPSS(),
			MaxTLS:        map[bool]string{true: "1.3", false: "1.2"}[c.SupportsPSS()],
			CertNotAfter:  cert.NotAfter.UTC().Format(time.DateOnly),
			CertIssuer:    cert.Issuer.CommonName,
			HasSignature:  c.DocumentSigner() != nil,
			PrivateKeyOps: c.PrivateKeyOps(),
		},
		Situations: []situationInfo{},
	}
	for _, s := range c.Situations() {
		info.Situations = append(info.Situations, situationInfo{
			Index: s.Index, StructureName: s.StructureName, StructureIDType: s.StructureIDType,
			StructureID: s.StructureID, FINESS: s.FINESS, Sector: s.Sector,
		})
	}
	return info
}

func printCardInfo(w io.Writer, info cardInfo) {
	fmt.Fprintf(w, "Porteur : %s %s\n", info.GivenName, info.Surname)
	fmt.Fprintf(w, "Profession : %s\n", info.Profession)
	idLine := info.NationalID
	if info.IDType != "" {
		idLine += fmt.Sprintf(" (%s %s)", info.IDType, info.Number)
	}
	fmt.Fprintf(w, "Identifiant national : %s\n", idLine)
	if info.Specialty != "" {
		fmt.Fprintf(w, "Spécialité : %s\n", info.Specialty)
	}
	tls := "TLS 1.3 et 1.2 (RSA-PSS disponible)"
	if !info.Card.RSAPSS {
		tls = "TLS 1.2 seulement (carte CPS3, sans RSA-PSS)"
	}
	fmt.Fprintf(w, "Carte : %s, n° de série %s, %s\n", info.Card.Label, info.Card.Serial, tls)
	until := info.Card.CertNotAfter
	if d, err := time.Parse(time.DateOnly, until); err == nil {
		until = d.Format("02/01/2006")
	}
	fmt.Fprintf(w, "Certificat : émis par %s, valable jusqu'au %s\n", info.Card.CertIssuer, until)
	if len(info.Situations) == 0 {
		fmt.Fprintln(w, "Aucune situation d'exercice sur la carte.")
		return
	}
	fmt.Fprintln(w, "Situations d'exercice :")
	for _, s := range info.Situations {
		id := fmt.Sprintf("identifiant de structure %d%s", s.StructureIDType, s.StructureID)
		if s.FINESS != "" {
			id = "FINESS " + s.FINESS
		}
		fmt.Fprintf(w, "  %d. %s, %s, secteur %s\n", s.Index, s.StructureName, id, s.Sector)
	}
}
