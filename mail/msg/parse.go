package msg

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"

	"comptoir/mail/patient"
	"comptoir/mail/xdm"
)

// Bounds on what Parse keeps in memory from one message.
const (
	maxTextPart = 4 << 20  // bytes of one text part
	maxXDMZip   = 64 << 20 // bytes of an IHE_XDM.ZIP read for its metadata
	previewLen  = 160      // runes of Preview
)

// MSSHeaders are the X-MSS-* header fields of a message.
type MSSHeaders struct {
	NIL     string   // X-MSS-NIL: the sender's software
	CodeCDA []string // X-MSS-CODECDA
	INS     string   // X-MSS-INS: "O" or "N"
	MES     string   // X-MSS-MES: "FIN" when the patient expects no reply
}

// PatientRef is the patient a message is from or about.
type PatientRef struct {
	// INS is the INS, upper case: "" unless it is one. From an address, the key is checked;
	// from the XDM metadata, the OID must be an INS OID too (xdm.Patient.Kind).
	INS string
	// ID and OID are the identifier as found (the address's local part, or the XDM patient id
	// and its assigning authority), whatever its kind; IDKind says what it is.
	ID, OID string
	IDKind  xdm.IDKind
	Name    string // "NOM Prénom" when known (from the XDM metadata)
	Address string // the patient's mailbox, when the patient is a correspondent
	Source  string // "from", "to" or "xdm": where it was found
}

// IDLabel is the French name of the identifier: « INS », « INS (test) »… or « identifiant
// local » (an IPP under a hospital's OID, an INS OID with a wrong key, no OID).
func (r *PatientRef) IDLabel() string {
	return xdm.Patient{ID: r.ID, OID: r.OID}.Label()
}

// MDNRequest is a read-receipt request (Disposition-Notification-To).
type MDNRequest struct {
	To []Address
	// MustAsk is true when the request's address differs from Return-Path (or Return-Path is
	// missing, or several addresses are asked): RFC 8098 §2.1 and ECO.3.1.6 then require the
	// user's explicit agreement.
	MustAsk bool
}

// Parsed is a received message as the app shows it.
type Parsed struct {
	MessageID  string
	InReplyTo  string
	References []string
	Date       time.Time // zero when missing or malformed (see Defects)
	From       Address
	ReplyTo    []Address
	To, Cc     []Address
	ReturnPath string
	Subject    string // decoded; DisplaySubject() hides the XDM prefix

	Body         string // the text to show; HTML bodies reduced to text
	BodyFromHTML bool

	Attachments []AttachmentInfo
	Patient     *PatientRef
	// XDM is the IHE_XDM.ZIP content, when present and readable. XDMIndex is the archive's
	// index among Attachments (-1 when absent): the archive is always listed there, read or
	// not. XDMError says why it could not be read: the reader then shows the archive as an
	// ordinary attachment that can be saved, with DocumentsError().
	XDM        *xdm.Package
	XDMIndex   int
	XDMError   error
	MSS        MSSHeaders
	MDNRequest *MDNRequest
	Report     *Report
	// Confidential: Sensitivity: private or company-confidential (RFC 2156).
	Confidential bool
	// Defects lists what was wrong in the message (English, for logs); the message is still
	// shown as well as possible.
	Defects []string

	raw []byte
}

// Kind classifies the message for the list: "dsn", "mdn", "xdm", "patient" or "".
func (p *Parsed) Kind() string {
	switch {
	case p.Report != nil:
		return p.Report.Kind
	case p.XDMIndex >= 0:
		return "xdm"
	case p.Patient != nil:
		return "patient"
	}
	return ""
}

// DocumentsError is the French explanation to show when the message's IHE_XDM.ZIP could not
// be read ("" when it was, or when there is none).
func (p *Parsed) DocumentsError() string {
	if p.XDMError == nil {
		return ""
	}
	return UserMessage(p.XDMError) + " L'archive reste jointe au message : vous pouvez l'enregistrer."
}

// DisplaySubject is the subject without the XDM/1.0/DDM+ prefix.
func (p *Parsed) DisplaySubject() string { return DisplaySubject(p.Subject) }

