package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrBroken means a config file cannot be read as a configuration: it is left untouched.
	ErrBroken = errors.New("config: file is not a valid configuration")
	// ErrLocked means Save was asked to change keys the machine file locks: nothing was written.
	ErrLocked = errors.New("config: key locked by the workstation configuration")
)

// BrokenError is a config file that is not valid JSON, or whose known key has the wrong type.
type BrokenError struct {
	Path string
	Line int    // 1-based line of a syntax error; 0 when unknown
	Key  string // the key of a type error; "" for a syntax error
	Err  error
}

func (e *BrokenError) Error() string {
	where := e.Path
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.Path, e.Line)
	}
	return fmt.Sprintf("config: %s is not a valid configuration: %v", where, e.Err)
}

func (e *BrokenError) Unwrap() []error { return []error{ErrBroken, e.Err} }

// brokenError builds a *BrokenError, with the line of a syntax error in raw.
func brokenError(path string, raw []byte, key string, err error) *BrokenError {
	e := &BrokenError{Path: path, Key: key, Err: err}
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset > 0 && int(se.Offset) <= len(raw) {
		e.Line = 1 + bytes.Count(raw[:se.Offset], []byte("\n"))
	}
	var te *typeError
	if errors.As(err, &te) {
		e.Key = te.Key
	}
	return e
}

// LockedError lists the keys Save was asked to change that the machine file locks.
type LockedError struct {
	Keys []string
}

func (e *LockedError) Error() string {
	return "config: locked by the workstation configuration: " + strings.Join(e.Keys, ", ")
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// keyNames are the French names of the keys, as the settings screen labels them.
var keyNames = map[string]string{
	KeyDomain:        "le domaine de l'opérateur",
	KeyIMAP:          "le serveur IMAP",
	KeySubmission:    "le serveur SMTP de soumission",
	KeyTrustStore:    "le magasin de confiance",
	KeyAPI:           "l'adresse de l'API de l'opérateur",
	KeyPSC:           "le serveur Pro Santé Connect",
	KeyModule:        "le module de la carte (PKCS#11)",
	KeyLanguage:      "la langue",
	KeyAutoLock:      "le délai de verrouillage",
	KeyPSCNationalID: "le numéro RPPS de la connexion e-CPS",
	KeyTheme:         "le thème",
	KeyTextSize:      "la taille du texte",
}

func keyName(k string) string {
	if n, ok := keyNames[k]; ok {
		return n
	}
	return "« " + k + " »"
}

// UserMessage returns the French sentence to show for an error of this package, or "" if err
// is not one of its sentinels (the caller then shows its own).
func UserMessage(err error) string {
	var be *BrokenError
	var le *LockedError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &be):
		where := ""
		switch {
		case be.Line > 0:
			where = fmt.Sprintf(" (ligne %d)", be.Line)
		case be.Key != "":
			where = fmt.Sprintf(" (valeur de « %s »)", be.Key)
		}
		return fmt.Sprintf("Le fichier de configuration %s est illisible%s. Comptoir ne l'a pas modifié : "+
			"corrigez-le ou supprimez-le, ou demandez-le à votre prestataire informatique. "+
			"En attendant, les réglages ne peuvent pas être enregistrés.", be.Path, where)
	case errors.As(err, &le):
		names := make([]string, len(le.Keys))
		for i, k := range le.Keys {
			names[i] = keyName(k)
		}
		return "Ce réglage est fixé par la configuration du poste et ne peut pas être modifié ici (" +
			strings.Join(names, ", ") + "). Adressez-vous à votre prestataire informatique."
	case errors.Is(err, ErrBroken):
		return "Le fichier de configuration est illisible. Comptoir ne l'a pas modifié : corrigez-le ou supprimez-le."
	case errors.Is(err, ErrLocked):
		return "Ce réglage est fixé par la configuration du poste et ne peut pas être modifié ici."
	}
	return ""
}
