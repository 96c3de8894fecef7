package msg

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"mime"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"

	"comptoir/mail/patient"
	"comptoir/mail/xdm"
)

// XDMName is the attachment name of an IHE XDM archive.
const XDMName = "IHE_XDM.ZIP"

// Build writes d as an RFC 5322 message following the MSSanté rules (see the package doc).
func Build(d Draft, o BuildOptions) (*Built, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.PatientLimit <= 0 {
		o.PatientLimit = DefaultPatientLimit
	}
	if noControls(o.NIL) == "" {
		o.NIL = DefaultNIL
	}
	if err := checkAddress(d.From); err != nil {
		return nil, fmt.Errorf("msg: build: from: %w", ErrNoSender)
	}
	rcpts, err := recipients(d)
	if err != nil {
		return nil, err
	}
	var patients []string
	for _, r := range rcpts {
		if (Address{Email: r}).IsPatient() {
			patients = append(patients, r)
		}
	}
	b := &Built{From: d.From.Email, Recipients: rcpts}
	var unreadable error
	if d.Documents == nil {
		// An IHE_XDM.ZIP attached as a file (a forward whose Documents a UI dropped, or one
		// the user picked) is what travels: the MSSanté fields describe it all the same.
		d.Documents, unreadable = attachedPackage(d.Attachments)
	}
	codes := []string(nil)
	if d.Documents != nil {
		codes = d.Documents.CodesCDA()
		if err := checkDocuments(d, patients); err != nil {
			return nil, err
		}
	}
	id, err := newMessageID(d.From.Domain(), o.Now)
	if err != nil {
		return nil, err
	}
	b.MessageID = id

	// Formatting goes through go-message's setters; the fields are then laid out in the
	// conventional order, MSSanté fields with their exact spelling.
	var f gomail.Header
	f.SetDate(o.Now)
	f.SetAddressList("From", []*gomail.Address{{Name: d.From.Name, Address: d.From.Email}})
	f.SetAddressList("To", toList(d.To))
	f.SetAddressList("Cc", toList(d.Cc))
	f.SetSubject(subjectFor(d))
	f.SetAddressList("Disposition-Notification-To", []*gomail.Address{{Address: d.From.Email}})
	fields := []field{
		{k: "Date", v: f.Get("Date")},
		{k: "From", v: f.Get("From")},
		{k: "To", v: f.Get("To")},
	}
	if len(d.Cc) > 0 {
		fields = append(fields, field{k: "Cc", v: f.Get("Cc")})
	}
	fields = append(fields, field{k: "Subject", v: f.Get("Subject")}, field{k: "Message-ID", v: "<" + id + ">", raw: true})
	if irt := cleanIDs([]string{d.InReplyTo}); len(irt) == 1 {
		fields = append(fields, field{k: "In-Reply-To", v: "<" + irt[0] + ">", raw: true})
	}
	if refs := cleanIDs(d.References); len(refs) > 0 {
		fields = append(fields, field{k: "References", v: foldList("References", bracket(refs), " "), raw: true})
	}
	if d.RequestMDN {
		fields = append(fields, field{k: "Disposition-Notification-To", v: f.Get("Disposition-Notification-To")})
	}
	if ref := noControls(o.NIL); ref != "" {
		fields = append(fields, field{k: "X-MSS-NIL", v: ref, raw: true})
	}
	if len(codes) > 0 { // only when CDA documents travel (ECO.2.4.1, ECO.2.4.2)
		fields = append(fields,
			field{k: "X-MSS-CODECDA", v: foldList("X-MSS-CODECDA", codes, ", "), raw: true},
			field{k: "X-MSS-INS", v: insFlag(d), raw: true})
	}
	if d.NoReplyExpected && len(patients) > 0 {
		fields = append(fields, field{k: "X-MSS-MES", v: "FIN", raw: true})
	}
	fields = append(fields, field{k: "MIME-Version", v: "1.0", raw: true})

	parts, err := attachments(d)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeMessage(&buf, fields, d.Text, parts); err != nil {
		return nil, fmt.Errorf("msg: build: %w", err)
	}
	b.Raw = buf.Bytes()
	if len(patients) > 0 && int64(len(b.Raw)) > o.PatientLimit {
		return nil, fmt.Errorf("msg: build: %d bytes > %d: %w", len(b.Raw), o.PatientLimit, ErrTooLargeForPatient)
	}
	if d.RequestDSN {
		b.DSN = &DSNRequest{Notify: []string{"SUCCESS", "FAILURE", "DELAY"}, Return: "HDRS", EnvelopeID: id}
	}
	b.Warnings = warnings(d, rcpts, o.Trust, len(codes) > 0)
	if unreadable != nil {
		b.Warnings = append(b.Warnings, Warning{Kind: WarnUnreadableXDM,
			Message: "L'archive IHE_XDM.ZIP jointe est illisible (" + strings.TrimSuffix(UserMessage(unreadable), ".") + ") : elle partira comme une pièce jointe ordinaire, sans les indications MSSanté des documents de santé."})
	}
	return b, nil
}

