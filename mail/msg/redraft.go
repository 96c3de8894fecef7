package msg

import "strings"

// Redraft turns a message built by Build back into a draft, to edit a message waiting in
// the outbox: sender, recipients (envelope recipients missing from To and Cc are the Bcc),
// subject without the XDM prefix, text, attachments, health documents and patient,
// threading, read-receipt request and X-MSS-MES. The delivery-status request is not in the
// message (it travels in the SMTP envelope): the caller sets RequestDSN.
func Redraft(p *Parsed, envelopeTo []string) Draft {
	d := Draft{
		From:            p.From,
		To:              p.To,
		Cc:              p.Cc,
		Subject:         p.DisplaySubject(),
		Text:            p.Body,
		InReplyTo:       p.InReplyTo,
		References:      p.References,
		RequestMDN:      p.MDNRequest != nil,
		NoReplyExpected: strings.EqualFold(p.MSS.MES, "FIN"),
	}
	seen := map[string]bool{}
	for _, a := range append(append([]Address{}, p.To...), p.Cc...) {
		seen[strings.ToLower(a.Email)] = true
	}
	for _, rcpt := range envelopeTo {
		if !seen[strings.ToLower(rcpt)] {
			seen[strings.ToLower(rcpt)] = true
			d.Bcc = append(d.Bcc, Address{Email: rcpt})
		}
	}
	if p.XDM != nil {
		d.Documents = p.XDM
	}
	d.Patient = patientOf(p)
	if d.Patient != nil && strings.EqualFold(p.MSS.INS, "O") {
		d.Patient.Qualified = true // this client set it from its own patient book
	}
	d.Attachments = collectAttachments(p.raw, maxForward)
	return d
}
