package msg

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Paris where the system has no zone database (Windows)

	"github.com/emersion/go-message"
)

// maxReferences bounds References: the thread root and the most recent ids are kept.
const maxReferences = 20

// Reply returns a draft answering p from the mailbox me: to Reply-To (or From), and with all
// to every other To/Cc recipient too; threaded with In-Reply-To/References, "Re: " subject,
// the original quoted. The patient the message is about is kept in Patient (not qualified),
// so that documents added to the reply are checked against it; the received documents are
// not sent back.
func Reply(p *Parsed, all bool, me string) Draft {
	d := Draft{
		From:      Address{Email: me},
		Subject:   "Re: " + stripPrefixes(p.DisplaySubject()),
		InReplyTo: p.MessageID,
	}
	d.References = threadRefs(p)
	seen := map[string]bool{strings.ToLower(me): true}
	add := func(list *[]Address, as ...Address) {
		for _, a := range as {
			k := strings.ToLower(a.Email)
			if a.Email == "" || seen[k] {
				continue
			}
			seen[k] = true
			*list = append(*list, a)
		}
	}
	if len(p.ReplyTo) > 0 {
		add(&d.To, p.ReplyTo...)
	} else {
		add(&d.To, p.From)
	}
	if all {
		add(&d.To, p.To...)
		add(&d.Cc, p.Cc...)
	}
	if len(d.To) == 0 && len(d.Cc) > 0 { // answering one's own message to others
		d.To, d.Cc = d.Cc, nil
	}
	d.Text = "\n\n" + attribution(p) + "\n" + quote(p.Body)
	d.Patient = patientOf(p)
	return d
}

// patientOf is the patient a received message is about, for a reply or a forward: from the
// XDM metadata or the patient's own address. The INS is set only when it is one (INS OID and
// valid key); Qualified is never copied from the message (its X-MSS-INS): the sender sets it
// from its own patient book.
func patientOf(p *Parsed) *PatientInfo {
	var info *PatientInfo
	if p.XDM != nil {
		pat := p.XDM.Patient
		info = &PatientInfo{Family: pat.Family, Given: pat.Given, BirthDate: pat.BirthDate, Sex: pat.Sex}
		if pat.IsINS() {
			info.INS = strings.ToUpper(pat.ID)
		}
	}
	if p.Patient != nil && p.Patient.INS != "" {
		if info == nil {
			info = &PatientInfo{}
		}
		if info.INS == "" {
			info.INS = p.Patient.INS
		}
	}
	return info
}

func threadRefs(p *Parsed) []string {
	refs := cleanIDs(p.References)
	if len(refs) == 0 && p.InReplyTo != "" {
		refs = cleanIDs([]string{p.InReplyTo})
	}
	if id := cleanIDs([]string{p.MessageID}); len(id) == 1 {
		refs = append(refs, id[0])
	}
	if len(refs) > maxReferences {
		refs = append(refs[:1], refs[len(refs)-maxReferences+1:]...)
	}
	return refs
}

func attribution(p *Parsed) string {
	who := p.From.Email
	if p.From.Name != "" {
		who = p.From.Name + " <" + p.From.Email + ">"
	}
	if p.Date.IsZero() {
		return who + " a écrit :"
	}
	return "Le " + frenchDate(p.Date) + ", " + who + " a écrit :"
}

var frMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
	"septembre", "octobre", "novembre", "décembre"}

// paris is the pharmacies' time zone; time/tzdata makes it available on Windows too.
var paris = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.UTC
	}
	return loc
})

// frenchDate writes "25 novembre 2026 à 10:04" in Paris time.
func frenchDate(t time.Time) string {
	t = t.In(paris())
	return t.Format("2") + " " + frMonths[t.Month()-1] + " " + t.Format("2006 à 15:04")
}

func quote(body string) string {
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ">") {
			lines[i] = ">" + l
		} else {
			lines[i] = "> " + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// maxForward bounds the attachments Forward copies into the draft.
const maxForward = 64 << 20

// Forward returns a draft transferring p: "Tr : " subject, the original header block and
// text, and the attachments. When the IHE XDM archive could be read, Documents and Patient
// are set from it so that Build writes the XDM/1.0/DDM+ subject and the MSSanté fields; the
// archive itself travels unchanged (it is among the attachments, and Build reads it again if
// a UI drops Documents). Patient.Qualified is false: X-MSS-INS: O needs the sender's own
// check (its patient book), never the received X-MSS-INS.
func Forward(p *Parsed) Draft {
	d := Draft{Subject: "Tr : " + stripPrefixes(p.DisplaySubject())}
	var b strings.Builder
	b.WriteString("\n\n-------- Message transféré --------\n")
	b.WriteString("Objet : " + p.DisplaySubject() + "\n")
	if !p.Date.IsZero() {
		b.WriteString("Date : " + frenchDate(p.Date) + "\n")
	}
	b.WriteString("De : " + formatAddrs([]Address{p.From}) + "\n")
	if len(p.To) > 0 {
		b.WriteString("À : " + formatAddrs(p.To) + "\n")
	}
	if len(p.Cc) > 0 {
		b.WriteString("Cc : " + formatAddrs(p.Cc) + "\n")
	}
	b.WriteString("\n" + p.Body + "\n")
	d.Text = b.String()
	if p.XDM != nil {
		d.Documents = p.XDM
	}
	d.Patient = patientOf(p)
	d.Attachments = collectAttachments(p.raw, maxForward)
	return d
}

func formatAddrs(as []Address) string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		if a.Name != "" {
			out = append(out, a.Name+" <"+a.Email+">")
		} else {
			out = append(out, a.Email)
		}
	}
	return strings.Join(out, ", ")
}

// collectAttachments reads every attachment in one pass, up to limit bytes in all.
func collectAttachments(raw []byte, limit int64) []Attachment {
	c := &collector{left: limit}
	w := &walker{v: c}
	_ = w.walkMessage(bytes.NewReader(raw))
	return c.out
}

type collector struct {
	left int64
	out  []Attachment
}

func (c *collector) leaf(kind leafKind, info AttachmentInfo, h message.Header, raw io.Reader) error {
	if kind != leafAttachment {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(decodeTransfer(h, raw), c.left+1))
	if err != nil {
		return nil // an undecodable part is not forwarded
	}
	if int64(len(data)) > c.left {
		return errStop
	}
	c.left -= int64(len(data))
	c.out = append(c.out, Attachment{Name: info.Name, ContentType: info.ContentType, Data: data})
	return nil
}

func (c *collector) defect(string) {}
