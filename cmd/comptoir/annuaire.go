package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"comptoir/app"
	"comptoir/app/annuaire"
	"comptoir/app/fr"
	"comptoir/mail"
	"comptoir/mail/trustlist"
)

// runAnnuaire serves "comptoir annuaire": import and search the offline Annuaire Santé,
// refresh the trust-space list.
//
//	comptoir annuaire import [--base FICHIER] [--ca AC.pem] EXTRACTION(.zip|.txt|https://…)
//	comptoir annuaire search [--base FICHIER] [--max N] [--en-ligne --cle-api FICHIER] TEXTE...
//	comptoir annuaire info [--base FICHIER]
//	comptoir annuaire listeblanche import [--dest FICHIER] [--ca FICHIER.pem] [--magasin CHEMIN] [--empreinte FICHIER|URL] FICHIER|URL
func runAnnuaire(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 {
		annuaireUsage(env.stderr)
		return fmt.Errorf("%w: sous-commande attendue", errUsage)
	}
	switch args[0] {
	case "import":
		return annuaireImport(ctx, env, args[1:])
	case "search", "cherche", "recherche":
		return annuaireSearch(ctx, env, args[1:])
	case "info":
		return annuaireInfo(env, args[1:])
	case "listeblanche":
		if len(args) < 2 || args[1] != "import" {
			annuaireUsage(env.stderr)
			return fmt.Errorf("%w: « listeblanche import FICHIER|URL » attendu", errUsage)
		}
		return annuaireTrustList(ctx, env, args[2:])
	case "help", "aide", "-h", "--help":
		annuaireUsage(env.stdout)
		return nil
	}
	annuaireUsage(env.stderr)
	return fmt.Errorf("%w: sous-commande inconnue « %s »", errUsage, args[0])
}

func annuaireUsage(w io.Writer) {
	fmt.Fprint(w, `Utilisation :
  comptoir annuaire import [--base FICHIER] [--ca AC.pem] EXTRACTION.zip|.txt|https://…
                                                                  importe l'extraction de l'Annuaire Santé
  comptoir annuaire search [--base FICHIER] [--max N] TEXTE...    cherche (nom, profession, ville, RPPS, adresse…)
        [--en-ligne --cle-api FICHIER] [--fhir URL]                  complète avec l'API FHIR de l'Annuaire Santé
  comptoir annuaire info [--base FICHIER]                         décrit l'annuaire importé
  comptoir annuaire listeblanche import [--dest FICHIER] [--ca AC.pem] [--magasin CHEMIN] [--empreinte FICHIER|URL] FICHIER|URL
                                                                  met à jour la liste blanche (signée, ou non signée avec son empreinte)
`)
}

// newFlags returns a flag set that reports to stderr and never exits.
func newFlags(env *cliEnv, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	return fs
}

func basePath(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	return annuaire.DefaultPath()
}

// openBase opens the directory to read (search, info); a damaged one asks for a re-import.
func openBase(flagValue string) (*annuaire.Directory, string, error) {
	path, err := basePath(flagValue)
	if err != nil {
		return nil, "", err
	}
	d, err := annuaire.Open(path)
	if errors.Is(err, annuaire.ErrCorrupt) {
		d.Close()
		return nil, "", errors.New("annuaire endommagé ou d'une autre version : réimportez-le (« comptoir annuaire import FICHIER »)")
	}
	if err != nil {
		return nil, "", fmt.Errorf("ouverture de l'annuaire : %w", err)
	}
	return d, path, nil
}

func annuaireImport(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "annuaire import")
	base := fs.String("base", "", "fichier de l'annuaire (par défaut dans le dossier de données)")
	ca := fs.String("ca", "", "certificats d'AC (PEM) pour vérifier le serveur, si EXTRACTION est une adresse https://")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: un fichier d'extraction attendu", errUsage)
	}
	tlsConfig, err := caConfig(*ca)
	if err != nil {
		return err
	}
	path, err := basePath(*base)
	if err != nil {
		return err
	}
	d, err := annuaire.Open(path)
	if err != nil && !errors.Is(err, annuaire.ErrCorrupt) { // a damaged file is replaced
		return fmt.Errorf("ouverture de l'annuaire : %w", err)
	}
	defer d.Close()
	bar := &progressLine{w: env.stderr}
	opts := annuaire.ImportOptions{Progress: bar.update}
	var rep *annuaire.ImportReport
	if src := fs.Arg(0); strings.Contains(src, "://") {
		rep, err = d.ImportURL(ctx, src, tlsConfig, opts)
	} else {
		rep, err = d.Import(ctx, src, opts)
	}
	bar.done()
	switch {
	case errors.Is(err, annuaire.ErrInsecureURL):
		return errors.New("l'extraction ne se télécharge qu'en https://")
	case errors.Is(err, context.Canceled):
		return errors.New("import interrompu ; l'annuaire précédent est conservé")
	case errors.Is(err, annuaire.ErrBadArchive):
		return fmt.Errorf("archive ZIP illisible ou tronquée ; l'annuaire précédent est conservé (%v)", err)
	case err != nil:
		return fmt.Errorf("import impossible ; l'annuaire précédent est conservé : %w", err)
	}
	fmt.Fprintf(env.stdout, "Annuaire importé depuis %s : %s adresses, %s professionnels et structures, en %s.\n",
		rep.Source, app.FrenchCount(rep.Rows), app.FrenchCount(rep.Entries), rep.Duration.Round(100*time.Millisecond))
	if rep.NoHeader {
		fmt.Fprintln(env.stdout, "Attention : pas de ligne d'en-tête ; colonnes lues dans l'ordre attendu.")
	}
	if len(rep.HeaderMismatch) > 0 {
		fmt.Fprintf(env.stdout, "Attention : en-tête inattendu pour les colonnes %v ; colonnes lues dans l'ordre attendu.\n", rep.HeaderMismatch)
	}
	if rep.BadLines > 0 {
		fmt.Fprintf(env.stdout, "%s :\n", fr.Count(rep.BadLines, "ligne ignorée", "lignes ignorées"))
		for _, b := range rep.Bad {
			fmt.Fprintf(env.stdout, "  ligne %d : %s\n", b.Line, b.Reason)
		}
		if int64(len(rep.Bad)) < rep.BadLines {
			fmt.Fprintf(env.stdout, "  … et %s autre(s)\n", app.FrenchCount(rep.BadLines-int64(len(rep.Bad))))
		}
	}
	fmt.Fprintf(env.stdout, "Fichier : %s (%s Mo)\n", path, app.FrenchCount(rep.Size>>20))
	return nil
}