func checkAddress(a Address) error {
	if a.Email == "" || strings.ContainsAny(a.Email, " <>\r\n,;\"") {
		return fmt.Errorf("%w: %q", ErrBadAddress, a.Email)
	}
	p, err := mail.ParseAddress(a.Email)
	if err != nil || p.Address != a.Email || a.Domain() == "" {
		return fmt.Errorf("%w: %q", ErrBadAddress, a.Email)
	}
	if strings.ContainsAny(a.Name, "\r\n") {
		return fmt.Errorf("%w: display name of %q", ErrBadAddress, a.Email)
	}
	return nil
}

// recipients checks and deduplicates To, Cc and Bcc (case-insensitively).
func recipients(d Draft) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, list := range [][]Address{d.To, d.Cc, d.Bcc} {
		for _, a := range list {
			if err := checkAddress(a); err != nil {
				return nil, fmt.Errorf("msg: build: recipient: %w", err)
			}
			k := strings.ToLower(a.Email)
			if !seen[k] {
				seen[k] = true
				out = append(out, a.Email)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("msg: build: %w", ErrNoRecipient)
	}
	if len(d.To) == 0 && len(d.Cc) == 0 {
		// Only Bcc: RFC 5322 allows it, but MSSanté clients expect a To; refuse clearly.
		return nil, fmt.Errorf("msg: build: only blind copies: %w", ErrNoRecipient)
	}
	return out, nil
}

// checkDocuments enforces one patient per message carrying documents (ECO.2.1.1).
func checkDocuments(d Draft, patients []string) error {
	if len(d.Documents.Documents) == 0 {
		return fmt.Errorf("msg: build: %w", ErrNoDocument)
	}
	if len(patients) > 1 {
		return fmt.Errorf("msg: build: %d patient recipients: %w", len(patients), ErrSeveralPatients)
	}
	ins := d.Documents.Patient.ID
	if d.Patient != nil && d.Patient.INS != "" && ins != "" && !strings.EqualFold(d.Patient.INS, ins) {
		return fmt.Errorf("msg: build: draft patient differs from the documents' patient: %w", ErrPatientMismatch)
	}
	for _, p := range patients {
		local, _, _ := strings.Cut(p, "@")
		if ins != "" && !strings.EqualFold(local, ins) {
			return fmt.Errorf("msg: build: recipient patient differs from the documents' patient: %w", ErrPatientMismatch)
		}
	}
	return nil
}

// insFlag is X-MSS-INS, from the sender's own check: O only when the documents' patient id
// is an INS (INS OID and valid key), the draft's patient is that INS, and the sender marked
// it qualified (checked against the INSi service). Never copied from a received message.
func insFlag(d Draft) string {
	pat := d.Documents.Patient
	if d.Patient != nil && d.Patient.Qualified && pat.IsINS() && strings.EqualFold(strings.TrimSpace(d.Patient.INS), pat.ID) {
		return "O"
	}
	return "N"
}

// attachedPackage reads an IHE_XDM.ZIP among the attachments: nil, nil when there is none.
func attachedPackage(as []Attachment) (*xdm.Package, error) {
	for _, a := range as {
		if strings.EqualFold(a.Name, XDMName) {
			return xdm.Read(bytes.NewReader(a.Data), int64(len(a.Data)), nil)
		}
	}
	return nil, nil
}

// patientNames merges the draft's patient with the documents' metadata.
func patientNames(d Draft) (family, given string, birth time.Time, file string) {
	if d.Patient != nil {
		family, given, birth, file = d.Patient.Family, d.Patient.Given, d.Patient.BirthDate, d.Patient.FileNumber
	}
	if d.Documents != nil {
		p := d.Documents.Patient
		if family == "" {
			family = p.Family
		}
		if given == "" {
			given = p.Given
		}
		if birth.IsZero() {
			birth = p.BirthDate
		}
	}
	return
}

// subjectFor returns the draft's subject, or the XDM/1.0/DDM+ subject when documents travel;
// the draft's subject then serves as the label.
func subjectFor(d Draft) string {
	s := strings.TrimSpace(d.Subject)
	if d.Documents == nil || DisplaySubject(s) != s {
		return s
	}
	label := s
	if label == "" && len(d.Documents.Documents) > 0 {
		doc := d.Documents.Documents[0]
		label = doc.Type.Display
		if label == "" {
			label = doc.Title
		}
	}
	family, given, birth, _ := patientNames(d)
	if names := strings.TrimSpace(strings.ToUpper(family) + " " + given); names != "" && strings.Contains(label, names) {
		return DocumentSubjectPrefix + label // a reply or forward already names the patient
	}
	return DocumentSubject(label, family, given, birth)
}

func toList(as []Address) []*gomail.Address {
	out := make([]*gomail.Address, len(as))
	for i, a := range as {
		out[i] = &gomail.Address{Name: a.Name, Address: a.Email}
	}
	return out
}

func trimID(id string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
}

// noControls drops control characters: header values must not break lines.
func noControls(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s))
}

