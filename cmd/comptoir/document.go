package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"comptoir/app"
	"comptoir/mail/msg"
	"comptoir/mail/xdm"
)

// maxDocumentFile bounds the file "comptoir document" reads: an MSSanté message is at most a
// few tens of megabytes.
const maxDocumentFile = 96 << 20

// errDocumentProblems: the file was read but something in it is wrong (exit status 1).
var errDocumentProblems = errors.New("problème(s) trouvé(s)")

// runDocument serves "comptoir document [--json] FICHIER": what a message (.eml), an
// IHE_XDM.ZIP or a CDA (.xml) holds — the patient, each document and its checks, any error —
// for support staff and the pharmacy's own software.
func runDocument(_ context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "document")
	asJSON := fs.Bool("json", false, "sortie JSON (pour un autre logiciel)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(env.stderr, "Utilisation : comptoir document [--json] FICHIER.eml|IHE_XDM.ZIP|document.xml")
		return fmt.Errorf("%w: un fichier attendu", errUsage)
	}
	rep, err := inspectFile(fs.Arg(0))
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("écriture : %w", err)
		}
	} else {
		rep.print(env.stdout)
	}
	if len(rep.Errors) > 0 {
		return fmt.Errorf("%d %s", len(rep.Errors), errDocumentProblems)
	}
	return nil
}

// docReport is what the command prints; its JSON form is the machine-readable output.
type docReport struct {
	File       string       `json:"file"`
	Format     string       `json:"format"` // "eml", "xdm" or "cda"
	Subject    string       `json:"subject,omitempty"`
	From       string       `json:"from,omitempty"`
	Patient    *docPatient  `json:"patient"`
	OtherIDs   []docPatient `json:"other_ids,omitempty"`
	Documents  []docEntry   `json:"documents"`
	Signatures []docEntry   `json:"signatures,omitempty"`
	Errors     []docError   `json:"errors"`
}

type docPatient struct {
	ID        string `json:"id"`
	OID       string `json:"oid"`
	Kind      string `json:"kind"`  // "ins", "ins-test" or "local"
	Label     string `json:"label"` // « INS », « INS (test) », « identifiant local »
	INS       bool   `json:"ins"`
	INSOID    bool   `json:"ins_oid"`
	KeyValid  bool   `json:"key_valid"`
	Family    string `json:"family,omitempty"`
	Given     string `json:"given,omitempty"`
	BirthDate string `json:"birth_date,omitempty"` // YYYY-MM-DD
	Sex       string `json:"sex,omitempty"`
}

type docEntry struct {
	Title        string   `json:"title"`
	Kind         string   `json:"kind"`
	KindLabel    string   `json:"kind_label"`
	MimeType     string   `json:"mime_type"`
	FileName     string   `json:"file_name"`
	Type         *docCode `json:"type,omitempty"`     // XDS typeCode
	CDACode      *docCode `json:"cda_code,omitempty"` // the CDA's own code: X-MSS-CODECDA
	Size         int64    `json:"size"`
	DeclaredSize *int64   `json:"declared_size"`
	SizeCheck    string   `json:"size_check"` // "ok", "mismatch" or "none"
	SHA1         string   `json:"sha1"`
	DeclaredSHA1 string   `json:"declared_sha1,omitempty"`
	HashCheck    string   `json:"hash_check"`
	PDFSize      int64    `json:"pdf_size,omitempty"` // the PDF inside a CDA level 1
	Damage       string   `json:"damage,omitempty"`   // why the file could not be read from the archive
}

type docCode struct {
	Code    string `json:"code"`
	Scheme  string `json:"scheme"`
	Display string `json:"display,omitempty"`
}

func codeOf(c xdm.Code) *docCode {
	if c.Code == "" {
		return nil
	}
	return &docCode{Code: c.Code, Scheme: c.Scheme, Display: c.Display}
}

type docError struct {
	Message string `json:"message"` // French, for the user
	Detail  string `json:"detail,omitempty"`
}

// inspectFile reads path and recognises it by its content: a zip is an IHE XDM archive, XML
// a CDA, anything else a message.
func inspectFile(path string) (*docReport, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("lecture de %s : %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDocumentFile+1))
	if err != nil {
		return nil, fmt.Errorf("lecture de %s : %w", path, err)
	}
	if len(data) > maxDocumentFile {
		return nil, fmt.Errorf("%s dépasse %d Mo : ce n'est pas un message MSSanté", path, maxDocumentFile>>20)
	}
	rep := &docReport{File: filepath.Base(path), Documents: []docEntry{}, Errors: []docError{}}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case bytes.HasPrefix(data, []byte("PK")):
		rep.Format = "xdm"
		pkg, err := xdm.Read(bytes.NewReader(data), int64(len(data)), nil)
		if err != nil {
			rep.fail(err)
			break
		}
		rep.addPackage(pkg)
	case bytes.HasPrefix(trimmed, []byte("<")):
		rep.Format = "cda"
		rep.addCDA(data)
	default:
		rep.Format = "eml"
		rep.addMessage(data)
	}
	return rep, nil
}