// progressLine draws one updating line on a terminal (carriage return), at most every 200 ms.
type progressLine struct {
	w    io.Writer
	last time.Time
	drew bool
}

func (p *progressLine) update(pr annuaire.Progress) {
	if time.Since(p.last) < 200*time.Millisecond && pr.Done != pr.Total {
		return
	}
	p.last = time.Now()
	pct := 0
	if pr.Total > 0 {
		pct = int(pr.Done * 100 / pr.Total)
	}
	var line string
	switch pr.Stage {
	case annuaire.StageReading:
		line = fmt.Sprintf("Lecture du fichier : %3d %% (%s / %s Mo)", pct, app.FrenchCount(pr.Done>>20), app.FrenchCount(pr.Total>>20))
	case annuaire.StageDownloading:
		line = fmt.Sprintf("Téléchargement : %s Mo", app.FrenchCount(pr.Done>>20))
	case annuaire.StageIndexing:
		line = fmt.Sprintf("Classement des entrées : %3d %% (%s / %s)", pct, app.FrenchCount(pr.Done), app.FrenchCount(pr.Total))
	default:
		line = fmt.Sprintf("Écriture de l'index : %3d %%", pct)
	}
	fmt.Fprintf(p.w, "\r%-60s", line)
	p.drew = true
}

func (p *progressLine) done() {
	if p.drew {
		fmt.Fprintln(p.w)
	}
}

func annuaireSearch(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "annuaire search")
	base := fs.String("base", "", "fichier de l'annuaire")
	limit := fs.Int("max", 20, "nombre maximal de résultats")
	online := fs.Bool("en-ligne", false, "interroger aussi l'API FHIR de l'Annuaire Santé")
	keyFile := fs.String("cle-api", "", "fichier contenant la clé ESANTE-API-KEY")
	fhirURL := fs.String("fhir", annuaire.DefaultFHIRBase, "adresse de l'API FHIR")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	query := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(query) == "" {
		return fmt.Errorf("%w: texte à chercher attendu", errUsage)
	}
	d, _, err := openBase(*base)
	if err != nil {
		return err
	}
	defer d.Close()
	var client *annuaire.FHIRClient
	if *online {
		if *keyFile == "" {
			return fmt.Errorf("%w: --en-ligne demande --cle-api FICHIER", errUsage)
		}
		key, err := os.ReadFile(*keyFile)
		if err != nil {
			return fmt.Errorf("lecture de la clé d'API : %w", err)
		}
		client = &annuaire.FHIRClient{BaseURL: *fhirURL, APIKey: strings.TrimSpace(string(key))}
	}
	start := time.Now()
	res, err := d.Lookup(ctx, query, *limit, client)
	elapsed := time.Since(start)
	switch {
	case errors.Is(err, annuaire.ErrNotImported):
		return errors.New("aucun annuaire importé : lancez « comptoir annuaire import FICHIER »")
	case errors.Is(err, annuaire.ErrOnline):
		fmt.Fprintf(env.stderr, "Annuaire en ligne indisponible (%v) ; résultats hors ligne seulement.\n", err)
	case err != nil:
		return fmt.Errorf("recherche impossible : %w", err)
	}
	if len(res) == 0 {
		fmt.Fprintf(env.stdout, "Aucun résultat pour « %s ».\n", query)
		return nil
	}
	for _, r := range res {
		printResult(env.stdout, r)
	}
	fmt.Fprintf(env.stdout, "%s en %s.\n", fr.Count(int64(len(res)), "résultat", "résultats"), elapsed.Round(100*time.Microsecond))
	return nil
}

