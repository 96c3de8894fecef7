package mailgen

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"net/url"
	"strings"
	"time"

	"comptoir/mail/xdm"
)

// Mail is one generated message and where a Maildir delivery puts it.
type Mail struct {
	Raw    []byte
	Unread bool // never seen: delivered in new/, without the Seen flag
}

// Mixed returns message number i of the second corpus (deterministic for a given seed),
// addressed to to. It carries what real MSSanté mail carries, unlike Message's single shape:
//   - header: a chain of 3–6 Received fields, DKIM-Signature, Authentication-Results,
//     display names in RFC 2047 (Q and B, UTF-8 and ISO-8859-1), patient senders
//     (<INS>@patient.mssante.fr), replies with In-Reply-To/References;
//   - text: quoted-printable (UTF-8 and ISO-8859-1), format=flowed, base64 and 8bit bodies,
//     and multipart/alternative with an HTML part;
//   - attachments: PDFs named in RFC 2231 (filename*, percent-encoded UTF-8) or RFC 2047, IHE_XDM.ZIP
//     packages holding a CDA-wrapped PDF, JPEG scans;
//   - a quarter of the messages unread (Maildir new/).
//
// A quarter of the messages have attachments; sizes average about 50 KB.
func Mixed(seed uint64, i int, to string) Mail {
	r := rand.New(rand.NewPCG(seed, uint64(i)^0x9e3779b97f4a7c15))
	date := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * 17 * time.Minute)
	var b bytes.Buffer
	b.WriteString(fmt.Sprintf("Return-Path: <%s>\r\n", senderAddr(r, i)))
	received(&b, r, date)
	fromName, fromAddr := sender(r, i)
	b.WriteString("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + domainOf(fromAddr) + ";\r\n" +
		"\ts=mss2026; t=" + fmt.Sprint(date.Unix()) + "; h=from:to:subject:date:message-id:mime-version;\r\n" +
		"\tbh=" + base64.StdEncoding.EncodeToString(randBytes(r, 32)) + ";\r\n" +
		"\tb=" + fold(base64.StdEncoding.EncodeToString(randBytes(r, 256)), 70, "\r\n\t") + "\r\n")
	fmt.Fprintf(&b, "Authentication-Results: imap.mssante.fr;\r\n\tdkim=pass header.d=%s;\r\n\tspf=pass smtp.mailfrom=%s\r\n", domainOf(fromAddr), fromAddr)
	fmt.Fprintf(&b, "Date: %s\r\n", date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "From: %s <%s>\r\n", fromName, fromAddr)
	fmt.Fprintf(&b, "To: <%s>\r\n", to)
	if r.IntN(4) == 0 {
		fmt.Fprintf(&b, "Cc: %s <secretariat%d@ch-exemple.mssante.fr>\r\n", mime.QEncoding.Encode("utf-8", "Secrétariat médical"), i%11)
	}
	subject := fmt.Sprintf("%s n°%d – %s", pick(r, subjects), i, sentence(r, 3))
	if r.IntN(3) == 0 {
		subject = "RE: " + subject
		fmt.Fprintf(&b, "In-Reply-To: <mix-%d-%d@officine.mssante.fr>\r\n", seed, i-1)
		fmt.Fprintf(&b, "References: <mix-%d-%d@officine.mssante.fr>\r\n\t<mix-%d-%d@officine.mssante.fr>\r\n", seed, i-2, seed, i-1)
	}
	if r.IntN(2) == 0 {
		fmt.Fprintf(&b, "Subject: %s\r\n", mime.BEncoding.Encode("utf-8", subject))
	} else {
		fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", subject))
	}
	fmt.Fprintf(&b, "Message-ID: <mix-%d-%d@%s>\r\n", seed, i, domainOf(fromAddr))
	b.WriteString("X-MSS-NIL: LogicielMedical/4.2\r\nX-Mailer: LogicielMedical 4.2\r\nMIME-Version: 1.0\r\n")

	var atts []attachment
	switch n := r.IntN(100); {
	case n < 15:
		atts = append(atts, pdfAttachment(r, i))
		if r.IntN(6) == 0 {
			atts = append(atts, pdfAttachment(r, i+1))
		}
	case n < 21:
		atts = append(atts, xdmAttachment(r, i, date))
		fmt.Fprintf(&b, "X-MSS-CODECDA: 11488-4\r\n")
	case n < 24:
		atts = append(atts, jpegAttachment(r, i))
	}
	text := paragraphs(r, 2+r.IntN(10))
	if len(atts) == 0 {
		writeText(&b, r, text)
	} else {
		boundary := fmt.Sprintf("=_mix_%d_%x", i, r.Uint32())
		fmt.Fprintf(&b, "Content-Type: multipart/mixed;\r\n\tboundary=\"%s\"\r\n\r\nThis is a multi-part message in MIME format.\r\n", boundary)
		fmt.Fprintf(&b, "--%s\r\n", boundary)
		writeText(&b, r, text)
		for _, a := range atts {
			fmt.Fprintf(&b, "\r\n--%s\r\n%s\r\n", boundary, a.header)
			b.WriteString(fold(base64.StdEncoding.EncodeToString(a.data), 76, "\r\n"))
			b.WriteString("\r\n")
		}
		fmt.Fprintf(&b, "--%s--\r\n", boundary)
	}
	return Mail{Raw: b.Bytes(), Unread: r.IntN(4) == 0}
}

