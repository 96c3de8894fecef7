package main

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"comptoir/app/config"
	"comptoir/cps"
)

// doctorReport prints the checks of "comptoir doctor" and counts the problems.
type doctorReport struct {
	w        io.Writer
	problems int
}

func (r *doctorReport) ok(format string, a ...any) {
	fmt.Fprintf(r.w, "[OK]        %s\n", fmt.Sprintf(format, a...))
}

func (r *doctorReport) info(format string, a ...any) {
	fmt.Fprintf(r.w, "[INFO]      %s\n", fmt.Sprintf(format, a...))
}

func (r *doctorReport) warn(what, fix string) {
	fmt.Fprintf(r.w, "[ATTENTION] %s\n            Que faire : %s\n", what, fix)
}

func (r *doctorReport) problem(what, fix string) {
	r.problems++
	fmt.Fprintf(r.w, "[PROBLÈME]  %s\n            Que faire : %s\n", what, fix)
}

// runDoctor checks the card module, the readers and cards and, with --login, the card
// itself (PIN, certificate, a signature), and says in plain French what to fix.
func runDoctor(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	module := fs.String("module", "", "chemin du module PKCS#11 à vérifier")
	login := fs.Bool("login", false, "vérifie aussi le code PIN, le certificat et une signature (demande le code PIN)")
	slotFlag := fs.Int("slot", -1, "lecteur à vérifier avec --login quand plusieurs cartes sont insérées")
	label := fs.String("label", "", "carte à vérifier avec --login, par son nom")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	r := &doctorReport{w: env.stdout}
	fmt.Fprintln(env.stdout, "Diagnostic du poste Comptoir")
	if files, err := config.Default(); err != nil {
		r.problem(fmt.Sprintf("Dossier de configuration introuvable (%v)", err), "vérifiez la session de l'utilisateur")
	} else {
		checkConfig(r, files)
	}
	checkCard(ctx, env, r, *module, *login, *slotFlag, *label)
	if r.problems > 0 {
		return fmt.Errorf("%d problème(s) détecté(s) : suivez les indications « Que faire » ci-dessus", r.problems)
	}
	fmt.Fprintln(env.stdout, "Tout est en ordre.")
	return nil
}

// checkConfig shows the operator of the layered configuration and the file it comes from.
func checkConfig(r *doctorReport, files config.Files) {
	l, err := files.LoadLayers()
	if err != nil {
		r.problem(config.UserMessage(err), "corrigez ou supprimez le fichier indiqué, puis relancez « comptoir doctor »")
	}
	if d := l.Effective.Operator.Domain; d != "" {
		r.ok("Opérateur : %s (%s)", d, l.Origin(config.KeyDomain))
	} else {
		r.warn("Aucun opérateur configuré",
			"saisissez le domaine de votre opérateur dans Paramètres, ou faites-le installer par votre prestataire (propriété OPERATOR_DOMAIN de l'installateur)")
	}
}

