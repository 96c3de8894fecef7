package psc

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"comptoir/cmd/mss-sandbox/sandbox"
	"comptoir/mail"
	"comptoir/mail/msg"
	"comptoir/store"
)

// TestPSCTokensNeverOnDisk: after an e-CPS login, refreshes, a sync and a submission with
// the token, and a logout, no token the intermediate server handed out is in any file
// under the configuration, cache and data directories, in the logs, or in the (decrypted)
// audit journal.
func TestPSCTokensNeverOnDisk(t *testing.T) {
	root := t.TempDir()
	dirs := map[string]string{}
	for _, v := range []string{"XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"} {
		dirs[v] = filepath.Join(root, strings.ToLower(v))
		if err := os.MkdirAll(dirs[v], 0o700); err != nil {
			t.Fatal(err)
		}
		t.Setenv(v, dirs[v])
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := startEnv(t, sandbox.PSCOptions{AccessTTL: 3 * time.Second, CIBAInterval: time.Second})
	e.c.log = logger
	s := e.loginECPS(titulaire)

	cacheDir, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(cacheDir, "comptoir", "cache.db"), key, store.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pool, crls, err := mail.LoadTrust(e.srv.TrustAnchorPath())
	if err != nil {
		t.Fatal(err)
	}
	a := sandbox.Seed(e.srv.Domain())
	eng := mail.NewEngine(mail.EngineConfig{
		Operator: mail.Operator{IMAPAddr: e.srv.IMAPAddr(), SMTPAddr: e.srv.SMTPAddr(), ServerName: e.srv.ServerName(),
			RootCAs: pool, CRLs: crls, Domain: e.srv.Domain()},
		Token: s, Store: st, BALs: []string{a.Titulaire}, Author: titulaire, NIL: "Comptoir/test", Logger: logger})
	if err := eng.SyncOnce(e.ctx, a.Titulaire); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.QueueBuilt(a.Titulaire, mustBuild(t, a.Titulaire, a.Doctor)); err != nil {
		t.Fatal(err)
	}
	_, _, _, before := s.state()
	waitFor(t, 10*time.Second, "a refresh", func() bool { _, _, _, n := s.state(); return n > before })
	if err := eng.FlushOnce(e.ctx, a.Titulaire); err != nil {
		t.Fatal(err)
	}
	if err := eng.SyncOnce(e.ctx, a.Titulaire); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	tokens := e.rec.all()
	if len(tokens) < 4 {
		t.Fatalf("recorded %d tokens, want the login's three and a refresh's", len(tokens))
	}
	entries, err := st.AuditQuery(store.AuditFilter{})
	if err != nil || len(entries) == 0 {
		t.Fatalf("audit journal: %d entries, %v", len(entries), err)
	}
	var audit strings.Builder
	for _, en := range entries {
		audit.WriteString(en.Request + "\n" + en.Response + "\n")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files++
			for _, tok := range tokens {
				if bytes.Contains(b, []byte(tok)) {
					t.Errorf("%s holds a token", path)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files == 0 {
		t.Fatal("nothing was written under the directories: the scan proves nothing")
	}
	for _, tok := range tokens {
		if strings.Contains(logs.String(), tok) {
			t.Error("the logs hold a token")
		}
		if strings.Contains(audit.String(), tok) {
			t.Error("the audit journal holds a token")
		}
	}
}

func mustBuild(t *testing.T, from, to string) *msg.Built {
	t.Helper()
	b, err := msg.Build(msg.Draft{From: msg.Address{Email: from}, To: []msg.Address{{Email: to}},
		Subject: "Test PSC", Text: "Bonjour.\n"}, msg.BuildOptions{NIL: "Comptoir/test", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
