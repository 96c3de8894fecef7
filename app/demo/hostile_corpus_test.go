package demo_test

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"mime"
	"mime/multipart"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"comptoir/app/apptest/hostile"
	"comptoir/app/pdfview/pdftest"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/mail/xdm"
)

var updateHostile = flag.Bool("update-hostile", false, "rewrite testdata/hostile from the generators")

// corpusMsg is one message of the hostile corpus (testdata/hostile): what a professional of
// the trust space (here the seeded doctor) can send the pharmacy.
type corpusMsg struct {
	file, subject string
	raw           []byte
}

var corpusDate = time.Date(2026, 3, 2, 9, 30, 0, 0, time.FixedZone("CET", 3600))

// hostileCorpus builds the corpus, byte for byte the files in testdata/hostile.
func hostileCorpus(t testing.TB) []corpusMsg {
	seed := sandbox.Seed(sandbox.DefaultDomain)
	from, to := "Dr Antoine FAUVEL <"+seed.Doctor+">", seed.Pharmacy
	att := func(name, ctype string, data []byte) mimePart {
		return mimePart{ctype: ctype, name: name, data: data}
	}
	scanA, scanB := pdftest.Page("Scan A"), pdftest.Page("Scan B")
	var out []corpusMsg
	add := func(file, subject, extra string, parts ...mimePart) {
		out = append(out, corpusMsg{file: file, subject: subject, raw: buildMessage(from, to, subject, extra, parts)})
	}
	add("attachments-dangerous.eml", "Hostile : pièces jointes dangereuses", "",
		mimePart{ctype: "text/plain", data: []byte("Bonjour, voici les ordonnances.\r\n")},
		att("ordonnance.pdf.hta", "application/pdf", hostile.HTA),
		att("ordonnance.exe", "application/pdf", hostile.EXE),
		att("ordonnance.lnk", "application/octet-stream", hostile.LNK),
		att("ordonnance.js", "application/pdf", hostile.JS),
		att("ordonnance.bat", "application/pdf", hostile.BAT),
		att("ordonnance.docm", "application/vnd.ms-word.document.macroEnabled.12", hostile.DOCM()),
		att("ordonnance\u202efdp.exe", "application/pdf", hostile.EXE),
		att("image.svg", "image/svg+xml", hostile.SVG),
		att("scan.pdf", "application/pdf", scanA),
		att("scan.pdf", "application/pdf", scanB))
	add("image-bomb-png.eml", "Hostile : bombe PNG", "",
		mimePart{ctype: "text/plain", data: []byte("Photo de l'ordonnance.\r\n")},
		att("photo.png", "image/png", hostile.PNGBomb(65535, 65535)))
	add("image-bomb-jpeg.eml", "Hostile : bombe JPEG", "",
		mimePart{ctype: "text/plain", data: []byte("Photo de l'ordonnance.\r\n")},
		att("photo.jpg", "image/jpeg", hostile.JPEGBomb(65500, 65500)))
	add("pdf-huge-page.eml", "Hostile : PDF page géante", "",
		mimePart{ctype: "text/plain", data: []byte("Plan.\r\n")},
		att("plan.pdf", "application/pdf", pdftest.HugePage(14400)))
	add("pdf-form-bomb.eml", "Hostile : PDF bombe de calcul", "",
		mimePart{ctype: "text/plain", data: []byte("Compte rendu.\r\n")},
		att("compte-rendu.pdf", "application/pdf", pdftest.FormBomb(24)))
	add("pdf-stream-bomb.eml", "Hostile : PDF bombe mémoire", "",
		mimePart{ctype: "text/plain", data: []byte("Compte rendu.\r\n")},
		att("compte-rendu.pdf", "application/pdf", pdftest.StreamBomb(320)))
	add("xdm-zip-bomb.eml", "Hostile : XDM bombe zip", "",
		mimePart{ctype: "text/plain", data: []byte("Documents du patient.\r\n")},
		att("IHE_XDM.ZIP", "application/zip", hostile.ZipBomb(128)))
	add("xdm-title-date.eml", "Hostile : XDM titre avec date", "",
		mimePart{ctype: "text/plain", data: []byte("Documents du patient.\r\n")},
		att("IHE_XDM.ZIP", "application/zip", titledXDM(t, "Titre — 05/03/2025")))
	add("mime-deep.eml", "Hostile : MIME profond", "", deepMIME(200))
	add("headers-huge.eml", "Hostile : en-têtes énormes "+strings.Repeat("très ", 2000), hugeHeaders(15000),
		mimePart{ctype: "text/plain", data: []byte("Texte du message aux en-têtes énormes.\r\n")})
	add("auth-results-forged.eml", "Hostile : Authentication-Results forgé",
		"Authentication-Results: "+sandbox.DefaultDomain+"; "+sandbox.MethodPatient+"=pass header.from="+forgedINS+"@patient.mssante.fr\r\n",
		mimePart{ctype: "text/plain", data: []byte("Un résultat d'authentification écrit par l'expéditeur.\r\n")})
	return out
}

// forgedINS is the patient a forged Authentication-Results names (not a seeded one).
const forgedINS = "169037512301505"

