package session

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"comptoir/app/config"
	"comptoir/app/fr"
	"comptoir/cps"
	"comptoir/mail"
	"comptoir/mail/provisioning"
	"comptoir/mail/trustlist"
)

// Verdict grades one diagnostic check.
type Verdict int

const (
	VerdictOK Verdict = iota
	VerdictInfo
	VerdictWarning
	VerdictProblem
)

// Check is one step of the diagnostic: what was checked, what was found, and what to do
// (Fix, when not OK), all in French.
type Check struct {
	Name, Detail, Fix string
	Verdict           Verdict
}

// Report is the diagnostic's steps in order.
type Report struct{ Checks []Check }

// Problems counts the checks that failed.
func (r Report) Problems() int {
	n := 0
	for _, c := range r.Checks {
		if c.Verdict == VerdictProblem {
			n++
		}
	}
	return n
}

func (r *Report) add(v Verdict, name, detail, fix string) {
	r.Checks = append(r.Checks, Check{Name: name, Detail: detail, Fix: fix, Verdict: v})
}

// DiagnoseInput is what the diagnostic checks. Only saved settings go in: a module path typed
// in a form is never loaded before it is saved.
type DiagnoseInput struct {
	// Settings are the configuration's layers (where each value comes from); SettingsErr a
	// file that could not be read (a problem; the readable layer is still checked).
	Settings    config.Layered
	SettingsErr error
	ModulePath  string      // the configured card module ("" = the ANS Cryptolib's places)
	Module      *cps.Module // already loaded (the app); nil: found and loaded from ModulePath
	// Card is a logged-in card: its certificate is checked and the logins are tried with it.
	Card *cps.Card
	// Operator is the configured operator section (addresses empty: DNS SRV).
	Operator mail.OperatorConfig
	Resolver mail.SRVResolver // nil: the system resolver
	APIURL   string           // the provisioning API ("" : not checked)
	// BALs to log in to with the card (the session's); none: the logins are not tried.
	BALs          []string
	Credentials   map[string]mail.Credentials // per-BAL overrides (APP BALs)
	TrustListPath string                      // the trust-space list file
	// TrustListDate is the list's generation date when known (else the file's time is used).
	TrustListDate     time.Time
	DirectoryImported time.Time // zero: the Annuaire Santé was never imported
	Now               func() time.Time
}

// Ages past which the diagnostic warns.
const (
	trustListMaxAge = 30 * 24 * time.Hour
	directoryMaxAge = 14 * 24 * time.Hour
	certWarnBefore  = 30 * 24 * time.Hour
)

// Diagnose runs every check of `comptoir doctor` and « Tester la connexion »: the card
// (module, readers, PIN state, certificate), then for the operator DNS/SRV, TCP, STARTTLS
// and the server's chain (revocation included) for IMAP and submission, the logins with the
// card for each BAL, the provisioning API, and the ages of the trust list and the directory.
// An unreachable operator is a problem.
func Diagnose(ctx context.Context, in DiagnoseInput) Report {
	if in.Now == nil {
		in.Now = time.Now
	}
	var r Report
	diagnoseSettings(&r, in)
	diagnoseCard(ctx, &r, in)
	op, ok := diagnoseServers(ctx, &r, in)
	if ok {
		diagnoseLogins(ctx, &r, in, op)
	}
	diagnoseAPI(ctx, &r, in, op)
	diagnoseFiles(&r, in)
	return r
}

// Diagnose runs the diagnostic with this session's card and BALs.
func (s *Session) Diagnose(ctx context.Context, in DiagnoseInput) Report {
	if c, ok := s.cred.(CardCredential); ok && in.Card == nil && s.check() == nil {
		in.Card = c.Card
	}
	if len(in.BALs) == 0 && s.check() == nil {
		in.Credentials = map[string]mail.Credentials{}
		p, isPSC := s.PSC()
		for _, b := range s.syncable() {
			in.BALs = append(in.BALs, b.Address)
			if cr, ok := s.balCredentials(b); ok {
				in.Credentials[b.Address] = cr
			} else if isPSC {
				in.Credentials[b.Address] = mail.Credentials{BAL: b.Address, Token: p}
			}
		}
	}
	if in.APIURL == "" {
		in.APIURL = s.cfg.APIURL
	}
	return Diagnose(ctx, in)
}

