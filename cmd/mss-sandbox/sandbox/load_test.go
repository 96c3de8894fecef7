package sandbox

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"comptoir/cps/cpstest"
)

// loadResult holds the figures of one load run.
type loadResult struct {
	duration           time.Duration
	sent, sendErrors   int64
	delivered, lost    int64
	imapOps, imapErrs  int64
	p50, p99           time.Duration
	sessions, smtpConn int
}

func (r loadResult) String() string {
	return fmt.Sprintf("%d IMAP sessions: %d ops (%.0f/s), %d errors; %d SMTP connections: %d sent in %v (%.0f/s), %d errors, "+
		"submit p50 %v p99 %v; delivered %d, lost %d",
		r.sessions, r.imapOps, float64(r.imapOps)/r.duration.Seconds(), r.imapErrs, r.smtpConn, r.sent,
		r.duration.Round(time.Millisecond), float64(r.sent)/r.duration.Seconds(), r.sendErrors,
		r.p50, r.p99, r.delivered, r.lost)
}

// runLoad keeps `sessions` IMAP sessions busy (FETCH of the newest envelopes, NOOP) while
// submitting `rate` messages per second for d over a pool of SMTP connections, then counts
// what reached the recipient's INBOX.
func runLoad(tb testing.TB, e *env, sessions, rate int, d time.Duration) loadResult {
	tb.Helper()
	const smtpConns = 16
	runID := fmt.Sprintf("load-%d", time.Now().UnixNano())
	docCard := e.personCert(cpstest.Medecin.Person)
	titCard := e.personCert(cpstest.Titulaire.Person)
	to := e.a.Doctor

	// IMAP sessions: log in first, so the run measures steady state.
	var ops, opErrs atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range sessions {
		cert, bal := &docCard, e.a.Doctor
		if i%2 == 1 {
			cert, bal = &titCard, e.a.Pharmacy
		}
		c, err := imapclient.DialStartTLS(e.srv.IMAPAddr(), &imapclient.Options{TLSConfig: e.clientTLS(cert)})
		if err != nil {
			tb.Fatalf("IMAP dial %d: %v", i, err)
		}
		if err := c.Authenticate(sasl.NewExternalClient(bal)); err != nil {
			tb.Fatalf("IMAP auth %d: %v", i, err)
		}
		if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			tb.Fatalf("IMAP select %d: %v", i, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					_ = c.Logout().Wait()
					return
				case <-tick.C:
				}
				var err error
				if ops.Load()%3 == 0 {
					err = c.Noop().Wait()
				} else {
					_, err = c.Fetch(imap.SeqSet{imap.SeqRange{Start: 0, Stop: 0}}, &imap.FetchOptions{Envelope: true, Flags: true, UID: true}).Collect()
				}
				ops.Add(1)
				if err != nil {
					opErrs.Add(1)
				}
			}
		}()
	}

	// SMTP: a token per 1/rate second, consumed by a pool of authenticated connections.
	tokens := make(chan int, rate*int(d/time.Second+1))
	var sent, sendErrs atomic.Int64
	var latMu sync.Mutex
	var lat []time.Duration
	var swg sync.WaitGroup
	clients := make([]*smtp.Client, smtpConns)
	for i := range clients {
		c, err := smtp.DialStartTLS(e.srv.SMTPAddr(), e.clientTLS(&titCard))
		if err != nil {
			tb.Fatalf("SMTP dial: %v", err)
		}
		if err := c.Auth(sasl.NewExternalClient(e.a.Pharmacy)); err != nil {
			tb.Fatalf("SMTP auth: %v", err)
		}
		clients[i] = c
	}
	start := time.Now()
	ops0 := ops.Load()
	for _, c := range clients {
		swg.Add(1)
		go func(c *smtp.Client) {
			defer swg.Done()
			defer c.Close()
			for n := range tokens {
				msg := rawMessage(e.a.Pharmacy, to, fmt.Sprintf("Charge %d", n), "X-Load-Run: "+runID+"\r\n", "Message de charge.")
				t0 := time.Now()
				err := c.SendMail(e.a.Pharmacy, []string{to}, bytes.NewReader(msg))
				el := time.Since(t0)
				if err != nil {
					sendErrs.Add(1)
					continue
				}
				sent.Add(1)
				latMu.Lock()
				lat = append(lat, el)
				latMu.Unlock()
			}
		}(c)
	}
	// Issue tokens against the clock, so that a late tick does not lower the rate.
	tick := time.NewTicker(5 * time.Millisecond)
	for n := 0; time.Since(start) < d; {
		<-tick.C
		for due := int(time.Since(start).Seconds() * float64(rate)); n < due; n++ {
			tokens <- n
		}
	}
	tick.Stop()
	close(tokens)
	swg.Wait()
	elapsed := time.Since(start)
	opsDone := ops.Load() - ops0
	close(stop)
	wg.Wait()

	var delivered int64
	msgs, err := e.srv.Messages(to)
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range msgs {
		if bytes.Contains(m, []byte("X-Load-Run: "+runID+"\r\n")) {
			delivered++
		}
	}
	slices.Sort(lat)
	r := loadResult{duration: elapsed, sent: sent.Load(), sendErrors: sendErrs.Load(), delivered: delivered,
		lost: sent.Load() - delivered, imapOps: opsDone, imapErrs: opErrs.Load(), sessions: sessions, smtpConn: smtpConns}
	if len(lat) > 0 {
		r.p50, r.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return r
}

func checkLoad(tb testing.TB, r loadResult) {
	tb.Helper()
	tb.Log(r)
	if r.sendErrors != 0 || r.imapErrs != 0 || r.lost != 0 || r.sent == 0 || r.imapOps == 0 {
		tb.Fatalf("load run failed: %v", r)
	}
}

// TestLoadShort exercises the load path for 3 s (the full run is BenchmarkLoad).
func TestLoadShort(t *testing.T) {
	e := startEnv(t, nil)
	checkLoad(t, runLoad(t, e, 50, 200, 3*time.Second))
}

// BenchmarkLoad: 50 concurrent IMAP sessions and 200 submissions/s for 30 s on loopback.
func BenchmarkLoad(b *testing.B) {
	e := startEnv(b, nil)
	for range b.N {
		r := runLoad(b, e, 50, 200, 30*time.Second)
		checkLoad(b, r)
		b.ReportMetric(float64(r.sent)/r.duration.Seconds(), "submissions/s")
		b.ReportMetric(float64(r.imapOps)/r.duration.Seconds(), "imap-ops/s")
		b.ReportMetric(float64(r.p99.Microseconds())/1000, "p99-submit-ms")
		b.ReportMetric(float64(r.lost), "lost")
		b.ReportMetric(float64(r.sendErrors+r.imapErrs), "errors")
	}
}