// Preview returns the first words of the body, quoted lines left out.
func (p *Parsed) Preview() string {
	var kept []string
	for _, l := range strings.Split(p.Body, "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, ">") {
			kept = append(kept, t)
		}
		if len(kept) > 20 {
			break
		}
	}
	s := strings.Join(strings.Fields(strings.Join(kept, " ")), " ")
	if utf8.RuneCountInString(s) <= previewLen {
		return s
	}
	r := []rune(s)[:previewLen]
	return strings.TrimSpace(string(r)) + "…"
}

// Text returns what full-text search indexes: the body, the attachments' names and the
// titles of the XDM documents, white space collapsed.
func (p *Parsed) Text() string {
	parts := []string{p.Body}
	for _, a := range p.Attachments {
		parts = append(parts, a.Name)
	}
	if p.XDM != nil {
		for _, d := range p.XDM.Documents {
			parts = append(parts, d.Title, d.Type.Display)
		}
	}
	return strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
}

// Raw returns the message as parsed.
func (p *Parsed) Raw() []byte { return p.raw }

// Open streams the decoded content of attachment index.
func (p *Parsed) Open(index int) (io.Reader, error) {
	r, _, err := OpenAttachment(bytes.NewReader(p.raw), index)
	return r, err
}

// Parse reads a received message. It never panics: a malformed part is recorded in Defects
// and skipped; an error (ErrMalformed) means not even the header could be read.
func Parse(raw []byte) (p *Parsed, err error) {
	defer func() {
		// Third-party decoders run on hostile input here; a bug there must not take the
		// application down. The fuzz targets call parse directly to see any panic.
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("msg: parse: internal error: %v: %w", r, ErrMalformed)
		}
	}()
	return parse(raw, false)
}

// ParseEnvelope is Parse for indexing a message: an XDM package is read for its metadata
// only (patient, title, document entries), its documents' content is not (Parsed.XDM's
// documents have no Data or PDF). The rest is as Parse gives it.
func ParseEnvelope(raw []byte) (p *Parsed, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("msg: parse: internal error: %v: %w", r, ErrMalformed)
		}
	}()
	return parse(raw, true)
}

func parse(raw []byte, metadataOnly bool) (*Parsed, error) {
	p := &Parsed{raw: raw, XDMIndex: -1}
	pv := &parseVisitor{p: p, xdmMetadataOnly: metadataOnly}
	read := false
	w := &walker{v: pv, top: func(h message.Header) {
		read = true
		p.readHeader(gomail.Header{Header: h})
	}}
	pv.w = w
	if err := w.walkMessage(bytes.NewReader(raw)); err != nil && err != errStop {
		if !read {
			return nil, fmt.Errorf("msg: parse: %w", err)
		}
		p.defect("%v", err)
	}
	p.Body = pv.body()
	p.findPatient()
	return p, nil
}

func (p *Parsed) defect(format string, args ...any) {
	if len(p.Defects) < 100 {
		p.Defects = append(p.Defects, fmt.Sprintf(format, args...))
	}
}

func (p *Parsed) readHeader(h gomail.Header) {
	var err error
	if p.MessageID, err = h.MessageID(); err != nil {
		p.MessageID = firstID(h.Get("Message-Id"))
	}
	if ids, err := h.MsgIDList("In-Reply-To"); err == nil && len(ids) > 0 {
		p.InReplyTo = ids[0]
	} else if v := h.Get("In-Reply-To"); v != "" {
		p.InReplyTo = firstID(v)
	}
	if ids, err := h.MsgIDList("References"); err == nil {
		p.References = ids
	} else {
		p.defect("malformed References")
	}
	if h.Has("Date") {
		if p.Date, err = h.Date(); err != nil {
			if p.Date = lenientDate(h.Get("Date")); p.Date.IsZero() {
				p.defect("malformed Date")
			}
		}
	}
	p.Subject, err = h.Subject()
	if err != nil {
		p.defect("subject: %v", err)
	}
	p.Subject = fixText(p.Subject)
	from := p.addresses(h, "From")
	if len(from) > 0 {
		p.From = from[0]
	}
	p.ReplyTo = p.addresses(h, "Reply-To")
	p.To = p.addresses(h, "To")
	p.Cc = p.addresses(h, "Cc")
	p.ReturnPath = firstID(h.Get("Return-Path"))
	p.MSS = MSSHeaders{
		NIL: strings.TrimSpace(h.Get("X-Mss-Nil")),
		INS: strings.ToUpper(strings.TrimSpace(h.Get("X-Mss-Ins"))),
		MES: strings.ToUpper(strings.TrimSpace(h.Get("X-Mss-Mes"))),
	}
	for _, c := range strings.Split(h.Get("X-Mss-Codecda"), ",") {
		if c = strings.TrimSpace(c); c != "" {
			p.MSS.CodeCDA = append(p.MSS.CodeCDA, c)
		}
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Sensitivity"))) {
	case "private", "company-confidential":
		p.Confidential = true
	}
	if h.Has("Disposition-Notification-To") {
		to := p.addresses(h, "Disposition-Notification-To")
		if len(to) > 0 {
			must := len(to) > 1 || p.ReturnPath == "" || !strings.EqualFold(to[0].Email, p.ReturnPath)
			p.MDNRequest = &MDNRequest{To: to, MustAsk: must}
		}
	}
}

