package demo_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/emersion/go-smtp"

	"comptoir/app/apptest"
	"comptoir/app/pdfview"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail"
	"comptoir/mail/patient"
)

// renderLimit is the renderer's time limit here (the application's is 20 s): short, for
// the bombs to be stopped quickly, yet long enough for honest pages under -race.
const renderLimit = 8 * time.Second * slowdown

// previewWait bounds the wait for a preview's outcome: a render, its limit, the child's start.
const previewWait = renderLimit + 30*time.Second

// hostileRig is the UI on the demo world with the PDF renderer in child processes (this
// test binary, see TestMain) and the system's viewer replaced by a recorder.
type hostileRig struct {
	t      *testing.T
	h      *apptest.Harness
	mu     sync.Mutex
	opened []string              // paths handed to the system's viewer
	pids   []int                 // renderer processes handed a document
	gone   map[int]chan struct{} // closed once that renderer process is killed and reaped
}

// exit is the channel closed once renderer pid is killed and reaped.
func (r *hostileRig) exit(pid int) chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.gone == nil {
		r.gone = map[int]chan struct{}{}
	}
	if r.gone[pid] == nil {
		r.gone[pid] = make(chan struct{})
	}
	return r.gone[pid]
}

// waitGone waits for renderer pid to be killed and reaped, then checks that the system no
// longer runs it.
func (r *hostileRig) waitGone(pid int) {
	r.t.Helper()
	select {
	case <-r.exit(pid):
	case <-time.After(5 * time.Second * slowdown):
		r.t.Fatalf("the renderer process %d still runs", pid)
	}
	if processRuns(pid) {
		r.t.Fatalf("the renderer process %d was reaped but the system still runs it", pid)
	}
}

func (r *hostileRig) openedPaths() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.opened)
}

func (r *hostileRig) lastPID() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pids) == 0 {
		return 0
	}
	return r.pids[len(r.pids)-1]
}

func startHostile(t *testing.T) *hostileRig {
	t.Helper()
	r := &hostileRig{t: t}
	t.Setenv(childEnv, "serve")
	pdf := &pdfview.Subprocess{Exe: os.Args[0], Timeout: renderLimit,
		OnRender: func(pid int) { r.mu.Lock(); r.pids = append(r.pids, pid); r.mu.Unlock() },
		OnExit:   func(pid int) { close(r.exit(pid)) }}
	t.Cleanup(func() { pdf.Close() })
	deps := env.Deps()
	deps.PDF = pdf
	deps.Version = "test"
	deps.OpenURL = func(u *url.URL) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.opened = append(r.opened, filepath.FromSlash(u.Path))
		return nil
	}
	r.h = apptest.New(t, deps)
	sel := r.h.UI.Card.Readers
	r.h.WaitFor("the titulaire's card", func() bool {
		for i, o := range sel.Options {
			if strings.Contains(o, cpstest.Titulaire.Label) {
				if sel.SelectedIndex() != i {
					sel.SetSelectedIndex(i)
				}
				return !r.h.UI.Card.LoginButton.Disabled()
			}
		}
		return false
	})
	return r
}

