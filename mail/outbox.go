package mail

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"comptoir/store"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-smtp"
)

// Outgoing is a built message for the outbox.
type Outgoing struct {
	BAL       string   // the BAL that sends (its worker submits it)
	MessageID string   // without angle brackets
	From      string   // envelope sender (MAIL FROM)
	To        []string // envelope recipients
	Raw       []byte
	DSN       *DSN // nil: no delivery status notification requested
}

// DSN is an RFC 3461 request, carried as MAIL FROM / RCPT TO parameters.
type DSN struct {
	Notify     []string `json:"notify"` // SUCCESS, FAILURE, DELAY (or NEVER)
	Return     string   `json:"ret"`    // HDRS or FULL
	EnvelopeID string   `json:"envid"`
}

// submittingMark is the LastError recorded just before a submission attempt: finding it on
// an item not marked submitted means the process stopped while the server was answering.
const submittingMark = "submitting"

// permanentPrefix marks an item the server refused for good; it is not retried by itself.
const permanentPrefix = "refused: "

// temporaryPrefix marks an item whose last attempt failed before the server took it; it is
// retried.
const temporaryPrefix = "not sent: "

func dsnKey(id string) string { return store.KeyOutboxDSN(id) }

// ErrSubmitted: the outbox item was handed to the operator, or may have been (the process
// stopped while the server answered, or a submission is under way): it can no longer be
// cancelled.
var ErrSubmitted = errors.New("mail: the message was already handed to the operator")

// ErrNoOutboxItem: the outbox holds no such item (sent, or cancelled meanwhile).
var ErrNoOutboxItem = errors.New("mail: no such outbox item")

// OutboxDSN is the delivery-status request of an outbox item (nil when none was asked).
func (e *Engine) OutboxDSN(id string) *DSN {
	b, err := e.cfg.Store.Setting(dsnKey(id))
	if err != nil || len(b) == 0 {
		return nil
	}
	var d DSN
	if json.Unmarshal(b, &d) != nil {
		return nil
	}
	return &d
}

// CancelOutbox takes a message out of the outbox before it is submitted and returns it (to
// edit it). A submission under way, an item marked submitted, or one whose last attempt has
// an unknown outcome cannot be cancelled (ErrSubmitted): it may be at the operator already.
// The worker claims an item under the same lock before submitting it, so an item is either
// cancelled or submitted, never both.
func (e *Engine) CancelOutbox(id string) (store.OutboxItem, error) {
	e.opsMu.Lock()
	defer e.opsMu.Unlock()
	if e.submitting[id] {
		return store.OutboxItem{}, ErrSubmitted
	}
	it, ok, err := e.outboxItem(id)
	if err != nil {
		return store.OutboxItem{}, err
	}
	if !ok {
		return store.OutboxItem{}, ErrNoOutboxItem
	}
	if it.Submitted || it.LastError == submittingMark {
		return store.OutboxItem{}, ErrSubmitted
	}
	if err := e.cfg.Store.Ack(id); err != nil {
		return store.OutboxItem{}, fmt.Errorf("mail: cancel: %w", err)
	}
	_ = e.cfg.Store.SetSetting(dsnKey(id), nil)
	e.audit(it.BAL, ActionSend, fmt.Sprintf("outbox cancel Message-ID <%s>", it.MessageID), "removed", nil)
	e.emitOutboxCount()
	return it, nil
}

func (e *Engine) outboxItem(id string) (store.OutboxItem, bool, error) {
	items, err := e.cfg.Store.Outbox()
	if err != nil {
		return store.OutboxItem{}, false, fmt.Errorf("mail: outbox: %w", err)
	}
	for _, it := range items {
		if it.ID == id {
			return it, true, nil
		}
	}
	return store.OutboxItem{}, false, nil
}

// claim marks an item as being submitted, unless it was cancelled meanwhile.
func (e *Engine) claim(id string) (bool, error) {
	e.opsMu.Lock()
	defer e.opsMu.Unlock()
	if _, ok, err := e.outboxItem(id); err != nil || !ok {
		return false, err
	}
	if e.submitting == nil {
		e.submitting = map[string]bool{}
	}
	e.submitting[id] = true
	return true, nil
}

func (e *Engine) release(id string) {
	e.opsMu.Lock()
	delete(e.submitting, id)
	e.opsMu.Unlock()
}