func (r *docReport) fail(err error) {
	r.Errors = append(r.Errors, docError{Message: msg.UserMessage(err), Detail: err.Error()})
}

func (r *docReport) addMessage(raw []byte) {
	p, err := msg.Parse(raw)
	if err != nil {
		r.fail(err)
		return
	}
	r.Subject, r.From = p.DisplaySubject(), p.From.Email
	if p.XDMError != nil {
		r.Errors = append(r.Errors, docError{Message: p.DocumentsError(), Detail: p.XDMError.Error()})
	}
	if p.XDM != nil {
		r.addPackage(p.XDM)
		return
	}
	if p.Patient != nil && p.Patient.ID != "" {
		r.Patient = patientOf(xdm.Patient{ID: p.Patient.ID, OID: p.Patient.OID})
	}
}

func (r *docReport) addPackage(pkg *xdm.Package) {
	r.Patient = patientOf(pkg.Patient)
	for i := range pkg.Documents {
		r.Documents = append(r.Documents, entryOf(&pkg.Documents[i]))
		r.check(&pkg.Documents[i], "Le document")
	}
	for i := range pkg.Signatures {
		r.Signatures = append(r.Signatures, entryOf(&pkg.Signatures[i]))
		r.check(&pkg.Signatures[i], "La signature")
	}
	if len(pkg.Documents) == 0 {
		r.Errors = append(r.Errors, docError{Message: "L'archive ne contient aucun document."})
	}
}

// check reports a document that could not be read, or whose content differs from its
// metadata.
func (r *docReport) check(d *xdm.Document, what string) {
	if d.Damage != nil {
		r.Errors = append(r.Errors, docError{Message: what + " « " + d.FileName() + " » est endommagé dans l'archive et ne peut pas être lu.",
			Detail: d.Damage.Error()})
		return
	}
	if !d.Intact() {
		r.Errors = append(r.Errors, docError{Message: what + " « " + d.FileName() + " » ne correspond pas à la taille ou à l'empreinte annoncées dans l'archive : le fichier a pu être abîmé ou modifié.",
			Detail: fmt.Sprintf("size %d (declared %d), sha1 %s (declared %s)", d.Size, d.DeclaredSize, d.Hash, d.DeclaredHash)})
	}
}

func (r *docReport) addCDA(data []byte) {
	h, err := xdm.ParseCDA(data)
	if err != nil {
		r.fail(err)
		return
	}
	pat := h.Patient()
	r.Patient = patientOf(pat)
	for _, id := range h.Patients {
		if id.ID != pat.ID || id.OID != pat.OID {
			r.OtherIDs = append(r.OtherIDs, *patientOf(id))
		}
	}
	d := xdm.Document{Title: h.Title, Kind: xdm.KindCDA, MimeType: "text/xml", CDA: h, Data: data, DeclaredSize: -1}
	if h.Body == "nonXMLBody" && strings.EqualFold(h.MediaType, "application/pdf") {
		pdf, err := xdm.ExtractPDF(data, maxDocumentFile)
		if err != nil {
			r.fail(err)
		}
		d.PDF = pdf
	}
	e := entryOf(&d)
	e.FileName, e.Type = r.File, nil
	r.Documents = append(r.Documents, e)
}

func patientOf(p xdm.Patient) *docPatient {
	out := &docPatient{ID: p.ID, OID: p.OID, Kind: p.Kind().String(), Label: p.Label(), INS: p.IsINS(),
		INSOID: p.INSAuthority(), KeyValid: p.KeyValid(), Family: p.Family, Given: p.Given, Sex: p.Sex}
	if !p.BirthDate.IsZero() {
		out.BirthDate = p.BirthDate.Format("2006-01-02")
	}
	return out
}

func entryOf(d *xdm.Document) docEntry {
	if d.Hash == "" && d.Damage == nil { // a lone CDA: no metadata, nothing read yet
		d.Verify()
	}
	e := docEntry{Title: d.Title, Kind: d.Detect().String(), KindLabel: d.Detect().Label(), MimeType: d.MimeType,
		FileName: d.FileName(), Size: d.Size, SizeCheck: d.SizeCheck.String(), SHA1: d.Hash,
		DeclaredSHA1: d.DeclaredHash, HashCheck: d.HashCheck.String(), PDFSize: int64(len(d.PDF))}
	e.Type = codeOf(d.Type)
	if d.CDA != nil {
		e.CDACode = codeOf(d.CDA.Code)
	}
	if d.DeclaredSize >= 0 {
		n := d.DeclaredSize
		e.DeclaredSize = &n
	}
	if d.Damage != nil {
		e.Damage = d.Damage.Error()
	}
	return e
}