// diagnoseSettings names the operator and the layer its domain comes from (the
// workstation's file, deployed by IT, or the user's settings); a broken file is a problem.
func diagnoseSettings(r *Report, in DiagnoseInput) {
	const name = "Opérateur"
	switch d := in.Settings.Effective.Operator.Domain; {
	case in.SettingsErr != nil:
		detail := config.UserMessage(in.SettingsErr)
		if detail == "" {
			detail = in.SettingsErr.Error()
		}
		r.add(VerdictProblem, name, detail, "Corrigez ou supprimez le fichier indiqué, puis relancez le diagnostic.")
	case d == "":
		r.add(VerdictInfo, name, "aucun domaine configuré",
			"Saisissez le domaine de votre opérateur dans Paramètres, ou faites-le installer par votre prestataire (propriété OPERATOR_DOMAIN).")
	default:
		r.add(VerdictInfo, name, fmt.Sprintf("%s (%s)", d, in.Settings.Origin(config.KeyDomain)), "")
	}
}

func diagnoseCard(ctx context.Context, r *Report, in DiagnoseInput) {
	m := in.Module
	if m == nil {
		path, err := cps.FindModule(in.ModulePath)
		if err != nil {
			r.add(VerdictProblem, "Module de la carte CPS", "introuvable", cps.UserMessage(err))
			return
		}
		if m, err = cps.Open(path); err != nil {
			r.add(VerdictProblem, "Module de la carte CPS", path+" : ne se charge pas ("+err.Error()+")",
				"Réinstallez la Cryptolib CPS de l'ANS, ou corrigez le chemin du module dans les paramètres.")
			return
		}
		r.add(VerdictOK, "Module de la carte CPS", path, "")
	} else {
		r.add(VerdictOK, "Module de la carte CPS", "chargé", "")
	}
	readers, err := m.Readers(ctx)
	if err != nil {
		r.add(VerdictProblem, "Lecteurs de carte", "illisibles ("+err.Error()+")",
			"Vérifiez que le lecteur est branché et que son pilote (service pcscd sous Linux) est installé.")
		return
	}
	var present []cps.Reader
	for _, rd := range readers {
		if rd.CardPresent {
			present = append(present, rd)
		}
	}
	switch {
	case len(readers) == 0:
		r.add(VerdictProblem, "Lecteurs de carte", "aucun lecteur détecté",
			"Branchez le lecteur de carte et installez son pilote, puis relancez le diagnostic.")
		return
	case len(present) == 0:
		r.add(VerdictProblem, "Carte CPS", fr.Count(int64(len(readers)), "lecteur", "lecteurs")+", aucune carte insérée",
			"Insérez votre carte CPS dans le lecteur.")
		return
	}
	r.add(VerdictOK, "Lecteurs de carte", fr.Count(int64(len(readers)), "lecteur", "lecteurs")+", "+fr.Count(int64(len(present)), "carte", "cartes"), "")
	for _, rd := range present {
		st, err := m.PINState(ctx, rd.Slot)
		name := "Carte « " + rd.Label + " »"
		switch {
		case err != nil:
			r.add(VerdictWarning, name, "état du code PIN illisible ("+err.Error()+")", "Retirez et réinsérez la carte.")
		case st.Locked:
			r.add(VerdictProblem, name, "code PIN bloqué", cps.UserMessage(cps.ErrPINLocked))
		case st.FinalTry:
			r.add(VerdictWarning, name, "un seul essai de code PIN restant",
				"Vérifiez votre code PIN avant de le saisir : un code faux bloquera la carte.")
		case st.CountLow:
			r.add(VerdictWarning, name, "un code PIN faux a déjà été saisi", "Vérifiez votre code PIN avant de le saisir.")
		default:
			r.add(VerdictOK, name, "code PIN utilisable", "")
		}
	}
	if in.Card != nil {
		diagnoseLoggedIn(r, in.Card, in.Now())
	} else {
		r.add(VerdictInfo, "Code PIN et certificat", "non vérifiés sans connexion à la carte",
			"Lancez « comptoir doctor --login » (ou « Tester la connexion » une fois connecté) pour les vérifier.")
	}
}

