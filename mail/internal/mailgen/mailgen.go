// Package mailgen writes realistic test messages for the mail engine's tests and benchmark,
// in two corpora. Message: French text bodies of a few KB, 20 % with a PDF attachment
// (base64, 50–250 KB), UTF-8 subjects in RFC 2047, unique Message-IDs. Mixed: the mix real
// MSSanté mail carries (transfer encodings, format=flowed, RFC 2231/2047 names, IHE XDM
// zips, multipart/alternative, Received chains, unread messages).
package mailgen

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime"
	"strings"
	"time"
)

var words = strings.Fields(`ordonnance patient traitement posologie renouvellement pharmacie
médecin délivrance comprimés matin soir semaine contrôle analyse résultat biologie rendez-vous
allergie interaction générique substitution stock commande livraison officine compte rendu
hospitalisation sortie consultation vaccin grippe tension glycémie insuline dossier`)

// Message returns message number i (deterministic for a given seed), addressed to to.
func Message(seed uint64, i int, to string) []byte {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	date := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * 17 * time.Minute)
	subject := fmt.Sprintf("Ordonnance n°%d – %s", i, sentence(r, 4))
	var b bytes.Buffer
	fmt.Fprintf(&b, "Date: %s\r\n", date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "From: =?utf-8?q?Dr_Ren=C3=A9e_Martin?= <renee.martin%d@medecin.mssante.fr>\r\n", i%37)
	fmt.Fprintf(&b, "To: <%s>\r\n", to)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", subject))
	fmt.Fprintf(&b, "Message-ID: <gen-%d-%d@medecin.mssante.fr>\r\n", seed, i)
	fmt.Fprintf(&b, "X-MSS-NIL: Generateur/1.0\r\nMIME-Version: 1.0\r\n")
	text := paragraphs(r, 2+r.IntN(12))
	if r.IntN(5) != 0 {
		fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n", text)
		return b.Bytes()
	}
	boundary := fmt.Sprintf("b%d", i)
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n", boundary)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n", boundary, text)
	fmt.Fprintf(&b, "--%s\r\nContent-Type: application/pdf; name=\"ordonnance-%d.pdf\"\r\n", boundary, i)
	fmt.Fprintf(&b, "Content-Disposition: attachment; filename=\"ordonnance-%d.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", i)
	pdf := PDF(r, 50_000+r.IntN(200_000))
	enc := base64.StdEncoding.EncodeToString(pdf)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	fmt.Fprintf(&b, "\r\n--%s--\r\n", boundary)
	return b.Bytes()
}

// PDF returns n bytes that start like a PDF and are incompressible, like a scanned document.
func PDF(r *rand.Rand, n int) []byte {
	head := []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	out := make([]byte, n)
	copy(out, head)
	for i := len(head); i < n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			out[i+j] = byte(v >> (8 * j))
		}
	}
	return out
}

func sentence(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = words[r.IntN(len(words))]
	}
	return strings.Join(w, " ")
}

func paragraphs(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		for range 3 + r.IntN(5) {
			s := sentence(r, 6+r.IntN(10))
			b.WriteString(strings.ToUpper(s[:1]) + s[1:] + ". ")
		}
		b.WriteString("\r\n\r\n")
	}
	return b.String()
}
