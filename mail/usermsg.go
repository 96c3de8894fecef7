package mail

import (
	"errors"
	"fmt"

	"comptoir/mail/servertrust"
)

// UserMessage returns a French sentence explaining a failure of DialIMAP, DialSMTP,
// Resolve or an Offline event, or "" when err is none of the known refusals (a network
// error: the caller says the operator is unreachable and that the client retries).
func UserMessage(err error) string {
	if m := servertrust.UserMessage(err); m != "" {
		return m
	}
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrServerTooLarge):
		return fmt.Sprintf("Le serveur de messagerie a envoyé un message de plus de %d Mo, au-delà de ce que Comptoir accepte : "+
			"la synchronisation est interrompue. Signalez-le à votre opérateur MSSanté.", maxBodySize>>20)
	case errors.Is(err, ErrNoTrustStore), errors.Is(err, ErrNoTrustAnchor):
		return "Aucun certificat racine IGC-Santé n'est configuré : indiquez le magasin de confiance (dossier Coffre de la Cryptolib CPS) dans les paramètres."
	case errors.Is(err, ErrSRVTarget):
		return "Le DNS annonce pour votre opérateur un serveur hors de son domaine : la connexion est refusée. Si ce serveur est le bon, indiquez-le explicitement dans les paramètres."
	case errors.Is(err, ErrNoService):
		return "Le DNS ne publie aucun serveur de messagerie pour ce domaine : indiquez les adresses IMAP et SMTP dans les paramètres."
	case errors.Is(err, ErrNoTLS), errors.Is(err, ErrNoExternal):
		return "Le serveur de messagerie ne propose pas de connexion sécurisée par carte : Comptoir ne s'y connecte pas."
	case errors.Is(err, ErrAuthRefused):
		return "Le serveur de messagerie a refusé la carte ou l'accès à cette boîte."
	}
	return ""
}