// addresses parses an address list; on malformed input it keeps what looks like addresses.
func (p *Parsed) addresses(h gomail.Header, key string) []Address {
	if !h.Has(key) {
		return nil
	}
	list, err := h.AddressList(key)
	if err == nil {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			out = append(out, Address{Name: fixText(a.Name), Email: a.Address})
		}
		return out
	}
	p.defect("malformed %s", key)
	var out []Address
	for _, f := range strings.FieldsFunc(h.Get(key), func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '<' || r == '>' }) {
		if strings.Count(f, "@") == 1 && !strings.ContainsAny(f, "\"()") {
			out = append(out, Address{Email: f})
		}
	}
	return out
}

func patientFromAddress(a Address, source string) *PatientRef {
	local, _, _ := strings.Cut(a.Email, "@")
	ref := &PatientRef{Address: a.Email, Source: source, Name: a.Name, ID: local}
	if ins, err := patient.ParseINS(local); err == nil {
		// Mon Espace Santé addresses are built from the INS-NIR (ECO.2.2.6).
		ref.INS, ref.ID, ref.OID, ref.IDKind = string(ins), string(ins), xdm.OIDINSNIR, xdm.IDINS
	}
	return ref
}

func (p *Parsed) findPatient() {
	if p.From.IsPatient() {
		p.Patient = patientFromAddress(p.From, "from")
	}
	if p.XDM != nil {
		name := strings.TrimSpace(strings.ToUpper(p.XDM.Patient.Family) + " " + p.XDM.Patient.Given)
		if p.Patient == nil {
			pat := p.XDM.Patient
			p.Patient = &PatientRef{ID: pat.ID, OID: pat.OID, IDKind: pat.Kind(), Source: "xdm"}
			if pat.IsINS() {
				p.Patient.INS = strings.ToUpper(pat.ID)
			}
		}
		if p.Patient.Name == "" || p.Patient.Source == "xdm" {
			p.Patient.Name = name
		}
		return
	}
	if p.Patient != nil {
		return
	}
	var found *PatientRef
	for _, a := range append(append([]Address{}, p.To...), p.Cc...) {
		if a.IsPatient() {
			if found != nil {
				return // several patients: none is "the" patient
			}
			found = patientFromAddress(a, "to")
		}
	}
	p.Patient = found
}

// parseVisitor collects the text, the attachments, the XDM package and the report.
type parseVisitor struct {
	p    *Parsed
	w    *walker
	segs []segment
	// xdmMetadataOnly: read an XDM package's metadata, not its documents (ParseEnvelope).
	xdmMetadataOnly bool
}

type segment struct {
	text       string
	html       bool
	alt, child int
}

func (v *parseVisitor) defect(d string) { v.p.defect("%s", d) }