// diagnoseLoggedIn checks a logged-in card: holder, certificate dates, situations, TLS
// capability and one real signature.
func diagnoseLoggedIn(r *Report, c *cps.Card, now time.Time) {
	id := c.Identity()
	r.add(VerdictOK, "Porteur de la carte", fmt.Sprintf("%s, %s (%s %s)", id.FullName(), id.Profession, id.IDType, id.Number), "")
	diagnoseCertificate(r, c.AuthCertificate(), now)
	if n := len(c.Situations()); n == 0 {
		r.add(VerdictWarning, "Situations d'exercice", "aucune sur la carte",
			"La création de boîtes aux lettres demandera la structure (FINESS) à la main ; faites mettre à jour la carte par l'ANS.")
	} else {
		r.add(VerdictOK, "Situations d'exercice", fmt.Sprintf("%d sur la carte", n), "")
	}
	if c.SupportsPSS() {
		r.add(VerdictOK, "Signature RSA-PSS", "disponible : connexions TLS 1.3 possibles", "")
	} else {
		r.add(VerdictInfo, "Signature RSA-PSS", "absente (carte CPS3) : les connexions se feront en TLS 1.2", "")
	}
	cert := c.AuthCertificate()
	digest := sha256.Sum256([]byte("comptoir doctor"))
	signer, ok := c.TLSCertificate().PrivateKey.(crypto.Signer)
	pub, okPub := cert.PublicKey.(*rsa.PublicKey)
	var err error
	switch {
	case !ok || !okPub:
		err = ErrNoSigner
	default:
		var sig []byte
		if sig, err = signer.Sign(nil, digest[:], crypto.SHA256); err == nil {
			err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
		}
	}
	switch {
	case errors.Is(err, cps.ErrCardRemoved):
		r.add(VerdictProblem, "Signature de la carte", "la carte a été retirée pendant la vérification", cps.UserMessage(err))
	case err != nil:
		r.add(VerdictProblem, "Signature de la carte", "incorrecte ("+err.Error()+")",
			"La carte est peut-être défectueuse : essayez-la sur un autre poste, puis contactez l'ANS.")
	default:
		r.add(VerdictOK, "Signature de la carte", "correcte (clé d'authentification)", "")
	}
}

func diagnoseCertificate(r *Report, c *x509.Certificate, now time.Time) {
	const name = "Certificat de la carte"
	switch {
	case c == nil:
		r.add(VerdictProblem, name, "absent", cps.UserMessage(cps.ErrObjectNotFound))
	case now.After(c.NotAfter):
		r.add(VerdictProblem, name, "expiré le "+c.NotAfter.Local().Format("02/01/2006"),
			"Votre carte CPS a expiré : utilisez la nouvelle carte envoyée par l'ANS.")
	case now.Before(c.NotBefore):
		r.add(VerdictProblem, name, "pas encore valide (à partir du "+c.NotBefore.Local().Format("02/01/2006")+")",
			"Vérifiez la date et l'heure du poste.")
	case c.NotAfter.Sub(now) < certWarnBefore:
		r.add(VerdictWarning, name, "expire le "+c.NotAfter.Local().Format("02/01/2006"),
			"Votre carte CPS expire bientôt : commandez son renouvellement à l'ANS.")
	default:
		r.add(VerdictOK, name, "valide jusqu'au "+c.NotAfter.Local().Format("02/01/2006")+" ("+c.Issuer.CommonName+")", "")
	}
}

