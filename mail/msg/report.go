package msg

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// Report is a delivery status notification (RFC 3464) or a message disposition notification
// (RFC 8098), with what links it to the original message.
type Report struct {
	Kind               string // "dsn" or "mdn"
	OriginalMessageID  string // from the returned headers or the MDN's Original-Message-ID
	OriginalEnvelopeID string // DSN Original-Envelope-Id (Build sets it to the message id)
	OriginalSubject    string
	ReportingMTA       string              // DSN
	Recipients         []ReportRecipient   // DSN: one per recipient
	MDN                *DispositionDetails // MDN only
}

// ReportRecipient is the status of one recipient in a DSN.
type ReportRecipient struct {
	Recipient         string // Final-Recipient address
	OriginalRecipient string
	Action            string // failed, delayed, delivered, relayed, expanded
	Status            string // e.g. 5.1.1
	Diagnostic        string // Diagnostic-Code text
}

// DispositionDetails are the fields of an MDN.
type DispositionDetails struct {
	FinalRecipient    string
	OriginalRecipient string
	ReportingUA       string
	Mode              string // e.g. manual-action/MDN-sent-manually
	Disposition       string // displayed, deleted, dispatched, processed
}

// Failed reports whether a DSN says delivery failed for at least one recipient.
func (r *Report) Failed() bool {
	for _, rc := range r.Recipients {
		if strings.EqualFold(rc.Action, "failed") {
			return true
		}
	}
	return false
}

// maxReportPart bounds the machine-readable part we read.
const maxReportPart = 256 << 10

// readReportFields reads the field blocks of a message/delivery-status or
// message/disposition-notification body (RFC 3464 §2.1: blocks separated by blank lines).
func readReportFields(r io.Reader) []textproto.Header {
	data, _ := io.ReadAll(io.LimitReader(r, maxReportPart))
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	var out []textproto.Header
	for _, block := range bytes.Split(data, []byte("\n\n")) {
		block = bytes.TrimSpace(block)
		if len(block) == 0 {
			continue
		}
		h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(append(block, '\n', '\n'))))
		if err != nil {
			continue
		}
		out = append(out, h)
		if len(out) > 1000 {
			break
		}
	}
	return out
}

// typedValue drops the "rfc822;" style type of an address or diagnostic field.
func typedValue(v string) string {
	if _, rest, ok := strings.Cut(v, ";"); ok {
		return strings.TrimSpace(rest)
	}
	return strings.TrimSpace(v)
}

func parseDSNFields(rep *Report, blocks []textproto.Header) {
	for i, h := range blocks {
		if i == 0 && !h.Has("Final-Recipient") {
			rep.OriginalEnvelopeID = strings.TrimSpace(h.Get("Original-Envelope-Id"))
			rep.ReportingMTA = typedValue(h.Get("Reporting-MTA"))
			continue
		}
		if !h.Has("Final-Recipient") && !h.Has("Action") {
			continue
		}
		rep.Recipients = append(rep.Recipients, ReportRecipient{
			Recipient:         typedValue(h.Get("Final-Recipient")),
			OriginalRecipient: typedValue(h.Get("Original-Recipient")),
			Action:            strings.ToLower(strings.TrimSpace(h.Get("Action"))),
			Status:            firstField(h.Get("Status")),
			Diagnostic:        typedValue(h.Get("Diagnostic-Code")),
		})
	}
}

func parseMDNFields(rep *Report, blocks []textproto.Header) {
	if len(blocks) == 0 {
		return
	}
	h := blocks[0]
	d := &DispositionDetails{
		FinalRecipient:    typedValue(h.Get("Final-Recipient")),
		OriginalRecipient: typedValue(h.Get("Original-Recipient")),
		ReportingUA:       strings.TrimSpace(h.Get("Reporting-UA")),
	}
	disp := h.Get("Disposition")
	mode, typ, _ := strings.Cut(disp, ";")
	d.Mode = strings.TrimSpace(mode)
	typ, _, _ = strings.Cut(typ, "/") // drop modifiers (error, ...)
	d.Disposition = strings.ToLower(strings.TrimSpace(typ))
	rep.MDN = d
	if id := h.Get("Original-Message-Id"); id != "" && rep.OriginalMessageID == "" {
		rep.OriginalMessageID = firstID(id)
	}
}

// readOriginalHeaders reads the returned message or headers of a report.
func readOriginalHeaders(rep *Report, body io.Reader) {
	h, err := textproto.ReadHeader(bufio.NewReader(io.LimitReader(body, maxReportPart)))
	if err != nil && h.Len() == 0 {
		return
	}
	mh := message.Header{Header: h}
	if id := h.Get("Message-Id"); id != "" {
		rep.OriginalMessageID = firstID(id)
	}
	rep.OriginalSubject, _ = mh.Text("Subject")
}

// firstID extracts the first <id> of a header value, without angle brackets.
func firstID(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return v[i+1 : i+j]
		}
	}
	return trimID(firstField(v))
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}
