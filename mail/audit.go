package mail

import (
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
	if aerr := e.cfg.Store.Audit(entry); aerr != nil {
		e.log.Error("audit write failed", "bal", bal, "action", action, "err", aerr)
	}
}
