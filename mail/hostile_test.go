package mail

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"comptoir/cps/cpstest"
	"comptoir/store"
)

// hostileIMAP is a scripted IMAP server on loopback TLS (implicit), with the test PKI's
// server certificate: it logs the card in, lists INBOX with n messages (UIDs 1..n), and
// answers FETCH as the test says. It stands for a hostile or broken operator, which no
// real server here can be made into.
type hostileIMAP struct {
	t    testing.TB
	l    net.Listener
	n    int
	sent atomic.Int64 // literal bytes written

	// onSelect writes extra untagged data before SELECT's tagged OK.
	onSelect func(w *bufio.Writer, h *hostileIMAP) error
	// bodyFetch answers a UID FETCH asking for BODY.PEEK[] (every message of the box).
	bodyFetch func(w *bufio.Writer, h *hostileIMAP) error
}

func startHostileIMAP(t testing.TB, pki *cpstest.PKI, n int) *hostileIMAP {
	t.Helper()
	cert, err := pki.ServerCertificate()
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequestClientCert})
	if err != nil {
		t.Fatal(err)
	}
	h := &hostileIMAP{t: t, l: l, n: n}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go h.serve(c)
		}
	}()
	return h
}

func (h *hostileIMAP) serve(c net.Conn) {
	defer c.Close()
	w := bufio.NewWriterSize(c, 64<<10)
	r := bufio.NewReader(c)
	reply := func(format string, args ...any) bool {
		fmt.Fprintf(w, format, args...)
		return w.Flush() == nil
	}
	if !reply("* OK [CAPABILITY IMAP4rev1 AUTH=EXTERNAL SASL-IR UIDPLUS] hostile ready\r\n") {
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			return
		}
		tag, cmd := f[0], strings.ToUpper(f[1])
		if cmd == "UID" && len(f) > 2 {
			cmd += " " + strings.ToUpper(f[2])
		}
		ok := true
		switch cmd {
		case "CAPABILITY":
			ok = reply("* CAPABILITY IMAP4rev1 AUTH=EXTERNAL SASL-IR UIDPLUS\r\n%s OK done\r\n", tag)
		case "LIST":
			ok = reply("* LIST () \"/\" INBOX\r\n%s OK done\r\n", tag)
		case "SELECT", "EXAMINE":
			fmt.Fprintf(w, "* %d EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT %d] n\r\n", h.n, h.n+1)
			if h.onSelect != nil && h.onSelect(w, h) != nil {
				return
			}
			ok = reply("%s OK [READ-WRITE] done\r\n", tag)
		case "UID SEARCH":
			var uids []string
			for i := 1; i <= h.n; i++ {
				uids = append(uids, fmt.Sprint(i))
			}
			ok = reply("* SEARCH %s\r\n%s OK done\r\n", strings.Join(uids, " "), tag)
		case "UID FETCH":
			switch {
			case strings.Contains(line, "BODY.PEEK[]") && h.bodyFetch != nil:
				if h.bodyFetch(w, h) != nil {
					return
				}
			case !strings.Contains(line, "BODY.PEEK["):
				// Metadata: small sizes, whatever follows.
				for i := 1; i <= h.n; i++ {
					fmt.Fprintf(w, "* %d FETCH (UID %d FLAGS () RFC822.SIZE 1000 INTERNALDATE \"01-Jan-2026 08:00:00 +0000\")\r\n", i, i)
				}
			}
			ok = reply("%s OK done\r\n", tag)
		case "LOGOUT":
			reply("* BYE bye\r\n%s OK done\r\n", tag)
			return
		default: // AUTHENTICATE (SASL-IR), NOOP...
			ok = reply("%s OK done\r\n", tag)
		}
		if !ok {
			return
		}
	}
}