// cleanIDs keeps well-formed message ids (no spaces, brackets or controls), without brackets.
func cleanIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = trimID(id); id != "" && strings.Contains(id, "@") && noControls(id) == id && !strings.ContainsAny(id, " <>") {
			out = append(out, id)
		}
	}
	return out
}

// newMessageID returns <time.random@domain> (time in base 36, 96 random bits in base 32):
// unique without any state, and short enough for 78-character lines.
func newMessageID(domain string, now time.Time) (string, error) {
	var r [12]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("msg: message id: %w", err)
	}
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(r[:])
	return strconv.FormatInt(now.Unix(), 36) + "." + strings.ToLower(enc) + "@" + domain, nil
}

func newBoundary() (string, error) {
	var r [24]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("boundary: %w", err)
	}
	return "=_comptoir_" + hex.EncodeToString(r[:]), nil
}

type part struct {
	name, contentType string
	data              []byte
}

// attachments lists the MIME parts after the text: the PDF copies of the documents, the
// user's attachments, then IHE_XDM.ZIP.
func attachments(d Draft) ([]part, error) {
	var out []part
	used := map[string]bool{}
	for _, a := range d.Attachments {
		if strings.TrimSpace(a.Name) == "" || strings.ContainsAny(a.Name, "\r\n\x00") {
			return nil, fmt.Errorf("msg: build: attachment name %q: %w", a.Name, ErrBadAttachment)
		}
		used[strings.ToLower(a.Name)] = true
	}
	// A forwarded archive travels as it came (Forward attaches it and sets Documents from it).
	var givenZip []byte
	if d.Documents != nil {
		for _, a := range d.Attachments {
			if strings.EqualFold(a.Name, XDMName) {
				givenZip = a.Data
			}
		}
	}
	if d.Documents != nil {
		family, given, _, file := patientNames(d)
		taken := map[string]bool{}
		for _, doc := range d.Documents.Documents {
			if len(doc.PDF) == 0 {
				continue
			}
			act := doc.ServiceStart
			if act.IsZero() {
				act = doc.CreationTime
			}
			typ := doc.Type.Display
			if typ == "" {
				typ = doc.Title
			}
			if hasContent(d.Attachments, doc.PDF) {
				continue // the copy is already attached (forwarded with its sender's name)
			}
			name := uniqueName(PDFName(act, typ, family, given, file), used, taken)
			if name == "" {
				continue // a copy with this name is already attached
			}
			out = append(out, part{name, "application/pdf", doc.PDF})
		}
	}
	for _, a := range d.Attachments {
		if givenZip != nil && strings.EqualFold(a.Name, XDMName) {
			continue
		}
		ct := a.ContentType
		if _, _, err := mime.ParseMediaType(ct); ct == "" || err != nil {
			ct = "application/octet-stream"
		}
		out = append(out, part{a.Name, ct, a.Data})
	}
	if d.Documents != nil {
		zip := givenZip
		if zip == nil {
			var err error
			if zip, err = d.Documents.Bytes(); err != nil {
				return nil, fmt.Errorf("msg: build: %w", err)
			}
		}
		out = append(out, part{XDMName, "application/zip", zip})
	}
	return out, nil
}

// hasContent reports whether an attachment holds exactly data.
func hasContent(as []Attachment, data []byte) bool {
	for _, a := range as {
		if len(a.Data) == len(data) && bytes.Equal(a.Data, data) {
			return true
		}
	}
	return false
}

// uniqueName returns "" when name is taken by a user attachment, else name, numbered when
// another document copy already took it.
func uniqueName(name string, userNames, taken map[string]bool) string {
	if userNames[strings.ToLower(name)] {
		return ""
	}
	base := strings.TrimSuffix(name, ".pdf")
	for i := 2; taken[strings.ToLower(name)]; i++ {
		name = fmt.Sprintf("%s-%d.pdf", base, i)
	}
	taken[strings.ToLower(name)] = true
	return name
}

// field is one header field; raw ones are written exactly as given (already folded).
type field struct {
	k, v string
	raw  bool
}