// spoofedPatient is the message the sandbox must refuse: a patient's address in From.
func spoofedPatient() []byte {
	seed := sandbox.Seed(sandbox.DefaultDomain)
	return buildMessage("Camille ROUSSEL <"+strings.ToLower(sandbox.SeedPatientINS()[0])+"@"+sandbox.PatientDomain+">",
		seed.Pharmacy, "Hostile : expéditeur patient usurpé", "",
		[]mimePart{{ctype: "text/plain", data: []byte("Je suis la patiente, créez ma fiche.\r\n")}})
}

// mimePart is one leaf, or a prebuilt multipart when raw is set.
type mimePart struct {
	ctype, name string
	data        []byte
	raw         []byte // a whole part (header and body), written as is
}

func buildMessage(from, to, subject, extra string, parts []mimePart) []byte {
	var b bytes.Buffer
	// Encoded words folded one per line: SMTP lines stay under 1000 octets.
	subj := strings.ReplaceAll(mime.QEncoding.Encode("utf-8", subject), "?= =?", "?=\r\n =?")
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n", from, to, subj, corpusDate.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@hostile.test>\r\nMIME-Version: 1.0\r\nX-MSS-NIL: Hostile/1.0\r\n%s",
		strings.Map(func(r rune) rune {
			if r < 'a' || r > 'z' {
				return '-'
			}
			return r
		}, strings.ToLower(subject[:min(len(subject), 40)])), extra)
	if len(parts) == 1 && parts[0].raw != nil {
		b.Write(parts[0].raw)
		return b.Bytes()
	}
	mw := multipart.NewWriter(&b)
	mw.SetBoundary("hostile-boundary-0")
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%s\r\n\r\n", mw.Boundary())
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.name == "" {
			h.Set("Content-Type", p.ctype+"; charset=utf-8")
			h.Set("Content-Transfer-Encoding", "8bit")
			w, _ := mw.CreatePart(h)
			w.Write(p.data)
			continue
		}
		h.Set("Content-Type", mime.FormatMediaType(p.ctype, map[string]string{"name": p.name}))
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": p.name}))
		h.Set("Content-Transfer-Encoding", "base64")
		w, _ := mw.CreatePart(h)
		enc := base64.StdEncoding.EncodeToString(p.data)
		for len(enc) > 76 {
			fmt.Fprintf(w, "%s\r\n", enc[:76])
			enc = enc[76:]
		}
		fmt.Fprintf(w, "%s\r\n", enc)
	}
	mw.Close()
	return b.Bytes()
}

// deepMIME nests depth multiparts, a text at the bottom.
func deepMIME(depth int) mimePart {
	body := "Content-Type: text/plain; charset=utf-8\r\n\r\nAu fond des parties imbriquées.\r\n"
	for i := depth; i > 0; i-- {
		bd := fmt.Sprintf("deep-%d", i)
		body = fmt.Sprintf("Content-Type: multipart/mixed; boundary=%s\r\n\r\n--%s\r\n%s\r\n--%s--\r\n", bd, bd, body, bd)
	}
	return mimePart{raw: []byte(body)}
}

// hugeHeaders is n relay trace fields (about 60 bytes each).
func hugeHeaders(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "X-Relais-%05d: relais%05d.hostile.test (Hostile) id %08x\r\n", i, i, i*2654435761)
	}
	return b.String()
}

// titledXDM is a valid XDM package whose one document is titled title.
func titledXDM(t testing.TB, title string) []byte {
	t.Helper()
	pat := xdm.Patient{ID: sandbox.SeedPatientINS()[0], OID: xdm.OIDINSNIR, Family: "ROUSSEL", Given: "Camille",
		BirthDate: time.Date(1985, 4, 12, 0, 0, 0, 0, time.UTC), Sex: "F"}
	report := xdm.Code{Code: "11488-4", Scheme: "2.16.840.1.113883.6.1", Display: "Compte rendu de consultation"}
	doc, err := xdm.NewPDFDocument(xdm.CDAInfo{ID: "2.25.1", Type: report, Title: title, Created: corpusDate, ServiceStart: corpusDate,
		Author: xdm.Author{ID: "10001234567", IDRoot: "1.2.250.1.71.4.2.1", Family: "FAUVEL", Given: "Antoine"}},
		report, pat, pdftest.Page("Compte rendu"))
	if err != nil {
		t.Fatal(err)
	}
	pkg := &xdm.Package{Patient: pat, Title: title, SubmissionTime: corpusDate, UniqueID: "2.25.2", SourceID: "1.2.250.1.71.4.2.1.1", Documents: []xdm.Document{doc}}
	b, err := pkg.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The files in testdata/hostile are what the generators write (go test -run
// TestHostileCorpusUpToDate ./app/demo -args -update-hostile rewrites them).
func TestHostileCorpusUpToDate(t *testing.T) {
	for _, m := range hostileCorpus(t) {
		path := filepath.Join("testdata", "hostile", m.file)
		if *updateHostile {
			if err := os.WriteFile(path, m.raw, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, m.raw) {
			t.Errorf("%s differs from its generator: run with -update-hostile", path)
		}
	}
}
