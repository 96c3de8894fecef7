package wire

import (
	"context"
	"fmt"
	"net"
	"time"

	"comptoir/app"
	"comptoir/cps"
	"comptoir/mail"
)

// Doctor runs the checks of "Tester la connexion": the card module and readers, the trust
// store, the operator's endpoints (configured or DNS SRV) and that they answer on the network.
type Doctor struct {
	// Module, when set, is the already loaded card module (a module is initialised once
	// per process); otherwise the configured or default one is found and loaded.
	Module *cps.Module
}

// Check runs every check on c; Name and Detail are in French.
func (d Doctor) Check(ctx context.Context, c app.Config) []app.Check {
	var out []app.Check
	add := func(name string, err error, okDetail string) bool {
		if err != nil {
			out = append(out, app.Check{Name: name, Detail: "échec (" + err.Error() + ")"})
			return false
		}
		out = append(out, app.Check{Name: name, Detail: okDetail, OK: true})
		return true
	}
	m := d.Module
	if m == nil {
		path, err := cps.FindModule(c.Module)
		if add("Module de la carte", err, path) {
			m, err = cps.Open(path)
			add("Chargement du module", err, "chargé")
		}
	}
	if m != nil {
		rs, err := m.Readers(ctx)
		n := 0
		for _, r := range rs {
			if r.CardPresent {
				n++
			}
		}
		if err == nil && len(rs) == 0 {
			err = fmt.Errorf("aucun lecteur détecté")
		}
		add("Lecteurs de carte", err, fmt.Sprintf("%d lecteur(s), %d carte(s)", len(rs), n))
	}
	paths := c.Operator.TrustStore
	if len(paths) == 0 {
		paths = mail.DefaultTrustPaths()
	}
	_, crls, err := mail.LoadTrust(paths...)
	add("Magasin de confiance IGC-Santé", err, fmt.Sprintf("%d liste(s) de révocation", len(crls)))
	oc := mail.OperatorConfig{Domain: c.Operator.Domain, IMAP: c.Operator.IMAP, SMTP: c.Operator.SMTP, TrustStore: c.Operator.TrustStore}
	op, err := oc.Resolve(ctx, net.DefaultResolver)
	if !add("Adresses de l'opérateur", err, op.IMAPAddr+" / "+op.SMTPAddr) {
		return out
	}
	for _, ep := range []struct{ name, addr string }{{"Serveur IMAP", op.IMAPAddr}, {"Serveur SMTP", op.SMTPAddr}} {
		d := net.Dialer{Timeout: 5 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", ep.addr)
		if err == nil {
			conn.Close()
		}
		add(ep.name, err, "joignable")
	}
	return out
}