func (r *docReport) print(w io.Writer) {
	format := map[string]string{"eml": "message", "xdm": "archive IHE XDM", "cda": "document CDA"}[r.Format]
	fmt.Fprintf(w, "Fichier : %s (%s)\n", r.File, format)
	if r.Subject != "" || r.From != "" {
		fmt.Fprintf(w, "Message : « %s », de %s\n", r.Subject, r.From)
	}
	if p := r.Patient; p != nil {
		fmt.Fprintf(w, "Patient : %s — %s", p.ID, p.Label)
		switch {
		case p.INS:
			fmt.Fprint(w, ", clé valide")
		case p.INSOID:
			fmt.Fprint(w, " (OID d'INS mais numéro ou clé invalide)")
		}
		fmt.Fprintf(w, "\n  Autorité (OID) : %s\n", orNone(p.OID))
		if name := strings.TrimSpace(p.Family + " " + p.Given); name != "" || p.BirthDate != "" {
			fmt.Fprintf(w, "  Identité : %s", orNone(name))
			if p.BirthDate != "" {
				fmt.Fprintf(w, ", né(e) le %s/%s/%s", p.BirthDate[8:10], p.BirthDate[5:7], p.BirthDate[:4])
			}
			if p.Sex != "" {
				fmt.Fprintf(w, ", sexe %s", p.Sex)
			}
			fmt.Fprintln(w)
		}
	} else {
		fmt.Fprintln(w, "Patient : aucun")
	}
	for _, o := range r.OtherIDs {
		fmt.Fprintf(w, "  Autre identifiant : %s (%s) — %s\n", o.ID, orNone(o.OID), o.Label)
	}
	printEntries(w, "Documents", r.Documents, false)
	printEntries(w, "Signatures", r.Signatures, true)
	if len(r.Errors) > 0 {
		fmt.Fprintln(w, "Erreurs :")
		for _, e := range r.Errors {
			fmt.Fprintf(w, "  - %s\n", e.Message)
		}
	}
}

func printEntries(w io.Writer, heading string, entries []docEntry, signatures bool) {
	switch {
	case len(entries) == 0 && !signatures:
		fmt.Fprintln(w, "Documents : aucun")
		return
	case len(entries) == 0:
		return
	case signatures:
		fmt.Fprintf(w, "Signatures du lot (%d, non vérifiées par Comptoir) :\n", len(entries))
	default:
		fmt.Fprintf(w, "%s (%d) :\n", heading, len(entries))
	}
	for i, e := range entries {
		title := e.Title
		if signatures {
			title = "Signature électronique " + e.FileName // its XDS title ("Source") means nothing here
		}
		fmt.Fprintf(w, "  %d. %s\n", i+1, orNone(title))
		if e.CDACode != nil {
			fmt.Fprintf(w, "     Code du CDA : %s (%s) %s\n", e.CDACode.Code, e.CDACode.Scheme, e.CDACode.Display)
		}
		if e.Type != nil && (e.CDACode == nil || e.Type.Code != e.CDACode.Code) {
			fmt.Fprintf(w, "     Type (métadonnées) : %s (%s) %s\n", e.Type.Code, e.Type.Scheme, e.Type.Display)
		}
		fmt.Fprintf(w, "     Nature : %s — %s — %s", e.KindLabel, orNone(e.MimeType), e.FileName)
		if e.PDFSize > 0 {
			fmt.Fprintf(w, " — PDF de %s octets", app.FrenchCount(e.PDFSize))
		}
		if e.Damage != "" {
			fmt.Fprint(w, "\n     Illisible : le fichier est endommagé dans l'archive\n")
			continue
		}
		fmt.Fprintf(w, "\n     Taille : %s octets (%s", app.FrenchCount(e.Size), checkLabel(e.SizeCheck))
		if e.SizeCheck == "mismatch" && e.DeclaredSize != nil {
			fmt.Fprintf(w, " : %s annoncés", app.FrenchCount(*e.DeclaredSize))
		}
		fmt.Fprintf(w, ") — Empreinte SHA-1 : %s\n", checkLabel(e.HashCheck))
	}
}

func checkLabel(c string) string {
	switch c {
	case "ok":
		return "conforme"
	case "mismatch":
		return "différente"
	}
	return "non indiquée"
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