// diagnoseServers resolves the operator and probes IMAP and submission up to the server's
// certificate.
func diagnoseServers(ctx context.Context, r *Report, in DiagnoseInput) (mail.Operator, bool) {
	res := in.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	op, err := in.Operator.Resolve(ctx, res)
	if err != nil {
		switch {
		case errors.Is(err, mail.ErrNoService):
			r.add(VerdictProblem, "Serveurs de l'opérateur", "le domaine « "+in.Operator.Domain+" » ne publie pas ses serveurs (DNS SRV)",
				"Saisissez les adresses IMAP et SMTP données par votre opérateur dans les paramètres.")
		case strings.Contains(err.Error(), "trust"):
			r.add(VerdictProblem, "Magasin de confiance IGC-Santé", "illisible ou absent ("+err.Error()+")",
				"Indiquez le magasin de confiance (certificats IGC-Santé de l'ANS) dans les paramètres.")
		default:
			r.add(VerdictProblem, "Serveurs de l'opérateur", "introuvables ("+err.Error()+")",
				"Vérifiez le domaine ou les adresses de l'opérateur dans les paramètres.")
		}
		return op, false
	}
	r.add(VerdictOK, "Serveurs de l'opérateur", op.IMAPAddr+" (IMAP), "+op.SMTPAddr+" (SMTP)", "")
	ok := true
	for _, svc := range []struct {
		s    mail.Service
		name string
	}{{mail.ServiceIMAP, "Serveur IMAP"}, {mail.ServiceSubmission, "Serveur SMTP de soumission"}} {
		p := op.Probe(ctx, svc.s)
		switch {
		case p.DNSErr != nil:
			r.add(VerdictProblem, svc.name, p.Addr+" : nom introuvable dans le DNS",
				"Vérifiez la connexion Internet du poste et l'adresse du serveur dans les paramètres.")
		case p.TCPErr != nil:
			r.add(VerdictProblem, svc.name, p.Addr+" : injoignable ("+shortErr(p.TCPErr)+")",
				"Vérifiez la connexion Internet et le pare-feu du poste ; si tout est en ordre, contactez votre opérateur.")
		case p.TLSErr != nil:
			r.add(VerdictProblem, svc.name, p.Addr+" : connexion sécurisée refusée ("+shortErr(p.TLSErr)+")",
				tlsFix(p.TLSErr))
		default:
			issuer := ""
			if p.ServerCert != nil {
				issuer = ", certificat émis par " + p.ServerCert.Issuer.CommonName
			}
			r.add(VerdictOK, svc.name, p.Addr+" : "+tlsName(p.TLSVersion)+issuer, "")
			continue
		}
		ok = false
	}
	return op, ok
}

func diagnoseLogins(ctx context.Context, r *Report, in DiagnoseInput, op mail.Operator) {
	if in.Card == nil && len(in.Credentials) == 0 {
		r.add(VerdictInfo, "Connexion aux boîtes aux lettres", "non vérifiée sans la carte",
			"Lancez « comptoir doctor --login » (ou « Tester la connexion » une fois connecté) pour l'essayer avec la carte.")
		return
	}
	for _, bal := range in.BALs {
		cr, ok := in.Credentials[bal]
		if !ok && in.Card != nil {
			cr = mail.Credentials{Cert: in.Card.TLSCertificate(), MaxTLS: in.Card.MaxTLSVersion()}
		}
		cr.BAL = bal
		c, _, err := op.DialIMAP(ctx, cr, nil)
		if err == nil {
			_ = c.Logout().Wait()
			c.Close()
			r.add(VerdictOK, "Connexion IMAP à "+bal, "acceptée", "")
		} else {
			r.add(VerdictProblem, "Connexion IMAP à "+bal, "refusée ("+shortErr(err)+")", loginFix(err))
		}
		sc, err := op.DialSMTP(ctx, cr)
		if err == nil {
			_ = sc.Quit()
			r.add(VerdictOK, "Envoi (SMTP) depuis "+bal, "authentification acceptée", "")
		} else {
			r.add(VerdictProblem, "Envoi (SMTP) depuis "+bal, "refusé ("+shortErr(err)+")", loginFix(err))
		}
	}
}

