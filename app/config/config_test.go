package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// files writes the given machine and user texts ("" = no file) into a temp dir.
func files(t *testing.T, machine, user string) Files {
	t.Helper()
	dir := t.TempDir()
	f := Files{Machine: filepath.Join(dir, "machine", FileName), User: filepath.Join(dir, "user", FileName)}
	for path, text := range map[string]string{f.Machine: machine, f.User: user} {
		if text == "" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, raw)
	}
	return m
}

func TestLayering(t *testing.T) {
	f := files(t, `{
  "operator": {"domain": "op.mssante.fr", "imap": "imap.op.fr:143", "trust_store": ["C:\\Coffre"], "api": "https://api.op.fr/"},
  "pkcs11_module": "C:\\Windows\\System32\\cps3_pkcs11_w64.dll",
  "language": "en"
}`, `{"operator": {"imap": "imap2.op.fr:993", "imap_implicit_tls": true}, "language": "fr"}`)
	l, err := f.LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	c := l.Effective
	want := Operator{Domain: "op.mssante.fr", IMAP: "imap2.op.fr:993", IMAPImplicitTLS: true,
		TrustStore: []string{`C:\Coffre`}, API: "https://api.op.fr/"}
	if !equalOperator(c.Operator, want) {
		t.Errorf("operator = %+v, want %+v", c.Operator, want)
	}
	if c.Module != `C:\Windows\System32\cps3_pkcs11_w64.dll` || c.Language != "fr" {
		t.Errorf("module %q language %q", c.Module, c.Language)
	}
	for key, src := range map[string]Source{KeyDomain: FromMachine, KeyIMAP: FromUser, KeyLanguage: FromUser,
		KeyModule: FromMachine, KeySubmission: FromDefault, KeyIMAPImplicitTLS: FromUser} {
		if got := l.Origin(key); got != src {
			t.Errorf("Origin(%s) = %v, want %v", key, got, src)
		}
	}
	if FromMachine.String() != "configuration du poste" {
		t.Errorf("FromMachine = %q", FromMachine)
	}

	// null is absent: the machine's value stays.
	f = files(t, `{"operator": {"domain": "op.fr"}}`, `{"operator": {"domain": null}, "language": null}`)
	if l, err := f.LoadLayers(); err != nil || l.Effective.Operator.Domain != "op.fr" || l.Origin(KeyDomain) != FromMachine || l.Origin(KeyLanguage) != FromDefault {
		t.Fatalf("null: %+v %v", l.Effective, err)
	}

	// No machine file, no user file: an empty configuration, no error.
	c, err = files(t, "", "").Load()
	if err != nil || !equalOperator(c.Operator, Operator{}) || c.Module != "" {
		t.Fatalf("empty: %+v %v", c, err)
	}
}

func equalOperator(a, b Operator) bool {
	return a.Domain == b.Domain && a.IMAP == b.IMAP && a.Submission == b.Submission &&
		a.IMAPImplicitTLS == b.IMAPImplicitTLS && a.SubmissionImplicitTLS == b.SubmissionImplicitTLS &&
		a.ServerName == b.ServerName && slices.Equal(a.TrustStore, b.TrustStore) && a.API == b.API &&
		a.PSC == b.PSC && slices.Equal(a.Hosts, b.Hosts)
}

