package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"comptoir/cps"
	"comptoir/store"

	"golang.org/x/term"
)

// runCard implements "comptoir card" (readers and cards) and "comptoir card info"
// (log in, print the holder's identity and practice situations).
func runCard(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) > 0 && args[0] == "info" {
		return runCardInfo(ctx, env, args[1:])
	}
	fs := flag.NewFlagSet("card", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	module := fs.String("module", "", "chemin du module PKCS#11 (par défaut : configuration, puis Cryptolib CPS)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: sous-commande inconnue « %s » (attendu : info)", errUsage, fs.Arg(0))
	}
	m, err := openCardModule(*module)
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
	module := fs.String("module", "", "chemin du module PKCS#11 (par défaut : configuration, puis Cryptolib CPS)")
	asJSON := fs.Bool("json", false, "sortie JSON pour les scripts")
	slotFlag := fs.Int("slot", -1, "lecteur (numéro affiché par « comptoir card ») quand plusieurs cartes sont insérées")
	label := fs.String("label", "", "carte à utiliser, par son nom, quand plusieurs cartes sont insérées")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: argument inattendu « %s » (le code PIN n'est jamais passé en argument)", errUsage, fs.Arg(0))
	}
	m, err := openCardModule(*module)
	if err != nil {
		return err
	}
	r, err := pickCard(ctx, m, *slotFlag, *label)
	if err != nil {
		return err
	}
	pin, err := readCardPIN(env, fmt.Sprintf("Code PIN de la carte « %s » : ", r.Label))
	if err != nil {
		return err
	}
	c, err := m.Login(ctx, r.Slot, pin)
	clear(pin)
	if err != nil {
		return cardError(err)
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

// openCardModule finds and loads the PKCS#11 module: the --module flag, else the
// configuration's pkcs11_module, else the ANS Cryptolib or p11-kit.
func openCardModule(flagPath string) (*cps.Module, error) {
	configured := flagPath
	if configured == "" {
		configured = configuredModule()
	}
	path, err := cps.FindModule(configured)
	if err != nil {
		return nil, cardError(err)
	}
	m, err := cps.Open(path)
	if err != nil {
		return nil, fmt.Errorf("le module de carte %s n'a pas pu être chargé : %w", path, err)
	}
	return m, nil
}

// configuredModule reads "pkcs11_module" from config.json; "" when absent or unreadable
// (doctor reports a broken configuration separately).
func configuredModule() string {
	dir, err := store.ConfigDir()
	if err != nil {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return ""
	}
	var cfg struct {
		Module string `json:"pkcs11_module"`
	}
	if json.Unmarshal(b, &cfg) != nil {
		return ""
	}
	return cfg.Module
}

// pickCard chooses the card to log in to: by slot, by label, or the only one present.
func pickCard(ctx context.Context, m *cps.Module, slot int, label string) (cps.Reader, error) {
	readers, err := m.Readers(ctx)
	if err != nil {
		return cps.Reader{}, cardError(err)
	}
	var present []cps.Reader
	for _, r := range readers {
		if !r.CardPresent {
			continue
		}
		if (slot >= 0 && r.Slot == uint(slot)) || (label != "" && r.Label == label) {
			return r, nil
		}
		present = append(present, r)
	}
	switch {
	case slot >= 0 || label != "":
		return cps.Reader{}, errors.New("aucune carte dans ce lecteur : vérifiez avec « comptoir card »")
	case len(present) == 0:
		return cps.Reader{}, errors.New("aucune carte insérée : insérez votre carte CPS dans le lecteur")
	case len(present) > 1:
		var names []string
		for _, r := range present {
			names = append(names, fmt.Sprintf("[%d] %s", r.Slot, r.Label))
		}
		return cps.Reader{}, fmt.Errorf("%w: plusieurs cartes insérées (%s) : précisez --slot ou --label", errUsage, strings.Join(names, ", "))
	}
	return present[0], nil
}

// readCardPIN reads the PIN without echo from the terminal, or one line from stdin when it
// is not a terminal (scripts, tests). Never from arguments or the environment.
func readCardPIN(env *cliEnv, prompt string) ([]byte, error) {
	if f, ok := env.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(env.stderr, prompt)
		pin, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.stderr)
		if err != nil {
			return nil, fmt.Errorf("lecture du code PIN : %w", err)
		}
		return pin, nil
	}
	line, err := bufio.NewReaderSize(env.stdin, 64).ReadSlice('\n')
	if err != nil && !(errors.Is(err, io.EOF) && len(line) > 0) {
		return nil, errors.New("code PIN attendu sur l'entrée standard (une ligne)")
	}
	pin := []byte(strings.TrimRight(string(line), "\r\n"))
	clear(line)
	if len(pin) == 0 {
		return nil, errors.New("code PIN vide")
	}
	return pin, nil
}

// cardError turns a cps error into a French message saying what to do.
func cardError(err error) error {
	var pe *cps.PINError
	switch {
	case errors.Is(err, cps.ErrPINLocked):
		return errors.New("carte bloquée : le code PIN a été saisi trois fois faux. " +
			"Débloquez-la avec son code PUK (outil « CPS Gestion » de la Cryptolib) ou commandez une nouvelle carte à l'ANS")
	case errors.As(err, &pe) && pe.State.FinalTry:
		return errors.New("code PIN incorrect. Attention : dernier essai, un nouveau code faux bloquera la carte")
	case errors.Is(err, cps.ErrPINIncorrect):
		return errors.New("code PIN incorrect. Vérifiez-le avant de réessayer : la carte se bloque après trois codes faux")
	case errors.Is(err, cps.ErrCardRemoved):
		return errors.New("la carte a été retirée pendant l'opération : réinsérez-la et recommencez")
	case errors.Is(err, cps.ErrNoCard):
		return errors.New("aucune carte dans le lecteur : insérez votre carte CPS")
	case errors.Is(err, cps.ErrModuleNotFound):
		tried := err.Error()
		var nf *cps.ModuleNotFoundError
		if errors.As(err, &nf) {
			tried = strings.Join(nf.Tried, ", ")
		}
		return fmt.Errorf("module de carte introuvable (chemins essayés : %s) : installez la Cryptolib CPS de l'ANS, "+
			"ou indiquez le module avec --module (ou « pkcs11_module » dans config.json)", tried)
	case errors.Is(err, cps.ErrObjectNotFound):
		return fmt.Errorf("cette carte ne contient pas de certificat CPS utilisable : %v", err)
	}
	return fmt.Errorf("erreur de carte : %w", err)
}
