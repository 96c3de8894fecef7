// Package slowcard builds, for tests, a PKCS#11 module that wraps a real one (SoftHSM2) and
// makes every signature as slow as a real CPS card's. The real client loads its card module
// by path, in its own process, so the delay cannot be injected from Go as cpstest.Faults
// does in-process.
package slowcard

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

//go:embed slowcard.c.txt
var source []byte

// Build compiles the module into dir and returns its path: every call goes to realModule,
// each signature after sleeping delay. It needs gcc (Debian package gcc) and the go tool (to
// find the PKCS#11 headers that github.com/miekg/pkcs11 ships).
func Build(dir, realModule string, delay time.Duration) (string, error) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		return "", errors.New("slowcard: gcc not found: apt-get install gcc")
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/miekg/pkcs11").Output()
	if err != nil {
		return "", fmt.Errorf("slowcard: find the PKCS#11 headers: %w", err)
	}
	headers := strings.TrimSpace(string(out))
	src := filepath.Join(dir, "slowcard.c")
	if err := os.WriteFile(src, source, 0o600); err != nil {
		return "", fmt.Errorf("slowcard: %w", err)
	}
	lib := filepath.Join(dir, "libslowcard.so")
	cmd := exec.Command(gcc, "-shared", "-fPIC", "-O2", "-I", headers,
		"-DREAL_MODULE="+strconv.Quote(realModule), "-DDELAY_US="+strconv.FormatInt(delay.Microseconds(), 10),
		"-o", lib, src, "-ldl")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("slowcard: gcc: %w\n%s", err, msg)
	}
	return lib, nil
}