func (v *parseVisitor) leaf(kind leafKind, info AttachmentInfo, h message.Header, raw io.Reader) error {
	p := v.p
	switch kind {
	case leafText, leafHTML:
		if kind == leafHTML && v.plainChosen() {
			return nil // body would show the plain-text alternative: converting HTML is wasted
		}
		body, err := decodeText(h, raw)
		if err != nil {
			p.defect("text part: %v", err)
		}
		data, err := io.ReadAll(io.LimitReader(body, maxTextPart))
		if err != nil {
			p.defect("text part: %v", err)
		}
		var t string
		if kind == leafHTML {
			t = HTMLToText(bytes.NewReader(data))
		} else {
			t = strings.ReplaceAll(string(data), "\r\n", "\n")
		}
		if _, params, _ := h.ContentType(); params["charset"] == "" || strings.EqualFold(params["charset"], "us-ascii") {
			t = fixText(t) // undeclared 8-bit
		} else {
			t = strings.ToValidUTF8(t, "\uFFFD") // declared: keep what decoded, mark the rest
		}
		v.segs = append(v.segs, segment{text: t, html: kind == leafHTML, alt: v.w.alt, child: v.w.child})
	case leafReport:
		if p.Report == nil {
			p.Report = &Report{}
		}
		blocks := readReportFields(decodeTransfer(h, raw))
		if strings.Contains(info.ContentType, "disposition") {
			p.Report.Kind = "mdn"
			parseMDNFields(p.Report, blocks)
		} else {
			p.Report.Kind = "dsn"
			parseDSNFields(p.Report, blocks)
		}
	case leafReportOriginal:
		if p.Report == nil {
			p.Report = &Report{}
		}
		readOriginalHeaders(p.Report, decodeTransfer(h, raw))
	case leafAttachment:
		if strings.EqualFold(info.Name, XDMName) && p.XDMIndex < 0 {
			p.XDMIndex = info.Index
			body := decodeTransfer(h, raw)
			data, err := io.ReadAll(io.LimitReader(body, maxXDMZip+1))
			info.Size = int64(len(data))
			switch {
			case err != nil:
				p.XDMError = fmt.Errorf("msg: read %s: %w", XDMName, err)
			case len(data) > maxXDMZip:
				p.XDMError = fmt.Errorf("msg: %s: %w", XDMName, xdm.ErrTooLarge)
				n, _ := io.Copy(io.Discard, body)
				info.Size += n
			case v.xdmMetadataOnly:
				p.XDM, p.XDMError = xdm.ReadMetadata(bytes.NewReader(data), int64(len(data)), nil)
			default:
				p.XDM, p.XDMError = xdm.Read(bytes.NewReader(data), int64(len(data)), nil)
			}
		} else {
			n, err := partSize(h, raw)
			if err != nil {
				p.defect("attachment %d: %v", info.Index, err)
			}
			info.Size = n
		}
		p.Attachments = append(p.Attachments, info)
	}
	return nil
}

// plainChosen tells whether the multipart/alternative being walked already has a plain-text
// child with text, which body shows whatever follows.
func (v *parseVisitor) plainChosen() bool {
	if v.w.alt == 0 {
		return false
	}
	for _, s := range v.segs {
		if s.alt == v.w.alt && s.child != v.w.child && !s.html && strings.TrimSpace(s.text) != "" {
			return true
		}
	}
	return false
}

// body joins the text segments, keeping one child per multipart/alternative: the first
// plain-text one, else the last one with text.
func (v *parseVisitor) body() string {
	chosen := map[int]int{} // alt group -> child shown
	for _, s := range v.segs {
		if s.alt == 0 {
			continue
		}
		if _, ok := chosen[s.alt]; !ok {
			chosen[s.alt] = -1
		}
	}
	for alt := range chosen {
		plain, last := -1, -1
		for _, s := range v.segs {
			if s.alt != alt || strings.TrimSpace(s.text) == "" {
				continue
			}
			if !s.html && plain < 0 {
				plain = s.child
			}
			last = s.child
		}
		if plain >= 0 {
			chosen[alt] = plain
		} else {
			chosen[alt] = last
		}
	}
	var parts []string
	for _, s := range v.segs {
		if s.alt != 0 && chosen[s.alt] != s.child {
			continue
		}
		if strings.TrimSpace(s.text) == "" {
			continue
		}
		if s.html {
			v.p.BodyFromHTML = true
		}
		parts = append(parts, strings.TrimRight(s.text, "\n "))
	}
	return strings.Join(parts, "\n\n")
}

// dateLayouts are forms seen in the wild that net/mail refuses.
var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 MST", "2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 2006 15:04:05 -0700 (MST)", "Mon Jan 2 15:04:05 2006", "Mon Jan _2 15:04:05 MST 2006",
	"2006-01-02 15:04:05 -0700", time.RFC3339,
}

// lenientDate parses a Date header net/mail refused; the zero time if nothing fits.
func lenientDate(v string) time.Time {
	v = strings.Join(strings.Fields(v), " ")
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil && t.Year() > 1970 {
			return t
		}
	}
	return time.Time{}
}