func TestLockedKeys(t *testing.T) {
	machine := `{"operator": {"domain": "op.mssante.fr", "api": "https://api.op.fr/"},
  "pkcs11_module": "/opt/cps/lib.so", "locked": ["operator", "pkcs11_module"]}`
	user := `{"operator": {"domain": "autre.fr", "imap": "x:143"}, "pkcs11_module": "/tmp/evil.so", "language": "en"}`
	f := files(t, machine, user)
	l, err := f.LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	c := l.Effective
	if c.Operator.Domain != "op.mssante.fr" || c.Operator.IMAP != "" || c.Module != "/opt/cps/lib.so" || c.Language != "en" {
		t.Fatalf("effective %+v", c)
	}
	if !l.IsLocked(KeyDomain) || !l.IsLocked(KeyOperator) || !l.IsLocked(KeyModule) || l.IsLocked(KeyLanguage) {
		t.Errorf("IsLocked: %v", l.Locked)
	}
	if l.Origin(KeyIMAP) != FromDefault || l.Origin(KeyDomain) != FromMachine {
		t.Errorf("origins: imap %v domain %v", l.Origin(KeyIMAP), l.Origin(KeyDomain))
	}
	if l.User.Operator.Domain != "autre.fr" {
		t.Errorf("user layer domain %q", l.User.Operator.Domain)
	}

	before, _ := os.ReadFile(f.User)
	changed := c
	changed.Operator.Domain = "pirate.fr"
	changed.Module = "/tmp/other.so"
	changed.Language = "fr"
	err = f.Save(changed)
	var le *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) || !slices.Equal(le.Keys, []string{KeyDomain, KeyModule}) {
		t.Fatalf("save of locked keys: %v", err)
	}
	msg := UserMessage(err)
	for _, want := range []string{"fixé par la configuration du poste", "le domaine de l'opérateur", "le module de la carte"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if after, _ := os.ReadFile(f.User); string(after) != string(before) {
		t.Fatalf("the refused save wrote the file:\n%s", after)
	}

	// The locked values unchanged, another key changed: saved; the user's own text under the
	// locked section stays (ignored), the change is written.
	c.Language = "fr"
	if err := f.Save(c); err != nil {
		t.Fatal(err)
	}
	got := readJSON(t, f.User)
	if got["language"] != "fr" || got["pkcs11_module"] != "/tmp/evil.so" {
		t.Errorf("user file after save: %v", got)
	}
	if c2, _ := f.Load(); c2.Language != "fr" || c2.Module != "/opt/cps/lib.so" {
		t.Errorf("reloaded %+v", c2)
	}
}

func TestLockOneKey(t *testing.T) {
	// Only the trust store is locked, and the machine does not set it: it stays unset whatever
	// the user says; the rest of the section is the user's.
	f := files(t, `{"operator": {"domain": "op.fr"}, "locked": ["operator.trust_store", "operator.psc"]}`,
		`{"operator": {"domain": "mien.fr", "trust_store": ["/tmp/faux"], "psc": "https://x/"}}`)
	c, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Operator.Domain != "mien.fr" || c.Operator.TrustStore != nil || c.Operator.PSC != "" {
		t.Fatalf("effective %+v", c.Operator)
	}
	c.Operator.TrustStore = []string{"/tmp/autre"}
	if err := f.Save(c); !errors.Is(err, ErrLocked) {
		t.Fatalf("save: %v", err)
	}
	// A locked section when the machine has none and the user has one: nothing of it applies.
	f = files(t, `{"locked": ["operator"]}`, `{"operator": {"domain": "mien.fr"}}`)
	if c, err := f.Load(); err != nil || c.Operator.Domain != "" {
		t.Fatalf("locked empty section: %+v %v", c.Operator, err)
	}
}

