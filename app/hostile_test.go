package app

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"comptoir/app/apptest/hostile"
	"comptoir/app/pdfview"
)

// Tests of hostile attachments at the reader's level; app/demo runs the same attacks end to
// end (sandbox → sync → cache → reader).

// stubCards is a card layer with no reader: these tests never log in.
type stubCards struct{}

func (stubCards) Readers(context.Context) ([]Reader, error)            { return nil, nil }
func (stubCards) Watch(context.Context) <-chan CardEvent               { return make(chan CardEvent) }
func (stubCards) Login(context.Context, uint, []byte) (Session, error) { return nil, ErrNoCard }

// readerRig is a reader on a headless UI whose background work (Deps.Do) waits in a queue
// until drain, and whose OpenURL calls are recorded.
type readerRig struct {
	t      *testing.T
	u      *UI
	r      *ReaderView
	q      chan func()
	mu     sync.Mutex
	opened []string // paths handed to the system's viewer
}

func newReaderRig(t *testing.T, pdf PDFRenderer) *readerRig {
	t.Helper()
	rig := &readerRig{t: t, q: make(chan func(), 64)}
	deps := Deps{Cards: stubCards{}, PDF: pdf, TempDir: t.TempDir(),
		Do: func(f func()) { rig.q <- f },
		OpenURL: func(u *url.URL) error {
			rig.mu.Lock()
			defer rig.mu.Unlock()
			rig.opened = append(rig.opened, filepath.FromSlash(u.Path))
			return nil
		}}
	rig.u = New(test.NewTempApp(t), deps)
	rig.u.ctx = context.Background()
	rig.r = newReaderView(rig.u, &MainScreen{u: rig.u})
	return rig
}