// foldList joins items with sep, folding (CRLF + space) before an item that would make the
// line longer than 78 characters; items themselves are never split.
func foldList(key string, items []string, sep string) string {
	var b strings.Builder
	line := len(key) + 2
	for i, it := range items {
		if i > 0 {
			s := strings.TrimRight(sep, " ")
			b.WriteString(s)
			line += len(s)
			if line+1+len(it) > 78 {
				b.WriteString("\r\n ")
				line = 1
			} else {
				b.WriteString(sep[len(s):])
				line += len(sep) - len(s)
			}
		}
		b.WriteString(it)
		line += len(it)
	}
	return b.String()
}

func bracket(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "<" + id + ">"
	}
	return out
}

// header lays fields out in order (go-message writes the last added field first).
func header(fields []field) message.Header {
	var h message.Header
	for i := len(fields) - 1; i >= 0; i-- {
		f := fields[i]
		if f.raw {
			h.AddRaw([]byte(f.k + ": " + f.v + "\r\n"))
		} else {
			h.Add(f.k, f.v)
		}
	}
	return h
}

func writeMessage(buf *bytes.Buffer, fields []field, text string, parts []part) error {
	text = normalizeText(text)
	if len(parts) == 0 {
		fields = append(fields,
			field{k: "Content-Type", v: "text/plain; charset=utf-8"},
			field{k: "Content-Transfer-Encoding", v: "quoted-printable"})
		w, err := message.CreateWriter(buf, header(fields))
		if err != nil {
			return err
		}
		if _, err := w.Write([]byte(text)); err != nil {
			return err
		}
		return w.Close()
	}
	boundary, err := newBoundary()
	if err != nil {
		return err
	}
	fields = append(fields, field{k: "Content-Type", v: mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": boundary})})
	w, err := message.CreateWriter(buf, header(fields))
	if err != nil {
		return err
	}
	var th message.Header
	th.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	th.Set("Content-Transfer-Encoding", "quoted-printable")
	pw, err := w.CreatePart(th)
	if err != nil {
		return err
	}
	if _, err := pw.Write([]byte(text)); err != nil {
		return err
	}
	if err := pw.Close(); err != nil {
		return err
	}
	for _, p := range parts {
		var ah message.Header
		// RFC 2231 (filename*=utf-8''...) for non-ASCII names; go-message's own setter would
		// put RFC 2047 inside the parameter.
		ah.Set("Content-Type", formatMediaType(p.contentType, "name", p.name))
		ah.Set("Content-Disposition", formatMediaType("attachment", "filename", p.name))
		ah.Set("Content-Transfer-Encoding", "base64")
		pw, err := w.CreatePart(ah)
		if err != nil {
			return err
		}
		if _, err := pw.Write(p.data); err != nil {
			return err
		}
		if err := pw.Close(); err != nil {
			return err
		}
	}
	return w.Close()
}

// normalizeText makes line ends LF (the quoted-printable writer emits CRLF) and drops NULs.
func normalizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\x00", "")
}

func warnings(d Draft, rcpts []string, t *TrustList, cda bool) []Warning {
	var out []Warning
	if t == nil {
		out = append(out, Warning{Kind: WarnNoTrustList, Addresses: rcpts,
			Message: "La liste des domaines de l'espace de confiance MSSanté n'est pas disponible : les destinataires n'ont pas pu être vérifiés."})
	} else if outside := t.OutsideTrust(rcpts); len(outside) > 0 {
		out = append(out, Warning{Kind: WarnOutsideTrust, Addresses: outside,
			Message: "Ces destinataires sont hors de l'espace de confiance MSSanté : " + strings.Join(outside, ", ") + ". Confirmez-vous l'envoi ?"})
	}
	var badINS []string
	for _, r := range rcpts {
		if local, _, _ := strings.Cut(r, "@"); (Address{Email: r}).IsPatient() {
			if _, err := patient.ParseINS(local); err != nil {
				badINS = append(badINS, r)
			}
		}
	}
	if len(badINS) > 0 {
		out = append(out, Warning{Kind: WarnInvalidINS, Addresses: badINS,
			Message: "Ces adresses de patient ne contiennent pas un INS valide : " + strings.Join(badINS, ", ") + ". Vérifiez l'INS du patient."})
	}
	visible := 0
	for _, a := range append(append([]Address{}, d.To...), d.Cc...) {
		if a.IsPatient() {
			visible++
		}
	}
	if visible > 1 {
		out = append(out, Warning{Kind: WarnPatientsSeeEachOther,
			Message: "Plusieurs patients sont destinataires en À ou Cc : chacun verra l'adresse, donc l'INS, des autres. Mettez-les en Cci ou écrivez à chacun."})
	}
	if cda && insFlag(d) == "N" {
		out = append(out, Warning{Kind: WarnINSNotQualified,
			Message: "L'INS du patient n'est pas qualifié, ou les documents ne portent pas d'INS valide : ils partiront avec X-MSS-INS: N."})
	}
	return out
}
