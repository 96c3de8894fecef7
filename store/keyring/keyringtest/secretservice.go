//go:build !windows && !darwin

// Package keyringtest gives tests a real OS secret store of their own: on Linux a private
// Secret Service (its own D-Bus bus and gnome-keyring-daemon, with an unlocked login
// collection in a temp dir, the user's keyring untouched); on Windows DPAPI with blobs in a
// temp dir; on macOS the login Keychain under a service name of the test's, emptied after.
package keyringtest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"comptoir/store"
	"comptoir/store/keyring"
)

const installHint = "apt-get install gnome-keyring dbus (scripts/deps.sh keyring)"

// SecretService is a running private Secret Service.
type SecretService struct {
	// Address is the D-Bus address of its bus (DBUS_SESSION_BUS_ADDRESS for a child).
	Address string
	// Keyring talks to it.
	Keyring *keyring.SecretService
	conn    *dbus.Conn
}

// New returns a private secret store of this OS for the test.
func New(t testing.TB) store.Keyring { return StartSecretService(t).Keyring }

// busConfig is a session bus that only listens on its socket: no service activation, so
// nothing of the host's starts on it.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// StartBus starts a private D-Bus session bus in dir (short: a unix socket path is limited
// to about 100 bytes) and returns its address; the test's cleanup stops it.
func StartBus(t testing.TB, dir string) string {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Fatalf("keyringtest: dbus-daemon not found: %s", installHint)
	}
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, busConfig, filepath.Join(dir, "bus")), 0o600); err != nil {
		t.Fatal(err)
	}
	bus := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--nopidfile", "--print-address=1")
	bus.Dir, bus.Stderr = dir, &logWriter{t: t, name: "dbus-daemon"}
	out, err := bus.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(); err != nil {
		t.Fatalf("keyringtest: start dbus-daemon: %v", err)
	}
	stop(t, bus)
	addrc := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addrc <- strings.TrimSpace(line)
	}()
	select {
	case addr := <-addrc:
		if addr == "" {
			t.Fatal("keyringtest: dbus-daemon exited without an address")
		}
		return addr
	case <-time.After(30 * time.Second):
		t.Fatal("keyringtest: dbus-daemon printed no address")
	}
	return ""
}

// TempDir returns a short temp dir removed at cleanup (t.TempDir can be too long for a
// socket path).
func TempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "kr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// StartSecretService starts dbus-daemon and gnome-keyring-daemon (unlocked with a test
// password given on its standard input) in a temp dir; the test's cleanup stops them.
func StartSecretService(t testing.TB) *SecretService {
	t.Helper()
	if _, err := exec.LookPath("gnome-keyring-daemon"); err != nil {
		t.Fatalf("keyringtest: gnome-keyring-daemon not found: %s", installHint)
	}
	dir := TempDir(t)
	for _, d := range []string{"home", "data", "config", "run"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	addr := StartBus(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	gk := exec.Command("gnome-keyring-daemon", "--foreground", "--components=secrets", "--unlock")
	gk.Dir = dir
	gk.Env = append(os.Environ(),
		"HOME="+filepath.Join(dir, "home"),
		"XDG_DATA_HOME="+filepath.Join(dir, "data"),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_RUNTIME_DIR="+filepath.Join(dir, "run"),
		"DBUS_SESSION_BUS_ADDRESS="+addr)
	gk.Stdin = strings.NewReader("comptoir-test-keyring") // the login collection's password
	gk.Stdout, gk.Stderr = &logWriter{t: t, name: "gnome-keyring"}, &logWriter{t: t, name: "gnome-keyring"}
	if err := gk.Start(); err != nil {
		t.Fatalf("keyringtest: start gnome-keyring-daemon: %v", err)
	}
	stop(t, gk)

	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("keyringtest: connect to the test bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	// Wait for the service and its default collection (made by --unlock).
	for {
		var coll dbus.ObjectPath
		err := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets").
			CallWithContext(ctx, "org.freedesktop.Secret.Service.ReadAlias", 0, "default").Store(&coll)
		if err == nil && coll != "/" {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("keyringtest: no Secret Service with a default collection on the test bus: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return &SecretService{Address: addr, Keyring: keyring.NewSecretService(conn, keyring.Service), conn: conn}
}

// Lock locks the default collection, as a screen lock or a keyring timeout does.
func (s *SecretService) Lock(t testing.TB) {
	t.Helper()
	var coll dbus.ObjectPath
	obj := s.conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")
	if err := obj.Call("org.freedesktop.Secret.Service.ReadAlias", 0, "default").Store(&coll); err != nil {
		t.Fatal(err)
	}
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := obj.Call("org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{coll}).Store(&locked, &prompt); err != nil {
		t.Fatalf("keyringtest: lock: %v", err)
	}
	if len(locked) != 1 {
		t.Fatalf("keyringtest: lock: %v locked, prompt %s", locked, prompt)
	}
}

// stop kills a process of the test at cleanup and reaps it.
func stop(t testing.TB, cmd *exec.Cmd) {
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
}

// logWriter passes a daemon's output to the test log.
type logWriter struct {
	t    testing.TB
	name string
}

func (w *logWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w.t.Logf("%s: %s", w.name, line)
	}
	return len(p), nil
}
