package mail

import (
	"errors"
	"time"

	"comptoir/store"
)

// Audit actions (ECO.4.1.x): every mailbox action leaves one entry with its author, the
// request sent to the server and a summary of its response — never message contents.
const (
	ActionLogin  = "login"
	ActionFetch  = "fetch"
	ActionRead   = "read"
	ActionFlags  = "flags"
	ActionSend   = "send"
	ActionDelete = "delete"
	ActionMDN    = "mdn"
)

func (e *Engine) audit(bal, action, request, response string, err error) {
	if err != nil {
		response = err.Error()
	}
	entry := store.AuditEntry{Time: time.Now(), Author: e.cfg.Author, BAL: bal, Action: action,
		Request: request, Response: response, OK: err == nil}
	switch aerr := e.cfg.Store.Audit(entry); {
	case errors.Is(aerr, store.ErrSealed) || errors.Is(aerr, store.ErrClosed):
		// The card was pulled (or the session closed) while this operation ended: the
		// cache locked at once, and nothing can be sealed into it any more. The lock
		// working is no failure.
		e.log.Info("audit entry not written: the cache is locked", "bal", bal, "action", action)
	case aerr != nil:
		e.log.Error("audit write failed", "bal", bal, "action", action, "err", aerr)
	}
}
