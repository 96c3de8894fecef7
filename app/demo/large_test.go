package demo_test

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"comptoir/app/apptest"
	"comptoir/app/demo"
	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/cps/cpstest"
	"comptoir/mail/msg"
	"comptoir/store"
)

// The large message of issue 18: 500 attachments, base64, about 25 MB as it travels.
const (
	largeParts   = 500
	largeFolder  = "Volumineux"
	largeSubject = "Dossier complet du patient"
	smallSubject = "Ordonnance du jour"
)

// largeAttachments are 500 files of about 37 KB: PDFs, JPEG and PNG photos, text, zips.
func largeAttachments() []msg.Attachment {
	rng := rand.New(rand.NewPCG(18, 3))
	filler := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Uint32())
	}
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var jb, pb bytes.Buffer
	if err := jpeg.Encode(&jb, img, nil); err != nil {
		panic(err)
	}
	if err := png.Encode(&pb, img); err != nil {
		panic(err)
	}
	const size = 37_000
	line := "Posologie : un comprimé matin et soir pendant sept jours, à renouveler une fois.\n"
	out := make([]msg.Attachment, 0, largeParts)
	for i := range largeParts {
		var a msg.Attachment
		switch i % 10 {
		case 0, 1, 2, 3:
			pdf := append([]byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n2 0 obj << /Length 36000 >> stream\n"), filler(size-200)...)
			pdf = append(pdf, "\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"...)
			a = msg.Attachment{Name: fmt.Sprintf("compte-rendu-%03d.pdf", i), ContentType: "application/pdf", Data: pdf}
		case 4, 5:
			// Bytes after the end-of-image marker, as some cameras write.
			a = msg.Attachment{Name: fmt.Sprintf("photo-%03d.jpg", i), ContentType: "image/jpeg", Data: append(slices.Clone(jb.Bytes()), filler(size-jb.Len())...)}
		case 6:
			a = msg.Attachment{Name: fmt.Sprintf("scan-%03d.png", i), ContentType: "image/png", Data: append(slices.Clone(pb.Bytes()), filler(size-pb.Len())...)}
		case 7, 8:
			a = msg.Attachment{Name: fmt.Sprintf("notes-%03d.txt", i), ContentType: "text/plain", Data: []byte(strings.Repeat(line, size/len(line)))}
		default:
			a = msg.Attachment{Name: fmt.Sprintf("archive-%03d.zip", i), ContentType: "application/zip", Data: append([]byte("PK\x03\x04"), filler(size-4)...)}
		}
		out = append(out, a)
	}
	return out
}