// waitFor runs queued UI work until cond holds.
func (rig *readerRig) waitFor(what string, cond func() bool) {
	rig.t.Helper()
	deadline := time.After(20 * time.Second)
	for !cond() {
		select {
		case f := <-rig.q:
			f()
		case <-deadline:
			rig.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (rig *readerRig) openedPaths() []string {
	rig.mu.Lock()
	defer rig.mu.Unlock()
	return append([]string(nil), rig.opened...)
}

func part(name string, data []byte) Part {
	return Part{Attachment: Attachment{Name: name, ContentType: "application/pdf", Size: int64(len(data))}, Data: data}
}

var onePagePDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func TestHostileNamesCleaned(t *testing.T) {
	for in, want := range map[string]string{
		"ordonnance\u202efdp.exe":        "ordonnancefdp.exe",
		"\u2066ordonnance\u2069.pdf.exe": "ordonnance.pdf.exe",
		"scan\u200e\u200f\u200b.pdf":     "scan.pdf",
		"\ufeffcompte\u00adrendu.pdf":    "compterendu.pdf",
		"ligne\nsuivante.pdf":            "lignesuivante.pdf",
		"Ordonnance du 05/03.pdf":        "Ordonnance du 05/03.pdf", // shown as is; a path only when written
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
	for _, c := range []struct {
		name string
		kind fileKind
		want string
	}{
		{"ordonnance\u202efdp.exe", kindPDF, "ordonnancefdp.pdf"},
		{"ordonnance.pdf.hta", kindPDF, "ordonnance.pdf"},
		{"photo.JPEG", kindJPEG, "photo.jpg"},
		{"scan.exe", kindPNG, "scan.png"},
		{"notes.js", kindText, "notes.txt"},
		{".pdf", kindPDF, "piece-jointe.pdf"},
		{"nul.pdf", kindPDF, "_nul.pdf"},
		{"../../etc/passwd", kindText, "passwd.txt"},
	} {
		if got := kindFileName(c.name, c.kind); got != c.want {
			t.Errorf("kindFileName(%q, %s) = %q, want %q", c.name, c.kind.MIME, got, c.want)
		}
	}
	for name, k := range map[string]fileKind{"SCAN.PDF": kindPDF, "photo.jpeg": kindJPEG, "notes.txt": kindText} {
		if !nameMatchesKind(name, k) {
			t.Errorf("%s does not match %s", name, k.MIME)
		}
	}
	for name, k := range map[string]fileKind{"scan.exe": kindPDF, "ordonnance.js": kindText, "photo.png": kindJPEG} {
		if nameMatchesKind(name, k) {
			t.Errorf("%s matches %s", name, k.MIME)
		}
	}
	if got := safeName("ordonnance\u202efdp.exe"); got != "ordonnancefdp.exe" {
		t.Errorf("safeName keeps a format character: %q", got)
	}
}

func TestHostileSniffOnlyShownKinds(t *testing.T) {
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 2, 2)))
	for _, c := range []struct {
		name string
		data []byte
		want fileKind
	}{
		{"ordonnance.pdf", onePagePDF, kindPDF},
		{"photo.png", pngBuf.Bytes(), kindPNG},
		{"photo.jpg", hostile.JPEGBomb(10, 10), kindJPEG},
		{"notes.txt", []byte("Bonjour,\r\nvoici la posologie : 1 cp matin et soir.\n"), kindText},
		{"ordonnance.js", hostile.JS, kindText}, // written and opened as .txt: inert
		{"ordonnance.bat", hostile.BAT, kindText},
	} {
		if got := sniffKind(c.data); got != c.want {
			t.Errorf("%s sniffed as %+v, want %+v", c.name, got, c.want)
		}
	}
	for name, data := range map[string][]byte{
		"ordonnance.pdf.hta": hostile.HTA, "ordonnance.exe": hostile.EXE, "ordonnance.lnk": hostile.LNK,
		"ordonnance.docm": hostile.DOCM(), "ordonnance.svg": hostile.SVG,
		"utf16.txt": []byte("\xff\xfeB\x00o\x00n\x00"), "binaire.txt": []byte("texte\x00caché"),
		"pdf-apres.pdf": append([]byte("<html>"), onePagePDF...),
	} {
		if k := sniffKind(data); k.openable() {
			t.Errorf("%s sniffed as openable %+v", name, k)
		}
	}
}

// Each dangerous attachment can only be saved: « Ouvrir » and « Imprimer » are disabled,
// the row says why, and even a direct call never hands it to the system.
func TestHostileAttachmentsSaveOnly(t *testing.T) {
	rig := newReaderRig(t, nil)
	dangerous := []Part{
		part("ordonnance.pdf.hta", hostile.HTA),
		part("ordonnance.exe", hostile.EXE),
		part("ordonnance.lnk", hostile.LNK),
		part("ordonnance.docm", hostile.DOCM()),
		part("ordonnance\u202efdp.exe", hostile.EXE),
		part("ordonnance.pdf", hostile.EXE), // a name that lies
	}
	rig.r.show(&Message{Parts: dangerous})
	for i, row := range rig.r.Attachments {
		name := dangerous[i].Name
		if !row.Open.Disabled() || !row.Print.Disabled() || row.Save.Disabled() {
			t.Errorf("%q: open %v print %v save %v", name, !row.Open.Disabled(), !row.Print.Disabled(), !row.Save.Disabled())
		}
		if !row.Warning.Visible() || !strings.Contains(row.Warning.Text, "seulement enregistré") {
			t.Errorf("%q: no French warning (%q)", name, row.Warning.Text)
		}
		if strings.ContainsAny(row.Name.Text, "\u202e\u202d\u2066\u2069") {
			t.Errorf("%q: the row shows a bidi control: %q", name, row.Name.Text)
		}
		rig.u.openPart(dangerous[i]) // as if the button were tapped anyway
	}
	if got := rig.openedPaths(); len(got) != 0 {
		t.Fatalf("dangerous parts handed to the system: %q", got)
	}
	if !strings.Contains(rig.r.Attachments[4].Name.Text, "ordonnancefdp.exe") {
		t.Errorf("the RTLO name shows as %q", rig.r.Attachments[4].Name.Text)
	}
	texts := apptestTexts(rig.u)
	if !containsText(texts, "Comptoir n'ouvre que les PDF") {
		t.Errorf("no French refusal on screen:\n%s", strings.Join(texts, "\n"))
	}
	// Saving asks first, in French.
	test.Tap(rig.r.Attachments[1].Save)
	if texts := apptestTexts(rig.u); !containsText(texts, "Un fichier reçu peut contenir un programme malveillant") ||
		!containsText(texts, "Enregistrer quand même") {
		t.Errorf("saving an executable shows no warning:\n%s", strings.Join(texts, "\n"))
	}
}

// An image too large to preview is not handed to the system's viewer either, and a part
// opened under another extension than its name's says so.
func TestHostileRowsSayWhatOpens(t *testing.T) {
	rig := newReaderRig(t, nil)
	rig.r.show(&Message{Parts: []Part{part("photo.png", hostile.PNGBomb(65535, 65535)), part("ordonnance.js", hostile.JS),
		part("scan.pdf", onePagePDF)}})
	bomb, js, pdf := rig.r.Attachments[0], rig.r.Attachments[1], rig.r.Attachments[2]
	if !bomb.Open.Disabled() || !bomb.Print.Disabled() || !strings.Contains(bomb.Warning.Text, "Image trop grande pour être affichée") {
		t.Errorf("the image bomb: open %v, warning %q", !bomb.Open.Disabled(), bomb.Warning.Text)
	}
	rig.u.openPart(rig.r.Attachments[0].part)
	if got := rig.openedPaths(); len(got) != 0 {
		t.Errorf("the image bomb was handed to the system: %q", got)
	}
	if !js.Warning.Visible() || js.Warning.Text != "« ordonnance.js » s'ouvre comme texte : son contenu n'est pas ce qu'annonce son nom." ||
		pdf.Warning.Visible() || js.Open.Disabled() {
		t.Errorf("rows: %q (%v), %q (%v)", js.Warning.Text, js.Warning.Visible(), pdf.Warning.Text, pdf.Warning.Visible())
	}
}

// Openable parts: each in its own directory, named after its content's kind.
func TestHostileOpenedFilesNamedByContent(t *testing.T) {
	rig := newReaderRig(t, nil)
	a, b := append([]byte(nil), onePagePDF...), append(append([]byte(nil), onePagePDF...), '\n')
	msg := &Message{
		Parts: []Part{part("scan.pdf", a), part("scan.pdf", b), part("ordonnance.js", hostile.JS), part("ordonnance.pdf.hta", onePagePDF)},
		Documents: []Document{{Title: "Titre — 05/03/2025", FileName: "DOC0001.pdf", ContentType: "application/pdf", Data: onePagePDF,
			Date: time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)}},
	}
	rig.r.show(msg)
	for _, row := range rig.r.Attachments {
		test.Tap(row.Open)
	}
	test.Tap(rig.r.Documents[0].Open) // Print opens « Imprimer », which writes through the same tempFile
	got := rig.openedPaths()
	if len(got) != 5 {
		t.Fatalf("opened %q", got)
	}
	want := []string{"scan.pdf", "scan.pdf", "ordonnance.txt", "ordonnance.pdf", "DOC0001.pdf"}
	dirs := map[string]bool{}
	for i, p := range got {
		if filepath.Base(p) != want[i] {
			t.Errorf("opened %q, want a file named %q", p, want[i])
		}
		dirs[filepath.Dir(p)] = true
	}
	if len(dirs) != 5 {
		t.Errorf("parts share directories: %q", got)
	}
	for i, p := range got[:2] {
		data, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(data, msg.Parts[i].Data) {
			t.Errorf("%s holds the wrong content (%v)", p, err)
		}
	}
	if !strings.Contains(rig.r.Documents[0].Name.Text, "Titre — 05/03/2025") {
		t.Errorf("the document row shows %q", rig.r.Documents[0].Name.Text)
	}
	// Locking removes them.
	rig.u.removeTempFiles()
	for _, p := range got {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s stays after the session: %v", p, err)
		}
	}
}

