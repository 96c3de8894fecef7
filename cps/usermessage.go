package cps

import (
	"errors"
	"strings"
)

// Message ids of the card errors a user can act on (MessageID). The app translates them for
// its other languages; UserMessage gives the French text, the one source of it for the app
// and the command line.
const (
	MsgPINLocked      = "pin_locked"
	MsgPINFinalTry    = "pin_final_try"
	MsgPINCountLow    = "pin_count_low"
	MsgPINIncorrect   = "pin_incorrect"
	MsgCardRemoved    = "card_removed"
	MsgNoCard         = "no_card"
	MsgModuleNotFound = "module_not_found"
	MsgNoCertificate  = "no_certificate"
	MsgMechanism      = "mechanism"
)

// MessageID names the user-facing state err reports ("" when err is not one of ours).
func MessageID(err error) string {
	var pe *PINError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrPINLocked), errors.As(err, &pe) && pe.State.Locked:
		return MsgPINLocked
	case errors.As(err, &pe) && pe.State.FinalTry:
		return MsgPINFinalTry
	case errors.As(err, &pe) && pe.State.CountLow:
		return MsgPINCountLow
	case errors.Is(err, ErrPINIncorrect):
		return MsgPINIncorrect
	case errors.Is(err, ErrCardRemoved):
		return MsgCardRemoved
	case errors.Is(err, ErrNoCard):
		return MsgNoCard
	case errors.Is(err, ErrModuleNotFound):
		return MsgModuleNotFound
	case errors.Is(err, ErrObjectNotFound):
		return MsgNoCertificate
	case errors.Is(err, ErrMechanism):
		return MsgMechanism
	}
	return ""
}

// UserMessage is the French sentence for a card error, saying what to do ("" when err is not
// one of this package's states). A missing module lists the paths tried.
func UserMessage(err error) string {
	switch MessageID(err) {
	case MsgPINLocked:
		return "Votre carte CPS est bloquée : le code PIN a été saisi faux trop de fois. " +
			"Débloquez-la avec son code PUK (outil « CPS Gestion » de la Cryptolib) ou commandez une nouvelle carte à l'ANS."
	case MsgPINFinalTry:
		return "Code PIN incorrect. Attention : dernier essai, un nouveau code faux bloquera la carte."
	case MsgPINCountLow:
		return "Code PIN incorrect. Attention : il reste peu d'essais avant le blocage de la carte."
	case MsgPINIncorrect:
		return "Code PIN incorrect. Vérifiez-le avant de réessayer : la carte se bloque après trois codes faux."
	case MsgCardRemoved:
		return "La carte a été retirée pendant l'opération : réinsérez-la et recommencez."
	case MsgNoCard:
		return "Aucune carte dans le lecteur : insérez votre carte CPS."
	case MsgModuleNotFound:
		tried := ""
		var nf *ModuleNotFoundError
		if errors.As(err, &nf) && len(nf.Tried) > 0 {
			tried = " (chemins essayés : " + strings.Join(nf.Tried, ", ") + ")"
		}
		return "Module de carte introuvable" + tried + " : installez la Cryptolib CPS de l'ANS, " +
			"ou indiquez le chemin du module dans les paramètres (« pkcs11_module » de config.json)."
	case MsgNoCertificate:
		return "Cette carte ne contient pas de certificat CPS utilisable."
	case MsgMechanism:
		return "Cette carte ne sait pas faire la signature demandée (carte CPS3 : TLS 1.2 seulement)."
	}
	return ""
}