// storeLargeFolder writes, into the titulaire's personal BAL of the demo cache, a folder
// holding a small message and the large one, the large body streamed in chunks as the
// engine stores it. It returns the large message's size as stored.
func storeLargeFolder(tb testing.TB) int {
	tb.Helper()
	ctx := context.Background()
	slot, err := env.Cards.Slot(ctx, env.Module, cpstest.Titulaire.Label)
	if err != nil {
		tb.Fatal(err)
	}
	card, err := env.Module.Login(ctx, slot, []byte(demo.PIN))
	if err != nil {
		tb.Fatal(err)
	}
	defer card.Close()
	st, err := store.Open(filepath.Join(env.Dir(), "cache", card.Identity().NationalID+".db"),
		card.TLSCertificate().PrivateKey.(crypto.Signer), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	seed := sandbox.Seed(sandbox.DefaultDomain)
	bal := seed.Titulaire
	if err := st.PutBAL(store.BAL{Address: bal, Kind: "PER", DisplayName: "Élise BONNEFOY", Status: "active"}); err != nil {
		tb.Fatal(err)
	}
	if err := st.ResetFolder(bal, largeFolder, 1); err != nil {
		tb.Fatal(err)
	}
	if err := st.PutFolder(store.Folder{BAL: bal, Name: largeFolder, UIDValidity: 1, UIDNext: 3}); err != nil {
		tb.Fatal(err)
	}
	from := msg.Address{Name: "Dr Antoine FAUVEL", Email: seed.Doctor}
	to := []msg.Address{{Name: "Élise BONNEFOY", Email: bal}}
	now := time.Now().Add(-time.Hour)
	large := 0
	for i, d := range []msg.Draft{
		{From: from, To: to, Subject: smallSubject, Text: "Bonjour, voici l'ordonnance de Mme ROUSSEL."},
		{From: from, To: to, Subject: largeSubject, Text: "Bonjour, ci-joint le dossier complet.", Attachments: largeAttachments()},
	} {
		built, err := msg.Build(d, msg.BuildOptions{NIL: "AutreLogiciel/2.1", Now: now.Add(time.Duration(i) * time.Minute)})
		if err != nil {
			tb.Fatal(err)
		}
		ref := store.Ref{BAL: bal, Folder: largeFolder, UID: uint32(i + 1)}
		p, err := msg.ParseEnvelope(built.Raw)
		if err != nil {
			tb.Fatal(err)
		}
		e := store.Envelope{Ref: ref, MessageID: p.MessageID, Date: p.Date, From: store.Address(p.From), Subject: p.Subject,
			Size: int64(len(built.Raw)), Flags: []string{`\Seen`}, Preview: p.Preview(), Text: p.Body}
		for _, a := range p.To {
			e.To = append(e.To, store.Address(a))
		}
		for _, a := range p.Attachments {
			e.Attachments = append(e.Attachments, store.Attachment{Name: a.Name, ContentType: a.ContentType, Size: a.Size})
		}
		if err := st.PutMessages([]store.Message{{Envelope: e}}); err != nil {
			tb.Fatal(err)
		}
		// As the engine stores a body above its 1 MiB threshold: streamed, in chunks.
		if _, err := st.WriteBody(ref, bytes.NewReader(built.Raw)); err != nil {
			tb.Fatal(err)
		}
		large = len(built.Raw)
	}
	return large
}

// largeRig is the UI, offline, on the folder holding the large message.
type largeRig struct {
	h            *apptest.Harness
	large, small int // their rows
}

func startLarge(tb testing.TB) *largeRig {
	tb.Helper()
	env.SetNetwork(false) // the folder exists in the cache only: no sync while we measure
	tb.Cleanup(func() { env.SetNetwork(true) })
	h := apptest.New(tb, env.Deps())
	h.WaitFor("the card", func() bool { return !h.UI.Card.LoginButton.Disabled() })
	openMail(tb, h)
	selectBAL(tb, h, sandbox.Seed(sandbox.DefaultDomain).Titulaire)
	m := h.UI.Main
	h.WaitFor("the folder "+largeFolder, func() bool {
		for i := range m.Folders.Length() {
			m.Folders.Select(i)
			if m.Rows() == 2 {
				_, s := m.RowText(0)
				if strings.Contains(s, largeSubject) {
					return true
				}
			}
		}
		return false
	})
	r := &largeRig{h: h, large: -1, small: -1}
	for i := range 2 {
		if _, s := m.RowText(i); strings.Contains(s, largeSubject) {
			r.large = i
		} else if strings.Contains(s, smallSubject) {
			r.small = i
		}
	}
	if r.large < 0 || r.small < 0 {
		tb.Fatal("the two messages are not in the list")
	}
	return r
}

// switchTo selects row and waits for the reader to show the message whose subject is
// subject with parts attachment rows. It returns how long the UI goroutine was held at most
// (the selection itself, or one queued UI job), and the time until the reader showed
// the headers and every attachment row.
func (r *largeRig) switchTo(row int, subject string, parts int) (blocked, shown time.Duration) {
	h, m := r.h, r.h.UI.Main
	h.Drain()
	h.TakeLongest()
	start := time.Now()
	m.List.Select(row)
	blocked = time.Since(start)
	h.WaitFor("the reader on «"+subject+"»", func() bool {
		rd := m.Reader
		return rd.Subject.Text == subject && len(rd.Attachments) == parts && rd.From.Text != ""
	})
	shown = time.Since(start)
	return max(blocked, h.TakeLongest()), shown
}

// Opening the 25 MB message of 500 attachments never holds the UI goroutine for more than
// 50 ms: the window keeps drawing while the message is read.
func TestLargeMessageDoesNotFreeze(t *testing.T) {
	size := storeLargeFolder(t)
	r := startLarge(t)
	var worst time.Duration
	for range 3 {
		blocked, shown := r.switchTo(r.large, largeSubject, largeParts)
		t.Logf("%.1f MB, %d parts: UI goroutine held %v at most, reader complete after %v", float64(size)/1e6, largeParts, blocked, shown)
		worst = max(worst, blocked)
		r.switchTo(r.small, smallSubject, 0)
	}
	if limit := 50 * time.Millisecond * slowdown; worst > limit {
		t.Errorf("selecting the large message held the UI goroutine for %v (limit %v)", worst, limit)
	}
}

// BenchmarkSwitchToLargeMessage measures switching from a small message to the 25 MB one
// of 500 attachments: the time until the reader shows its headers and every attachment
// row, and the longest the UI goroutine was held meanwhile.
func BenchmarkSwitchToLargeMessage(b *testing.B) {
	size := storeLargeFolder(b)
	r := startLarge(b)
	var shown, held []time.Duration
	for b.Loop() {
		blocked, d := r.switchTo(r.large, largeSubject, largeParts)
		shown, held = append(shown, d), append(held, blocked)
		b.StopTimer()
		r.switchTo(r.small, smallSubject, 0)
		b.StartTimer()
	}
	ms := func(ds []time.Duration, p float64) float64 {
		s := slices.Sorted(slices.Values(ds))
		return float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000
	}
	b.ReportMetric(ms(shown, 0.5), "p50-ms/switch")
	b.ReportMetric(ms(shown, 1), "max-ms/switch")
	b.ReportMetric(ms(held, 0.5), "p50-ms/ui-held")
	b.ReportMetric(ms(held, 1), "max-ms/ui-held")
	b.Logf("%.1f MB, %d parts, %d switches: reader complete p50 %.1f ms, max %.1f ms; UI goroutine held p50 %.1f ms, max %.1f ms",
		float64(size)/1e6, largeParts, len(shown), ms(shown, 0.5), ms(shown, 1), ms(held, 0.5), ms(held, 1))
}
