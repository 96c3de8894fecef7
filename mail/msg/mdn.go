package msg

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
)

// maxReturnedHeader bounds the original header copied into an MDN.
const maxReturnedHeader = 64 << 10

// BuildMDN returns an RFC 8098 read receipt (multipart/report;
// report-type=disposition-notification, "displayed", sent manually) for p, from me. Prefer
// BuildMDNMessage, which also returns the envelope and carries X-MSS-NIL.
func BuildMDN(p *Parsed, me Address, now time.Time) ([]byte, error) {
	b, err := BuildMDNMessage(p, me, BuildOptions{Now: now})
	if err != nil {
		return nil, err
	}
	return b.Raw, nil
}

// BuildMDNMessage is BuildMDN with the sending context. The result's From is "": RFC 8098
// §2.1 wants the null envelope sender (MAIL FROM:<>) so that an MDN never bounces back.
func BuildMDNMessage(p *Parsed, me Address, o BuildOptions) (*Built, error) {
	if p == nil || p.MDNRequest == nil || len(p.MDNRequest.To) == 0 || p.Report != nil {
		return nil, fmt.Errorf("msg: build MDN: %w", ErrNoMDNRequested)
	}
	if err := checkAddress(me); err != nil {
		return nil, fmt.Errorf("msg: build MDN: %w", ErrNoSender)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	to := p.MDNRequest.To[:1] // RFC 8098 §2.1: several addresses are a reason not to answer them all
	if err := checkAddress(to[0]); err != nil {
		return nil, fmt.Errorf("msg: build MDN: %w", err)
	}
	id, err := newMessageID(me.Domain(), o.Now)
	if err != nil {
		return nil, err
	}
	var f gomail.Header
	f.SetDate(o.Now)
	f.SetAddressList("From", []*gomail.Address{{Name: me.Name, Address: me.Email}})
	f.SetAddressList("To", toList(to))
	f.SetSubject("Accusé de lecture : " + p.DisplaySubject())
	fields := []field{
		{k: "Date", v: f.Get("Date")},
		{k: "From", v: f.Get("From")},
		{k: "To", v: f.Get("To")},
		{k: "Subject", v: f.Get("Subject")},
		{k: "Message-ID", v: "<" + id + ">", raw: true},
	}
	if orig := cleanIDs([]string{p.MessageID}); len(orig) == 1 {
		fields = append(fields, field{k: "In-Reply-To", v: "<" + orig[0] + ">", raw: true},
			field{k: "References", v: foldList("References", bracket(threadRefs(p)), " "), raw: true})
	}
	if ref := noControls(o.NIL); ref != "" {
		fields = append(fields, field{k: "X-MSS-NIL", v: ref, raw: true})
	}
	boundary, err := newBoundary()
	if err != nil {
		return nil, err
	}
	fields = append(fields, field{k: "MIME-Version", v: "1.0", raw: true},
		field{k: "Content-Type", v: mime.FormatMediaType("multipart/report",
			map[string]string{"report-type": "disposition-notification", "boundary": boundary})})

	var buf bytes.Buffer
	w, err := message.CreateWriter(&buf, header(fields))
	if err != nil {
		return nil, fmt.Errorf("msg: build MDN: %w", err)
	}
	sent := ""
	if !p.Date.IsZero() {
		sent = " envoyé le " + frenchDate(p.Date)
	}
	human := fmt.Sprintf("Le message « %s »%s à %s a été affiché à l'écran du destinataire.\n"+
		"Cet accusé ne garantit pas que le message a été lu ni compris.\n", p.DisplaySubject(), sent, me.Email)
	ui := "Comptoir"
	if ref := noControls(o.NIL); ref != "" {
		ui = ref
	}
	var report strings.Builder
	fmt.Fprintf(&report, "Reporting-UA: %s\r\n", ui)
	fmt.Fprintf(&report, "Final-Recipient: rfc822;%s\r\n", me.Email)
	if orig := cleanIDs([]string{p.MessageID}); len(orig) == 1 {
		fmt.Fprintf(&report, "Original-Message-ID: <%s>\r\n", orig[0])
	}
	report.WriteString("Disposition: manual-action/MDN-sent-manually; displayed\r\n")

	parts := []struct {
		ct, cte string
		body    []byte
	}{
		{"text/plain; charset=utf-8", "quoted-printable", []byte(human)},
		{"message/disposition-notification", "7bit", []byte(report.String())},
	}
	if hdr := originalHeader(p.raw); len(hdr) > 0 {
		parts = append(parts, struct {
			ct, cte string
			body    []byte
		}{"text/rfc822-headers", "7bit", hdr})
	}
	for _, pt := range parts {
		var h message.Header
		h.Set("Content-Transfer-Encoding", pt.cte)
		h.Set("Content-Type", pt.ct)
		pw, err := w.CreatePart(h)
		if err != nil {
			return nil, fmt.Errorf("msg: build MDN: %w", err)
		}
		if _, err := pw.Write(pt.body); err != nil {
			return nil, fmt.Errorf("msg: build MDN: %w", err)
		}
		if err := pw.Close(); err != nil {
			return nil, fmt.Errorf("msg: build MDN: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("msg: build MDN: %w", err)
	}
	return &Built{Raw: buf.Bytes(), MessageID: id, Recipients: []string{to[0].Email},
		Warnings: warnings(Draft{}, []string{to[0].Email}, o.Trust, false)}, nil
}

// originalHeader returns the header block of raw if it is 7-bit and not too long (a
// text/rfc822-headers part must be 7-bit); nil otherwise.
func originalHeader(raw []byte) []byte {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	sep := 4
	if end < 0 {
		end, sep = bytes.Index(raw, []byte("\n\n")), 2
	}
	if end < 0 || end > maxReturnedHeader {
		return nil
	}
	h := raw[:end+sep]
	for _, c := range h {
		if c >= 0x80 || c == 0 {
			return nil
		}
	}
	if sep == 2 {
		h = bytes.ReplaceAll(h, []byte("\n"), []byte("\r\n"))
	}
	return h
}
