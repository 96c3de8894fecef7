package servertrust

import "errors"

// Refusals of a server chain; the TLS handshake fails with them, wrapped with detail.
var (
	// ErrRevoked: a certificate of the chain is listed in its issuer's CRL.
	ErrRevoked = errors.New("servertrust: server certificate revoked")
	// ErrNoCRL: no current, correctly signed CRL could be found for a certificate of the
	// chain (distribution point unreachable, CRL stale or badly signed, no distribution
	// point at all).
	ErrNoCRL = errors.New("servertrust: no current CRL for the server chain")
	// ErrNotServerCA: the server certificate was not issued by a CA allowed for servers.
	ErrNotServerCA = errors.New("servertrust: server certificate not issued by an IGC-Santé server CA")
	// ErrNotServerCert: the certificate does not carry the serverAuth extended key usage.
	ErrNotServerCert = errors.New("servertrust: certificate not meant for a TLS server (no serverAuth)")
	// ErrNoAnchors: the Verifier was built without trust anchors.
	ErrNoAnchors = errors.New("servertrust: no trust anchors configured")
)

// UserMessage returns the French sentence for a refusal of this package, or "" when err
// is none of them.
func UserMessage(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrRevoked):
		return "Le certificat du serveur de l'opérateur a été révoqué : la connexion est refusée. Prévenez votre opérateur MSSanté."
	case errors.Is(err, ErrNoCRL):
		return "Impossible de vérifier que le certificat du serveur de l'opérateur n'est pas révoqué (liste de révocation IGC-Santé introuvable ou périmée) : la connexion est refusée. Vérifiez l'accès à internet, puis réessayez."
	case errors.Is(err, ErrNotServerCA):
		return "Le certificat du serveur n'a pas été émis par l'autorité IGC-Santé des serveurs : ce n'est pas un serveur de l'espace de confiance MSSanté, la connexion est refusée."
	case errors.Is(err, ErrNotServerCert):
		return "Le serveur présente un certificat qui n'est pas un certificat de serveur : la connexion est refusée."
	case errors.Is(err, ErrNoAnchors):
		return "Aucun certificat racine IGC-Santé n'est configuré : indiquez le magasin de confiance dans les paramètres."
	}
	return ""
}