func printResult(w io.Writer, r annuaire.Result) {
	parts := []string{r.DisplayName()}
	if r.Profession != "" {
		p := r.Profession
		if r.Specialty != "" {
			p += " (" + r.Specialty + ")"
		}
		parts = append(parts, p)
	}
	if t := r.Town(); t != "" {
		parts = append(parts, t)
	}
	if r.Identifier != "" {
		kind := "RPPS"
		if r.IDType == "0" {
			kind = "ADELI"
		}
		parts = append(parts, kind+" "+r.Identifier)
	}
	if r.Online {
		parts = append(parts, "en ligne")
	}
	fmt.Fprintln(w, strings.Join(parts, " — "))
	for _, m := range r.Mailboxes {
		where := m.Structure
		if m.Service != "" {
			where = strings.TrimSpace(where + " / " + m.Service)
		}
		addr := strings.Join(m.Lines, ", ")
		if where != "" && addr != "" {
			where += ", "
		}
		fmt.Fprintf(w, "    %-3s  %s  %s\n", m.Kind, m.Address, where+addr)
	}
}

func annuaireInfo(env *cliEnv, args []string) error {
	fs := newFlags(env, "annuaire info")
	base := fs.String("base", "", "fichier de l'annuaire")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	d, path, err := openBase(*base)
	if err != nil {
		return err
	}
	defer d.Close()
	info, ok := d.Info()
	if !ok {
		fmt.Fprintf(env.stdout, "Aucun annuaire importé (%s).\n", path)
		return nil
	}
	fmt.Fprintf(env.stdout, "Annuaire : %s\nImporté le %s depuis %s\n%s, %s, %s\n",
		info.Path, info.Imported.Local().Format("02/01/2006 15:04"), info.Source,
		fr.Count(info.Rows, "adresse", "adresses"), fr.Count(info.Entries, "professionnel ou structure", "professionnels et structures"),
		fr.Count(info.BadLines, "ligne ignorée", "lignes ignorées"))
	return nil
}

// caConfig loads CA certificates (PEM) to verify an HTTPS server; "" means system roots.
func caConfig(file string) (*tls.Config, error) {
	if file == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("lecture des certificats d'AC : %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("aucun certificat PEM dans %s", file)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

func annuaireTrustList(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "annuaire listeblanche import")
	dest := fs.String("dest", "", "fichier où enregistrer la liste (par défaut dans le dossier de données)")
	ca := fs.String("ca", "", "certificats d'AC (PEM) pour vérifier le serveur HTTPS")
	sum := fs.String("empreinte", "", "fichier ou adresse https:// de l'empreinte SHA-256 publiée (liste non signée)")
	trust := fs.String("magasin", "", "magasin de confiance IGC-Santé pour vérifier la signature, chemins séparés par « ; » (par défaut celui de la configuration)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: un fichier ou une adresse https:// attendu (officielle : %s)", errUsage, trustlist.OfficialURL)
	}
	path := *dest
	if path == "" {
		var err error
		if path, err = trustlist.DefaultPath(); err != nil {
			return err
		}
	}
	tlsConfig, err := caConfig(*ca)
	if err != nil {
		return err
	}
	// Without a trust store only an unsigned list with its checksum can be accepted.
	ts, tsErr := mail.LoadTrustStore(trustPaths(*trust)...)
	opts := trustlist.Options{Roots: ts.Roots, Intermediates: ts.Intermediates, TLSConfig: tlsConfig}
	list, err := trustlist.Refresh(ctx, trustlist.Source{List: fs.Arg(0), Checksum: *sum}, path, opts)
	if errors.Is(err, trustlist.ErrUntrustedSigner) && tsErr != nil {
		return fmt.Errorf("%s Magasin de confiance IGC-Santé illisible (--magasin) : %v", trustlist.UserMessage(err), tsErr)
	}
	if m := trustlist.UserMessage(err); m != "" {
		return fmt.Errorf("%s (%v)", m, err)
	} else if err != nil {
		return fmt.Errorf("mise à jour de la liste blanche impossible ; la liste précédente est conservée : %w", err)
	}
	how := "non signée, empreinte vérifiée"
	if list.Signed {
		how = "signée par " + list.Signer
	}
	fmt.Fprintf(env.stdout, "Liste blanche enregistrée : %s domaines de l'espace de confiance, générée le %s (%s), dans %s.\n",
		app.FrenchCount(int64(list.Domains.Len())), list.Generated.Local().Format("02/01/2006 15:04"), how, path)
	for _, n := range list.Notices(time.Now()) {
		fmt.Fprintln(env.stdout, "Attention : "+n)
	}
	return nil
}

// trustPaths are the trust store paths of flagValue ("a;b"), else of config.json, else
// the Cryptolib's Coffre.
func trustPaths(flagValue string) []string {
	var out []string
	for _, p := range strings.Split(flagValue, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		if cfg, _, err := loadConfig(""); err == nil {
			out = cfg.Operator.TrustStore
		}
	}
	if len(out) == 0 {
		out = mail.DefaultTrustPaths()
	}
	return out
}