// Queue stores o durably in the outbox and wakes the BAL's worker; the message is submitted
// when the BAL is online (now, or on reconnection). Returns the outbox item id.
func (e *Engine) Queue(o Outgoing) (string, error) {
	if o.BAL == "" || o.MessageID == "" || len(o.To) == 0 || len(o.Raw) == 0 {
		return "", errors.New("mail: queue: BAL, Message-ID, recipients and message are required")
	}
	id := rand.Text()
	if o.DSN != nil {
		b, err := json.Marshal(o.DSN)
		if err != nil {
			return "", err
		}
		if err := e.cfg.Store.SetSetting(dsnKey(id), b); err != nil {
			return "", fmt.Errorf("mail: queue: %w", err)
		}
	}
	item := store.OutboxItem{ID: id, BAL: o.BAL, MessageID: o.MessageID, From: o.From, To: o.To, Raw: o.Raw, Queued: time.Now()}
	if err := e.cfg.Store.Enqueue(item); err != nil {
		return "", fmt.Errorf("mail: queue: %w", err)
	}
	e.emitOutboxCount()
	if w := e.worker(o.BAL); w != nil {
		w.poke(wantOutbox)
	}
	return id, nil
}

// flushOutbox submits the BAL's queued messages. An item already submitted (the process
// stopped before it was filed) is only filed in Sent; an item whose last attempt has an
// unknown outcome is first looked up by Message-ID in Sent: never twice, never lost.
func (s *session) flushOutbox(ctx context.Context) error {
	items, err := s.e.cfg.Store.Outbox()
	if err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	var sc *SMTPClient
	defer func() {
		if sc != nil {
			_ = sc.Quit()
		}
	}()
	for _, it := range items {
		if it.BAL != s.bal || strings.HasPrefix(it.LastError, permanentPrefix) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !it.Submitted && it.Attempts > 0 {
			found, err := s.inSent(it.MessageID)
			if err != nil {
				return err
			}
			if found {
				if err := s.e.cfg.Store.MarkSubmitted(it.ID); err != nil {
					return fmt.Errorf("mail: outbox: %w", err)
				}
				if err := s.ack(ctx, it, true); err != nil {
					return err
				}
				continue
			}
		}
		if !it.Submitted {
			if sc == nil {
				var resp string
				sc, resp, err = s.e.cfg.Operator.dialSMTP(ctx, s.w.cred)
				s.e.audit(s.bal, ActionLogin, fmt.Sprintf("SMTP %s AUTH %s authzid=%s", s.e.cfg.Operator.SMTPAddr, s.w.cred.mechanism(), s.bal), resp, err)
				if err != nil {
					return err
				}
			}
			claimed, err := s.e.claim(it.ID)
			if err != nil {
				return err
			}
			if !claimed {
				continue // cancelled meanwhile
			}
			err = s.submit(sc, it)
			s.e.release(it.ID)
			if err != nil {
				var se *smtp.SMTPError
				if errors.As(err, &se) && se.Code >= 500 {
					_ = s.e.cfg.Store.OutboxFailed(it.ID, permanentPrefix+se.Error())
					s.e.emit(SendFailed{BAL: s.bal, MessageID: it.MessageID, Err: err})
					continue
				}
				return err
			}
		}
		if err := s.ack(ctx, it, false); err != nil {
			return err
		}
	}
	return nil
}

func (s *session) submit(sc *SMTPClient, it store.OutboxItem) error {
	var dsn *DSN
	if b, err := s.e.cfg.Store.Setting(dsnKey(it.ID)); err == nil && len(b) > 0 {
		dsn = &DSN{}
		if err := json.Unmarshal(b, dsn); err != nil {
			dsn = nil
		}
	}
	mailOpts := &smtp.MailOptions{}
	var rcptOpts *smtp.RcptOptions
	dsnOK, _ := sc.Extension("DSN")
	if dsn != nil && dsnOK {
		mailOpts.Return = smtp.DSNReturn(dsn.Return)
		mailOpts.EnvelopeID = dsn.EnvelopeID
		rcptOpts = &smtp.RcptOptions{}
		for _, n := range dsn.Notify {
			rcptOpts.Notify = append(rcptOpts.Notify, smtp.DSNNotify(n))
		}
	}
	// Recorded before DATA: if the process dies while the server answers, the restart knows
	// the outcome is unknown and looks in Sent first.
	if err := s.e.cfg.Store.OutboxFailed(it.ID, submittingMark); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	req := fmt.Sprintf("SMTP MAIL FROM:<%s> RCPT TO:%d recipients DSN=%v Message-ID <%s> (%d bytes)", it.From, len(it.To), dsn != nil && dsnOK, it.MessageID, len(it.Raw))
	resp, notSent, err := sendData(sc, it, mailOpts, rcptOpts)
	action := ActionSend
	if it.From == "" {
		action = ActionMDN // read receipts, and only they, leave with the null sender
	}
	s.e.audit(s.bal, action, req, resp, err)
	if err != nil {
		_ = sc.Reset()
		if notSent {
			// The server certainly did not take it: the item may still be cancelled.
			_ = s.e.cfg.Store.OutboxFailed(it.ID, temporaryPrefix+err.Error())
		}
		return fmt.Errorf("mail: submit <%s>: %w", it.MessageID, err)
	}
	if err := s.e.cfg.Store.MarkSubmitted(it.ID); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	s.e.emit(Submitted{BAL: s.bal, MessageID: it.MessageID})
	return nil
}