// Files a crashed run left are removed at start.
func TestHostileStaleTempFilesRemoved(t *testing.T) {
	tmp := t.TempDir()
	stale := filepath.Join(tmp, openDirName, "session-123", "piece-456", "ordonnance.pdf")
	if err := os.MkdirAll(filepath.Dir(stale), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, onePagePDF, 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(tmp, "autre-application.txt") // not ours: kept
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	u := New(test.NewTempApp(t), Deps{Cards: stubCards{}, TempDir: tmp, Do: func(func()) {}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u.Start(ctx)
	defer u.Stop()
	if _, err := os.Stat(filepath.Join(tmp, openDirName, "session-123")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a stale directory stays: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("another application's file was removed: %v", err)
	}
}

// A 70-byte PNG declaring 65535×65535 pixels killed Comptoir (out of memory) every time
// its message was selected. Its size is now read first, off the UI goroutine.
func TestHostileImageBomb(t *testing.T) {
	for name, data := range map[string][]byte{
		"bombe.png": hostile.PNGBomb(65535, 65535),
		"bombe.jpg": hostile.JPEGBomb(65500, 65500),
		"large.png": hostile.PNGBomb(8000, 6000), // 48 Mpx
	} {
		rig := newReaderRig(t, nil)
		rig.r.show(&Message{Parts: []Part{part(name, data)}})
		pv := rig.r.Preview
		rig.waitFor("the refusal of "+name, func() bool { return pv.Error.Visible() })
		if !strings.Contains(pv.Error.Text, "Image trop grande pour l'aperçu") || pv.Image.Image != nil {
			t.Errorf("%s: the preview shows %q", name, pv.Error.Text)
		}
	}
}

// A normal image is decoded off the UI goroutine: nothing is shown until the queued UI work
// runs.
func TestHostileImageDecodedOffUIGoroutine(t *testing.T) {
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	png.Encode(&buf, img)
	rig := newReaderRig(t, nil)
	rig.r.show(&Message{Parts: []Part{part("photo.png", buf.Bytes())}})
	pv := rig.r.Preview
	if pv.Image.Image != nil {
		t.Fatal("the image was decoded on the UI goroutine")
	}
	rig.waitFor("the photo", func() bool { return pv.Image.Image != nil })
	if b := pv.Image.Image.Bounds(); b.Dx() != 40 {
		t.Fatalf("decoded %v", b)
	}
}

// blockingPDF renders nothing until its context ends, and records that it ended.
type blockingPDF struct {
	started, cancelled chan struct{}
}

func (b *blockingPDF) RenderPage(ctx context.Context, _ []byte, _ int, _ float64) (image.Image, int, error) {
	close(b.started)
	<-ctx.Done()
	close(b.cancelled)
	return nil, 0, ctx.Err()
}

// Selecting another message cancels the render under way (Subprocess kills its child then;
// app/pdfview and app/demo check the process is gone).
func TestHostileRenderCancelledOnNextMessage(t *testing.T) {
	pdf := &blockingPDF{started: make(chan struct{}), cancelled: make(chan struct{})}
	rig := newReaderRig(t, pdf)
	rig.r.show(&Message{Parts: []Part{part("bombe.pdf", onePagePDF)}})
	<-pdf.started
	rig.r.show(&Message{Text: "Un autre message"})
	select {
	case <-pdf.cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the render of the previous message goes on")
	}
}

// What the preview says for each way a PDF render fails.
func TestHostilePDFProblemsInFrench(t *testing.T) {
	rig := newReaderRig(t, nil)
	rig.r.Preview.part = part("x.pdf", onePagePDF)
	for err, want := range map[error]string{
		pdfview.ErrTimeout:      "prenait trop de temps",
		pdfview.ErrResources:    "trop de ressources",
		pdfview.ErrPageTooLarge: "trop de ressources",
		pdfview.ErrTooLarge:     "trop de ressources",
		pdfview.ErrInvalid:      "endommagé ou protégé",
	} {
		if got := rig.r.Preview.problem(errors.Join(errors.New("wrapped"), err)); !strings.Contains(got, want) {
			t.Errorf("%v: %q", err, got)
		}
	}
}

func apptestTexts(u *UI) []string {
	// apptest.VisibleTexts, which this package cannot import (it imports app).
	var out []string
	c := u.Window.Canvas()
	for _, o := range c.Overlays().List() {
		collectTexts(o, &out)
	}
	return out
}

func containsText(texts []string, s string) bool {
	for _, v := range texts {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

func collectTexts(o fyne.CanvasObject, out *[]string) {
	if o == nil || !o.Visible() {
		return
	}
	switch w := o.(type) {
	case *widget.Label:
		*out = append(*out, w.Text)
	case *widget.Button:
		*out = append(*out, w.Text)
	case *canvas.Text:
		*out = append(*out, w.Text)
	case *fyne.Container:
		for _, c := range w.Objects {
			collectTexts(c, out)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(w).Objects() {
			collectTexts(c, out)
		}
	}
}

// A 10 KB subject froze the reader for seconds, a 100 KB paragraph for minutes: what a
// message puts on screen is bounded.
func TestHostileLongTextsBounded(t *testing.T) {
	rig := newReaderRig(t, nil)
	rig.u.Window.SetContent(rig.r.Content)
	rig.u.Window.Resize(fyne.NewSize(900, 800))
	para := strings.Repeat("très ", 40_000) // 200 000 characters, one paragraph
	start := time.Now()
	rig.r.show(&Message{Envelope: Envelope{Subject: para, From: Address{Name: para, Email: "dr@x"}, To: []Address{{Email: para}}},
		Text: para + "\n" + para})
	if d := time.Since(start); d > 3*time.Second*slowdown {
		t.Errorf("showing the message took %v", d)
	} else {
		t.Logf("shown in %v", d)
	}
	if n := len([]rune(rig.r.Subject.Text)); n > maxSubjectRunes+1 {
		t.Errorf("subject of %d runes shown", n)
	}
	if n := len([]rune(rig.r.Body.Text)); n > maxBodyRunes+maxBodyRunes/maxParagraphRunes+1 {
		t.Errorf("text of %d runes shown", n)
	}
	for line := range strings.SplitSeq(rig.r.Body.Text, "\n") {
		if n := len([]rune(line)); n > maxParagraphRunes {
			t.Fatalf("a paragraph of %d runes shown", n)
		}
	}
	if !rig.r.Notice.Visible() || !strings.Contains(rig.r.Notice.Text, "seuls ses 30\u202f000 premiers caractères sont affichés") {
		t.Errorf("no French note on the cut text: %q", rig.r.Notice.Text)
	}
}

func TestBodyForDisplay(t *testing.T) {
	if got, cut := bodyForDisplay("Bonjour,\nune ligne.\n"); got != "Bonjour,\nune ligne.\n" || cut {
		t.Errorf("a short text changed: %q %v", got, cut)
	}
	got, _ := bodyForDisplay(strings.Repeat("é", 5*maxParagraphRunes/2))
	if lines := strings.Split(got, "\n"); len(lines) != 3 || len([]rune(lines[0])) != maxParagraphRunes {
		t.Errorf("a word of 2.5 paragraphs broken as %d lines", len(lines))
	}
	if clip("ééé", 2) != "éé…" || clip("abc", 3) != "abc" {
		t.Error("clip")
	}
}

// warmingPDF records its warm-up.
type warmingPDF struct {
	blockingPDF
	warmed chan struct{}
}

func (w *warmingPDF) Warm(context.Context) error { close(w.warmed); return nil }

// PDFium is prepared in the background as soon as the application starts (compiled on the
// first launch after installation), not at the first preview.
func TestPDFWarmedAtStart(t *testing.T) {
	pdf := &warmingPDF{warmed: make(chan struct{})}
	u := New(test.NewTempApp(t), Deps{Cards: stubCards{}, PDF: pdf, TempDir: t.TempDir(), Do: func(func()) {}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u.Start(ctx)
	defer u.Stop()
	select {
	case <-pdf.warmed:
	case <-time.After(5 * time.Second):
		t.Fatal("the PDF renderer was not warmed at start")
	}
}