// submitAsDoctor sends raw through the sandbox's submission port with the doctor's
// certificate, as any professional of the trust space can.
func submitAsDoctor(t *testing.T, raw []byte) error {
	t.Helper()
	seed := sandbox.Seed(sandbox.DefaultDomain)
	cert, key, err := env.PKI.IssuePerson(cpstest.Medecin.Person)
	if err != nil {
		t.Fatal(err)
	}
	op := mail.Operator{SMTPAddr: env.Sandbox.SMTPAddr(), ServerName: env.Sandbox.ServerName(),
		RootCAs: env.PKI.RootPool(), CRLs: env.PKI.CRLs(), Domain: env.Sandbox.Domain()}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := op.DialSMTP(ctx, mail.Credentials{BAL: seed.Doctor,
		Cert: tls.Certificate{Certificate: [][]byte{cert.Raw, env.PKI.Personnes().Raw}, PrivateKey: key}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.SendMail(seed.Doctor, []string{seed.Pharmacy}, bytes.NewReader(raw))
}

// selectRow selects the row whose subject starts with subject and returns how long the
// UI goroutine took to show it (a freeze shows here).
func (r *hostileRig) selectRow(subject string) time.Duration {
	r.t.Helper()
	m := r.h.UI.Main
	row := -1
	r.h.WaitFor("a row «"+subject+"»", func() bool {
		for i := 0; i < m.Rows(); i++ {
			if _, s := m.RowText(i); strings.HasPrefix(s, subject) {
				row = i
				return true
			}
		}
		return false
	})
	start := time.Now()
	m.List.UnselectAll()
	m.List.Select(row)
	took := time.Since(start)
	r.h.WaitFor("the reader on «"+subject+"»", func() bool {
		return strings.HasPrefix(m.Reader.Subject.Text, subject)
	})
	return took
}

// The hostile corpus (testdata/hostile), each message sent by a professional through the
// sandbox, synced by the engine into the cache and opened in the reader: nothing is handed
// to the system but PDF, images and text under their own extension, nothing crashes or
// freezes, and each attack shows a French message.
func TestHostileCorpusThroughTheReader(t *testing.T) {
	r := startHostile(t)
	h := r.h
	openMail(t, h)
	selectBAL(t, h, pharmacy)
	h.WaitText("● En ligne")

	files, err := filepath.Glob(filepath.Join("testdata", "hostile", "*.eml"))
	if err != nil || len(files) < 10 {
		t.Fatalf("the hostile corpus: %v (%d files)", err, len(files))
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := submitAsDoctor(t, raw); err != nil {
			t.Fatalf("%s refused by the operator: %v", f, err)
		}
	}
	// A patient's address in From: the operator refuses it (5.7.1), nothing arrives.
	var se *smtp.SMTPError
	if err := submitAsDoctor(t, spoofedPatient()); !errors.As(err, &se) || se.EnhancedCode != (smtp.EnhancedCode{5, 7, 1}) {
		t.Fatalf("a doctor writing as a patient: %v, want a 5.7.1 refusal", err)
	}

	slow := map[string]time.Duration{}
	check := func(subject string) {
		t.Helper()
		if d := r.selectRow(subject); d > time.Second*slowdown {
			slow[subject] = d
		}
	}

	// Dangerous attachments: save only, and say so.
	check("Hostile : pièces jointes dangereuses")
	rd := h.UI.Main.Reader
	h.WaitFor("the attachments", func() bool { return len(rd.Attachments) == 10 })
	saveOnly := map[string]bool{"ordonnance.pdf.hta": true, "ordonnance.exe": true, "ordonnance.lnk": true,
		"ordonnance.docm": true, "ordonnancefdp.exe": true, "image.svg": true}
	for _, row := range rd.Attachments {
		name, _, _ := strings.Cut(row.Name.Text, " (")
		if strings.ContainsAny(row.Name.Text, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f") {
			t.Errorf("a row shows a bidi control: %q", row.Name.Text)
		}
		if saveOnly[name] {
			if !row.Open.Disabled() || !row.Print.Disabled() || !row.Warning.Visible() ||
				!strings.Contains(row.Warning.Text, "seulement enregistré") {
				t.Errorf("%s: open %v print %v warning %q", name, !row.Open.Disabled(), !row.Print.Disabled(), row.Warning.Text)
			}
		}
		test.Tap(row.Open) // a disabled button does nothing
		// « Imprimer » opens the print dialog, never the system's viewer.
		test.Tap(row.Print)
		if row.Print.Disabled() != (row.PrintDialog == nil) {
			t.Errorf("%s: print enabled %v, print dialog opened %v", name, !row.Print.Disabled(), row.PrintDialog != nil)
		}
		if row.PrintDialog != nil {
			test.Tap(row.PrintDialog.Cancel)
		}
	}
	for _, want := range []string{"ordonnancefdp.exe", "seulement enregistré", "« ordonnance.js » s'ouvre comme texte"} {
		if !h.Shows(want) {
			t.Errorf("the reader does not show %q", want)
		}
	}
	test.Tap(rd.Attachments[1].Save) // ordonnance.exe
	h.WaitText("Un fichier reçu peut contenir un programme malveillant")
	h.WaitText("Enregistrer quand même")

	// Image bombs: refused before decoding, and not handed to the system's viewer either.
	for _, s := range []string{"Hostile : bombe PNG", "Hostile : bombe JPEG"} {
		check(s)
		h.WaitText("Image trop grande pour l'aperçu")
		if len(rd.Attachments) != 1 || !rd.Attachments[0].Open.Disabled() {
			t.Errorf("%s: the image can be opened", s)
		}
	}

	// A 5-metre page: drawn at a resolution chosen from its size.
	check("Hostile : PDF page géante")
	h.WaitForWithin("the huge page", previewWait, func() bool { return h.Shows("Page 1 / 1") })
	if img := rd.Preview.Image.Image; img == nil || img.Bounds().Dx() > pdfview.MaxSide || img.Bounds().Dy() > pdfview.MaxSide {
		t.Errorf("the huge page shows as %v", img)
	}

	// A CPU bomb: selecting another message kills its renderer at once …
	before := r.lastPID()
	check("Hostile : PDF bombe de calcul")
	h.WaitForWithin("the bomb's renderer", previewWait, func() bool { return r.lastPID() != before })
	pid := r.lastPID()
	check("Hostile : Authentication-Results forgé")
	r.waitGone(pid)
	// … and left alone, it is stopped: at the time limit, or at PDFium's memory cap when the
	// 16 million drawings fill it first.
	check("Hostile : PDF bombe de calcul")
	h.WaitForWithin("the CPU bomb stopped", previewWait, func() bool {
		return h.Shows("L'aperçu de ce PDF a été arrêté : il prenait trop de temps.") ||
			h.Shows("Ce PDF demande trop de ressources pour être affiché")
	})

	// A memory bomb (320 MiB of content stream): stopped by PDFium's memory cap, or by the
	// time limit first on a slow machine (renderLimit here, the application's being 20 s).
	check("Hostile : PDF bombe mémoire")
	h.WaitForWithin("the memory bomb stopped", previewWait, func() bool {
		return h.Shows("Ce PDF demande trop de ressources pour être affiché") || h.Shows("il prenait trop de temps")
	})

	// A zip bomb as the XDM package: refused, said, and the zip can only be saved.
	check("Hostile : XDM bombe zip")
	h.WaitText("L'archive reste jointe au message : vous pouvez l'enregistrer.")
	if len(rd.Attachments) != 1 || !rd.Attachments[0].Open.Disabled() {
		t.Errorf("the zip bomb's attachment rows: %d", len(rd.Attachments))
	}

	// A document title with a date: no longer a file named "2025".
	var docFile string
	check("Hostile : XDM titre avec date")
	h.WaitFor("the XDM document", func() bool { return len(rd.Documents) == 1 })
	if !strings.Contains(rd.Documents[0].Name.Text, "Titre — 05/03/2025") {
		t.Errorf("the document row shows %q", rd.Documents[0].Name.Text)
	}
	nOpened := len(r.openedPaths())
	test.Tap(rd.Documents[0].Open)
	if got := r.openedPaths(); len(got) != nOpened+1 || filepath.Ext(got[nOpened]) != ".pdf" || filepath.Base(got[nOpened]) == "2025" {
		t.Errorf("the XDM document opened as %q", got[nOpened:])
	} else {
		docFile = filepath.Base(got[nOpened])
	}

	// Deep MIME and huge headers: shown as far as they can be read.
	check("Hostile : MIME profond")
	h.WaitText("Ce message est mal formé")
	check("Hostile : en-têtes énormes")
	h.WaitText("Texte du message aux en-têtes énormes.")

	// Nothing but PDF, images and text was handed to the system, each under its own
	// extension, in a directory of its own.
	opened := r.openedPaths()
	names := make([]string, len(opened))
	dirs := map[string]bool{}
	for i, p := range opened {
		names[i] = filepath.Base(p)
		dirs[filepath.Dir(p)] = true
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("opened file %s: %v", p, err)
		}
		ext := filepath.Ext(p)
		ok := ext == ".pdf" && bytes.HasPrefix(data, []byte("%PDF-")) || ext == ".txt" && !bytes.ContainsRune(data, 0)
		if !ok {
			t.Errorf("%s handed to the system", p)
		}
	}
	want := []string{"ordonnance.txt", "ordonnance.txt", "scan.pdf", "scan.pdf", docFile}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("opened %q, want %q", names, want)
	}
	if len(dirs) != len(opened) {
		t.Errorf("opened parts share directories: %q", opened)
	}

	// The operator removed the sender's forged Authentication-Results and put its own on
	// top; the forged verdict made no patient record.
	delivered, err := env.Sandbox.Messages(pharmacy)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range delivered {
		if bytes.Contains(raw, []byte("Un résultat d'authentification écrit par l'expéditeur.")) {
			if bytes.Count(raw, []byte("Authentication-Results:")) != 1 || !bytes.Contains(raw, []byte("Authentication-Results: "+env.Sandbox.Domain()+"; auth=pass")) {
				t.Errorf("the forged verdict was delivered:\n%s", headerBlock(raw))
			}
		}
	}
	p := h.UI.ShowPatients()
	p.Reload()
	for _, row := range p.Rows() {
		if strings.Contains(row, forgedINS) {
			t.Errorf("a patient record from a forged verdict: %q", row)
		}
	}

	// Still responsive: a normal message opens at once.
	check("Ordonnance pour ce soir")
	h.WaitText("Voici mon ordonnance")
	if len(slow) > 0 {
		t.Errorf("the UI goroutine froze showing: %v", slow)
	}
}

