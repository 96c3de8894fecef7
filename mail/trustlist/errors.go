package trustlist

import (
	"errors"

	"comptoir/mail/msg"
)

// Refusals; the stored list is kept whenever one of them is returned.
var (
	// ErrUnsigned: the list carries no signature and no matching checksum was given.
	ErrUnsigned = errors.New("trustlist: unsigned list without a published checksum")
	// ErrBadSignature: the signature is malformed, uses other algorithms than exclusive
	// C14N and RSA-SHA256, or does not match the content.
	ErrBadSignature = errors.New("trustlist: signature does not verify")
	// ErrUntrustedSigner: the signing certificate does not chain to the IGC-Santé anchors
	// through an ORGANISATIONS CA as of the list's DateDeGeneration.
	ErrUntrustedSigner = errors.New("trustlist: signer not trusted")
	// ErrChecksum: an unsigned list whose SHA-256 differs from the published checksum.
	ErrChecksum = errors.New("trustlist: checksum mismatch")
	// ErrMalformed: not a trust-space list (syntax, no domain, no or a future
	// DateDeGeneration, truncated elsewhere than after </ListeDomaines>, too large).
	ErrMalformed = errors.New("trustlist: malformed list")
	// ErrOlder: the list is older than the one stored.
	ErrOlder = errors.New("trustlist: older than the stored list")
	// ErrInsecureURL: the source is an URL other than https://.
	ErrInsecureURL = errors.New("trustlist: the list must be fetched over https")
	// ErrRedirect: the server redirected away from https.
	ErrRedirect = errors.New("trustlist: redirect away from https refused")
)

// UserMessage returns the French sentence for an error of this package, "" for others.
func UserMessage(err error) string {
	const kept = " La liste précédente est conservée."
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrUnsigned):
		return "La liste blanche téléchargée n'est pas signée et aucune empreinte publiée ne permet de la vérifier : elle est refusée." + kept
	case errors.Is(err, ErrBadSignature):
		return "La signature de la liste blanche ne correspond pas à son contenu : la liste a pu être falsifiée, elle est refusée." + kept
	case errors.Is(err, ErrUntrustedSigner):
		return "La liste blanche n'est pas signée par un certificat IGC-Santé de l'ANS : elle est refusée." + kept
	case errors.Is(err, ErrChecksum):
		return "L'empreinte de la liste blanche non signée ne correspond pas à celle publiée par l'ANS : elle est refusée." + kept
	case errors.Is(err, ErrOlder):
		return "La liste blanche téléchargée est plus ancienne que celle déjà enregistrée : elle est refusée." + kept
	case errors.Is(err, ErrMalformed), errors.Is(err, msg.ErrTrustList):
		return "Le fichier téléchargé n'est pas une liste blanche MSSanté lisible : il est refusé." + kept
	case errors.Is(err, ErrInsecureURL):
		return "La liste blanche ne se télécharge qu'en https://." + kept
	case errors.Is(err, ErrRedirect):
		return "Le serveur de la liste blanche a redirigé le téléchargement hors de https : il est refusé." + kept
	}
	return ""
}