func checkCard(ctx context.Context, env *cliEnv, r *doctorReport, flagModule string, login bool, slot int, label string) {
	configured := flagModule
	if configured == "" {
		configured = configuredModule()
	}
	path, err := cps.FindModule(configured)
	if err != nil {
		tried := err.Error()
		var nf *cps.ModuleNotFoundError
		if errors.As(err, &nf) {
			tried = "chemins essayés : " + strings.Join(nf.Tried, ", ")
		}
		fix := "installez la Cryptolib CPS de l'ANS (elle fournit le module de la carte), puis relancez « comptoir doctor »"
		if configured != "" {
			fix = "corrigez le chemin donné par --module ou « pkcs11_module » dans config.json, ou retirez-le pour utiliser la Cryptolib CPS"
		}
		r.problem("Module de la carte CPS introuvable ("+tried+")", fix)
		return
	}
	m, err := cps.Open(path)
	if err != nil {
		r.problem(fmt.Sprintf("Le module de la carte %s ne se charge pas (%v)", path, err),
			"réinstallez la Cryptolib CPS ; sur un système 64 bits, il faut la version 64 bits du module")
		return
	}
	r.ok("Module de la carte : %s", path)

	readers, err := m.Readers(ctx)
	if err != nil {
		r.problem(fmt.Sprintf("Les lecteurs de carte ne répondent pas (%v)", err),
			"débranchez et rebranchez le lecteur ; sous Linux, vérifiez que le service pcscd tourne (sudo systemctl start pcscd)")
		return
	}
	if len(readers) == 0 {
		r.problem("Aucun lecteur de carte détecté",
			"branchez le lecteur de cartes ; sous Linux, vérifiez que le service pcscd tourne (sudo systemctl start pcscd)")
		return
	}
	var present []cps.Reader
	for _, rd := range readers {
		if rd.CardPresent {
			present = append(present, rd)
		}
	}
	r.ok("%d lecteur(s), %d carte(s) insérée(s)", len(readers), len(present))
	if len(present) == 0 {
		r.problem("Aucune carte CPS dans le lecteur", "insérez votre carte CPS, puce en premier, puis relancez « comptoir doctor »")
		return
	}
	for _, rd := range present {
		st, err := m.PINState(ctx, rd.Slot)
		switch {
		case err != nil:
			r.problem(fmt.Sprintf("Carte « %s » illisible (%v)", rd.Label, err), "retirez la carte, nettoyez la puce et réinsérez-la")
		case st.Locked:
			r.problem(fmt.Sprintf("Carte « %s » : code PIN bloqué", rd.Label),
				"débloquez la carte avec son code PUK (outil « CPS Gestion » de la Cryptolib) ou commandez une nouvelle carte à l'ANS")
		case st.FinalTry:
			r.warn(fmt.Sprintf("Carte « %s » : un seul essai de code PIN restant", rd.Label),
				"saisissez le code avec soin : un code faux de plus bloquera la carte")
		case st.CountLow:
			r.warn(fmt.Sprintf("Carte « %s » : un code PIN faux a déjà été saisi", rd.Label),
				"vérifiez votre code avant la prochaine saisie (blocage au troisième code faux)")
		default:
			r.ok("Carte « %s » : code PIN utilisable", rd.Label)
		}
	}
	if !login {
		r.info("Relancez avec --login pour vérifier aussi le code PIN, le certificat et la signature")
		return
	}
	rd, err := pickCard(ctx, m, slot, label)
	if err != nil {
		r.problem(err.Error(), "précisez la carte avec --slot ou --label (voir « comptoir card »)")
		return
	}
	pin, err := readCardPIN(env, fmt.Sprintf("Code PIN de la carte « %s » : ", rd.Label))
	if err != nil {
		r.problem(err.Error(), "saisissez le code PIN à 4 chiffres de la carte")
		return
	}
	c, err := m.Login(ctx, rd.Slot, pin)
	clear(pin)
	if err != nil {
		r.problem(cardError(err).Error(), "retapez le code PIN de la carte ; en cas de doute, arrêtez avant le blocage")
		return
	}
	defer c.Close()
	checkLoggedIn(r, c)
}

// checkLoggedIn checks the logged-in card: holder, certificate dates, TLS capability and
// one real signature.
func checkLoggedIn(r *doctorReport, c *cps.Card) {
	id := c.Identity()
	r.ok("Porteur : %s, %s (%s %s)", id.FullName(), id.Profession, id.IDType, id.Number)
	cert := c.AuthCertificate()
	now := time.Now()
	switch {
	case now.After(cert.NotAfter):
		r.problem(fmt.Sprintf("Le certificat de la carte a expiré le %s", cert.NotAfter.Format("02/01/2006")),
			"demandez le renouvellement de votre carte CPS à l'ANS")
	case now.Before(cert.NotBefore):
		r.problem(fmt.Sprintf("Le certificat de la carte n'est valable qu'à partir du %s", cert.NotBefore.Format("02/01/2006")),
			"vérifiez la date et l'heure de l'ordinateur")
	case cert.NotAfter.Sub(now) < 30*24*time.Hour:
		r.warn(fmt.Sprintf("Le certificat de la carte expire le %s", cert.NotAfter.Format("02/01/2006")),
			"demandez dès maintenant le renouvellement de votre carte CPS")
	default:
		r.ok("Certificat valable jusqu'au %s (%s)", cert.NotAfter.Format("02/01/2006"), cert.Issuer.CommonName)
	}
	if len(c.Situations()) == 0 {
		r.warn("Aucune situation d'exercice sur la carte",
			"la création de boîtes aux lettres demandera la structure (FINESS) à la main ; faites mettre à jour la carte par l'ANS")
	} else {
		r.ok("%d situation(s) d'exercice sur la carte", len(c.Situations()))
	}
	if c.SupportsPSS() {
		r.ok("La carte signe en RSA-PSS : connexions TLS 1.3 possibles")
	} else {
		r.info("Carte sans RSA-PSS (CPS3) : les connexions se feront en TLS 1.2")
	}
	digest := sha256.Sum256([]byte("comptoir doctor"))
	signer := c.TLSCertificate().PrivateKey.(crypto.Signer)
	sig, err := signer.Sign(nil, digest[:], crypto.SHA256)
	if err == nil {
		err = rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, digest[:], sig)
	}
	switch {
	case errors.Is(err, cps.ErrCardRemoved):
		r.problem("La carte a été retirée pendant la vérification", "réinsérez la carte et relancez « comptoir doctor --login »")
	case err != nil:
		r.problem(fmt.Sprintf("La carte ne signe pas correctement (%v)", err),
			"la carte est peut-être défectueuse : essayez-la sur un autre poste, puis contactez l'ANS")
	default:
		r.ok("La carte signe correctement (clé d'authentification)")
	}
}
