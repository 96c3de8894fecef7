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

func dsnKey(id string) string { return store.KeyOutboxDSN(id) }

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
				if err := s.ack(it, true); err != nil {
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
			if err := s.submit(sc, it); err != nil {
				var se *smtp.SMTPError
				if errors.As(err, &se) && se.Code >= 500 {
					_ = s.e.cfg.Store.OutboxFailed(it.ID, permanentPrefix+se.Error())
					s.e.emit(SendFailed{BAL: s.bal, MessageID: it.MessageID, Err: err})
					continue
				}
				return err
			}
		}
		if err := s.ack(it, false); err != nil {
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
	resp, err := sendData(sc, it, mailOpts, rcptOpts)
	action := ActionSend
	if it.From == "" {
		action = ActionMDN // read receipts, and only they, leave with the null sender
	}
	s.e.audit(s.bal, action, req, resp, err)
	if err != nil {
		_ = sc.Reset()
		return fmt.Errorf("mail: submit <%s>: %w", it.MessageID, err)
	}
	if err := s.e.cfg.Store.MarkSubmitted(it.ID); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	s.e.emit(Submitted{BAL: s.bal, MessageID: it.MessageID})
	return nil
}

// sendData runs the SMTP transaction and returns the server's reply to the message ("250 "
// and its text: the audit journal's response).
func sendData(sc *SMTPClient, it store.OutboxItem, mailOpts *smtp.MailOptions, rcptOpts *smtp.RcptOptions) (string, error) {
	if err := sc.Mail(it.From, mailOpts); err != nil {
		return "", err
	}
	for _, to := range it.To {
		if err := sc.Rcpt(to, rcptOpts); err != nil {
			return "", err
		}
	}
	w, err := sc.Data()
	if err != nil {
		return "", err
	}
	if _, err := w.Write(it.Raw); err != nil {
		w.Close()
		return "", err
	}
	resp, err := w.CloseWithResponse()
	if err != nil {
		return "", err
	}
	return "250 " + resp.StatusText, nil // CloseWithResponse accepts only 250
}

// ack files a submitted message in Sent (unless the server does, or it is there already)
// and removes it from the outbox.
func (s *session) ack(it store.OutboxItem, alreadyInSent bool) error {
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