// literal writes a literal of n bytes: a small message, padded with text lines.
func (h *hostileIMAP) literal(w *bufio.Writer, n int64) error {
	fmt.Fprintf(w, "{%d}\r\n", n)
	head := "From: <x@medecin.mssante.fr>\r\nSubject: gros\r\n\r\n"
	line := strings.Repeat("a", 78) + "\r\n"
	written := int64(0)
	write := func(s string) error {
		if int64(len(s)) > n-written {
			s = s[:n-written]
		}
		k, err := w.WriteString(s)
		written += int64(k)
		h.sent.Add(int64(k))
		return err
	}
	if err := write(head); err != nil {
		return err
	}
	for written < n {
		if err := write(line); err != nil {
			return err
		}
	}
	return nil
}

// hostileEngine is an engine with a real store, for a card of the test PKI, pointed at h.
func hostileEngine(t *testing.T, pki *cpstest.PKI, h *hostileIMAP) (*Engine, *store.Store) {
	t.Helper()
	who := cpstest.Titulaire.Person
	cert, key, err := pki.IssuePerson(who)
	if err != nil {
		t.Fatal(err)
	}
	st := openCache(t, key)
	op := Operator{IMAPAddr: h.l.Addr().String(), IMAPImplicitTLS: true, SMTPAddr: "127.0.0.1:1", ServerName: "localhost",
		RootCAs: pki.RootPool(), CRLs: pki.CRLs(), Domain: "sandbox.mssante.test"}
	cfg := EngineConfig{Operator: op, Cert: tls.Certificate{Certificate: [][]byte{cert.Raw, pki.Personnes().Raw}, PrivateKey: key},
		Author: "test", Store: st, BALs: []string{testBAL}, Logger: slog.New(slog.DiscardHandler), NIL: "Comptoir/test",
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond}
	return NewEngine(cfg), st
}

// heapGrowth samples the heap in use while f runs and returns its peak above the heap
// before f. The heap is the process's: these tests are not parallel.
func heapGrowth(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(stop)
	<-stopped
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

func newHostilePKI(t *testing.T) *cpstest.PKI {
	t.Helper()
	pki, err := cpstest.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return pki
}

func checkTooLarge(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrServerTooLarge) {
		t.Fatalf("sync error = %v, want ErrServerTooLarge", err)
	}
	if msg := UserMessage(err); !strings.Contains(msg, "Le serveur de messagerie a envoyé un message de plus de 64 Mo") {
		t.Errorf("user message %q", msg)
	}
}

// TestHostileServerHugeLiteral: a server answering the body FETCH with a 1 GiB literal.
// The client refuses it at once (ErrServerTooLarge, a French message), without reading it
// nor holding it.
func TestHostileServerHugeLiteral(t *testing.T) {
	pki := newHostilePKI(t)
	h := startHostileIMAP(t, pki, 1)
	h.bodyFetch = func(w *bufio.Writer, h *hostileIMAP) error {
		fmt.Fprint(w, "* 1 FETCH (UID 1 FLAGS () BODY[] ")
		if err := h.literal(w, 1<<30); err != nil {
			return err
		}
		_, err := fmt.Fprint(w, ")\r\n")
		return err
	}
	e, _ := hostileEngine(t, pki, h)
	var err error
	grew := heapGrowth(func() { err = e.SyncOnce(t.Context(), testBAL) })
	checkTooLarge(t, err)
	if s := h.sent.Load(); s > 256<<20 {
		t.Errorf("the client read %d MB of the literal before refusing it", s>>20)
	}
	if grew > 32<<20 {
		t.Errorf("heap grew by %d MB", grew>>20)
	}
	t.Logf("literal bytes written before the client hung up: %d MB; heap growth %d MB", h.sent.Load()>>20, grew>>20)
}

