package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"comptoir/store"
)

// RenewedCardError: the holder's cache (its file is named by the national id) was sealed
// with another key: the card was renewed (same holder, new key pair), or the file was put
// there from another card. Open returns it and leaves the file as it is; StartAfresh sets it
// aside and opens a new cache, synchronised from the operator.
//
// What only the old cache holds can be read with the old card alone: the messages waiting
// in its outbox, the drafts, the patients typed at the counter, the reply templates, the
// dispensings and the audit journal. Setting aside keeps the file, so nothing is destroyed.
type RenewedCardError struct {
	Path       string // the holder's cache file
	NationalID string
	Err        error // wraps store.ErrWrongCard
}

func (e *RenewedCardError) Error() string {
	return fmt.Sprintf("session: the cache %s of %s was sealed by another card (renewed card?): %v", e.Path, e.NationalID, e.Err)
}

func (e *RenewedCardError) Unwrap() error { return e.Err }

// UserMessage is the French explanation of a cache the card cannot open, or "".
func UserMessage(err error) string {
	var re *RenewedCardError
	if errors.As(err, &re) {
		return "Cette carte CPS ne peut pas ouvrir le cache local de son titulaire : il a été chiffré avec une autre carte, " +
			"sans doute l'ancienne carte avant son renouvellement. Comptoir peut mettre l'ancien cache de côté (il est conservé) " +
			"et repartir de l'opérateur ; les messages qui attendaient d'être envoyés dans l'ancien cache ne pourront être lus " +
			"qu'avec l'ancienne carte."
	}
	return store.UserMessage(err)
}

// StartAfresh opens the session of cred, setting aside first the holder's cache if it was
// sealed by another card (a renewed card): the old file is renamed, never deleted, and a
// new cache is filled from the operator. aside is the old file's new name ("" when the cache
// opened as it was).
func StartAfresh(ctx context.Context, cred Credential, cfg Config) (s *Session, aside string, err error) {
	s, err = Open(ctx, cred, cfg)
	var re *RenewedCardError
	if !errors.As(err, &re) {
		return s, "", err
	}
	if aside, err = SetAside(re.Path, cfg.withDefaults().Now()); err != nil {
		return nil, "", err
	}
	cfg.withDefaults().Logger.Warn("cache of another card set aside", "aside", aside)
	s, err = Open(ctx, cred, cfg)
	return s, aside, err
}

// SetAside renames the cache file at path to <path>.ancienne-carte-<UTC time> (numbered if
// that name is taken) and returns the new name. The old card still opens it there.
func SetAside(path string, now time.Time) (string, error) {
	base := path + ".ancienne-carte-" + now.UTC().Format("20060102T150405Z")
	aside := base
	for i := 1; ; i++ {
		if _, err := os.Lstat(aside); errors.Is(err, os.ErrNotExist) {
			break
		}
		aside = fmt.Sprintf("%s-%d", base, i)
	}
	if err := os.Rename(path, aside); err != nil {
		return "", fmt.Errorf("session: set the cache aside: %w", err)
	}
	return aside, nil
}