var subjects = []string{"Ordonnance", "Compte rendu de consultation", "Résultats d'analyses", "Sortie d'hospitalisation",
	"Demande de renouvellement", "Question sur un traitement", "Lettre de liaison", "Document patient"}

var (
	givens   = []string{"Renée", "Hélène", "François", "Jérôme", "Amélie", "Zoé", "Noël", "Gaëlle", "Loïc", "Cécile"}
	families = []string{"Martin", "Lefèvre", "Béranger", "Dupré", "Müller", "Leroy", "Fourré", "Gérard", "Rousseau", "Chéreau"}
)

func pick(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }

// sender returns the encoded display name and the address of message i's sender: a tenth
// are patients writing from Mon Espace Santé.
func sender(r *rand.Rand, i int) (string, string) {
	name := "Dr " + pick(r, givens) + " " + pick(r, families)
	addr := senderAddr(r, i)
	if strings.HasSuffix(addr, "@patient.mssante.fr") {
		name = strings.ToUpper(pick(r, families)) + " " + pick(r, givens)
	}
	switch r.IntN(4) {
	case 0:
		return mime.QEncoding.Encode("utf-8", name), addr
	case 1:
		return mime.BEncoding.Encode("utf-8", name), addr
	case 2:
		return mime.QEncoding.Encode("iso-8859-1", string(latin1(name))), addr
	default:
		return `"` + strings.Map(asciiOnly, name) + `"`, addr
	}
}

func senderAddr(r *rand.Rand, i int) string {
	if i%10 == 3 {
		return insOf(i) + "@patient.mssante.fr"
	}
	return fmt.Sprintf("medecin%d@%s", i%37, []string{"medecin.mssante.fr", "ch-exemple.mssante.fr", "labo.mssante.fr"}[i%3])
}

// insOf returns a valid INS (NIR and its key) for patient number i.
func insOf(i int) string {
	nir := fmt.Sprintf("1%02d%02d75%03d%03d", 40+i%50, 1+i%12, 100+i%800, 1+i%999)
	var n uint64
	fmt.Sscan(nir, &n)
	return fmt.Sprintf("%s%02d", nir, 97-n%97)
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return d
}

// received writes a chain of Received fields, newest first, as relays add them.
func received(b *bytes.Buffer, r *rand.Rand, date time.Time) {
	hops := 3 + r.IntN(4)
	for h := range hops {
		t := date.Add(time.Duration(hops-h) * 900 * time.Millisecond)
		fmt.Fprintf(b, "Received: from relais%d.mssante.fr (relais%d.mssante.fr [10.%d.%d.%d])\r\n"+
			"\tby mx%d.mssante.fr (Postfix) with ESMTPS id %X\r\n"+
			"\t(version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256)\r\n"+
			"\tfor <destinataire@officine.mssante.fr>; %s\r\n",
			h, h, r.IntN(256), r.IntN(256), r.IntN(256), h+1, r.Uint64(), t.Format(time.RFC1123Z))
	}
}

