package sandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// A tiny MIME builder for the messages the operator itself writes (seed, DSN, patients'
// replies). It only needs the standard library.

// Attachment is a file joined to a simulated patient's message.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

type header struct {
	keys []string
	vals []string
}

func (h *header) add(k, v string) { h.keys = append(h.keys, k); h.vals = append(h.vals, v) }

func (h *header) write(b *bytes.Buffer) {
	for i, k := range h.keys {
		fmt.Fprintf(b, "%s: %s\r\n", k, h.vals[i])
	}
}

// encodeWord encodes a header value with RFC 2047 when it is not ASCII.
func encodeWord(s string) string { return mime.QEncoding.Encode("utf-8", s) }

func formatAddr(name, addr string) string { return (&mail.Address{Name: name, Address: addr}).String() }

func newMessageID(domain string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "<" + hex.EncodeToString(b[:]) + "@" + domain + ">"
}

// mailParts is a multipart/mixed body under construction.
type mailParts struct {
	text        string
	attachments []Attachment
}

// baseHeader starts a message's header.
func baseHeader(fromName, from string, to []string, subject string, date time.Time, msgID string) *header {
	h := &header{}
	h.add("From", formatAddr(fromName, from))
	h.add("To", strings.Join(to, ", "))
	h.add("Subject", encodeWord(subject))
	h.add("Date", date.Format(time.RFC1123Z))
	h.add("Message-ID", msgID)
	h.add("MIME-Version", "1.0")
	return h
}

// build writes h and the body: text/plain alone, or multipart/mixed with attachments.
func (p mailParts) build(h *header) []byte {
	var b bytes.Buffer
	if len(p.attachments) == 0 {
		h.add("Content-Type", "text/plain; charset=utf-8")
		h.add("Content-Transfer-Encoding", "quoted-printable")
		h.write(&b)
		b.WriteString("\r\n")
		writeQP(&b, p.text)
		return b.Bytes()
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h.add("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mw.Boundary()}))
	h.write(&b)
	b.WriteString("\r\n")
	writeTextPart(mw, p.text)
	for _, a := range p.attachments {
		writeAttachment(mw, a)
	}
	_ = mw.Close()
	b.Write(body.Bytes())
	return b.Bytes()
}

// writeTextPart adds text as a UTF-8 quoted-printable text/plain part (into a buffer: a
// multipart writer's part cannot fail).
func writeTextPart(mw *multipart.Writer, text string) {
	tp := textproto.MIMEHeader{}
	tp.Set("Content-Type", "text/plain; charset=utf-8")
	tp.Set("Content-Transfer-Encoding", "quoted-printable")
	w, _ := mw.CreatePart(tp)
	var b bytes.Buffer
	writeQP(&b, text)
	_, _ = w.Write(b.Bytes())
}

func writeQP(b *bytes.Buffer, text string) {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n")
	qp := quotedprintable.NewWriter(b)
	_, _ = qp.Write([]byte(text))
	_ = qp.Close()
	b.WriteString("\r\n")
}

func writeAttachment(mw *multipart.Writer, a Attachment) {
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	tp := textproto.MIMEHeader{}
	tp.Set("Content-Type", mime.FormatMediaType(ct, map[string]string{"name": a.Name}))
	tp.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	tp.Set("Content-Transfer-Encoding", "base64")
	w, _ := mw.CreatePart(tp)
	enc := base64.StdEncoding.EncodeToString(a.Data)
	for len(enc) > 76 {
		_, _ = w.Write([]byte(enc[:76] + "\r\n"))
		enc = enc[76:]
	}
	_, _ = w.Write([]byte(enc + "\r\n"))
}
