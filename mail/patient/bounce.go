package patient

import (
	"strings"
)

// ExplainBounce explains, in plain French, why Mon Espace Santé did not deliver a
// message. status is the DSN status code ("5.1.1", as in the report's Status field, with
// or without a leading SMTP code); diagnostic is the Diagnostic-Code text, used only when
// the status is too generic to tell. The text never repeats the diagnostic itself.
func ExplainBounce(status, diagnostic string) string {
	code := statusCode(status)
	if strings.HasPrefix(code, "4.") {
		return "Mon Espace Santé n'a pas encore pu remettre le message ; de nouvelles tentatives sont en cours. " +
			"Aucune action n'est nécessaire pour l'instant."
	}
	switch code {
	case "5.1.1", "5.1.0", "5.1.6":
		return "Le patient est inconnu de Mon Espace Santé : son INS ne correspond à aucune messagerie patient. " +
			"Vérifiez le matricule INS et l'identité du patient."
	case "5.2.1":
		return "La messagerie Mon Espace Santé de ce patient est fermée ou désactivée : le message n'a pas été remis. " +
			"Contactez le patient par un autre moyen."
	case "5.2.2":
		return "La messagerie Mon Espace Santé de ce patient est pleine : le message n'a pas été remis. " +
			"Vous pourrez le renvoyer plus tard ou contacter le patient par un autre moyen."
	case "5.3.4", "5.2.3":
		return "Le message est trop volumineux pour Mon Espace Santé (25 Mo au plus, pièces jointes comprises). " +
			"Réduisez ou retirez des pièces jointes puis renvoyez-le."
	}
	d := strings.ToLower(diagnostic)
	switch {
	case containsAny(d, "unknown", "no such user", "inconnu", "not found", "does not exist"):
		return ExplainBounce("5.1.1", "")
	case containsAny(d, "quota", "full", "plein"):
		return ExplainBounce("5.2.2", "")
	case containsAny(d, "disabled", "closed", "inactive", "ferm", "désactiv"):
		return ExplainBounce("5.2.1", "")
	case containsAny(d, "too large", "too big", "size", "taille", "volumineux"):
		return ExplainBounce("5.3.4", "")
	}
	return "Mon Espace Santé n'a pas pu remettre le message au patient. " +
		"Vérifiez l'adresse du patient ; si le problème persiste, contactez votre opérateur de messagerie."
}

// statusCode extracts the "class.subject.detail" code from a Status field or an SMTP
// reply such as "550 5.1.1 User unknown".
func statusCode(s string) string {
	for _, f := range strings.Fields(s) {
		parts := strings.Split(f, ".")
		if len(parts) == 3 && isDigits(parts[0]) && isDigits(parts[1]) && isDigits(parts[2]) {
			return strings.TrimLeft(parts[0], "0") + "." + trimNum(parts[1]) + "." + trimNum(parts[2])
		}
	}
	return ""
}

func trimNum(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" {
		return "0"
	}
	return t
}

func isDigits(s string) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
