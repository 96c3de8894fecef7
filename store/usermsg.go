package store

import (
	"errors"
	"fmt"
)

// UserMessage returns the French sentence to show a pharmacist for an error of this
// package, or "" if err is not one of its sentinels (the caller then shows its own).
func UserMessage(err error) string {
	var ce *CorruptError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ce) && ce.Aside != "":
		return fmt.Sprintf("Le cache local était endommagé ; il a été mis de côté (%s) et sera reconstruit depuis le serveur.", ce.Aside)
	case errors.Is(err, ErrLocked):
		return "Le cache est déjà utilisé par un autre Comptoir ouvert avec cette carte. Fermez-le puis réessayez."
	case errors.Is(err, ErrNotEnrolled), errors.Is(err, ErrSecretNotFound):
		return "La connexion e-CPS n'est pas encore activée pour le cache local de ce poste : connectez-vous une fois avec votre carte CPS."
	case errors.Is(err, ErrKeyringUnavailable):
		return "Le trousseau de mots de passe de votre session est inaccessible ou verrouillé : déverrouillez-le, ou connectez-vous avec votre carte CPS."
	case errors.Is(err, ErrNoCardKey):
		return "Ce cache local a été créé lors d'une connexion e-CPS et n'est pas encore lié à votre carte : le trousseau de votre session est nécessaire pour l'ouvrir."
	case errors.Is(err, ErrWrongCard):
		return "Ce cache appartient à une autre carte CPS : il ne peut pas être ouvert avec celle-ci."
	case errors.Is(err, ErrUnsupportedKey):
		return "Cette carte ne permet pas de protéger le cache local (clé RSA requise)."
	case errors.Is(err, ErrNewerSchema):
		return "Le cache a été créé par une version plus récente de Comptoir : mettez Comptoir à jour."
	case errors.Is(err, ErrDiskFull):
		return "Le disque est plein : la dernière opération n'a pas été enregistrée. Libérez de la place puis réessayez."
	case errors.Is(err, ErrCorrupt):
		return "Le cache local est endommagé. Comptoir peut le reconstruire depuis le serveur."
	case errors.Is(err, ErrSealed):
		return "Session verrouillée : insérez votre carte CPS pour continuer."
	case errors.Is(err, ErrClosed):
		return "Le cache local est fermé."
	case errors.Is(err, ErrNotFound):
		return "Élément introuvable dans le cache local."
	case errors.Is(err, ErrNoBody):
		return "Le contenu de ce message n'est pas encore téléchargé."
	}
	return ""
}
