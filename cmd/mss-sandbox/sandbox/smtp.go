package sandbox

import (
	"bytes"
	"errors"
	"io"
	netmail "net/mail"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

type smtpBackend struct{ srv *Server }

func (b *smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{srv: b.srv, conn: c}, nil
}

// smtpSession is one submission connection: EXTERNAL (card) or XOAUTH2/OAUTHBEARER (Pro
// Santé Connect token) authentication after TLS, then envelopes whose sender the holder may
// use and whose recipients are inside the trust space.
type smtpSession struct {
	srv    *Server
	conn   *smtp.Conn
	holder *holder
	from   string
	// mailSeen: MAIL was accepted. from alone cannot tell, since reports (MDN) use the
	// null sender "<>".
	mailSeen bool
	envID    string
	rcpts    []envRcpt
}

var _ smtp.AuthSession = (*smtpSession)(nil)

func smtpErr(code int, ec smtp.EnhancedCode, msg string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: ec, Message: msg}
}

func (s *smtpSession) AuthMechanisms() []string {
	return []string{sasl.External, mechXOAUTH2, mechOAUTHBEARER}
}

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	mech = strings.ToUpper(mech)
	if mech != sasl.External && mech != mechXOAUTH2 && mech != mechOAUTHBEARER {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	cs, ok := s.conn.TLSConnectionState()
	if !ok {
		return nil, smtp.ErrAuthRequired
	}
	if mech != sasl.External {
		return newOAuthServer(mech, s.oauthLogin), nil
	}
	h, err := s.srv.verifier.peerHolder(cs)
	if err != nil {
		s.srv.log.Info("smtp: certificate refused", "err", err)
		return nil, smtp.ErrAuthFailed
	}
	return sasl.NewExternalServer(func(authzid string) error {
		if authzid != "" {
			if _, err := s.srv.authorize(h, authzid); err != nil {
				s.srv.log.Info("smtp: authorization refused", "holder", h.ID, "bal", authzid, "err", err)
				return smtpErr(535, smtp.EnhancedCode{5, 7, 8}, "Authorization failed: "+err.Error())
			}
		}
		s.holder = &h
		return nil
	}), nil
}

// oauthLogin checks a token and, when authzid is set, the holder's right on that BAL.
func (s *smtpSession) oauthLogin(authzid, token string) error {
	h, err := s.srv.tokenHolder(token)
	if err != nil {
		s.srv.log.Info("smtp: token refused", "err", err)
		return smtpErr(535, smtp.EnhancedCode{5, 7, 8}, "Token refused")
	}
	if authzid != "" && !strings.EqualFold(authzid, h.ID) {
		if _, err := s.srv.authorize(h, authzid); err != nil {
			s.srv.log.Info("smtp: authorization refused", "holder", h.ID, "bal", authzid, "err", err)
			return smtpErr(535, smtp.EnhancedCode{5, 7, 8}, "Authorization failed: "+err.Error())
		}
	}
	s.holder = &h
	return nil
}

func (s *smtpSession) Mail(from string, opts *smtp.MailOptions) error {
	if s.holder == nil {
		return smtp.ErrAuthRequired
	}
	from = strings.ToLower(from)
	if from == "" {
		// Null sender (RFC 8098 read receipts): the header's From is checked at DATA instead.
		s.from, s.mailSeen = "", true
		if opts != nil {
			s.envID = opts.EnvelopeID
		}
		return nil
	}
	if _, err := s.srv.authorize(*s.holder, from); err != nil {
		s.srv.log.Info("smtp: sender refused", "holder", s.holder.ID, "from", from, "err", err)
		return smtpErr(553, smtp.EnhancedCode{5, 7, 1}, "Sender address not allowed for this certificate")
	}
	s.from, s.mailSeen = from, true
	if opts != nil {
		s.envID = opts.EnvelopeID
	}
	return nil
}

func (s *smtpSession) Rcpt(to string, opts *smtp.RcptOptions) error {
	if !s.mailSeen {
		return smtpErr(503, smtp.EnhancedCode{5, 5, 1}, "MAIL first")
	}
	to = strings.ToLower(to)
	_, domain, ok := strings.Cut(to, "@")
	if !ok {
		return smtpErr(501, smtp.EnhancedCode{5, 1, 3}, "Bad recipient address")
	}
	if !s.srv.inTrustSpace(domain) {
		s.srv.log.Info("smtp: recipient outside the trust space", "domain", domain)
		return smtpErr(550, smtp.EnhancedCode{5, 7, 1}, "Recipient domain is outside the MSSanté trust space")
	}
	r := envRcpt{addr: to}
	if opts != nil {
		r.notify, r.orcpt = opts.Notify, opts.OriginalRecipient
	}
	s.rcpts = append(s.rcpts, r)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	if len(s.rcpts) == 0 {
		return smtpErr(503, smtp.EnhancedCode{5, 5, 1}, "RCPT first")
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, s.srv.opts.MaxSize+1))
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se
		}
		return smtpErr(451, smtp.EnhancedCode{4, 3, 0}, "Read error")
	}
	if n > s.srv.opts.MaxSize {
		_, _ = io.Copy(io.Discard, r)
		return smtpErr(552, smtp.EnhancedCode{5, 3, 4}, "Message too big")
	}
	if !s.headerFromAllowed(buf.Bytes()) {
		s.srv.log.Info("smtp: From header refused", "holder", s.holder.ID)
		return smtpErr(553, smtp.EnhancedCode{5, 7, 1}, "From header address not allowed for this certificate")
	}
	if err := s.srv.deliver(envelope{from: s.from, envID: s.envID, rcpts: s.rcpts, raw: buf.Bytes()}); err != nil {
		s.srv.log.Error("smtp: delivery", "err", err)
		return smtpErr(451, smtp.EnhancedCode{4, 3, 0}, "Temporary local error")
	}
	return nil
}

func (s *smtpSession) Reset() {
	s.from, s.envID = "", ""
	s.mailSeen = false
	s.rcpts = nil
}

// headerFromAllowed checks the From header, and Sender when present, against the BALs the
// certificate may send from, as operators do: the envelope sender alone proves nothing to
// the reader, who sees the header (a patient's address there would make the recipient's
// client take the message for the patient's). Exactly one From address, and one From
// field, are accepted.
func (s *smtpSession) headerFromAllowed(raw []byte) bool {
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil || len(m.Header["From"]) != 1 || len(m.Header["Sender"]) > 1 {
		return false
	}
	for _, field := range []string{"From", "Sender"} {
		if m.Header.Get(field) == "" && field == "Sender" {
			continue
		}
		addrs, err := m.Header.AddressList(field)
		if err != nil || len(addrs) != 1 {
			return false
		}
		if _, err := s.srv.authorize(*s.holder, strings.ToLower(addrs[0].Address)); err != nil {
			return false
		}
	}
	return true
}

func (s *smtpSession) Logout() error { return nil }

// inTrustSpace reports whether a domain belongs to the sandbox's trust space.
func (s *Server) inTrustSpace(domain string) bool {
	for _, d := range s.trustDomains() {
		if strings.EqualFold(d, domain) {
			return true
		}
	}
	return false
}

func (s *Server) trustDomains() []string { return []string{s.opts.Domain, PatientDomain} }