func TestSaveKeepsUnknownKeys(t *testing.T) {
	user := `{
  "annuaire": {"path": "C:\\annuaire.db", "refresh": 7},
  "future_number": 12345678901234567890,
  "operator": {"domain": "op.fr", "server_name": "mss.op.fr", "imap_implicit_tls": true, "future_flag": {"a": [1, 2]}},
  "language": "en"
}`
	f := files(t, "", user)
	c, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	c.Operator.Domain = "autre.fr"
	c.AutoLock = 10 * time.Minute
	if err := f.Save(c); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(f.User)
	for _, want := range []string{`"path": "C:\\annuaire.db"`, `"refresh": 7`, `"future_number": 12345678901234567890`,
		`"future_flag": {`, `"server_name": "mss.op.fr"`, `"imap_implicit_tls": true`, `"domain": "autre.fr"`,
		`"auto_lock": 600000000000`, `"language": "en"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("saved file lacks %s:\n%s", want, raw)
		}
	}
	if info, err := os.Stat(f.User); err != nil || (runtime.GOOS != "windows" && info.Mode().Perm() != 0o600) {
		t.Errorf("mode: %v %v", info.Mode(), err)
	}
	entries, _ := os.ReadDir(filepath.Dir(f.User))
	if len(entries) != 1 {
		t.Errorf("files left beside config.json: %v", entries)
	}
}

func TestSaveFollowsMachine(t *testing.T) {
	// Saving the effective configuration unchanged writes none of the machine's values into the
	// user's file, so that IT's later changes reach the user.
	f := files(t, `{"operator": {"domain": "op.fr", "api": "https://api.op.fr/"}}`, "")
	c, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	c.Language = "fr"
	if err := f.Save(c); err != nil {
		t.Fatal(err)
	}
	got := readJSON(t, f.User)
	if _, ok := got["operator"]; ok || got["language"] != "fr" {
		t.Fatalf("user file: %v", got)
	}
	if err := os.WriteFile(f.Machine, []byte(`{"operator": {"domain": "nouveau.fr"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.Load(); c.Operator.Domain != "nouveau.fr" {
		t.Fatalf("machine change not seen: %+v", c.Operator)
	}
	// Clearing a value the machine sets is written explicitly, and wins.
	c.Operator.Domain = ""
	if err := f.Save(c); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.Load(); c.Operator.Domain != "" {
		t.Fatalf("cleared domain came back: %q", c.Operator.Domain)
	}
}

func TestOldFiles(t *testing.T) {
	// As app.FileSettings wrote it (time.Duration in nanoseconds), with the CLI's keys too.
	old := `{
  "auto_lock": 900000000000,
  "language": "en",
  "operator": {
    "api": "https://api.op.fr/v1",
    "domain": "op.mssante.fr",
    "imap": "imap.op.fr:143",
    "submission": "smtp.op.fr:587",
    "submission_implicit_tls": true,
    "trust_store": ["/etc/opt/santesocial/CPS/Coffre"]
  },
  "pkcs11_module": "/usr/lib64/libcps3_pkcs11_lux.so"
}`
	f := files(t, "", old)
	c, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Operator: Operator{Domain: "op.mssante.fr", IMAP: "imap.op.fr:143", Submission: "smtp.op.fr:587",
		SubmissionImplicitTLS: true, TrustStore: []string{"/etc/opt/santesocial/CPS/Coffre"}, API: "https://api.op.fr/v1"},
		Module: "/usr/lib64/libcps3_pkcs11_lux.so", Language: "en", AutoLock: 15 * time.Minute}
	if !equalOperator(c.Operator, want.Operator) || c.Module != want.Module || c.Language != want.Language || c.AutoLock != want.AutoLock {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
	// Saved unchanged: the same values (an older Comptoir reads it back).
	if err := f.Save(c); err != nil {
		t.Fatal(err)
	}
	var back struct {
		AutoLock time.Duration `json:"auto_lock"`
		Operator struct {
			TrustStore []string `json:"trust_store"`
		} `json:"operator"`
	}
	raw, _ := os.ReadFile(f.User)
	if err := json.Unmarshal(raw, &back); err != nil || back.AutoLock != 15*time.Minute || len(back.Operator.TrustStore) != 1 {
		t.Fatalf("as an older version reads it: %+v %v\n%s", back, err, raw)
	}

	// Hand-written forms: a duration string, one trust-store path as a string, a BOM.
	f = files(t, "", "\xef\xbb\xbf"+`{"auto_lock": "10m", "operator": {"trust_store": "C:\\Coffre"}}`)
	if c, err := f.Load(); err != nil || c.AutoLock != 10*time.Minute || !slices.Equal(c.Operator.TrustStore, []string{`C:\Coffre`}) {
		t.Fatalf("hand-written: %+v %v", c, err)
	}
}

func TestBrokenFile(t *testing.T) {
	machine := `{"operator": {"domain": "op.fr"}}`
	user := "{\n  \"language\": \"fr\",\n  \"operator\": {\"domain\": \"x\",}\n}\n"
	f := files(t, machine, user)
	c, err := f.Load()
	var be *BrokenError
	if !errors.Is(err, ErrBroken) || !errors.As(err, &be) || be.Path != f.User || be.Line != 3 {
		t.Fatalf("load: %v (%+v)", err, be)
	}
	if c.Operator.Domain != "op.fr" {
		t.Errorf("the machine layer is still used: %+v", c.Operator)
	}
	msg := UserMessage(err)
	for _, want := range []string{"illisible", "(ligne 3)", f.User, "ne l'a pas modifié"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	c.Language = "en"
	if err := f.Save(c); !errors.Is(err, ErrBroken) {
		t.Fatalf("save over a broken file: %v", err)
	}
	if after, _ := os.ReadFile(f.User); string(after) != user {
		t.Fatalf("the broken file was rewritten:\n%s", after)
	}

	// A known key of the wrong type: named in the message.
	f = files(t, `{"operator": {"domain": 5}}`, `{"language": "fr"}`)
	c, err = f.Load()
	if !errors.As(err, &be) || be.Key != KeyDomain || be.Path != f.Machine {
		t.Fatalf("type error: %v", err)
	}
	if c.Language != "fr" {
		t.Errorf("the user layer is still used: %+v", c)
	}
	if msg := UserMessage(err); !strings.Contains(msg, "« operator.domain »") {
		t.Errorf("message %q", msg)
	}
	if err := f.Save(c); !errors.Is(err, ErrBroken) {
		t.Fatalf("save with a broken machine file (locks unknown): %v", err)
	}
	for _, text := range []string{`[1, 2]`, `{"auto_lock": "bientôt"}`, `{"operator": "op.fr"}`, `{"locked": [1]}`, `{} {}`} {
		if _, err := files(t, "", text).Load(); !errors.Is(err, ErrBroken) {
			t.Errorf("%s: %v", text, err)
		}
	}
	if UserMessage(errors.New("other")) != "" || UserMessage(nil) != "" {
		t.Error("UserMessage of a foreign error")
	}
}

func TestSetMachine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Comptoir", FileName)
	if changed, err := SetMachine(path, Config{}, nil); err != nil || changed {
		t.Fatalf("nothing to set: %v %v", changed, err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a file was created with nothing to set: %v", err)
	}
	odd := `C:\Program Files\Mon "Coffre"\` // spaces, quotes, a trailing backslash
	c := Config{Operator: Operator{Domain: "op.mssante.fr", TrustStore: []string{odd, `D:\b`}, API: "https://api.op.fr/?a=1&b=<2>"},
		Module: `C:\Cryptolib\cps3_pkcs11_w64.dll`}
	if changed, err := SetMachine(path, c, []string{" operator ", "", "pkcs11_module"}); err != nil || !changed {
		t.Fatalf("set: %v %v", changed, err)
	}
	if info, err := os.Stat(path); err != nil || (runtime.GOOS != "windows" && info.Mode().Perm() != 0o644) {
		t.Fatalf("mode %v %v", info, err)
	}
	// Later values merge; keys not given stay, and so do keys the file has that we don't know.
	raw, _ := os.ReadFile(path)
	if err := os.WriteFile(path, []byte(strings.Replace(string(raw), "{", `{"extra": {"keep": true},`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := SetMachine(path, Config{Operator: Operator{IMAP: "imap.op.fr:143"}}, nil); err != nil {
		t.Fatal(err)
	}
	l, err := Files{Machine: path}.LoadLayers()
	if err != nil {
		t.Fatal(err)
	}
	m := l.Machine
	if m.Operator.Domain != "op.mssante.fr" || m.Operator.IMAP != "imap.op.fr:143" || !slices.Equal(m.Operator.TrustStore, []string{odd, `D:\b`}) ||
		m.Operator.API != c.Operator.API || m.Module != c.Module || !slices.Equal(l.Locked, []string{"operator", "pkcs11_module"}) {
		t.Fatalf("read back %+v locked %v", m, l.Locked)
	}
	if got := readJSON(t, path); got["extra"] == nil {
		t.Errorf("unknown key lost: %v", got)
	}
	// A broken machine file is not overwritten.
	if err := os.WriteFile(path, []byte("{oops"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := SetMachine(path, c, nil); !errors.Is(err, ErrBroken) {
		t.Fatalf("broken: %v", err)
	}
	if raw, _ := os.ReadFile(path); string(raw) != "{oops" {
		t.Fatalf("rewritten: %s", raw)
	}
}

func TestPathsAndMail(t *testing.T) {
	want := map[string]string{"linux": "/etc/comptoir/config.json", "darwin": "/Library/Application Support/Comptoir/config.json"}[runtime.GOOS]
	if runtime.GOOS == "windows" {
		want = filepath.Join(os.Getenv("ProgramData"), "Comptoir", "config.json")
	}
	if want != "" && MachinePath() != want {
		t.Errorf("MachinePath = %q, want %q", MachinePath(), want)
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	if f, err := Default(); err != nil || filepath.Base(filepath.Dir(f.User)) != "comptoir" || f.Machine != MachinePath() {
		t.Errorf("Default = %+v %v", f, err)
	}
	o := Operator{Domain: "d", IMAP: "i:1", Submission: "s:2", IMAPImplicitTLS: true, SubmissionImplicitTLS: true,
		ServerName: "n", TrustStore: []string{"t"}, API: "a", PSC: "p", Hosts: []string{"h"}}
	m := o.Mail()
	if m.Domain != "d" || m.IMAP != "i:1" || m.SMTP != "s:2" || !m.IMAPImplicitTLS || !m.SMTPImplicitTLS ||
		m.ServerName != "n" || !slices.Equal(m.TrustStore, []string{"t"}) {
		t.Errorf("Mail() = %+v", m)
	}
	if len(Keys()) != len(fields) || Keys()[0] != KeyDomain {
		t.Errorf("Keys() = %v", Keys())
	}
}
