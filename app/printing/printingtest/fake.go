//go:build !windows

// Package printingtest is test support for printing: fake CUPS commands. Like
// net/http/httptest, it is never used by the application.
package printingtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FakeCUPS puts lp and lpstat scripts in a directory on PATH. CUPS is an operating-system
// service (a root daemon and its backends) that a test cannot run here; the scripts answer
// as CUPS's commands do (their C-locale output, documented in lp(1) and lpstat(1)), and lp
// records its arguments and the file it was given, so the test sees what was submitted.
func FakeCUPS(t testing.TB, printers []string, def string) (dir string) {
	t.Helper()
	dir = t.TempDir()
	var accepting strings.Builder
	for _, p := range printers {
		accepting.WriteString(p + " accepting requests since Thu 03 Dec 2026 10:00:00 AM CET\n")
	}
	lpstat := "#!/bin/sh\ncase \"$1\" in\n-a)\n"
	if len(printers) == 0 {
		lpstat += "  echo 'lpstat: No destinations added.' >&2; exit 1;;\n"
	} else {
		lpstat += "  cat <<'X'\n" + accepting.String() + "X\n  ;;\n"
	}
	if def != "" {
		lpstat += "-d) echo 'system default destination: " + def + "';;\n"
	} else {
		lpstat += "-d) echo 'no system default destination';;\n"
	}
	lpstat += "esac\n"
	lp := `#!/bin/sh
printer=` + def + `
while [ $# -gt 0 ]; do
  case "$1" in
    -d) printer="$2"; shift 2;;
    -t) echo "$2" > "` + dir + `/title"; shift 2;;
    --) shift; break;;
    *) break;;
  esac
done
case " ` + strings.Join(printers, " ") + ` " in
  *" $printer "*) ;;
  *) echo "lp: The printer or class does not exist." >&2; exit 1;;
esac
echo "$printer" > "` + dir + `/printer"
cp "$1" "` + dir + `/printed"
echo "request id is $printer-7 (1 file(s))"
`
	for name, body := range map[string]string{"lpstat": lpstat, "lp": lp} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Submitted is what the fake lp of dir was last given: the printer, the job's title and the
// file's bytes (empty when nothing was printed).
func Submitted(dir string) (printer, title string, data []byte) {
	p, _ := os.ReadFile(filepath.Join(dir, "printer"))
	tt, _ := os.ReadFile(filepath.Join(dir, "title"))
	data, _ = os.ReadFile(filepath.Join(dir, "printed"))
	return strings.TrimSpace(string(p)), strings.TrimSpace(string(tt)), data
}

// OnPath puts dir first on PATH for the test.
func OnPath(t testing.TB, dir string) {
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}