// writeText writes the body text (header and content) in one of the encodings real mail
// uses, or as multipart/alternative with an HTML version.
func writeText(b *bytes.Buffer, r *rand.Rand, text string) {
	switch n := r.IntN(100); {
	case n < 25:
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		b.Write(qp([]byte(text)))
	case n < 35:
		b.WriteString("Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		b.Write(qp(latin1(text)))
	case n < 50:
		b.WriteString("Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		b.WriteString(flowed(text))
	case n < 60:
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		b.WriteString(fold(base64.StdEncoding.EncodeToString([]byte(text)), 76, "\r\n"))
		b.WriteString("\r\n")
	case n < 65:
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		b.WriteString(text)
	default:
		boundary := fmt.Sprintf("=_alt_%x", r.Uint64())
		fmt.Fprintf(b, "Content-Type: multipart/alternative;\r\n\tboundary=\"%s\"\r\n\r\n", boundary)
		fmt.Fprintf(b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary)
		b.Write(qp([]byte(text)))
		fmt.Fprintf(b, "\r\n--%s\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary)
		b.Write(qp([]byte(html(text))))
		fmt.Fprintf(b, "\r\n--%s--\r\n", boundary)
	}
}

func qp(p []byte) []byte {
	var out bytes.Buffer
	w := quotedprintable.NewWriter(&out)
	_, _ = w.Write(p)
	_ = w.Close()
	return out.Bytes()
}

// flowed wraps text at 72 columns with format=flowed soft breaks (a trailing space).
func flowed(text string) string {
	var b strings.Builder
	for _, para := range strings.Split(text, "\r\n") {
		line := 0
		for j, w := range strings.Fields(para) {
			if j > 0 {
				if line+1+len(w) > 72 {
					b.WriteString(" \r\n")
					line = 0
				} else {
					b.WriteByte(' ')
					line++
				}
			}
			b.WriteString(w)
			line += len(w)
		}
		b.WriteString("\r\n")
	}
	return b.String()
}

func html(text string) string {
	var b strings.Builder
	b.WriteString(`<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><style>p{font-family:Calibri,sans-serif}</style></head><body>`)
	for _, para := range strings.Split(text, "\r\n\r\n") {
		if strings.TrimSpace(para) != "" {
			b.WriteString(`<p class="MsoNormal"><span style="font-size:11pt">` + para + "</span></p>\r\n")
		}
	}
	b.WriteString("</body></html>")
	return b.String()
}

func latin1(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, c := range s {
		if c < 256 {
			out = append(out, byte(c))
		} else {
			out = append(out, '?')
		}
	}
	return out
}

func asciiOnly(c rune) rune {
	if c < 128 {
		return c
	}
	return 'e'
}

type attachment struct {
	header string // Content-Type and Content-Disposition, transfer-encoded base64
	data   []byte
}

// pdfAttachment names its file in RFC 2231 (most clients) or RFC 2047 (Outlook).
func pdfAttachment(r *rand.Rand, i int) attachment {
	name := fmt.Sprintf("%s %s n°%d.pdf", pick(r, subjects), pick(r, families), i)
	var h string
	if r.IntN(3) != 0 {
		enc := strings.ReplaceAll(url.PathEscape(name), "+", "%2B")
		h = fmt.Sprintf("Content-Type: application/pdf;\r\n\tname*=utf-8''%s\r\nContent-Disposition: attachment;\r\n\tfilename*=utf-8''%s\r\n", enc, enc)
	} else {
		enc := mime.BEncoding.Encode("utf-8", name)
		h = fmt.Sprintf("Content-Type: application/pdf;\r\n\tname=\"%s\"\r\nContent-Disposition: attachment;\r\n\tfilename=\"%s\"\r\n", enc, enc)
	}
	return attachment{header: h + "Content-Transfer-Encoding: base64\r\n", data: PDF(r, 50_000+r.IntN(200_000))}
}

func jpegAttachment(r *rand.Rand, i int) attachment {
	data := PDF(r, 80_000+r.IntN(150_000))
	copy(data, []byte{0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0})
	h := fmt.Sprintf("Content-Type: image/jpeg; name=\"scan_%d.jpg\"\r\nContent-Disposition: attachment; filename=\"scan_%d.jpg\"\r\n", i, i)
	return attachment{header: h + "Content-Transfer-Encoding: base64\r\n", data: data}
}

// xdmAttachment is an IHE_XDM.ZIP holding a CDA R2 level 1 document around a PDF.
func xdmAttachment(r *rand.Rand, i int, date time.Time) attachment {
	pat := xdm.Patient{ID: insOf(i), OID: xdm.OIDINSNIRTest, Family: strings.ToUpper(pick(r, families)),
		Given: pick(r, givens), BirthDate: time.Date(1940+i%60, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC), Sex: "M"}
	typ := xdm.Code{Code: "11488-4", Scheme: "2.16.840.1.113883.6.1", Display: "Compte rendu de consultation"}
	info := xdm.CDAInfo{ID: fmt.Sprintf("1.2.250.1.999.1.%d", i), Type: typ, Title: "Compte rendu", Created: date, ServiceStart: date,
		Author: xdm.Author{ID: "810000000001", IDRoot: "1.2.250.1.71.4.2.1", Family: pick(r, families), Given: pick(r, givens), Org: "CH Exemple"}}
	doc, err := xdm.NewPDFDocument(info, xdm.Code{Code: "11", Scheme: "1.2.250.1.213.1.1.4.1", Display: "Compte rendu"}, pat, PDF(r, 30_000+r.IntN(120_000)))
	if err != nil {
		panic(fmt.Sprintf("mailgen: XDM document: %v", err)) // a bug in the generator's fixed inputs
	}
	pkg := &xdm.Package{Patient: pat, Title: "Envoi de documents", SubmissionTime: date,
		UniqueID: fmt.Sprintf("1.2.250.1.999.2.%d", i), SourceID: "1.2.250.1.999", Documents: []xdm.Document{doc}}
	data, err := pkg.Bytes()
	if err != nil {
		panic(fmt.Sprintf("mailgen: XDM package: %v", err))
	}
	return attachment{header: "Content-Type: application/zip; name=\"IHE_XDM.ZIP\"\r\nContent-Disposition: attachment; filename=\"IHE_XDM.ZIP\"\r\nContent-Transfer-Encoding: base64\r\n", data: data}
}

func randBytes(r *rand.Rand, n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(r.Uint32())
	}
	return out
}

// fold cuts s into lines of n characters joined by sep.
func fold(s string, n int, sep string) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n])
		b.WriteString(sep)
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}
