//go:build linux

package keyring_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDPAPIUnderWine cross-compiles this package's tests for Windows and runs the DPAPI
// ones under wine (Debian's wine 8: its crypt32 implements CryptProtectData), in a
// throw-away prefix. Wine's DPAPI is not Windows's (its key is not derived from a logon
// password), so this proves our calls and file handling, not Windows's protection.
func TestDPAPIUnderWine(t *testing.T) {
	for _, tool := range []string{"wine", "x86_64-w64-mingw32-gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: apt-get install wine wine64 gcc-mingw-w64-x86-64 (scripts/deps.sh windows)", tool)
		}
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go not found in PATH: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	dir := t.TempDir()
	exe := filepath.Join(dir, "keyring.test.exe")
	build := exec.CommandContext(ctx, goTool, "test", "-c", "-o", exe, ".")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("cross-compiling the tests for Windows: %v\n%s", err, out)
	}

	prefix := filepath.Join(dir, "wine")
	env := append(os.Environ(), "WINEPREFIX="+prefix, "WINEDEBUG=-all", "WINEARCH=win64",
		"WINEDLLOVERRIDES=mscoree,mshtml=;winemenubuilder.exe=d",
		"HOME="+dir, "XDG_CACHE_HOME="+filepath.Join(dir, "cache"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_DATA_HOME="+filepath.Join(dir, "data"), "DISPLAY=", "WAYLAND_DISPLAY=")
	run := func(name string, args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env, cmd.Dir = env, dir
		return cmd.CombinedOutput()
	}
	if out, err := run("wine", "wineboot", "--init"); err != nil {
		t.Fatalf("wineboot: %v\n%s", err, out)
	}
	// Wine 8 lacks bcryptprimitives.dll (ProcessPrng), which the Go runtime needs: the
	// stand-in of scripts/package-test.sh.
	src, err := filepath.Abs("../../packaging/wine")
	if err != nil {
		t.Fatal(err)
	}
	dll := filepath.Join(prefix, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	if out, err := run("x86_64-w64-mingw32-gcc", "-O2", "-s", "-shared", "-o", dll,
		filepath.Join(src, "bcryptprimitives.c"), filepath.Join(src, "bcryptprimitives.def"), "-lbcrypt"); err != nil {
		t.Fatalf("building the bcryptprimitives stand-in: %v\n%s", err, out)
	}
	out, err := run("wine", exe, "-test.run", "^TestDPAPI", "-test.v", "-test.count=1")
	t.Logf("under wine:\n%s", out)
	if err != nil {
		t.Fatalf("the DPAPI tests failed under wine: %v", err)
	}
	for _, want := range []string{"--- PASS: TestDPAPIRoundTrip", "\nPASS"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("wine output lacks %q", want)
		}
	}
}