// TestHostileServerManyLargeLiterals: a server that announces small messages and sends 40
// bodies of 8 MiB each. The client streams every body to the store instead of holding
// them (today's main held up to 48 of them at once: 64 MiB each is 3 GiB).
func TestHostileServerManyLargeLiterals(t *testing.T) {
	pki := newHostilePKI(t)
	const n, size = 40, 8 << 20
	h := startHostileIMAP(t, pki, n)
	h.bodyFetch = func(w *bufio.Writer, h *hostileIMAP) error {
		for i := 1; i <= h.n; i++ {
			fmt.Fprintf(w, "* %d FETCH (UID %d FLAGS () RFC822.SIZE 1000 INTERNALDATE \"01-Jan-2026 08:00:00 +0000\" BODY[] ", i, i)
			if err := h.literal(w, size); err != nil {
				return err
			}
			if _, err := fmt.Fprint(w, ")\r\n"); err != nil {
				return err
			}
		}
		return nil
	}
	e, st := hostileEngine(t, pki, h)
	var err error
	grew := heapGrowth(func() { err = e.SyncOnce(t.Context(), testBAL) })
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := st.Counts(testBAL, "INBOX"); got != n {
		t.Errorf("%d messages stored, want %d", got, n)
	}
	body, err := st.Body(refOf(testBAL, "INBOX", n))
	if err != nil || len(body) != size {
		t.Errorf("last body: %d bytes, %v", len(body), err)
	}
	body = nil
	if grew > 48<<20 {
		t.Errorf("heap grew by %d MB for %d bodies of %d MB", grew>>20, n, size>>20)
	}
	t.Logf("heap growth %d MB for %d bodies of %d MB", grew>>20, n, size>>20)
}

// TestHostileServerUnsolicitedFetch: a server pushing BODY[] data nobody asked for (here
// with its SELECT response). Under the cap it is read through and dropped, and the sync
// goes on; over it the connection is dropped with ErrServerTooLarge. Either way it is
// never held in memory (today's main collected it whole).
func TestHostileServerUnsolicitedFetch(t *testing.T) {
	for _, c := range []struct {
		name string
		size int64
		fail bool
	}{
		{"under the cap", 40 << 20, false},
		{"over the cap", 200 << 20, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			pki := newHostilePKI(t)
			h := startHostileIMAP(t, pki, 0)
			h.onSelect = func(w *bufio.Writer, h *hostileIMAP) error {
				fmt.Fprint(w, "* 1 FETCH (UID 1 BODY[] ")
				if err := h.literal(w, c.size); err != nil {
					return err
				}
				_, err := fmt.Fprint(w, ")\r\n")
				return err
			}
			e, _ := hostileEngine(t, pki, h)
			var err error
			grew := heapGrowth(func() { err = e.SyncOnce(t.Context(), testBAL) })
			if c.fail {
				checkTooLarge(t, err)
			} else if err != nil {
				t.Fatal(err)
			}
			if grew > 16<<20 {
				t.Errorf("heap grew by %d MB for %d MB of unsolicited data", grew>>20, c.size>>20)
			}
			t.Logf("heap growth %d MB, %d MB written", grew>>20, h.sent.Load()>>20)
		})
	}
}

// failingBodies is a store whose streamed body writes fail after a first chunk, like a
// full disk.
type failingBodies struct {
	*store.Store
}

var errBodyWrite = errors.New("test: body write failed")

func (f failingBodies) WriteBody(_ store.Ref, r io.Reader) (int64, error) {
	n, _ := io.CopyN(io.Discard, r, 256<<10)
	return n, errBodyWrite
}

// TestStreamedBodyStoreFailure: when the store fails in the middle of a streamed body, the
// sync ends with that error at once (the half-read literal does not hang the connection).
func TestStreamedBodyStoreFailure(t *testing.T) {
	pki := newHostilePKI(t)
	h := startHostileIMAP(t, pki, 3)
	h.bodyFetch = func(w *bufio.Writer, h *hostileIMAP) error {
		for i := 1; i <= h.n; i++ {
			fmt.Fprintf(w, "* %d FETCH (UID %d FLAGS () BODY[] ", i, i)
			if err := h.literal(w, 4<<20); err != nil {
				return err
			}
			if _, err := fmt.Fprint(w, ")\r\n"); err != nil {
				return err
			}
		}
		return nil
	}
	e, st := hostileEngine(t, pki, h)
	e.cfg.Store = failingBodies{st}
	done := make(chan error, 1)
	go func() { done <- e.SyncOnce(t.Context(), testBAL) }()
	select {
	case err := <-done:
		if !errors.Is(err, errBodyWrite) {
			t.Fatalf("sync error = %v, want the store's", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the sync hangs after a store failure in a streamed body")
	}
}