// sendData runs one SMTP transaction and returns the server's reply to the message ("250 "
// and its text: the audit journal's response). notSent is true when the server certainly
// did not accept the message: a failure before the end of DATA, or an SMTP reply refusing
// it; a connection lost while the server answers DATA leaves the outcome unknown.
func sendData(sc *SMTPClient, it store.OutboxItem, mailOpts *smtp.MailOptions, rcptOpts *smtp.RcptOptions) (resp string, notSent bool, err error) {
	if err := sc.Mail(it.From, mailOpts); err != nil {
		return "", true, err
	}
	for _, to := range it.To {
		if err := sc.Rcpt(to, rcptOpts); err != nil {
			return "", true, err
		}
	}
	w, err := sc.Data()
	if err != nil {
		return "", true, err
	}
	if _, err := w.Write(it.Raw); err != nil {
		w.Close()
		return "", true, err
	}
	r, err := w.CloseWithResponse()
	if err != nil {
		var se *smtp.SMTPError
		return "", errors.As(err, &se), err
	}
	return "250 " + r.StatusText, false, nil // CloseWithResponse accepts only 250
}

// ack files a submitted message in Sent (unless the server does, or it is there already)
// and removes it from the outbox.
func (s *session) ack(ctx context.Context, it store.OutboxItem, alreadyInSent bool) error {
	if !alreadyInSent && !s.e.cfg.ServerSavesSent {
		found, err := s.inSent(it.MessageID)
		if err != nil {
			return err
		}
		if !found {
			if err := s.appendSent(it); err != nil {
				return err
			}
		}
	}
	if err := s.e.cfg.Store.Ack(it.ID); err != nil {
		return fmt.Errorf("mail: outbox ack: %w", err)
	}
	_ = s.e.cfg.Store.SetSetting(dsnKey(it.ID), nil)
	// The message shows in Sent at once, not at the next pass.
	if sent := s.sentFolder(); sent != "" {
		if err := s.syncFolder(ctx, sent); err != nil {
			s.e.log.Warn("sync Sent after sending", "bal", s.bal, "err", err)
		}
	}
	s.e.emit(Sent{BAL: s.bal, MessageID: it.MessageID})
	s.e.emitOutboxCount()
	return nil
}

func (s *session) sentFolder() string {
	return s.folderBySpecialUse(imap.MailboxAttrSent, "Sent")
}

// inSent looks the Message-ID up in the Sent folder.
func (s *session) inSent(messageID string) (bool, error) {
	sent := s.sentFolder()
	if sent == "" {
		return false, nil
	}
	if s.selected != sent {
		if _, err := s.selectFolder(sent); err != nil {
			return false, err
		}
	}
	crit := &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: "<" + messageID + ">"}}}
	data, err := s.c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return false, fmt.Errorf("mail: search Sent for <%s>: %w", messageID, err)
	}
	return len(data.AllUIDs()) > 0, nil
}

func (s *session) appendSent(it store.OutboxItem) error {
	sent := s.sentFolder()
	if sent == "" {
		return nil
	}
	s.rec.start()
	cmd := s.c.Append(sent, int64(len(it.Raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Time: time.Now()})
	_, werr := cmd.Write(it.Raw)
	cerr := cmd.Close()
	_, err := cmd.Wait()
	err = errors.Join(werr, cerr, err)
	s.e.audit(s.bal, ActionSend, fmt.Sprintf("APPEND %s Message-ID <%s> (%d bytes)", sent, it.MessageID, len(it.Raw)), s.rec.stop(), err)
	if err != nil {
		return fmt.Errorf("mail: APPEND to %s: %w", sent, err)
	}
	return nil
}