func diagnoseAPI(ctx context.Context, r *Report, in DiagnoseInput, op mail.Operator) {
	const name = "API de l'opérateur (création des BAL)"
	if in.APIURL == "" {
		r.add(VerdictInfo, name, "non configurée", "")
		return
	}
	if in.Card == nil {
		r.add(VerdictInfo, name, in.APIURL+" : non vérifiée sans la carte", "")
		return
	}
	cl, err := provisioning.New(provisioning.Config{BaseURL: in.APIURL, Certificate: in.Card.TLSCertificate(),
		Trust: op.Trust, RootCAs: op.RootCAs, MaxTLS: in.Card.MaxTLSVersion(), Timeout: 10 * time.Second})
	if err == nil {
		defer cl.Close()
		_, err = cl.BALs(ctx)
	}
	if err != nil {
		r.add(VerdictProblem, name, in.APIURL+" : "+shortErr(err),
			"Vérifiez l'adresse de l'API dans les paramètres ; si elle est juste, contactez votre opérateur.")
		return
	}
	r.add(VerdictOK, name, in.APIURL+" : répond", "")
}

func diagnoseFiles(r *Report, in DiagnoseInput) {
	now := in.Now()
	const tl = "Liste de l'espace de confiance"
	date := in.TrustListDate
	if fi, err := os.Stat(in.TrustListPath); in.TrustListPath == "" || err != nil {
		r.add(VerdictWarning, tl, "absente : les destinataires hors de l'espace de confiance ne sont pas signalés",
			"Mettez la liste à jour depuis les paramètres (« Mettre à jour la liste de confiance »).")
	} else {
		if info, err := trustlist.Stored(in.TrustListPath); date.IsZero() && err == nil {
			date = info.Generated // what the ANS generated, not when it was downloaded
		}
		if date.IsZero() {
			date = fi.ModTime()
		}
		if age := now.Sub(date); age > trustListMaxAge {
			r.add(VerdictWarning, tl, "datée du "+date.Local().Format("02/01/2006")+fmt.Sprintf(" (%d jours)", int(age.Hours()/24)),
				"Mettez la liste à jour depuis les paramètres.")
		} else {
			r.add(VerdictOK, tl, "datée du "+date.Local().Format("02/01/2006"), "")
		}
	}
	const dn = "Annuaire Santé"
	switch imp := in.DirectoryImported; {
	case imp.IsZero():
		r.add(VerdictWarning, dn, "jamais importé : pas de suggestions de destinataires",
			"Importez l'annuaire depuis les paramètres (« Mettre à jour l'annuaire »).")
	case now.Sub(imp) > directoryMaxAge:
		r.add(VerdictWarning, dn, "importé le "+imp.Local().Format("02/01/2006"), "Mettez l'annuaire à jour depuis les paramètres.")
	default:
		r.add(VerdictOK, dn, "importé le "+imp.Local().Format("02/01/2006"), "")
	}
}

func tlsName(v uint16) string {
	switch v {
	case 0x0304:
		return "TLS 1.3"
	case 0x0303:
		return "TLS 1.2"
	}
	return fmt.Sprintf("TLS 0x%04x", v)
}

func tlsFix(err error) string {
	switch {
	case errors.Is(err, mail.ErrRevoked):
		return "Le certificat du serveur est révoqué : ne vous connectez pas et prévenez votre opérateur."
	case errors.Is(err, mail.ErrNoTLS):
		return "Le serveur ne propose pas de connexion chiffrée : vérifiez l'adresse et le port (143 IMAP, 587 SMTP)."
	case errors.Is(err, mail.ErrNoTrustStore):
		return "Indiquez le magasin de confiance (certificats IGC-Santé de l'ANS) dans les paramètres."
	}
	return "Le certificat du serveur n'est pas reconnu : vérifiez le magasin de confiance IGC-Santé dans les paramètres et l'heure du poste."
}

func loginFix(err error) string {
	if errors.Is(err, mail.ErrAuthRefused) {
		return "L'opérateur refuse la carte pour cette boîte : vérifiez vos droits auprès de l'administrateur de la BAL."
	}
	if msg := cps.UserMessage(err); msg != "" {
		return msg
	}
	return "Réessayez ; si le problème persiste, contactez votre opérateur."
}

// shortErr keeps the last, most specific part of a wrapped error for the screen.
func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		return s[i+2:]
	}
	return s
}
