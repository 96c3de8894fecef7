package session_test

import (
	"crypto/tls"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"comptoir/app/session"
	"comptoir/cps/cpstest"
	"comptoir/mail/msg"
	"comptoir/mail/trustlist"
)

// hasWarning reports whether b carries a warning of kind k.
func hasWarning(b *msg.Built, k msg.WarningKind) bool {
	return slices.ContainsFunc(b.Warnings, func(w msg.Warning) bool { return w.Kind == k })
}

// The trust-space list refreshed in a session (Paramètres' « Mettre à jour ») is verified,
// stored, and checks the next messages' recipients at once; a forged one changes nothing.
func TestSessionRefreshTrustList(t *testing.T) {
	cfg := config(t)
	cfg.Trust = msg.NewTrustList("autre-operateur.mssante.fr") // the sandbox's domain is outside it
	path := filepath.Join(t.TempDir(), "listeblanchemssante.xml")
	cfg.TrustList = session.TrustListConfig{Path: path, Source: trustlist.Source{List: world.srv.TrustListURL()},
		Options: trustlist.Options{TLSConfig: &tls.Config{RootCAs: world.pki.RootPool(), MinVersion: tls.VersionTLS12}}}
	s := open(t, cpstest.Titulaire, cfg)
	bal := world.seed.Pharmacy
	to := world.seed.Doctor
	draft := msg.Draft{From: msg.Address{Email: bal}, To: []msg.Address{{Email: to}}, Subject: "Ordonnance", Text: "Bonjour"}

	if _, err := s.TrustListInfo(); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("TrustListInfo before any refresh: %v, want fs.ErrNotExist", err)
	}
	if out := s.OutsideTrust([]string{to}); len(out) != 1 {
		t.Fatalf("before the refresh, %s is inside the trust space: %v", to, out)
	}
	if b, err := s.Prepare(draft); err != nil || !hasWarning(b, msg.WarnOutsideTrust) {
		t.Fatalf("before the refresh, Prepare: %v, warnings %+v", err, b)
	}

	info, err := s.RefreshTrustList(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !info.Signed || info.Domains != 2 || info.Generated.IsZero() || len(info.Notices) != 0 {
		t.Errorf("refreshed list: %+v", info)
	}
	if out := s.OutsideTrust([]string{to}); len(out) != 0 {
		t.Errorf("after the refresh, %s is still outside the trust space", to)
	}
	if b, err := s.Prepare(draft); err != nil || hasWarning(b, msg.WarnOutsideTrust) || hasWarning(b, msg.WarnNoTrustList) {
		t.Errorf("after the refresh, Prepare: %v, warnings %+v", err, b.Warnings)
	}
	stored, err := s.TrustListInfo()
	if err != nil || !stored.Generated.Equal(info.Generated) || !stored.Signed {
		t.Errorf("TrustListInfo after the refresh: %+v, %v", stored, err)
	}

	// A list whose signature no longer matches its content is refused, the list in use and
	// the stored one kept.
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	forged := []byte(strings.Replace(string(good), world.srv.Domain(), "pirate.example", 1))
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(forged) }))
	defer srv.Close()
	cfg2 := cfg
	cfg2.TrustList.Source = trustlist.Source{List: srv.URL}
	pool := world.pki.RootPool()
	pool.AddCert(srv.Certificate())
	cfg2.TrustList.Options.TLSConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	cfg2.CacheDir = t.TempDir()
	s2 := open(t, cpstest.Titulaire, cfg2)
	if _, err := s2.RefreshTrustList(t.Context()); !errors.Is(err, trustlist.ErrBadSignature) || trustlist.UserMessage(err) == "" {
		t.Errorf("forged list: %v, want ErrBadSignature with a French message", err)
	}
	if out := s2.OutsideTrust([]string{to}); len(out) != 1 {
		t.Errorf("a refused list changed the list in use")
	}
	if now, err := os.ReadFile(path); err != nil || string(now) != string(good) {
		t.Errorf("a refused list replaced the stored one (%v)", err)
	}

	s.Lock()
	if _, err := s.RefreshTrustList(t.Context()); !errors.Is(err, session.ErrClosed) {
		t.Errorf("refresh in a locked session: %v, want ErrClosed", err)
	}
}