// headerBlock is raw's header, for a failure message.
func headerBlock(raw []byte) []byte {
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		return raw[:i]
	}
	return raw
}

// A patient record made from a Mon Espace Santé message says « non vérifié » until the
// pharmacist saves it. (A patient of this test's own: other tests save the seeded ones.)
func TestHostilePatientUnverifiedUntilSaved(t *testing.T) {
	const marie = "279128812302227"
	if err := env.Sandbox.RegisterPatient(marie, "Marie DUPONT"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Sandbox.DeliverFromPatient(marie, pharmacy, "Question de Marie", "Bonjour, est-ce prêt ?", nil); err != nil {
		t.Fatal(err)
	}
	h := start(t, cpstest.Titulaire.Label)
	p := openPatients(t, h, marie)
	if !strings.Contains(p.Header.Text, "non vérifié") {
		t.Fatalf("a record made from a message: %q", p.Header.Text)
	}
	ins, err := patient.ParseINS(marie)
	if err != nil {
		t.Fatal(err)
	}
	f := p.ShowForm(&patient.Patient{INS: ins, BirthName: "DUPONT", FirstNames: "Marie", Sex: ins.Sex()})
	test.Tap(f.Save)
	if f.Error.Visible() {
		t.Fatalf("the form refused the record: %q", f.Error.Text)
	}
	h.WaitFor("the record confirmed", func() bool {
		p.Reload()
		return p.Select(marie) && !strings.Contains(p.Header.Text, "non vérifié")
	})
}
