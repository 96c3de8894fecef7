package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"comptoir/mail/internal/faultproxy"
	"comptoir/mail/internal/mailgen"
	"comptoir/store"
)

// bigPDFMessage is a ~40 MB message: a quoted-printable text and a base64 PDF attachment.
func bigPDFMessage(to string, pdfSize int) []byte {
	pdf := make([]byte, pdfSize)
	rand.NewChaCha8([32]byte{'p', 'd', 'f'}).Read(pdf)
	copy(pdf, "%PDF-1.4\n")
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: \"Dr Renée Martin\" <renee.martin@medecin.mssante.fr>\r\nTo: <%s>\r\n", to)
	b.WriteString("Subject: =?UTF-8?Q?Imagerie_IRM_compl=C3=A8te?=\r\nDate: Mon, 16 Nov 2026 10:00:00 +0100\r\n")
	b.WriteString("Message-ID: <irm-40mo@medecin.mssante.fr>\r\nDisposition-Notification-To: renee.martin@medecin.mssante.fr\r\n")
	b.WriteString("X-MSS-NIL: test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
	b.WriteString("--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	b.WriteString("Bonjour, voici l'IRM du genou de Mme Lef=C3=A8vre.\r\nConfraternellement.\r\n")
	b.WriteString("--b1\r\nContent-Type: application/pdf; name=\"IRM_genou.pdf\"\r\nContent-Disposition: attachment; filename=\"IRM_genou.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(pdf)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b1--\r\n")
	return b.Bytes()
}

// TestLargeBodyStreamed: a 40 MB message syncs from Dovecot with a bounded heap, its body
// stored byte for byte, its envelope complete (attachment, text, MDN request).
// Not parallel: the heap is the process's, so no other test may run meanwhile.
func TestLargeBodyStreamed(t *testing.T) {
	r := newRig(t)
	r.deliver(testBAL, "INBOX", mailgen.Message(1, 0, testBAL))
	raw := bigPDFMessage(testBAL, 29<<20)
	size := len(raw)
	sum := sha256.Sum256(raw)
	if _, err := r.dov.FillMaildir(testBAL, 1, func(int) []byte { return raw }); err != nil {
		t.Fatal(err)
	}
	raw = nil
	e := NewEngine(r.config())

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak, livePeak atomic.Uint64
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() { // sample the heap while the sync runs
		defer close(stopped)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			metrics.Read(live)
			if v := live[0].Value.Uint64(); v > livePeak.Load() {
				livePeak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	err := e.SyncOnce(r.ctx, testBAL)
	close(stop)
	<-stopped
	if err != nil {
		t.Fatal(err)
	}
	grew := int64(peak.Load()) - int64(base)
	t.Logf("message of %.1f MB synced; heap in use peaked %.1f MB above the baseline (%.1f MB); live heap peak %.1f MB",
		float64(size)/1e6, float64(grew)/1e6, float64(base)/1e6, float64(livePeak.Load())/1e6)
	if grew > 16<<20 {
		t.Errorf("heap grew by %d MB during the sync of a %d MB message, want < 16 MB", grew>>20, size>>20)
	}

	page, err := r.store.Page(testBAL, "INBOX", 0, 10)
	if err != nil || len(page) != 2 {
		t.Fatalf("INBOX page: %d messages, %v", len(page), err)
	}
	env := page[0] // the newest: 16 Nov 2026
	if env.Subject != "Imagerie IRM complète" || env.From.Name != "Dr Renée Martin" || env.Size != int64(size) {
		t.Fatalf("streamed message envelope: %q from %+v, size %d", env.Subject, env.From, env.Size)
	}
	if len(env.Attachments) != 1 || env.Attachments[0].Name != "IRM_genou.pdf" || env.Attachments[0].ContentType != "application/pdf" ||
		env.Attachments[0].Size < 29<<20 || env.Attachments[0].Size > 30<<20 {
		t.Errorf("attachments: %+v", env.Attachments)
	}
	if !env.MDNRequested || env.MessageID == "" {
		t.Errorf("header fields: MDN requested %v, Message-ID %q", env.MDNRequested, env.MessageID)
	}
	if !strings.Contains(env.Preview, "IRM du genou de Mme Lefèvre") {
		t.Errorf("preview %q", env.Preview)
	}
	if res, err := r.store.Search(store.Query{Text: "lefevre genou"}); err != nil || len(res) != 1 {
		t.Errorf("search in the streamed message's text: %v %v", res, err)
	}

	rc, err := r.store.OpenBody(env.Ref)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	n, err := io.Copy(h, rc)
	rc.Close()
	if err != nil || n != int64(size) || !bytes.Equal(h.Sum(nil), sum[:]) {
		t.Fatalf("stored body: %d bytes (want %d), identical %v, %v", n, size, bytes.Equal(h.Sum(nil), sum[:]), err)
	}
	if whole, err := r.store.Body(env.Ref); err != nil || sha256.Sum256(whole) != sum {
		t.Errorf("Body of the streamed message: %d bytes, %v", len(whole), err)
	}
	if small, err := r.store.Body(page[1].Ref); err != nil || int64(len(small)) != page[1].Size {
		t.Errorf("small message body: %d bytes, %v", len(small), err)
	}
}

// TestCutMidStreamedBody: the connection drops halfway through a streamed body; nothing
// half-stored reads as a body, and the next pass stores it byte for byte.
func TestCutMidStreamedBody(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	raw := bigPDFMessage(testBAL, 4<<20)
	if _, err := r.dov.FillMaildir(testBAL, 1, func(int) []byte { return raw }); err != nil {
		t.Fatal(err)
	}
	p, err := faultproxy.Start(r.dov.IMAPAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cfg := r.config()
	cfg.Operator.IMAPAddr = p.Addr
	e := NewEngine(cfg)
	p.CutNextAfter(2 << 20)
	if err := e.SyncOnce(r.ctx, testBAL); err == nil || p.Cuts() != 1 {
		t.Fatalf("first pass: err %v, cuts %d; want an error after the cut", err, p.Cuts())
	}
	if uids, _ := r.store.UIDs(testBAL, "INBOX"); len(uids) != 0 {
		t.Fatalf("a message cut mid-body was stored: UIDs %v", uids)
	}
	if err := e.SyncOnce(r.ctx, testBAL); err != nil {
		t.Fatal(err)
	}
	page, err := r.store.Page(testBAL, "INBOX", 0, 10)
	if err != nil || len(page) != 1 {
		t.Fatalf("INBOX after resuming: %d messages, %v", len(page), err)
	}
	if body, err := r.store.Body(page[0].Ref); err != nil || !bytes.Equal(body, raw) {
		t.Fatalf("body after resuming: %d bytes (want %d), %v", len(body), len(raw), err)
	}
}
