package bridge

import (
	"errors"
	"fmt"

	"comptoir/app"
	"comptoir/app/session"
	"comptoir/store"
)

// locked reports a call refused because the session is locked (the session core's
// ErrClosed, the sealed or closed cache) as app.ErrLocked, the cause kept for the log.
func locked(err error) error {
	if err == nil || errors.Is(err, app.ErrLocked) {
		return err
	}
	if errors.Is(err, session.ErrClosed) || errors.Is(err, store.ErrSealed) || errors.Is(err, store.ErrClosed) {
		return fmt.Errorf("%w: %w", app.ErrLocked, err)
	}
	return err
}
