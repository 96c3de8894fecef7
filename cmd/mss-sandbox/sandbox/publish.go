package sandbox

import (
	"archive/zip"
	"bytes"
	"crypto/tls"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"comptoir/mail/provisioning"
	"comptoir/mail/trustlist"
)

const directoryZipName = "Extraction_Correspondance_MSSante.zip"

// DirectoryHeader is the header row of the directory extraction: 31 columns (mssante.md §6).
var DirectoryHeader = []string{
	"Type de BAL", "Adresse BAL", "Type Identifiant PP", "Identifiant PP", "Identification nationale PP",
	"Type identifiant structure", "Identification Structure", "Service de rattachement",
	"Civilité d'exercice", "Nom d'exercice", "Prénom d'exercice", "Catégorie profession",
	"Libellé catégorie profession", "Code Profession", "Libellé Profession", "Code savoir-faire",
	"Libellé savoir-faire", "Dématérialisation", "Raison sociale structure BAL",
	"Enseigne commerciale structure BAL", "L2COMPLEMENTLOCALISATION structure BAL",
	"L3COMPLEMENTDISTRIBUTION structure BAL", "L4NUMEROVOIE structure BAL",
	"L4COMPLEMENTNUMEROVOIE structure BAL", "L4TYPEVOIE structure BAL", "L4LIBELLEVOIE structure BAL",
	"L5LIEUDITMENTION structure BAL", "L6LIGNEACHEMINEMENT structure BAL", "Code postal structure BAL",
	"Département structure BAL", "Pays structure BAL",
}

// professions maps a certificate title to the Annuaire Santé profession code (TRE_G15).
var professions = map[string]string{"pharmacien": "21", "médecin": "10", "medecin": "10", "infirmier": "60",
	"préparateur en pharmacie": "", "sage-femme": "50", "chirurgien-dentiste": "40"}

// directoryRows returns the published rows: active ORG and PER BALs not in liste rouge.
func directoryRows(bals []*balRecord, now time.Time) [][]string {
	var rows [][]string
	for _, b := range bals {
		if !b.active(now) || b.ListeRouge || (b.Kind != provisioning.KindPER && b.Kind != provisioning.KindORG) {
			continue
		}
		r := make([]string, len(DirectoryHeader))
		r[0], r[1] = b.Kind, b.Address
		if b.Kind == provisioning.KindPER {
			id := b.Holder.ID
			if id != "" {
				r[2], r[3], r[4] = id[:1], id[1:], id
			}
			r[9], r[10] = strings.ToUpper(b.Holder.Surname), b.Holder.GivenName
			r[11], r[12] = "C", "Civil"
			r[13], r[14] = professions[strings.ToLower(b.Holder.Profession)], b.Holder.Profession
		}
		r[17] = "O"
		if st := b.Structure; st != nil {
			r[5], r[6] = "1", st.FINESS
			r[18], r[19] = st.Name, st.Name
			r[25] = st.Street
			r[27] = strings.ToUpper(st.PostalCode + " " + st.City)
			r[28] = st.PostalCode
			if len(st.PostalCode) >= 2 {
				r[29] = st.PostalCode[:2]
			}
			r[30] = "FRANCE"
		}
		for i := range r {
			r[i] = strings.NewReplacer("|", " ", "\r", " ", "\n", " ").Replace(r[i])
		}
		rows = append(rows, r)
	}
	return rows
}

// directoryText renders the extraction: UTF-8, '|'-delimited, header row, CRLF.
func directoryText(rows [][]string) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(DirectoryHeader, "|") + "\r\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, "|") + "\r\n")
	}
	return b.Bytes()
}

// directoryZip wraps the extraction as the ANS publishes it.
func directoryZip(text []byte, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.CreateHeader(&zip.FileHeader{
		Name: "Extraction_Correspondance_MSSante_" + now.UTC().Format("200601021504") + ".txt", Method: zip.Deflate, Modified: now,
	})
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(text); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// trustList is listeblanchemssante.xml as the ANS publishes it.
type trustList struct {
	XMLName  xml.Name       `xml:"https://listeblanche.mssante.fr/schema ListeBlancheMSSante"`
	Date     string         `xml:"DateDeGeneration"`
	Domaines []trustDomaine `xml:"ListeDomaines>Domaine"`
}

type trustDomaine struct {
	Nom         string `xml:"Nom"`
	Description string `xml:"Description"`
	DN          string `xml:"DNCertificatOperateur"`
	DateMAJ     string `xml:"DateMAJ"`
}

// trustListSigner is the organisation certificate the sandbox signs its list with, as the
// ANS signs its own with an ORGANISATIONS certificate.
const (
	trustListSignerName   = "ESPACE DE CONFIANCE MSSANTE BAC A SABLE"
	trustListSignerFINESS = "690999990"
)

// trustListXML renders listeblanchemssante.xml: one //Domaine/Nom per domain of the space,
// signed with signer (enveloped XML-DSig, exclusive C14N, RSA-SHA256).
func trustListXML(domains []string, now time.Time, signer tls.Certificate, serverDN string) ([]byte, error) {
	stamp := now.UTC().Format(time.RFC3339)
	l := trustList{Date: stamp}
	for _, d := range domains {
		desc := "Domaine de messagerie MSSanté de l'opérateur bac à sable Comptoir"
		if d == PatientDomain {
			desc = "Mon Espace Santé (simulé)"
		}
		l.Domaines = append(l.Domaines, trustDomaine{Nom: d, Description: desc, DN: serverDN, DateMAJ: stamp})
	}
	out, err := xml.MarshalIndent(l, "", "  ")
	if err != nil {
		return nil, err
	}
	return trustlist.Sign(append([]byte(xml.Header), append(out, '\n')...), signer)
}

// published builds both files from the current state.
func (s *Server) published() (trust, dirZip []byte, err error) {
	now := s.opts.Now()
	var dn string
	if s.cert.Leaf != nil {
		dn = s.cert.Leaf.Subject.String()
	}
	trust, err = trustListXML(s.trustDomains(), now, s.listSigner, dn)
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox: trust list: %w", err)
	}
	dirZip, err = directoryZip(directoryText(directoryRows(s.reg.all(), now)), now)
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox: directory: %w", err)
	}
	return trust, dirZip, nil
}

// publish writes the published files into the data directory.
func (s *Server) publish() error {
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	trust, dirZip, err := s.published()
	if err != nil {
		return err
	}
	for path, data := range map[string][]byte{s.TrustListPath(): trust, s.DirectoryPath(): dirZip} {
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			return fmt.Errorf("sandbox: publish %s: %w", filepath.Base(path), err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("sandbox: publish %s: %w", filepath.Base(path), err)
		}
	}
	return nil
}
